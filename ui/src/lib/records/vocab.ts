// Controlled vocabularies come from the vault with their labels in the three languages.
import type { Lang } from '../i18n.svelte';
import type { Term } from './types';

export function termLabel(terms: Term[], code: string, lang: Lang): string {
  const term = terms.find((t) => t.code === code);
  if (!term) return code;
  return (lang === 'km' ? term.label_km : lang === 'fr' ? term.label_fr : term.label_en) || term.label_en;
}
