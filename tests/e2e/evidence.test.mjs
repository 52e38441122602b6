// Evidence in the real window: attach a photo (and a document) to an incident, see the thumbnail
// served from memory (saksi:), open the viewer (hash, size, type, custody), extract a plaintext
// copy behind the warning, and see nothing served once the vault is locked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, imageLoaded, makePhoto, openIncident, scratch, sha256 } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

test('attach a photo, see its thumbnail and hash, extract it, nothing served while locked', { timeout: 180_000 }, async () => {
  const dir = scratch();
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const photo = makePhoto(dir, 'arrest-scene.jpg');
  const note = join(dir, 'witness-notes.txt');
  writeFileSync(note, 'Notes written at the scene.\n');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(s);
    const title = 'Protesters beaten at the market';
    await addIncident(s, { title, description: 'Photos taken by a bystander.' });
    await openIncident(s, title);
    await s.waitFor('#evidence-empty', { what: 'the empty evidence panel of the incident' });

    answerDialog(pick, photo, note);
    await s.click('#evidence-add');
    await s.waitForText('#evidence-result', en['evidence.attached_count'].replace('{count}', '2'), {
      timeout: 60_000,
    });

    // The thumbnail is an <img> whose bytes come from the saksi: scheme, decrypted in memory.
    const tiles = await s.findAll('#evidence-grid img.thumb');
    assert.equal(tiles.length, 1, 'the photo gets a thumbnail, the text file an icon');
    const src = await s.property(tiles[0], 'src');
    assert.match(src, /^saksi:\/\/localhost\/thumb\/[0-9a-f-]{36}$/, 'thumbnails are served by opaque id only');
    assert.ok((await imageLoaded(s, '#evidence-grid img.thumb', 'the thumbnail')) > 0);
    await s.waitForText('#evidence-grid', 'witness-notes.txt');
    assert.equal((await s.findAll('#evidence-grid .file-icon')).length, 1, 'a file that is not an image gets an icon');

    // Viewer: the SHA-256 recorded at intake equals the file's, the full picture loads too.
    await s.cmd('POST', `/element/${tiles[0]}/click`, {});
    const hashEl = await s.waitFor('#evidence-sha256');
    const recorded = await s.execute('return document.querySelector("#evidence-sha256").dataset.sha256');
    assert.equal(recorded, sha256(photo), 'the viewer shows the SHA-256 recorded at intake, equal to the file\'s');
    assert.equal((await s.text(hashEl)).replace(/\s+/g, ''), sha256(photo));
    assert.ok((await imageLoaded(s, '#evidence-view-image', 'the full-size photo')) >= 160);
    await s.waitForText('#evidence-type', 'image/jpeg');
    await s.waitFor('#evidence-custody tr[data-action="intake"]', { what: 'the intake custody entry' });

    // Extract: only after confirming the plaintext warning.
    const out = join(dir, 'extracted-copy.jpg');
    answerDialog(pick, out);
    const extractButton = await s.waitFor('#evidence-extract');
    assert.equal(await s.property(extractButton, 'disabled'), true, 'extract waits for the plaintext warning to be confirmed');
    await s.click('#evidence-extract-understood');
    await s.click('#evidence-extract');
    await s.waitForText('#evidence-extracted', 'extracted-copy.jpg');
    assert.ok(existsSync(out));
    assert.equal(sha256(out), sha256(photo), 'the extracted copy is bit-for-bit the original');
    await s.waitFor('#evidence-custody tr[data-action="extract"]', { what: 'the extract custody entry' });

    // Locked: the scheme serves nothing (403), the image fails to load. (A query string makes
    // WebKit ask the scheme again instead of reusing the decoded picture it holds in memory.)
    const thumbSrc = `${src}?after-lock`;
    await s.click('#lock-button');
    await s.waitFor('#unlock-passphrase');
    const loaded = await s.cmd('POST', '/execute/async', {
      script: `const [src, done] = arguments; const img = new Image();
        img.onload = () => done('loaded'); img.onerror = () => done('refused'); img.src = src;`,
      args: [thumbSrc],
    });
    assert.equal(loaded, 'refused', 'a locked vault serves no image');
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the debug dialog hook answers "cancelled" with an empty answer', { timeout: 120_000 }, async () => {
  const dir = scratch();
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(s);
    await addIncident(s, { title: 'Nothing attached' });
    await openIncident(s, 'Nothing attached');
    await s.click('#evidence-add');
    await s.waitFor('#evidence-empty');
    assert.equal((await s.findAll('#evidence-result, #evidence-error')).length, 0, 'a cancelled dialog changes nothing');
    assert.equal(readFileSync(pick, 'utf8'), '');
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
