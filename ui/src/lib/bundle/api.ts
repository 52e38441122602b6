// Bundle and key commands of the shell (src-tauri/src/commands/bundle.rs).
import { call } from '../api';
import { startJob, type Job, type Progress } from '../jobs';
import { t } from '../i18n.svelte';
import type {
  Conflict,
  ConflictDetail,
  DeviceCard,
  ExportRequest,
  ExportResult,
  ImportResult,
  Preview,
  Recipient,
  TrustedDevice,
} from './types';

export const bundleApi = {
  preview: (request: ExportRequest) => call<Preview>('export_preview', { request }),
  exportTo: (request: ExportRequest, title: string, onProgress: (p: Progress) => void): Job<ExportResult> =>
    startJob<ExportResult>('export_run', { request, title }, onProgress, 'export'),
  importFrom: (title: string, onProgress: (p: Progress) => void): Job<ImportResult> =>
    startJob<ImportResult>('import_run', { title, filter: t('dialogs.filter_bundle') }, onProgress, 'import'),
  conflicts: () => call<Conflict[]>('conflict_list'),
  resolveConflict: (id: string, resolution: 'keep_local' | 'take_incoming') =>
    call<void>('conflict_resolve', { id, resolution }),
  conflictDetail: (id: string) => call<ConflictDetail>('conflict_detail', { id }),
  /** Keeps this vault's version except the fields named, taken from the incoming one. */
  resolveFields: (id: string, take: string[]) => call<void>('conflict_resolve_fields', { id, take }),
  recipients: () => call<Recipient[]>('recipient_list'),
  addRecipient: (name: string, recipient: string) => call<Recipient>('recipient_add', { name, recipient }),
  addRecipientFromCard: (name: string, title: string) =>
    call<Recipient | null>('recipient_add_card_pick', { name, title, filter: t('dialogs.filter_card') }),
  hqKey: () => call<string | null>('hq_key_get'),
  hqKeygen: () => call<string>('hq_keygen'),
  deviceCard: () => call<DeviceCard>('device_card_get'),
  saveDeviceCard: (title: string) => call<boolean>('device_card_save', { title }),
  trusted: () => call<TrustedDevice[]>('trust_list'),
  trustFromFile: (title: string) => call<TrustedDevice | null>('trust_add_pick', { title, filter: t('dialogs.filter_card') }),
  revoke: (id: string) => call<TrustedDevice>('trust_revoke', { id }),
  renameTrusted: (id: string, name: string) => call<TrustedDevice>('trust_rename', { id, name }),
  renameDevice: (name: string) => call<void>('device_rename', { name }),
};
