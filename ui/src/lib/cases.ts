// Case files (src-tauri/src/commands/cases.rs): cases, exhibits, the exhibit list, the court
// folder and the case bundle for another lawyer.
import { call } from './api';
import { startJob, type Job, type Progress } from './jobs';
import type { ExportResult } from './bundle/types';

export interface CaseFile {
  id: string;
  title: string;
  created_at: string;
  device_id: string;
}

export interface Exhibit {
  number: number;
  label: string;
  attachment_id: string;
  description: string;
}

export interface CustodyStep {
  at: string;
  action: string;
  device_id: string;
  device_name: string | null;
  entry_hash: string;
  verified: boolean;
}

export interface ExhibitRow extends Exhibit {
  original_name: string;
  file: string;
  media_type: string;
  sha256: string;
  size: number;
  captured_at: string | null;
  intake_at: string;
  source_device_id: string;
  source_device_name: string | null;
  source_fingerprint: string | null;
  custody: CustodyStep[];
  custody_verified: boolean;
}

export interface CaseShow extends CaseFile {
  exhibits: ExhibitRow[];
}

export interface FolderResult {
  chosen: boolean;
  folder_name: string;
  exhibits: number;
  files: number;
  sha256sums_sha256: string;
  minisign_public_key: string;
}

export const casesApi = {
  list: () => call<CaseFile[]>('case_list'),
  create: (title: string) => call<CaseFile>('case_create', { title }),
  /** Numbers the chosen items and incidents, in this order, in one transaction. */
  add: (caseId: string, ids: string[], description: string | null) =>
    call<Exhibit[]>('case_add', { case: caseId, ids, description }),
  show: (caseId: string) => call<CaseShow>('case_show', { case: caseId }),
  /** Writes the court folder into a folder chosen in a dialog, with progress and cancel. */
  folder: (caseId: string, title: string, onProgress: (p: Progress) => void): Job<FolderResult> =>
    startJob<FolderResult>('case_folder', { case: caseId, title }, onProgress, 'folder'),
  exportTo: (caseId: string, to: string[], title: string, onProgress: (p: Progress) => void): Job<ExportResult> =>
    startJob<ExportResult>('case_export', { case: caseId, to, title }, onProgress, 'case'),
};

/** The ids to add, in the order shown: each chosen incident, then each chosen item not already in a chosen incident. */
export function choicesInOrder(
  incidents: { id: string }[],
  chosenIncidents: string[],
  itemsByIncident: Record<string, { id: string }[]>,
  chosenItems: string[],
): string[] {
  const out: string[] = [];
  for (const inc of incidents) {
    if (chosenIncidents.includes(inc.id)) {
      out.push(inc.id);
      continue;
    }
    for (const item of itemsByIncident[inc.id] ?? []) if (chosenItems.includes(item.id)) out.push(item.id);
  }
  return out;
}
