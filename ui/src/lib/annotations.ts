// Annotations (notes, legal-provision tags, the "reviewed" mark) and review mode: the shell's
// commands (src-tauri/src/commands/annotations.rs) and the type-ahead over the provisions.
import { call } from './api';
import type { Lang } from './i18n.svelte';
import type { Term } from './records/types';
import { termLabel } from './records/vocab';

export interface Annotation {
  id: string;
  subject_type: string;
  subject_id: string;
  note: string;
  tags: string[];
  reviewed_at: string | null;
  reviewer: string | null;
  created_at: string;
  updated_at: string;
  device_id: string;
  device_name: string | null;
  version: number;
}

export interface AnnotationInput {
  note: string;
  tags: string[];
  reviewed: boolean;
  reviewer: string | null;
}

export const annotationsApi = {
  list: (id: string) => call<Annotation[]>('annotation_list', { id }),
  get: (id: string) => call<Annotation>('annotation_get', { id }),
  add: (id: string, input: AnnotationInput) => call<string>('annotation_add', { id, input }),
  provisions: () => call<Term[]>('vocabulary', { name: 'legal_provision' }),
  setReviewMode: (on: boolean) => call<boolean>('review_mode_set', { on }),
};

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/**
 * The provisions that match what was typed (in the code or in any language's label), those
 * already chosen left out, best first: codes and labels that start with the text, then the rest,
 * each in the vocabulary's order. At most `limit`.
 */
export function matchProvisions(terms: Term[], typed: string, lang: Lang, chosen: string[], limit = 8): Term[] {
  const q = fold(typed.trim());
  const open = terms.filter((t) => !chosen.includes(t.code));
  if (!q) return open.slice(0, limit);
  const starts: Term[] = [];
  const contains: Term[] = [];
  for (const t of open) {
    const hay = [t.code, termLabel(terms, t.code, lang), t.label_en, t.label_km, t.label_fr].map(fold);
    if (hay.some((h) => h.startsWith(q))) starts.push(t);
    else if (hay.some((h) => h.includes(q))) contains.push(t);
  }
  return [...starts, ...contains].slice(0, limit);
}

/** The latest "reviewed" mark among the annotations, if any. */
export function latestReview(list: Annotation[]): Annotation | null {
  const marked = list.filter((a) => a.reviewed_at);
  marked.sort((a, b) => (a.reviewed_at! < b.reviewed_at! ? -1 : 1));
  return marked.at(-1) ?? null;
}
