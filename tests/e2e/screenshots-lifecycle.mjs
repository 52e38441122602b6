// Screenshots of the recovery key, backup and restore screens in English and Khmer, saved into
// docs/screenshots/. Not a test: `E2E_SCRIPT=tests/e2e/screenshots-lifecycle.mjs bash
// scripts/e2e.sh --no-build`.
import { docShot } from './lib/shots.mjs';
import { Session } from './lib/webdriver.mjs';
import { confirmRecoveryKey, PASSPHRASE, shownRecoveryKey } from './lib/flows.mjs';

const shoot = (s, name) => docShot(s, name);

async function scrollTo(s, css) {
  const el = await s.waitFor(css);
  await s.execute('arguments[0].scrollIntoView({ block: "start" }); return true', [{ 'element-6066-11e4-a52e-4f735466cecf': el }]);
}

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await s.type('#new-passphrase', PASSPHRASE);
    await s.type('#confirm-passphrase', PASSPHRASE);
    await s.click('#create-submit');
    await s.waitFor('#recovery-offer');
    await shoot(s, `recovery-offer-${lang}`);
    await s.click('#recovery-make');
    const key = await shownRecoveryKey(s);
    await shoot(s, `recovery-key-${lang}`);
    await confirmRecoveryKey(s, key);
    await s.waitFor('#lock-button');
    await s.click('#nav-settings');
    await scrollTo(s, '#recovery-panel');
    await shoot(s, `recovery-settings-${lang}`);
    await scrollTo(s, '#backup-panel');
    await s.type('#backup-passphrase', 'harbor violet pencil summit');
    await shoot(s, `backup-${lang}`);
    await s.click('#lock-button');
    await s.click('#unlock-forgot');
    await s.fill('#recovery-key-input', key);
    await shoot(s, `recovery-unlock-${lang}`);
  } finally {
    await s.close();
  }
  const r = await Session.start();
  try {
    await r.select('#first-run-language', lang);
    await r.click('#restore-open');
    await r.type('#restore-secret', 'harbor violet pencil summit');
    await shoot(r, `restore-${lang}`);
  } finally {
    await r.close();
  }
}
