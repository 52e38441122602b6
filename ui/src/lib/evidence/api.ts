// Evidence commands of the shell (src-tauri/src/commands/evidence.rs). Paths never pass through
// here: the shell shows the dialogs and keeps dropped paths itself.
import { Channel } from '@tauri-apps/api/core';
import { call } from '../api';
import { startJob, type Job, type Progress } from '../jobs';
import type { AttachResult, DropNotice, EvidenceDetail, Attachment, Extracted, RecordType } from './types';
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
  extract: (id: string, title: string) => call<Extracted>('evidence_extract', { id, title }),
  /** A redacted copy of a photo: the regions in pixels of the photo shown upright. */
  redact: (id: string, regions: Rect[], method: 'pixelate' | 'blur') =>
    call<Attachment>('evidence_redact', { id, regions, method }),
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
