// The figures HQ publishes, computed by the core (src-tauri/src/commands/reports.rs over
// crates/saksi-core/src/report/): counts with drill-down, who is detained now, saved as a
// printable HTML page or a CSV file.
import { call } from './api';
import { lang, type Lang } from './i18n.svelte';

export type Dimension =
  | 'kind'
  | 'month'
  | 'year'
  | 'place'
  | 'province'
  | 'affiliation'
  | 'category'
  | 'perpetrator-type'
  | 'nationality';

export const DIMENSIONS: Dimension[] = [
  'kind',
  'month',
  'year',
  'province',
  'place',
  'category',
  'affiliation',
  'perpetrator-type',
  'nationality',
];

export interface CountsQuery {
  by: Dimension;
  from?: string | null;
  to?: string | null;
  kind?: string | null;
  category?: string | null;
}

export interface GroupVictims {
  min: number;
  max: number | null;
  reports: { act_id: string; incident_id: string; description: string; min: number | null; max: number | null; source: string }[];
}

export interface CountRow {
  key: string;
  label_en: string;
  label_km: string;
  label_fr: string;
  incidents: number;
  acts: number;
  victims: number;
  group_victims: GroupVictims;
  incident_ids: string[];
  act_ids: string[];
  victim_ids: string[];
}

export interface Report<T> {
  report: string;
  title: string;
  generated_at: string;
  vault: { device_id: string; device_name: string; fingerprint: string };
  filters: [string, string][];
  rules: string[];
  data_sha256: string;
  data: T;
}

export interface CountsData {
  by: Dimension;
  rows: CountRow[];
  total: CountRow;
}

export interface DetainedPerson {
  id: string;
  name: string;
  person_ids: string[];
  since: string | null;
  since_precision: string;
  since_kind: string;
  place: string | null;
  charges: string | null;
  sentence_months: number | null;
  authority: string | null;
  affiliations: string[];
  categories: string[];
  nationalities: string[];
}

export interface DetainedData {
  count: number;
  people: DetainedPerson[];
}

export type SaveRequest =
  | { report: 'counts'; query: CountsQuery }
  | { report: 'detained'; affiliation: string | null; category: string | null };

export interface DetainedSeries {
  rules: string[];
  months: { month: string; detained: number }[];
}

export interface TimelineEntry {
  date: { date?: string | null; precision?: string | null };
  record_type: 'incident' | 'proceeding';
  record_id: string;
  kind: string;
  title: string;
  detail: string;
  incident_id: string | null;
}

export interface TimelineData {
  subject: 'person' | 'incident';
  id: string;
  name: string;
  entries: TimelineEntry[];
}

/** The `n` months up to and including `now`'s, as YYYY-MM, oldest first. */
export function lastMonths(n: number, now = new Date()): { from: string; to: string } {
  const ym = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
  const start = new Date(now.getFullYear(), now.getMonth() - (n - 1), 1);
  return { from: ym(start), to: ym(now) };
}

export const reports = {
  // The counting rules come back in the window's language.
  counts: (query: CountsQuery) => call<Report<CountsData>>('report_counts', { query, lang: lang() }),
  detained: (affiliation: string | null, category: string | null) =>
    call<Report<DetainedData>>('report_detained', { affiliation, category, lang: lang() }),
  detainedSeries: (from: string, to: string, category: string | null) =>
    call<DetainedSeries>('report_detained_series', { from, to, category, lang: lang() }),
  timeline: (subject: { person?: string; incident?: string }) =>
    call<Report<TimelineData>>('report_timeline', {
      person: subject.person ?? null,
      incident: subject.incident ?? null,
      lang: lang(),
    }),
  save: (request: SaveRequest, format: 'html' | 'csv', lang: Lang, title: string) =>
    call<string | null>('report_save', { request, format, lang, title }),
};

/** A row's label in the UI's language (the core gives all three). */
export function rowLabel(r: CountRow, l: Lang): string {
  return (l === 'km' ? r.label_km : l === 'fr' ? r.label_fr : r.label_en) || r.label_en || r.key;
}

/** Group victims as people read them: "40–120", "40 or more", or "" when there are none. */
export function groupRange(g: GroupVictims): string {
  if (g.reports.length === 0) return '';
  if (g.max === null) return `≥ ${g.min}`;
  return g.min === g.max ? String(g.min) : `${g.min}–${g.max}`;
}

/** Bars for a chart: each row's share of the largest value, 0–1. */
export function bars(rows: CountRow[], pick: (r: CountRow) => number): { row: CountRow; value: number; share: number }[] {
  const max = Math.max(1, ...rows.map(pick));
  return rows.map((row) => ({ row, value: pick(row), share: pick(row) / max }));
}
