// Sorting and filtering helpers of the incident list (pure, tested).
import type { SearchCount, SearchQuery } from '../types';

export type SortKey = 'date_desc' | 'date_asc' | 'title';
export const SORTS: SortKey[] = ['date_desc', 'date_asc', 'title'];

export interface Filters {
  kind: string;
  date_from: string;
  date_to: string;
  place: string;
  person_id: string;
  /** A person category code: incidents naming a person who holds it. */
  category: string;
}

export function emptyFilters(): Filters {
  return { kind: '', date_from: '', date_to: '', place: '', person_id: '', category: '' };
}

export function activeFilters(f: Filters): number {
  return Object.values(f).filter((v) => v.trim() !== '').length;
}

/** The search query for the text and filters; empty fields are left out. */
export function toQuery(text: string, f: Filters): SearchQuery {
  const q: SearchQuery = {};
  const put = (k: keyof SearchQuery, v: string) => {
    if (v.trim()) q[k] = v.trim();
  };
  put('text', text);
  put('kind', f.kind);
  put('date_from', f.date_from);
  put('date_to', f.date_to);
  put('place', f.place);
  put('person_id', f.person_id);
  put('category', f.category);
  return q;
}

// Latin or Khmer digits (the core reads both).
const DATE = /^[0-9០-៩]{4}(-[0-9០-៩]{2}(-[0-9០-៩]{2})?)?$/;
export function validFilterDate(d: string): boolean {
  return d.trim() === '' || DATE.test(d.trim());
}

interface Sortable {
  id: string;
  title: string;
  start?: { date?: string | null } | null;
}

/** Incidents without a date go last whatever the direction; ties keep a stable order by id. */
export function sortIncidents<T extends Sortable>(list: T[], key: SortKey, locale = 'en'): T[] {
  const dateOf = (i: T) => i.start?.date ?? '';
  const byTitle = (a: T, b: T) => a.title.localeCompare(b.title, locale) || a.id.localeCompare(b.id);
  return [...list].sort((a, b) => {
    if (key === 'title') return byTitle(a, b);
    const da = dateOf(a);
    const db = dateOf(b);
    if (!da !== !db) return da ? -1 : 1;
    const c = key === 'date_desc' ? db.localeCompare(da) : da.localeCompare(db);
    return c || byTitle(a, b);
  });
}

/** The hits one search returns when no page size is asked: the core's largest page. */
export const SEARCH_PAGE = 500;
/** How far the list counts the matches of a full page (a count past it says "more than"). */
export const COUNT_CAP = 10000;

/**
 * The line above the search results: how many are shown and, when the page is full and the
 * count is known, of how many (the rest is reached by narrowing the search).
 */
export function resultCountLine(
  shown: number,
  total: SearchCount | null,
): { key: string; params: Record<string, number> } {
  if (total && total.count > shown) {
    return {
      key: total.capped ? 'incidents.results_of_more' : 'incidents.results_of',
      params: { shown, count: total.count },
    };
  }
  return { key: 'incidents.results_count', params: { count: shown } };
}
