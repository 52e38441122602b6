/**
 * A lock or a panic wipe ends the web process that showed the vault and starts the page afresh
 * in a new one (src-tauri/src/fresh_page.rs): what the old page held in memory (records, the
 * passphrase as typed) goes with it. The new page learns why from the URL's `start` query
 * parameter, which the shell builds from a closed set.
 */

/** Why the vault was locked, as the shell is told (`fresh_page::Notice`). */
export type LockNotice =
  | { reason: 'locked' }
  | { reason: 'idle'; minutes: number }
  | { reason: 'wrong_current' };

/** What a lock or a wipe answers: the page is about to be replaced. */
export interface PageRestart {
  restarting: boolean;
}

export type StartNotice =
  | { kind: 'locked' }
  | { kind: 'idle'; minutes: number }
  | { kind: 'wrong_current' }
  | { kind: 'wiped' };

/** The notice in a `start` value made by the shell, or null for anything else. */
export function parseStartNotice(h: string | null): StartNotice | null {
  if (h === null) return null;
  if (h === 'locked') return { kind: 'locked' };
  if (h === 'locked-wrong-current') return { kind: 'wrong_current' };
  if (h === 'wiped') return { kind: 'wiped' };
  const idle = /^locked-idle-(\d{1,6})$/.exec(h);
  if (idle) return { kind: 'idle', minutes: Number(idle[1]) };
  return null;
}

/** Reads the notice this page was started with and removes it from the address, so that a
 * later reload does not say it again. */
export function takeStartNotice(): StartNotice | null {
  const notice = parseStartNotice(new URLSearchParams(window.location.search).get('start'));
  if (window.location.search) history.replaceState(null, '', window.location.pathname);
  return notice;
}

/** How long the old page waits to be replaced before it shows the unlock screen itself (the
 * shell said it would restart it, but nothing happened). */
export const RESTART_GRACE_MS = 8000;
