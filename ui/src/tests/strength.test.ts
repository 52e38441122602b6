import { describe, expect, it } from 'vitest';
import { assess, MIN_CHARS } from '../lib/strength';

describe('passphrase strength', () => {
  it('an empty passphrase is not acceptable', () => {
    const s = assess('');
    expect(s.score).toBe(0);
    expect(s.acceptable).toBe(false);
  });

  it('anything shorter than the minimum is refused, however varied', () => {
    const s = assess('Xy7#qP2', MIN_CHARS);
    expect(s.tooShort).toBe(true);
    expect(s.acceptable).toBe(false);
    expect(s.score).toBeLessThanOrEqual(1);
  });

  it('common passwords stay weak even when long enough', () => {
    for (const p of ['password1234', 'Password123!', 'qwerty123456', '123456789012']) {
      const s = assess(p);
      expect(s.acceptable, `"${p}" must not be accepted`).toBe(false);
    }
    expect(assess('password1234').tips).toContain('common');
  });

  it('repeats and sequences are penalised', () => {
    const s = assess('aaaaaaaaaaaaaaaa');
    expect(s.acceptable).toBe(false);
    expect(s.tips).toContain('repeat');
    expect(assess('abcdefghijklmnop').acceptable).toBe(false);
  });

  it('several unrelated words are strong', () => {
    const s = assess('river lantern copper meadow');
    expect(s.score).toBe(4);
    expect(s.acceptable).toBe(true);
  });

  it('Khmer passphrases count as a large alphabet', () => {
    const s = assess('ទន្លេ ចង្កៀង ស្ពាន់ វាល');
    expect(s.acceptable).toBe(true);
    expect(s.score).toBeGreaterThanOrEqual(3);
  });

  it('scores never decrease when a word is added', () => {
    let prev = assess('orchid').score;
    for (const p of ['orchid tiger', 'orchid tiger 42', 'orchid tiger 42 monsoon']) {
      const s = assess(p).score;
      expect(s).toBeGreaterThanOrEqual(prev);
      prev = s;
    }
  });

  it('names, places and years as people here choose them are refused, as the core refuses them', () => {
    for (const p of ['sokha2015', 'phnom penh 2024', 'Chanthy1990!', 'Kampuchea1979']) {
      const s = assess(p);
      expect(s.acceptable, `"${p}" must not be accepted`).toBe(false);
      expect(s.tips).toContain('common');
    }
  });
});
