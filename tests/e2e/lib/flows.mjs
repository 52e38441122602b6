// Steps shared by the end-to-end tests, each written as a person would do it in the window.

export const PASSPHRASE = 'river lantern copper meadow';

export async function createVault(s, passphrase = PASSPHRASE) {
  await s.type('#new-passphrase', passphrase);
  await s.type('#confirm-passphrase', passphrase);
  await s.click('#create-submit');
  await s.waitFor('#lock-button', { timeout: 60_000, what: 'the main screen after creating the vault' });
}

export async function unlock(s, passphrase = PASSPHRASE) {
  await s.type('#unlock-passphrase', passphrase);
  await s.click('#unlock-submit');
}

export async function addIncident(s, { title, description = '', kinds = [], date = '', precision = '', place = '' }) {
  await s.click('#nav-incidents');
  await s.click('#add-incident');
  await s.fill('#incident-title', title);
  await s.fill('#incident-description', description);
  for (const k of kinds) await s.click(`#kind-${k}`);
  if (date) await s.type('#incident-date', date);
  if (precision) await s.select('#incident-precision', precision);
  if (place) await s.fill('#incident-place', place);
  await saveNewIncident(s, title);
}

/** Saves the incident being edited: it stays open; the Incidents tab then returns to the list. */
export async function saveNewIncident(s, title) {
  await s.click('#incident-save');
  await s.waitForText('#incident-detail-title', title, { what: 'the saved incident, still open' });
  await s.click('#nav-incidents');
  await s.waitForText('#incident-list', title, { what: 'the new incident in the list' });
}
