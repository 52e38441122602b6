// The monitor's keyboard flow (issue 12): Enter never saves a whole incident, Ctrl+S does, the
// saved incident stays open, the Incidents tab returns to the list, Cancel throws the draft away,
// focus follows "Add victim", and Ctrl+L saves the pending draft before the vault locks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';
import { isImplicitSubmit, isSaveShortcut } from '../lib/keys';
import { beforeLock, flushBeforeLock } from '../lib/lock-hooks';
import { fileLanguage } from '../lib/records/prefs';

type Handler = (args: Record<string, unknown>) => unknown;
let handlers: Record<string, Handler> = {};
const invoke = vi.fn(async (cmd: string, args: Record<string, unknown> = {}) => {
  const h = handlers[cmd];
  if (!h) throw { kind: 'unknown', message: `no fake for ${cmd}` };
  return h(args);
});
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (cmd: string, args?: Record<string, unknown>) => invoke(cmd, args),
  Channel: class {
    onmessage: ((m: unknown) => void) | null = null;
  },
}));

import App from '../App.svelte';
import IncidentEditor from '../screens/records/IncidentEditor.svelte';
import MainShell from '../screens/MainShell.svelte';

const ROLES = [
  { code: 'victim', label_en: 'Victim', label_km: 'ជនរងគ្រោះ', label_fr: 'Victime' },
  { code: 'perpetrator', label_en: 'Alleged perpetrator', label_km: 'ជនល្មើស', label_fr: 'Auteur présumé' },
  { code: 'witness', label_en: 'Witness', label_km: 'សាក្សី', label_fr: 'Témoin' },
];
const STORED = {
  id: '0190f1f0-0000-7000-8000-0000000000b2',
  title: 'Two MPs beaten',
  description: '',
  kinds: [],
  start: { date: null, precision: 'unknown' },
  end: { date: null, precision: 'unknown' },
  place: {},
  verification: 'alleged',
  sensitivity: 'normal',
  related: [],
  proceedings: [],
  testimony_ids: [],
  involvements: [],
};

beforeEach(() => {
  invoke.mockClear();
  setLang('en');
  handlers = {
    vault_status: () => ({ exists: true, unlocked: true, min_passphrase_chars: 8, read_only: false, language: null }),
    vault_lock: () => null,
    incident_list: () => [],
    incident_get: () => STORED,
    capture_pending: () => [],
    person_list: () => [],
    testimony_list: () => [],
    record_history: () => [],
    evidence_list: () => [],
    report_timeline: () => ({ rows: [] }),
    draft_get: () => null,
    draft_save: () => null,
    draft_discard: () => null,
    vocabulary: ({ name }) => (name === 'role' ? ROLES : []),
    search: () => [],
  };
});
afterEach(cleanup);

const calls = (cmd: string) => invoke.mock.calls.filter(([c]) => c === cmd);

describe('keyboard rules', () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) =>
    ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, isComposing: false, ...mods }) as KeyboardEvent;
  const el = (tagName: string, type?: string) => ({ tagName, type }) as unknown as EventTarget;

  it('Enter in a one-line field, a checkbox or a radio would submit and is swallowed', () => {
    for (const type of ['text', 'search', 'checkbox', 'radio', 'number']) {
      expect(isImplicitSubmit(key('Enter'), el('INPUT', type)), type).toBe(true);
    }
  });

  it('Enter in a text area, on a button or while an input method composes is left alone', () => {
    expect(isImplicitSubmit(key('Enter'), el('TEXTAREA'))).toBe(false);
    expect(isImplicitSubmit(key('Enter'), el('BUTTON', 'submit')), 'Enter on Save still saves').toBe(false);
    expect(isImplicitSubmit(key('Enter', { isComposing: true }), el('INPUT', 'text')), 'Khmer input methods use Enter').toBe(false);
    expect(isImplicitSubmit(key('a'), el('INPUT', 'text'))).toBe(false);
  });

  it('Ctrl+S and ⌘S save; Ctrl+Shift+S and a bare S do not', () => {
    expect(isSaveShortcut(key('s', { ctrlKey: true }))).toBe(true);
    expect(isSaveShortcut(key('S', { metaKey: true }))).toBe(true);
    expect(isSaveShortcut(key('s', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isSaveShortcut(key('s'))).toBe(false);
  });

  it('the language file beside the vault is kept only for a language that is not the system one', () => {
    expect(fileLanguage('km', 'en')).toBe('km');
    expect(fileLanguage('en', 'en'), 'the system language needs no file').toBeNull();
  });
});

describe('flush before lock', () => {
  it('waits for every registered flush, and no longer once one is unregistered', async () => {
    const done: string[] = [];
    const stop = beforeLock(() => new Promise((r) => setTimeout(() => r(done.push('draft')), 20)));
    await flushBeforeLock();
    expect(done, 'the lock must wait for the draft to be saved').toEqual(['draft']);
    stop();
    await flushBeforeLock();
    expect(done).toEqual(['draft']);
  });

  it('never holds the lock longer than its time limit, and a failing flush does not stop it', async () => {
    const stopHang = beforeLock(() => new Promise(() => {}));
    const stopFail = beforeLock(() => Promise.reject(new Error('locked')));
    const t0 = Date.now();
    await flushBeforeLock(50);
    expect(Date.now() - t0).toBeLessThan(1000);
    stopHang();
    stopFail();
  });
});

describe('IncidentEditor keys', () => {
  it('Enter in the title never saves; Ctrl+S saves', async () => {
    handlers.capture_save = () => ({ incident_id: 'new-id', testimony_ids: [], attachment_ids: [] });
    const onsaved = vi.fn();
    render(IncidentEditor, { oncancel: () => {}, onsaved });
    const title = (await screen.findByLabelText('Title')) as HTMLInputElement;
    await fireEvent.input(title, { target: { value: 'Two MPs beaten' } });
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    title.dispatchEvent(enter);
    expect(enter.defaultPrevented, 'Enter in a one-line field must not submit the incident').toBe(true);
    expect(calls('capture_save')).toHaveLength(0);
    await fireEvent.keyDown(title, { key: 's', ctrlKey: true });
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith('new-id'));
    expect(calls('capture_save'), 'Ctrl+S saves once').toHaveLength(1);
  });

  it('the title has the focus, and "Add a victim" moves it to the new person’s name', async () => {
    render(IncidentEditor, { oncancel: () => {}, onsaved: () => {} });
    const title = await screen.findByLabelText('Title');
    await waitFor(() => expect(document.activeElement).toBe(title));
    await fireEvent.click(screen.getByRole('button', { name: 'Add a victim' }));
    await waitFor(() => expect(document.activeElement?.id).toBe('act-1-person-original'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add a perpetrator' }));
    await waitFor(() => expect(document.activeElement?.id).toBe('act-2-person-original'));
  });

  it('Cancel deletes the draft from the vault instead of keeping it', async () => {
    const oncancel = vi.fn();
    render(IncidentEditor, { oncancel, onsaved: () => {} });
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'never mind' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(oncancel).toHaveBeenCalled());
    expect(calls('draft_discard').map(([, a]) => a)).toEqual([{ kind: 'incident', key: 'new' }]);
    expect(calls('draft_save'), 'a cancelled draft is not saved again').toHaveLength(0);
  });
});

describe('the shell', () => {
  it('the Incidents tab returns to the list from the editor, keeping the draft', async () => {
    render(MainShell, { autoLockMinutes: 10, onautolockchange: () => {}, onlock: () => {}, onwiped: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Add incident' }));
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'half typed' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Incidents' }));
    await screen.findByRole('button', { name: 'Add incident' });
    expect(screen.queryByLabelText('Title'), 'the editor is gone').toBeNull();
    await waitFor(() =>
      expect(calls('draft_save').some(([, a]) => (a as { value: { title: string } }).value.title === 'half typed')).toBe(true),
    );
    expect(calls('draft_discard'), 'leaving by the tab keeps the draft').toHaveLength(0);
  });

  it('a saved new incident stays open, focused on its title', async () => {
    handlers.capture_save = () => ({ incident_id: STORED.id, testimony_ids: [], attachment_ids: [] });
    render(MainShell, { autoLockMinutes: 10, onautolockchange: () => {}, onlock: () => {}, onwiped: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Add incident' }));
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: STORED.title } });
    await fireEvent.keyDown(window, { key: 's', ctrlKey: true });
    const heading = await screen.findByRole('heading', { name: STORED.title });
    expect(screen.getByText('The incident was saved.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('Ctrl+L saves the typing of the last seconds as the draft before the vault locks', async () => {
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add incident' }));
    await fireEvent.input(await screen.findByLabelText('Title'), { target: { value: 'typed just now' } });
    await fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    await waitFor(() => expect(calls('vault_lock')).toHaveLength(1));
    const order = invoke.mock.calls.map(([c, a]) => (c === 'draft_save' ? `draft_save:${(a as { value: { title: string } }).value.title}` : c));
    const saved = order.indexOf('draft_save:typed just now');
    expect(saved, 'the pending draft must be saved').toBeGreaterThanOrEqual(0);
    expect(saved, 'and saved before the lock').toBeLessThan(order.indexOf('vault_lock'));
  });
});
