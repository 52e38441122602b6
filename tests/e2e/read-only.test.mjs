// A lawyer's review in the real window: the vault opened read-only says so, refuses a write with
// a clear message, and no byte of the vault folder changes during the whole session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault, unlock } from './lib/flows.mjs';

function treeHash(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

test('a vault opened read-only in the window refuses writes and changes no byte', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: 'Arrest of the union leader', kinds: ['arbitrary_arrest'] });
    await s.click('#lock-button');
    await s.waitFor('#unlock-passphrase');
    const before = treeHash(s.vaultDir);

    await s.click('#unlock-read-only');
    await s.waitFor('#unlock-read-only-hint', { what: 'what read-only means, before unlocking' });
    await unlock(s);
    await s.waitFor('#read-only-banner', { timeout: 60_000, what: 'the read-only banner' });
    await s.waitForText('#incident-list', 'Arrest of the union leader', { what: 'the records, readable' });
    await s.click('#nav-reports');
    await s.click('#reports-run');
    await s.waitFor('#reports-counts', { what: 'a report made from a read-only vault' });

    await s.click('#nav-incidents');
    await s.click('#add-incident');
    await s.fill('#incident-title', 'Must not be stored');
    await s.click('#incident-save');
    await s.waitForText('body', 'read-only', { what: 'the read-only refusal' });

    await s.click('#lock-button');
    await s.waitFor('#unlock-passphrase');
    assert.deepEqual(treeHash(s.vaultDir), before, 'no byte of the vault folder changed during the read-only session');

    await unlock(s);
    await s.waitFor('#lock-button', { timeout: 60_000 });
    assert.equal((await s.findAll('#read-only-banner')).length, 0, 'a normal unlock is not read-only');
    const list = await s.waitFor('#incident-list');
    assert.doesNotMatch(await s.text(list), /Must not be stored/, 'the refused write left nothing');
  } finally {
    await s.close();
  }
});
