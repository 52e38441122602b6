import { describe, expect, it } from 'vitest';
import { dateMatchesPrecision } from '../lib/dates';

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
