// The recovery key, backup and restore (issue 16): typed wrappers over the shell's commands in
// src-tauri/src/commands/lifecycle.rs, and the little logic of showing a key once.
import { call } from './api';
import { startJob, type Job, type Progress } from './jobs';
import { t } from './i18n.svelte';

export interface NewRecoveryKey {
  key: string;
}

export interface BackupOut {
  saved: boolean;
  file_name: string;
  files: number;
  bytes: number;
  file_size: number;
}

export interface RestoreOut {
  restored: boolean;
  file_name: string;
  files: number;
  bytes: number;
  created_at: string;
  /** With a new device identity: its id and the fingerprint to read to HQ. */
  new_device: string | null;
  new_fingerprint: string | null;
}

export const lifecycle = {
  /** Creates the vault; with `recoveryKey`, also its recovery key (answered to be shown once). */
  create: (passphrase: string, recoveryKey: boolean) =>
    call<NewRecoveryKey | null>('vault_create', { passphrase, recoveryKey }),
  status: () => call<boolean>('recovery_status'),
  add: (current: string, replace: boolean) => call<NewRecoveryKey>('recovery_add', { current, replace }),
  remove: (current: string) => call<void>('recovery_remove', { current }),
  /** Form and checksum only: catches a typo before anything else is asked. */
  check: (recoveryKey: string) => call<void>('recovery_key_check', { recoveryKey }),
  unlock: (recoveryKey: string, newPassphrase: string) =>
    call<void>('vault_unlock_recovery', { recoveryKey, newPassphrase }),
  backup: (toRecoveryKey: boolean, secret: string, title: string, onProgress: (p: Progress) => void): Job<BackupOut> =>
    startJob<BackupOut>('backup_run', { toRecoveryKey, secret, title }, onProgress, 'backup'),
  /** With `passphrase` (the vault's own), the restored vault takes a new device identity. */
  restore: (secret: string, passphrase: string | null, title: string, onProgress: (p: Progress) => void): Job<RestoreOut> =>
    startJob<RestoreOut>('restore_run', { secret, passphrase, title, filter: t('dialogs.filter_backup') }, onProgress, 'restore'),
};

/** The key's groups as written on paper (the shell sends them joined by dashes). */
export function keyGroups(key: string): string[] {
  return key.split('-').filter((g) => g.length > 0);
}

/** Whether `typed` is the key's last group, however it is typed (case, spaces; O for 0, I or L
 * for 1, as the core reads a key). */
export function lastGroupMatches(key: string, typed: string): boolean {
  const groups = keyGroups(key);
  const last = groups[groups.length - 1];
  if (!last) return false;
  const norm = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return norm === last;
}
