// Long work in the shell (intake of many files, export, import) reports progress over a Channel
// and can be cancelled by id (commands `job_cancel`, see src-tauri/src/jobs.rs).
import { Channel } from '@tauri-apps/api/core';
import { call } from './api';

export interface Progress {
  done: number;
  total: number | null;
  item: number;
  items: number;
}

/** Percentage 0–100 of a progress report, or null when the total is unknown. */
export function percent(p: Progress | null): number | null {
  if (!p || p.total === null || p.total === undefined) return null;
  if (p.total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((p.done / p.total) * 100)));
}

let counter = 0;
/** A job id the shell accepts: short, ASCII letters, digits and dashes. */
export function newJobId(prefix: string): string {
  counter += 1;
  const rand = Math.floor(Math.random() * 0x7fffffff).toString(36);
  return `${prefix.replace(/[^a-z0-9]/gi, '')}-${Date.now().toString(36)}-${counter}-${rand}`.slice(0, 64);
}

export interface Job<T> {
  id: string;
  result: Promise<T>;
  cancel: () => Promise<void>;
}

/** Starts command `cmd` as a job: `onProgress` gets each report; `cancel()` asks it to stop. */
export function startJob<T>(
  cmd: string,
  args: Record<string, unknown>,
  onProgress: (p: Progress) => void,
  prefix = 'job',
): Job<T> {
  const id = newJobId(prefix);
  const channel = new Channel<Progress>();
  channel.onmessage = onProgress;
  const result = call<T>(cmd, { ...args, job: id, onProgress: channel });
  return { id, result, cancel: () => call<void>('job_cancel', { job: id }) };
}
