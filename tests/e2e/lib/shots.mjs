// The e2e tests' window screenshots. The documentation's copies (docs/screenshots/) are refreshed
// only when asked (E2E_SCREENSHOTS=1); a test run still takes them, into a scratch folder removed
// at exit, so the path that makes them keeps working.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DOCS = process.env.E2E_SCREENSHOTS === '1';
const SHOTS = DOCS
  ? resolve(new URL('../../../docs/screenshots', import.meta.url).pathname)
  : join(tmpdir(), `saksi-e2e-shots-${process.pid}`);
if (!DOCS) process.on('exit', () => rmSync(SHOTS, { recursive: true, force: true }));

/** Takes a screenshot of the Saksi window as `<name>.png`, once its fonts and a frame are drawn. */
export async function shoot(s, name) {
  mkdirSync(SHOTS, { recursive: true });
  await s.execute('return document.fonts.ready.then(() => true)');
  const id = execFileSync('xdotool', ['search', '--sync', '--onlyvisible', '--name', '^Saksi$']).toString().trim().split('\n')[0];
  const file = `${SHOTS}/${name}.png`;
  for (let attempt = 0; ; attempt++) {
    await s.execute('return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
    execFileSync('import', ['-window', id, file]);
    if (statSync(file).size > 2000 || attempt >= 20) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}
