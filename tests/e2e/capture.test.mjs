// One-screen capture (issue 12) in the real window: a new incident with its fields, a Khmer
// testimony and two photos, all added before any save, saved by one Save; the incident then
// stays open with its testimony and both photos, and the custody log has their two intakes.
// And Cancel: the photos taken in are erased with the draft, no blob file left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, waitUntil } from './lib/webdriver.mjs';
import { createVault, PASSPHRASE } from './lib/flows.mjs';
import { answerDialog, makePhoto } from './lib/evidence-flows.mjs';

const CLI = process.env.SAKSI_CLI_BIN ?? new URL('../../target/debug/saksi', import.meta.url).pathname;
const BODY = 'ពេលខ្ញុំចេញពីរដ្ឋសភា មានបុរសបីនាក់ទាញខ្ញុំចេញពីឡាន ហើយវាយធាក់ខ្ញុំ។';

/** Every file under the vault's attachments/ folder (the encrypted blobs). */
function blobFiles(vault) {
  const root = join(vault, 'attachments');
  if (!existsSync(root)) return 0;
  let n = 0;
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else n += 1;
    }
  };
  walk(root);
  return n;
}

async function pendingCount(s) {
  return (await s.findAll('#capture-pending li.pending-tile')).length;
}

async function focusedId(s) {
  return s.execute('return document.activeElement ? document.activeElement.id : ""');
}

function setup(prefix) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const pick = join(root, 'pick.txt');
  writeFileSync(pick, '');
  const photos = [makePhoto(root, 'assembly-gate.jpg', 'red-blue'), makePhoto(root, 'injuries.jpg', 'green-yellow')];
  return { root, pick, photos, vault: join(root, 'vault') };
}

/** Chooses both photos in the (answered) file dialog; waits until both wait in the draft. */
async function takeInPhotos(s, pick, photos) {
  answerDialog(pick, ...photos);
  await s.click('#capture-add');
  await waitUntil(async () => (await pendingCount(s)) === photos.length, {
    what: `${photos.length} photos waiting in the draft`,
    timeout: 60_000,
  });
}

test('fields, a Khmer testimony and two photos before any save: one Save keeps them all', { timeout: 300_000 }, async () => {
  const { root, pick, photos, vault } = setup('saksi-e2e-capture-');
  try {
    const s = await Session.start({ vault, args: ['--e2e-pick', pick] });
    try {
      await createVault(s);
      await s.click('#nav-incidents');
      await s.click('#add-incident');
      const title = 'សមាជិកសភាពីររូបត្រូវបានវាយដំនៅមុខរដ្ឋសភា';
      await s.fill('#incident-title', title);
      await s.fill('#incident-description', 'អង្គរក្សបីនាក់បានវាយដំសមាជិកសភាពីររូប។');
      await s.fill('#incident-place', 'មុខរដ្ឋសភា');
      await s.click('#add-victim');
      await s.fill('#act-1-person-original', 'សុខ វិចិត្រ');

      // The testimony, in the new-incident editor: consent first, focus on its first box.
      await s.click('#add-testimony');
      await waitUntil(async () => (await focusedId(s)) === 'testimony-1-consent-internal', {
        what: 'the focus on the new testimony\'s first consent box',
      });
      await s.click('#testimony-1-consent-internal');
      await s.click('#testimony-1-consent-legal');
      // The witness is the victim created with this incident: not stored yet, chosen by reference.
      const witness = await s.execute(
        `const sel = document.querySelector('#testimony-1-testimony-witness');
         const opt = [...sel.options].find((o) => o.textContent.includes('សុខ វិចិត្រ'));
         return opt ? opt.value : '';`,
      );
      assert.ok(witness, 'the new victim is offered as the witness before the first save');
      await s.select('#testimony-1-testimony-witness', witness);
      await s.fill('#testimony-1-testimony-interviewer', 'Dara');
      await s.fill('#testimony-1-testimony-body', BODY);

      // Two photos, taken in (encrypted) before anything is saved.
      const before = blobFiles(vault);
      await takeInPhotos(s, pick, photos);
      assert.equal(blobFiles(vault), before + 2, 'each photo taken in is one encrypted blob at once');
      assert.equal((await s.findAll('#incident-detail-title')).length, 0, 'nothing was saved yet');

      // One Save: the incident stays open with its testimony and both photos.
      await s.click('#incident-save');
      await s.waitForText('#incident-detail-title', title, { timeout: 30_000 });
      await s.waitForText('#testimony-list', BODY.slice(0, 12));
      await s.waitForText('#testimony-list', 'សុខ វិចិត្រ');
      await waitUntil(async () => (await s.findAll('#evidence-grid .tile')).length === 2, {
        what: 'two evidence tiles on the saved incident',
        timeout: 30_000,
      });
      assert.equal(blobFiles(vault), before + 2, 'saving moves the blobs into evidence: no copy, none lost');

      // The draft is gone: a new incident starts empty, with no photo waiting.
      await s.click('#nav-incidents');
      await s.click('#add-incident');
      await s.waitFor('#incident-title');
      assert.equal((await s.findAll('#draft-restored')).length, 0, 'no draft is left after the save');
      assert.equal(await pendingCount(s), 0, 'no photo is left waiting after the save');
      assert.equal((await s.findAll('#testimony-1-consent-internal')).length, 0, 'no testimony is left in the draft');
      await s.click('#incident-cancel');
    } finally {
      await s.close();
    }

    // The custody log (read by the CLI, once the window is closed) has one intake entry per photo.
    // Not --read-only: the window was closed by the driver, which leaves the log to be settled.
    const log = JSON.parse(
      execFileSync(CLI, ['--vault', vault, 'log', '--json'], {
        env: { ...process.env, SAKSI_PASSPHRASE: PASSPHRASE },
        encoding: 'utf8',
      }),
    );
    const intakes = log.filter((e) => e.action === 'intake');
    assert.equal(intakes.length, 2, `two intake entries in the custody log (actions: ${log.map((e) => e.action).join(' ')})`);
    assert.ok(intakes.every((e) => e.subject_type === 'attachment'), 'each intake names its attachment');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Cancel erases the photos taken in with the draft: no blob file is left', { timeout: 240_000 }, async () => {
  const { root, pick, photos, vault } = setup('saksi-e2e-capture-cancel-');
  try {
    const s = await Session.start({ vault, args: ['--e2e-pick', pick] });
    try {
      await createVault(s);
      await s.click('#nav-incidents');
      await s.click('#add-incident');
      await s.fill('#incident-title', 'Photos taken, then cancelled');
      await s.click('#add-testimony');
      await s.fill('#testimony-1-testimony-body', 'ការធ្វើតេស្ត');
      const before = blobFiles(vault);
      await takeInPhotos(s, pick, photos);
      assert.equal(blobFiles(vault), before + 2, 'the photos are in the vault, encrypted, before Cancel');

      await s.click('#incident-cancel');
      await s.waitFor('#add-incident', { what: 'the incident list after Cancel' });
      await waitUntil(async () => blobFiles(vault) === before, {
        what: `the attachments folder back to ${before} files (it has ${blobFiles(vault)})`,
      });

      await s.click('#add-incident');
      await s.waitFor('#incident-title');
      assert.equal(await s.property(await s.waitFor('#incident-title'), 'value'), '', 'the cancelled draft is gone');
      assert.equal((await s.findAll('#draft-restored')).length, 0, 'no draft is offered after Cancel');
      assert.equal(await pendingCount(s), 0, 'no photo waits after Cancel');
      assert.equal((await s.findAll('#testimony-1-testimony-body')).length, 0, 'the cancelled testimony is gone');
    } finally {
      await s.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
