// Screenshots of the evidence grid and viewer and the export wizard, in English and Khmer, into
// docs/screenshots/. Not a test: run it with
//   E2E_ONLY=tests/e2e/screenshots-evidence.mjs bash scripts/e2e.sh --no-build
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, imageLoaded, makePhoto, openIncident, scratch } from './lib/evidence-flows.mjs';

const shoot = (s, name) => docShot(s, name, { page: true });

const TITLES = { en: 'Protesters beaten at the market', km: 'ការវាយដំអ្នកតវ៉ានៅផ្សារ' };
const HQ_KEY = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

for (const lang of ['en', 'km']) {
  const dir = scratch();
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const photos = [makePhoto(dir, 'market-1.jpg', 'red-blue'), makePhoto(dir, 'market-2.jpg', 'green-yellow')];
  const doc = join(dir, 'statement.pdf');
  writeFileSync(doc, '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    await addIncident(s, { title: TITLES[lang], description: '—', kinds: ['assault'] });
    await openIncident(s, TITLES[lang]);
    answerDialog(pick, ...photos, doc);
    await s.click('#evidence-add');
    await imageLoaded(s, '#evidence-grid img.thumb');
    await s.execute('document.querySelector("#evidence-title").scrollIntoView(); return true');
    await shoot(s, `evidence-grid-${lang}`);
    await s.execute('document.querySelector("#evidence-grid button.tile").click(); return true');
    await imageLoaded(s, '#evidence-view-image');
    await s.execute('document.querySelector("#evidence-viewer").scrollIntoView(true); return true');
    await shoot(s, `evidence-viewer-${lang}`);

    await s.click('#nav-exchange');
    await s.click('#exchange-tab-keys');
    await s.fill('#recipient-name', lang === 'km' ? 'ការិយាល័យកណ្តាល' : 'HQ Phnom Penh');
    await s.fill('#recipient-key', HQ_KEY);
    await s.click('#recipient-add');
    await s.waitFor('#recipient-list');
    await shoot(s, `keys-${lang}`);
    await s.click('#exchange-tab-export');
    await s.waitFor('#export-to-0');
    await shoot(s, `export-choose-${lang}`);
    await s.click('#export-review');
    await s.waitFor('#export-summary');
    await shoot(s, `export-summary-${lang}`);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
