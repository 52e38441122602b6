import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import { fileKind, formatBytes, formatDuration, formatGps, groupHash, mediaUrl, thumbUrl, viewUrl, waveformBars } from '../lib/evidence/format';
import { newJobId, percent } from '../lib/jobs';

const ID = '0190b7a2-3c4d-7e8f-9a0b-1c2d3e4f5a6b';

describe('evidence images come only from the in-memory saksi: scheme', () => {
  it('builds thumbnail and view URLs from attachment ids only', () => {
    expect(thumbUrl(ID)).toBe(`saksi://localhost/thumb/${ID}`);
    for (const bad of ['', '../x', `${ID}/../../etc`, 'javascript:alert(1)', `${ID}?x`]) {
      expect(thumbUrl(bad), `${bad} is not an attachment id`).toBeNull();
    }
  });

  it('views full size only the image types the webview may show, up to the size limit', () => {
    expect(viewUrl({ id: ID, media_type: 'image/jpeg', size: 1000 })).toBe(`saksi://localhost/view/${ID}`);
    expect(viewUrl({ id: ID, media_type: 'image/svg+xml', size: 10 }), 'SVG is never shown as a document').toBeNull();
    expect(viewUrl({ id: ID, media_type: 'text/html', size: 10 })).toBeNull();
    expect(viewUrl({ id: ID, media_type: 'image/png', size: 65 * 1024 * 1024 })).toBeNull();
  });
});

describe('evidence formatting', () => {
  it('names a broad kind for files without a thumbnail', () => {
    expect(fileKind('video/mp4')).toBe('video');
    expect(fileKind('audio/ogg')).toBe('audio');
    expect(fileKind('application/pdf')).toBe('pdf');
    expect(fileKind('image/heic')).toBe('image');
    expect(fileKind('application/octet-stream')).toBe('file');
    for (const k of ['image', 'video', 'audio', 'pdf', 'text', 'file']) {
      expect(`evidence.kind_${k}` in en, `evidence.kind_${k} is translated`).toBe(true);
    }
  });

  it('formats sizes, hashes and GPS', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(-1)).toBe('—');
    expect(groupHash('a'.repeat(64)).split(' ')).toHaveLength(8);
    expect(formatGps({ latitude: 11.5564, longitude: -104.9282, altitude_m: 12.4, sensitive: true })).toBe(
      '11.55640° N, 104.92820° W, 12 m',
    );
  });

  it('translates every custody action the core writes for evidence', () => {
    for (const a of ['intake', 'view', 'extract', 'export', 'import', 'redaction', 'deletion']) {
      expect(`evidence.action_${a}` in en, a).toBe(true);
    }
  });
});

describe('jobs', () => {
  it('computes a bounded percentage', () => {
    expect(percent(null)).toBeNull();
    expect(percent({ done: 5, total: null, item: 0, items: 1 })).toBeNull();
    expect(percent({ done: 50, total: 200, item: 0, items: 1 })).toBe(25);
    expect(percent({ done: 300, total: 200, item: 0, items: 1 })).toBe(100);
    expect(percent({ done: 0, total: 0, item: 0, items: 1 })).toBe(100);
  });

  it('makes job ids the shell accepts (ASCII, at most 64 characters, unique)', () => {
    const a = newJobId('intake');
    const b = newJobId('intake');
    expect(a).not.toBe(b);
    for (const id of [a, b, newJobId('x'.repeat(100))]) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    }
  });
});

describe('audio and video play only from the in-memory saksi: media scheme', () => {
  it('builds media URLs for attachment ids of playable types only', () => {
    expect(mediaUrl({ id: ID, media_type: 'audio/x-wav' })).toBe(`saksi://localhost/media/${ID}`);
    expect(mediaUrl({ id: ID, media_type: 'video/webm' })).toBe(`saksi://localhost/media/${ID}`);
    expect(mediaUrl({ id: ID, media_type: 'text/html' }), 'a document is never served as media').toBeNull();
    expect(mediaUrl({ id: '../x', media_type: 'video/mp4' })).toBeNull();
  });

  it('formats durations and waveform bars', () => {
    expect(formatDuration(1008)).toBe('0:01.0');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('—');
    const bars = waveformBars([0, 255]);
    expect(bars).toHaveLength(2);
    expect(bars[1].h).toBe(40);
    expect(bars[0].h).toBeGreaterThan(0);
    expect(waveformBars(null)).toEqual([]);
  });
});
