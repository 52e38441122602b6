// Stored XSS in the record screens: hostile text in a new person's names, a perpetrator unit, a
// group description, act notes, a proceeding, and testimony is shown literally on the incident
// page, the person page, the testimony list and editor, and in search results, and never runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Session } from './lib/webdriver.mjs';
import { createVault, saveNewIncident } from './lib/flows.mjs';

const ATTACK = `document.title='pwned';window.__TAURI_INTERNALS__&&window.__TAURI_INTERNALS__.invoke('vault_wipe',{confirm:'WIPE'})`;
const P = [
  `<img src=x onerror="${ATTACK}">`,
  `<svg onload="${ATTACK}"><circle r="5"/></svg>`,
  `<script>${ATTACK}</script>`,
  `<a href="javascript:${ATTACK}">open</a>`,
  `<details open ontoggle="${ATTACK}">x</details>`,
  `"><iframe src="javascript:${ATTACK}"></iframe>`,
];
const ACTIVE = '#app img, #app svg:not([aria-hidden]), #app script, #app iframe, #app a, #app style, #app object, #app embed, #app details';

async function assertInert(s, where) {
  assert.equal(await s.title(), 'Saksi', `${where}: no payload may change the window title`);
  const active = await s.execute(`return document.querySelectorAll(arguments[0]).length`, [ACTIVE]);
  assert.equal(active, 0, `${where}: user text must never become elements`);
  assert.ok(existsSync(s.vaultDir), `${where}: the vault must not have been wiped`);
}

test('XSS payloads in people, acts, proceedings and testimony are shown literally and never run', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);

  await s.click('#add-incident');
  await s.fill('#incident-title', `incident ${P[0]}`);
  await s.click('#add-victim');
  await s.fill('#act-1-person-original', `victim ${P[1]}`);
  await s.fill('#act-1-person-latin', P[2]);
  await s.fill('#act-1-injuries', P[3]);
  await s.fill('#act-1-notes', P[4]);
  await s.click('#add-perpetrator');
  await s.click('#act-2-person-mode-group');
  await s.fill('#act-2-group', P[5]);
  await s.fill('#act-2-perp-unit', P[0]);
  await s.click('#add-proceeding');
  await s.fill('#proc-1-authority', P[1]);
  await s.fill('#proc-1-detention-place', P[2]);
  await assertInert(s, 'editor');
  await saveNewIncident(s, `incident ${P[0]}`);

  await s.click('#incident-list button.record');
  await s.waitForText('#incident-people', `victim ${P[1]}`);
  await s.waitForText('#incident-people', P[0]);
  await s.waitForText('#incident-people', P[3]);
  await s.waitForText('#incident-people', P[4]);
  await s.waitForText('#incident-proceedings', P[1]);
  await assertInert(s, 'incident page');

  await s.click('#add-testimony');
  await s.fill('#consent-method', P[3]);
  await s.fill('#testimony-interviewer', P[4]);
  await s.fill('#testimony-place', P[5]);
  await s.fill('#testimony-body', `testimony ${P[0]} ${P[1]}`);
  await s.click('#testimony-save');
  await s.waitForText('#testimony-list', `testimony ${P[0]}`);
  await assertInert(s, 'testimony list');
  await s.click('#testimony-list button.record');
  const body = await s.waitFor('#testimony-body');
  assert.equal(await s.property(body, 'value'), `testimony ${P[0]} ${P[1]}`);
  assert.equal(await s.property(await s.waitFor('#consent-method'), 'value'), P[3]);
  await assertInert(s, 'testimony editor');
  await s.click('#testimony-cancel');

  await s.click('#incident-people .person-link');
  await s.waitForText('#person-names', `victim ${P[1]}`);
  await s.waitForText('#person-names', P[2]);
  await s.waitForText('#person-proceedings', P[2]);
  await assertInert(s, 'person page');
  await s.click('.person-page button.link');
  await s.click('.detail-view button.link');

  await s.fill('#search-text', 'onload');
  await s.waitForText('#search-results', `victim ${P[1]}`);
  await s.fill('#search-text', 'testimony');
  // A testimony hit shows the start of the statement (120 characters), as text.
  await s.waitForText('#search-results', `testimony <img src=x onerror="document.title='pwned'`);
  await assertInert(s, 'search results');
});
