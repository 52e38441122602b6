//! The recovery key (add, remove, unlock with it and set a new passphrase), backup and restore.

use std::path::Path;

use saksi_core::backup::{self, BackupSecret, NewDevice};
use saksi_core::vault::{KdfProfile, RecoveryKey, Vault};

use super::Ctx;
use crate::cli::RecoveryCmd;
use crate::input;
use crate::output::{self, line};

pub fn run(ctx: &Ctx, c: &RecoveryCmd) -> anyhow::Result<()> {
    match c {
        RecoveryCmd::Add { replace, json } => {
            let key = ctx.with_vault(|v| match v.add_recovery_key(*replace) {
                Err(e @ saksi_core::Error::RecoveryKeyExists) => {
                    Err(anyhow::anyhow!("{e} (pass --replace)"))
                }
                r => Ok(r?),
            })?;
            if *json {
                output::json(&serde_json::json!({ "recovery_key": key.display().as_str() }))
            } else {
                show_key(&key)
            }
        }
        RecoveryCmd::Remove => {
            ctx.with_vault(|v| Ok(v.remove_recovery_key()?))?;
            line("recovery key removed: it no longer opens the vault")
        }
    }
}

/// Prints a new recovery key with what to do with it.
pub fn show_key(key: &RecoveryKey) -> anyhow::Result<()> {
    line("recovery key (shown only this once: write it on paper and keep it apart from this laptop):")?;
    line(format!("  {}", key.display().as_str()))?;
    line("it opens the vault if the passphrase is forgotten: `saksi unlock-recovery`")
}

pub fn unlock(
    ctx: &Ctx,
    recovery_key_file: Option<&Path>,
    new_passphrase_file: Option<&Path>,
) -> anyhow::Result<()> {
    let dir = ctx.vault_dir()?;
    if !Vault::exists(&dir) {
        return Err(saksi_core::Error::NoVault(dir).into());
    }
    let text = input::passphrase(
        recovery_key_file,
        "SAKSI_RECOVERY_KEY",
        "Recovery key: ",
        false,
    )?;
    // A typo is caught here, before anyone types a new passphrase for nothing.
    let key = RecoveryKey::parse(&text)?;
    drop(text);
    let new = input::passphrase(
        new_passphrase_file,
        "SAKSI_NEW_PASSPHRASE",
        "New passphrase: ",
        true,
    )?;
    let v = Vault::open_with_recovery_key(&dir, &key, &new)?;
    drop(new);
    v.lock()?;
    line("passphrase reset: the vault now opens with the new passphrase (the recovery key still works)")
}

pub fn backup(
    ctx: &Ctx,
    out: &Path,
    to_recovery_key: bool,
    secret_file: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    // Refused before anyone types a passphrase for nothing.
    if out.exists() {
        anyhow::bail!(
            "{} already exists: choose a new file name for the backup",
            out.display()
        );
    }
    let report = ctx.with_vault(|v| {
        let secret = if to_recovery_key {
            let text =
                input::passphrase(secret_file, "SAKSI_RECOVERY_KEY", "Recovery key: ", false)?;
            BackupSecret::RecoveryKey(RecoveryKey::parse(&text)?)
        } else {
            BackupSecret::Passphrase(input::passphrase(
                secret_file,
                "SAKSI_BACKUP_PASSPHRASE",
                "Backup passphrase: ",
                true,
            )?)
        };
        Ok(v.backup(out, &secret, KdfProfile::from_env())?)
    })?;
    output::show(json, &report, |r| {
        line(format!(
            "backup written: {} ({} files, {} bytes of vault; read back and every hash checked)",
            r.path.display(),
            r.files,
            r.bytes
        ))
    })
}

pub fn restore(
    ctx: &Ctx,
    file: &Path,
    to: &Path,
    secret_file: Option<&Path>,
    new_device: bool,
    json: bool,
) -> anyhow::Result<()> {
    ctx.refuse_if_read_only()?;
    // Refused before anyone types a passphrase for nothing.
    if Vault::exists(to) {
        return Err(saksi_core::Error::VaultExists(to.to_path_buf()).into());
    }
    let text = input::passphrase(
        secret_file,
        "SAKSI_BACKUP_PASSPHRASE",
        "Backup passphrase or recovery key: ",
        false,
    )?;
    let secret = BackupSecret::from_typed(&text);
    drop(text);
    let report = if new_device {
        let pass = input::passphrase(
            ctx.passphrase_file(),
            "SAKSI_PASSPHRASE",
            "The vault's passphrase (to give it a new device identity): ",
            false,
        )?;
        backup::restore_as(file, to, &secret, NewDevice::Take(&pass), &mut ())?
    } else {
        backup::restore(file, to, &secret)?
    };
    drop(secret);
    output::show(json, &report, |r| {
        line(format!(
            "restored vault {} ({} files, every hash checked)",
            r.vault.display(),
            r.files
        ))?;
        line(format!(
            "backup of device {} made {}: it opens with that vault's passphrase as it was then",
            r.device_id, r.created_at
        ))?;
        match &r.new_device {
            Some(n) => {
                line(format!(
                    "this vault is now device {} (it replaces device {}); fingerprint {}",
                    n.new_device, n.old_device, n.new_fingerprint
                ))?;
                line("send HQ this device's new card (`saksi device card`) and read the fingerprint to them by phone; once HQ trusts it, your next bundle tells HQ that the old device is replaced, and HQ refuses the old laptop's bundles from then on")
            }
            None => line("the device identity is the same as before: if the old laptop may be in other hands, restore again with --new-device instead"),
        }
    })
}
