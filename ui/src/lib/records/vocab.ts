// Controlled vocabularies come from the vault with their labels in the three languages.
import type { Lang } from '../i18n.svelte';
import type { Term } from './types';

export function termLabel(terms: Term[], code: string, lang: Lang): string {
  const term = terms.find((t) => t.code === code);
  if (!term) return code;
  return (lang === 'km' ? term.label_km : lang === 'fr' ? term.label_fr : term.label_en) || term.label_en;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

function haystack(terms: Term[], t: Term, lang: Lang): string[] {
  return [t.code, termLabel(terms, t.code, lang), t.label_en, t.label_km, t.label_fr].map(fold).filter(Boolean);
}

/**
 * The terms that match what was typed, in the code or in any language's label: those with a
 * code or label starting with the text first, then those containing it, each in the
 * vocabulary's order. Everything when nothing is typed. At most `limit`.
 */
export function matchTerms(terms: Term[], typed: string, lang: Lang, limit = 12): Term[] {
  const q = fold(typed);
  if (!q) return terms.slice(0, limit);
  const starts: Term[] = [];
  const contains: Term[] = [];
  for (const t of terms) {
    const hay = haystack(terms, t, lang);
    if (hay.some((h) => h.startsWith(q))) starts.push(t);
    else if (hay.some((h) => h.includes(q))) contains.push(t);
  }
  return [...starts, ...contains].slice(0, limit);
}

/**
 * The code that typed text stands for when the field is left without choosing: the one term
 * whose code or a label is exactly the text (case and spacing aside), else the one term the text
 * matches at all; `null` when it is empty, matches nothing or is ambiguous.
 */
export function resolveTyped(terms: Term[], typed: string, lang: Lang): string | null {
  const q = fold(typed);
  if (!q) return null;
  const exact = terms.filter((t) => haystack(terms, t, lang).includes(q));
  if (exact.length === 1) return exact[0].code;
  if (exact.length > 1) return null;
  const any = matchTerms(terms, typed, lang, terms.length);
  return any.length === 1 ? any[0].code : null;
}
