//! The work of each command: parse what the user gave, call one core function inside
//! [`Ctx::with_vault`], print the result through [`crate::output`].
//!
//! The order of checks is the same for every command: the vault folder must exist (else "no
//! vault"), then input from a file or standard input is read and parsed (a JSON error wins over
//! any passphrase or lock error, and nobody typing JSON holds the vault's lock), then the vault is
//! unlocked, the core call runs, and the vault is locked again before anything is printed
//! (except where output must follow progress, as in `attach`).

pub mod bundle;
pub mod evidence;
pub mod history;
pub mod jsonl;
pub mod records;
pub mod vault;
// Recovery key, backup and restore (issue 16).
pub mod recovery;
// Reports (issue 10c).
pub mod report;
// Case files (issue 11).
pub mod case;
// Annotations and review mode (issue 11).
pub mod annotation;
// Redacted copies (issue 11).
pub mod redact;
// Duress passphrase and decoy (issue 16).
pub mod duress;
// Deletions (issue 13).
pub mod deletion;

use std::path::{Path, PathBuf};

use saksi_core::vault::{OpenMode, Vault};
use serde::de::DeserializeOwned;

use crate::cli::Cli;
use crate::input;

/// What every command needs from the global options.
pub struct Ctx {
    vault: Option<PathBuf>,
    passphrase_file: Option<PathBuf>,
    mode: OpenMode,
}

impl Ctx {
    pub fn new(cli: &Cli) -> Ctx {
        Ctx {
            vault: cli.vault.clone(),
            passphrase_file: cli.passphrase_file.clone(),
            mode: if cli.read_only {
                OpenMode::ReadOnly
            } else {
                OpenMode::ReadWrite
            },
        }
    }

    /// The vault folder: `--vault`, `SAKSI_VAULT` or the per-user data folder.
    pub fn vault_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.vault {
            Some(d) => Ok(d.clone()),
            None => saksi_core::default_vault_dir().ok_or_else(|| {
                anyhow::anyhow!("no home folder: pass --vault DIR or set SAKSI_VAULT")
            }),
        }
    }

    /// The vault folder, which must hold a vault.
    fn existing_vault_dir(&self) -> anyhow::Result<PathBuf> {
        let dir = self.vault_dir()?;
        if !Vault::exists(&dir) {
            return Err(saksi_core::Error::NoVault(dir).into());
        }
        Ok(dir)
    }

    pub fn passphrase_file(&self) -> Option<&Path> {
        self.passphrase_file.as_deref()
    }

    /// Refuses a command that changes the vault folder without opening the vault (`init`,
    /// `wipe`) when `--read-only` was given.
    pub fn refuse_if_read_only(&self) -> anyhow::Result<()> {
        if self.mode == OpenMode::ReadOnly {
            return Err(saksi_core::Error::ReadOnly.into());
        }
        Ok(())
    }

    /// Reads and parses a JSON record from `file` (standard input for `-` or none), before any
    /// unlocking; a missing vault is still reported first.
    pub fn input<T: DeserializeOwned>(&self, file: Option<&Path>) -> anyhow::Result<T> {
        self.existing_vault_dir()?;
        input::json(file)
    }

    /// Unlocks the vault (passphrase from the file, the environment or a prompt), runs `f`, and
    /// locks it again whatever `f` returned: the one place where the vault is opened.
    pub fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let dir = self.existing_vault_dir()?;
        let pass = input::passphrase(
            self.passphrase_file(),
            "SAKSI_PASSPHRASE",
            "Passphrase: ",
            false,
        )?;
        let mut v = Vault::open_in(&dir, &pass, self.mode)?;
        drop(pass);
        let r = f(&mut v);
        let locked = v.lock();
        let t = r?;
        locked?;
        Ok(t)
    }
}
