// Record shapes used by the incident, person and testimony screens. They mirror
// saksi_core::model (serde, snake_case); see crates/saksi-core/src/model/*.rs.
import type { FuzzyDate, Precision } from '../types';

export interface Term {
  code: string;
  label_en: string;
  label_km: string;
  label_fr: string;
}

export interface Counting {
  unit: 'individual' | 'group';
  min?: number | null;
  max?: number | null;
  description?: string | null;
}

export interface InvolvementInput {
  /** In an incident edit: the stored act this entry changes in place (absent for a new act). */
  id?: string | null;
  person?: string | null;
  role: string;
  act_type?: string | null;
  method?: string | null;
  injuries?: string | null;
  perpetrator_type?: string | null;
  perpetrator_unit?: string | null;
  degree?: string | null;
  counting?: Counting | null;
  notes?: string | null;
}

export interface Involvement extends InvolvementInput {
  id: string;
  person_id: string | null;
  person_name: string | null;
  counting: Counting;
  notes: string;
}

/** A group of unnamed people a proceeding concerns (three bodyguards charged together). */
export interface ProceedingGroup {
  description: string;
  size_min?: number | null;
  size_max?: number | null;
}

export interface ProceedingInput {
  /** In an incident edit: the stored proceeding this entry changes in place. */
  id?: string | null;
  /** The person it concerns; absent for a proceeding against a group. */
  person?: string | null;
  group?: ProceedingGroup | null;
  incident_id?: string | null;
  kind: string;
  date?: FuzzyDate;
  authority?: string | null;
  case_number?: string | null;
  charges?: string | null;
  law_cited?: string | null;
  sentence_months?: number | null;
  in_absentia?: boolean;
  detention_place?: string | null;
  notes?: string | null;
}

export interface Proceeding extends ProceedingInput {
  id: string;
  /** Null for a proceeding against a group of unnamed people (see `group`). */
  person_id: string | null;
  incident_id: string | null;
  date: FuzzyDate;
  notes: string;
}

export interface NameInput {
  name: string;
  kind?: 'original' | 'romanisation' | 'alias' | null;
  script?: string | null;
}

export interface Affiliation {
  organisation: string;
  org_type?: string | null;
  role?: string | null;
  start_date?: string | null;
  end_date?: string | null;
}

export interface Contact {
  kind: string;
  value: string;
}

export interface PersonInput {
  names: NameInput[];
  sex?: string | null;
  birth?: FuzzyDate;
  nationalities?: string[];
  affiliations?: Affiliation[];
  occupation?: string | null;
  notes?: string | null;
  /** Kept apart from the rest; an update must send them back or they are removed. */
  contacts?: Contact[];
}

export interface PersonRecord extends PersonInput {
  id: string;
  name: string;
  names: NameInput[];
  nationalities: string[];
  affiliations: Affiliation[];
  notes: string;
  contacts: Contact[];
  detained: boolean;
  version: number;
}

export interface PersonInvolvement {
  involvement_id: string;
  incident_id: string;
  incident_title: string;
  role: string;
}

export interface Link {
  incident_id: string;
  relation: string;
}

export interface PlaceFull {
  name?: string | null;
  admin_area?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface IncidentFullInput {
  title: string;
  description: string;
  kinds: string[];
  start: FuzzyDate;
  end: FuzzyDate;
  place: PlaceFull;
  verification: 'alleged' | 'verified';
  sensitivity: 'normal' | 'high' | 'restricted';
  related: Link[];
  people: Record<string, PersonInput>;
  involvements: InvolvementInput[];
  proceedings: ProceedingInput[];
}

/**
 * One whole edit of a stored incident (saksi_core::model::IncidentEdit): the own fields, the
 * version it was made from, and the full desired lists of acts and proceedings (an entry with an
 * id changes a stored one in place, one without is added, stored ones left out are removed).
 */
export interface IncidentEdit extends IncidentFullInput {
  version: number | null;
}

export interface IncidentRecord {
  id: string;
  title: string;
  description: string;
  kinds: string[];
  start: FuzzyDate;
  end: FuzzyDate;
  place: PlaceFull;
  verification: 'alleged' | 'verified';
  sensitivity: 'normal' | 'high' | 'restricted';
  related: Link[];
  involvements: Involvement[];
  proceedings: Proceeding[];
  testimony_ids: string[];
  version: number;
}

export type Publication = 'none' | 'anonymous' | 'named';

export interface Consent {
  internal_use: boolean;
  share_with_hq: boolean;
  legal_proceedings: boolean;
  publication: Publication;
  method?: string | null;
  given_at?: string | null;
}

export interface TestimonyInput {
  incident_id: string;
  witness_id?: string | null;
  anonymous: boolean;
  interviewer?: string | null;
  interviewed_at?: string | null;
  interview_place?: string | null;
  language?: string | null;
  body: string;
  consent: Consent;
}

export interface Testimony extends TestimonyInput {
  id: string;
  version: number;
}

export type { Precision };
