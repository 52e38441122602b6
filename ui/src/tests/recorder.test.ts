import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { setLang } from '../lib/i18n.svelte';

// The shell is a fake `invoke` that plays the recorder: idle, then recording, then stored.
const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import VoiceRecorder from '../components/VoiceRecorder.svelte';

const TID = '0190c8d2-0000-7000-8000-000000000001';
const idle = { recording: false, testimony_id: null, elapsed_ms: 0, level: 0, full: false, max_seconds: 3600, sample_rate: 0, device_error: null };
const live = { ...idle, recording: true, testimony_id: TID, elapsed_ms: 2500, level: 0.49, sample_rate: 16000 };

beforeEach(() => {
  invoke.mockReset();
  setLang('en');
});
afterEach(cleanup);

describe('VoiceRecorder', () => {
  it('records, shows the elapsed time and level, and stores at Stop in one call', async () => {
    let recording = false;
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'recording_status') return recording ? live : idle;
      if (cmd === 'recording_start') {
        recording = true;
        return live;
      }
      if (cmd === 'recording_stop') {
        recording = false;
        return { id: 'a', media: { duration_ms: 2500 } };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    const onrecorded = vi.fn();
    render(VoiceRecorder, { testimonyId: TID, onrecorded });
    await fireEvent.click(await screen.findByRole('button', { name: 'Record' }));
    expect(invoke).toHaveBeenCalledWith('recording_start', { testimonyId: TID });
    expect((await screen.findByText(/Recording 0:02\.5/)).id).toBe('recorder-elapsed');
    expect((screen.getByLabelText('Sound level') as HTMLMeterElement).value).toBeCloseTo(0.49);
    await fireEvent.click(screen.getByRole('button', { name: 'Stop and save' }));
    await waitFor(() => expect(onrecorded).toHaveBeenCalledOnce());
    expect(invoke.mock.calls.filter(([c]) => c === 'recording_stop')).toHaveLength(1);
    expect((await screen.findByRole('status')).textContent).toContain('0:02.5');
    expect(screen.getByRole('button', { name: 'Record' })).toBeTruthy();
  });

  it('says when there is no microphone, in Khmer too', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'recording_status') return idle;
      throw { kind: 'microphone_missing', message: 'no microphone was found' };
    });
    setLang('km');
    render(VoiceRecorder, { testimonyId: TID, onrecorded: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'ថត' }));
    const alert = await screen.findByRole('alert');
    expect(alert.dataset.errorKind).toBe('microphone_missing');
    expect(alert.textContent).toContain('រកមិនឃើញមីក្រូហ្វូនទេ');
  });
});
