import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchIdle } from '../lib/idle';

describe('auto-lock idle timer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once after the configured minutes without activity', () => {
    const onIdle = vi.fn();
    const stop = watchIdle(window, 10, onIdle);
    vi.advanceTimersByTime(9 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledOnce();
    stop();
  });

  it('any key or pointer activity restarts the count', () => {
    const onIdle = vi.fn();
    const stop = watchIdle(window, 1, onIdle);
    vi.advanceTimersByTime(50_000);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    vi.advanceTimersByTime(50_000);
    expect(onIdle, 'activity must postpone the lock').not.toHaveBeenCalled();
    window.dispatchEvent(new Event('pointerdown'));
    vi.advanceTimersByTime(59_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledOnce();
    stop();
  });

  it('stops watching when asked (e.g. after locking)', () => {
    const onIdle = vi.fn();
    const stop = watchIdle(window, 1, onIdle);
    stop();
    vi.advanceTimersByTime(10 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
