// Screenshots of the incident editor, the person page and the testimony editor, in English and
// Khmer, into docs/screenshots/. Not a test: run it with
//   E2E_ONLY=tests/e2e/screenshots-records.mjs bash scripts/e2e.sh --no-build
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { createVault, saveNewIncident } from './lib/flows.mjs';

const shoot = (s, name, scrollTo = null) => docShot(s, name, { page: true, scrollTo });

const SAMPLES = {
  en: {
    title: 'Garment workers beaten at the factory gate',
    description: 'Five workers were beaten by police; one was arrested.',
    place: 'Pur SenChey', area: 'Phnom Penh',
    victim: ['សុខ ចាន់ថា', 'Sok Chantha'], injuries: 'Head wound',
    unit: 'Intervention police unit 70', perpType: 'Police',
    detention: 'Prey Sar prison', authority: 'Phnom Penh municipal court',
    interviewer: 'Dara', body: 'I saw the police beat him in front of the factory, then they took him away in a truck.',
  },
  km: {
    title: 'ការវាយដំកម្មកររោងចក្រកាត់ដេរនៅមុខច្រកទ្វារ',
    description: 'កម្មករប្រាំនាក់ត្រូវបានប៉ូលិសវាយដំ ហើយម្នាក់ត្រូវបានចាប់ខ្លួន។',
    place: 'ពោធិ៍សែនជ័យ', area: 'ភ្នំពេញ',
    victim: ['សុខ ចាន់ថា', 'Sok Chantha'], injuries: 'របួសក្បាល',
    unit: 'កងវរសេនាតូចអន្តរាគមន៍លេខ៧០', perpType: 'ប៉ូលិស',
    detention: 'ពន្ធនាគារព្រៃស', authority: 'សាលាដំបូងរាជធានីភ្នំពេញ',
    interviewer: 'ដារ៉ា', body: 'ខ្ញុំបានឃើញប៉ូលិសវាយគាត់នៅមុខរោងចក្រ រួចពួកគេនាំគាត់ទៅក្នុងឡាន។',
  },
};

for (const lang of ['en', 'km']) {
  const x = SAMPLES[lang];
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    await s.click('#add-incident');
    await s.fill('#incident-title', x.title);
    await s.fill('#incident-description', x.description);
    await s.click('#kind-assault');
    await s.click('#kind-arbitrary_arrest');
    await s.type('#incident-date', '2024-03-15');
    await s.fill('#incident-place', x.place);
    await s.fill('#incident-area', x.area);
    await s.click('#add-victim');
    await s.fill('#act-1-person-original', x.victim[0]);
    await s.fill('#act-1-person-latin', x.victim[1]);
    await s.fill('#act-1-injuries', x.injuries);
    await s.click('#add-perpetrator');
    await s.click('#act-2-person-mode-group');
    await s.fill('#act-2-min', '10');
    await s.fill('#act-2-max', '20');
    await s.fill('#act-2-perp-type', x.perpType);
    await s.fill('#act-2-perp-unit', x.unit);
    await s.click('#add-proceeding');
    await s.type('#proc-1-date', '2024-03-16');
    await s.fill('#proc-1-authority', x.authority);
    await s.fill('#proc-1-detention-place', x.detention);
    await shoot(s, `incident-editor-${lang}`, '#people-heading');
    await shoot(s, `incident-editor-acts-${lang}`, '#act-2');
    await saveNewIncident(s, x.title);
    await s.click('#incident-list button.record');
    await s.waitFor('#incident-people');
    await shoot(s, `incident-page-${lang}`);
    await s.click('#add-testimony');
    await s.click('#consent-internal');
    await s.click('#consent-legal');
    await s.click('#publication-anonymous');
    await s.fill('#testimony-interviewer', x.interviewer);
    await s.type('#testimony-date', '2024-03-18');
    await s.fill('#testimony-body', x.body);
    await shoot(s, `testimony-${lang}`);
    await s.click('#testimony-save');
    await s.waitFor('#testimony-list');
    await s.click('#incident-people .person-link');
    await s.waitFor('#detention-status');
    await shoot(s, `person-${lang}`);
  } finally {
    await s.close();
  }
}
