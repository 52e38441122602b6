// One person across monitors and scripts: duplicate suggestions and merges
// (src-tauri/src/commands/persons.rs over the core's names/ and model/person_merge/).
import { call } from '../api';

export interface DuplicateReason {
  /** name | birth_year | sex | affiliation */
  kind: string;
  /** What matched and how (names, years), as the core describes it. */
  text: string;
  /** For `name`, the similarity of the two names; otherwise what it added to the score. */
  effect: number;
}

export interface Candidate {
  a: { id: string; names: string[] };
  b: { id: string; names: string[] };
  score: number;
  reasons: DuplicateReason[];
}

export interface MergeLink {
  person_id: string;
  into_id: string;
  identity_id: string;
  merged_at: string;
  merged_by_device: string;
  reason: string;
}

export interface MergeGroup {
  identity_id: string;
  members: { id: string; name: string; device_id: string; merged: MergeLink | null }[];
}

export const merges = {
  duplicates: (minScore: number | null = null, limit: number | null = null) =>
    call<Candidate[]>('person_duplicates', { minScore, limit }),
  merge: (a: string, b: string, reason: string | null) =>
    call<{ link: MergeLink; group: string[] }>('person_merge', { a, b, reason }),
  unmerge: (id: string) => call<{ group: string[]; left_group: string[] }>('person_unmerge', { id }),
  group: (id: string) => call<MergeGroup>('person_merge_group', { id }),
};

/** A reason's effect as people read it: a similarity as a percentage, an adjustment signed. */
export function effectText(r: DuplicateReason): string {
  if (r.kind === 'name') return `${Math.round(r.effect * 100)}%`;
  const v = Math.round(r.effect * 100);
  return v >= 0 ? `+${v}` : `${v}`;
}
