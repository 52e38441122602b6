import { describe, expect, it } from 'vitest';
import { dateMatchesPrecision, localTime } from '../lib/dates';

describe('date and precision (mirrors the core rules)', () => {
  it('accepts matching shapes', () => {
    expect(dateMatchesPrecision('2024-03-15', 'day')).toBe(true);
    expect(dateMatchesPrecision('2024-03', 'month')).toBe(true);
    expect(dateMatchesPrecision('2024', 'year')).toBe(true);
    expect(dateMatchesPrecision('2024', 'approximate')).toBe(true);
    expect(dateMatchesPrecision('', 'day')).toBe(true);
  });
  it('refuses mismatches and impossible dates', () => {
    expect(dateMatchesPrecision('2024', 'day')).toBe(false);
    expect(dateMatchesPrecision('2015-02-30', 'day')).toBe(false);
    expect(dateMatchesPrecision('2024-13', 'month')).toBe(false);
    expect(dateMatchesPrecision('2024', 'unknown')).toBe(false);
    expect(dateMatchesPrecision('15/03/2024', 'approximate')).toBe(false);
  });
});

describe('local time', () => {
  it('shows a stored UTC time in the UI language, with Khmer digits in Khmer', () => {
    const km = localTime('2026-12-02T04:51:00Z', 'km');
    expect(km).toMatch(/[០-៩]/);
    expect(km).not.toMatch(/[0-9]/);
    expect(localTime('2026-12-02T04:51:00Z', 'en')).toMatch(/2026/);
    expect(localTime(null, 'en')).toBe('—');
    expect(localTime('not a time', 'fr')).toBe('not a time');
  });
});
