// Screenshots of the lawyer's screens (annotations, redacted and pseudonymised copies, review
// mode, a case file with its exhibit list and court folder), in English and Khmer, into
// docs/screenshots/. Not a test: run it with
//   E2E_SCRIPT=tests/e2e/screenshots-lawyer.mjs bash scripts/e2e.sh --no-build
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, clickText, imageLoaded, makePhoto, openIncident, scratch } from './lib/evidence-flows.mjs';

const shoot = (s, name, scrollTo = null, { keepFocus = false } = {}) => docShot(s, name, { page: true, scrollTo, keepFocus });

const SAMPLES = {
  en: { title: 'Land activists detained after village meeting', note: 'Held 72 hours without charge; no lawyer allowed.', search: 'liberty', caseTitle: 'Prosecutor v. district police chief',
    body: 'Sok Dara was taken from the meeting in Trapeang Kong by four police officers. Sok Dara was held at the district station.', names: [['Sok Dara', 'Witness A'], ['Trapeang Kong', 'a village']] },
  km: { title: 'ការចាប់ខ្លួនសកម្មជនដីធ្លីនៅខេត្តកំពង់ស្ពឺ', note: 'ឃុំខ្លួន ៧២ ម៉ោងដោយគ្មានការចោទប្រកាន់។', search: 'ទារុណកម្ម', caseTitle: 'រឿងក្តីប្រឆាំងនឹងមេប៉ូលិសស្រុក',
    body: 'សុខ ដារ៉ា ត្រូវបានប៉ូលិសបួននាក់នាំចេញពីកិច្ចប្រជុំនៅភូមិត្រពាំងគង។ សុខ ដារ៉ា ត្រូវបានឃុំនៅប៉ុស្តិ៍ស្រុក។', names: [['សុខ ដារ៉ា', 'សាក្សី ក'], ['ត្រពាំងគង', 'ភូមិមួយ']] },
};

for (const lang of ['en', 'km']) {
  const dir = scratch('saksi-shots-lawyer-');
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const photo = makePhoto(dir, 'IMG_0412.jpg', 'red-blue');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  const x = SAMPLES[lang];
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    await addIncident(s, { title: x.title, kinds: ['arbitrary_arrest', 'detention'], date: '2024-02-09', place: 'Kampong Speu' });
    await openIncident(s, x.title);
    answerDialog(pick, photo);
    await s.click('#evidence-add');
    await imageLoaded(s, '#evidence-grid img.thumb');
    await s.fill('#annotation-note', x.note);
    await s.click('#annotation-tag-input');
    await s.fill('#annotation-tag-input', 'iccpr_9');
    await s.waitFor('#annotation-tag-option-iccpr_9');
    await s.execute(`document.querySelector('#annotation-tag-option-iccpr_9').dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); return true`);
    await s.click('#annotation-save');
    await s.waitFor('#annotation-list li');
    await s.click('#annotation-mark-reviewed');
    await s.waitFor('#annotation-reviewed-summary');
    await s.click('#annotation-tag-input');
    await s.fill('#annotation-tag-input', x.search);
    await s.waitFor('#annotation-tag-options');
    // The type-ahead stays open (focus kept) to show the provisions offered.
    await shoot(s, `annotations-${lang}`, '#annotations', { keepFocus: true });

    // The region editor over the photo, one region added by keyboard.
    const [tile] = await s.findAll('#evidence-grid img.thumb');
    await s.cmd('POST', `/element/${tile}/click`, {});
    await s.waitFor('#redact-editor');
    await imageLoaded(s, '#redact-surface img');
    await s.click('#redact-add');
    await s.waitFor('#redact-surface button.region');
    await shoot(s, `redact-${lang}`, '#redact-editor', { keepFocus: true });
    await s.click('#evidence-viewer-close');

    // A pseudonymised copy of a testimony, previewed.
    await openIncident(s, x.title);
    await s.click('#add-testimony');
    await s.click('#consent-internal');
    await s.fill('#testimony-body', x.body);
    await s.click('#testimony-save');
    await s.waitForText('#testimony-list', x.body.slice(0, 8));
    await clickText(s, '#testimony-list', x.body.slice(0, 8));
    await s.click('#pseudonymise-start');
    await s.waitFor('#pseudonym-name-0');
    for (const [i, [name, alias]] of x.names.entries()) {
      if (i > 0) await s.click('#pseudonymise-add');
      await s.fill(`#pseudonym-name-${i}`, name);
      await s.fill(`#pseudonym-alias-${i}`, alias);
    }
    await s.click('#pseudonymise-preview-button');
    await s.waitFor('#pseudonymise-preview');
    await shoot(s, `pseudonymise-${lang}`, '#pseudonymise');

    await s.click('#nav-settings');
    await s.click('#review-mode-toggle');
    await s.waitFor('#review-mode-banner');
    await shoot(s, `review-mode-settings-${lang}`, '#review-mode-panel');
    await openIncident(s, x.title);
    await shoot(s, `review-mode-${lang}`);

    await s.click('#nav-cases');
    await s.fill('#case-title', x.caseTitle);
    await s.click('#case-create');
    await s.waitFor('#case-pick-incident-0');
    await s.click('#case-pick-incident-0');
    await s.click('#case-add');
    await s.waitFor('#exhibit-list');
    answerDialog(pick, join(dir, 'court'));
    await s.click('#case-folder');
    await s.waitFor('#case-folder-result', { timeout: 60_000 });
    await shoot(s, `case-${lang}`);
    await shoot(s, `case-folder-${lang}`, '#case-folder-panel');
  } finally {
    await s.close();
  }
}
