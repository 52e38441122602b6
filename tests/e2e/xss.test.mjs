// Stored XSS: hostile text typed into every text field is shown literally in every view and
// never executes. Each payload would, if it ran, change the window title and try to wipe the
// vault through the IPC bridge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ELEMENT, Session } from './lib/webdriver.mjs';
import { createVault, saveNewIncident } from './lib/flows.mjs';

const ATTACK = `document.title='pwned';window.__TAURI_INTERNALS__&&window.__TAURI_INTERNALS__.invoke('vault_wipe',{confirm:'WIPE'})`;
const PAYLOADS = [
  `<img src=x onerror="${ATTACK}">`,
  `<script>${ATTACK}</script>`,
  `<a href="javascript:${ATTACK}">open</a>`,
  `<svg onload="${ATTACK}"><circle r="5"/></svg>`,
  `"><iframe src="javascript:${ATTACK}"></iframe>`,
  `javascript:${ATTACK}`,
  `<style>body{display:none}</style>ok`,
  `{@html '<img src=x onerror="${ATTACK}">'}`,
  `<details open ontoggle="${ATTACK}">x</details>`,
];

const ACTIVE = '#app img, #app svg:not([aria-hidden]), #app script, #app iframe, #app a, #app style, #app object, #app embed, #app details';

async function assertInert(s, where) {
  assert.equal(await s.title(), 'Saksi', `${where}: no payload may change the window title`);
  const active = await s.execute(`return document.querySelectorAll(arguments[0]).length`, [ACTIVE]);
  assert.equal(active, 0, `${where}: user text must never become elements`);
  assert.ok(existsSync(s.vaultDir), `${where}: the vault must not have been wiped`);
}

test('XSS payloads in incident and person fields are shown literally and never run', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await createVault(s);

  for (const [i, p] of PAYLOADS.entries()) {
    await s.click('#add-incident');
    await s.fill('#incident-title', `${i} ${p}`);
    await s.fill('#incident-description', p);
    await s.fill('#incident-place', p);
    await saveNewIncident(s, `${i} ${p}`);
  }
  await assertInert(s, 'incident list');

  // The list shows each title exactly as typed.
  const titles = await s.execute(
    `return [...document.querySelectorAll('#incident-list .record-title')].map(e => e.textContent)`,
  );
  for (const [i, p] of PAYLOADS.entries()) {
    assert.ok(titles.includes(`${i} ${p}`), `payload ${i} is shown as text in the list`);
  }

  // Every detail view: title, place and description as text.
  for (const [i, p] of PAYLOADS.entries()) {
    const rows = await s.findAll('#incident-list button.record');
    let opened = false;
    for (const row of rows) {
      if ((await s.text(row)).startsWith(`${i} `)) {
        await s.cmd('POST', `/element/${row}/click`, {});
        opened = true;
        break;
      }
    }
    assert.ok(opened, `incident ${i} can be opened`);
    const heading = await s.waitFor('#incident-detail-title');
    assert.equal(await s.property(heading, 'textContent'), `${i} ${p}`);
    const body = await s.waitFor('#incident-description');
    assert.equal(await s.property(body, 'textContent'), p);
    await assertInert(s, `detail of payload ${i}`);
    await s.click('.detail-view button.link');
    await s.waitFor('#incident-list');
  }

  // Search results render hit titles as text, and the search box takes payloads as text.
  for (const p of [PAYLOADS[0], PAYLOADS[3]]) {
    await s.fill('#search-text', p);
    await s.waitFor('#result-count');
    await assertInert(s, 'search results');
  }
  await s.fill('#search-text', 'onerror');
  await s.waitForText('#search-results', PAYLOADS[0]);
  await assertInert(s, 'search results for "onerror"');

  // People: names and notes.
  await s.click('#nav-persons');
  for (const [i, p] of PAYLOADS.slice(0, 4).entries()) {
    await s.click('#add-person');
    await s.fill('#person-original', `${i} ${p}`);
    await s.fill('#person-latin', p);
    await s.fill('#person-notes', p);
    await s.click('#person-save');
    await s.waitForText('#person-list', `${i} ${p}`, { what: `person payload ${i} listed literally` });
  }
  await assertInert(s, 'person list');

  // The vault still answers: nothing wiped it, nothing locked it.
  await s.click('#nav-incidents');
  await s.waitForText('#incident-count', String(PAYLOADS.length));
  const el = await s.waitFor('#incident-count');
  assert.ok(await s.execute('return arguments[0].isConnected', [{ [ELEMENT]: el }]));
});

test('the page runs under the strict CSP and without a global Tauri object', async (t) => {
  const s = await Session.start();
  t.after(() => s.close());
  await s.waitFor('#new-passphrase');
  assert.equal(await s.execute('return typeof window.__TAURI__'), 'undefined', 'withGlobalTauri is off');
  // An inline script injected now must be refused by the CSP.
  const ran = await s.execute(`
    window.__inline = false;
    const el = document.createElement('script');
    el.textContent = 'window.__inline = true';
    document.body.appendChild(el);
    return window.__inline;`);
  assert.equal(ran, false, "the CSP must block inline scripts (script-src 'self')");
  const evalBlocked = await s.execute(`try { eval('1'); return false; } catch (e) { return true; }`);
  assert.equal(evalBlocked, true, 'the CSP must block eval');
  // No storage may be used: the webview is incognito and the app writes nothing there.
  assert.equal(await s.execute('return window.localStorage ? window.localStorage.length : 0'), 0);
});
