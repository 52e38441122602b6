// Evidence commands of the shell (src-tauri/src/commands/evidence.rs). Paths never pass through
// here: the shell shows the dialogs and keeps dropped paths itself.
import { Channel } from '@tauri-apps/api/core';
import { call } from '../api';
import { startJob, type Job, type Progress } from '../jobs';
import type { AttachResult, DropNotice, EvidenceDetail, Attachment, Extracted, RecordType } from './types';
import type { Replacement } from './pseudonyms';
import type { Rect } from './regions';

export const evidenceApi = {
  list: (recordId: string) => call<Attachment[]>('evidence_list', { recordId }),
  get: (id: string) => call<EvidenceDetail>('evidence_get', { id }),
  pickAndAttach: (
    recordType: RecordType,
    recordId: string,
    title: string,
    onProgress: (p: Progress) => void,
  ): Job<AttachResult> =>
    startJob<AttachResult>('evidence_pick_attach', { recordType, recordId, title }, onProgress, 'intake'),
  attachDropped: (
    dropId: number,
    recordType: RecordType,
    recordId: string,
    onProgress: (p: Progress) => void,
  ): Job<AttachResult> =>
    startJob<AttachResult>('evidence_attach_dropped', { dropId, recordType, recordId }, onProgress, 'drop'),
  /** Up to 4 MiB of an audio or video original from `offset` (empty at its end). */
  mediaChunk: (id: string, offset: number) => call<ArrayBuffer>('evidence_media_chunk', { id, offset }),
  extract: (id: string, title: string) => call<Extracted>('evidence_extract', { id, title }),
  /** A redacted copy of a photo: the regions in pixels of the photo shown upright. */
  redact: (id: string, regions: Rect[], method: 'pixelate' | 'blur') =>
    call<Attachment>('evidence_redact', { id, regions, method }),
  /** What a pseudonymised copy of a testimony would read, and how often each name was found. */
  pseudonymisePreview: (id: string, replacements: Replacement[]) =>
    call<{ text: string; counts: number[] }>('testimony_pseudonymise_preview', { id, replacements }),
  /** A pseudonymised copy of a testimony's text, a new text item of the testimony. */
  pseudonymise: (id: string, replacements: Replacement[]) =>
    call<Attachment>('testimony_pseudonymise', { id, replacements }),
};

/** Files dropped on the window: the shell tells the one listener (the open evidence panel). */
const dropListeners = new Set<(n: DropNotice) => void>();
let subscribed = false;

export function onDrop(listener: (n: DropNotice) => void): () => void {
  dropListeners.add(listener);
  if (!subscribed) {
    subscribed = true;
    const channel = new Channel<DropNotice>();
    channel.onmessage = (n) => {
      for (const l of dropListeners) l(n);
    };
    call<void>('evidence_drop_subscribe', { onDrop: channel }).catch(() => {
      subscribed = false;
    });
  }
  return () => dropListeners.delete(listener);
}

/**
 * An audio or video original as an in-memory Blob URL for <audio>/<video>: WebKitGTK's media
 * backend cannot read the `saksi:` scheme, so the file is fetched piece by piece over IPC and
 * played from memory (never a file on disk). Revoke the URL when the player closes.
 */
export async function mediaBlobUrl(a: { id: string; size: number; media_type: string }): Promise<string> {
  const parts: ArrayBuffer[] = [];
  let offset = 0;
  while (offset < a.size) {
    const part = await evidenceApi.mediaChunk(a.id, offset);
    if (part.byteLength === 0) break;
    parts.push(part);
    offset += part.byteLength;
  }
  const type = a.media_type === 'audio/x-wav' ? 'audio/wav' : a.media_type;
  return URL.createObjectURL(new Blob(parts, { type }));
}
