// Auto-lock: calls `onIdle` once after `minutes` without keyboard, mouse or touch activity.
// Returns a function that stops watching.

const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

export function watchIdle(
  target: Pick<Window, 'addEventListener' | 'removeEventListener'>,
  minutes: number,
  onIdle: () => void,
): () => void {
  const ms = Math.max(1, minutes) * 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
  };
  for (const e of EVENTS) target.addEventListener(e, reset, { passive: true });
  reset();
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    for (const e of EVENTS) target.removeEventListener(e, reset);
  };
}
