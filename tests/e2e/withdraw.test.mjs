// Consent withdrawal in the real window (issue 13): a testimony given with consent to share,
// legal use and anonymous publication; the witness withdraws publication, then sharing with HQ.
// After each, the testimony shows its effective consent, the signed withdrawals, and what the
// next export does with it; the incident page's testimony list shows the consent as it stands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

async function given(s, purpose) {
  const el = await s.waitFor(`#consent-effective [data-purpose="${purpose}"]`);
  return s.cmd('GET', `/element/${el}/attribute/data-given`);
}

async function withdraw(s, purpose, how) {
  await s.click('#withdraw-start');
  await s.select('#withdraw-purpose', purpose);
  await s.fill('#withdraw-how', how);
  await s.fill('#withdraw-by', 'Sophea (monitor)');
  await s.click('#withdraw-submit');
  await s.waitFor('#withdraw-recorded', { what: `the withdrawal of ${purpose} to be recorded` });
}

test('withdraw publication, then sharing with HQ: effective consent and next export follow', { timeout: 240_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  const title = 'Villagers beaten during eviction';
  await addIncident(s, { title });
  await openIncident(s, title);
  await s.click('#add-testimony');
  await s.click('#consent-internal');
  await s.click('#consent-hq');
  await s.click('#consent-legal');
  await s.click('#publication-anonymous');
  await s.click('#testimony-anonymous');
  await s.fill('#testimony-body', 'They came at dawn with sticks.');
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', en['testimony.consent_hq']);
  await s.click('#testimony-list button.record');

  await s.waitFor('#consent-state');
  assert.equal(await given(s, 'publication'), 'yes');
  await s.waitForText('#consent-next-export', en['withdraw.next_export_goes']);

  // Publication withdrawn: the testimony still goes to HQ, restricted.
  await withdraw(s, 'publication', 'phone call to the monitor');
  assert.equal(await given(s, 'publication'), 'no', 'publication is withdrawn');
  assert.equal(await given(s, 'share_with_hq'), 'yes', 'sharing with HQ is not');
  await s.waitForText('#withdrawal-list', 'phone call to the monitor');
  await s.waitForText('#consent-next-export', en['withdraw.next_export_restricted']);
  assert.equal((await s.findAll('#withdraw-form')).length, 0, 'the form is closed after recording');
  const left = await s.execute('return [...document.querySelectorAll("#withdraw-purpose option")].length');
  assert.equal(left, 0);

  // Sharing withdrawn: legal use goes with it; it stays here; nothing is left to withdraw.
  await withdraw(s, 'share_with_hq', 'in person, signed note');
  assert.equal(await given(s, 'share_with_hq'), 'no');
  assert.equal(await given(s, 'legal_proceedings'), 'no', 'withdrawing sharing with HQ also withdraws legal use');
  await s.waitFor('#withdraw-nothing-left');
  await s.waitForText('#consent-next-export', en['withdraw.next_export_stays_sent']);
  assert.equal((await s.findAll('#withdrawal-list li')).length, 2, 'both withdrawals are listed');

  // The incident page lists the testimony with the consent as it now stands.
  await s.click('#testimony-cancel');
  const list = await s.waitForText('#testimony-list', 'They came at dawn');
  assert.ok(!(await s.text(list)).includes(en['testimony.consent_hq']), 'the list must not show a withdrawn consent as given');
});
