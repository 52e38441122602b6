// Conflicts a person can decide, in the real window: HQ and a monitor (both made with the CLI)
// edit the same incident at the same time; at HQ the Conflicts tab compares the two versions
// field by field (differences marked, who and when in local time), the analyst takes the
// monitor's description and keeps HQ's title, and the merge is saved as a new version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APP, Session } from './lib/webdriver.mjs';
import { shoot } from './lib/shots.mjs';
import { unlock } from './lib/flows.mjs';
import { scratch } from './lib/evidence-flows.mjs';
import en from '../../ui/src/i18n/en.json' with { type: 'json' };

const CLI = join(dirname(APP), 'saksi');
const PASS = 'headquarters lantern copper river';

function saksi(vault, args, input) {
  return execFileSync(CLI, ['--vault', vault, ...args], {
    env: { ...process.env, SAKSI_PASSPHRASE: PASS, SAKSI_KDF: 'minimum' },
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

test('a conflict is compared field by field and merged by choosing fields', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CLI)) {
    t.skip(`needs the saksi CLI beside the app (${CLI})`);
    return;
  }
  const dir = scratch('saksi-e2e-conflicts-');
  const hq = join(dir, 'hq');
  const mon = join(dir, 'mon');
  saksi(hq, ['init']);
  saksi(hq, ['keygen']);
  saksi(hq, ['device', 'card', '--out', join(dir, 'hq.card')]);
  saksi(mon, ['init']);
  saksi(mon, ['recipient', 'add', 'hq', '--card', join(dir, 'hq.card')]);
  saksi(mon, ['device', 'card', '--out', join(dir, 'mon.card')]);
  saksi(hq, ['trust', 'add', join(dir, 'mon.card')]);
  // HQ calls the monitor's laptop by a name of its choosing; the comparison shows it.
  const monId = JSON.parse(saksi(mon, ['device', '--json'])).id;
  saksi(hq, ['trust', 'rename', monId, 'Kampot monitor']);
  const id = saksi(mon, ['incident', 'add'], JSON.stringify({ title: 'Beating at the Assembly', description: 'first report' })).trim();
  saksi(mon, ['export', '--to', 'hq', '--out', join(dir, 'b1.saksi')]);
  saksi(hq, ['import', join(dir, 'b1.saksi')]);
  saksi(hq, ['incident', 'update', id], JSON.stringify({ title: 'MPs beaten outside the National Assembly', description: 'first report' }));
  saksi(mon, ['incident', 'update', id], JSON.stringify({ title: 'Beating', description: 'Two MPs beaten by three bodyguards' }));
  saksi(mon, ['export', '--to', 'hq', '--since-last', '--out', join(dir, 'b2.saksi')]);
  saksi(hq, ['import', join(dir, 'b2.saksi')]);

  const s = await Session.start({ vault: hq });
  try {
    await unlock(s, PASS);
    await s.waitFor('#lock-button', { timeout: 60_000 });
    await s.click('#nav-exchange');
    await s.click('#exchange-tab-conflicts');
    await s.click('#conflicts-list .conflict-compare');
    await s.waitFor('#conflict-detail', { what: 'the field-by-field comparison' });
    const focused = await s.execute('return document.activeElement && document.activeElement.id');
    assert.equal(focused, 'conflict-detail-title', 'focus moves to the comparison');
    assert.equal(
      await s.execute('return document.querySelector(\'#conflict-detail tr[data-field="title"]\').classList.contains("differs")'),
      true,
      'the differing title is marked',
    );
    assert.equal(
      await s.execute('return document.querySelector(\'#conflict-detail tr[data-field="place_name"]\').classList.contains("differs")'),
      false,
      'an equal field is not',
    );
    const who = await s.text(await s.waitFor('#conflict-incoming-who'));
    assert.match(who, /Kampot monitor/, 'the incoming side is named as HQ calls that device');
    assert.doesNotMatch(who, /T\d\d:\d\d/, 'times are shown in local time, not raw UTC');
    await s.click('#conflict-detail input[name="take-description"][value="incoming"]');
    await shoot(s, 'conflict-merge-en');
    await s.click('#conflict-save-merge');
    await s.waitForText('#conflict-resolved', en['conflicts.resolved']);
    await s.waitFor('#conflicts-empty');

    // This device gets a name people recognise, in the Keys tab.
    await s.click('#exchange-tab-keys');
    await s.fill('#device-name', 'HQ analysis desk');
    await s.click('#device-name-save');
    await s.waitForText('#keys-notice', en['keys.device_renamed']);
  } finally {
    await s.close();
  }
  const merged = JSON.parse(saksi(hq, ['incident', 'show', id, '--json']));
  assert.equal(merged.title, 'MPs beaten outside the National Assembly', "HQ's title kept");
  assert.equal(merged.description, 'Two MPs beaten by three bodyguards', "the monitor's description taken");
  assert.equal(JSON.parse(saksi(hq, ['device', '--json'])).name, 'HQ analysis desk', 'the device name was saved');
  rmSync(dir, { recursive: true, force: true });
});
