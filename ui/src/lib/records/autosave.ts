// Autosave of a form's draft inside the vault (never in the webview's storage). The form reports
// its state on every change; every few seconds, if it differs from what was last saved, it is
// saved. Saves run one after another, so a discard always comes after the last save.
export interface Autosaver {
  /** The form's current state (a plain object). */
  update(value: object): void;
  /** Saves now if anything changed since the last save. */
  flush(): Promise<void>;
  /** Stops saving and removes the draft (after any save in flight). */
  discard(): Promise<void>;
  /** Stops the timer (the draft stays). */
  stop(): void;
}

export function autosaver(
  initial: object,
  save: (value: object) => Promise<void>,
  remove: () => Promise<void>,
  { intervalMs = 3000, onsaved }: { intervalMs?: number; onsaved?: () => void } = {},
): Autosaver {
  let last = JSON.stringify(initial);
  let pending: string | null = null;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (pending === null || stopped) return chain;
    const json = pending;
    pending = null;
    chain = chain
      .then(() => save(JSON.parse(json) as object))
      .then(
        () => {
          last = json;
          onsaved?.();
        },
        () => {
          // Not saved (e.g. locked meanwhile): try again at the next tick if still running.
          if (pending === null) pending = json;
        },
      );
    return chain;
  };
  const timer = setInterval(() => void flush(), intervalMs);
  return {
    update(value) {
      const json = JSON.stringify(value);
      pending = json === last ? null : json;
    },
    flush,
    async discard() {
      clearInterval(timer);
      stopped = true;
      pending = null;
      await chain;
      await remove();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
