// How the open vault may be changed, for every screen: read-only (nothing can be written) and
// review mode (records and evidence cannot be changed; annotations can). Set from the shell's
// `vault_status` on unlock and by the Settings switch; the core enforces both whatever the UI
// shows, so hiding a control is a courtesy, never the guard.
import type { VaultStatus } from './types';

const mode = $state({ readOnly: false, reviewMode: false });

export const vaultMode = {
  get readOnly(): boolean {
    return mode.readOnly;
  },
  get reviewMode(): boolean {
    return mode.reviewMode;
  },
  /** Records and evidence may be added or changed (not in review mode). */
  get recordsEditable(): boolean {
    return !mode.reviewMode;
  },
  /** Annotations may be written (not read-only). */
  get annotatable(): boolean {
    return !mode.readOnly;
  },
};

export function setVaultMode(s: Pick<VaultStatus, 'read_only' | 'review_mode'>): void {
  mode.readOnly = s.read_only;
  mode.reviewMode = s.review_mode;
}

export function setReviewMode(on: boolean): void {
  mode.reviewMode = on;
}
