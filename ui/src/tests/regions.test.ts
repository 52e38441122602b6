import { describe, expect, it } from 'vitest';
import { added, clamp, fromDrag, keyAction, move, resize, step, toPhoto, MIN_SIDE } from '../lib/evidence/regions';

describe('region editor rectangles', () => {
  it('a drag draws a whole rectangle inside the photo, in either direction', () => {
    expect(fromDrag(10.4, 20.6, 50.2, 60.9, 100, 80)).toEqual({ x: 10, y: 21, w: 40, h: 40 });
    expect(fromDrag(50, 60, 10, 20, 100, 80)).toEqual({ x: 10, y: 20, w: 40, h: 40 });
    expect(fromDrag(90, 70, 130, 120, 100, 80)).toEqual({ x: 90, y: 70, w: 10, h: 10 });
  });

  it('a click or a tiny drag draws nothing', () => {
    expect(fromDrag(5, 5, 5, 5, 100, 80)).toBeNull();
    expect(fromDrag(5, 5, 5 + MIN_SIDE - 1, 30, 100, 80)).toBeNull();
  });

  it('moving keeps the size and stops at the edges', () => {
    const r = { x: 10, y: 10, w: 20, h: 10 };
    expect(move(r, 5, -3, 100, 80)).toEqual({ x: 15, y: 7, w: 20, h: 10 });
    expect(move(r, -50, 500, 100, 80)).toEqual({ x: 0, y: 70, w: 20, h: 10 });
    expect(move(r, 500, 0, 100, 80)).toEqual({ x: 80, y: 10, w: 20, h: 10 });
  });

  it('resizing never goes below the smallest side nor past the edges', () => {
    const r = { x: 90, y: 10, w: 5, h: 10 };
    expect(resize(r, 50, 0, 100, 80)).toEqual({ x: 90, y: 10, w: 10, h: 10 });
    expect(resize(r, -50, -50, 100, 80)).toEqual({ x: 90, y: 10, w: MIN_SIDE, h: MIN_SIDE });
  });

  it('arrows move, Shift+arrows resize, Delete and Backspace remove', () => {
    expect(keyAction('ArrowLeft', false, 3)).toEqual({ kind: 'move', dx: -3, dy: 0 });
    expect(keyAction('ArrowDown', true, 3)).toEqual({ kind: 'resize', dx: 0, dy: 3 });
    expect(keyAction('Delete', false, 3)).toEqual({ kind: 'remove' });
    expect(keyAction('Backspace', true, 3)).toEqual({ kind: 'remove' });
    expect(keyAction('a', false, 3)).toBeNull();
    expect(step(4000, 3000)).toBe(40);
    expect(step(50, 20)).toBe(1);
  });

  it('added regions lie inside the photo and do not hide each other', () => {
    const a = added(0, 400, 300);
    const b = added(1, 400, 300);
    expect(a).toEqual({ x: 150, y: 113, w: 100, h: 75 });
    expect(b.x).toBeGreaterThan(a.x);
    for (const r of [a, b, added(3, 10, 6)]) {
      expect(clamp(r, 400, 300)).toEqual(r);
    }
    expect(added(0, 3, 2)).toEqual({ x: 0, y: 0, w: 3, h: 2 });
  });

  it('a point on the shown picture maps to photo pixels', () => {
    expect(toPhoto(50, 25, 200, 100, 4000, 2000)).toEqual([1000, 500]);
    expect(toPhoto(5, 5, 0, 0, 10, 10)).toEqual([0, 0]);
  });
});
