// A pseudonymised copy of a testimony in the real window (issue 11): names listed with their
// pseudonyms, a preview that replaces every occurrence and flags a name not in the statement,
// then the copy as a new text item of the testimony while the statement itself is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './lib/webdriver.mjs';
import { shoot } from './lib/shots.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { clickText, openIncident } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const BODY = 'Sok Dara was beaten at the gate of Prey Sar prison. sok  dara fell; ចាន់ សុខា carried him.';

test('a testimony gets a pseudonymised copy; the statement stays as it was', { timeout: 300_000 }, async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);
  const title = 'Visitor beaten at Prey Sar';
  await addIncident(s, { title });
  await openIncident(s, title);
  await s.click('#add-testimony');
  await s.click('#consent-internal');
  await s.fill('#testimony-body', BODY);
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', 'Prey Sar prison');
  await clickText(s, '#testimony-list', 'Prey Sar prison');

  await s.click('#pseudonymise-start');
  await s.waitFor('#pseudonym-name-0', { what: 'the first name row' });
  // Nothing listed: refused before anything is sent.
  await s.click('#pseudonymise-preview-button');
  await s.waitForText('#pseudonymise-problems', en['pseudonymise.problem_none']);

  await s.fill('#pseudonym-name-0', 'Sok Dara');
  await s.fill('#pseudonym-alias-0', 'Witness A');
  await s.click('#pseudonymise-add');
  await s.fill('#pseudonym-name-1', 'ចាន់ សុខា');
  await s.fill('#pseudonym-alias-1', 'Witness B');
  await s.click('#pseudonymise-add');
  await s.fill('#pseudonym-name-2', 'Prey Sarr');
  await s.fill('#pseudonym-alias-2', 'Prison C');
  await s.click('#pseudonymise-preview-button');
  const preview = await s.waitForText('#pseudonymise-preview', 'Witness A');
  const text = await s.text(preview);
  assert.ok(!text.includes('Dara') && !text.includes('dara'), `every form of the name is replaced: ${text}`);
  assert.ok(!text.includes('សុខា'), `the Khmer name is replaced: ${text}`);
  assert.equal(text.split('Witness A').length - 1, 2, `both occurrences become Witness A: ${text}`);
  assert.ok(text.includes('Witness B carried him'), text);
  // The misspelt place is flagged, not silently ignored.
  await s.waitForText('#pseudonymise table', en['pseudonymise.not_found']);
  await shoot(s, 'pseudonymise-en');
  const make = await s.waitFor('#pseudonymise-make');
  assert.equal(await s.execute('return document.querySelector("#pseudonymise-make").disabled'), true, 'no copy while a name is not found');
  assert.ok(make);

  await s.fill('#pseudonym-name-2', 'Prey Sar');
  await s.click('#pseudonymise-preview-button');
  await s.waitForText('#pseudonymise-preview', 'Prison C prison');
  await s.click('#pseudonymise-make');
  await s.waitFor('#pseudonymise-made', { timeout: 60_000, what: 'the copy made' });
  await s.waitForText('#evidence-grid', 'pseudonymised.txt');
  const body = await s.execute('return document.querySelector("#testimony-body").value');
  assert.equal(body, BODY, 'the testimony itself is unchanged');
});
