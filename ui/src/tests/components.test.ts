import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';

// The real shell is replaced by a fake `invoke`; the component under test is the real one.
const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import Unlock from '../screens/Unlock.svelte';
import StrengthMeter from '../components/StrengthMeter.svelte';
import ErrorMessage from '../components/ErrorMessage.svelte';

beforeEach(() => {
  invoke.mockReset();
  setLang('en');
});
afterEach(cleanup);

describe('Unlock screen', () => {
  it('shows the translated wrong-passphrase message chosen by error kind', async () => {
    invoke.mockRejectedValueOnce({ kind: 'wrong_passphrase', message: 'wrong passphrase (the vault was not changed)' });
    const onunlocked = vi.fn();
    render(Unlock, { onunlocked });
    await fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: 'not it at all' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Wrong passphrase');
    expect(invoke).toHaveBeenCalledWith('vault_unlock', { passphrase: 'not it at all', readOnly: false });
    expect(onunlocked).not.toHaveBeenCalled();
    expect((screen.getByLabelText('Passphrase') as HTMLInputElement).value, 'the field is cleared').toBe('');
  });

  it('unlocks and reports success', async () => {
    invoke.mockResolvedValueOnce(null);
    const onunlocked = vi.fn();
    render(Unlock, { onunlocked });
    await fireEvent.input(screen.getByLabelText('Passphrase'), { target: { value: 'right one here' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledOnce());
  });

  it('is translated into Khmer', () => {
    setLang('km');
    render(Unlock, { onunlocked: () => {} });
    expect(screen.getByRole('heading').textContent).toBe('ដោះសោឃ្លាំងសម្ងាត់របស់អ្នក');
    expect(screen.getByLabelText('ឃ្លាសម្ងាត់')).toBeTruthy();
  });
});

describe('StrengthMeter', () => {
  it('labels a weak and a strong passphrase', async () => {
    const { rerender } = render(StrengthMeter, { passphrase: 'abc', minChars: 10, id: 's' });
    expect(screen.getByTestId('strength').textContent).toBe('Very weak');
    await rerender({ passphrase: 'river lantern copper meadow', minChars: 10, id: 's' });
    expect(screen.getByTestId('strength').textContent).toBe('Strong');
  });
});

describe('ErrorMessage', () => {
  it('renders hostile text as text, never as HTML', () => {
    const payload = '<img src=x onerror="document.title=\'pwned\'"><script>alert(1)</script>';
    const { container } = render(ErrorMessage, { error: { kind: 'invalid_input', message: payload } });
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.textContent).toContain(payload);
  });

  it('falls back to a generic message for unknown kinds', () => {
    render(ErrorMessage, { error: { kind: 'never_heard_of_it', message: '' } });
    expect(screen.getByRole('alert').textContent).toContain('Something went wrong.');
  });
});
