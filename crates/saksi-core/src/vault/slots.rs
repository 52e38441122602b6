//! Changing the key file's slots: the format-1 upgrade at unlock, the recovery key (add, remove,
//! unlock with it and set a new passphrase). Every change rewrites only `vault.key`, together
//! with its custody entry ([`Vault::replace_key_file`]); one slot's change never touches another.

use std::fs;
use std::path::Path;

use rusqlite::OptionalExtension;
use secrecy::{ExposeSecret, SecretString};

use super::keyfile::{self, Kek, KeyFile, LegacyKeyFile, Parsed, SlotRole};
use super::recovery::RecoveryKey;
use super::{check_strength, sync_dir, write_atomic, OpenMode, Vault, KEY_FILE, PREV_KEY_FILE};
use crate::custody::Action;
use crate::error::{Error, Result};

impl Vault {
    /// Puts `kf` in place as the key file, with its custody entry `action`: the entry is written
    /// in a transaction, the old key file kept under a second name (a hard link: no new disk
    /// space), the new one renamed into place, the entry committed. If the commit fails (a full
    /// disk), the old key file goes back, so an error always means the old key file is in place.
    /// A crash in between leaves `vault.key.prev`, settled at the next unlock.
    pub(super) fn replace_key_file(&mut self, kf: &KeyFile, action: Action) -> Result<()> {
        self.writable()?;
        let path = self.dir.join(KEY_FILE);
        let tx = self.conn.unchecked_transaction()?;
        crate::custody::append_on(&tx, &self.device, action, None, None, None)?;
        let prev = self.dir.join(PREV_KEY_FILE);
        let _ = fs::remove_file(&prev);
        fs::hard_link(&path, &prev)?;
        if let Err(e) = write_atomic(&path, &kf.to_bytes()).and_then(|()| sync_dir(&self.dir)) {
            let _ = fs::remove_file(&prev);
            return Err(e);
        }
        if let Err(e) = tx.commit() {
            fs::rename(&prev, &path)?;
            sync_dir(&self.dir)?;
            return Err(e.into());
        }
        fs::remove_file(&prev)?;
        sync_dir(&self.dir)?;
        self.params = kf.params();
        Ok(())
    }

    /// The key file as it is on disk, in format 2.
    pub(super) fn current_key_file(&self) -> Result<KeyFile> {
        KeyFile::from_bytes(&keyfile::read_bytes(&self.dir.join(KEY_FILE))?)
    }

    /// Right after an unlock: a format-1 key file is upgraded to format 2 (same passphrase, salt
    /// and parameters; custody entry `key_file_upgraded`); an upgrade a crash interrupted after
    /// the new file was in place gets the entry it missed. A failed upgrade leaves the format-1
    /// file, which still opens, and is tried again at the next unlock.
    pub(super) fn settle_format(
        &mut self,
        legacy: Option<(&LegacyKeyFile, Kek)>,
        interrupted: bool,
    ) {
        let r = match legacy {
            Some((old, kek)) => old
                .upgraded(&self.master, &kek)
                .and_then(|kf| self.replace_key_file(&kf, Action::KeyFileUpgraded)),
            None if interrupted => self.log_missed_upgrade(),
            None => Ok(()),
        };
        // Not fatal: the vault is open either way and nothing was lost.
        let _ = r;
    }

    fn log_missed_upgrade(&mut self) -> Result<()> {
        if self.last_own_action(&[Action::KeyFileUpgraded])?.is_none() {
            crate::custody::append(self, Action::KeyFileUpgraded, None, None, None)?;
        }
        Ok(())
    }

    /// The latest of `actions` this device logged, if any.
    pub(super) fn last_own_action(&self, actions: &[Action]) -> Result<Option<String>> {
        let names: Vec<&str> = actions.iter().map(Action::as_str).collect();
        let list = serde_json::to_string(&names).map_err(|_| Error::Internal("action list"))?;
        Ok(self
            .conn
            .query_row(
                "SELECT action FROM custody_log
                 WHERE device_id = ?1 AND action IN (SELECT value FROM json_each(?2))
                 ORDER BY seq DESC LIMIT 1",
                rusqlite::params![self.device.id(), list],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether this vault has a recovery key, as its own custody log says (the key file cannot
    /// tell: that is the point of its slots).
    pub fn has_recovery_key(&self) -> Result<bool> {
        Ok(self
            .last_own_action(&[Action::RecoveryKeyAdded, Action::RecoveryKeyRemoved])?
            .as_deref()
            == Some(Action::RecoveryKeyAdded.as_str()))
    }

    /// Makes a new recovery key and wraps the master key under it in the recovery slot. Refuses
    /// if the vault already has one, unless `replace`. The key is returned to be shown once; it
    /// is stored nowhere else.
    pub fn add_recovery_key(&mut self, replace: bool) -> Result<RecoveryKey> {
        self.writable()?;
        self.own_slots()?;
        if !replace && self.has_recovery_key()? {
            return Err(Error::RecoveryKeyExists);
        }
        let mut kf = self.current_key_file()?;
        let key = RecoveryKey::generate();
        let kek = kf.derive(key.secret())?;
        kf.set_slot(SlotRole::Recovery, &kek, &self.master)?;
        self.replace_key_file(&kf, Action::RecoveryKeyAdded)?;
        Ok(key)
    }

    /// Creates a vault at `dir` and gives it a recovery key at once: the first-run choice "make
    /// a recovery key" as one operation. The key is returned to be shown once. If the key cannot
    /// be added, the new vault is locked and the error returned: it opens with its passphrase,
    /// and a recovery key can be added later.
    pub fn create_with_recovery_key(
        dir: &Path,
        passphrase: &SecretString,
        kdf: super::KdfProfile,
    ) -> Result<(Vault, RecoveryKey)> {
        let mut v = Vault::create(dir, passphrase, kdf)?;
        match v.add_recovery_key(false) {
            Ok(key) => Ok((v, key)),
            Err(e) => {
                let _ = v.lock();
                Err(e)
            }
        }
    }

    /// Overwrites the recovery slot with random bytes: the recovery key no longer opens the
    /// vault. Done whether or not a key was set (the slot looks the same either way).
    pub fn remove_recovery_key(&mut self) -> Result<()> {
        self.writable()?;
        self.own_slots()?;
        let mut kf = self.current_key_file()?;
        kf.clear_slot(SlotRole::Recovery);
        self.replace_key_file(&kf, Action::RecoveryKeyRemoved)
    }

    /// Refuses a recovery key that does not open this vault's recovery slot (one key
    /// derivation); changes nothing.
    pub(crate) fn check_recovery_key(&self, key: &RecoveryKey) -> Result<()> {
        let other = self
            .current_key_file()?
            .open_as(key.secret(), SlotRole::Recovery)
            .map_err(|e| match e {
                Error::WrongPassphrase => Error::WrongRecoveryKey,
                e => e,
            })?;
        if other.expose() != self.master.expose() {
            return Err(Error::WrongRecoveryKey);
        }
        Ok(())
    }

    /// Unlocks with the recovery key and sets `new_passphrase` in the passphrase slot (custody
    /// entry `passphrase_reset`): the forgotten passphrase no longer opens the vault, the
    /// recovery key still does. A wrong key changes no byte of the vault.
    pub fn open_with_recovery_key(
        dir: &Path,
        key: &RecoveryKey,
        new_passphrase: &SecretString,
    ) -> Result<Vault> {
        check_strength(new_passphrase)?;
        let bytes = match keyfile::read_bytes(&dir.join(KEY_FILE)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoVault(dir.to_path_buf()))
            }
            Err(e) => return Err(e.into()),
        };
        let mut kf = match Parsed::from_bytes(&bytes)? {
            Parsed::V2(kf) => kf,
            // A format-1 file has no recovery slot.
            Parsed::V1(_) => return Err(Error::WrongRecoveryKey),
        };
        let master = kf
            .open_as(key.secret(), SlotRole::Recovery)
            .map_err(|e| match e {
                Error::WrongPassphrase => Error::WrongRecoveryKey,
                e => e,
            })?;
        let params = kf.params();
        let mut v =
            Self::open_with_master(dir, master, params, OpenMode::ReadWrite, SlotRole::Recovery)?;
        let kek = kf.derive(new_passphrase.expose_secret().as_bytes())?;
        kf.set_slot(SlotRole::Passphrase, &kek, &v.master)?;
        v.replace_key_file(&kf, Action::PassphraseReset)?;
        Ok(v)
    }
}

#[cfg(test)]
#[path = "slots_tests.rs"]
mod tests;
