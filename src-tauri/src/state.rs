//! What the desktop shell remembers between commands: where the vault lives, which key-derivation
//! profile new passphrases get, and the unlocked vault itself (`None` while locked). Dropping the
//! `Vault` drops its keys, so "locked" is simply "no `Vault` in the mutex".

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use saksi_core::vault::{KdfProfile, Vault};

use crate::error::{CmdError, CmdResult};

pub struct AppState {
    vault: Mutex<Option<Vault>>,
    /// `None` when neither `SAKSI_VAULT` nor a per-user data folder is available.
    pub dir: Option<PathBuf>,
    pub kdf: KdfProfile,
    /// The voice recording under way, if any; thrown away when the vault locks.
    pub recorder: crate::recorder::Recorder,
    /// The vault was wiped and no vault has been open since: a lock asked for now (by a page
    /// that found the shell locked while the wipe was replacing it) restarts the page with the
    /// wipe's notice, not "locked" (crate::fresh_page::after_lock).
    wiped: AtomicBool,
}

impl AppState {
    /// The vault folder comes from `--vault DIR` on the command line, else `SAKSI_VAULT`, else
    /// the per-user data folder (as for the `saksi` CLI). `SAKSI_KDF=minimum` selects the
    /// cheapest allowed Argon2id parameters, for tests.
    pub fn from_env() -> Self {
        let dir = vault_arg(std::env::args_os().skip(1))
            .or_else(|| {
                std::env::var_os("SAKSI_VAULT")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(saksi_core::default_vault_dir);
        let kdf = KdfProfile::from_env();
        Self {
            vault: Mutex::new(None),
            dir,
            kdf,
            recorder: Default::default(),
            wiped: AtomicBool::new(false),
        }
    }

    pub fn dir(&self) -> CmdResult<&std::path::Path> {
        self.dir.as_deref().ok_or_else(|| {
            CmdError::new(
                "no_vault_dir",
                "no folder for the vault: set SAKSI_VAULT to choose one",
            )
        })
    }

    /// The slot holding the unlocked vault. A panic while it was held cannot leave keys in a
    /// half-state worth protecting, so a poisoned lock is simply taken over.
    pub fn slot(&self) -> MutexGuard<'_, Option<Vault>> {
        self.vault
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Refuses with kind "locked" unless a vault is open: checked before a dialog is shown,
    /// so that nobody picks a file only to be told the vault is locked.
    pub fn unlocked(&self) -> CmdResult<()> {
        self.slot()
            .as_ref()
            .map(|_| ())
            .ok_or_else(CmdError::locked)
    }

    /// Runs `f` on the unlocked vault, or refuses with kind "locked".
    pub fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, saksi_core::Error>,
    ) -> CmdResult<T> {
        let mut slot = self.slot();
        let vault = slot.as_mut().ok_or_else(CmdError::locked)?;
        f(vault).map_err(CmdError::from)
    }

    /// Locks the vault if it is unlocked (checkpoint, then keys dropped). Idempotent.
    pub fn lock(&self) -> CmdResult<()> {
        self.lock_telling(crate::fresh_page::Notice::Locked)
            .map(|_| ())
    }

    /// As [`AppState::lock`], and what the restarted page is to say: `asked`, unless the vault
    /// was already locked because it was wiped ([`crate::fresh_page::after_lock`]).
    pub fn lock_telling(
        &self,
        asked: crate::fresh_page::Notice,
    ) -> CmdResult<crate::fresh_page::Notice> {
        // A recording under way belongs to the session that is ending: its sound is zeroized.
        self.recorder.discard();
        let taken = self.slot().take();
        let was_open = taken.is_some();
        if was_open {
            self.wiped.store(false, Ordering::SeqCst);
        }
        if let Some(vault) = taken {
            vault.lock().map_err(CmdError::from)?;
        }
        Ok(crate::fresh_page::after_lock(
            was_open,
            self.wiped.load(Ordering::SeqCst),
            asked,
        ))
    }

    /// The vault was wiped (its keys are gone): later locks say so until a vault is open again.
    pub fn mark_wiped(&self) {
        self.wiped.store(true, Ordering::SeqCst);
    }
}

/// `--vault DIR` or `--vault=DIR`; other arguments (a WebDriver may add its own) are ignored.
fn vault_arg(mut args: impl Iterator<Item = std::ffi::OsString>) -> Option<PathBuf> {
    while let Some(arg) = args.next() {
        if arg == "--vault" {
            return args.next().filter(|v| !v.is_empty()).map(PathBuf::from);
        }
        if let Some(v) = arg.to_str().and_then(|a| a.strip_prefix("--vault=")) {
            if !v.is_empty() {
                return Some(PathBuf::from(v));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::vault_arg;
    use std::path::PathBuf;

    fn args(list: &[&str]) -> impl Iterator<Item = std::ffi::OsString> {
        list.iter()
            .map(std::ffi::OsString::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn vault_folder_from_the_command_line() {
        assert_eq!(
            vault_arg(args(&["--vault", "/tmp/v"])),
            Some(PathBuf::from("/tmp/v"))
        );
        assert_eq!(
            vault_arg(args(&["--x", "--vault=/tmp/w"])),
            Some(PathBuf::from("/tmp/w"))
        );
        assert_eq!(
            vault_arg(args(&["--vault"])),
            None,
            "a missing value is no folder"
        );
        assert_eq!(
            vault_arg(args(&["--vault="])),
            None,
            "an empty value is no folder"
        );
        assert_eq!(vault_arg(args(&["--automation"])), None);
    }
}
