// Annotations (notes, legal-provision tags, the "reviewed" mark) and review mode: the shell's
// commands (src-tauri/src/commands/annotations.rs) and the type-ahead over the provisions.
import { call } from './api';
import type { Lang } from './i18n.svelte';
import type { Term } from './records/types';
import { matchTerms } from './records/vocab';

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

/** A legal provision a user adds to the vocabulary (the core checks the code and the labels). */
export interface ProvisionInput {
  code: string;
  label_en: string;
  label_km: string;
  label_fr: string;
}

/**
 * A code suggested for a provision from what was typed: lowercase ASCII letters, digits and `_`,
 * starting with a letter (`Criminal Code art. 523` → `criminal_code_art_523`); at most 64.
 */
export function provisionCode(typed: string): string {
  let c = typed
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (c && !/^[a-z]/.test(c)) c = `p_${c}`;
  return c.slice(0, 64).replace(/_+$/, '');
}

export const annotationsApi = {
  list: (id: string) => call<Annotation[]>('annotation_list', { id }),
  get: (id: string) => call<Annotation>('annotation_get', { id }),
  add: (id: string, input: AnnotationInput) => call<string>('annotation_add', { id, input }),
  /** `version` is the version the edit was made from: a newer one stored is refused. */
  edit: (id: string, version: number, input: AnnotationInput) => call<void>('annotation_edit', { id, version, input }),
  addProvision: (input: ProvisionInput) => call<void>('provision_add', { input }),
  provisions: () => call<Term[]>('vocabulary', { name: 'legal_provision' }),
  setReviewMode: (on: boolean) => call<boolean>('review_mode_set', { on }),
};

/**
 * The provisions that match what was typed (in the code or in any language's label), those
 * already chosen left out, best first: codes and labels that start with the text, then the rest,
 * each in the vocabulary's order (the matching of every vocabulary's type-ahead). At most `limit`.
 */
export function matchProvisions(terms: Term[], typed: string, lang: Lang, chosen: string[], limit = 8): Term[] {
  return matchTerms(
    terms.filter((t) => !chosen.includes(t.code)),
    typed,
    lang,
    limit,
  );
}

/** The latest "reviewed" mark among the annotations, if any. */
export function latestReview(list: Annotation[]): Annotation | null {
  const marked = list.filter((a) => a.reviewed_at);
  marked.sort((a, b) => (a.reviewed_at! < b.reviewed_at! ? -1 : 1));
  return marked.at(-1) ?? null;
}
