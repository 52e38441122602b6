// Bundles in the real window: a monitor adds HQ's recipient key (made with the `saksi` CLI),
// records an incident with a photo, saves its device card and exports through the wizard; HQ
// (the CLI trusts the card, then a second app session on HQ's vault) first gets a tampered copy,
// rejected with the translated reason and nothing imported, then the real bundle: the same
// incident and photo appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APP, Session } from './lib/webdriver.mjs';
import { addIncident, createVault, unlock } from './lib/flows.mjs';
import { answerDialog, imageLoaded, makePhoto, openIncident, scratch } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const CLI = join(dirname(APP), 'saksi');
const HQ_PASS = 'headquarters lantern copper river';

function hq(vault, ...args) {
  return execFileSync(CLI, ['--vault', vault, ...args], {
    env: { ...process.env, SAKSI_PASSPHRASE: HQ_PASS, SAKSI_KDF: 'minimum' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test('export to HQ, tampered copy rejected, real bundle imported with the same records', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CLI)) {
    t.skip(`needs the saksi CLI beside the app (${CLI})`);
    return;
  }
  const dir = scratch('saksi-e2e-bundle-');
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const hqVault = join(dir, 'hq-vault');
  hq(hqVault, 'init');
  hq(hqVault, 'keygen');
  const recipient = hq(hqVault, 'hq-key').match(/age1[0-9a-z]+/)?.[0];
  assert.ok(recipient, 'the CLI prints HQ recipient');

  const photo = makePhoto(dir, 'checkpoint.jpg', 'green-yellow');
  const card = join(dir, 'monitor-card.json');
  const bundle = join(dir, 'to-hq.saksi');
  const title = 'Journalist detained at the checkpoint';

  // Monitor.
  const mon = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(mon);
    await mon.click('#nav-exchange');
    await mon.click('#exchange-tab-keys');
    await mon.fill('#recipient-name', 'HQ Phnom Penh');
    await mon.fill('#recipient-key', recipient);
    await mon.click('#recipient-add');
    await mon.waitForText('#recipient-list', 'HQ Phnom Penh');
    answerDialog(pick, card);
    await mon.click('#card-save');
    await mon.waitForText('#keys-notice', en['keys.card_saved']);

    await addIncident(mon, { title, description: 'Held for six hours; phone searched.' });
    await openIncident(mon, title);
    answerDialog(pick, photo);
    await mon.click('#evidence-add');
    await imageLoaded(mon, '#evidence-grid img.thumb', 'the monitor-side thumbnail');

    await mon.click('#nav-exchange');
    await mon.click('#exchange-tab-export');
    await mon.waitFor('#export-to-0');
    if (!(await mon.property(await mon.waitFor('#export-to-0'), 'checked'))) await mon.click('#export-to-0');
    await mon.click('#export-review');
    await mon.waitFor('#export-summary', { what: 'the consent summary' });
    await mon.waitFor('#export-counts li[data-type="incident"]');
    await mon.waitFor('#export-counts li[data-type="attachment"]');
    answerDialog(pick, bundle);
    await mon.click('#export-run');
    await mon.waitForText('#export-done', 'to-hq.saksi', { timeout: 60_000 });
    assert.ok(existsSync(bundle), 'the bundle was written where the save dialog said');
  } finally {
    await mon.close();
  }

  // HQ trusts the monitor's card (after comparing fingerprints by phone).
  hq(hqVault, 'trust', 'add', card);
  const tampered = join(dir, 'tampered.saksi');
  const bytes = readFileSync(bundle);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(tampered, bytes);

  const before = hq(hqVault, 'incident', 'list');
  const h = await Session.start({ vault: hqVault, args: ['--e2e-pick', pick] });
  try {
    await unlock(h, HQ_PASS);
    await h.waitFor('#lock-button', { timeout: 60_000 });
    await h.click('#nav-exchange');
    await h.click('#exchange-tab-import');

    answerDialog(pick, tampered);
    await h.click('#import-start');
    const rejected = await h.waitFor('#import-error', { timeout: 60_000, what: 'the rejection of the tampered bundle' });
    const kind = await h.execute('return document.querySelector("#import-error").dataset.errorKind');
    assert.ok(
      ['bundle_damaged', 'bundle_hash_mismatch', 'bundle_bad_signature'].includes(kind),
      `a flipped bit is rejected as tampering (got ${kind})`,
    );
    assert.ok((await h.text(rejected)).includes(en[`import.reject.${kind}`]), 'the reason is shown translated');
    await h.waitForText('#import-rejected', en['import.nothing_changed']);

    answerDialog(pick, bundle);
    await h.click('#import-start');
    await h.waitFor('#import-result[data-outcome="imported"]', { timeout: 60_000, what: 'the import result' });
    const added = await h.execute('return Number(document.querySelector("#import-added").dataset.total)');
    assert.ok(added >= 2, `the incident and its photo were added (added: ${added})`);

    await openIncident(h, title);
    await imageLoaded(h, '#evidence-grid img.thumb', 'the imported photo');
  } finally {
    await h.close();
  }
  assert.ok(!before.includes(title), 'the tampered bundle imported nothing');
  assert.ok(hq(hqVault, 'incident', 'list').includes(title), 'HQ holds the same incident');
  rmSync(dir, { recursive: true, force: true });
});
