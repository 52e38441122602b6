// The recovery key in the real window: offered after the passphrase at creation, shown once in
// groups and confirmed by typing its last group from paper; a forgotten passphrase is replaced
// through "Use the recovery key" (a typo caught by the checksum first), after which the new
// passphrase opens the vault and the old one does not. Settings add, replace and remove it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import {
  addIncident,
  confirmRecoveryKey,
  createVault,
  PASSPHRASE,
  shownRecoveryKey,
  unlock,
} from './lib/flows.mjs';

const NEW_PASSPHRASE = 'orchard pebble violin harbor';
const KEY_SHAPE = /^[0-9A-Z]{5}(-[0-9A-Z]{5}){7}$/;

/** Every file under `dir`, as bytes. */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [readFileSync(p)];
  });
}

/** The key with one character of group 3 changed: the checksum group must catch it. */
function withTypo(key) {
  const i = 12; // group 3, second character
  const c = key[i] === '7' ? '8' : '7';
  return key.slice(0, i) + c + key.slice(i + 1);
}

async function forgotAndReset(s, typedKey, passphrase) {
  await s.click('#unlock-forgot');
  await s.type('#recovery-key-input', typedKey);
  await s.click('#recovery-key-next');
  await s.waitFor('#recovery-key-ok', { what: 'the key passed its checksum' });
  await s.type('#recovery-new-passphrase', passphrase);
  await s.type('#recovery-confirm-passphrase', passphrase);
  await s.click('#recovery-unlock-submit');
}

test('create with a recovery key, lock, unlock with it after a typo, the new passphrase works and the old does not', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());

  await s.type('#new-passphrase', PASSPHRASE);
  await s.type('#confirm-passphrase', PASSPHRASE);
  await s.click('#create-submit');
  // The offer explains what skipping means before anything is made.
  await s.waitForText('#recovery-skip-means', 'lost for good');
  await s.click('#recovery-make');
  const key = await shownRecoveryKey(s);
  assert.match(key, KEY_SHAPE, 'the key is shown as 8 groups of 5');

  // "Written down" hides the key; a wrong last group is refused; the right one finishes.
  await s.click('#recovery-written');
  assert.equal((await s.findAll('#recovery-key-text')).length, 0, 'the key is gone from the screen once written down');
  const wrongLast = key.endsWith('00000') ? '11111' : '00000';
  await s.type('#recovery-confirm-last', wrongLast);
  await s.click('#recovery-confirm-submit');
  await s.waitFor('#recovery-confirm-problem', { what: 'a wrong last group to be refused' });
  await s.type('#recovery-confirm-last', key.split('-').at(-1).toLowerCase());
  await s.click('#recovery-confirm-submit');
  await s.waitFor('#lock-button', { what: 'the main screen after the key was confirmed' });
  const title = 'Recovered incident in Battambang';
  await addIncident(s, { title });

  // The key is stored nowhere in the vault folder in the clear (only as a wrap of the master key).
  for (const bytes of filesUnder(s.vaultDir)) {
    assert.ok(!bytes.includes(Buffer.from(key.replace(/-/g, ''))), 'the recovery key text must not be in any vault file');
    assert.ok(!bytes.includes(Buffer.from(key)), 'the recovery key text must not be in any vault file');
  }

  await s.click('#nav-settings');
  await s.waitFor('#recovery-state[data-has-key="yes"]', { what: 'Settings to say the vault has a recovery key' });

  // Forgotten passphrase: a typo is caught by the checksum (its own kind, with the detail).
  await s.click('#lock-button');
  await s.click('#unlock-forgot');
  await s.type('#recovery-key-input', withTypo(key));
  await s.click('#recovery-key-next');
  const malformed = await s.waitFor('[data-error-kind="recovery_key_malformed"]', { what: 'the typo to be caught' });
  assert.match(await s.text(malformed), /typo/, 'the detail says it is a typo');
  await s.click('#recovery-unlock-back');

  // Typed as a person might: lower case, spaces for dashes.
  await forgotAndReset(s, key.toLowerCase().replace(/-/g, ' '), NEW_PASSPHRASE);
  await s.waitFor('#lock-button', { timeout: 60_000, what: 'unlocked by the recovery key' });
  await s.waitForText('#incident-list', title);

  await s.click('#lock-button');
  await unlock(s, PASSPHRASE);
  await s.waitFor('[data-error-kind="wrong_passphrase"]', { what: 'the forgotten passphrase to stop working' });
  await unlock(s, NEW_PASSPHRASE);
  await s.waitForText('#incident-list', title);
});

test('Settings: add a recovery key to a vault without one, replace it, remove it', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  await s.click('#nav-settings');
  await s.waitFor('#recovery-state[data-has-key="no"]', { what: 'no recovery key after skipping it' });

  // The current passphrase is checked first: a wrong one adds nothing.
  await s.type('#recovery-current', 'not the passphrase at all');
  await s.click('#recovery-add');
  await s.waitFor('#recovery-panel [data-error-kind="wrong_passphrase"]');
  await s.waitFor('#recovery-state[data-has-key="no"]');

  await s.type('#recovery-current', PASSPHRASE);
  await s.click('#recovery-add');
  const first = await shownRecoveryKey(s);
  await confirmRecoveryKey(s, first);
  await s.waitFor('#recovery-state[data-has-key="yes"]');

  await s.type('#recovery-current', PASSPHRASE);
  await s.click('#recovery-replace');
  const second = await shownRecoveryKey(s);
  assert.notEqual(second, first, 'a replaced key is a new key');
  await confirmRecoveryKey(s, second);
  await s.waitFor('#recovery-state[data-has-key="yes"]');

  // The replaced key no longer opens the vault (it passes its checksum, then opens nothing).
  await s.click('#lock-button');
  await forgotAndReset(s, first, NEW_PASSPHRASE);
  await s.waitFor('[data-error-kind="wrong_recovery_key"]', { timeout: 60_000, what: 'the replaced key to be refused' });
  await s.click('#recovery-unlock-back');
  await unlock(s, PASSPHRASE);
  await s.waitFor('#lock-button', { what: 'the passphrase still opens after the refused key' });

  await s.click('#nav-settings');
  await s.type('#recovery-current', PASSPHRASE);
  await s.click('#recovery-remove');
  await s.waitFor('#recovery-remove-warning');
  await s.click('#recovery-remove-confirm');
  await s.waitFor('#recovery-state[data-has-key="no"]', { what: 'no recovery key after removing it' });

  await s.click('#lock-button');
  await forgotAndReset(s, second, NEW_PASSPHRASE);
  await s.waitFor('[data-error-kind="wrong_recovery_key"]', { timeout: 60_000, what: 'a removed key to be refused' });
});
