// Work that must reach the vault before it locks (a pending draft): the open editors register a
// flush here, and the app runs every flush, bounded in time, before asking the shell to lock.

type Flush = () => Promise<unknown>;

const hooks = new Set<Flush>();

/** Registers `flush` to run before every lock; returns the function that unregisters it. */
export function beforeLock(flush: Flush): () => void {
  hooks.add(flush);
  return () => hooks.delete(flush);
}

/**
 * Runs every registered flush and waits for them, but never longer than `timeoutMs`: locking must
 * not be held up by a vault that does not answer (a failed flush is simply not saved).
 */
export async function flushBeforeLock(timeoutMs = 2000): Promise<void> {
  const all = Promise.allSettled([...hooks].map((f) => f()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([all, late]);
  clearTimeout(timer);
}
