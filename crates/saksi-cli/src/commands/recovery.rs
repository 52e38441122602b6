//! The recovery key (add, remove, unlock with it and set a new passphrase), backup and restore.

use std::path::Path;

use saksi_core::vault::{RecoveryKey, Vault};

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
