// The real GTK file chooser, driven with xdotool as a person would (no test hook): attaching a
// file whose name is a canary must not leave that name in GTK's recently-used list
// (~/.local/share/recently-used.xbel), a trail a forensic examiner would read.
// Known limit of this test: with recent files switched on, GTK opens the chooser in its "Recent"
// view, where typed text becomes a search, so the negative control (protection removed) fails at
// the typing step rather than at the recently-used assertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Session, waitUntil } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident, scratch } from './lib/evidence-flows.mjs';

const RECENT = join(process.env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'recently-used.xbel');

function xdotool(...args) {
  return spawnSync('xdotool', args, { encoding: 'utf8' });
}

test('a file chosen in the real file chooser is not added to GTK recent files', { timeout: 240_000 }, async () => {
  const dir = scratch();
  const name = `RECENTCANARY-${process.pid}.txt`;
  const file = join(dir, name);
  writeFileSync(file, 'notes\n');
  const s = await Session.start();
  try {
    await createVault(s);
    const title = 'Dialog canary incident';
    await addIncident(s, { title });
    await openIncident(s, title);
    await s.waitFor('#evidence-empty');
    const before = new Set(xdotool('search', '--onlyvisible', '--name', '.').stdout.split('\n').filter(Boolean));
    // The click returns while the native dialog is open (the command waits for it off the page).
    await s.click('#evidence-add');
    let dialog = '';
    await waitUntil(
      () => {
        const now = xdotool('search', '--onlyvisible', '--name', '.').stdout.split('\n').filter(Boolean);
        dialog = now.find((w) => !before.has(w)) ?? '';
        return dialog !== '';
      },
      { what: 'the native file chooser to open' },
    );
    // No window manager under Xvfb: give the dialog the keyboard, open its location field, type
    // the path and accept, with real key events.
    xdotool('windowfocus', '--sync', dialog);
    await new Promise((r) => setTimeout(r, 500));
    // Typing "/" opens GTK's location field in any view (ctrl+L would open a search box in the
    // "Recent" view); then the rest of the path.
    xdotool('type', '--delay', '20', file);
    xdotool('key', 'Return');
    await s.waitForText('#evidence-grid', name, { timeout: 60_000 });
    // GTK saves its recent list shortly after a change; give it that chance before looking.
    await new Promise((r) => setTimeout(r, 3000));
    const recent = existsSync(RECENT) ? readFileSync(RECENT, 'utf8') : '';
    assert.ok(!recent.includes('RECENTCANARY-'), `the chosen file must not be listed in ${RECENT}`);
  } finally {
    await s.close();
  }
});
