// Shared by the plaintext-forensics tests (issue 15 items 6 and 7): unique random canaries, the
// files that carry them (a PNG whose pixels are random noise with a text chunk, a JPEG with EXIF
// ImageDescription and Artist), the byte patterns a forensic examiner would look for, a scanner,
// a tauri-driver of its own whose app gets a private HOME, and one whole session of the real
// window (monitor: create, attach, view, search, export, report; HQ: import, view, read-only
// review, search, report), with hooks before and after each lock.
//
// Rule: no canary value is ever printed (the test's own output is a file in /tmp, which is
// scanned): hits are reported by the canary's name only.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { APP, Session, waitUntil } from './webdriver.mjs';
import { createVault, saveNewIncident, unlock } from './flows.mjs';
import { answerDialog, imageLoaded, openIncident } from './evidence-flows.mjs';

export const CLI = path.join(path.dirname(APP), 'saksi');
export const MONITOR_PASS = `monitor ${randomBytes(9).toString('base64url')} lantern`;
export const HQ_PASS = `headquarters ${randomBytes(9).toString('base64url')} river`;

const KHMER_DIGITS = '០១២៣៤៥៦៧៨៩';
const tag = (name) => `FX${name}${randomBytes(6).toString('hex')}`;
const khmer = () => `កាណារី${[...randomBytes(8)].map((b) => KHMER_DIGITS[b % 10]).join('')}`;

/** Fresh canaries: every value is random, so a hit can only come from this run. */
export function makeCanaries() {
  return {
    title: tag('TITLE'),
    titleKm: khmer(),
    description: tag('DESC'),
    place: tag('PLACE'),
    person: tag('PERSON'),
    personKm: khmer(),
    testimony: tag('TESTIMONY'),
    testimonyKm: khmer(),
    fileName: tag('FILE'),
    pngText: tag('PNGTEXT'),
    exifDescription: tag('EXIFDESC'),
    exifArtist: tag('EXIFARTIST'),
  };
}

const W = 64;
const H = 48;

/** A minimal EXIF (APP1) payload: IFD0 with ImageDescription (0x010e) and Artist (0x013b). */
function exifPayload(description, artist) {
  const strs = [description, artist].map((x) => Buffer.from(`${x}\0`, 'latin1'));
  const n = strs.length;
  const dataAt = 8 + 2 + n * 12 + 4;
  const tiff = Buffer.alloc(dataAt);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(n, 8);
  let at = dataAt;
  [0x010e, 0x013b].forEach((t, i) => {
    const e = 10 + i * 12;
    tiff.writeUInt16LE(t, e);
    tiff.writeUInt16LE(2, e + 2); // ASCII
    tiff.writeUInt32LE(strs[i].length, e + 4);
    tiff.writeUInt32LE(at, e + 8);
    at += strs[i].length;
  });
  tiff.writeUInt32LE(0, 10 + n * 12);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, ...strs]);
}

/**
 * Writes the two photos into `dir`: a PNG of random RGB noise (so any run of its decoded pixels
 * is unique) with the `pngText` canary as a text chunk, and a JPEG carrying the EXIF canaries.
 * Returns their paths and the decoded pixels of the PNG.
 */
export function makeCanaryPhotos(dir, c) {
  const pixels = randomBytes(W * H * 3);
  const raw = path.join(dir, 'noise.rgb');
  fs.writeFileSync(raw, pixels);
  const png = path.join(dir, `${c.fileName}-scene.png`);
  execFileSync('convert', ['-size', `${W}x${H}`, '-depth', '8', `rgb:${raw}`, '-set', 'comment', c.pngText, png]);
  fs.rmSync(raw);
  const plain = path.join(dir, 'plain.jpg');
  execFileSync('convert', ['-size', '120x90', 'gradient:navy-orange', '-quality', '90', plain]);
  const j = fs.readFileSync(plain);
  const ex = exifPayload(c.exifDescription, c.exifArtist);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(ex.length + 2, 2);
  const jpg = path.join(dir, `${c.fileName}-exif.jpg`);
  fs.writeFileSync(jpg, Buffer.concat([j.subarray(0, 2), app1, ex, j.subarray(2)]));
  fs.rmSync(plain);
  return { png, jpg, pixels };
}

/**
 * What an examiner would search for: every text canary in UTF-8 and UTF-16LE (WebKit keeps
 * strings as Latin-1 or UTF-16), 32-byte windows of each attachment's own bytes, one row of the
 * PNG's decoded pixels as RGB, RGBA and BGRA (cairo's layout), the decoded pixels' SHA-256, and
 * any `extra` (name, Buffer) pairs.
 */
export function patterns(c, photos, extra = []) {
  const out = [];
  for (const [name, value] of Object.entries(c)) {
    out.push({ name: `${name} (UTF-8)`, bytes: Buffer.from(value, 'utf8') });
    out.push({ name: `${name} (UTF-16LE)`, bytes: Buffer.from(value, 'utf16le') });
  }
  for (const f of [photos.png, photos.jpg]) {
    const b = fs.readFileSync(f);
    for (const frac of [0.3, 0.55, 0.8]) {
      const at = Math.floor(b.length * frac);
      out.push({ name: `bytes of the ${path.extname(f)} attachment at ${at}`, bytes: b.subarray(at, at + 32) });
    }
  }
  const row = photos.pixels.subarray(20 * W * 3, 21 * W * 3);
  const rgba = Buffer.alloc(W * 4);
  const bgra = Buffer.alloc(W * 4);
  for (let x = 0; x < W; x++) {
    const [r, g, b] = row.subarray(x * 3, x * 3 + 3);
    rgba.set([r, g, b, 255], x * 4);
    bgra.set([b, g, r, 255], x * 4);
  }
  out.push({ name: 'PNG pixel row (RGB)', bytes: row });
  out.push({ name: 'PNG pixel row (RGBA)', bytes: rgba });
  out.push({ name: 'PNG pixel row (BGRA)', bytes: bgra });
  const digest = createHash('sha256').update(photos.pixels).digest();
  out.push({ name: 'SHA-256 of the decoded pixels (raw)', bytes: digest });
  out.push({ name: 'SHA-256 of the decoded pixels (hex)', bytes: Buffer.from(digest.toString('hex')) });
  for (const [name, bytes] of extra) out.push({ name, bytes });
  return out;
}

/**
 * Adds to `found` the names of the patterns in bytes [start, end) of the open file `fd`, read in
 * chunks (so dumps of any size work) that overlap by the longest pattern. Stops early at the end
 * of the file or at a part that cannot be read (a guard page of a process's memory).
 */
function scanRange(fd, start, end, pats, found) {
  const longest = Math.max(...pats.map((p) => p.bytes.length));
  const chunk = 32 << 20;
  const buf = Buffer.alloc(chunk + longest);
  let carry = 0;
  for (let pos = start; pos < end; ) {
    let n;
    try {
      n = fs.readSync(fd, buf, carry, Math.min(chunk, end - pos), pos);
    } catch {
      return;
    }
    if (n <= 0) return;
    pos += n;
    const view = buf.subarray(0, carry + n);
    for (const p of pats) if (!found.has(p.name) && view.includes(p.bytes)) found.add(p.name);
    carry = Math.min(longest - 1, view.length);
    view.copy(buf, 0, view.length - carry);
  }
}

/** Names of the patterns found in `file`. */
export function findIn(file, pats) {
  const found = new Set();
  const fd = fs.openSync(file, 'r');
  try {
    scanRange(fd, 0, Number.MAX_SAFE_INTEGER, pats, found);
  } finally {
    fs.closeSync(fd);
  }
  return [...found];
}

/** Every regular file under `dir` (symlinks not followed; unreadable folders skipped). */
export function filesUnder(dir, { since = 0, skip = [] } = {}) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (skip.some((s) => p === s || p.startsWith(`${s}/`))) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        if (since) {
          try {
            const st = fs.statSync(p);
            if (Math.max(st.mtimeMs, st.ctimeMs) < since) continue;
          } catch {
            continue;
          }
        }
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

/** Scans every file of `targets` ({ dir, since, skip }) for `pats`; returns { hits, files }. */
export function scan(targets, pats) {
  const hits = [];
  let files = 0;
  for (const t of targets) {
    for (const f of filesUnder(t.dir, t)) {
      files += 1;
      let names = [];
      try {
        names = findIn(f, pats);
      } catch {
        continue; // vanished or unreadable (a socket, a file of another session)
      }
      for (const n of names) hits.push(`${n} in ${f}`);
    }
  }
  return { hits, files };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function driverBinary() {
  const candidates = [
    process.env.TAURI_DRIVER_BIN,
    ...`${process.env.PATH ?? ''}`.split(':').map((d) => path.join(d, 'tauri-driver')),
    path.join(os.homedir(), '.cargo/bin/tauri-driver'),
  ].filter(Boolean);
  return candidates.find((c) => fs.existsSync(c));
}

/**
 * A folder tree for one forensic run: `home` (HOME and the XDG folders of the app), `runtime`
 * (XDG_RUNTIME_DIR), `tmp` (TMPDIR), `vaults`, and `harness` (the canary source files, dialog
 * answers, bundle, saved report, tauri-driver's log: what the test itself writes, deleted before
 * the scan).
 */
export function forensicRoot(prefix) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const d = {
    root,
    home: path.join(root, 'home'),
    runtime: path.join(root, 'runtime'),
    tmp: path.join(root, 'tmp'),
    vaults: path.join(root, 'vaults'),
    harness: path.join(root, 'harness'),
  };
  for (const k of ['home', 'runtime', 'tmp', 'vaults', 'harness']) fs.mkdirSync(d[k], { recursive: true, mode: 0o700 });
  return d;
}

/**
 * Starts a tauri-driver (on free ports) whose app runs with HOME, XDG folders and TMPDIR inside
 * `d` (plus `extraEnv`, e.g. the debug-only test microphone). Returns { url, env, stop }.
 */
export async function privateDriver(d, extraEnv = {}) {
  const bin = driverBinary();
  if (!bin) throw new Error('tauri-driver is missing: run scripts/setup.sh');
  const env = {
    PATH: process.env.PATH,
    DISPLAY: process.env.DISPLAY,
    HOME: d.home,
    XDG_DATA_HOME: path.join(d.home, '.local/share'),
    XDG_CACHE_HOME: path.join(d.home, '.cache'),
    XDG_CONFIG_HOME: path.join(d.home, '.config'),
    XDG_STATE_HOME: path.join(d.home, '.local/state'),
    XDG_RUNTIME_DIR: d.runtime,
    TMPDIR: d.tmp,
    SAKSI_KDF: 'minimum',
    LANG: 'C.UTF-8',
    ...extraEnv,
  };
  const port = await freePort();
  const native = await freePort();
  const log = fs.openSync(path.join(d.harness, 'tauri-driver.log'), 'w');
  const proc = spawn(bin, ['--port', String(port), '--native-port', String(native)], {
    env,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      try {
        return (await fetch(`${url}/status`)).ok;
      } catch {
        return false;
      }
    },
    { timeout: 20_000, what: 'the private tauri-driver' },
  );
  const stop = async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
  };
  return { url, env, stop, pid: proc.pid };
}

/** The CLI, run on `vault` with `pass` and the private environment `env`. */
export function cli(env, vault, pass, ...args) {
  return execFileSync(CLI, ['--vault', vault, ...args], {
    env: { ...env, SAKSI_PASSPHRASE: pass },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`);
  } catch {
    return null;
  }
}

/**
 * The app's processes for the session on `vault`: the saksi-desktop process whose command line
 * names the vault folder, and every descendant (WebKit's web and network processes, a sandbox
 * helper). Each as { pid, name }.
 */
export function appProcesses(vault) {
  const all = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  const ppid = new Map();
  let main = null;
  for (const p of all) {
    const stat = readProc(p, 'stat');
    if (!stat) continue;
    const s = stat.toString();
    const after = s.slice(s.lastIndexOf(')') + 2).split(' ');
    ppid.set(p, after[1]);
    const cmd = readProc(p, 'cmdline');
    if (cmd && cmd.toString().split('\0').includes(vault) && s.includes('(saksi-desktop)')) main = p;
  }
  if (!main) return [];
  const out = [main];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of ppid) {
      if (out.includes(pp) && !out.includes(p)) {
        out.push(p);
        grew = true;
      }
    }
  }
  return out.map((pid) => ({
    pid: Number(pid),
    name: (readProc(pid, 'comm') ?? Buffer.from('?')).toString().trim(),
  }));
}

/** Closes a session (the quit: WebKitWebDriver closes the window) and waits for the app to end. */
export async function quit(s, vault) {
  await s.close();
  await waitUntil(() => appProcesses(vault).length === 0, { timeout: 30_000, what: 'the app to exit after quit' });
}

/** On a failure, what the window showed (a PNG in the system temp folder, named in the error). */
async function failShot(s, label, e) {
  try {
    const file = path.join(os.tmpdir(), `saksi-forensics-failure-${label}.png`);
    fs.writeFileSync(file, Buffer.from(await s.screenshot(), 'base64'));
    e.message += ` (screenshot: ${file})`;
  } catch {
    // the window is gone: the error says enough
  }
  throw e;
}

async function lock(s) {
  await s.click('#lock-button');
  await s.waitFor('#unlock-passphrase', { what: 'the unlock screen after lock' });
}

/**
 * One whole session in the real window. `hooks.beforeLock(label, session, vault)` and
 * `hooks.afterLock(label, session, vault)` run around each of the two sessions' last lock
 * (label "monitor" or "hq"). Returns { monitorVault, hqVault }.
 */
export async function wholeSession({ d, driver, c, photos, hooks = {} }) {
  const pick = path.join(d.harness, 'pick.txt');
  fs.writeFileSync(pick, '');
  const monitorVault = path.join(d.vaults, 'monitor');
  const hqVault = path.join(d.vaults, 'hq');
  cli(driver.env, hqVault, HQ_PASS, 'init');
  cli(driver.env, hqVault, HQ_PASS, 'keygen');
  const recipient = cli(driver.env, hqVault, HQ_PASS, 'hq-key').match(/age1[0-9a-z]+/)?.[0];
  if (!recipient) throw new Error('the CLI printed no HQ recipient');
  const card = path.join(d.harness, 'monitor-card.json');
  const bundle = path.join(d.harness, 'to-hq.saksi');
  const report = path.join(d.harness, 'counts.html');
  const title = `${c.title} ${c.titleKm}`;

  // Monitor: create, record, attach, view, search, export, report, lock, quit.
  const m = await Session.start({ vault: monitorVault, args: ['--e2e-pick', pick], driver: driver.url });
  try {
    await createVault(m, MONITOR_PASS);
    await m.click('#nav-exchange');
    await m.click('#exchange-tab-keys');
    await m.fill('#recipient-name', 'HQ');
    await m.fill('#recipient-key', recipient);
    await m.click('#recipient-add');
    await m.waitForText('#recipient-list', 'HQ');
    answerDialog(pick, card);
    await m.click('#card-save');
    await m.waitFor('#keys-notice');

    await m.click('#nav-incidents');
    await m.click('#add-incident');
    await m.fill('#incident-title', title);
    await m.fill('#incident-description', c.description);
    await m.click('#kind-assault');
    await m.fill('#incident-place', c.place);
    await m.click('#add-victim');
    await m.fill('#act-1-person-original', c.personKm);
    await m.fill('#act-1-person-latin', c.person);
    await saveNewIncident(m, title);
    await openIncident(m, title);
    await m.waitForText('#incident-people', c.personKm);

    await m.click('#add-testimony');
    await m.waitFor('#consent-panel');
    await m.click('#consent-internal');
    await m.click('#consent-hq');
    await m.click('#consent-legal');
    await m.fill('#testimony-interviewer', 'Dara');
    await m.fill('#testimony-body', `${c.testimony} ${c.testimonyKm}`);
    await m.click('#testimony-save');
    await m.waitForText('#testimony-list', c.testimony);

    answerDialog(pick, photos.png, photos.jpg);
    await m.click('#evidence-add');
    await waitUntil(async () => (await m.findAll('#evidence-grid img.thumb')).length === 2, {
      timeout: 60_000,
      what: 'both photos attached',
    });
    await imageLoaded(m, '#evidence-grid img.thumb', 'a thumbnail');
    const [thumb] = await m.findAll('#evidence-grid img.thumb');
    await m.cmd('POST', `/element/${thumb}/click`, {});
    await imageLoaded(m, '#evidence-view-image', 'the full-size photo');
    await m.click('#nav-incidents');

    await m.fill('#search-text', c.title.slice(2, 14));
    await m.waitForText('#search-results', c.title, { what: 'the incident found by search' });
    await m.fill('#search-text', '');

    await m.click('#nav-exchange');
    await m.click('#exchange-tab-export');
    const to = await m.waitFor('#export-to-0');
    if (!(await m.property(to, 'checked'))) await m.click('#export-to-0');
    await m.click('#export-review');
    await m.waitFor('#export-counts li[data-type="attachment"]', { what: 'the export summary' });
    answerDialog(pick, bundle);
    await m.click('#export-run');
    await m.waitForText('#export-done', 'to-hq.saksi', { timeout: 60_000 });

    await m.click('#nav-reports');
    await m.click('#reports-run');
    await m.waitFor('#reports-counts', { what: 'the counts table' });
    answerDialog(pick, report);
    await m.click('#reports-save-html');
    await m.waitForText('#reports-notice', 'counts.html');

    if (hooks.beforeLock) await hooks.beforeLock('monitor', m, monitorVault);
    await lock(m);
    if (hooks.afterLock) await hooks.afterLock('monitor', m, monitorVault);
  } catch (e) {
    await failShot(m, 'monitor', e);
  } finally {
    await quit(m, monitorVault);
  }

  // HQ: trust the card (CLI), import, view, lock; read-only review, search, report, lock, quit.
  cli(driver.env, hqVault, HQ_PASS, 'trust', 'add', card);
  const h = await Session.start({ vault: hqVault, args: ['--e2e-pick', pick], driver: driver.url });
  try {
    await unlock(h, HQ_PASS);
    await h.waitFor('#lock-button', { timeout: 60_000 });
    await h.click('#nav-exchange');
    await h.click('#exchange-tab-import');
    answerDialog(pick, bundle);
    await h.click('#import-start');
    await h.waitFor('#import-result[data-outcome="imported"]', { timeout: 60_000, what: 'the import result' });
    await openIncident(h, title);
    await imageLoaded(h, '#evidence-grid img.thumb', 'the imported photo');
    await lock(h);

    await h.click('#unlock-read-only');
    await unlock(h, HQ_PASS);
    await h.waitFor('#read-only-banner', { timeout: 60_000, what: 'the read-only review' });
    await openIncident(h, title);
    await h.waitForText('#testimony-list', c.testimony);
    await h.click('#nav-incidents');
    await h.fill('#search-text', c.person.slice(2, 14));
    await h.waitForText('#search-results', c.personKm, { what: 'the person found by search at HQ' });
    await h.fill('#search-text', '');
    await h.click('#nav-reports');
    await h.click('#reports-run');
    await h.waitFor('#reports-counts', { what: 'a report at HQ' });

    if (hooks.beforeLock) await hooks.beforeLock('hq', h, hqVault);
    await lock(h);
    if (hooks.afterLock) await hooks.afterLock('hq', h, hqVault);
  } catch (e) {
    await failShot(h, 'hq', e);
  } finally {
    await quit(h, hqVault);
  }
  return { monitorVault, hqVault };
}

/** Whether a swap area is active (/proc/swaps lists more than its header). */
export function activeSwaps() {
  try {
    return fs
      .readFileSync('/proc/swaps', 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim())
      .map((l) => l.split(/\s+/)[0]);
  } catch {
    return [];
  }
}

export { spawnSync };

/**
 * Names of the patterns found in the live memory of process `pid`: every readable, writable
 * mapping (heaps, stacks, anonymous memory; not the program's and libraries' read-only code and
 * data), read through /proc/PID/mem. Needs root (the app is not dumpable, so only a tracer with
 * CAP_SYS_PTRACE may read it). Faster than a core dump: nothing is written to disk.
 */
export function memoryHits(pid, pats) {
  const found = new Set();
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps) {
      const [range, perms, , , , name = ''] = line.split(/\s+/);
      if (!perms.startsWith('rw') || name === '[vvar]' || name === '[vsyscall]') continue;
      const [start, end] = range.split('-').map((h) => parseInt(h, 16));
      scanRange(fd, start, end, pats, found);
    }
  } finally {
    fs.closeSync(fd);
  }
  return [...found];
}
