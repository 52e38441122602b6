// The real window without WebDriver (the incognito app as shipped, which WebKitWebDriver cannot
// attach to): found by its process with xdotool and typed into with real key events (GTK ignores
// synthetic ones sent to a window). There is no window manager under Xvfb, so the window is
// given the keyboard explicitly.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy (returned), or throws after `timeoutMs`. */
export async function until(what, fn, timeoutMs = 45_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The X window id of the Saksi window of process `pid`. Windows of an earlier test may still
 * be closing on this display: a search that trips over one of them (BadWindow) is tried again. */
export function findWindow(pid, env) {
  return until('the Saksi window', () => {
    const r = spawnSync('xdotool', ['search', '--all', '--onlyvisible', '--pid', String(pid), '--name', '^Saksi$'], { env, encoding: 'utf8' });
    const ids = r.status === 0 ? r.stdout.trim().split('\n').filter(Boolean) : [];
    // Only a window that really is this process's (not another test's, still closing).
    return ids.find((id) => spawnSync('xdotool', ['getwindowpid', id], { env, encoding: 'utf8' }).stdout?.trim() === String(pid)) ?? '';
  }, 60_000);
}

/** Presses `keys` (xdotool names, e.g. "ctrl+l") in the window. */
export function press(wid, env, ...keys) {
  execFileSync('xdotool', ['windowfocus', '--sync', wid], { env });
  execFileSync('xdotool', ['key', ...keys], { env });
}

/**
 * Types `pass` into the unlock screen (which focuses its passphrase field) and presses Enter,
 * until `unlocked()` says so. On a busy machine the first keys can come before the page is
 * ready: the field is then emptied and the passphrase typed again (three attempts). On failure
 * a screenshot of the display is left in TMPDIR and named in the error.
 */
export async function unlockByTyping(wid, env, pass, unlocked) {
  for (let attempt = 1; ; attempt++) {
    await sleep(1500);
    press(wid, env, 'ctrl+a', 'BackSpace');
    execFileSync('xdotool', ['type', '--delay', '30', pass], { env });
    execFileSync('xdotool', ['key', 'Return'], { env });
    try {
      await until('the window to unlock the vault', unlocked, 20_000);
      return;
    } catch (e) {
      if (attempt < 3) continue;
      const shot = path.join(process.env.TMPDIR ?? '/tmp', `saksi-unlock-failed-${process.pid}.png`);
      spawnSync('import', ['-window', 'root', shot], { env });
      throw new Error(`${e.message}, after ${attempt} attempts (the window: ${shot})`);
    }
  }
}
