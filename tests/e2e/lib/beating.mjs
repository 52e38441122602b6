// The founding letter's beating incident, recorded keyboard-only in the real window: two MPs
// beaten outside the National Assembly by three bodyguards, one Khmer testimony, two photos, all
// in the new-incident editor and saved once (one-screen capture).
// Every navigation key goes to whatever has the focus (lib/keyboard.mjs), and before each piece
// of text the flow checks that the keys have led to the right field. The photos go through the
// real GTK file chooser, driven as a person would: "/" opens its location field, then the path
// and Return (see native-dialog.test.mjs).
import { spawnSync } from 'node:child_process';
import { waitUntil } from './webdriver.mjs';
import { Keyboard } from './keyboard.mjs';
import { makePhoto, scratch } from './evidence-flows.mjs';

const TEXT = {
  km: {
    title: 'សមាជិកសភាពីររូបត្រូវបានវាយដំនៅមុខរដ្ឋសភា',
    description: 'អង្គរក្សបីនាក់បានវាយដំសមាជិកសភាពីររូប នៅពេលពួកគាត់ចេញពីរដ្ឋសភា។',
    place: 'មុខរដ្ឋសភា',
    area: 'ភ្នំពេញ',
    injuries: 'របួសក្បាល និងមុខ',
    group: 'អង្គរក្ស',
    perpType: 'អង្គរក្ស',
    method: 'ផ្ទាល់មាត់',
    interviewPlace: 'មន្ទីរពេទ្យកាល់ម៉ែត',
    body: 'ពេលខ្ញុំចេញពីរដ្ឋសភា មានបុរសបីនាក់ទាញខ្ញុំចេញពីឡាន ហើយវាយធាក់ខ្ញុំ។',
  },
  en: {
    title: 'Two MPs beaten outside the National Assembly',
    description: 'Three bodyguards beat two members of parliament as they left the National Assembly.',
    place: 'Outside the National Assembly',
    area: 'Phnom Penh',
    injuries: 'Head and face injuries',
    group: 'Bodyguards',
    perpType: 'Bodyguard',
    method: 'Oral',
    interviewPlace: 'Calmette Hospital',
    body: 'ពេលខ្ញុំចេញពីរដ្ឋសភា មានបុរសបីនាក់ទាញខ្ញុំចេញពីឡាន ហើយវាយធាក់ខ្ញុំ។',
  },
};
export const VICTIMS = [
  { original: 'សុខ វិចិត្រ', latin: 'Sok Vichet' },
  { original: 'ចាន់ ដារ៉ា', latin: 'Chan Dara' },
];

function xdotool(...args) {
  return spawnSync('xdotool', args, { encoding: 'utf8' });
}

function windows() {
  return new Set(xdotool('search', '--onlyvisible', '--name', '.').stdout.split('\n').filter(Boolean));
}

/** Waits until the focus is on `#id` (the keys must lead there, the test never moves it). */
export async function focusIs(kb, id) {
  await waitUntil(async () => (await kb.focused()) === id, {
    what: `the focus on #${id}`,
    timeout: 30_000,
  }).catch(async (e) => {
    throw new Error(`${e.message}; it is on #${await kb.focused()} after ${kb.log.join(' ')}`);
  });
}

/** Presses `press` (which opens the native file chooser) and answers it with `file`: "/" + path + Return. */
async function attachThroughChooser(kb, press, file) {
  const before = windows();
  await press();
  let dialog = '';
  await waitUntil(
    () => {
      dialog = [...windows()].find((w) => !before.has(w)) ?? '';
      return dialog !== '';
    },
    { what: 'the native file chooser to open' },
  );
  // No window manager under Xvfb gives the new window the keyboard: a desktop would.
  xdotool('windowfocus', '--sync', dialog);
  await new Promise((r) => setTimeout(r, 500));
  xdotool('type', '--delay', '20', file);
  kb.chars += file.length;
  xdotool('key', 'Return');
  kb.presses += 1;
  kb.log.push('Return(chooser)');
}

/**
 * Runs the whole flow from the unlock screen; `shot(name)` (optional) is called at the steps worth
 * a screenshot. The incident, its testimony and its photos are all entered before one save.
 * Returns the counts and the time from the first key to the saved incident showing both photos.
 */
export async function recordBeating(s, { lang = 'km', passphrase, shot = async () => {} }) {
  const x = TEXT[lang];
  const kb = new Keyboard(s);
  const dir = scratch('saksi-e2e-beating-');
  const photos = [makePhoto(dir, 'assembly-gate.jpg', 'red-blue'), makePhoto(dir, 'injuries.jpg', 'green-yellow')];

  await focusIs(kb, 'unlock-passphrase');
  const t0 = Date.now();
  await kb.text('unlock-passphrase', passphrase);
  await kb.enter();

  // The list: the focus starts on "Add incident".
  await focusIs(kb, 'add-incident');
  await kb.enter();

  // What, when, where.
  await focusIs(kb, 'incident-title');
  await kb.text('incident-title', x.title);
  await kb.tab();
  await kb.text('incident-description', x.description);
  await kb.tab(); // the kinds: one Tab stop, arrows inside
  await focusIs(kb, 'kind-arbitrary_arrest');
  await kb.down(2);
  await focusIs(kb, 'kind-assault');
  await kb.space();
  await kb.tab();
  await kb.text('incident-date', '2024-10-26');
  await kb.tab(4); // precision (day), end date, its precision, place
  await kb.text('incident-place', x.place);
  await kb.tab();
  await kb.text('incident-area', x.area);

  // Two victims (Alt+V puts the focus on the new person's name), then the bodyguards as a group.
  for (const [n, v] of VICTIMS.entries()) {
    await kb.press('v', { alt: true });
    await focusIs(kb, `act-${n + 1}-person-original`);
    await kb.text(`act-${n + 1}-person-original`, v.original);
    await kb.tab();
    await kb.text(`act-${n + 1}-person-latin`, v.latin);
    await kb.tab(3); // act type, method, injuries
    await kb.text(`act-${n + 1}-injuries`, x.injuries);
  }
  await kb.press('p', { alt: true });
  await focusIs(kb, 'act-3-person-original');
  await kb.backTab(); // the "who" radio buttons
  await focusIs(kb, 'act-3-person-mode-new');
  await kb.down(2);
  await focusIs(kb, 'act-3-person-mode-group');
  await kb.tab();
  await kb.text('act-3-min', '3');
  await kb.tab();
  await kb.text('act-3-max', '3');
  await kb.tab();
  await kb.text('act-3-group', x.group);
  await kb.tab();
  await kb.text('act-3-perp-type', x.perpType);
  await shot('keyboard-editor');

  // One Khmer testimony, in the same editor before any save (Alt+T), consent first. The witness
  // list holds the two victims just typed (not stored yet: the save resolves them).
  await kb.press('t', { alt: true });
  await focusIs(kb, 'testimony-1-consent-internal');
  // Leaving the type-ahead with text that names one term of the vocabulary chose it.
  const perp = await kb.s.execute(`return document.querySelector('#act-3-perp-type').dataset.code`, []);
  if (perp !== 'bodyguard_unit') throw new Error(`the perpetrator type typed as ${JSON.stringify(x.perpType)} became ${JSON.stringify(perp)}, not bodyguard_unit`);
  await kb.space();
  await kb.tab(2);
  await focusIs(kb, 'testimony-1-consent-legal');
  await kb.space();
  await kb.tab(2); // publication (none), consent method
  await kb.text('testimony-1-consent-method', x.method);
  await kb.tab(3); // consent date, anonymous, the witness
  await focusIs(kb, 'testimony-1-testimony-witness');
  await kb.down(); // the first victim
  await kb.tab();
  await kb.text('testimony-1-testimony-interviewer', 'Dara');
  await kb.tab();
  await kb.text('testimony-1-testimony-date', '2024-10-27');
  await kb.tab();
  await kb.text('testimony-1-testimony-place', x.interviewPlace);
  await kb.tab(2); // language (Khmer), the statement
  await kb.text('testimony-1-testimony-body', x.body);
  await shot('keyboard-testimony');

  // Two photos through the file chooser (Alt+E), still before any save: each is encrypted into
  // the draft at once; after each, the focus is back on "Add photos".
  const pending = async () => (await s.findAll('#capture-pending li.pending-tile')).length;
  await attachThroughChooser(kb, () => kb.press('e', { alt: true }), photos[0]);
  await waitUntil(async () => (await pending()) === 1, { what: 'the first photo waiting in the draft', timeout: 60_000 });
  await focusIs(kb, 'capture-add');
  await attachThroughChooser(kb, () => kb.enter(), photos[1]);
  await waitUntil(async () => (await pending()) === 2, { what: 'the second photo waiting in the draft', timeout: 60_000 });
  await focusIs(kb, 'capture-add');
  await shot('keyboard-photos');
  const beforeSave = kb.presses;

  // One save for everything: the incident stays open, the focus on its title.
  await kb.press('s', { ctrl: true });
  await focusIs(kb, 'incident-detail-title');
  await s.waitFor('#incident-saved');
  await s.waitForText('#testimony-list', x.body.slice(0, 12));
  await waitUntil(async () => (await s.findAll('#evidence-grid .tile')).length === 2, { what: 'both photos on the saved incident', timeout: 60_000 });
  await shot('keyboard-saved');
  const ms = Date.now() - t0;
  return { presses: kb.presses, chars: kb.chars, ms, log: kb.log, editorPresses: beforeSave, title: x.title, body: x.body };
}
