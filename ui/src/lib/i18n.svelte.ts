// Translations: flat JSON files keyed "screen.thing", one per language. The chosen language lives
// only in memory (never localStorage, sessionStorage or IndexedDB: the webview must not write
// anything to disk).
import en from '../i18n/en.json';
import km from '../i18n/km.json';
import fr from '../i18n/fr.json';

export type Lang = 'en' | 'km' | 'fr';
export const LANGS: { code: Lang; name: string }[] = [
  { code: 'km', name: 'ខ្មែរ' },
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
];

export const dictionaries: Record<Lang, Record<string, string>> = { en, km, fr };

const current = $state<{ lang: Lang }>({ lang: 'en' });

export function lang(): Lang {
  return current.lang;
}

export function setLang(code: Lang): void {
  if (!(code in dictionaries)) return;
  current.lang = code;
  if (typeof document !== 'undefined') document.documentElement.lang = code;
}

/** The translation of `key`, with `{name}` placeholders filled in from `params`. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const lang = current.lang;
  const text = dictionaries[lang][key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? param(params[name], lang) : whole,
  );
}

/**
 * A parameter as the sentence shows it: a number in the language's digits (Khmer digits in a
 * Khmer sentence: "រកឃើញ៖ ២"); text (names, hashes, ids, file names) exactly as it is.
 */
function param(v: string | number, lang: Lang): string {
  if (typeof v !== 'number') return v;
  return inDigits(String(v), lang);
}

function inDigits(s: string, lang: Lang): string {
  return lang === 'km' ? s.replace(/[0-9]/g, (d) => String.fromCharCode(0x17e0 + Number(d))) : s;
}

/** A number as the current language writes it (Khmer digits in Khmer): figures in tables and charts. */
export function num(v: number): string {
  return param(v, current.lang);
}

/** Every Latin digit of `s` in the current language's digits (a range "2–5", a month "2015-03"). */
export function digits(s: string): string {
  return inDigits(s, current.lang);
}

/** A first guess from the system's language; the person confirms it on the first screen. */
export function guessLang(preferred: readonly string[]): Lang {
  for (const p of preferred) {
    const base = p.toLowerCase().split('-')[0];
    if (base === 'km' || base === 'fr' || base === 'en') return base;
  }
  return 'en';
}
