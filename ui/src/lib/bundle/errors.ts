// Error kinds of evidence and bundle work, translated from the "import", "export", "keys" and
// "evidence" sections; anything else falls back to the shared "errors." keys.
import type { ApiError } from '../api';
import { errorKey } from '../errors';
import { dictionaries } from '../i18n.svelte';

/** Kinds of a rejected bundle or a key problem (saksi_core::bundle::BundleError::kind). */
export const BUNDLE_KINDS = [
  'bundle_not_age',
  'bundle_passphrase',
  'bundle_not_for_us',
  'bundle_damaged',
  'bundle_not_a_bundle',
  'bundle_unsigned',
  'bundle_bad_signature',
  'bundle_unknown_signer',
  'bundle_revoked_signer',
  'bundle_not_addressed_to_us',
  'bundle_unknown_version',
  'bundle_missing_file',
  'bundle_extra_file',
  'bundle_hash_mismatch',
  'bundle_bad_entry_name',
  'bundle_too_large',
  'bundle_malformed',
  'bundle_replayed',
  'bundle_inconsistent',
  'bundle_no_hq_key',
  'bundle_hq_key_exists',
  'bundle_bad_recipient',
  'bundle_bad_identity',
  'bundle_unknown_recipient',
  'bundle_recipient_exists',
  'bundle_key_changed',
  'bundle_bad_card',
  'bundle_unknown_device',
  'bundle_output_exists',
  'bundle_nothing_to_export',
  'bundle_attachment_altered',
  'bundle_no_imported_bundle',
  'bundle_bad_receipt',
  'bundle_unproven_author',
  'bundle_custody_broken',
  'bundle_bad_sums_signature',
  'bundle_attachment_immutable',
  'bundle_header_too_large',
  'bundle_too_many_recipients',
  'bundle_unlisted_recipients',
  'bundle_no_space',
] as const;

/** The translation key for an error of this area. */
export function exchangeErrorKey(err: ApiError): string {
  const own = `import.reject.${err.kind}`;
  if (own in dictionaries.en) return own;
  if (err.kind === 'cancelled') return 'evidence.cancelled';
  return errorKey(err);
}
