// Wrappers over the record commands of src-tauri/src/commands/records.rs and settings.rs.
import { call } from '../api';
import type { SearchCount, SearchHit, SearchQuery } from '../types';
import type {
  IncidentEdit,
  IncidentFullInput,
  IncidentRecord,
  PersonInput,
  PersonInvolvement,
  PersonRecord,
  Proceeding,
  ProceedingInput,
  Term,
  Testimony,
  TestimonyInput,
} from './types';

export type VocabName = 'incident_kind' | 'role' | 'proceeding_kind' | 'intervention_kind' | 'person_category' | 'perpetrator_type';

export const records = {
  incidents: {
    list: () => call<IncidentRecord[]>('incident_list'),
    get: (id: string) => call<IncidentRecord>('incident_get', { id }),
    add: (input: IncidentFullInput) => call<string>('incident_add', { input }),
    /** One whole edit (fields, acts, proceedings) in one core transaction. */
    update: (id: string, input: IncidentEdit) => call<void>('incident_update', { id, input }),
  },
  persons: {
    list: () => call<PersonRecord[]>('person_list'),
    get: (id: string) => call<PersonRecord>('person_get', { id }),
    add: (input: PersonInput) => call<string>('person_add', { input }),
    update: (id: string, version: number | null, input: PersonInput) =>
      call<void>('person_update', { id, version, input }),
    involvements: (id: string) => call<PersonInvolvement[]>('person_involvements', { id }),
    proceedings: (id: string) => call<Proceeding[]>('person_proceedings', { id }),
  },
  proceedings: {
    add: (input: ProceedingInput) => call<string>('proceeding_add', { input }),
  },
  testimonies: {
    list: (incidentId: string | null) => call<Testimony[]>('testimony_list', { incidentId }),
    get: (id: string) => call<Testimony>('testimony_get', { id }),
    add: (input: TestimonyInput) => call<string>('testimony_add', { input }),
    update: (id: string, version: number | null, input: TestimonyInput) =>
      call<void>('testimony_update', { id, version, input }),
  },
  vocabulary: (name: VocabName) => call<Term[]>('vocabulary', { name }),
  search: (query: SearchQuery) => call<SearchHit[]>('search', { query }),
  /** How many records match `query`, counted up to `cap` (`capped`: more than that). */
  searchCount: (query: SearchQuery, cap: number) => call<SearchCount>('search_count', { query, cap }),
  settings: {
    all: () => call<Record<string, string>>('settings_get'),
    set: (key: 'language' | 'auto_lock_minutes', value: string) => call<void>('setting_set', { key, value }),
  },
  language: {
    /** The chosen language, with the system's (the file beside the vault is kept only if they differ). */
    set: (code: string, system: string) => call<void>('language_set', { code, system }),
  },
  drafts: {
    get: <T>(kind: string, key: string) => call<T | null>('draft_get', { kind, key }),
    save: (kind: string, key: string, value: object) => call<void>('draft_save', { kind, key, value }),
    discard: (kind: string, key: string) => call<void>('draft_discard', { kind, key }),
  },
};
