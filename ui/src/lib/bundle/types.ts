// Shapes of saksi_core::bundle as the shell sends them (src-tauri/src/commands/bundle.rs).

export type Scope = 'all' | 'selected' | 'since_last';

export interface ExportRequest {
  to: string[];
  scope: Scope;
  incidents: string[];
  include_contacts: boolean;
}

export interface Withheld {
  record_type: string;
  count: number;
  reason: string;
  reason_code: 'no_consent' | 'consent_withdrawn' | 'witness_only' | 'attachment_of_withheld' | 'annotation_of_withheld' | 'contacts' | 'other';
}

export interface Preview {
  counts: Record<string, number>;
  files: number;
  bytes: number;
  withheld: Withheld[];
}

export interface ExportResult extends Preview {
  saved: boolean;
  file_name: string;
  bundle_id: string;
  sequence: number;
}

export interface ImportSummary {
  bundle_id: string;
  device_id: string;
  device_name: string;
  sequence: number;
  created_at: string;
  added: Record<string, number>;
  updated: Record<string, number>;
  unchanged: Record<string, number>;
  stale: Record<string, number>;
  conflicts: Record<string, number>;
}

export interface ImportResult {
  chosen: boolean;
  outcome: 'imported' | 'already_imported' | 'receipt' | '';
  file_name: string;
  summary: ImportSummary | null;
  receipt: Record<string, unknown> | null;
  withheld_by_sender: Withheld[];
}

export interface Conflict {
  id: string;
  record_type: string;
  record_id: string;
  bundle_id: string;
  device_id: string;
  local_version: number | null;
  incoming_version: number | null;
  /** The incoming record file as it came in the bundle (`{ record_type, id, row, … }`). */
  incoming?: { row?: Record<string, unknown> } | null;
  detected_at: string;
}

/** Who made one side of a conflict, and when. */
export interface ConflictSide {
  device_id: string | null;
  device_name: string | null;
  updated_at: string | null;
  version: number | null;
}

/** One field of a conflict: a column, a group of columns (a date and its precision) or a child
 * table (`children.incident_kind`). */
export interface ConflictField {
  field: string;
  columns: string[];
  local: unknown;
  incoming: unknown;
  differs: boolean;
}

export interface ConflictDetail {
  id: string;
  record_type: string;
  record_id: string;
  title: string | null;
  local: ConflictSide;
  incoming: ConflictSide;
  fields: ConflictField[];
  mergeable: boolean;
}

export interface Recipient {
  name: string;
  recipient: string;
  /** Of the age key alone. */
  fingerprint: string;
  /** Set when registered from the device's card: its signing key is pinned. */
  device_id: string | null;
  minisign_public_key: string | null;
  /** The card's fingerprint (every key on it). */
  card_fingerprint: string | null;
  added_at: string;
}

export interface DeviceCard {
  device_id: string;
  name: string;
  /** Covers every key on the card. */
  fingerprint: string;
  age_recipient: string;
  /** On the card of a vault with an HQ key. */
  hq_recipient?: string;
  minisign_public_key: string;
}

export interface TrustedDevice {
  id: string;
  name: string;
  fingerprint: string;
  added_at: string;
  revoked_at: string | null;
}
