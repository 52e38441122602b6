// Recording a voice testimony (src-tauri/src/commands/recording.rs): the shell captures the
// microphone and keeps the sound in memory; Stop stores it as an encrypted attachment.
import { call } from '../api';
import type { Intake } from './types';

export interface RecordingStatus {
  recording: boolean;
  testimony_id: string | null;
  elapsed_ms: number;
  /** Loudness of the latest sound, 0 to 1. */
  level: number;
  /** The time limit was reached: nothing more is captured. */
  full: boolean;
  max_seconds: number;
  sample_rate: number;
  device_error: string | null;
}

export const recordingApi = {
  start: (testimonyId: string) => call<RecordingStatus>('recording_start', { testimonyId }),
  status: () => call<RecordingStatus>('recording_status'),
  stop: () => call<Intake>('recording_stop'),
  cancel: () => call<void>('recording_cancel'),
};
