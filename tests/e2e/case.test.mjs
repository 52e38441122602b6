// Case files in the real window: a lawyer makes a case, ticks one incident (its two photos), then,
// from another incident's items, one photo; they become E-001, E-002, E-003 in the exhibit list
// shown in the window. The court folder is written into a folder chosen in the (test-answered)
// native dialog and passes `sha256sum -c` (and `minisign -V` when installed) with the hash and
// key the window shows; a second folder into the same, now full, folder is refused with its own
// translated reason. The case is exported as a bundle for another lawyer through the save
// dialog, with progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APP, Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, imageLoaded, makePhoto, openIncident, scratch, sha256 } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const CLI = join(dirname(APP), 'saksi');

function has(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The index of the row of `#case-pick` whose label holds `title`. */
async function pickRow(s, title) {
  const labels = await s.findAll('#case-pick > li > .checkbox > label');
  for (let i = 0; i < labels.length; i++) if ((await s.text(labels[i])).includes(title)) return i;
  throw new Error(`no incident ${title} to choose`);
}

async function attach(s, pick, title, ...photos) {
  await openIncident(s, title);
  answerDialog(pick, ...photos);
  await s.click('#evidence-add');
  await s.waitFor('#evidence-result');
  await imageLoaded(s, '#evidence-grid img.thumb', 'a thumbnail');
  await s.click('.detail-view > button.link'); // back to the list
  await s.waitFor('#incident-list');
}

test('a case: exhibits chosen by checkbox, the court folder verified with standard tools, a bundle for another lawyer', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CLI)) {
    t.skip(`needs the saksi CLI beside the app (${CLI})`);
    return;
  }
  const dir = scratch('saksi-e2e-case-');
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  // The other lawyer's key, made with the CLI.
  const other = join(dir, 'other-lawyer');
  const env = { ...process.env, SAKSI_PASSPHRASE: 'another lawyer lantern copper', SAKSI_KDF: 'minimum' };
  execFileSync(CLI, ['--vault', other, 'init'], { env, stdio: 'ignore' });
  execFileSync(CLI, ['--vault', other, 'keygen'], { env, stdio: 'ignore' });
  const recipient = execFileSync(CLI, ['--vault', other, 'hq-key'], { env, encoding: 'utf8' }).match(/age1[0-9a-z]+/)?.[0];
  assert.ok(recipient, 'the CLI prints the other lawyer recipient');

  const a = makePhoto(dir, 'arrest-1.jpg', 'red-blue');
  const b = makePhoto(dir, 'arrest-2.jpg', 'green-yellow');
  const c = makePhoto(dir, 'cell.jpg', 'black-white');
  const court = join(dir, 'court');
  const bundle = join(dir, 'case.saksi');

  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(s);
    await s.click('#nav-exchange');
    await s.click('#exchange-tab-keys');
    await s.fill('#recipient-name', 'Lawyer Sok');
    await s.fill('#recipient-key', recipient);
    await s.click('#recipient-add');
    await s.waitForText('#recipient-list', 'Lawyer Sok');

    await addIncident(s, { title: 'Arrest at the market' });
    await addIncident(s, { title: 'Detention at the district station' });
    await attach(s, pick, 'Arrest at the market', a, b);
    await attach(s, pick, 'Detention at the district station', c);

    await s.click('#nav-cases');
    await s.waitFor('#case-empty');
    await s.fill('#case-title', 'Prosecutor v. X');
    await s.click('#case-create');
    await s.waitForText('#case-detail-title', 'Prosecutor v. X');
    await s.waitFor('#exhibit-empty');

    const market = await pickRow(s, 'Arrest at the market');
    await s.click(`#case-pick-incident-${market}`);
    await s.waitForText('#case-add', '1');
    await s.click('#case-add');
    await s.waitForText('#case-added', 'E-001, E-002');
    const station = await pickRow(s, 'Detention at the district station');
    await s.click(`#case-items-toggle-${station}`);
    await s.click(`#case-pick-item-${station}-0`);
    await s.click('#case-add');
    await s.waitForText('#case-added', 'E-003');

    const rows = await s.findAll('#exhibit-list tbody tr');
    assert.equal(rows.length, 3, 'three exhibits in the list');
    const byLabel = {};
    for (const r of rows) {
      const label = await s.cmd('GET', `/element/${r}/attribute/data-exhibit`);
      byLabel[label] = await s.text(r);
    }
    assert.match(byLabel['E-001'], /arrest-1\.jpg/, 'the ticked incident comes first, its items oldest first');
    assert.match(byLabel['E-002'], /arrest-2\.jpg/);
    assert.match(byLabel['E-003'], /cell\.jpg/, 'then the single item ticked');
    assert.match(byLabel['E-001'], /Arrest at the market/, 'described by the incident title');
    for (const [label, text] of Object.entries(byLabel)) {
      assert.match(text, /all verified/, `${label}: every custody step verifies`);
    }
    const shaCell = await s.waitFor('#exhibit-list tr[data-exhibit="E-003"] code[data-sha256]');
    assert.equal(await s.cmd('GET', `/element/${shaCell}/attribute/data-sha256`), sha256(c), 'the SHA-256 recorded at intake');
    // Already an exhibit: its checkbox is marked and cannot be ticked again.
    const again = await s.waitFor(`#case-pick-item-${station}-0`);
    assert.equal(await s.property(again, 'disabled'), true, 'an exhibit cannot be added twice');

    answerDialog(pick, court);
    await s.click('#case-folder');
    const result = await s.waitFor('#case-folder-result', { timeout: 60_000, what: 'the court folder written' });
    assert.match(await s.text(result), /3 exhibits/);
    const hash = await s.text(await s.waitFor('#case-folder-hash'));
    const key = await s.text(await s.waitFor('#case-folder-key'));
    const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: court, encoding: 'utf8' });
    assert.match(check, /exhibits\/E-003-cell\.jpg: OK/, 'every file of the folder checks with sha256sum');
    assert.doesNotMatch(check, /FAILED/);
    assert.equal(execFileSync('sha256sum', ['SHA256SUMS'], { cwd: court, encoding: 'utf8' }).split(' ')[0], hash, 'the window shows the folder one hash');
    assert.equal(sha256(join(court, 'exhibits', 'E-001-arrest-1.jpg')), sha256(a), 'the exhibit is the original, byte for byte');
    if (has('minisign')) {
      const v = execFileSync('minisign', ['-Vm', 'SHA256SUMS', '-P', key], { cwd: court, encoding: 'utf8' });
      assert.match(v, /Signature and comment signature verified/, 'SHA256SUMS is signed with the key the window shows');
    }
    const files = readdirSync(court).sort();

    answerDialog(pick, court);
    await s.click('#case-folder');
    const err = await s.waitFor('#case-folder-error', { what: 'a full folder refused' });
    assert.equal(await s.cmd('GET', `/element/${err}/attribute/data-error-kind`), 'case_folder_not_empty');
    assert.match(await s.text(err), new RegExp(en['errors.case_folder_not_empty'].slice(0, 20)), 'with its translated reason');
    assert.deepEqual(readdirSync(court).sort(), files, 'a refused folder leaves the first one as it was');

    answerDialog(pick, bundle);
    const to = await s.waitFor('#case-to-0');
    if (!(await s.property(to, 'checked'))) await s.cmd('POST', `/element/${to}/click`, {});
    await s.click('#case-export');
    await s.waitForText('#case-export-result', 'case.saksi', { timeout: 60_000 });
    assert.ok(statSync(bundle).size > 1000, 'the case bundle was written');
  } finally {
    await s.close();
  }
});
