// The screens before unlock: a lock ends the page's web process and the shell starts it afresh (lib/freshPage.ts,
// src-tauri/src/fresh_page.rs): the old page must not offer a passphrase field meanwhile, and the
// new one says why it was started.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';
import { parseStartNotice } from '../lib/freshPage';
import { api, setLockedHandler } from '../lib/api';

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

let unlocked = true;
beforeEach(() => {
  invoke.mockClear();
  setLang('en');
  unlocked = true;
  handlers = {
    vault_status: () => ({ exists: true, unlocked, min_passphrase_chars: 8, read_only: false, language: null }),
    incident_list: () => [],
    capture_pending: () => [],
    person_list: () => [],
    testimony_list: () => [],
    evidence_list: () => [],
    report_timeline: () => ({ rows: [] }),
    draft_get: () => null,
    draft_list: () => [],
    vocabulary: () => [],
    search: () => [],
  };
});
afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
});

describe('the start value a restarted page is given', () => {
  it('is read from the closed set only', () => {
    expect(parseStartNotice('locked')).toEqual({ kind: 'locked' });
    expect(parseStartNotice('locked-idle-15')).toEqual({ kind: 'idle', minutes: 15 });
    expect(parseStartNotice('locked-wrong-current')).toEqual({ kind: 'wrong_current' });
    expect(parseStartNotice('wiped')).toEqual({ kind: 'wiped' });
    for (const other of [null, '', 'locked-idle-', 'locked-idle-5x', '<img src=x>', 'unlock'])
      expect(parseStartNotice(other), String(other)).toBeNull();
  });
});

describe('locking', () => {
  it('while the shell restarts the page, the old one shows no passphrase field', async () => {
    handlers.vault_lock = () => {
      unlocked = false;
      return { restarting: true };
    };
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: /Lock/ }));
    await waitFor(() => expect(invoke.mock.calls.some(([c]) => c === 'vault_lock')).toBe(true));
    expect(invoke.mock.calls.find(([c]) => c === 'vault_lock')?.[1]).toEqual({ notice: { reason: 'locked' } });
    expect(await screen.findByText('Locking…')).toBeTruthy();
    expect(screen.queryByLabelText('Passphrase')).toBeNull();
  });

  it('where the page cannot be restarted, the unlock screen comes at once', async () => {
    handlers.vault_lock = () => {
      unlocked = false;
      return { restarting: false };
    };
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: /Lock/ }));
    expect(await screen.findByLabelText('Passphrase')).toBeTruthy();
    expect(screen.getByText('The vault is locked.')).toBeTruthy();
  });

  it('the new page says why it was started, and forgets the start value', async () => {
    unlocked = false;
    history.replaceState(null, '', '/?start=locked-idle-5');
    render(App);
    expect(await screen.findByText('The vault was locked after 5 minutes without activity.')).toBeTruthy();
    expect(window.location.search).toBe('');
  });
});

describe('a panic wipe', () => {
  it('is not taken for a lock by a "locked" answer that races it', async () => {
    const locked = vi.fn();
    setLockedHandler(locked);
    let finish: (r: unknown) => void = () => {};
    handlers.vault_wipe = () => new Promise((r) => (finish = r));
    handlers.incident_list = () => {
      throw { kind: 'locked', message: 'the vault is locked: unlock it first' };
    };
    const wiped = api.wipe();
    // The shell has dropped the keys and is erasing: another command is answered "locked".
    await expect(api.incidents.list()).rejects.toMatchObject({ kind: 'locked' });
    finish({ restarting: true });
    expect(await wiped).toEqual({ restarting: true });
    await expect(api.incidents.list()).rejects.toMatchObject({ kind: 'locked' });
    expect(locked).not.toHaveBeenCalled();
    // Once the wipe is over, a "locked" answer is a lock again.
    await new Promise((r) => setTimeout(r, 0));
    await expect(api.incidents.list()).rejects.toMatchObject({ kind: 'locked' });
    expect(locked).toHaveBeenCalledTimes(1);
  });

  it('refused because the vault is locked is a lock, and does not hide later ones', async () => {
    const locked = vi.fn();
    setLockedHandler(locked);
    handlers.vault_wipe = () => {
      throw { kind: 'locked', message: 'the vault is locked: unlock it first' };
    };
    await expect(api.wipe()).rejects.toMatchObject({ kind: 'locked' });
    expect(locked).toHaveBeenCalledTimes(1);
    handlers.incident_list = () => {
      throw { kind: 'locked', message: '' };
    };
    await expect(api.incidents.list()).rejects.toMatchObject({ kind: 'locked' });
    expect(locked).toHaveBeenCalledTimes(2);
  });
});

describe('unencrypted swap', () => {
  it('is warned about before unlock, naming the swap area, and not when there is none', async () => {
    unlocked = false;
    const base = handlers.vault_status;
    handlers.vault_status = (a) => ({ ...(base(a) as object), unencrypted_swap: ['/swapfile'] });
    render(App);
    const warning = await screen.findByRole('note');
    expect(warning.textContent).toContain('/swapfile');
    expect(warning.textContent).toContain('not encrypted');
    cleanup();
    handlers.vault_status = base;
    render(App);
    await screen.findByLabelText('Passphrase');
    expect(screen.queryByRole('note')).toBeNull();
  });
});
