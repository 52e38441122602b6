// Screenshots of a voice testimony being recorded (issue 13), in English and Khmer, saved into
// docs/screenshots/. Not a test; the test microphone (debug builds only) gives the sound:
// `SAKSI_TEST_MICROPHONE=tone E2E_SCRIPT=tests/e2e/screenshots-recording.mjs bash scripts/e2e.sh --no-build`.
import { docShot } from './lib/shots.mjs';
import { ELEMENT, Session, waitUntil } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident } from './lib/evidence-flows.mjs';

const shoot = (s, name) => docShot(s, name);

if (process.env.SAKSI_TEST_MICROPHONE !== 'tone') throw new Error('run with SAKSI_TEST_MICROPHONE=tone (see the first lines)');
for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    const title = lang === 'km' ? 'ការវាយដំនៅផ្សារ' : 'Beating at the market';
    await addIncident(s, { title });
    await openIncident(s, title);
    await s.click('#add-testimony');
    await s.click('#consent-internal');
    await s.click('#testimony-anonymous');
    await s.fill('#testimony-body', lang === 'km' ? 'គាត់បាននិយាយថា ពួកគេមកដល់នៅពេលព្រឹកព្រលឹម។' : 'She said they came at dawn.');
    await s.click('#testimony-save');
    await s.waitFor('#testimony-list button.record');
    await s.click('#testimony-list button.record');
    await s.click('#recorder-start');
    await waitUntil(
      async () => Number(await s.execute(`return document.querySelector('#recorder-elapsed')?.dataset.ms ?? 0;`)) >= 3000 || null,
      { what: 'three seconds of recording' },
    );
    const el = await s.waitFor('#recorder');
    await s.execute('arguments[0].scrollIntoView({ block: "center" }); return true', [{ [ELEMENT]: el }]);
    await shoot(s, `recording-${lang}`);
    await s.click('#recorder-discard');
  } finally {
    await s.close();
  }
}
