// Screenshots of the recovery key, backup and restore screens in English and Khmer, saved into
// docs/screenshots/. Not a test: `E2E_SCRIPT=tests/e2e/screenshots-lifecycle.mjs bash
// scripts/e2e.sh --no-build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { confirmRecoveryKey, PASSPHRASE, shownRecoveryKey } from './lib/flows.mjs';

const OUT = resolve(new URL('../../docs/screenshots', import.meta.url).pathname);
mkdirSync(OUT, { recursive: true });

async function shoot(s, name) {
  await s.execute('return document.fonts.ready.then(() => true)');
  await s.execute('document.activeElement && document.activeElement.blur && document.activeElement.blur(); return true');
  const id = execFileSync('xdotool', ['search', '--sync', '--onlyvisible', '--name', '^Saksi$']).toString().trim().split('\n')[0];
  const file = `${OUT}/${name}.png`;
  for (let attempt = 0; ; attempt++) {
    await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
    execFileSync('import', ['-window', id, file]);
    if (statSync(file).size > 2000 || attempt >= 20) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`saved ${file}`);
}

async function scrollTo(s, css) {
  const el = await s.waitFor(css);
  await s.execute('arguments[0].scrollIntoView({ block: "start" }); return true', [{ 'element-6066-11e4-a52e-4f735466cecf': el }]);
}

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await s.type('#new-passphrase', PASSPHRASE);
    await s.type('#confirm-passphrase', PASSPHRASE);
    await s.click('#create-submit');
    await s.waitFor('#recovery-offer');
    await shoot(s, `recovery-offer-${lang}`);
    await s.click('#recovery-make');
    const key = await shownRecoveryKey(s);
    await shoot(s, `recovery-key-${lang}`);
    await confirmRecoveryKey(s, key);
    await s.waitFor('#lock-button');
    await s.click('#nav-settings');
    await scrollTo(s, '#recovery-panel');
    await shoot(s, `recovery-settings-${lang}`);
    await scrollTo(s, '#backup-panel');
    await s.type('#backup-passphrase', 'harbor violet pencil summit');
    await shoot(s, `backup-${lang}`);
    await s.click('#lock-button');
    await s.click('#unlock-forgot');
    await s.fill('#recovery-key-input', key);
    await shoot(s, `recovery-unlock-${lang}`);
  } finally {
    await s.close();
  }
  const r = await Session.start();
  try {
    await r.select('#first-run-language', lang);
    await r.click('#restore-open');
    await r.type('#restore-secret', 'harbor violet pencil summit');
    await shoot(r, `restore-${lang}`);
  } finally {
    await r.close();
  }
}
