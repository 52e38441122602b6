// Deletion, consent withdrawal and the duress passphrase (issues 13 and 16): the UI's own logic.
import { describe, expect, it } from 'vitest';
import { erasedCounts, erasedWith, reasonProblem, staysAfter, waiting, type IncomingDeletion } from '../lib/deletion';
import { nextExport, stillGiven, toInput, withdrawable, withdrawalProblems, type EffectiveConsent } from '../lib/consent';
import { duressProblems, type DuressForm } from '../lib/duress';
import en from '../i18n/en.json';

const dict = en as Record<string, string>;

describe('a deletion', () => {
  it('needs a reason of at most 2000 characters, spaces alone are none', () => {
    expect(reasonProblem('')).toBe('errors.deletion_reason_required');
    expect(reasonProblem('   \n ')).toBe('errors.deletion_reason_required');
    expect(reasonProblem('entered twice by mistake')).toBeNull();
    expect(reasonProblem('x'.repeat(2000))).toBeNull();
    expect(reasonProblem('x'.repeat(2001))).toBe('errors.deletion_reason_too_long');
    expect(reasonProblem('ខ'.repeat(2000)), 'characters are counted, not UTF-16 units').toBeNull();
  });

  it('says what goes with each type and what stays, with strings that exist', () => {
    for (const ty of ['incident', 'person', 'testimony', 'attachment'] as const) {
      const keys = [...erasedWith(ty), ...staysAfter(ty)];
      for (const k of keys) expect(dict[k], `${k} must be translated`).toBeTruthy();
      expect(staysAfter(ty), 'every deletion leaves its signed tombstone').toContain('delete.stays_tombstone');
    }
    expect(erasedWith('incident'), 'an incident takes its testimonies with it').toContain('delete.goes_testimonies');
    expect(staysAfter('incident'), 'people stay when an incident goes').toContain('delete.stays_people');
    expect(erasedWith('attachment')).not.toContain('delete.goes_testimonies');
  });

  it('counts what one deletion erased by type', () => {
    const tomb = (record_type: string) => ({
      entry_id: 'e', record_type, record_id: 'r', version: 1, version_sha256: '', content_sha256: '',
      device_id: 'd', deleted_at: '', reason: 'x',
    });
    expect(erasedCounts({ tombstones: [tomb('attachment'), tomb('attachment'), tomb('testimony'), tomb('incident')], blobs_erased: 2 }))
      .toEqual({ attachment: 2, testimony: 1, incident: 1 });
  });

  it('lists as waiting only the received deletions an analyst must decide', () => {
    const d = (entry_id: string, outcome: IncomingDeletion['outcome']) =>
      ({ entry_id, outcome }) as IncomingDeletion;
    const list = [d('a', 'applied'), d('b', 'pending'), d('c', 'conflict'), d('e', 'kept'), d('f', 'not_held')];
    expect(waiting(list).map((x) => x.entry_id)).toEqual(['b', 'c']);
  });
});

const consent = (c: Partial<EffectiveConsent> = {}): EffectiveConsent => ({
  internal_use: true, share_with_hq: true, legal_proceedings: true, publication: 'anonymous', ...c,
});

describe('a consent withdrawal', () => {
  it('offers only the purposes still given', () => {
    expect(withdrawable(consent())).toEqual(['share_with_hq', 'legal_proceedings', 'publication']);
    expect(withdrawable(consent({ publication: 'none' }))).toEqual(['share_with_hq', 'legal_proceedings']);
    expect(withdrawable(consent({ share_with_hq: false, legal_proceedings: false, publication: 'none' }))).toEqual([]);
    expect(stillGiven(consent({ publication: 'named' }), 'publication')).toBe(true);
  });

  it('needs a purpose, how and who, each within the core limit', () => {
    expect(withdrawalProblems({ purpose: '', withdrawn_at: '', how: ' ', recorded_by: '' })).toEqual([
      'withdraw.problem_purpose', 'withdraw.problem_how', 'withdraw.problem_recorded_by',
    ]);
    expect(withdrawalProblems({ purpose: 'publication', withdrawn_at: '', how: 'phone call', recorded_by: 'Dara' })).toEqual([]);
    expect(withdrawalProblems({ purpose: 'publication', withdrawn_at: '', how: 'x'.repeat(501), recorded_by: 'Dara' })).toEqual(['withdraw.problem_long']);
  });

  it('sends an empty date as "now" and trims what was typed', () => {
    expect(toInput({ purpose: 'share_with_hq', withdrawn_at: ' ', how: ' phone ', recorded_by: ' Dara ' })).toEqual({
      purpose: 'share_with_hq', withdrawn_at: null, how: 'phone', recorded_by: 'Dara',
    });
    expect(toInput({ purpose: 'publication', withdrawn_at: '2024-03-15', how: 'a', recorded_by: 'b' }).withdrawn_at).toBe('2024-03-15');
  });

  it('says what the next export does', () => {
    expect(nextExport(consent(), false)).toBe('withdraw.next_export_goes');
    expect(nextExport(consent({ publication: 'none' }), true), 'a restricted testimony still goes, restricted').toBe('withdraw.next_export_restricted');
    expect(nextExport(consent({ share_with_hq: false }), true), 'sharing withdrawn: it stays here').toBe('withdraw.next_export_stays_sent');
    expect(nextExport(consent({ share_with_hq: false }), false)).toBe('withdraw.next_export_stays');
  });
});

describe('the duress passphrase form', () => {
  const form = (f: Partial<DuressForm> = {}): DuressForm => ({
    current: 'river lantern copper meadow', duress: 'orchard pebble violin harbor', confirm: 'orchard pebble violin harbor',
    eraseRealOnUse: false, starter: true, ...f,
  });

  it('accepts a strong duress passphrase typed twice with the current one', () => {
    expect(duressProblems(form())).toEqual([]);
  });

  it('refuses a missing current passphrase, a weak or mistyped duress one, or the passphrase itself', () => {
    expect(duressProblems(form({ current: '' }))).toEqual(['errors.empty_passphrase']);
    expect(duressProblems(form({ duress: 'short', confirm: 'short' }))).toEqual(['duress.problem_weak']);
    expect(duressProblems(form({ confirm: 'orchard pebble violin harbour' }))).toEqual(['duress.problem_mismatch']);
    const same = 'river lantern copper meadow';
    expect(duressProblems(form({ duress: same, confirm: same }))).toEqual(['errors.duress_passphrase_in_use']);
  });
});
