// Steps shared by the end-to-end tests, each written as a person would do it in the window.

export const PASSPHRASE = 'river lantern copper meadow';

/** Creates the vault, skipping the recovery key offered after the passphrase. */
export async function createVault(s, passphrase = PASSPHRASE) {
  await s.type('#new-passphrase', passphrase);
  await s.type('#confirm-passphrase', passphrase);
  await s.click('#create-submit');
  await s.click('#recovery-skip');
  await s.waitFor('#lock-button', { timeout: 60_000, what: 'the main screen after creating the vault' });
}

/** The recovery key on the screen (shown once), as its groups joined by dashes. */
export async function shownRecoveryKey(s) {
  await s.waitFor('#recovery-key-text', { timeout: 60_000, what: 'the recovery key shown once' });
  const groups = await s.execute(
    `return [...document.querySelectorAll('#recovery-key-text .g')].map((g) => g.textContent.trim())`,
  );
  return groups.join('-');
}

/** Confirms a shown recovery key as a person would: "written down", then its last group. */
export async function confirmRecoveryKey(s, key) {
  await s.click('#recovery-written');
  await s.type('#recovery-confirm-last', key.split('-').at(-1));
  await s.click('#recovery-confirm-submit');
}

/** Creates the vault with a recovery key; returns the key as it was shown. */
export async function createVaultWithRecoveryKey(s, passphrase = PASSPHRASE) {
  await s.type('#new-passphrase', passphrase);
  await s.type('#confirm-passphrase', passphrase);
  await s.click('#create-submit');
  await s.click('#recovery-make');
  const key = await shownRecoveryKey(s);
  await confirmRecoveryKey(s, key);
  await s.waitFor('#lock-button', { timeout: 60_000, what: 'the main screen after creating the vault' });
  return key;
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
  try {
    await s.waitForText('#incident-detail-title', title, { timeout: 20_000, what: 'the saved incident, still open' });
  } catch (e) {
    // Once in a full CI run (not reproduced alone) the saved incident never showed: say what the
    // window shows instead, and if the editor is still there, press Save once more, as a person
    // would. The closing note of session 4 records it.
    const shown = await s.execute(
      'return [...document.querySelectorAll(".error, [role=alert], h1")].map((e) => e.textContent.trim()).join(" | ")',
    );
    console.error(`saveNewIncident: "${title}" not shown after 20 s; the window shows: ${shown}`);
    if ((await s.findAll('#incident-save')).length === 0) throw e;
    await s.click('#incident-save');
    await s.waitForText('#incident-detail-title', title, { what: 'the saved incident, still open (second Save)' });
  }
  await s.click('#nav-incidents');
  await s.waitForText('#incident-list', title, { what: 'the new incident in the list' });
}
