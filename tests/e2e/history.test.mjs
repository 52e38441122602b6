// A record's history in the real window: an incident saved and then edited shows both versions,
// the device that made each, that the custody log agrees, and the field that changed (old → new).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident } from './lib/evidence-flows.mjs';

test('an edited incident shows every version and what changed', { timeout: 240_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: 'Arrest at the market' });
    await openIncident(s, 'Arrest at the market');
    await s.click('#incident-edit');
    await s.fill('#incident-title', 'Arrest at the central market');
    await s.click('#incident-save');
    await s.waitForText('#incident-detail-title', 'Arrest at the central market');

    await s.click('#history-toggle');
    const panel = await s.waitFor('#history-panel', { what: 'the history panel' });
    assert.equal((await s.findAll('#history-panel li[data-version]')).length, 2, 'two versions kept');
    const latest = (await s.findAll('#history-panel li[data-version="2"]'))[0];
    const text = await s.text(latest);
    assert.match(text, /title/, 'the changed field is named');
    assert.match(text, /Arrest at the market/, 'with its old value');
    assert.match(text, /Arrest at the central market/, 'and its new value');
    assert.match(await s.text(panel), /custody log agrees/, 'each version is checked against the custody log');
  } finally {
    await s.close();
  }
});
