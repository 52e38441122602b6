// Typed wrappers over the desktop shell's IPC commands (src-tauri/src/commands).
// Errors arrive as { kind, message }: the UI chooses its translated text by `kind` only.
import { invoke } from '@tauri-apps/api/core';
import type {
  Incident,
  IncidentInput,
  Person,
  PersonInput,
  SearchHit,
  SearchQuery,
  VaultStatus,
} from './types';
import type { LockNotice, PageRestart } from './freshPage';

export interface ApiError {
  kind: string;
  message: string;
}

export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'kind' in e && typeof (e as ApiError).kind === 'string') {
    const { kind, message } = e as ApiError;
    return { kind, message: typeof message === 'string' ? message : '' };
  }
  return { kind: 'unknown', message: typeof e === 'string' ? e : String(e) };
}

/** Called whenever the shell answers "locked" (e.g. after a lock from elsewhere). */
let onLocked: () => void = () => {};
export function setLockedHandler(handler: () => void): void {
  onLocked = handler;
}

/** True while a panic wipe is in flight. The shell drops the keys before it erases the vault, so
 * any other command answered meanwhile says "locked"; taken as a lock, that would have the shell
 * restart the page a second time, telling it "locked", and the restart the wipe asked for ("the
 * vault was wiped") could be lost to it. (Found while chasing an end-to-end flake; that flake
 * came again after this, so it has another cause too: tests/e2e/settings.test.mjs.) */
let wiping = false;

/** Invokes a shell command; a "locked" answer also tells the app to show the unlock screen. */
export async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = toApiError(e);
    if (err.kind === 'locked' && !wiping) onLocked();
    throw err;
  }
}

/** The panic wipe: see `wiping`. */
async function wipe(): Promise<PageRestart | null> {
  wiping = true;
  try {
    const r = await call<PageRestart | null>('vault_wipe', { confirm: WIPE_CONFIRMATION });
    // The caller leaves the main screen as soon as this resolves (after which the app ignores a
    // "locked" answer anyway); until its code has run, answers racing the wipe stay ignored.
    setTimeout(() => (wiping = false), 0);
    return r;
  } catch (e) {
    wiping = false;
    // Refused because the vault was already locked: that is a lock like any other.
    if ((e as ApiError).kind === 'locked') onLocked();
    throw e;
  }
}

/** The confirmation the shell requires for a panic wipe (see commands/vault.rs). */
export const WIPE_CONFIRMATION = 'WIPE';

export const api = {
  status: () => call<VaultStatus>('vault_status'),
  create: (passphrase: string) => call<void>('vault_create', { passphrase }),
  unlock: (passphrase: string, readOnly = false) => call<void>('vault_unlock', { passphrase, readOnly }),
  lock: (notice?: LockNotice) => call<PageRestart | null>('vault_lock', notice ? { notice } : {}),
  wipe,
  changePassphrase: (current: string, next: string) =>
    call<void>('change_passphrase', { current, new: next }),
  incidents: {
    list: () => call<Incident[]>('incident_list'),
    get: (id: string) => call<Incident>('incident_get', { id }),
    add: (input: IncidentInput) => call<string>('incident_add', { input }),
  },
  persons: {
    list: () => call<Person[]>('person_list'),
    get: (id: string) => call<Person>('person_get', { id }),
    add: (input: PersonInput) => call<string>('person_add', { input }),
  },
  search: (query: SearchQuery) => call<SearchHit[]>('search', { query }),
};
