// The duress passphrase in the real window (issue 16): set in Settings (current passphrase,
// strength, typed twice), then at the lock screen it opens the decoy as an ordinary session —
// the real records are not there, no banner, and its Settings say no duress passphrase is set —
// while the vault's own passphrase still opens the real records. Setting it adds no file to the
// vault folder (invariant 13). Removing it makes the duress passphrase open nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault, PASSPHRASE, unlock } from './lib/flows.mjs';

const DURESS = 'orchard pebble violin harbor';
// The first record of the decoy's starter set (crates/saksi-core/src/vault/duress.rs).
const STARTER = 'Community meeting about the water pump';

/** Every file name under `dir`, relative, sorted. */
function namesUnder(dir, prefix = '') {
  return readdirSync(dir)
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? namesUnder(join(dir, n), `${prefix}${n}/`) : [`${prefix}${n}`]))
    .sort();
}

async function setDuress(s, { erase = false } = {}) {
  await s.click('#nav-settings');
  await s.waitFor('#duress-state[data-set="no"]', { what: 'Settings to say no duress passphrase is set' });
  await s.click('#duress-open');
  await s.type('#duress-current', PASSPHRASE);
  await s.type('#duress-new', DURESS);
  await s.waitFor('#duress-strength [data-testid="strength"]', { what: 'the strength meter under the duress passphrase' });
  await s.type('#duress-confirm', DURESS);
  if (erase) await s.click('#duress-erase');
  await s.click('#duress-submit');
  await s.waitFor('#duress-state[data-set="yes"]', { timeout: 60_000, what: 'Settings to say a duress passphrase is set' });
}

test('the duress passphrase opens the decoy, the real passphrase the records', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  const title = 'Three land activists detained in Kampong Speu';
  await addIncident(s, { title });
  const before = namesUnder(s.vaultDir);

  // A mistyped confirmation is caught in the window; nothing is set.
  await s.click('#nav-settings');
  await s.click('#duress-open');
  await s.type('#duress-current', PASSPHRASE);
  await s.type('#duress-new', DURESS);
  await s.type('#duress-confirm', 'orchard pebble violin');
  await s.click('#duress-submit');
  await s.waitFor('#duress-problems', { what: 'the mismatch to be refused' });
  await s.click('#duress-cancel');
  await s.waitFor('#duress-state[data-set="no"]');

  // The vault's own passphrase cannot be the duress one (refused in the window; the core too).
  await s.click('#duress-open');
  await s.type('#duress-current', PASSPHRASE);
  await s.type('#duress-new', PASSPHRASE);
  await s.type('#duress-confirm', PASSPHRASE);
  await s.click('#duress-submit');
  await s.waitFor('#duress-problems', { what: 'the vault passphrase as duress passphrase to be refused' });
  await s.click('#duress-cancel');

  await setDuress(s);
  assert.deepEqual(namesUnder(s.vaultDir), before, 'setting a duress passphrase must add or remove no file in the vault folder');

  // Under duress: the decoy, as an ordinary session.
  await s.click('#lock-button');
  await unlock(s, DURESS);
  await s.waitFor('#lock-button', { timeout: 60_000, what: 'a session opened by the duress passphrase' });
  const decoyList = await s.waitForText('#incident-list', STARTER);
  assert.ok(!(await s.text(decoyList)).includes(title), 'the real records must not be reachable under the duress passphrase');
  assert.equal((await s.findAll('.status-banner')).length, 0, 'a duress session shows no banner');
  await s.click('#nav-settings');
  await s.waitFor('#duress-state[data-set="no"]', { what: 'the decoy to say it has no duress passphrase' });

  // The real passphrase: the real records, and none of the decoy's.
  await s.click('#lock-button');
  await unlock(s, PASSPHRASE);
  const realList = await s.waitForText('#incident-list', title, { timeout: 60_000 });
  assert.ok(!(await s.text(realList)).includes(STARTER), "the decoy's records are not in the real vault");

  // Removed: the duress passphrase opens nothing.
  await s.click('#nav-settings');
  await s.waitFor('#duress-state[data-set="yes"]');
  await s.click('#duress-remove');
  await s.type('#duress-current', PASSPHRASE);
  await s.click('#duress-remove-confirm');
  await s.waitFor('#duress-state[data-set="no"]', { timeout: 60_000, what: 'no duress passphrase after removing it' });
  await s.click('#lock-button');
  await unlock(s, DURESS);
  await s.waitFor('[data-error-kind="wrong_passphrase"]', { timeout: 60_000, what: 'a removed duress passphrase to open nothing' });
});

test('"erase on use": after the duress passphrase, the real passphrase opens nothing', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  await addIncident(s, { title: 'Monk questioned at the pagoda' });
  await setDuress(s, { erase: true });
  await s.click('#lock-button');
  await unlock(s, DURESS);
  await s.waitForText('#incident-list', STARTER, { timeout: 60_000 });
  await s.click('#lock-button');
  await unlock(s, PASSPHRASE);
  await s.waitFor('[data-error-kind="wrong_passphrase"]', { timeout: 60_000, what: 'the real passphrase to stop working once the duress one was used' });
});
