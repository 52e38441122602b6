import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';

// The real shell is replaced by a fake `invoke`; the components under test are the real ones.
const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args), Channel: class {} }));

import CreateVault from '../screens/CreateVault.svelte';
import RecoveryUnlock from '../screens/RecoveryUnlock.svelte';

const PASS = 'river lantern copper meadow';
const KEY = 'AB0DE-12345-FGHJK-MNPQR-STVWX-YZ012-34567-8910Z';

beforeEach(() => {
  invoke.mockReset();
  setLang('en');
});
afterEach(cleanup);

async function passphraseStep() {
  await fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: PASS } });
  await fireEvent.input(screen.getByLabelText('Repeat the passphrase'), { target: { value: PASS } });
  await fireEvent.click(screen.getByRole('button', { name: 'Create the vault' }));
}

describe('create vault: the recovery key offer', () => {
  it('offers the key after the passphrase, says what skipping means, and skipping creates without one', async () => {
    invoke.mockResolvedValueOnce(null);
    const oncreated = vi.fn();
    render(CreateVault, { minChars: 8, oncreated, onrestored: () => {} });
    await passphraseStep();
    expect(invoke, 'nothing is created before the choice').not.toHaveBeenCalled();
    expect(screen.getByText(/lost for good/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Skip: no recovery key' }));
    await waitFor(() => expect(oncreated).toHaveBeenCalledOnce());
    expect(invoke).toHaveBeenCalledWith('vault_create', { passphrase: PASS, recoveryKey: false });
  });

  it('shows a made key once and finishes only when its last group is typed back', async () => {
    invoke.mockResolvedValueOnce({ key: KEY });
    const oncreated = vi.fn();
    const { container } = render(CreateVault, { minChars: 8, oncreated, onrestored: () => {} });
    await passphraseStep();
    await fireEvent.click(screen.getByRole('button', { name: 'Make a recovery key' }));
    await screen.findByText('8910Z');
    expect(invoke).toHaveBeenCalledWith('vault_create', { passphrase: PASS, recoveryKey: true });
    expect(container.querySelectorAll('#recovery-key-text .g')).toHaveLength(8);
    await fireEvent.click(screen.getByRole('button', { name: 'I have written it down' }));
    expect(screen.queryByText('8910Z'), 'the key is hidden while its last group is typed').toBeNull();
    const field = screen.getByLabelText(/Type group 8/);
    await fireEvent.input(field, { target: { value: 'AB0DE' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(screen.getByRole('alert').textContent).toContain('not the last group');
    expect(oncreated).not.toHaveBeenCalled();
    await fireEvent.input(field, { target: { value: '8910z' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    expect(oncreated).toHaveBeenCalledOnce();
  });
});

describe('unlock with the recovery key', () => {
  it('shows a typo with its own translated kind and asks for no new passphrase', async () => {
    invoke.mockRejectedValueOnce({ kind: 'recovery_key_malformed', message: 'the recovery key has a typo' });
    render(RecoveryUnlock, { onunlocked: () => {}, onback: () => {} });
    await fireEvent.input(screen.getByLabelText('Recovery key'), { target: { value: 'AB0DE-12345' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-error-kind')).toBe('recovery_key_malformed');
    expect(alert.textContent).toContain('typo');
    expect(screen.queryByLabelText('New passphrase')).toBeNull();
  });

  it('checks the key, then sets the new passphrase and unlocks', async () => {
    invoke.mockResolvedValueOnce(null).mockResolvedValueOnce(null);
    const onunlocked = vi.fn();
    render(RecoveryUnlock, { onunlocked, onback: () => {} });
    await fireEvent.input(screen.getByLabelText('Recovery key'), { target: { value: KEY } });
    await fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(invoke).toHaveBeenCalledWith('recovery_key_check', { recoveryKey: KEY });
    await fireEvent.input(await screen.findByLabelText('New passphrase'), { target: { value: PASS } });
    await fireEvent.input(screen.getByLabelText('Repeat the passphrase'), { target: { value: PASS } });
    await fireEvent.click(screen.getByRole('button', { name: 'Set the new passphrase and unlock' }));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledOnce());
    expect(invoke).toHaveBeenLastCalledWith('vault_unlock_recovery', { recoveryKey: KEY, newPassphrase: PASS });
  });
});
