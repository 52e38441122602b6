import type { ApiError } from './api';
import { dictionaries } from './i18n.svelte';

/** The translation key for an error kind; unknown kinds fall back to a generic message. */
export function errorKey(err: ApiError): string {
  const key = `errors.${err.kind}`;
  return key in dictionaries.en ? key : 'errors.unknown';
}

/** Kinds whose English detail from the core helps the person fix the input (a damaged backup's
 * says how much of it could be checked; a malformed recovery key's, which group is wrong; a
 * refused deletion's, where the record is still used). */
export function showsDetail(err: ApiError): boolean {
  return ['invalid_input', 'unknown', 'io', 'bad_backup', 'recovery_key_malformed', 'deletion_in_use'].includes(err.kind) && err.message.length > 0;
}
