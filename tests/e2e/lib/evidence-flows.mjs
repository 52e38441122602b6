// Steps of the evidence and bundle tests. Native dialogs cannot be driven by WebDriver: the app
// is started with `--e2e-pick FILE` (debug builds under tauri-driver only, see
// src-tauri/src/dialogs.rs) and each dialog answers with the path written into FILE.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ELEMENT, waitUntil } from './webdriver.mjs';

export function scratch(prefix = 'saksi-e2e-files-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real JPEG photo (ImageMagick), different for each `seed`. */
export function makePhoto(dir, name = 'photo.jpg', seed = 'red-blue') {
  const file = join(dir, name);
  execFileSync('convert', ['-size', '160x120', `gradient:${seed}`, '-quality', '90', file]);
  return file;
}

export function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The answer the next native dialog will give. */
export function answerDialog(pickFile, ...paths) {
  writeFileSync(pickFile, paths.join('\n'));
}

/** Opens the incident titled `title` from the incident list. */
export async function openIncident(s, title) {
  await s.click('#nav-incidents');
  await s.waitForText('#incident-list', title);
  const buttons = await s.findAll('#incident-list button.record');
  for (const b of buttons) {
    if ((await s.text(b)).includes(title)) {
      await s.cmd('POST', `/element/${b}/click`, {});
      await s.waitForText('#incident-detail-title', title);
      return;
    }
  }
  throw new Error(`incident ${title} is not in the list`);
}

/** Waits until an <img> matching `css` has really loaded (naturalWidth > 0); returns its width. */
export async function imageLoaded(s, css, what = css) {
  return waitUntil(
    async () => {
      const w = await s.execute(
        `const img = document.querySelector(arguments[0]); return img && img.complete ? img.naturalWidth : 0;`,
        [css],
      );
      return w > 0 ? w : null;
    },
    { what: `${what} to load from memory (naturalWidth > 0)` },
  );
}

/** Clicks a button found by its visible text inside `scope`. */
export async function clickText(s, scope, text) {
  const els = await s.findAll(`${scope} button`);
  for (const el of els) {
    if ((await s.text(el)).includes(text)) {
      await s.cmd('POST', `/element/${el}/click`, {});
      return el;
    }
  }
  throw new Error(`no button "${text}" in ${scope}`);
}

export { ELEMENT };
