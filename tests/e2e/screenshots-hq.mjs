// Screenshots of HQ's screens (Reports, possible duplicates) in English and Khmer, into
// docs/screenshots/. Not a test: `E2E_SCRIPT=tests/e2e/screenshots-hq.mjs bash scripts/e2e.sh --no-build`.
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';

const shoot = (s, name) => docShot(s, name);

async function addPerson(s, { original = '', latin = '' }) {
  await s.click('#add-person');
  if (original) await s.fill('#person-original', original);
  if (latin) await s.fill('#person-latin', latin);
  if ((await s.findAll('#person-confirm-new')).length > 0) await s.click('#person-confirm-new');
  await s.click('#person-save');
  await s.waitFor('#person-list');
}

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    await addIncident(s, { title: 'MPs beaten outside the National Assembly', kinds: ['assault'], date: '2015-10-26', place: 'Phnom Penh' });
    await addIncident(s, { title: 'Strikers shot on Veng Sreng road', kinds: ['assault', 'killing'], date: '2014-01-03', place: 'Phnom Penh' });
    await addIncident(s, { title: 'Union leader arrested', kinds: ['arbitrary_arrest'], date: '2014-01-04' });
    await addIncident(s, { title: 'Land activists detained', kinds: ['arbitrary_arrest', 'detention'], date: '2024-02-09' });
    await s.click('#nav-reports');
    await s.click('#reports-run');
    await s.waitFor('#reports-chart');
    await shoot(s, `reports-${lang}`);
    await s.click('#nav-persons');
    await addPerson(s, { latin: 'Nhay Chamroeun' });
    await addPerson(s, { original: 'ញ៉ែ ចំរើន', latin: 'Nhay Chamreun' });
    await s.click('#person-duplicates');
    await s.waitFor('#dupes-list');
    await shoot(s, `duplicates-${lang}`);
  } finally {
    await s.close();
  }
}
