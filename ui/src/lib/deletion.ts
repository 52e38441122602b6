// Deleting records (issue 13): typed wrappers over src-tauri/src/commands/deletion.rs, and what
// the confirmation says will be erased and what stays (the core's rules, deletion/mod.rs).
import { call } from './api';

export type DeletableType = 'incident' | 'person' | 'testimony' | 'attachment';

export interface Tombstone {
  entry_id: string;
  record_type: string;
  record_id: string;
  version: number | null;
  version_sha256: string;
  content_sha256: string;
  device_id: string;
  deleted_at: string;
  reason: string;
  /** What each HQ said it did with it: [HQ device, outcome]. */
  hq?: [string, string][];
}

export interface DeletionSummary {
  tombstones: Tombstone[];
  blobs_erased: number;
}

export type IncomingOutcome = 'applied' | 'pending' | 'conflict' | 'not_held' | 'kept';
export type Policy = 'apply' | 'ask';

export interface IncomingDeletion {
  entry_id: string;
  bundle_id: string;
  device_id: string;
  record_type: string;
  record_id: string;
  version_sha256: string;
  deleted_at: string;
  reason: string;
  outcome: IncomingOutcome;
  why: string | null;
  received_at: string;
  decided_at: string | null;
}

export interface DeletionListing {
  deleted_here: Tombstone[];
  received: IncomingDeletion[];
  policy: Policy;
}

export const deletion = {
  remove: (recordType: DeletableType, id: string, reason: string) =>
    call<DeletionSummary>('record_delete', { recordType, id, reason }),
  list: () => call<DeletionListing>('deletion_list'),
  apply: (entry: string) => call<IncomingDeletion>('deletion_apply', { entry }),
  keep: (entry: string) => call<IncomingDeletion>('deletion_keep', { entry }),
  setPolicy: (policy: Policy) => call<Policy>('deletion_policy_set', { policy }),
};

/** The core's limit on a tombstone's reason (deletion::MAX_REASON_CHARS). */
export const MAX_REASON_CHARS = 2000;

/** The translation key of what is wrong with a reason, or null when it may be sent. */
export function reasonProblem(reason: string): string | null {
  const r = reason.trim();
  if (r.length === 0) return 'errors.deletion_reason_required';
  if (Array.from(r).length > MAX_REASON_CHARS) return 'errors.deletion_reason_too_long';
  return null;
}

/** What goes with a record of each type (translation keys), as the core deletes it. */
export function erasedWith(type: DeletableType): string[] {
  switch (type) {
    case 'incident':
      return ['delete.goes_incident', 'delete.goes_acts', 'delete.goes_testimonies', 'delete.goes_evidence', 'delete.goes_notes'];
    case 'person':
      return ['delete.goes_person', 'delete.goes_evidence', 'delete.goes_notes'];
    case 'testimony':
      return ['delete.goes_testimony', 'delete.goes_evidence', 'delete.goes_notes'];
    case 'attachment':
      return ['delete.goes_attachment', 'delete.goes_notes'];
  }
}

/** What stays after a deletion of each type (translation keys). */
export function staysAfter(type: DeletableType): string[] {
  const always = ['delete.stays_tombstone', 'delete.stays_travels'];
  if (type === 'incident') return ['delete.stays_people', ...always];
  if (type === 'person') return ['delete.stays_person_used', ...always];
  return always;
}

/** How many records of each type one deletion erased, the asked-for one included. */
export function erasedCounts(s: DeletionSummary): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of s.tombstones) out[t.record_type] = (out[t.record_type] ?? 0) + 1;
  return out;
}

/** Received deletions waiting for an analyst (pending or in conflict), oldest decisions last. */
export function waiting(list: IncomingDeletion[]): IncomingDeletion[] {
  return list.filter((d) => d.outcome === 'pending' || d.outcome === 'conflict');
}
