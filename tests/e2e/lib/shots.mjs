// The e2e tests' window screenshots. The documentation's copies (docs/screenshots/) are refreshed
// only when asked (E2E_SCREENSHOTS=1); a test run still takes them, into a scratch folder removed
// at exit, so the path that makes them keeps working.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DOCS = process.env.E2E_SCREENSHOTS === '1';
const SHOTS = DOCS
  ? resolve(new URL('../../../docs/screenshots', import.meta.url).pathname)
  : join(tmpdir(), `saksi-e2e-shots-${process.pid}`);
if (!DOCS) process.on('exit', () => rmSync(SHOTS, { recursive: true, force: true }));

/**
 * Grabs the Saksi window (ImageMagick `import`) into `file`. The first grab of a fresh window can
 * come before WebKit has painted it (a blank PNG of a few hundred bytes): wait for two animation
 * frames, and grab again until the image has content.
 */
async function grabWindow(s, file) {
  await s.execute('return document.fonts.ready.then(() => true)');
  const id = execFileSync('xdotool', ['search', '--sync', '--onlyvisible', '--name', '^Saksi$']).toString().trim().split('\n')[0];
  for (let attempt = 0; ; attempt++) {
    await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
    execFileSync('import', ['-window', id, file]);
    if (statSync(file).size > 2000 || attempt >= 20) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Takes a screenshot of the Saksi window as `<name>.png`, once its fonts and a frame are drawn. */
export async function shoot(s, name) {
  mkdirSync(SHOTS, { recursive: true });
  await grabWindow(s, `${SHOTS}/${name}.png`);
}

const DOCS_DIR = resolve(new URL('../../../docs/screenshots', import.meta.url).pathname);

/**
 * A screenshot for the documentation, always into docs/screenshots/ (the screenshots-*.mjs
 * scripts, run by hand): the focus taken off unless `keepFocus`, `scrollTo` (a CSS selector)
 * scrolled to the top or the page to its top when given null, then the whole window grabbed, or
 * with `page` the webview's own picture through WebDriver (WebKitWebDriver may answer the first
 * request with an older frame: two are taken, the second kept).
 */
export async function docShot(s, name, { scrollTo, keepFocus = false, page = false } = {}) {
  mkdirSync(DOCS_DIR, { recursive: true });
  await s.execute('return document.fonts.ready.then(() => true)');
  if (!keepFocus) await s.execute('document.activeElement && document.activeElement.blur && document.activeElement.blur(); return true');
  if (scrollTo !== undefined) {
    await s.execute(
      `const el = arguments[0] && document.querySelector(arguments[0]); if (el) el.scrollIntoView({ block: 'start' }); else window.scrollTo(0, 0); return true`,
      [scrollTo],
    );
  }
  const file = `${DOCS_DIR}/${name}.png`;
  if (page) {
    await s.screenshot();
    writeFileSync(file, Buffer.from(await s.screenshot(), 'base64'));
  } else {
    await grabWindow(s, file);
  }
  console.log(`saved ${file}`);
}
