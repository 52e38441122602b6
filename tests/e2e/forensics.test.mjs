// Plaintext forensics of a whole desktop session (issue 15 item 6, invariant 1): the real window,
// driven through a tauri-driver of the test's own so that the app's HOME, XDG folders and TMPDIR
// are private, records unique random canaries (incident text, a person's names in Latin and
// Khmer, a testimony, attachment file names, a PNG text chunk and random-noise pixels, EXIF
// ImageDescription and Artist of a JPEG) and goes through create, attach, view, search, export,
// report, lock, quit, then at HQ import, view, read-only review, search, report, lock, quit
// (lib/forensics.mjs). Then every file the examiner would read is searched for each canary in
// UTF-8 and UTF-16LE, 32-byte windows of the attachments' own bytes, a row of decoded pixels (RGB,
// RGBA, BGRA) and the decoded pixels' SHA-256: the private HOME (incl. recently-used.xbel and
// ~/.cache/thumbnails), XDG_RUNTIME_DIR (the webview's scratch data folder), TMPDIR, both vault
// folders, /tmp, /var/tmp, /dev/shm, the real HOME's files changed during the run, and the swap
// when one is active. The canary source files, dialog answers, the bundle and the saved report
// (what the test itself wrote, in `harness/`) are deleted before the scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CLI,
  activeSwaps,
  findIn,
  forensicRoot,
  makeCanaries,
  makeCanaryPhotos,
  patterns,
  privateDriver,
  scan,
  wholeSession,
} from './lib/forensics.mjs';

test('a whole desktop session leaves no plaintext canary on disk', { timeout: 300_000 }, async (t) => {
  if (!fs.existsSync(CLI) || !process.env.DISPLAY) {
    t.skip(`needs the saksi CLI beside the app (${CLI}) and a DISPLAY: run through scripts/e2e.sh`);
    return;
  }
  const started = Date.now();
  const d = forensicRoot('saksi-e2e-forensics-');
  const driver = await privateDriver(d);
  t.after(async () => {
    await driver.stop();
    fs.rmSync(d.root, { recursive: true, force: true });
  });
  const c = makeCanaries();
  const photos = makeCanaryPhotos(d.harness, c);
  const pats = patterns(c, photos);
  // The scanner must be able to fail: the canary files themselves hold every pattern class.
  assert.ok(findIn(photos.png, pats).some((n) => n.startsWith('pngText')), 'the scanner finds the PNG text chunk in the source photo');
  assert.ok(findIn(photos.jpg, pats).some((n) => n.startsWith('exifArtist')), 'the scanner finds the EXIF Artist in the source photo');

  let webviewDirs = [];
  await wholeSession({
    d,
    driver,
    c,
    photos,
    hooks: {
      // While the app still runs (locked), its scratch web-data folder exists: scan it now too,
      // since a graceful exit removes it and a kill would not.
      afterLock: async (label) => {
        webviewDirs = fs.readdirSync(d.runtime).filter((n) => n.startsWith('saksi-webview-'));
        assert.ok(webviewDirs.length > 0, `the ${label} app's webview scratch folder is in XDG_RUNTIME_DIR`);
        const { hits } = scan([{ dir: d.runtime }, { dir: d.home }, { dir: d.tmp }], pats);
        assert.deepEqual(hits, [], `after the ${label} lock, no canary may be in the app's HOME, runtime or temp folders`);
      },
    },
  });
  await driver.stop();

  fs.rmSync(d.harness, { recursive: true, force: true });
  const home = os.homedir();
  const targets = [
    { dir: d.home },
    { dir: d.runtime },
    { dir: d.tmp },
    { dir: d.vaults },
    { dir: '/tmp', skip: [d.root] },
    { dir: '/var/tmp' },
    { dir: '/dev/shm' },
    // The real HOME (GLib honours $HOME, but a library reading the password database would
    // not): its files changed during the run. Other sessions' build trees are skipped by time.
    { dir: home, since: started, skip: [path.join(home, '.cargo'), path.join(home, '.rustup')] },
  ];
  const { hits, files } = scan(targets, pats);
  const swaps = activeSwaps();
  if (swaps.length === 0) {
    t.diagnostic('SKIPPED: no swap area is active (/proc/swaps is empty): swap not scanned');
  } else {
    for (const sw of swaps) {
      try {
        for (const n of findIn(sw, pats)) hits.push(`${n} in swap ${sw}`);
      } catch (e) {
        t.diagnostic(`SKIPPED: swap ${sw} cannot be read: ${e.message}`);
      }
    }
  }
  t.diagnostic(`scanned ${files} files for ${pats.length} patterns in ${Math.round((Date.now() - started) / 1000)} s`);
  for (const f of [
    path.join(d.home, '.local/share/recently-used.xbel'),
    path.join(home, '.local/share/recently-used.xbel'),
    path.join(d.home, '.cache/thumbnails'),
    path.join(home, '.cache/thumbnails'),
  ]) {
    t.diagnostic(`${f}: ${fs.existsSync(f) ? 'present, scanned' : 'absent'}`);
  }
  assert.deepEqual(hits, [], 'no plaintext of any record, attachment, file name, EXIF or pixel data may be on disk outside the encrypted vault');
});
