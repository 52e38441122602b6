// Pure helpers for the export summary and the import result (tested in src/tests/bundle.test.ts).
import type { Withheld } from './types';

/** The order people expect to read record types in. */
export const TYPE_ORDER = [
  'incident',
  'person',
  'involvement',
  'proceeding',
  'testimony',
  'intervention',
  'attachment',
  'person_contact',
];

/** Non-zero counts, in a stable order (known types first). */
export function countEntries(counts: Record<string, number> | null | undefined): [string, number][] {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0);
  const rank = (k: string) => {
    const i = TYPE_ORDER.indexOf(k);
    return i === -1 ? TYPE_ORDER.length : i;
  };
  return entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

export function total(counts: Record<string, number> | null | undefined): number {
  return Object.values(counts ?? {}).reduce((s, n) => s + n, 0);
}

/** The translation key of why records were left out. */
export function withheldKey(w: Pick<Withheld, 'reason_code'>): string {
  return `export.withheld_${w.reason_code}`;
}
