// Settings → duress passphrase (issue 16): typed wrappers over src-tauri/src/commands/duress.rs
// and the form's checks. The window keeps nothing of it anywhere (no storage, no cache):
// invariant 13, someone holding the folder cannot tell a duress passphrase exists.
import { call } from './api';
import { assess, MIN_CHARS } from './strength';

export interface DuressForm {
  current: string;
  duress: string;
  confirm: string;
  eraseRealOnUse: boolean;
  starter: boolean;
}

export const duress = {
  status: () => call<boolean>('duress_status'),
  set: (f: DuressForm) =>
    call<void>('duress_set', {
      current: f.current,
      duress: f.duress,
      eraseRealOnUse: f.eraseRealOnUse,
      starter: f.starter,
    }),
  remove: (current: string) => call<void>('duress_remove', { current }),
};

/** What keeps the form from being sent (translation keys), before the core's own checks. */
export function duressProblems(f: DuressForm, minChars: number = MIN_CHARS): string[] {
  const out: string[] = [];
  if (!f.current) out.push('errors.empty_passphrase');
  if (!assess(f.duress, minChars).acceptable) out.push('duress.problem_weak');
  else if (f.duress !== f.confirm) out.push('duress.problem_mismatch');
  if (f.duress && f.duress === f.current) out.push('errors.duress_passphrase_in_use');
  return out;
}
