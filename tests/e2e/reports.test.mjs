// The Reports screen in the real window: counts by kind with their rules, a drill-down from a
// figure to the records it counted, the chart, and a saved HTML page that is self-contained and
// shows the same figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from './lib/webdriver.mjs';
import { addIncident, createVault } from './lib/flows.mjs';
import { openIncident } from './lib/evidence-flows.mjs';

async function waitPrinted(s) {
  for (let i = 0; i < 50; i++) {
    if ((await s.execute('return window.__printed;')) === 1) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the Print button did not call the print dialog');
}

test('counts by kind drill down to the incidents and save as one printable page', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saksi-e2e-reports-'));
  const pick = join(dir, 'pick.txt');
  const out = join(dir, 'counts.html');
  writeFileSync(pick, '');
  const s = await Session.start({ args: ['--e2e-pick', pick] });
  try {
    await createVault(s);
    await addIncident(s, { title: 'MPs beaten outside the National Assembly', kinds: ['assault'], date: '2015-10-26' });
    await addIncident(s, { title: 'Strikers shot on Veng Sreng road', kinds: ['assault', 'killing'], date: '2014-01-03' });
    await addIncident(s, { title: 'Union leader arrested', kinds: ['arbitrary_arrest'], date: '2014-01-04' });

    await s.click('#nav-reports');
    await s.click('#reports-run');
    await s.waitFor('#reports-counts', { what: 'the counts table' });
    const cell = async (key) => {
      const [td] = await s.findAll(`#reports-counts tr[data-key="${key}"] td`);
      assert.ok(td, `a row for ${key}`);
      return (await s.text(td)).trim();
    };
    assert.equal(await cell('assault'), '2', 'two incidents of assault');
    assert.equal(await cell('killing'), '1', 'one killing');
    const rows = await s.findAll('#reports-counts tr.total td');
    assert.equal((await s.text(rows[0])).trim(), '3', 'three incidents in all, each counted once');
    await s.waitFor('#reports-chart', { what: 'the chart drawn in the page' });

    await s.click('#reports-counts tr[data-key="assault"] button.figure');
    const drill = await s.waitFor('#reports-drill', { what: 'the drill-down' });
    const names = await s.text(drill);
    assert.match(names, /MPs beaten/);
    assert.match(names, /Strikers shot/);
    assert.doesNotMatch(names, /Union leader/, 'the drill-down lists only what the figure counted');

    writeFileSync(pick, out);
    await s.click('#reports-save-html');
    await s.waitForText('#reports-notice', 'counts.html', { what: 'the saved notice' });
    const html = readFileSync(out, 'utf8');
    assert.match(html, /MPs beaten|assault|Assault/i, 'the page holds the figures');
    assert.doesNotMatch(html, /<script\b/i, 'the saved page runs no script');
    assert.doesNotMatch(html, /(src|href)=["']https?:/i, 'the saved page loads nothing from outside');

    // Print: the system's print dialog (paper, or a PDF file) gets the figures with the rules
    // opened. The dialog itself is the toolkit's; here window.print is watched instead.
    await s.execute('window.__printed = 0; window.print = () => { window.__printed += 1; };');
    await s.click('#reports-print');
    await waitPrinted(s);
    assert.equal(await s.execute('return document.querySelector("#reports-rules").open;'), true,
      'the rules are opened for printing');

    await s.click('#reports-tab-detained');
    await s.waitForText('#detained-count', '0', { what: 'nobody detained' });
    await s.waitFor('#detained-chart', { what: 'the detained-over-time chart' });

    await openIncident(s, 'Union leader arrested');
    await s.click('#timeline-toggle');
    await s.waitForText('#timeline-panel', '2014-01-04', { what: 'the incident on its timeline, dated' });
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
