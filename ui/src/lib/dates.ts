import type { Precision } from './types';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;
const YEAR = /^\d{4}$/;

function validDay(s: string): boolean {
  if (!DAY.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function validMonth(s: string): boolean {
  if (!MONTH.test(s)) return false;
  const m = Number(s.slice(5));
  return m >= 1 && m <= 12;
}

/**
 * Mirrors the core's FuzzyDate rules so mistakes are caught before saving: day/month/year need
 * that exact shape; approximate/before/after accept any of the three; unknown takes no date.
 * An empty date is fine with any precision (the form then sends "unknown").
 */
export function dateMatchesPrecision(date: string, precision: Precision): boolean {
  if (date === '') return true;
  const any = validDay(date) || validMonth(date) || YEAR.test(date);
  switch (precision) {
    case 'day':
      return validDay(date);
    case 'month':
      return validMonth(date);
    case 'year':
      return YEAR.test(date);
    case 'unknown':
      return false;
    default:
      return any;
  }
}

const LOCALES: Record<string, string> = { en: 'en-GB', km: 'km-KH', fr: 'fr-FR' };

/**
 * A stored time (RFC 3339, UTC) as the user reads it: local time, in the UI language, with that
 * language's digits (Khmer digits in Khmer). Unreadable input is shown as it is.
 */
export function localTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const locale = LOCALES[lang] ?? 'en-GB';
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    numberingSystem: lang === 'km' ? 'khmr' : 'latn',
  }).format(d);
}
