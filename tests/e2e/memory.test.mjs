// Memory after lock (issue 15 item 7, invariant 2): the whole session of lib/forensics.mjs, with
// a core dump (`gcore`, as root: PR_SET_DUMPABLE 0 stops the kernel's own core dumps and other
// users' ptrace, not root's) of every process of the app taken just before and just after each
// lock: saksi-desktop (the Rust shell and core, GTK, WebKit's UI side) and its descendants
// (WebKitWebProcess: the page's DOM and JavaScript heap; WebKitNetworkProcess). Each dump is
// searched for the passphrase, the vault's master key and subkeys (raw and hex; known from the
// key file and the passphrase through the test-only `forensic_keys` example of saksi-core, never
// from the app) and the canaries of forensics.test.mjs. Before lock the search must find the
// keys in saksi-desktop (so it can fail); after lock saksi-desktop must hold no key, no
// passphrase and no canary. What the web process still holds after lock is reported (the
// diagnostic lines) and, for the keys and the passphrase, asserted absent too.
//
// Under WebDriver the shell does not end the web process on lock (that would end the WebDriver
// session too): it reloads the page in the same process (src-tauri/src/fresh_page.rs). This test
// therefore measures that weaker path; the shipped one, where the web process ends, is measured
// by lock-memory.test.mjs in the real window without WebDriver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APP } from './lib/webdriver.mjs';
import {
  CLI,
  HQ_PASS,
  MONITOR_PASS,
  appProcesses,
  findIn,
  forensicRoot,
  makeCanaries,
  makeCanaryPhotos,
  patterns,
  privateDriver,
  wholeSession,
} from './lib/forensics.mjs';

const KEYS_BIN = path.join(path.dirname(APP), 'examples', 'forensic_keys');

function keyPatterns(vault, pass) {
  const out = execFileSync(KEYS_BIN, [vault], { env: { ...process.env, SAKSI_PASSPHRASE: pass }, encoding: 'utf8' });
  const pats = [];
  for (const line of out.trim().split('\n')) {
    const [name, hex] = line.split('\t');
    pats.push({ name: `${name} (raw)`, bytes: Buffer.from(hex, 'hex'), secret: true });
    pats.push({ name: `${name} (hex)`, bytes: Buffer.from(hex), secret: true });
  }
  for (const enc of ['utf8', 'utf16le']) pats.push({ name: `passphrase (${enc})`, bytes: Buffer.from(pass, enc), secret: true });
  return pats;
}

test('after lock, a core dump of the app holds neither the passphrase, nor the keys, nor any canary', { timeout: 1_500_000 }, async (t) => {
  if (process.env.SAKSI_E2E_MEMORY !== '1') {
    // Opt-in: on the 2-core development machine the dumps (gcore of saksi-desktop and WebKit's
    // processes, four times per session) took longer than the test's 7 minutes (2026-12-02).
    t.skip('SKIPPED: set SAKSI_E2E_MEMORY=1 to take and search the core dumps (slow: several minutes)');
    return;
  }
  if (process.getuid?.() !== 0) {
    t.skip('SKIPPED: needs root (gcore attaches with ptrace to a non-dumpable process)');
    return;
  }
  if (spawnSync('gcore', ['--version']).error && spawnSync('sh', ['-c', 'command -v gcore']).status !== 0) {
    t.skip('SKIPPED: gcore (gdb) is missing: apt-get install gdb');
    return;
  }
  if (!fs.existsSync(KEYS_BIN) || !fs.existsSync(CLI) || !process.env.DISPLAY) {
    t.skip(`SKIPPED: needs ${KEYS_BIN} (cargo build -p saksi-core --features forensics --example forensic_keys), the CLI and a DISPLAY`);
    return;
  }
  const d = forensicRoot('saksi-e2e-memory-');
  const driver = await privateDriver(d);
  const dumps = path.join(d.root, 'dumps');
  fs.mkdirSync(dumps, { mode: 0o700 });
  t.after(async () => {
    await driver.stop();
    // The dumps hold plaintext: never left behind.
    fs.rmSync(d.root, { recursive: true, force: true });
  });
  const c = makeCanaries();
  const photos = makeCanaryPhotos(d.harness, c);
  const base = patterns(c, photos);
  const results = {};

  const dumpAll = (label, vault, pass) => {
    const pats = [...base, ...keyPatterns(vault, pass)];
    const procs = appProcesses(vault);
    assert.ok(procs.length >= 2, `the app and its web process are found (${JSON.stringify(procs)})`);
    const out = {};
    for (const p of procs) {
      const limits = fs.readFileSync(`/proc/${p.pid}/limits`, 'utf8');
      if (p.name === 'saksi-desktop') {
        assert.match(limits, /Max core file size\s+0\s+0/, 'core dumps stay disabled for the app (RLIMIT_CORE 0)');
      }
      const prefix = path.join(dumps, label);
      const r = spawnSync('gcore', ['-o', prefix, String(p.pid)], { encoding: 'utf8', timeout: 120_000 });
      const file = `${prefix}.${p.pid}`;
      assert.ok(fs.existsSync(file), `gcore (root, ptrace) dumps ${p.name} although it is not dumpable: ${r.stderr?.slice(-300)}`);
      const size = fs.statSync(file).size;
      out[`${p.name}/${p.pid}`] = { hits: findIn(file, pats), mib: Math.round(size / 1048576) };
      fs.rmSync(file);
    }
    return out;
  };

  await wholeSession({
    d,
    driver,
    c,
    photos,
    hooks: {
      beforeLock: async (label, _s, vault) => {
        results[`${label} before lock`] = dumpAll(`${label}-before`, vault, label === 'hq' ? HQ_PASS : MONITOR_PASS);
      },
      afterLock: async (label, _s, vault) => {
        // The lock command has returned and the page shows the unlock screen; give the web
        // process's collector a moment, as a person would take to walk away.
        await new Promise((r) => setTimeout(r, 2000));
        results[`${label} after lock`] = dumpAll(`${label}-after`, vault, label === 'hq' ? HQ_PASS : MONITOR_PASS);
      },
    },
  });

  for (const [when, procs] of Object.entries(results)) {
    for (const [proc, r] of Object.entries(procs)) {
      t.diagnostic(`${when}: ${proc} (${r.mib} MiB): ${r.hits.length} patterns found${r.hits.length ? `: ${r.hits.join('; ')}` : ''}`);
    }
  }
  const main = (when) => Object.entries(results[when]).find(([p]) => p.startsWith('saksi-desktop/'))[1].hits;
  for (const label of ['monitor', 'hq']) {
    // The search can fail: an unlocked vault's master key is in the app's memory. (Not the
    // SQLCipher key: on 2026-12-03 it was found before lock at HQ but not at the monitor, whose
    // dump held the master key; why the monitor's was not found is not explained yet.)
    assert.ok(main(`${label} before lock`).some((n) => n.startsWith('master key')),
      `before the ${label} lock the dump search finds the master key in saksi-desktop (the search can fail)`);
    assert.deepEqual(main(`${label} after lock`), [],
      `after the ${label} lock saksi-desktop holds no passphrase, key or canary`);
    for (const [proc, r] of Object.entries(results[`${label} after lock`])) {
      const secrets = r.hits.filter((n) => /key|passphrase/.test(n));
      assert.deepEqual(secrets, [], `after the ${label} lock ${proc} holds no passphrase or key`);
    }
  }
});
