// The real, incognito window (started directly, not through tauri-driver, which needs a
// non-incognito profile) must leave no trace of what it showed anywhere on disk: a vault seeded
// with canary strings through the `saksi` CLI is unlocked by typing in the window (xdotool), its
// records are listed, then the app is locked and closed, and every file under the app's HOME,
// XDG folders and TMPDIR is scanned for the canaries (UTF-8 and UTF-16LE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findWindow, press, sleep, unlockByTyping, until } from './lib/window.mjs';

const APP = process.env.SAKSI_DESKTOP_BIN;
const CLI = APP && path.join(path.dirname(APP), 'saksi');
const PASS = 'disk canary passphrase';
const CANARIES = ['WEBVIEWCANARY-3f9d', 'កាណារីវេបវីវ', 'PERSONCANARY-c21e'];

function files(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}


test('the incognito window writes no plaintext of what it shows to disk', { timeout: 120_000 }, async (t) => {
  if (!APP || !fs.existsSync(CLI) || !process.env.DISPLAY) {
    t.skip('needs SAKSI_DESKTOP_BIN, the saksi CLI beside it and a DISPLAY (run through scripts/e2e.sh)');
    return;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'saksi-disk-canary-'));
  const env = {
    PATH: process.env.PATH,
    DISPLAY: process.env.DISPLAY,
    HOME: path.join(root, 'home'),
    XDG_DATA_HOME: path.join(root, 'home/.local/share'),
    XDG_CACHE_HOME: path.join(root, 'home/.cache'),
    XDG_CONFIG_HOME: path.join(root, 'home/.config'),
    XDG_RUNTIME_DIR: path.join(root, 'runtime'),
    TMPDIR: path.join(root, 'tmp'),
    SAKSI_VAULT: path.join(root, 'vault'),
    SAKSI_KDF: 'minimum',
    SAKSI_PASSPHRASE: PASS,
  };
  for (const d of [env.HOME, env.XDG_RUNTIME_DIR, env.TMPDIR]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  const cli = (args, input) =>
    execFileSync(CLI, args, { env, input, encoding: 'utf8' }).trim();
  cli(['init']);
  cli(['incident', 'add'], JSON.stringify({
    title: `${CANARIES[0]} ${CANARIES[1]}`,
    description: `Description ${CANARIES[0]}`,
    place: { name: `Place ${CANARIES[1]}` },
    people: { p: { name: CANARIES[2] } },
    involvements: [{ person: 'p', role: 'victim' }],
  }));

  const appEnv = { ...env };
  delete appEnv.SAKSI_PASSPHRASE;
  const app = spawn(APP, [], { env: appEnv, stdio: 'ignore' });
  t.after(() => {
    try { app.kill('SIGKILL'); } catch {}
    fs.rmSync(root, { recursive: true, force: true });
  });
  const wid = await findWindow(app.pid, env);
  // Unlocked = the app holds the vault's exclusive lock, so the CLI is told it is in use.
  await unlockByTyping(wid, env, PASS, () => {
    const r = spawnSync(CLI, ['incident', 'list'], { env, encoding: 'utf8' });
    return r.status !== 0 && /in use/.test(r.stderr);
  });
  await sleep(3000); // the incident list renders the canaries
  const shot = path.join(os.tmpdir(), 'saksi-disk-canary-window.png');
  spawnSync('import', ['-window', 'root', shot], { env });
  press(wid, env, 'ctrl+l');
  await until('the window to lock the vault', () =>
    spawnSync(CLI, ['incident', 'list'], { env }).status === 0);
  app.kill('SIGTERM');
  await new Promise((r) => (app.exitCode !== null ? r() : app.on('exit', r)));

  const scanned = [];
  const hits = [];
  for (const dir of [env.HOME, env.XDG_RUNTIME_DIR, env.TMPDIR]) {
    for (const f of files(dir)) {
      scanned.push(f);
      const bytes = fs.readFileSync(f);
      for (const c of CANARIES) {
        for (const enc of ['utf8', 'utf16le']) {
          if (bytes.includes(Buffer.from(c, enc))) hits.push(`${c} (${enc}) in ${f}`);
        }
      }
    }
  }
  assert.deepEqual(hits, [], `no canary may be on disk outside the vault; scanned ${scanned.length} files`);
  // The window really held the records (it unlocked the vault, which lists them on its first
  // screen); the screenshot, kept in the temporary folder, shows it to a person.
  assert.ok(fs.statSync(shot).size > 10_000, `a screenshot of the unlocked window: ${shot}`);
});
