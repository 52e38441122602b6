// The state every screen keeps for one long job (import, export, verify, attach): running or
// not, the latest progress, whether a cancel was asked, and how it ended. One place, so that
// each screen only says what to start and what to do with the result.
import type { ApiError } from './api';
import type { Job, Progress } from './jobs';

/** How a job ended: its value, or the error the shell gave (kind "cancelled" when cancelled). */
export type JobEnd<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export class JobState<T> {
  running = $state(false);
  progress = $state<Progress | null>(null);
  cancelling = $state(false);
  #job: Job<T> | null = null;

  /** Starts the job `start` makes (given the progress callback), unless one is running. */
  async run(start: (onProgress: (p: Progress) => void) => Job<T>): Promise<JobEnd<T> | null> {
    if (this.running) return null;
    this.running = true;
    this.progress = null;
    this.cancelling = false;
    try {
      const job = start((p) => (this.progress = p));
      this.#job = job;
      return { ok: true, value: await job.result };
    } catch (e) {
      return { ok: false, error: e as ApiError };
    } finally {
      this.#job = null;
      this.running = false;
      this.cancelling = false;
    }
  }

  /** Asks the running job to stop at its next safe point (it then ends with kind "cancelled"). */
  async cancel(): Promise<void> {
    if (!this.#job) return;
    this.cancelling = true;
    await this.#job.cancel().catch(() => {});
  }
}
