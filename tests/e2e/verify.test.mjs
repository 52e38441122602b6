// Settings → "Check the vault" runs the core's full verification in the real window.
import { test } from 'node:test';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';

test('checking the vault from the settings reports no problem on a fresh vault', { timeout: 180_000 }, async () => {
  const s = await Session.start();
  try {
    await createVault(s);
    await addIncident(s, { title: 'Checked incident' });
    await s.click('#nav-settings');
    await s.click('#verify-start');
    await s.waitForText('#verify-ok', '0 attachments', { what: 'the verification report' });
  } finally {
    await s.close();
  }
});
