// One-screen capture (issue 12): a new incident with its testimonies and photos, saved by one
// core operation (`capture_save`). Photos wait in the draft inside the vault (`capture_*`
// commands, src-tauri/src/commands/capture.rs). No Svelte here: tested directly.
import { invoke } from '@tauri-apps/api/core';
import { call, toApiError } from '../api';
import { startJob, type Job, type Progress } from '../jobs';
import { personName, toNewIncident, type IncidentForm, type Problem, type TestimonyRow } from './incident-form';
import { emptyTestimony, testimonyProblems, toTestimonyInput, type TestimonyForm } from './testimony-form';
import type { IncidentFullInput, TestimonyInput } from './types';

/** A file waiting in the draft (saksi_core::capture::Pending). */
export interface PendingFile {
  id: string;
  original_name: string;
  media_type: string;
  size: number;
  sha256: string;
  has_thumbnail: boolean;
  thumbnail_note: string | null;
  created_at: string;
  warning?: string | null;
}

export interface TakeResult {
  chosen: boolean;
  taken: PendingFile[];
  failed: { name: string; kind: string; message: string }[];
  cancelled: boolean;
}

export interface CaptureInput {
  incident: IncidentFullInput;
  testimonies: TestimonyInput[];
}

export interface Saved {
  incident_id: string;
  testimony_ids: string[];
  attachment_ids: string[];
}

/** Adds an empty testimony (consent first, nothing ticked) to a new incident's form. */
export function newTestimonyRow(form: IncidentForm): TestimonyRow {
  const row = { key: `t${form.seq}`, form: emptyTestimony() };
  form.seq += 1;
  form.testimonies = [...(form.testimonies ?? []), row];
  return row;
}

/** The people of the form's acts who may be a testimony's witness ([id or reference, name]): a
 * stored person by id, a person created with the incident by the local reference the save gives
 * it (as in toNewIncident); the core resolves the reference in the same transaction. */
export function witnessChoices(form: IncidentForm): [string, string][] {
  const out = new Map<string, string>();
  form.acts.forEach((a, n) => {
    if (a.removed) return;
    const name = personName(a.person) || `#${n + 1}`;
    if (a.person.mode === 'existing' && a.person.id) out.set(a.person.id, name);
    else if (a.person.mode === 'new') out.set(`p_${a.key}`, name);
  });
  return [...out.entries()];
}

/** The form's testimonies as `capture_save` takes them. A witness who is no longer among the
 * people of the acts (the act was removed) is left unnamed rather than sent. */
export function formTestimonies(form: IncidentForm): TestimonyForm[] {
  const ok = new Set(witnessChoices(form).map(([id]) => id));
  return (form.testimonies ?? []).map((r) => (r.form.witness_id && !ok.has(r.form.witness_id) ? { ...r.form, witness_id: '' } : r.form));
}

/** What `capture_save` gets: the incident as `incident_add` would, and each testimony without
 * an incident id (the core gives it the new incident's). */
export function toCaptureInput(form: IncidentForm, testimonies: TestimonyForm[]): CaptureInput {
  return {
    incident: toNewIncident(form),
    testimonies: testimonies.map((t) => toTestimonyInput('', t)),
  };
}

/** The testimonies' problems, each with its row (1-based) so the screen can say which one. */
export function testimoniesProblems(testimonies: TestimonyForm[]): Problem[] {
  return testimonies.flatMap((t, n) =>
    testimonyProblems(t).map((key) => ({ field: `testimony-${n + 1}`, key, params: { row: n + 1 } })),
  );
}

/** The files in a paste (or an in-page drop): only files, never text. */
export function filesOf(data: DataTransfer | null | undefined): File[] {
  if (!data) return [];
  const out: File[] = [];
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === 'file') {
      const f = item.getAsFile();
      if (f) out.push(f);
    }
  }
  if (out.length === 0 && data.files) out.push(...Array.from(data.files));
  return out;
}

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
  'image/tiff': 'tif',
};

/** A name for a pasted file: its own when it has one, else "pasted-<n>.<ext>" by its type. */
export function pastedName(file: { name?: string; type?: string }, n: number): string {
  const own = (file.name ?? '').trim();
  if (own && own !== 'image.png') return own;
  return `pasted-${n}.${EXT[file.type ?? ''] ?? (own ? 'png' : 'bin')}`;
}

export const capture = {
  pending: (draft: string) => call<PendingFile[]>('capture_pending', { draft }),
  pick: (draft: string, title: string, onProgress: (p: Progress) => void): Job<TakeResult> =>
    startJob<TakeResult>('capture_pick', { draft, title }, onProgress, 'capture'),
  dropped: (draft: string, dropId: number, onProgress: (p: Progress) => void): Job<TakeResult> =>
    startJob<TakeResult>('capture_take_dropped', { draft, dropId }, onProgress, 'capture'),
  /** The pasted bytes go to the shell as the raw body of the call, never through a file. */
  paste: async (draft: string, name: string, bytes: Uint8Array): Promise<PendingFile> => {
    try {
      return await invoke<PendingFile>('capture_paste', bytes, {
        headers: { 'saksi-draft': draft, 'saksi-name': encodeURIComponent(name) },
      });
    } catch (e) {
      throw toApiError(e);
    }
  },
  remove: (draft: string, id: string) => call<void>('capture_remove', { draft, id }),
  save: (draft: string, input: CaptureInput) => call<Saved>('capture_save', { draft, input }),
};
