// Preferences stored inside the vault (language, auto-lock time), applied right after unlocking.
import { LANGS, lang, setLang, type Lang } from '../i18n.svelte';
import { records } from './api';

export const AUTO_LOCK_MIN = 1;
export const AUTO_LOCK_MAX = 240;

/** A number field bound with bind:value gives a number (or null when empty), a stored one a string. */
export function parseMinutes(value: string | number | null | undefined): number | null {
  const text = String(value ?? '').trim();
  const n = Number(text);
  return text !== '' && Number.isInteger(n) && n >= AUTO_LOCK_MIN && n <= AUTO_LOCK_MAX ? n : null;
}

/** Reads the stored preferences, applies the language, and returns the auto-lock minutes. */
export async function applyStoredPrefs(): Promise<{ autoLockMinutes: number | null }> {
  const all = await records.settings.all();
  const stored = all.language as Lang | undefined;
  if (stored && LANGS.some((l) => l.code === stored)) setLang(stored);
  return { autoLockMinutes: all.auto_lock_minutes ? parseMinutes(all.auto_lock_minutes) : null };
}

/** A new vault remembers the language chosen on the first screen. */
export async function rememberLanguage(): Promise<void> {
  await records.settings.set('language', lang());
}
