// Voice and video evidence in the real window (issue 13).
//
// 1. A voice testimony recorded straight into the vault: the app runs under a tauri-driver of the
//    test's own (private HOME, XDG folders and TMPDIR, as in forensics.test.mjs) with the
//    debug-only test microphone (SAKSI_TEST_MICROPHONE=tone: the core's 440 Hz tone, 16 kHz mono,
//    in real time). Record, wait, Stop: the testimony has an audio attachment whose duration is
//    shown, whose SHA-256 is that of the WAV file made from the tone's definition, and which
//    plays (the <audio> element's metadata loads and its currentTime advances). Then no file under
//    the app's HOME, runtime folder, TMPDIR or the vault holds a run of the tone's PCM bytes
//    (the tone repeats exactly every 400 samples, so a 64-sample run is in any plaintext piece of
//    the recording longer than 464 samples, about 29 ms), while the app runs and after it quit.
// 2. Audio and video files (WAV, Ogg Vorbis, MP3, MP4/H.264, WebM/VP8; tests/data/media, see its
//    README) attach, show their duration and play.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Session, waitUntil } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, openIncident } from './lib/evidence-flows.mjs';
import { findIn, forensicRoot, privateDriver, quit, scan } from './lib/forensics.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const RATE = 16_000;
const MEDIA = path.resolve(import.meta.dirname, '../data/media');

/** Sample `i` of the core's test tone (crates/saksi-core/src/evidence/media/record.rs). */
function toneSample(i) {
  return Math.round(Math.sin((2 * Math.PI * 440 * i) / RATE) * 16_000);
}

function tonePcm(from, count) {
  const b = Buffer.alloc(count * 2);
  for (let k = 0; k < count; k++) b.writeInt16LE(toneSample(from + k), k * 2);
  return b;
}

/** The WAV file of the first `frames` samples of the tone, as the recorder writes it. */
function toneWav(frames) {
  const data = tonePcm(0, frames);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(RATE, 24);
  h.writeUInt32LE(RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** An attribute of the element matching `css` (null when there is none). */
function attr(s, css, name) {
  return s.execute(`return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null;`, [css, name]);
}

async function newTestimony(s, title) {
  await addIncident(s, { title });
  await openIncident(s, title);
  await s.click('#add-testimony');
  await s.click('#consent-internal');
  await s.click('#testimony-anonymous');
  await s.fill('#testimony-body', 'Told aloud, recorded in the vault.');
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', 'Told aloud');
  await s.click('#testimony-list button.record');
  await s.waitFor('#recorder-start', { what: 'the Record button of the saved testimony' });
}

/** Waits until the player has loaded its metadata; returns its duration in seconds. */
async function metadataLoaded(s, what) {
  return waitUntil(
    async () => {
      const r = await s.execute(
        `const p = document.querySelector('#evidence-player');
         return p && p.readyState >= 1 && Number.isFinite(p.duration) ? p.duration : (p && p.error ? -p.error.code : null);`,
      );
      if (typeof r === 'number' && r < 0) throw new Error(`${what}: the player failed (MediaError code ${-r})`);
      return r;
    },
    { timeout: 30_000, what: `${what}: the player's metadata to load from saksi:` },
  );
}

/** Starts playback and waits until the position has advanced past `seconds`. */
async function plays(s, what, seconds = 0.3) {
  await s.execute(`const p = document.querySelector('#evidence-player'); p.muted = true; p.play().catch(() => {});`);
  return waitUntil(
    async () => {
      const t = await s.execute(`return document.querySelector('#evidence-player').currentTime;`);
      return t > seconds ? t : null;
    },
    { timeout: 30_000, what: `${what}: playback to advance (currentTime > ${seconds})` },
  );
}

test('a voice testimony recorded from the test microphone lands encrypted, plays, and leaves no plaintext audio', { timeout: 300_000 }, async (t) => {
  const d = forensicRoot('saksi-e2e-audio-');
  const driver = await privateDriver(d, { SAKSI_TEST_MICROPHONE: 'tone' });
  const vault = path.join(d.vaults, 'v');
  let s = null;
  t.after(async () => {
    if (s) await s.close().catch(() => {});
    await driver.stop();
    fs.rmSync(d.root, { recursive: true, force: true });
  });

  // The canary: a run of the tone's PCM bytes. The scanner must be able to fail: it finds the
  // run in a WAV of the tone (written in harness/, removed before the scans).
  const pats = [
    { name: 'tone PCM (s16le, 64 samples)', bytes: tonePcm(1000, 64) },
    { name: 'tone PCM (s16le, 64 samples, other phase)', bytes: tonePcm(1213, 64) },
  ];
  const probe = path.join(d.harness, 'probe.wav');
  fs.writeFileSync(probe, toneWav(RATE));
  assert.equal(findIn(probe, pats).length, pats.length, 'the scanner finds the tone in a WAV of it');
  fs.rmSync(probe);

  s = await Session.start({ vault, driver: driver.url });
  await createVault(s);
  await newTestimony(s, 'Voice testimony of the market beating');
  await s.waitForText('#recorder', en['recording.title']);

  await s.click('#recorder-start');
  await s.waitFor('#recorder-stop', { what: 'the Stop button while recording' });
  await waitUntil(
    async () => Number(await attr(s, '#recorder-elapsed', 'data-ms')) >= 2500 || null,
    { timeout: 20_000, what: 'the elapsed time to pass 2.5 s' },
  );
  const level = await s.execute(`return document.querySelector('#recorder-level').value;`);
  assert.ok(level > 0.4 && level < 0.6, `the level meter shows the half-scale tone (${level})`);
  await s.click('#recorder-stop');
  await s.waitFor('#recorder-saved', { timeout: 30_000, what: 'the recording to be saved' });
  await s.waitFor('#recorder-start', { what: 'Record offered again after Stop' });

  // The testimony's evidence: one audio attachment, with its duration.
  await s.waitFor('#evidence-grid .tile', { what: 'the recording in the evidence panel' });
  const tiles = await s.findAll('#evidence-grid .tile');
  assert.equal(tiles.length, 1, 'one attachment: the recording');
  await s.cmd('POST', `/element/${tiles[0]}/click`, {});
  await s.waitForText('#evidence-viewer-title', 'recording-');
  const ms = Number(await attr(s, '#evidence-duration', 'data-ms'));
  assert.ok(ms >= 2000 && ms < 15_000, `the duration read from the stored WAV is shown (${ms} ms)`);
  assert.match(await s.text(await s.waitFor('#evidence-duration')), /^0:0\d\.\d$/, 'shown as m:ss.d');
  assert.equal(await s.text(await s.waitFor('#evidence-type')), 'audio/x-wav');

  // Its hash is that of the WAV made from the tone's definition, for the length stored.
  const sizeText = await s.text(await s.waitFor('#evidence-size'));
  const size = Number((sizeText.match(/\(([\d,.\s\u202f]+)/)?.[1] ?? '').replace(/[^\d]/g, ''));
  assert.ok(size > 44 && (size - 44) % 2 === 0, `a 16-bit mono WAV (${sizeText})`);
  const frames = (size - 44) / 2;
  assert.equal(Math.floor((frames * 1000) / RATE), ms, 'the duration is the length of the samples stored');
  const expected = createHash('sha256').update(toneWav(frames)).digest('hex');
  assert.equal(await attr(s, '#evidence-sha256', 'data-sha256'), expected, 'SHA-256 at intake of the WAV bytes, samples in the order captured');
  await s.waitFor('#evidence-custody tr[data-action="intake"]', { what: 'the intake custody entry' });

  // It plays from memory over saksi:.
  const duration = await metadataLoaded(s, 'the recording');
  assert.ok(Math.abs(duration * 1000 - ms) < 100, `the player's duration (${duration} s) matches (${ms} ms)`);
  await plays(s, 'the recording');

  // No plaintext audio anywhere the app writes, while it runs (its webview scratch folder
  // still exists) and after it quit.
  const during = scan([{ dir: d.home }, { dir: d.runtime }, { dir: d.tmp }, { dir: d.vaults }], pats);
  assert.ok(during.files > 0, 'the scan read files');
  assert.deepEqual(during.hits, [], 'while the app runs, no file holds the tone\'s PCM');
  await s.click('#lock-button');
  await s.waitFor('#unlock-passphrase');
  await quit(s, vault);
  s = null;
  const after = scan([{ dir: d.home }, { dir: d.runtime }, { dir: d.tmp }, { dir: d.vaults }], pats);
  assert.ok(after.files > 0);
  assert.deepEqual(after.hits, [], 'after quitting, no file holds the tone\'s PCM');
});

test('WAV, Ogg, MP3, MP4 and WebM files attach, show their duration and play', { timeout: 300_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'saksi-e2e-media-'));
  const pick = path.join(dir, 'pick.txt');
  fs.writeFileSync(pick, '');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  t.after(async () => {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await createVault(s);
  const title = 'Filmed dispersal of the protest';
  await addIncident(s, { title });
  await openIncident(s, title);
  // Durations as the core's fixture table says (crates/saksi-core/src/evidence/media/tests.rs);
  // the player's own may differ by the encoder's padding (MP3: 2.16 s for 2.0 s).
  const files = [
    ['tone.wav', 'audio', 1000],
    ['tone.ogg', 'audio', 2000],
    ['tone.mp3', 'audio', 2000],
    ['clip.mp4', 'video', 1000],
    ['clip.webm', 'video', 1000],
  ];
  answerDialog(pick, ...files.map(([f]) => path.join(MEDIA, f)));
  await s.click('#evidence-add');
  await s.waitFor('#evidence-result', { timeout: 60_000, what: 'the attach result' });
  await waitUntil(async () => (await s.findAll('#evidence-grid .tile')).length === files.length || null, {
    what: 'every file to be attached',
  });
  for (const [name, kind, approx] of files) {
    const tile = await s.execute(
      `return [...document.querySelectorAll('#evidence-grid .tile')].find((b) => b.textContent.includes(arguments[0]))?.id ?? null;`,
      [name],
    );
    assert.ok(tile, `${name} has a tile`);
    await s.click(`#${tile}`);
    await s.waitForText('#evidence-viewer-title', name);
    const ms = Number(await attr(s, '#evidence-duration', 'data-ms'));
    assert.ok(Math.abs(ms - approx) <= approx * 0.2, `${name}: its duration is read from the container (${ms} ms)`);
    await s.waitFor('#evidence-player', { what: `${name}: the player (after the file is read into memory)` });
    const tag = await s.execute(`return document.querySelector('#evidence-player')?.tagName.toLowerCase() ?? null;`);
    assert.equal(tag, kind, `${name} plays in an <${kind}> element`);
    const duration = await metadataLoaded(s, name);
    assert.ok(Math.abs(duration * 1000 - ms) <= 250, `${name}: the player's duration (${duration} s) matches the one shown (${ms} ms)`);
    await plays(s, name, 0.1);
    await s.click('#evidence-viewer-close');
  }
});
