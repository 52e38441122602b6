// The monitor's three minutes (issue 12), in the real window: the founding letter's beating
// incident recorded keyboard-only with its keys counted; Ctrl+L keeping what was typed a moment
// before locking; the unlock screen in the language chosen, after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, Session } from './lib/webdriver.mjs';
import { createVault, PASSPHRASE, unlock } from './lib/flows.mjs';
import { recordBeating, VICTIMS } from './lib/beating.mjs';


test('the beating incident is recorded keyboard-only in Khmer, in under 60 keys besides the text', { timeout: 600_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await s.select('#first-run-language', 'km');
  await createVault(s);
  const search = await s.waitFor('#search-text');
  await s.cmd('POST', `/element/${search}/value`, { text: `${KEYS.CONTROL}l${KEYS.NULL}` });

  const r = await recordBeating(s, { lang: 'km', passphrase: PASSPHRASE });
  const report = `keys: ${r.presses} (before the one save ${r.editorPresses}), text characters: ${r.chars}, time: ${(r.ms / 1000).toFixed(1)} s\n${r.log.join(' ')}\n`;
  console.log(report);
  if (process.env.KEYS_REPORT) writeFileSync(process.env.KEYS_REPORT, report);

  // What was recorded, as the incident page shows it.
  await s.waitForText('#incident-detail-title', r.title);
  for (const v of VICTIMS) await s.waitForText('#incident-people', v.original);
  await s.waitForText('#incident-people', 'អង្គរក្ស');
  await s.waitForText('#testimony-list', r.body.slice(0, 12));
  assert.equal((await s.findAll('#evidence-grid .tile')).length, 2, 'both photos are attached');
  assert.ok(r.presses < 60, `the whole incident must take under 60 keys besides the text (took ${r.presses}: ${r.log.join(' ')})`);
});

test('Ctrl+L keeps what was typed a moment before locking, as the draft', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  await s.click('#add-incident');
  // Typed as keystrokes, then Ctrl+L at once: well inside the 3-second autosave interval.
  const title = await s.type('#incident-title', 'Typed just before the lock');
  await s.cmd('POST', `/element/${title}/value`, { text: `${KEYS.CONTROL}l${KEYS.NULL}` });
  await s.waitFor('#unlock-passphrase', { what: 'the unlock screen after Ctrl+L' });
  await unlock(s);
  await s.click('#add-incident');
  await s.waitFor('#draft-restored', { what: 'the draft saved by the lock' });
  assert.equal(
    await s.property(await s.waitFor('#incident-title'), 'value'),
    'Typed just before the lock',
    'the last keystrokes before Ctrl+L must be in the draft',
  );
  // Cancel throws the draft away: the editor opens empty next time.
  await s.click('#incident-cancel');
  await s.click('#add-incident');
  await s.waitFor('#incident-title');
  assert.equal(await s.property(await s.waitFor('#incident-title'), 'value'), '', 'a cancelled draft is gone');
  assert.equal((await s.findAll('#draft-restored')).length, 0, 'no draft is offered after Cancel');
});

test('the unlock screen comes up in the language chosen in this vault, after a restart', { timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'saksi-e2e-lang-'));
  const vault = join(root, 'vault');
  const file = join(vault, 'language');
  try {
    let s = await Session.start({ vault });
    try {
      assert.equal(await s.execute('return document.documentElement.lang'), 'en', 'this test runs with an English system');
      await s.select('#first-run-language', 'km');
      await createVault(s);
      await waitFile(file);
      assert.equal(readFileSync(file, 'utf8'), 'km', 'the file beside the vault holds the code and nothing else');
    } finally {
      await s.close();
    }

    s = await Session.start({ vault });
    try {
      await s.waitForText('#unlock-title', 'ដោះសោឃ្លាំងសម្ងាត់របស់អ្នក');
      assert.equal(await s.execute('return document.documentElement.lang'), 'km');
      // Back to the system's language: the file goes, nothing is left to say which was chosen.
      await unlock(s);
      await s.click('#nav-settings');
      await s.select('#settings-language', 'en');
      await s.waitFor('#language-saved');
      assert.equal(existsSync(file), false, 'the system language needs no file beside the vault');
    } finally {
      await s.close();
    }

    s = await Session.start({ vault });
    try {
      await s.waitForText('#unlock-title', 'Unlock your vault');
    } finally {
      await s.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

async function waitFile(path) {
  const deadline = Date.now() + 30_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} was not written`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
