// One person recorded twice (Latin by one monitor, Khmer + Latin by another) is suggested as a
// possible duplicate with its reasons, merged in the real window, shown as one person of two
// records on the person's page, and the merge is undone there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './lib/webdriver.mjs';
import { createVault } from './lib/flows.mjs';

async function addPerson(s, { original = '', latin = '', sex = 'male' }) {
  await s.click('#add-person');
  if (original) await s.fill('#person-original', original);
  if (latin) await s.fill('#person-latin', latin);
  await s.select('#person-sex', sex);
  // A similar person may already be listed: this test means to record a second record.
  if ((await s.findAll('#person-confirm-new')).length > 0) await s.click('#person-confirm-new');
  await s.click('#person-save');
  await s.waitFor('#person-list');
}

test('a person recorded twice is suggested, merged and unmerged in the window', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await s.click('#nav-persons');
    await addPerson(s, { latin: 'Nhay Chamroeun' });
    await addPerson(s, { original: 'ញ៉ែ ចំរើន', latin: 'Nhay Chamreun' });
    await addPerson(s, { latin: 'Kem Sokha' });
    await addPerson(s, { latin: 'Kem Monovithya', sex: 'female' });

    await s.click('#person-duplicates');
    const list = await s.waitFor('#dupes-list', { what: 'the list of possible duplicates' });
    const text = await s.text(list);
    assert.match(text, /Nhay Chamroeun/, 'the Latin record is one side of the pair');
    assert.match(text, /ញ៉ែ ចំរើន/, 'the Khmer record is the other side');
    assert.doesNotMatch(text, /Monovithya/, 'two people sharing only a family name are not suggested');
    assert.equal((await s.findAll('#dupes-list > li')).length, 1, 'exactly one pair is suggested');

    await s.fill('#dupes-list input', 'same father and village');
    await s.click('.dupes-merge');
    await s.waitForText('#dupes-notice', '2', { what: 'the merge notice' });
    await s.waitFor('#dupes-empty', { what: 'no suggestion once the two records are one person' });

    // The person's page shows the group and undoes the merge.
    await s.click('#duplicates-screen button.link');
    await s.waitFor('#person-list');
    const rows = await s.findAll('#person-list button.record');
    let opened = false;
    for (const r of rows) {
      if ((await s.text(r)).includes('Nhay Chamroeun')) {
        await s.cmd('POST', `/element/${r}/click`, {});
        opened = true;
        break;
      }
    }
    assert.ok(opened, 'the first record is listed');
    const group = await s.waitFor('#person-merge-group', { what: 'the merge group on the person page' });
    assert.match(await s.text(group), /same father and village/, 'the reason given is shown');
    await s.click('#person-merge-group .merge-undo');
    await s.waitFor('#merge-notice', { what: 'the unmerge notice' });
    await s.waitGone('#person-merge-group');
  } finally {
    await s.close();
  }
});
