// Redacted copies in the real window: a photo's viewer has the region editor; a region is added
// with the button, moved with an arrow key and resized with Shift+arrow (no mouse), blurred, and
// the redacted copy appears beside the original (that the original's bytes and hash are unchanged
// is proven by derivative::tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { shoot } from './lib/shots.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { answerDialog, imageLoaded, makePhoto, openIncident, scratch } from './lib/evidence-flows.mjs';

const regionLabel = (s) => s.execute('return document.querySelector("#redact-regions li") && document.querySelector("#redact-regions li").textContent');

test('a region is drawn by keyboard, blurred, and the copy sits beside the original', { timeout: 300_000 }, async () => {
  const dir = scratch('saksi-e2e-redact-');
  const pick = join(dir, 'pick.txt');
  writeFileSync(pick, '');
  const photo = makePhoto(dir, 'faces.jpg', 'orange-purple');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(s);
    const title = 'Protesters photographed at the court';
    await addIncident(s, { title });
    await openIncident(s, title);
    answerDialog(pick, photo);
    await s.click('#evidence-add');
    await imageLoaded(s, '#evidence-grid img.thumb', 'the thumbnail');
    const [tile] = await s.findAll('#evidence-grid img.thumb');
    await s.cmd('POST', `/element/${tile}/click`, {});
    await s.waitFor('#redact-editor', { what: 'the region editor in the viewer' });
    await imageLoaded(s, '#redact-surface img', 'the photo in the editor');

    await s.click('#redact-add');
    await s.waitFor('#redact-surface button.region', { what: 'the added region' });
    const before = await regionLabel(s);
    const [region] = await s.findAll('#redact-surface button.region');
    await s.cmd('POST', `/element/${region}/value`, { text: '\uE014' }); // ArrowRight: move
    await s.cmd('POST', `/element/${region}/value`, { text: '\uE008\uE015\uE008' }); // Shift+ArrowDown: taller
    const after = await regionLabel(s);
    assert.notEqual(after, before, `the arrow keys move and resize the region (${before} → ${after})`);
    await s.select('#redact-method', 'blur');
    await shoot(s, 'redact-en');
    await s.click('#redact-make');
    await s.waitFor('#redact-made', { timeout: 60_000, what: 'the redacted copy made' });
    await s.click('#evidence-viewer-close');
    // The incident's evidence, read again: the copy is a new item beside the original.
    await openIncident(s, title);
    await s.waitFor('#evidence-grid');
    await s.waitForText('#evidence-grid', 'faces-redacted.png');
    await s.waitForText('#evidence-grid', 'faces.jpg');
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
