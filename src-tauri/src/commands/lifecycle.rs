//! The vault beyond one passphrase and one laptop (issue 16): the recovery key (made at creation
//! or later, replaced, removed, used to unlock and set a new passphrase) and encrypted backup and
//! restore. Thin adapters: every rule is the core's (`vault/slots.rs`, `vault/recovery.rs`,
//! `backup/`). Paths never come from the webview: the dialogs are shown here.

use secrecy::SecretString;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use zeroize::Zeroize;

use saksi_core::backup::{self, BackupReport, BackupSecret, RestoreReport};
use saksi_core::vault::{RecoveryKey, Vault};

use super::evidence::dialog_title;
use crate::dialogs::{self, Filter};
use crate::error::{CmdError, CmdResult};
use crate::jobs::{check_job_id, Jobs, ProgressMsg};
use crate::secret;
use crate::state::AppState;

const BACKUP_FILTER: Filter<'static> = Filter {
    name: "Saksi backup",
    extensions: &["age"],
};

/// A recovery key as typed: copied into a secret at once (the IPC buffer is wiped), then read
/// by the core, whose checksum catches a typo before any key derivation.
fn take_key(mut raw: String) -> CmdResult<RecoveryKey> {
    let text = SecretString::from(raw.as_str());
    raw.zeroize();
    Ok(RecoveryKey::parse(&text)?)
}

/// A new recovery key, to be shown once. Its text crosses to the window only in this answer.
#[derive(Serialize)]
pub struct NewRecoveryKey {
    pub key: String,
}

impl From<RecoveryKey> for NewRecoveryKey {
    fn from(k: RecoveryKey) -> Self {
        Self {
            key: k.display().to_string(),
        }
    }
}

/// Whether the open vault has a recovery key (its own custody log says; the key file cannot).
#[tauri::command(async)]
pub fn recovery_status(state: State<'_, AppState>) -> CmdResult<bool> {
    state.with_vault(|v| v.has_recovery_key())
}

/// Makes a recovery key (with `replace`, a new one that makes the old one useless). The current
/// passphrase is checked first, so an unattended unlocked laptop is not enough to add a way in.
#[tauri::command(async)]
pub fn recovery_add(
    state: State<'_, AppState>,
    current: String,
    replace: bool,
) -> CmdResult<NewRecoveryKey> {
    let current = secret::take(current)?;
    state
        .with_vault(|v| {
            v.check_passphrase(&current)?;
            v.add_recovery_key(replace)
        })
        .map(NewRecoveryKey::from)
}

/// Removes the recovery key (it no longer opens the vault); the current passphrase is checked
/// first.
#[tauri::command(async)]
pub fn recovery_remove(state: State<'_, AppState>, current: String) -> CmdResult<()> {
    let current = secret::take(current)?;
    state.with_vault(|v| {
        v.check_passphrase(&current)?;
        v.remove_recovery_key()
    })
}

/// Checks a typed recovery key's form and checksum only (no key derivation, nothing opened), so
/// that a typo is shown before anyone types a new passphrase for nothing.
#[tauri::command(async)]
pub fn recovery_key_check(recovery_key: String) -> CmdResult<()> {
    take_key(recovery_key).map(drop)
}

/// Forgotten passphrase: opens the vault with its recovery key and sets `new_passphrase` (the
/// old passphrase stops working; the recovery key keeps working). A wrong key changes nothing.
#[tauri::command(async)]
pub fn vault_unlock_recovery(
    state: State<'_, AppState>,
    recovery_key: String,
    new_passphrase: String,
) -> CmdResult<()> {
    let key = take_key(recovery_key)?;
    let new = secret::take_new(new_passphrase)?;
    let dir = state.dir()?;
    let mut slot = state.slot();
    if let Some(open) = slot.take() {
        open.lock()?;
    }
    *slot = Some(Vault::open_with_recovery_key(dir, &key, &new)?);
    Ok(())
}

/// What the window learns about a backup: the file's name (never its folder) and what it holds.
#[derive(Debug, Default, Serialize)]
pub struct BackupOut {
    /// False when the save dialog was cancelled.
    pub saved: bool,
    pub file_name: String,
    pub files: usize,
    pub bytes: u64,
    pub file_size: u64,
}

impl From<BackupReport> for BackupOut {
    fn from(r: BackupReport) -> Self {
        Self {
            saved: true,
            file_name: dialogs::file_name(&r.path),
            files: r.files,
            bytes: r.bytes,
            file_size: r.file_size,
        }
    }
}

/// Asks where to save, then writes an encrypted backup of the whole vault with progress (the
/// core reads it back and checks every hash before keeping it). `to_recovery_key` encrypts to the
/// vault's recovery key (`secret` is that key), else to the backup passphrase `secret`.
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn backup_run(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    to_recovery_key: bool,
    secret: String,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<BackupOut> {
    check_job_id(&job)?;
    // Checked before the dialog, so that nobody chooses a file only to be told the key has a typo.
    let secret = if to_recovery_key {
        BackupSecret::RecoveryKey(take_key(secret)?)
    } else {
        BackupSecret::Passphrase(secret::take_new(secret)?)
    };
    state.unlocked()?;
    let suggested = backup::suggested_file_name();
    let Some(out) = dialogs::save_file(&app, &dialog_title(&title), &suggested)? else {
        return Ok(BackupOut::default());
    };
    let report = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| v.backup_with(&out, &secret, state.kdf, r))
    })?;
    Ok(report.into())
}

/// What the window learns about a restore.
#[derive(Debug, Default, Serialize)]
pub struct RestoreOut {
    /// False when the open dialog was cancelled.
    pub restored: bool,
    pub file_name: String,
    pub files: usize,
    pub bytes: u64,
    /// When the backup was made (it opens with the passphrase the vault had then).
    pub created_at: String,
    /// With a new device identity: the new device's id and fingerprint (read to HQ by phone).
    pub new_device: Option<String>,
    pub new_fingerprint: Option<String>,
}

impl RestoreOut {
    fn restored(file: &std::path::Path, r: RestoreReport) -> Self {
        Self {
            restored: true,
            file_name: dialogs::file_name(file),
            files: r.files,
            bytes: r.bytes,
            created_at: r.created_at,
            new_fingerprint: r.new_device.as_ref().map(|n| n.new_fingerprint.clone()),
            new_device: r.new_device.map(|n| n.new_device),
        }
    }
}

/// First run on a new laptop: asks for a backup file and restores it as this computer's vault,
/// all or nothing (every hash checked before the folder is put in place). `secret` is the backup
/// passphrase or the recovery key. Refused (kind "vault_exists") when a vault is already here.
/// With `passphrase` (the vault's own, as it was when the backup was made), the restored vault
/// takes a new device identity before it is put in place (the old laptop may be in other hands).
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn restore_run(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    secret: String,
    passphrase: Option<String>,
    title: String,
    filter: Option<String>,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<RestoreOut> {
    check_job_id(&job)?;
    let text = secret::take(secret)?;
    let passphrase = passphrase.map(secret::take).transpose()?;
    let dir = state.dir()?;
    let refuse_existing = || -> CmdResult<()> {
        if state.slot().is_some() || Vault::exists(dir) {
            return Err(saksi_core::Error::VaultExists(dir.to_path_buf()).into());
        }
        Ok(())
    };
    refuse_existing()?;
    let chosen = dialogs::pick_one(
        &app,
        &dialog_title(&title),
        Some(BACKUP_FILTER.named(&filter)),
    )?;
    let Some(file) = chosen else {
        return Ok(RestoreOut::default());
    };
    let secret = BackupSecret::from_typed(&text);
    drop(text);
    let report = jobs.run(&job, on_progress, |r| {
        // Again after the dialog: a vault may have been made meanwhile (the core checks too).
        refuse_existing()?;
        let device = match &passphrase {
            Some(p) => backup::NewDevice::Take(p),
            None => backup::NewDevice::Keep,
        };
        backup::restore_as(&file, dir, &secret, device, r).map_err(CmdError::from)
    })?;
    Ok(RestoreOut::restored(&file, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_learns_a_backup_file_name_never_its_folder() {
        let out = BackupOut::from(BackupReport {
            path: "/media/usb/Kampong Speu cases/b.age".into(),
            files: 3,
            bytes: 10,
            file_size: 20,
            log_n: 10,
        });
        assert!(out.saved);
        assert_eq!(
            out.file_name, "b.age",
            "the folder of a backup must not reach the window"
        );
        assert_eq!((out.files, out.file_size), (3, 20));
    }

    #[test]
    fn a_typed_recovery_key_with_a_typo_is_refused_with_its_own_kind() {
        let err = take_key("7KQ2M-0ZPXA-H4R9T-E1WNC-8VBD3-QJ6YF-S5G0K-MX2TQ".into())
            .err()
            .map(|e| e.kind);
        assert_eq!(
            err,
            Some("recovery_key_malformed"),
            "a key whose checksum group does not match must be refused before any derivation"
        );
    }
}
