// Pure helpers for showing evidence (tested in src/tests/evidence.test.ts).
import type { Attachment, Gps } from './types';

/** Image types the viewer shows full size through saksi://localhost/view/<id> (see scheme.rs). */
export const VIEWABLE = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
/** Larger originals are shown through their thumbnail only (scheme.rs MAX_VIEW_BYTES). */
export const MAX_VIEW_BYTES = 64 * 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The in-memory image URL of a thumbnail; null for anything that is not an attachment id. */
export function thumbUrl(id: string): string | null {
  return UUID.test(id) ? `saksi://localhost/thumb/${id}` : null;
}

export function viewUrl(a: Pick<Attachment, 'id' | 'media_type' | 'size'>): string | null {
  if (!UUID.test(a.id) || !VIEWABLE.includes(a.media_type) || a.size > MAX_VIEW_BYTES) return null;
  return `saksi://localhost/view/${a.id}`;
}

/** A broad kind for the icon of a file without a thumbnail. */
export function fileKind(mediaType: string): 'image' | 'video' | 'audio' | 'pdf' | 'text' | 'file' {
  const m = mediaType.toLowerCase();
  if (m.startsWith('image/')) return 'image';
  if (m.startsWith('video/')) return 'video';
  if (m.startsWith('audio/')) return 'audio';
  if (m === 'application/pdf') return 'pdf';
  if (m.startsWith('text/')) return 'text';
  return 'file';
}

/** Sizes in the units people know, with the exact byte count for evidence. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** SHA-256 in groups of eight, so two people can compare it aloud. */
export function groupHash(hex: string): string {
  return (hex.match(/.{1,8}/g) ?? []).join(' ');
}

/** GPS as decimal degrees with hemisphere letters. */
export function formatGps(g: Gps): string {
  const lat = `${Math.abs(g.latitude).toFixed(5)}° ${g.latitude >= 0 ? 'N' : 'S'}`;
  const lon = `${Math.abs(g.longitude).toFixed(5)}° ${g.longitude >= 0 ? 'E' : 'W'}`;
  const alt = g.altitude_m === null || g.altitude_m === undefined ? '' : `, ${Math.round(g.altitude_m)} m`;
  return `${lat}, ${lon}${alt}`;
}
