// Deleting records in the real window (issue 13): a testimony, an attachment, a person and an
// incident, each behind a confirmation that says what is erased and what stays, and a reason.
// Each list updates; the attachment's encrypted file leaves the vault folder; Send & receive →
// Deletions lists the signed tombstones with their reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, makePhoto, openIncident, scratch } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

async function confirmDelete(s, type, reason) {
  await s.clickFor(`#delete-${type}-start`, `#delete-${type}-stays`, { what: `the ${type} deletion's confirmation` });
  await s.waitForText(`#delete-${type}-stays`, 'signed tombstone');
  // No reason, no deletion.
  await s.click(`#delete-${type}-confirm`);
  await s.waitFor(`#delete-${type}-problem`, { what: `a ${type} deletion without a reason to be refused` });
  await s.fill(`#delete-${type}-reason`, reason);
  await s.click(`#delete-${type}-confirm`);
}

async function clickRecord(s, listCss, text) {
  for (const b of await s.findAll(`${listCss} button.record`)) {
    if ((await s.text(b)).includes(text)) {
      await s.cmd('POST', `/element/${b}/click`, {});
      return;
    }
  }
  throw new Error(`${text} is not in ${listCss}`);
}

test('delete a testimony, an attachment, a person and an incident; the tombstones are listed', { timeout: 300_000 }, async (t) => {
  const dir = scratch();
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const photo = makePhoto(dir, 'wrong-photo.jpg');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  t.after(() => s.close());
  await createVault(s);
  const keep = 'Journalist followed after the hearing';
  const gone = 'Entered twice: market beating';
  await addIncident(s, { title: keep });
  await addIncident(s, { title: gone });

  // Testimony: deleted from its editor; the incident page then lists none.
  await openIncident(s, gone);
  await s.click('#add-testimony');
  await s.click('#consent-internal');
  await s.fill('#testimony-body', 'This statement belongs to another incident.');
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', 'belongs to another incident');
  await clickRecord(s, '#testimony-list', 'belongs to another incident');
  await confirmDelete(s, 'testimony', 'statement filed under the wrong incident');
  await s.waitForText('#incident-detail-title', gone, { what: 'the incident page after the testimony was deleted' });
  await s.waitForText('.detail-view', en['testimony.none']);

  // Attachment: deleted from the viewer; its encrypted file leaves the folder.
  const blobs = () => readdirSync(join(s.vaultDir, 'attachments')).length;
  answerDialog(pick, photo);
  await s.click('#evidence-add');
  await s.waitForText('#evidence-result', en['evidence.attached_count'].replace('{count}', '1'), { timeout: 60_000 });
  const withPhoto = blobs();
  await s.click('#evidence-grid button.tile');
  await confirmDelete(s, 'attachment', 'photo of the wrong scene');
  await s.waitFor('#evidence-empty', { what: 'the evidence panel to be empty after the deletion' });
  assert.ok(blobs() < withPhoto, "a deleted attachment's encrypted file must leave the vault folder");

  // Incident: back to the list, which no longer holds it.
  await confirmDelete(s, 'incident', 'entered twice');
  const list = await s.waitForText('#incident-list', keep, { what: 'the incident list after the deletion' });
  assert.ok(!(await s.text(list)).includes(gone), 'a deleted incident must leave the list');

  // Person: from the person page, back to a list without them.
  await s.click('#nav-persons');
  await s.click('#add-person');
  await s.fill('#person-latin', 'Mistaken Entry');
  await s.select('#person-sex', 'male');
  if ((await s.findAll('#person-confirm-new')).length > 0) await s.click('#person-confirm-new');
  await s.click('#person-save');
  await s.waitForText('#person-list', 'Mistaken Entry');
  await clickRecord(s, '#person-list', 'Mistaken Entry');
  await confirmDelete(s, 'person', 'not a real person');
  await s.waitFor('#add-person', { what: 'the person list after the deletion' });
  const people = await s.findAll('#person-list');
  if (people.length) assert.ok(!(await s.text(people[0])).includes('Mistaken Entry'), 'a deleted person must leave the list');

  // Send & receive → Deletions: one signed tombstone per record, with its reason.
  await s.click('#nav-exchange');
  await s.click('#exchange-tab-deletions');
  const here = await s.waitFor('#deletions-here');
  const text = await s.text(here);
  for (const reason of ['statement filed under the wrong incident', 'photo of the wrong scene', 'entered twice', 'not a real person']) {
    assert.ok(text.includes(reason), `the tombstone's reason "${reason}" must be listed`);
  }
  assert.equal((await s.findAll('#deletions-here li')).length, 4, 'one tombstone per record deleted');
  await s.waitFor('#deletions-waiting-empty', { what: 'no received deletion waiting on a monitor laptop' });
  // The policy for received deletions is set here (HQ's side).
  await s.click('#deletion-policy-ask');
  await s.waitFor('#deletions-message');
  assert.equal(await s.property(await s.waitFor('#deletion-policy-ask'), 'checked'), true, 'the chosen policy is kept');
});
