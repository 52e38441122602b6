// Screenshots of the keyboard-only flow (issue 12) in English and Khmer, with the focus ring
// visible where the keys have led, all in the new-incident editor: after the people, the
// testimony, the two photos waiting; then the incident saved once and still open; and the unlock
// screen in Khmer after a restart. Not a test: run
//   E2E_SCRIPT=tests/e2e/screenshots-keyboard.mjs bash scripts/e2e.sh --no-build
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KEYS, Session } from './lib/webdriver.mjs';
import { createVault, PASSPHRASE } from './lib/flows.mjs';
import { recordBeating } from './lib/beating.mjs';

const OUT = resolve(new URL('../../docs/screenshots', import.meta.url).pathname);
mkdirSync(OUT, { recursive: true });

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    const search = await s.waitFor('#search-text');
    await s.cmd('POST', `/element/${search}/value`, { text: `${KEYS.CONTROL}l${KEYS.NULL}` });
    const shot = async (name) => {
      await s.execute('return document.fonts.ready.then(() => true)');
      await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
      const file = `${OUT}/${name}-${lang}.png`;
      writeFileSync(file, Buffer.from(await s.screenshot(), 'base64'));
      console.log(`saved ${file}`);
    };
    const r = await recordBeating(s, { lang, passphrase: PASSPHRASE, shot });
    console.log(`${lang}: ${r.presses} keys, ${r.chars} characters of text, ${(r.ms / 1000).toFixed(1)} s`);
  } finally {
    await s.close();
  }
}

// The unlock screen after a restart, in the language chosen when the vault was made.
const root = resolve(process.env.TMPDIR ?? '/tmp', `saksi-shot-lang-${process.pid}`);
const vault = `${root}/vault`;
let s = await Session.start({ vault });
await s.select('#first-run-language', 'km');
await createVault(s);
await s.close();
s = await Session.start({ vault });
await s.waitForText('#unlock-title', 'ដោះសោ');
await s.execute('return document.fonts.ready.then(() => true)');
// A fresh window may not have painted its first screen yet: let it, before the grab.
await new Promise((r) => setTimeout(r, 1500));
await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
writeFileSync(`${OUT}/unlock-after-restart-km.png`, Buffer.from(await s.screenshot(), 'base64'));
console.log(`saved ${OUT}/unlock-after-restart-km.png`);
await s.close();
rmSync(root, { recursive: true, force: true });
