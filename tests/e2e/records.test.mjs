// Records in the real app: an incident in Khmer with a victim created inline (Khmer name), a
// perpetrator unit (group act with counts) and an arrest; the draft autosaved inside the vault and
// restored; the person page says "detained"; testimony with consent per purpose; a Khmer substring
// search; filters and sort narrowing the list; an existing person picked instead of a duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session, waitUntil } from './lib/webdriver.mjs';
import { addIncident, createVault, saveNewIncident } from './lib/flows.mjs';

const TITLE = 'ការវាយដំកម្មកររោងចក្រកាត់ដេរនៅពោធិ៍សែនជ័យ';
const VICTIM = 'សុខ ចាន់ថា';
const UNIT = 'កងវរសេនាតូចការពារលេខ៧០';

async function texts(s, css) {
  return s.execute(`return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())`, [css]);
}

test('incident with victim, perpetrator unit and arrest; person detained; testimony; search; filters', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);

  // A new incident, typed in Khmer.
  await s.click('#add-incident');
  await s.fill('#incident-title', TITLE);
  await s.fill('#incident-description', 'កម្មករប្រាំនាក់ត្រូវបានវាយដំ ហើយម្នាក់ត្រូវបានចាប់ខ្លួន។');
  await s.click('#kind-assault');
  await s.click('#kind-arbitrary_arrest');
  await s.type('#incident-date', '2024-03-15');
  await s.fill('#incident-place', 'ពោធិ៍សែនជ័យ');
  await s.fill('#incident-area', 'ភ្នំពេញ');
  await s.select('#incident-verification', 'verified');

  // The victim: a new person, Khmer name and romanisation.
  await s.click('#add-victim');
  await s.fill('#act-1-person-original', VICTIM);
  await s.fill('#act-1-person-latin', 'Sok Chantha');
  await s.fill('#act-1-injuries', 'របួសក្បាល');

  // The perpetrators: an unnamed unit of 10 to 20.
  await s.click('#add-perpetrator');
  await s.click('#act-2-person-mode-group');
  try {
    await s.waitFor('#act-2-min', { timeout: 10_000, what: 'the group fields of act 2' });
  } catch (e) {
    // Twice in full fresh-clone runs (stop 24, never alone) the group fields did not come after
    // this click. Say what the window shows, then choose again as a person would (another mode,
    // then the group: a radio already checked fires no change); the closing note records it.
    const shown = await s.execute(
      `const r = document.querySelector('#act-2-person-mode-group');
       return JSON.stringify({ checked: r ? r.checked : null, acts: document.querySelectorAll('.act').length,
         focus: document.activeElement ? document.activeElement.id : null })`,
      [],
    );
    console.error(`records: no group fields after choosing "group" for act 2 (${e.message}); the window shows ${shown}; choosing again`);
    await s.click('#act-2-person-mode-new');
    await s.click('#act-2-person-mode-group');
  }
  await s.fill('#act-2-min', '10');
  await s.fill('#act-2-max', '20');
  await s.fill('#act-2-perp-type', 'ប៉ូលិស');
  await s.fill('#act-2-perp-unit', UNIT);
  assert.equal(
    await s.execute(`return document.querySelector('#act-2-perp-type').dataset.code`, []),
    'police',
    'the Khmer label typed into the perpetrator type, then left, chooses the vocabulary code',
  );

  // An arrest of the victim.
  await s.click('#add-proceeding');
  await s.select('#proc-1-kind', 'arrest');
  await s.type('#proc-1-date', '2024-03-16');
  await s.fill('#proc-1-detention-place', 'មន្ទីរឃុំឃាំងព្រៃស');

  // The draft is autosaved inside the vault, and restored when the editor is opened again after
  // leaving it by the Incidents tab (Cancel would throw it away).
  await s.waitForText('#draft-status', 'Draft saved', { timeout: 15_000 });
  await s.click('#nav-incidents');
  await s.click('#add-incident');
  await s.waitFor('#draft-restored', { what: 'the restored draft notice' });
  assert.equal(await s.property(await s.waitFor('#incident-title'), 'value'), TITLE, 'the draft keeps the title');
  assert.equal(await s.property(await s.waitFor('#act-2-perp-unit'), 'value'), UNIT, 'the draft keeps the acts');
  assert.equal(await s.execute('return window.localStorage.length'), 0, 'drafts never go to the webview storage');

  await saveNewIncident(s, TITLE);

  // The incident page: people with their acts, the arrest.
  await s.click('#incident-list button.record');
  await s.waitForText('#incident-people', VICTIM);
  await s.waitForText('#incident-people', UNIT);
  await s.waitForText('#incident-people', '10 to 20');
  await s.waitForText('#incident-proceedings', 'Arrest');

  // The person page: detained now, names in both scripts, the incident with the role.
  await s.click('#incident-people .person-link');
  await s.waitForText('#detention-status', 'Detained now');
  await s.waitForText('#detention-status', 'មន្ទីរឃុំឃាំងព្រៃស');
  await s.waitForText('#person-names', 'Sok Chantha');
  await s.waitForText('#person-incidents', TITLE);
  await s.waitForText('#person-incidents', 'Victim');
  await s.waitForText('#person-proceedings', '2024-03-16');
  await s.click('.person-page button.link');

  // Testimony: consent per purpose first, anonymous witness.
  await s.click('#add-testimony');
  await s.waitFor('#consent-panel');
  await s.click('#consent-internal');
  await s.click('#consent-legal');
  await s.click('#publication-anonymous');
  await s.click('#testimony-anonymous');
  await s.fill('#testimony-interviewer', 'Dara');
  await s.fill('#testimony-body', 'ខ្ញុំបានឃើញប៉ូលិសវាយគាត់នៅមុខរោងចក្រ។');
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', 'ខ្ញុំបានឃើញប៉ូលិស');
  await s.waitForText('#testimony-list', 'Internal use by our team');
  await s.waitForText('#testimony-list', 'Anonymous witness');
  await s.click('.detail-view button.link');

  // A second incident, to filter against.
  await addIncident(s, { title: 'Union leader threatened in Kampot', kinds: ['threat'], date: '2023-05-01', place: 'Kampot' });
  await s.waitForText('#incident-count', '2');

  // Khmer substring search (no spaces between words in Khmer).
  await s.fill('#search-text', 'រោងចក្រកាត់ដេរ');
  await s.waitForText('#search-results', TITLE);
  assert.ok(!(await s.text(await s.waitFor('#search-results'))).includes('Kampot'));
  await s.fill('#search-text', 'ចាន់ថា');
  await s.waitForText('#search-results', VICTIM, { what: 'the person found by a Khmer substring' });
  await s.fill('#search-text', '');

  // Filters narrow the list; the count says how many of how many.
  await s.waitFor('#incident-list');
  await s.select('#filter-kind', 'threat');
  await s.waitForText('#incident-count', '1 of 2');
  assert.deepEqual(await texts(s, '#incident-list .record-title'), ['Union leader threatened in Kampot']);
  await s.select('#filter-kind', '');
  await s.fill('#filter-place', 'ពោធិ៍');
  await s.waitForText('#incident-count', '1 of 2');
  assert.deepEqual(await texts(s, '#incident-list .record-title'), [TITLE]);
  await s.fill('#filter-place', '');
  // A date filter applies when the field is left (change), as after typing and pressing Tab.
  await s.fill('#filter-from', '2024-01-01');
  await s.execute(`document.querySelector('#filter-from').dispatchEvent(new Event('change', { bubbles: true })); return true`);
  await s.waitForText('#incident-count', '1 of 2');
  assert.deepEqual(await texts(s, '#incident-list .record-title'), [TITLE], 'a date range keeps the 2024 incident');
  await s.click('#filters-clear');
  const victimId = await s.execute(
    `return [...document.querySelectorAll('#filter-person option')].find(o => o.textContent.includes(arguments[0]))?.value`,
    [VICTIM],
  );
  assert.ok(victimId, 'the victim is offered as a person filter');
  await s.select('#filter-person', victimId);
  await s.waitForText('#incident-count', '1 of 2');
  assert.deepEqual(await texts(s, '#incident-list .record-title'), [TITLE]);
  await s.click('#filters-clear');
  await s.waitForText('#incident-count', 'Incidents recorded: 2');

  // Sort: by date (newest first, the default), then oldest first.
  assert.deepEqual(await texts(s, '#incident-list .record-title'), [TITLE, 'Union leader threatened in Kampot']);
  await s.select('#sort', 'date_asc');
  await waitUntil(
    async () => (await texts(s, '#incident-list .record-title'))[0] === 'Union leader threatened in Kampot',
    { what: 'oldest first' },
  );

  // No duplicate: the same Khmer name in a new incident offers the stored person first.
  await s.click('#add-incident');
  await s.fill('#incident-title', 'ការចាប់ខ្លួនម្តងទៀត');
  await s.click('#add-victim');
  await s.fill('#act-1-person-original', VICTIM);
  await s.waitForText('#act-1-person-similar', VICTIM, { what: 'the similar stored person' });
  await s.click('#incident-save');
  await s.waitFor('#editor-problems', { what: 'saving refused until the monitor decides' });
  await s.click('#act-1-person-similar button');
  await s.waitForText('#act-1-person-chosen', VICTIM);
  await saveNewIncident(s, 'ការចាប់ខ្លួនម្តងទៀត');
  await s.click('#nav-persons');
  await s.waitForText('#person-count', '1', { what: 'still exactly one person' });
  await s.click('#person-list button.record');
  await waitUntil(async () => (await texts(s, '#person-incidents .record-title')).length === 2, {
    what: 'the person page listing both incidents',
  });
});

test('editing an incident updates its fields, adds a release, and the person is no longer detained', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  await s.click('#add-incident');
  await s.fill('#incident-title', 'Arrest at the market');
  await s.click('#add-victim');
  await s.fill('#act-1-person-latin', 'Chea Vanna');
  await s.click('#add-proceeding');
  await s.type('#proc-1-date', '2024-01-10');
  await saveNewIncident(s, 'Arrest at the market');
  await s.click('#incident-list button.record');
  await s.click('#incident-edit');
  await s.fill('#incident-title', 'Arrest at the central market');
  await s.select('#incident-sensitivity', 'high');
  // The stored arrest is proc-1 (editable in place); the new release is proc-2.
  await s.waitFor('#proc-1-kind');
  await s.click('#add-proceeding');
  await s.select('#proc-2-kind', 'released');
  await s.type('#proc-2-date', '2024-02-01');
  await s.click('#incident-save');
  await s.waitForText('#incident-detail-title', 'Arrest at the central market');
  await s.waitForText('#incident-facts', 'High');
  await s.waitForText('#incident-proceedings', 'Released');
  await s.click('#incident-people .person-link');
  await s.waitForText('#detention-status', 'Not detained');

  // The person page edits every name and script, nationalities and affiliations.
  await s.click('#person-edit');
  await s.click('#pe-add-name');
  await s.fill('#pe-name-2', 'ជា វណ្ណា');
  await s.select('#pe-name-2-kind', 'original');
  await s.fill('#pe-nationalities', 'KH');
  await s.click('#pe-add-affiliation');
  await s.fill('#pe-org-1', 'Cambodian Labour Confederation');
  await s.fill('#pe-org-1-role', 'organiser');
  await s.click('#pe-save');
  await s.waitForText('#person-names', 'ជា វណ្ណា');
  await s.waitForText('#person-names', 'Khmr');
  await s.waitForText('#person-nationalities', 'KH');
  await s.waitForText('#person-affiliations', 'Cambodian Labour Confederation');
});
