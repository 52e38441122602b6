//! The duress passphrase (issue 16): under it the vault opens its other database, the decoy, as
//! an ordinary session. Setting it makes a fresh decoy (its own master key, device identity and
//! custody log, optionally a small starter set) in the other database file, written in place,
//! and wraps the decoy's key in slot 2, or in slot 3 for "erase the vault's own slots when the
//! duress passphrase is used". See docs/vault-format.md, "Duress passphrase and decoy".

use std::fs;
use std::io::Write;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use super::keyfile::{self, KeyFile, MasterKey, SlotRole};
use super::{check_strength, db, pair, sync_dir, OpenMode, Vault, KEY_FILE, PREV_KEY_FILE};
use crate::custody::Action;
use crate::error::{Error, Result};
use crate::model::IncidentInput;

/// How a duress passphrase is set up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DuressOptions {
    /// When the duress passphrase opens the vault, overwrite the vault's own passphrase and
    /// recovery slots with random bytes first (silently): afterwards nothing opens the real
    /// database.
    pub erase_real_on_use: bool,
    /// Put a few ordinary-looking records in the decoy.
    pub starter: bool,
}

impl Vault {
    /// Refuses to change the key slots in a session opened by a duress passphrase: the recovery
    /// and duress slots belong to the vault itself. Nothing is changed.
    pub(super) fn own_slots(&self) -> Result<()> {
        match self.slot {
            SlotRole::Duress | SlotRole::DuressErase => Err(Error::KeySlotsUnavailable),
            SlotRole::Passphrase | SlotRole::Recovery => Ok(()),
        }
    }

    /// In a session opened by a duress passphrase (the decoy), the other duress slot: always
    /// free there, because setting a duress passphrase fills one of slots 2 and 3 and refills
    /// the other with random bytes. The decoy's own "duress passphrase" goes into it, wrapping
    /// the decoy's own key, so that the decoy behaves like any vault (see docs/vault-format.md,
    /// "A duress passphrase set in the decoy").
    fn decoy_free_slot(&self) -> Option<SlotRole> {
        match self.slot {
            SlotRole::Duress => Some(SlotRole::DuressErase),
            SlotRole::DuressErase => Some(SlotRole::Duress),
            SlotRole::Passphrase | SlotRole::Recovery => None,
        }
    }

    /// Whether this database ever set a duress passphrase of its own. A decoy that did holds its
    /// own passphrase in slot 3 (or slot 2), which must never erase the vault's slots: only a
    /// decoy made with "erase on use", whose own log has no `duress_set`, erases them.
    pub(super) fn ever_set_duress(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM custody_log WHERE action = ?1)",
            [Action::DuressSet.as_str()],
            |r| r.get(0),
        )?)
    }

    /// Whether a duress passphrase is set, as this vault's custody log says (the key file cannot
    /// tell). In a session under the duress passphrase, this is the decoy's log: whether a
    /// duress passphrase was set in the decoy.
    pub fn has_duress(&self) -> Result<bool> {
        Ok(self
            .last_own_action(&[Action::DuressSet, Action::DuressRemoved])?
            .as_deref()
            == Some(Action::DuressSet.as_str()))
    }

    /// Sets (or replaces) the duress passphrase: a fresh decoy database replaces whatever the
    /// other database file held (an earlier decoy is lost), and its key is wrapped under
    /// `passphrase` in slot 2 (slot 3 with [`DuressOptions::erase_real_on_use`]). The custody
    /// entry `duress_set` goes into this vault's log. The passphrase must be strong and must not
    /// open the vault itself.
    pub fn set_duress(&mut self, passphrase: &SecretString, opts: DuressOptions) -> Result<()> {
        self.writable()?;
        if let Some(free) = self.decoy_free_slot() {
            return self.set_duress_in_decoy(passphrase, free);
        }
        check_strength(passphrase)?;
        let mut kf = self.current_key_file()?;
        let kek = kf.derive(passphrase.expose_secret().as_bytes())?;
        let [own, recovery, _, _] = kf.try_all(&kek);
        if own.is_some() || recovery.is_some() {
            return Err(Error::DuressPassphraseInUse);
        }
        // An earlier decoy's key goes first, so that no slot ever wraps a key to a database
        // being rewritten.
        if self.has_duress()? {
            kf.clear_slot(SlotRole::Duress);
            kf.clear_slot(SlotRole::DuressErase);
            self.replace_key_file(&kf, Action::DuressRemoved)?;
        }
        let decoy = MasterKey::generate();
        let (slot, unused) = if opts.erase_real_on_use {
            (SlotRole::DuressErase, SlotRole::Duress)
        } else {
            (SlotRole::Duress, SlotRole::DuressErase)
        };
        // Wrapped in memory now; the key file is written only once the decoy is on disk.
        kf.clear_slot(unused);
        kf.set_slot(slot, &kek, &decoy)?;
        let tmp = pair::temp_path(&self.dir, 1 - self.db_index);
        let r = self.write_decoy(&tmp, decoy, opts.starter);
        let _ = fs::remove_file(&tmp);
        r?;
        self.replace_key_file(&kf, Action::DuressSet)?;
        self.align_times();
        Ok(())
    }

    /// Makes the decoy at `tmp`, then copies it over the other database file in place (the file
    /// keeps its identity on disk, as a database written in use does) and fsyncs it.
    fn write_decoy(&self, tmp: &Path, key: MasterKey, starter: bool) -> Result<()> {
        let (conn, device) = pair::new_database(tmp, &key, self.device.name())?;
        let conn = if starter {
            let mut decoy = Vault {
                dir: self.dir.clone(),
                conn,
                master: key,
                device,
                params: self.params,
                mode: OpenMode::ReadWrite,
                db_index: 1 - self.db_index,
                slot: SlotRole::Duress,
                _read_lock: None,
            };
            seed_starter(&mut decoy)?;
            decoy.conn
        } else {
            conn
        };
        db::close(conn)?;
        let bytes = fs::read(tmp)?;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(self.other_database_file())?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        sync_dir(&self.dir)
    }

    /// In a decoy session: the duress passphrase goes into the free duress slot, wrapping the
    /// decoy's own key (there is no third database for a decoy of the decoy), so that it opens
    /// the decoy and the settings say it is set, as in any vault. The options have nothing to
    /// act on: no new database is made (so no starter set), and it never erases anything. It
    /// must not open any other slot (the decoy's own passphrase, or the vault's).
    fn set_duress_in_decoy(&mut self, passphrase: &SecretString, free: SlotRole) -> Result<()> {
        check_strength(passphrase)?;
        let mut kf = self.current_key_file()?;
        let kek = kf.derive(passphrase.expose_secret().as_bytes())?;
        let opens = kf.try_all(&kek);
        if opens
            .iter()
            .enumerate()
            .any(|(i, m)| m.is_some() && i != free as usize)
        {
            return Err(Error::DuressPassphraseInUse);
        }
        if self.has_duress()? {
            kf.clear_slot(free);
            self.replace_key_file(&kf, Action::DuressRemoved)?;
        }
        kf.set_slot(free, &kek, &self.master)?;
        self.replace_key_file(&kf, Action::DuressSet)?;
        self.align_times();
        Ok(())
    }

    /// Removes the duress passphrase: slots 2 and 3 become random bytes (the decoy's key is
    /// gone, so its database is random bytes too), with the custody entry `duress_removed`. In
    /// a decoy session, only the free slot it set is cleared (the decoy's own stays).
    pub fn remove_duress(&mut self) -> Result<()> {
        self.writable()?;
        let mut kf = self.current_key_file()?;
        match self.decoy_free_slot() {
            Some(free) => kf.clear_slot(free),
            None => {
                kf.clear_slot(SlotRole::Duress);
                kf.clear_slot(SlotRole::DuressErase);
            }
        }
        self.replace_key_file(&kf, Action::DuressRemoved)
    }
}

/// The duress passphrase with "erase on use" opened the vault: slots 0 and 1 (the passphrase
/// and the recovery key) are overwritten with random bytes, written over the key file in place
/// (so the old bytes are not left in a freed block where the file system allows), and a
/// previous key file (an interrupted change) is overwritten and removed. No custody entry.
pub(super) fn erase_own_slots(dir: &Path) -> Result<()> {
    let path = dir.join(KEY_FILE);
    let mut kf = KeyFile::from_bytes(&keyfile::read_bytes(&path)?)?;
    kf.clear_slot(SlotRole::Passphrase);
    kf.clear_slot(SlotRole::Recovery);
    let mut f = fs::OpenOptions::new().write(true).open(&path)?;
    f.write_all(&kf.to_bytes())?;
    f.sync_all()?;
    overwrite_and_remove(&dir.join(PREV_KEY_FILE));
    // Key-file copies a crash left behind (see `pair::remove_leftovers`).
    pair::remove_leftovers(dir)?;
    sync_dir(dir)
}

/// Overwrites a (small) file with random bytes, fsyncs it and removes it; nothing if it is not
/// there.
pub(super) fn overwrite_and_remove(path: &Path) {
    let Ok(m) = fs::metadata(path) else {
        return;
    };
    let mut noise = vec![0u8; (m.len() as usize).min(4096)];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut noise);
    if let Ok(mut f) = fs::OpenOptions::new().write(true).open(path) {
        let _ = f.write_all(&noise).and_then(|()| f.sync_all());
    }
    let _ = fs::remove_file(path);
}

/// A few ordinary records, so that a decoy opened at a checkpoint does not look new and empty.
fn seed_starter(v: &mut Vault) -> Result<()> {
    const STARTER: [(&str, &str); 3] = [
        (
            "Community meeting about the water pump",
            "Villagers met the commune chief about repairs to the pump near the school. \
             The repair is planned after the harvest.",
        ),
        (
            "Boundary disagreement between two families",
            "Both families agreed to ask the commune office to measure the plots again. \
             No one was hurt.",
        ),
        (
            "Birth registration information session",
            "About twenty people came. Most questions were about late registration and \
             the documents needed.",
        ),
    ];
    for (title, description) in STARTER {
        v.incidents_mut().add(&IncidentInput {
            title: title.into(),
            description: description.into(),
            ..Default::default()
        })?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "duress_tests.rs"]
mod tests;
