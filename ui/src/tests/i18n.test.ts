import { describe, expect, it } from 'vitest';
import en from '../i18n/en.json';
import km from '../i18n/km.json';
import fr from '../i18n/fr.json';
import { digits, guessLang, num, setLang, t } from '../lib/i18n.svelte';

const files: Record<string, Record<string, string>> = { en, km, fr };
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const sources = import.meta.glob(['../**/*.svelte', '../**/*.ts', '!../tests/**'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Every key the source asks for literally, e.g. t('unlock.title'). */
function keysUsedInSource(): string[] {
  const keys = new Set<string>();
  for (const text of Object.values(sources)) {
    for (const m of text.matchAll(/\bt\('([a-z0-9_.]+)'/g)) keys.add(m[1]);
  }
  return [...keys];
}

describe('translations', () => {
  for (const [lang, dict] of Object.entries(files)) {
    it(`${lang}.json has exactly the keys of en.json`, () => {
      expect(Object.keys(dict).sort(), `${lang} must translate every key, and no extra ones`).toEqual(
        Object.keys(en).sort(),
      );
    });

    it(`${lang}.json keeps every {placeholder} and leaves no value empty`, () => {
      for (const [key, value] of Object.entries(en)) {
        expect(dict[key]?.trim(), `${lang}:${key} must not be empty`).toBeTruthy();
        expect(placeholders(dict[key]), `${lang}:${key} placeholders`).toEqual(placeholders(value));
      }
    });
  }

  it('the Khmer file is written in Khmer script', () => {
    const khmer = /[\u1780-\u17FF]/;
    const notKhmer = Object.entries(km).filter(([, v]) => !khmer.test(v));
    // Only the few strings that are codes or shortcuts may stay Latin.
    expect(notKhmer.map(([k]) => k)).toEqual([]);
  });

  it('Khmer and French sentences carry no English date pattern', () => {
    // "YYYY-MM-DD" inside a Khmer sentence is English to a Khmer reader (issue 12); French
    // writes AAAA-MM-JJ.
    const khmerLeaks = Object.entries(km).filter(([, v]) => /YYYY|\b(MM|DD)\b/.test(v));
    expect(khmerLeaks.map(([k]) => k), 'km strings with an English date pattern').toEqual([]);
    const frenchLeaks = Object.entries(fr).filter(([, v]) => /YYYY|\bDD\b/.test(v));
    expect(frenchLeaks.map(([k]) => k), 'fr strings with an English date pattern').toEqual([]);
  });

  it('every key used in the source exists in en.json', () => {
    expect(Object.keys(sources).length, 'the source files were found').toBeGreaterThan(10);
    const missing = keysUsedInSource().filter((k) => !(k in en));
    expect(missing, 'keys used in code but missing from the translation files').toEqual([]);
  });

  it('vocabulary keys used through templates exist', () => {
    const dynamic = [
      ...['arbitrary_arrest', 'detention', 'assault', 'killing', 'torture', 'judicial_harassment', 'threat',
        'enforced_disappearance', 'forced_eviction', 'restriction_of_assembly', 'other'].map((k) => `kind.${k}`),
      ...['day', 'month', 'year', 'approximate', 'before', 'after', 'unknown'].map((p) => `precision.${p}`),
      ...['female', 'male', 'other', 'unknown'].map((s) => `sex.${s}`),
      ...[0, 1, 2, 3, 4].map((n) => `strength.${n}`),
      ...['common', 'repeat', 'longer'].map((tip) => `strength.tip_${tip}`),
      ...['incidents', 'persons', 'settings'].map((s) => `shell.${s}`),
      ...['incident', 'person', 'testimony'].map((h) => `hit.${h}`),
    ];
    expect(dynamic.filter((k) => !(k in en))).toEqual([]);
  });

  it('t() switches language and fills placeholders', () => {
    setLang('fr');
    expect(t('unlock.submit')).toBe('Déverrouiller');
    setLang('km');
    expect(t('unlock.submit')).toBe('ដោះសោ');
    // A number is written in Khmer digits in a Khmer sentence; text parameters stay as they are.
    expect(t('incidents.count', { count: 3 })).toContain('៣');
    expect(t('incidents.count', { count: 3 })).not.toContain('3');
    expect(t('incidents.count', { count: '3f2a' })).toContain('3f2a');
    setLang('fr');
    expect(t('incidents.count', { count: 1204 })).toContain('1204');
    setLang('en');
    expect(t('create.passphrase_hint', { min: 12 })).toContain('12');
    expect(t('no.such.key')).toBe('no.such.key');
  });

  it('writes report figures in the language\'s digits', () => {
    setLang('km');
    expect(num(17)).toBe('១៧');
    expect(digits('2–5')).toBe('២–៥');
    expect(digits('2015-03')).toBe('២០១៥-០៣');
    setLang('fr');
    expect(num(17)).toBe('17');
    expect(digits('2015-03')).toBe('2015-03');
    setLang('en');
    expect(num(0)).toBe('0');
  });

  it('guesses the language from the system list', () => {
    expect(guessLang(['km-KH', 'en'])).toBe('km');
    expect(guessLang(['fr-FR'])).toBe('fr');
    expect(guessLang(['de-DE'])).toBe('en');
    expect(guessLang([])).toBe('en');
  });
});
