// Shapes exchanged with the shell. They mirror saksi_core::model (serde, snake_case fields).
// Only the fields this UI uses are spelled out; the rest pass through untouched.

export interface VaultStatus {
  exists: boolean;
  unlocked: boolean;
  min_passphrase_chars: number;
  /** Opened read-only for review: every write is refused. */
  read_only: boolean;
  /** Review mode: records and evidence cannot be changed, only annotated. */
  review_mode: boolean;
  /** The screens' language remembered beside the vault (only when it is not the system's). */
  language: string | null;
  /** Swap areas on a disk without encryption: what the window shows can stay there after lock. */
  unencrypted_swap?: string[];
}

export type Precision = 'day' | 'month' | 'year' | 'approximate' | 'before' | 'after' | 'unknown';
export const PRECISIONS: Precision[] = ['day', 'month', 'year', 'approximate', 'before', 'after', 'unknown'];

/** An incident kind's code; the list and its labels come from the vault (`vocabulary`). */
export type IncidentKind = string;

export interface FuzzyDate {
  date?: string | null;
  precision?: Precision | null;
}

export interface Place {
  name?: string | null;
  admin_area?: string | null;
}

export interface IncidentInput {
  title: string;
  description: string;
  kinds: string[];
  start?: FuzzyDate;
  place?: Place;
}

export interface Incident extends IncidentInput {
  id: string;
  [field: string]: unknown;
}

export interface PersonName {
  name: string;
  kind?: 'original' | 'romanisation' | 'alias' | null;
  script?: string | null;
}

export interface PersonInput {
  names: PersonName[];
  sex?: string | null;
  notes?: string | null;
}

export interface Person extends PersonInput {
  id: string;
  /** The first name given: what lists show. */
  name: string;
  detained?: boolean;
  [field: string]: unknown;
}

export interface SearchQuery {
  text?: string | null;
  kind?: string | null;
  date_from?: string | null;
  date_to?: string | null;
  place?: string | null;
  person_id?: string | null;
  role?: string | null;
  category?: string | null;
}

/** How many records match a search, counted up to a cap. */
export interface SearchCount {
  count: number;
  /** More than `count` match (counting stopped at the cap). */
  capped: boolean;
}

export interface SearchHit {
  id: string;
  type: string;
  title: string;
  /** For testimony: the incident it belongs to. */
  incident_id?: string | null;
}
