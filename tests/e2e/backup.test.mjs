// Backup and restore in the real window: a monitor backs the vault up to a backup passphrase
// (Settings → Backup; the save dialog answered by the debug-only --e2e-pick hook), and a second
// app on a fresh data folder restores it from the first-run screen: the records are there after
// unlocking with the vault's passphrase. A wrong backup passphrase, a damaged backup (which says
// how much could be checked) and a restore over an existing vault are refused, each with its
// translated message, and nothing is restored. A restore that takes a new device identity (the
// old laptop may be in other hands) needs the vault's passphrase and says what to tell HQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault, PASSPHRASE, unlock } from './lib/flows.mjs';
import { scratch } from './lib/evidence-flows.mjs';
import { shoot } from './lib/shots.mjs';

const BACKUP_PASSPHRASE = 'harbor violet pencil summit';
const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');

async function restore(s, secret) {
  await s.type('#restore-secret', secret);
  await s.click('#restore-start');
}

test('back up, restore into a fresh data folder: records present; wrong secret, damage and an existing vault refused', { timeout: 300_000 }, async (t) => {
  const dir = scratch('saksi-e2e-backup-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'backup.age');
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, `${out}\n`);
  const title = 'Land activists detained after village meeting';

  const mon = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(mon);
    await addIncident(mon, { title, description: 'Three members were taken to the district police station.' });
    await mon.click('#nav-settings');
    await mon.type('#backup-passphrase', BACKUP_PASSPHRASE);
    await mon.type('#backup-passphrase-confirm', BACKUP_PASSPHRASE);
    await mon.click('#backup-start');
    const done = await mon.waitFor('#backup-done', { timeout: 60_000, what: 'the backup to be written and checked' });
    assert.match(await mon.text(done), /backup\.age/, 'the result names the file');
    assert.match(await mon.text(done), /every hash checked/, 'the result says it was verified');
    assert.ok(existsSync(out), 'the backup file exists');
    assert.ok(!readFileSync(out).includes(Buffer.from('village meeting')), 'the backup holds no plaintext of a record');

    // The same file again: refused, and the first backup is left exactly as it was.
    const before = sha(out);
    await mon.type('#backup-passphrase', BACKUP_PASSPHRASE);
    await mon.type('#backup-passphrase-confirm', BACKUP_PASSPHRASE);
    await mon.click('#backup-start');
    await mon.waitForText('#backup-panel [data-error-kind="invalid_input"]', 'already exists');
    assert.equal(sha(out), before, 'an existing backup is never overwritten');
  } finally {
    await mon.close();
  }

  // A new laptop: the first-run screen restores the backup.
  const restoredCopy = join(dir, 'restored-copy');
  const fresh = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await fresh.click('#restore-open');
    await restore(fresh, 'not the backup passphrase');
    await fresh.waitFor('#restore-panel [data-error-kind="wrong_backup_secret"]', { timeout: 60_000 });
    assert.ok(!existsSync(join(fresh.vaultDir, 'vault.key')), 'a wrong secret restores nothing');
    await restore(fresh, BACKUP_PASSPHRASE);
    await fresh.waitForText('#unlock-notice', 'every hash checked', { timeout: 60_000 });
    await unlock(fresh, PASSPHRASE);
    await fresh.waitForText('#incident-list', title);
    await fresh.click('#lock-button');
    await fresh.waitFor('#unlock-passphrase');
    cpSync(fresh.vaultDir, restoredCopy, { recursive: true });
  } finally {
    await fresh.close();
  }

  // A new laptop while the old one may be in other hands: the restore takes a new device
  // identity, which needs the vault's passphrase (a wrong one restores nothing).
  const replacing = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await replacing.click('#restore-open');
    await replacing.click('#restore-new-device');
    await replacing.waitFor('#restore-passphrase');
    await replacing.type('#restore-secret', BACKUP_PASSPHRASE);
    await replacing.click('#restore-start');
    await replacing.waitForText('#restore-panel [role="alert"]', "vault's passphrase");
    await shoot(replacing, 'restore-new-device-en');
    await replacing.type('#restore-passphrase', 'not the vault passphrase at all');
    await replacing.click('#restore-start');
    await replacing.waitFor('#restore-panel [data-error-kind="wrong_passphrase"]', { timeout: 60_000 });
    assert.ok(!existsSync(join(replacing.vaultDir, 'vault.key')), 'a wrong vault passphrase restores nothing');
    await replacing.type('#restore-secret', BACKUP_PASSPHRASE);
    await replacing.type('#restore-passphrase', PASSPHRASE);
    await replacing.click('#restore-start');
    const notice = await replacing.waitForText('#unlock-notice', 'new device identity', { timeout: 60_000 });
    assert.match(await replacing.text(notice), /\d{5}/, 'the notice gives the fingerprint to read to HQ');
    await unlock(replacing, PASSPHRASE);
    await replacing.waitForText('#incident-list', title);
  } finally {
    await replacing.close();
  }

  // Damaged: the backup cut in half is refused with how much could be checked.
  const damaged = join(dir, 'damaged.age');
  const bytes = readFileSync(out);
  writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
  writeFileSync(pick, `${damaged}\n`);
  const other = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await other.click('#restore-open');
    await restore(other, BACKUP_PASSPHRASE);
    const bad = await other.waitFor('#restore-panel [data-error-kind="bad_backup"]', { timeout: 60_000 });
    assert.match(await other.text(bad), /checked/, 'a damaged backup says how much of it could be checked');
    assert.ok(!existsSync(join(other.vaultDir, 'vault.key')), 'a damaged backup restores nothing');

    // A vault appears in this folder meanwhile (copied in): restoring over it is refused.
    cpSync(restoredCopy, other.vaultDir, { recursive: true });
    const keyBefore = sha(join(other.vaultDir, 'vault.key'));
    writeFileSync(pick, `${out}\n`);
    await restore(other, BACKUP_PASSPHRASE);
    await other.waitFor('#restore-panel [data-error-kind="vault_exists"]', { timeout: 60_000 });
    assert.equal(sha(join(other.vaultDir, 'vault.key')), keyBefore, 'the existing vault is left as it was');
  } finally {
    await other.close();
  }
});
