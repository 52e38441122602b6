// The region editor's rectangle logic (components/RegionEditor.svelte), kept pure so it can be
// tested: rectangles are in pixels of the photo as shown upright (what the core's `redact_photo`
// takes), always whole, at least MIN_SIDE pixels and wholly inside the photo.

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The smallest side a region may have, in photo pixels. */
export const MIN_SIDE = 4;

const clampTo = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** `r` made whole, at least MIN_SIDE (or the photo's side, if smaller), and moved inside. */
export function clamp(r: Rect, width: number, height: number): Rect {
  const w = clampTo(Math.round(r.w), Math.min(MIN_SIDE, width), width);
  const h = clampTo(Math.round(r.h), Math.min(MIN_SIDE, height), height);
  return { x: clampTo(Math.round(r.x), 0, width - w), y: clampTo(Math.round(r.y), 0, height - h), w, h };
}

/** The rectangle a drag from (ax, ay) to (bx, by) draws, or null for a click or a tiny drag. */
export function fromDrag(ax: number, ay: number, bx: number, by: number, width: number, height: number): Rect | null {
  const x0 = clampTo(Math.min(ax, bx), 0, width);
  const y0 = clampTo(Math.min(ay, by), 0, height);
  const x1 = clampTo(Math.max(ax, bx), 0, width);
  const y1 = clampTo(Math.max(ay, by), 0, height);
  if (x1 - x0 < MIN_SIDE || y1 - y0 < MIN_SIDE) return null;
  return clamp({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, width, height);
}

/** `r` moved by (dx, dy), its size kept, stopping at the photo's edges. */
export function move(r: Rect, dx: number, dy: number, width: number, height: number): Rect {
  return clamp({ ...r, x: r.x + dx, y: r.y + dy }, width, height);
}

/** `r` grown or shrunk by (dw, dh) from its top-left corner, never past the edges. */
export function resize(r: Rect, dw: number, dh: number, width: number, height: number): Rect {
  const w = clampTo(r.w + dw, Math.min(MIN_SIDE, width), width - r.x);
  const h = clampTo(r.h + dh, Math.min(MIN_SIDE, height), height - r.y);
  return clamp({ ...r, w, h }, width, height);
}

/** A new region for "Add region" (or Insert): a quarter of the photo, centred, each next one
 *  shifted so that it does not hide the one before. */
export function added(count: number, width: number, height: number): Rect {
  const w = Math.max(Math.round(width / 4), MIN_SIDE);
  const h = Math.max(Math.round(height / 4), MIN_SIDE);
  const shift = (count % 5) * Math.max(Math.round(Math.min(width, height) / 20), 1);
  return clamp({ x: (width - w) / 2 + shift, y: (height - h) / 2 + shift, w, h }, width, height);
}

/** The step of one arrow key press: a hundredth of the photo's longer side, at least 1 pixel. */
export function step(width: number, height: number): number {
  return Math.max(1, Math.round(Math.max(width, height) / 100));
}

export type KeyAction = { kind: 'move' | 'resize'; dx: number; dy: number } | { kind: 'remove' } | null;

/** What a key does to the focused region: arrows move it, Shift+arrows resize it, Delete or
 *  Backspace removes it. */
export function keyAction(key: string, shift: boolean, by: number): KeyAction {
  const d: Record<string, [number, number]> = {
    ArrowLeft: [-by, 0],
    ArrowRight: [by, 0],
    ArrowUp: [0, -by],
    ArrowDown: [0, by],
  };
  if (key === 'Delete' || key === 'Backspace') return { kind: 'remove' };
  const v = d[key];
  if (!v) return null;
  return { kind: shift ? 'resize' : 'move', dx: v[0], dy: v[1] };
}

/** A point on the shown picture (CSS pixels) in photo pixels. */
export function toPhoto(px: number, py: number, shownWidth: number, shownHeight: number, width: number, height: number): [number, number] {
  if (shownWidth <= 0 || shownHeight <= 0) return [0, 0];
  return [(px * width) / shownWidth, (py * height) / shownHeight];
}
