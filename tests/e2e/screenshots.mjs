// Drives the real window through the main screens in English and Khmer and saves screenshots of
// the window (ImageMagick `import`) into docs/screenshots/. Not a test: run it through
// `bash scripts/e2e.sh --screenshots`, which provides Xvfb and tauri-driver.
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault, PASSPHRASE, unlock } from './lib/flows.mjs';

const shoot = (s, name) => docShot(s, name);


const SAMPLES = {
  en: [
    { title: 'Land activists detained after village meeting', description: 'Three members of the community network were taken to the district police station.', kinds: ['arbitrary_arrest', 'detention'], date: '2024-02-09', place: 'Kampong Speu' },
    { title: 'Union leader threatened at factory gate', description: 'Two men on a motorbike warned him to stop organising.', kinds: ['threat'], date: '2024-03', precision: 'month', place: 'Phnom Penh' },
  ],
  km: [
    { title: 'ការវាយដំអ្នកតវ៉ានៅភូមិត្រពាំងថ្លឹង', description: 'កម្មករប្រាំនាក់ត្រូវបានវាយដំដោយប៉ូលិស។', kinds: ['assault'], date: '2024-03-15', place: 'ភ្នំពេញ' },
    { title: 'ការចាប់ខ្លួនសកម្មជនដីធ្លីនៅខេត្តកំពង់ស្ពឺ', description: 'សមាជិកបណ្តាញសហគមន៍បីនាក់ត្រូវបាននាំទៅប៉ុស្តិ៍ប៉ូលិសស្រុក។', kinds: ['arbitrary_arrest', 'detention'], date: '2024-02-09', place: 'កំពង់ស្ពឺ' },
  ],
};

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await s.fill('#new-passphrase', 'river lantern copp');
    await s.fill('#confirm-passphrase', '');
    await shoot(s, `create-vault-${lang}`);
    await s.type('#new-passphrase', PASSPHRASE);
    await createVault(s);
    for (const sample of SAMPLES[lang]) await addIncident(s, sample);
    await shoot(s, `main-${lang}`);
    await s.click('#add-incident');
    await s.fill('#incident-title', SAMPLES[lang][0].title);
    await shoot(s, `incident-form-${lang}`);
    await s.click('#nav-settings');
    await s.waitFor('#settings-title');
    await shoot(s, `settings-${lang}`);
    await s.click('#lock-button');
    await unlock(s, 'not the right passphrase');
    await s.waitFor('[data-error-kind="wrong_passphrase"]');
    await shoot(s, `unlock-${lang}`);
  } finally {
    await s.close();
  }
}
