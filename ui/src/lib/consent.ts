// Consent withdrawn after a testimony was taken (issue 13): typed wrappers over
// src-tauri/src/commands/consent.rs and the little logic of the withdrawal form.
import { call } from './api';

export type Purpose = 'share_with_hq' | 'legal_proceedings' | 'publication';
export const PURPOSES: Purpose[] = ['share_with_hq', 'legal_proceedings', 'publication'];

export interface EffectiveConsent {
  internal_use: boolean;
  share_with_hq: boolean;
  legal_proceedings: boolean;
  publication: 'none' | 'anonymous' | 'named';
  method?: string | null;
  given_at?: string | null;
}

export interface Withdrawal {
  id: string;
  testimony_id: string;
  purpose: Purpose;
  withdrawn_at: string;
  how: string;
  recorded_by: string;
  device_id: string;
  recorded_at: string;
  confirmed: { hq_device_id: string; receipt_id: string; confirmed_at: string }[];
}

export interface ConsentState {
  effective: EffectiveConsent;
  withdrawals: Withdrawal[];
}

export interface WithdrawalForm {
  purpose: Purpose | '';
  withdrawn_at: string;
  how: string;
  recorded_by: string;
}

export const consent = {
  state: (id: string) => call<ConsentState>('consent_state', { id }),
  withdraw: (id: string, input: { purpose: string; withdrawn_at: string | null; how: string; recorded_by: string }) =>
    call<Withdrawal>('consent_withdraw', { id, input }),
};

/** The core's limit on `how` and `recorded_by` (consent::MAX_DETAIL_CHARS). */
export const MAX_DETAIL_CHARS = 500;

/** Whether consent for `p` is still given (so it can still be withdrawn). */
export function stillGiven(c: EffectiveConsent, p: Purpose): boolean {
  if (p === 'share_with_hq') return c.share_with_hq;
  if (p === 'legal_proceedings') return c.legal_proceedings;
  return c.publication !== 'none';
}

/** The purposes that can still be withdrawn. */
export function withdrawable(c: EffectiveConsent): Purpose[] {
  return PURPOSES.filter((p) => stillGiven(c, p));
}

/** What is wrong with the form (translation keys); empty when it may be sent. */
export function withdrawalProblems(f: WithdrawalForm): string[] {
  const out: string[] = [];
  if (!f.purpose) out.push('withdraw.problem_purpose');
  if (!f.how.trim()) out.push('withdraw.problem_how');
  if (!f.recorded_by.trim()) out.push('withdraw.problem_recorded_by');
  if (Array.from(f.how.trim()).length > MAX_DETAIL_CHARS || Array.from(f.recorded_by.trim()).length > MAX_DETAIL_CHARS)
    out.push('withdraw.problem_long');
  return out;
}

/** The input the core takes: an empty date means "now". */
export function toInput(f: WithdrawalForm) {
  const at = f.withdrawn_at.trim();
  return { purpose: f.purpose, withdrawn_at: at ? at : null, how: f.how.trim(), recorded_by: f.recorded_by.trim() };
}

/** What the next bundle does with this testimony, as a translation key: it stays on this
 * computer (sharing withdrawn: the withdrawal alone travels to an HQ that already has it), or it
 * goes with its restriction. */
export function nextExport(c: EffectiveConsent, withdrawn: boolean): string {
  if (!c.share_with_hq) return withdrawn ? 'withdraw.next_export_stays_sent' : 'withdraw.next_export_stays';
  return withdrawn ? 'withdraw.next_export_restricted' : 'withdraw.next_export_goes';
}
