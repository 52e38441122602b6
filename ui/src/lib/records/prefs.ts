// Preferences stored inside the vault (language, auto-lock time), applied right after unlocking.
// The language is also kept beside the vault, for the screens before unlock, but only when it is
// not the system's own (docs/vault-format.md, "Language before unlock").
import { guessLang, LANGS, lang, setLang, type Lang } from '../i18n.svelte';
import { records } from './api';

export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 240;

/** A number field bound with bind:value gives a number (or null when empty), a stored one a string. */
export function parseMinutes(value: string | number | null | undefined): number | null {
  const text = String(value ?? '').trim();
  const n = Number(text);
  return text !== '' && Number.isInteger(n) && n >= AUTO_LOCK_MIN && n <= AUTO_LOCK_MAX ? n : null;
}

/** The language the screens follow without a choice: the system locale's. */
export function systemLang(): Lang {
  return guessLang(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]));
}

/** What the file beside the vault should hold for `chosen`: nothing when it is the system's. */
export function fileLanguage(chosen: Lang, system: Lang): Lang | null {
  return chosen === system ? null : chosen;
}

/** The person chose a language: kept in the vault, and beside it unless it is the system's. */
export async function chooseLanguage(code: Lang): Promise<void> {
  await records.language.set(code, systemLang());
}

/**
 * Reads the stored preferences, applies the language, and returns the auto-lock minutes. `file`
 * is the language found beside the vault: a writable vault whose stored language and file
 * disagree (e.g. one made before the file existed) brings the file in line.
 */
export async function applyStoredPrefs(
  { file = null, writable = false }: { file?: string | null; writable?: boolean } = {},
): Promise<{ autoLockMinutes: number | null }> {
  const all = await records.settings.all();
  const stored = all.language as Lang | undefined;
  if (stored && LANGS.some((l) => l.code === stored)) {
    setLang(stored);
    if (writable && fileLanguage(stored, systemLang()) !== file) await chooseLanguage(stored);
  }
  return { autoLockMinutes: all.auto_lock_minutes ? parseMinutes(all.auto_lock_minutes) : null };
}

/** A new vault remembers the language chosen on the first screen. */
export async function rememberLanguage(): Promise<void> {
  await chooseLanguage(lang());
}
