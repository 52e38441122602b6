// Screenshots of the one-screen capture (issue 12) in English and Khmer: the new-incident editor
// with a testimony typed and two photos waiting in the draft, before the first save. Not a test:
//   E2E_SCRIPT=tests/e2e/screenshots-capture.mjs bash scripts/e2e.sh --no-build
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Session, waitUntil } from './lib/webdriver.mjs';
import { createVault } from './lib/flows.mjs';
import { answerDialog, makePhoto, scratch } from './lib/evidence-flows.mjs';

const OUT = resolve(new URL('../../docs/screenshots', import.meta.url).pathname);
mkdirSync(OUT, { recursive: true });

const TEXT = {
  en: { title: 'Two MPs beaten outside the National Assembly', victim: 'Sok Vichet', interviewer: 'Dara', place: 'Calmette Hospital' },
  km: { title: 'សមាជិកសភាពីររូបត្រូវបានវាយដំនៅមុខរដ្ឋសភា', victim: 'សុខ វិចិត្រ', interviewer: 'ដារ៉ា', place: 'មន្ទីរពេទ្យកាល់ម៉ែត' },
};
const BODY = 'ពេលខ្ញុំចេញពីរដ្ឋសភា មានបុរសបីនាក់ទាញខ្ញុំចេញពីឡាន ហើយវាយធាក់ខ្ញុំ។';

const dir = scratch('saksi-shot-capture-');
const pick = join(dir, 'pick.txt');
writeFileSync(pick, '');
const photos = [makePhoto(dir, 'assembly-gate.jpg', 'red-blue'), makePhoto(dir, 'injuries.jpg', 'green-yellow')];
try {
  for (const lang of ['en', 'km']) {
    const x = TEXT[lang];
    const s = await Session.start({ args: ['--e2e-pick', pick] });
    try {
      await s.select('#first-run-language', lang);
      await createVault(s);
      await s.click('#nav-incidents');
      await s.click('#add-incident');
      await s.fill('#incident-title', x.title);
      await s.click('#add-victim');
      await s.fill('#act-1-person-original', x.victim);
      await s.click('#add-testimony');
      await s.click('#testimony-1-consent-internal');
      await s.click('#testimony-1-consent-legal');
      const witness = await s.execute(
        `const sel = document.querySelector('#testimony-1-testimony-witness');
         return [...sel.options].find((o) => o.textContent.includes(arguments[0]))?.value ?? '';`,
        [x.victim],
      );
      await s.select('#testimony-1-testimony-witness', witness);
      await s.fill('#testimony-1-testimony-interviewer', x.interviewer);
      await s.fill('#testimony-1-testimony-place', x.place);
      await s.fill('#testimony-1-testimony-body', BODY);
      answerDialog(pick, ...photos);
      await s.click('#capture-add');
      await waitUntil(async () => (await s.findAll('#capture-pending img.thumb')).length === 2, {
        what: 'two photos waiting',
        timeout: 60_000,
      });
      // The statement, the end of the testimony and the photos waiting, in one view: a taller
      // window than the tests' (when the display allows it).
      await s.cmd('POST', '/window/rect', { width: 1180, height: 1000 }).catch(() => null);
      await s.execute(`document.querySelector('#capture-pending-note').scrollIntoView({ block: 'end' }); window.scrollBy(0, 24); return true;`);
      await s.execute(`document.activeElement?.blur(); return true;`);
      await s.execute('return document.fonts.ready.then(() => true)');
      await waitUntil(
        async () =>
          s.execute(`return [...document.querySelectorAll('#capture-pending img.thumb')].every((i) => i.complete && i.naturalWidth > 0)`),
        { what: 'the pending thumbnails to load' },
      );
      await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
      const file = `${OUT}/capture-editor-${lang}.png`;
      writeFileSync(file, Buffer.from(await s.screenshot(), 'base64'));
      console.log(`saved ${file}`);
    } finally {
      await s.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
