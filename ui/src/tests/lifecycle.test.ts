import { describe, expect, it } from 'vitest';
import { keyGroups, lastGroupMatches } from '../lib/lifecycle';

const KEY = 'AB0DE-12345-FGHJK-MNPQR-STVWX-YZ012-34567-8910Z';

describe('a recovery key shown once', () => {
  it('is shown as its 8 groups', () => {
    expect(keyGroups(KEY)).toHaveLength(8);
    expect(keyGroups(KEY)[7]).toBe('8910Z');
  });

  it('is confirmed by its last group however it is typed', () => {
    expect(lastGroupMatches(KEY, '8910Z')).toBe(true);
    expect(lastGroupMatches(KEY, ' 89 10z ')).toBe(true);
    expect(lastGroupMatches(KEY, '89IOz'), 'I and O read as 1 and 0, as the core reads a key').toBe(true);
  });

  it('is not confirmed by another group, a part of the last one, or nothing', () => {
    expect(lastGroupMatches(KEY, 'AB0DE')).toBe(false);
    expect(lastGroupMatches(KEY, '8910')).toBe(false);
    expect(lastGroupMatches(KEY, '')).toBe(false);
    expect(lastGroupMatches('', '')).toBe(false);
  });
});
