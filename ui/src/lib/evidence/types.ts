// Shapes of saksi_core::evidence as the shell sends them (serde, snake_case).

export type RecordType = 'incident' | 'testimony' | 'person';

export interface Gps {
  latitude: number;
  longitude: number;
  altitude_m: number | null;
  sensitive: boolean;
}

export interface Exif {
  captured_at: string | null;
  camera_make: string | null;
  camera_model: string | null;
  orientation: number | null;
  gps: Gps | null;
}

/** What an audio or video file is (saksi_core::evidence::media::MediaInfo). */
export interface MediaInfo {
  kind: 'audio' | 'video';
  container: string;
  duration_ms: number | null;
  audio: { codec: string; sample_rate: number | null; channels: number | null } | null;
  video: { codec: string; width: number | null; height: number | null } | null;
  /** 200 peaks, 0 (silence) to 255 (full scale). */
  waveform: number[] | null;
  waveform_note: string | null;
}

export interface Attachment {
  id: string;
  record_type: RecordType;
  record_id: string;
  original_name: string;
  media_type: string;
  size: number;
  sha256: string;
  exif: Exif | null;
  /** True also while the thumbnail is pending (made on first view, e.g. after an import). */
  has_thumbnail: boolean;
  /** The thumbnail has not been made yet (an imported photo): the first view makes it. */
  thumbnail_pending?: boolean;
  thumbnail_note: string | null;
  created_at: string;
  device_id: string;
  media?: MediaInfo | null;
}

export interface Intake extends Attachment {
  warning: string | null;
}

export interface CustodyEntry {
  seq: number;
  id: string;
  at: string;
  device_id: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  content_hash: string | null;
  details: string | null;
  entry_hash: string;
  /** Whose log: this vault's, or another device's received in a bundle. */
  origin: 'this_device' | 'received';
  /** The signing device's name (this device's, or the name it is trusted under here). */
  device_name: string | null;
  trusted_device: boolean;
  /** The entry's hash, key and signature hold. */
  verified: boolean;
  problem: string | null;
}

/** A redacted copy's link to its sealed original (core `derivative::Derivative`). */
export interface DerivativeLink {
  derivative_id: string;
  original_type: 'attachment' | 'testimony';
  original_id: string;
  original_sha256: string;
  method: 'pixelate' | 'blur' | 'pseudonymise';
  created_at: string;
  device_id: string;
}

export interface EvidenceDetail {
  attachment: Attachment;
  custody: CustodyEntry[];
  /** What the item is a copy of, and the copies made from it. */
  redaction?: { original: DerivativeLink | null; derivatives: DerivativeLink[] };
}

export interface IntakeFailure {
  name: string;
  kind: string;
  message: string;
}

export interface AttachResult {
  chosen: boolean;
  attached: Intake[];
  failed: IntakeFailure[];
  cancelled: boolean;
}

export interface DropNotice {
  drop_id: number;
  names: string[];
}

export interface Extracted {
  saved: boolean;
  file_name: string;
}
