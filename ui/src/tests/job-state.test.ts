import { describe, expect, it } from 'vitest';
import { JobState } from '../lib/job-state.svelte';
import type { Job, Progress } from '../lib/jobs';

function fakeJob<T>(): { job: Job<T>; resolve: (v: T) => void; reject: (e: unknown) => void; cancels: number[] } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const cancels: number[] = [];
  return { job: { id: 'j', result, cancel: async () => void cancels.push(1) }, resolve, reject, cancels };
}

describe('JobState', () => {
  it('tracks progress while running and gives the value at the end', async () => {
    const s = new JobState<string>();
    const f = fakeJob<string>();
    let report!: (p: Progress) => void;
    const end = s.run((onProgress) => {
      report = onProgress;
      return f.job;
    });
    expect(s.running).toBe(true);
    report({ done: 5, total: 10, item: 0, items: 1 });
    expect(s.progress?.done).toBe(5);
    f.resolve('done');
    expect(await end).toEqual({ ok: true, value: 'done' });
    expect(s.running).toBe(false);
  });

  it('refuses a second start while one runs, and a cancel reaches the job', async () => {
    const s = new JobState<number>();
    const f = fakeJob<number>();
    const first = s.run(() => f.job);
    expect(await s.run(() => fakeJob<number>().job)).toBeNull();
    await s.cancel();
    expect(s.cancelling).toBe(true);
    expect(f.cancels.length).toBe(1);
    f.reject({ kind: 'cancelled', message: 'cancelled' });
    expect(await first).toEqual({ ok: false, error: { kind: 'cancelled', message: 'cancelled' } });
    expect(s.cancelling).toBe(false);
    expect(s.running).toBe(false);
  });
});
