//! The two databases every vault holds (issue 16): `vault.db` and `vault2.db`, both full SQLCipher
//! databases with the schema, a device identity and a custody log, made together when the vault
//! is created. One is the vault; the other is the decoy a duress passphrase opens, or, until one
//! is set, a database whose key was thrown away. Which is which does not follow from the names:
//! at creation the vault's database goes into either file at random, and at unlock the master key
//! finds its own database by trying both (each file's first page is authenticated under its own
//! key; both are always tried). Nothing in either database names the other.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::Connection;

use super::keyfile::MasterKey;
use super::{db, sync_dir, Vault};
use crate::custody::Action;
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};

/// The two database files, in every vault, whatever is used.
pub const DB_FILES: [&str; 2] = ["vault.db", "vault2.db"];

/// Makes a new database at `path` keyed from `master`: the full schema, a device identity named
/// `device_name` and the `vault_created` custody entry. The connection is returned open, for a
/// caller that adds more (a starter set) before closing it.
pub(super) fn new_database(
    path: &Path,
    master: &MasterKey,
    device_name: &str,
) -> Result<(Connection, DeviceIdentity)> {
    let mut conn = db::open(path, master, db::Access::Create)?;
    db::migrate(&mut conn)?;
    DeviceIdentity::create(&conn, device_name)?;
    let device = DeviceIdentity::load(&conn)?;
    crate::custody::append_on(&conn, &device, Action::VaultCreated, None, None, None)?;
    Ok((conn, device))
}

/// Makes both databases of a new vault in `dir`: `master`'s in a file chosen at random, the
/// other under a key that is thrown away.
pub(super) fn create_both(dir: &Path, master: &MasterKey, device_name: &str) -> Result<()> {
    let own = rand::random::<bool>() as usize;
    for (i, name) in DB_FILES.iter().enumerate() {
        let throwaway;
        let key = if i == own {
            master
        } else {
            throwaway = MasterKey::generate();
            &throwaway
        };
        let (conn, _) = new_database(&dir.join(name), key, device_name)?;
        db::close(conn)?;
    }
    Ok(())
}

/// Which of the two files `master` opens. Both are tried, always both, so the work does not
/// depend on which one it is.
///
/// A file with no write-ahead log beside it is checked cheaply (an immutable read of its first
/// pages). A file whose `-wal` is still there was not closed properly: its main file may be in
/// the middle of a checkpoint (pages of the new state and of the old one side by side), which
/// only SQLite's recovery from the log makes whole again, so it is opened normally and closed,
/// which recovers and checkpoints it. That writes, so a read-only open (`writable` false) refuses
/// such a vault instead ("not closed properly", or "in use" if a writer holds it).
pub(super) fn find(dir: &Path, master: &MasterKey, writable: bool) -> Result<usize> {
    let mut found = None;
    let mut any = false;
    for (i, name) in DB_FILES.iter().enumerate() {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        any = true;
        let opens = if db::log_path(&path).exists() {
            if !writable {
                // Busy if a writer holds it, otherwise "not closed properly".
                super::read_only::settled_and_locked(&path)?;
                return Err(Error::ReadOnlyUnsettled);
            }
            match db::open(&path, master, db::Access::ReadWrite) {
                Ok(conn) => db::close(conn).is_ok(),
                Err(Error::Busy) => return Err(Error::Busy),
                Err(_) => false,
            }
        } else {
            db::open(&path, master, db::Access::ReadOnly).is_ok()
        };
        if opens && found.is_none() {
            found = Some(i);
        }
    }
    match found {
        Some(i) => Ok(i),
        None if !any => Err(Error::Corrupt(format!(
            "the database file {} is missing",
            dir.join(DB_FILES[0]).display()
        ))),
        None => Err(Error::Corrupt(
            "the database cannot be decrypted with this vault's key (damaged or replaced)".into(),
        )),
    }
}

/// A temporary file beside the databases, for a database being made.
pub(super) fn temp_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!(
        ".{}.{}.tmp",
        DB_FILES[index],
        uuid::Uuid::new_v4().simple()
    ))
}

/// Removes databases left half-made by a crash ([`temp_path`] files and their journals).
pub(super) fn remove_leftovers(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let ours = DB_FILES.iter().any(|f| name.starts_with(&format!(".{f}.")));
        if ours && (name.ends_with(".tmp") || name.contains(".tmp-")) {
            fs::remove_file(dir.join(&name))?;
        }
    }
    Ok(())
}

impl Vault {
    /// The database file this session reads and writes.
    pub fn database_file(&self) -> PathBuf {
        self.dir.join(DB_FILES[self.db_index])
    }

    pub(super) fn other_database_file(&self) -> PathBuf {
        self.dir.join(DB_FILES[1 - self.db_index])
    }

    /// A vault made before there were two databases gains the second at its first writable
    /// unlock: made under a temporary name, its custody entry (`databases_paired`) committed,
    /// then renamed into place. A crash before the rename leaves a temporary file, removed at the
    /// next unlock, which tries again without logging twice.
    pub(super) fn pair_databases(&mut self) -> Result<()> {
        remove_leftovers(&self.dir)?;
        let other = self.other_database_file();
        if other.exists() {
            return Ok(());
        }
        let tmp = temp_path(&self.dir, 1 - self.db_index);
        let r = (|| -> Result<()> {
            let (conn, _) = new_database(&tmp, &MasterKey::generate(), self.device.name())?;
            db::close(conn)?;
            fs::File::open(&tmp)?.sync_all()?;
            if self.last_own_action(&[Action::DatabasesPaired])?.is_none() {
                crate::custody::append(self, Action::DatabasesPaired, None, None, None)?;
            }
            fs::rename(&tmp, &other)?;
            sync_dir(&self.dir)
        })();
        if r.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        r
    }

    /// Gives the other database the modification time of this one, so the file times do not
    /// say which database was used (done at unlock and at lock; a crash leaves them apart).
    pub(super) fn align_times(&self) {
        align_file_times(&self.database_file(), &self.other_database_file());
    }
}

/// Sets `other`'s modification time to `own`'s (best effort: a failure changes nothing else).
pub(super) fn align_file_times(own: &Path, other: &Path) {
    let Ok(at) = fs::metadata(own).and_then(|m| m.modified()) else {
        return;
    };
    let at = at.max(SystemTime::UNIX_EPOCH);
    if let Ok(f) = fs::OpenOptions::new().write(true).open(other) {
        let _ = f.set_modified(at);
    }
}
