import { describe, expect, it } from 'vitest';
import { latestReview, matchProvisions, provisionCode, type Annotation } from '../lib/annotations';
import type { Term } from '../lib/records/types';

const terms: Term[] = [
  { code: 'iccpr_7', label_en: 'ICCPR art. 7: torture', label_km: 'កតិកាសញ្ញា មាត្រា ៧៖ ទារុណកម្ម', label_fr: 'PIDCP art. 7 : torture' },
  { code: 'iccpr_9', label_en: 'ICCPR art. 9: liberty and security of person', label_km: 'កតិកាសញ្ញា មាត្រា ៩៖ សេរីភាព', label_fr: 'PIDCP art. 9 : liberté' },
  { code: 'kh_cc_495', label_en: 'Cambodian Criminal Code art. 495: incitement', label_km: 'ក្រមព្រហ្មទណ្ឌ មាត្រា ៤៩៥៖ ញុះញង់', label_fr: 'Code pénal art. 495 : incitation' },
];

describe('provision type-ahead', () => {
  it('matches a word of the label in any language, case-insensitively', () => {
    expect(matchProvisions(terms, 'LIBERTY', 'en', []).map((t) => t.code)).toEqual(['iccpr_9']);
    expect(matchProvisions(terms, 'ញុះញង់', 'km', []).map((t) => t.code)).toEqual(['kh_cc_495']);
    expect(matchProvisions(terms, 'incitation', 'en', []).map((t) => t.code)).toEqual(['kh_cc_495']);
  });

  it('puts what starts with the text before what only contains it, and leaves chosen tags out', () => {
    expect(matchProvisions(terms, 'iccpr', 'en', ['iccpr_7']).map((t) => t.code)).toEqual(['iccpr_9']);
    expect(matchProvisions(terms, 'art. 9', 'en', []).map((t) => t.code)).toEqual(['iccpr_9']);
    expect(matchProvisions(terms, 'torture', 'fr', []).map((t) => t.code)).toEqual(['iccpr_7']);
  });

  it('offers the first provisions when nothing is typed, and nothing for text that matches none', () => {
    expect(matchProvisions(terms, '', 'en', [], 2).map((t) => t.code)).toEqual(['iccpr_7', 'iccpr_9']);
    expect(matchProvisions(terms, 'zzz', 'en', [])).toEqual([]);
  });
});

describe('reviewed mark', () => {
  const a = (id: string, reviewed_at: string | null) => ({ id, reviewed_at, reviewer: 'r' }) as Annotation;
  it('is the latest mark, or none', () => {
    expect(latestReview([a('1', null)])).toBeNull();
    expect(latestReview([a('1', '2026-01-02T00:00:00Z'), a('2', null), a('3', '2026-01-01T00:00:00Z')])?.id).toBe('1');
  });
});

import { choicesInOrder } from '../lib/cases';

describe('case choices', () => {
  it('sends incidents whole and items of other incidents, in the order shown', () => {
    const incidents = [{ id: 'i1' }, { id: 'i2' }, { id: 'i3' }];
    const items = { i1: [{ id: 'a' }], i2: [{ id: 'b' }, { id: 'c' }] };
    expect(choicesInOrder(incidents, ['i1'], items, ['a', 'c'])).toEqual(['i1', 'c']);
    expect(choicesInOrder(incidents, [], items, ['c', 'b'])).toEqual(['b', 'c']);
    expect(choicesInOrder(incidents, [], items, [])).toEqual([]);
  });
});

describe('a new provision code', () => {
  it('is made of what was typed, as the core accepts it', () => {
    expect(provisionCode('Criminal Code art. 523')).toBe('criminal_code_art_523');
    expect(provisionCode('  ICCPR 9(1) ')).toBe('iccpr_9_1');
    expect(provisionCode('495')).toBe('p_495');
    expect(provisionCode('ក្រមព្រហ្មទណ្ឌ')).toBe('');
    expect(provisionCode('a'.repeat(80))).toHaveLength(64);
    for (const c of ['criminal_code_art_523', 'iccpr_9_1', 'p_495']) expect(c).toMatch(/^[a-z][a-z0-9_]{1,63}$/);
  });
});
