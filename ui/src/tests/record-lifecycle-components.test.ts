// Deletion, consent withdrawal and duress settings, rendered with a fake shell.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args), Channel: class {} }));

import DeleteRecord from '../components/DeleteRecord.svelte';
import ConsentWithdrawal from '../components/ConsentWithdrawal.svelte';
import DuressSettings from '../screens/DuressSettings.svelte';

const ID = '0b6a3f0e-4c1d-4e6b-9a53-8f1e2d3c4b5a';
const PASS = 'river lantern copper meadow';
const DURESS = 'orchard pebble violin harbor';

beforeEach(() => {
  invoke.mockReset();
  setLang('en');
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(cleanup);

describe('Delete…', () => {
  it('says what goes and what stays, refuses without a reason, then deletes once', async () => {
    const ondeleted = vi.fn();
    invoke.mockResolvedValueOnce({ tombstones: [], blobs_erased: 0 });
    render(DeleteRecord, { recordType: 'incident', recordId: ID, ondeleted });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete this incident…' }));
    expect(screen.getByText(/its testimonies/)).toBeTruthy();
    expect(screen.getByText(/signed tombstone/), 'the confirmation says the tombstone stays').toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }));
    expect(invoke, 'no deletion without a reason').not.toHaveBeenCalled();
    expect(screen.getByRole('alert').textContent).toMatch(/needs a reason/);
    await fireEvent.input(screen.getByLabelText('Why is it deleted?'), { target: { value: 'entered twice' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }));
    await waitFor(() => expect(ondeleted).toHaveBeenCalledOnce());
    expect(invoke).toHaveBeenCalledWith('record_delete', { recordType: 'incident', id: ID, reason: 'entered twice' });
  });

  it('shows where a record still used is named, and deletes nothing', async () => {
    const ondeleted = vi.fn();
    invoke.mockRejectedValueOnce({ kind: 'deletion_in_use', message: 'person x cannot be deleted while it is used: 1 act(s) in incidents' });
    render(DeleteRecord, { recordType: 'person', recordId: ID, ondeleted });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete this person…' }));
    await fireEvent.input(screen.getByLabelText('Why is it deleted?'), { target: { value: 'mistake' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Delete for good' }));
    await screen.findByText(/1 act\(s\) in incidents/);
    expect(ondeleted).not.toHaveBeenCalled();
  });
});

describe('Withdraw consent…', () => {
  const given = { internal_use: true, share_with_hq: true, legal_proceedings: true, publication: 'anonymous' };
  it('records a withdrawal and shows the consent as it then stands', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'consent_state') {
        const withdrawn = invoke.mock.calls.some(([c]) => c === 'consent_withdraw');
        return withdrawn
          ? {
              effective: { ...given, publication: 'none' },
              withdrawals: [{ id: 'w', testimony_id: ID, purpose: 'publication', withdrawn_at: '2024-03-15T00:00:00Z', how: 'phone call', recorded_by: 'Dara', device_id: 'd', recorded_at: '', confirmed: [] }],
            }
          : { effective: given, withdrawals: [] };
      }
      if (cmd === 'consent_withdraw') return {};
      throw new Error(cmd);
    });
    const { container } = render(ConsentWithdrawal, { testimonyId: ID });
    await screen.findByText(/can go to HQ/);
    await fireEvent.click(screen.getByRole('button', { name: 'Withdraw consent…' }));
    await fireEvent.change(screen.getByLabelText('Consent withdrawn for'), { target: { value: 'publication' } });
    await fireEvent.input(screen.getByLabelText(/How the witness withdrew/), { target: { value: 'phone call' } });
    await fireEvent.input(screen.getByLabelText('Recorded by'), { target: { value: 'Dara' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Record the withdrawal' }));
    await screen.findByText(/recorded and signed/);
    expect(invoke).toHaveBeenCalledWith('consent_withdraw', {
      id: ID,
      input: { purpose: 'publication', withdrawn_at: null, how: 'phone call', recorded_by: 'Dara' },
    });
    expect(container.querySelector('#consent-effective [data-purpose="publication"]')?.getAttribute('data-given')).toBe('no');
    expect(container.querySelector('#withdrawal-list')?.textContent).toMatch(/phone call/);
    expect(screen.getByText(/restricts it for the withdrawn purposes/)).toBeTruthy();
  });
});

describe('Settings → duress passphrase', () => {
  it('sets one with the current passphrase, typed twice, and keeps nothing in the webview', async () => {
    let set = false;
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'duress_status') return set;
      if (cmd === 'duress_set') {
        set = true;
        return null;
      }
      throw new Error(cmd);
    });
    const { container } = render(DuressSettings);
    await waitFor(() => expect(container.querySelector('#duress-state')?.getAttribute('data-set')).toBe('no'));
    await fireEvent.click(screen.getByRole('button', { name: 'Set a duress passphrase' }));
    await fireEvent.input(screen.getByLabelText('Current passphrase'), { target: { value: PASS } });
    await fireEvent.input(screen.getByLabelText(/Duress passphrase \(/), { target: { value: DURESS } });
    await fireEvent.input(screen.getByLabelText('Type the duress passphrase again'), { target: { value: 'orchard pebble' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Set a duress passphrase' }));
    expect(screen.getByText(/not the same/)).toBeTruthy();
    expect(invoke.mock.calls.filter(([c]) => c === 'duress_set'), 'a mistyped confirmation sends nothing').toHaveLength(0);
    await fireEvent.input(screen.getByLabelText('Type the duress passphrase again'), { target: { value: DURESS } });
    await fireEvent.click(screen.getByRole('button', { name: 'Set a duress passphrase' }));
    await waitFor(() => expect(container.querySelector('#duress-state')?.getAttribute('data-set')).toBe('yes'));
    expect(invoke).toHaveBeenCalledWith('duress_set', { current: PASS, duress: DURESS, eraseRealOnUse: false, starter: true });
    expect(localStorage.length + sessionStorage.length, 'the window must store nothing about a duress passphrase').toBe(0);
    expect(container.querySelector('#duress-new'), 'the typed passphrases are gone from the screen').toBeNull();
  });
});

import Deletions from '../screens/Deletions.svelte';

describe('Send & receive → Deletions', () => {
  it('applies a received deletion waiting for a decision, and lists it as decided', async () => {
    const pending = {
      entry_id: 'e1', bundle_id: 'b', device_id: 'dev12345', record_type: 'incident', record_id: ID,
      version_sha256: 'h', deleted_at: '2024-03-15T10:00:00Z', reason: 'entered twice', outcome: 'pending',
      why: 'policy_ask', received_at: '', decided_at: null,
    };
    let outcome = 'pending';
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'deletion_list') return { deleted_here: [], received: [{ ...pending, outcome }], policy: 'ask' };
      if (cmd === 'deletion_apply') {
        outcome = 'applied';
        return { ...pending, outcome };
      }
      throw new Error(cmd);
    });
    const { container } = render(Deletions);
    await screen.findByText(/the policy says ask/);
    expect((container.querySelector('#deletion-policy-ask') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Delete here too' }));
    await screen.findByText(/Deleted here too\./);
    expect(invoke).toHaveBeenCalledWith('deletion_apply', { entry: 'e1' });
    expect(container.querySelector('#deletions-waiting-empty'), 'nothing waits once decided').toBeTruthy();
    expect(container.querySelector('#deletions-decided [data-outcome="applied"]')).toBeTruthy();
  });

  it('keeps one: nothing is deleted', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'deletion_list')
        return {
          deleted_here: [],
          received: [{ entry_id: 'e2', bundle_id: 'b', device_id: 'd', record_type: 'testimony', record_id: ID, version_sha256: '', deleted_at: '', reason: 'r', outcome: 'conflict', why: 'changed_here', received_at: '', decided_at: null }],
          policy: 'apply',
        };
      if (cmd === 'deletion_keep') return {};
      throw new Error(cmd);
    });
    render(Deletions);
    await screen.findByText(/it was changed here since/);
    await fireEvent.click(screen.getByRole('button', { name: 'Keep the record' }));
    await screen.findByText(/nothing was deleted/);
    expect(invoke).toHaveBeenCalledWith('deletion_keep', { entry: 'e2' });
    expect(invoke.mock.calls.some(([c]) => c === 'deletion_apply')).toBe(false);
  });
});
