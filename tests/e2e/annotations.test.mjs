// Annotations and review mode in the real window. A lawyer annotates an incident: a note, a
// legal provision chosen with the keyboard from the type-ahead, then the "reviewed" mark; the list
// shows the provision by its name (in Khmer once the language is Khmer), the record keeps its one
// version, and search finds the note and opens the incident. Then review mode: switched on in
// Settings, the banner shows, every edit control of records and evidence is gone, a write that
// reaches the core is refused (vault_review_mode) and nothing is stored, annotating still works;
// switched off, the controls come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const ARROW_DOWN = '\uE015';
const ENTER = '\uE007';

/** Sends keystrokes to a field without clearing it. */
async function keys(s, css, text) {
  const el = await s.waitFor(css);
  await s.cmd('POST', `/element/${el}/value`, { text });
}

const TITLE = 'Arrest of the union leader';
const NOTE = 'Held seventy-two hours without charge';

test('annotate an incident with a note, a provision chosen by keyboard and the reviewed mark', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: TITLE, kinds: ['arbitrary_arrest'] });
    await openIncident(s, TITLE);
    await s.waitFor('#annotation-empty', { what: 'an empty annotations panel' });

    await s.fill('#annotation-note', NOTE);
    await s.click('#annotation-tag-input');
    // "iccpr" offers ICCPR art. 7 first, then art. 9: one arrow down, then Enter.
    await keys(s, '#annotation-tag-input', 'iccpr');
    await s.waitForText('#annotation-tag-options', 'ICCPR art. 9');
    await keys(s, '#annotation-tag-input', ARROW_DOWN);
    await s.waitFor('#annotation-tag-option-iccpr_9[aria-selected="true"]', { what: 'art. 9 highlighted by the arrow key' });
    await keys(s, '#annotation-tag-input', ENTER);
    await s.waitFor('#annotation-tags [data-tag="iccpr_9"]', { what: 'the provision chosen with Enter' });
    // A second provision, found by a word of its label: the first match, chosen with Enter alone.
    await keys(s, '#annotation-tag-input', 'incitement to commit');
    await s.waitForText('#annotation-tag-options', 'art. 495');
    await keys(s, '#annotation-tag-input', ENTER);
    await s.waitFor('#annotation-tags [data-tag="kh_cc_495"]');
    await s.click('#annotation-save');

    const list = await s.waitForText('#annotation-list', NOTE);
    const text = await s.text(list);
    assert.match(text, /ICCPR art\. 9: liberty and security of person/, 'a tag is shown by its provision name');
    assert.match(text, /Cambodian Criminal Code art\. 495/, 'both tags are kept');
    assert.doesNotMatch(text, /Reviewed by/, 'not reviewed yet');

    await s.click('#annotation-mark-reviewed');
    const summary = await s.waitFor('#annotation-reviewed-summary', { what: 'the reviewed mark' });
    assert.match(await s.text(summary), /Reviewed by .+, \d{1,2} [A-Z][a-z]{2,4} \d{4}, \d{2}:\d{2}/, 'the mark says who and when, in local time');
    assert.doesNotMatch(await s.text(summary), /UTC|T\d\d:/, 'never raw UTC');
    assert.equal((await s.findAll('#annotation-list li[data-annotation-id]')).length, 2, 'the mark is an annotation of its own');

    await s.click('#history-toggle');
    await s.waitFor('#history-panel');
    assert.equal(
      (await s.findAll('#history-panel li[data-version]')).length,
      1,
      'annotating never changes the annotated record: it keeps its one version',
    );

    await s.click('.detail-view > button.link'); // back to the list
    await s.fill('#search-text', 'charge');
    const hit = await s.waitFor('#search-results .annotation-hit', { what: 'the annotation found by search' });
    assert.match(await s.text(hit), new RegExp(en['hit.annotation']));
    await s.cmd('POST', `/element/${hit}/click`, {});
    await s.waitForText('#incident-detail-title', TITLE);

    await s.click('#nav-settings');
    await s.select('#settings-language', 'km');
    await s.waitFor('#language-saved');
    await openIncident(s, TITLE);
    const chip = await s.waitFor('#annotation-list [data-tag="iccpr_9"]');
    assert.match(await s.text(chip), /[\u1780-\u17FF]/, 'in Khmer, the provision is shown by its Khmer name');
  } finally {
    await s.close();
  }
});

test('an annotation is edited in place, and a provision missing from the list is added from the tag field', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: TITLE });
    await openIncident(s, TITLE);
    await s.fill('#annotation-note', 'Detained without a warrant');
    await s.click('#annotation-save');
    await s.waitForText('#annotation-list', 'without a warrant');

    // Edit: the form takes the annotation, saving replaces it (one annotation, version 2).
    await s.click('#annotation-list .annotation-edit');
    await s.waitFor('#annotation-editing', { what: 'the form in edit mode' });
    assert.equal(await s.execute('return document.querySelector("#annotation-note").value'), 'Detained without a warrant');
    // A provision the vocabulary lacks: typed, offered as new, added with labels, then chosen.
    await s.click('#annotation-tag-input');
    await keys(s, '#annotation-tag-input', 'Law on Associations art. 30');
    await s.click('#annotation-provision-start');
    await s.waitFor('#annotation-provision-form');
    assert.equal(await s.execute('return document.querySelector("#annotation-provision-code").value'), 'law_on_associations_art_30');
    await s.fill('#annotation-provision-km', 'ច្បាប់ស្តីពីសមាគម មាត្រា ៣០');
    await keys(s, '#annotation-provision-fr', ENTER); // Enter saves the provision, not the annotation
    await s.waitFor('#annotation-tags [data-tag="law_on_associations_art_30"]', { what: 'the new provision chosen' });
    assert.equal((await s.findAll('#annotation-editing')).length, 1, 'Enter in the provision form did not save the annotation');
    await s.fill('#annotation-note', 'Detained without a warrant; the association was never registered');
    await s.click('#annotation-save');
    await s.waitForText('#annotation-list', 'never registered');
    const items = await s.findAll('#annotation-list li[data-annotation-id]');
    assert.equal(items.length, 1, 'editing replaces the annotation, it does not add one');
    const text = await s.text(items[0]);
    assert.match(text, /Law on Associations art\. 30/, 'the new provision is shown by its name');
    assert.match(text, /Edited /, 'the annotation says it was edited');
    assert.doesNotMatch(text, /without a warrant\s*$/m);

    // The same code twice is refused with the core's own message kind.
    await s.click('#annotation-tag-input');
    await keys(s, '#annotation-tag-input', 'Law on Associations art. 30 bis');
    await s.click('#annotation-provision-start');
    await s.fill('#annotation-provision-code', 'law_on_associations_art_30');
    await s.click('#annotation-provision-save');
    await s.waitFor('.annotations [role="alert"]', { what: 'a duplicate provision code refused' });
  } finally {
    await s.close();
  }
});

test('review mode hides every edit control, refuses record writes in the core, and still allows annotations', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: TITLE });
    await s.click('#nav-settings');
    await s.waitFor('#review-mode-panel');
    assert.equal((await s.findAll('#review-mode-banner')).length, 0, 'no banner before review mode is on');
    await s.click('#review-mode-toggle');
    await s.waitFor('#review-mode-banner', { what: 'the review-mode banner' });
    await s.waitFor('#review-mode-changed');

    await s.click('#nav-incidents');
    await s.waitForText('#incident-list', TITLE);
    assert.equal((await s.findAll('#add-incident')).length, 0, 'no "add incident" in review mode');
    await openIncident(s, TITLE);
    for (const css of ['#incident-edit', '#evidence-add', '#add-testimony']) {
      assert.equal((await s.findAll(css)).length, 0, `${css} is hidden in review mode`);
    }
    await s.click('#nav-persons');
    await s.waitFor('#nav-persons[aria-current="page"]');
    assert.equal((await s.findAll('#add-person')).length, 0, 'no "add person" in review mode');
    await s.click('#nav-exchange');
    await s.click('#exchange-tab-import');
    await s.waitFor('#import-review-mode');
    assert.equal(await s.property(await s.waitFor('#import-start'), 'disabled'), true, 'import is off in review mode');

    // A write that gets past the window anyway is refused by the core, with its own kind.
    const refused = await s.execute(
      `return window.__TAURI_INTERNALS__.invoke('incident_add', { input: { title: 'Must not be stored', description: '', kinds: [] } })
         .then(() => 'stored', (e) => e.kind);`,
    );
    assert.equal(refused, 'vault_review_mode', 'the core refuses a record write in review mode');
    assert.ok(en['errors.vault_review_mode'], 'and the window has a translation for it');

    await openIncident(s, TITLE);
    await s.fill('#annotation-note', 'Reviewed in review mode');
    await s.click('#annotation-save');
    await s.waitForText('#annotation-list', 'Reviewed in review mode');

    await s.click('#nav-settings');
    await s.click('#review-mode-toggle');
    await s.waitGone('#review-mode-banner');
    await s.click('#nav-incidents');
    await s.waitFor('#add-incident', { what: '"add incident" back once review mode is off' });
    const list = await s.waitFor('#incident-list');
    assert.doesNotMatch(await s.text(list), /Must not be stored/, 'the refused write left nothing');
  } finally {
    await s.close();
  }
});
