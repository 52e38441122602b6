// The main path through the real app: create a vault, lock it (button and Ctrl+L), see the
// wrong-passphrase message, unlock, add an incident with a Khmer title, find it by a Khmer
// substring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, Session } from './lib/webdriver.mjs';
import { addIncident, createVault, PASSPHRASE, unlock } from './lib/flows.mjs';

test('create, lock, wrong passphrase, unlock, add a Khmer incident, search a Khmer substring', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());

  assert.equal(await s.title(), 'Saksi', 'the window is titled Saksi');
  await s.waitFor('#new-passphrase', { what: 'the create-vault screen on first run' });
  await createVault(s);
  assert.ok(existsSync(join(s.vaultDir, 'vault.key')) || existsSync(s.vaultDir), 'the vault folder exists');

  // Lock with the button: the unlock screen replaces everything.
  await s.click('#lock-button');
  await s.waitFor('#unlock-passphrase', { what: 'the unlock screen after Lock' });
  assert.equal((await s.findAll('#incident-list, #lock-button')).length, 0, 'locking clears every view');

  // Wrong passphrase: a clear, translated message chosen by error kind; still locked.
  await unlock(s, 'not the right passphrase');
  const alert = await s.waitFor('[data-error-kind="wrong_passphrase"]', { what: 'the wrong-passphrase message' });
  assert.match(await s.text(alert), /Wrong passphrase/);
  assert.equal((await s.findAll('#lock-button')).length, 0, 'a wrong passphrase does not unlock');

  await unlock(s, PASSPHRASE);
  await s.waitFor('#lock-button', { what: 'the main screen after unlocking' });

  const title = 'ការវាយដំអ្នកតវ៉ានៅភូមិត្រពាំងថ្លឹង';
  await addIncident(s, {
    title,
    description: 'កម្មករប្រាំនាក់ត្រូវបានវាយដំដោយប៉ូលិស។ Five workers were beaten by police.',
    kinds: ['assault', 'arbitrary_arrest'],
    date: '2024-03-15',
    place: 'ភ្នំពេញ',
  });
  await s.waitForText('#incident-count', '1');

  // Khmer has no spaces between words: a substring from the middle of the title must match.
  await s.fill('#search-text', 'អ្នកតវ៉ា');
  await s.waitForText('#result-count', '1', { what: 'one search result' });
  await s.waitForText('#search-results', title);

  // Latin text in the description is found case-insensitively.
  await s.fill('#search-text', 'BEATEN');
  await s.waitForText('#search-results', title);

  // Ctrl+L locks from anywhere in the main screen.
  const search = await s.waitFor('#search-text');
  await s.cmd('POST', `/element/${search}/value`, { text: `${KEYS.CONTROL}l${KEYS.NULL}` });
  await s.waitFor('#unlock-passphrase', { what: 'the unlock screen after Ctrl+L' });

  // Unlocked again, the record is still there (it was saved in the vault, not in the view).
  await unlock(s, PASSPHRASE);
  await s.waitForText('#incident-list', title);
});

test('the Khmer interface renders and is chosen on the first screen', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  const select = await s.waitFor('#first-run-language');
  await s.execute(
    `const el = arguments[0]; el.value = 'km'; el.dispatchEvent(new Event('change', { bubbles: true }));`,
    [{ 'element-6066-11e4-a52e-4f735466cecf': select }],
  );
  await s.waitForText('#create-title', 'បង្កើតឃ្លាំងសម្ងាត់');
  assert.equal(await s.execute('return document.documentElement.lang'), 'km');
  const fontOk = await s.execute(
    `return document.fonts.check('16px "Noto Sans Khmer"', 'ក') && [...document.fonts].some(f => f.family.includes('Noto Sans Khmer'))`,
  );
  assert.ok(fontOk, 'the bundled Noto Sans Khmer font is available');
});
