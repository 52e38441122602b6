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

/** Audio and video the window plays through saksi://localhost/media/<id> (scheme.rs PLAYABLE). */
export const PLAYABLE = [
  'audio/x-wav',
  'audio/wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/opus',
  'audio/x-flac',
  'audio/m4a',
  'video/mp4',
  'video/webm',
  'video/x-matroska',
];

/** The in-memory, range-served URL of an audio or video attachment; null for anything else. */
export function mediaUrl(a: Pick<Attachment, 'id' | 'media_type'>): string | null {
  if (!UUID.test(a.id) || !PLAYABLE.includes(a.media_type)) return null;
  return `saksi://localhost/media/${a.id}`;
}

/** A length as `m:ss` (or `h:mm:ss`), with tenths under a minute so short clips read exactly. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  if (total < 60) return `${m}:${ss}.${Math.floor((ms % 1000) / 100)}`;
  return `${m}:${ss}`;
}

/** Bars of a waveform (peaks 0–255) as SVG rectangles in a 200 × 40 box: drawn as elements,
 * never as markup. */
export function waveformBars(peaks: number[] | null | undefined): { x: number; y: number; h: number }[] {
  if (!peaks || peaks.length === 0) return [];
  const w = 200 / peaks.length;
  return peaks.map((p, i) => {
    const h = Math.max(0.5, (Math.min(255, Math.max(0, p)) / 255) * 40);
    return { x: i * w, y: (40 - h) / 2, h };
  });
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
