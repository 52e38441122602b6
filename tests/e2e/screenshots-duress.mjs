// Screenshots of Settings → duress passphrase in English and Khmer, saved into docs/screenshots/.
// Not a test: `E2E_SCRIPT=tests/e2e/screenshots-duress.mjs bash scripts/e2e.sh --no-build`.
import { docShot } from './lib/shots.mjs';
import { ELEMENT, Session } from './lib/webdriver.mjs';
import { createVault, PASSPHRASE } from './lib/flows.mjs';

const shoot = (s, name) => docShot(s, name);

for (const lang of ['en', 'km']) {
  const s = await Session.start();
  try {
    await s.select('#first-run-language', lang);
    await createVault(s);
    await s.click('#nav-settings');
    await s.click('#duress-open');
    await s.type('#duress-current', PASSPHRASE);
    await s.type('#duress-new', 'orchard pebble violin harbor');
    await s.type('#duress-confirm', 'orchard pebble violin harbor');
    await s.click('#duress-panel details summary');
    const el = await s.waitFor('#duress-panel');
    await s.execute('arguments[0].scrollIntoView({ block: "start" }); return true', [{ [ELEMENT]: el }]);
    await shoot(s, `duress-settings-${lang}`);
  } finally {
    await s.close();
  }
}
