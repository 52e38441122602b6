//! The vault: a folder holding the key file, the SQLCipher database and (later) the encrypted
//! attachments. This module owns creating, unlocking, locking, re-keying and wiping it.
//!
//! ```text
//! VAULT/
//!   vault.key      Argon2id parameters + salt, wrapped master key (see keyfile.rs)
//!   vault.db       SQLCipher 4 database (no plaintext header); WAL in exclusive mode, so no -shm
//!   attachments/   age-encrypted blobs with random names
//! ```

mod db;
mod duress;
#[cfg(feature = "forensics")]
pub mod forensics;
pub mod kdf;
pub mod keyfile;
pub mod language;
mod pair;
mod read_only;
pub mod recovery;
mod slots;
pub mod strength;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
#[cfg(test)]
pub(crate) use db::migrate_to;
pub use db::SCHEMA_VERSION;
pub use duress::DuressOptions;
pub use keyfile::{KdfParams, KdfProfile};
use keyfile::{KeyFile, MasterKey, Parsed, SlotRole};
pub use pair::DB_FILES;
pub use recovery::RecoveryKey;

pub(crate) const KEY_FILE: &str = "vault.key";
/// The previous key file, kept (as a hard link: no new disk space) only while a passphrase change
/// commits, so that a failed commit can put it back. A leftover one (a crash in that moment) is
/// settled at the next unlock and overwritten by a wipe.
const PREV_KEY_FILE: &str = "vault.key.prev";
pub(crate) const ATTACHMENTS_DIR: &str = "attachments";

/// How a vault is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The normal open: records, evidence and settings can change.
    ReadWrite,
    /// For review: every write is refused with [`Error::ReadOnly`] and no byte of the vault
    /// folder changes (no custody entry for viewing, no settling of an interrupted passphrase
    /// change, no orphan clean-up, no checkpoint). See docs/lawyers-guide.md.
    ReadOnly,
}

/// An unlocked vault. Dropping it (or calling [`Vault::lock`]) closes the database and wipes every
/// key from memory.
pub struct Vault {
    dir: PathBuf,
    // Field order matters: the connection (which holds the SQLCipher key) is dropped first.
    pub(crate) conn: Connection,
    master: MasterKey,
    pub(crate) device: DeviceIdentity,
    params: KdfParams,
    mode: OpenMode,
    /// Which of [`DB_FILES`] this session's database is.
    db_index: usize,
    /// The key slot that opened this session: the passphrase's (or, for a recovery unlock, the
    /// recovery key's) for the vault itself, a duress slot for the decoy.
    slot: SlotRole,
    /// Read-only: the lock that keeps writers out while the database is read (read_only.rs).
    _read_lock: Option<fs::File>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Whether `dir` holds a vault (its key file exists).
    pub fn exists(dir: &Path) -> bool {
        dir.join(KEY_FILE).is_file()
    }

    /// Creates a new vault in `dir` (which must not exist, or be empty). Refuses to overwrite.
    pub fn create(dir: &Path, passphrase: &SecretString, kdf: KdfProfile) -> Result<Vault> {
        Self::create_named(dir, passphrase, kdf, None)
    }

    /// Like [`Vault::create`], naming the device (shown to HQ); defaults to the host name.
    pub fn create_named(
        dir: &Path,
        passphrase: &SecretString,
        kdf: KdfProfile,
        device_name: Option<&str>,
    ) -> Result<Vault> {
        if Self::exists(dir) {
            return Err(Error::VaultExists(dir.to_path_buf()));
        }
        if dir.exists() && fs::read_dir(dir)?.next().is_some() {
            return Err(Error::NotEmpty(dir.to_path_buf()));
        }
        check_strength(passphrase)?;
        let params = KdfParams::choose(kdf)?;
        let master = MasterKey::generate();
        let keyfile = KeyFile::seal(&master, passphrase, params)?;

        // Build the whole vault in a sibling staging folder and rename it into place, so a crash
        // never leaves a half-made vault behind.
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let staging = tempfile_dir_in(parent)?;
        let result = (|| -> Result<()> {
            private_dir(&staging.join(ATTACHMENTS_DIR))?;
            let name = device_name
                .map(str::to_owned)
                .unwrap_or_else(default_device_name);
            pair::create_both(&staging, &master, &name)?;
            write_atomic(&staging.join(KEY_FILE), &keyfile.to_bytes())?;
            sync_dir(&staging)?;
            if dir.exists() {
                fs::remove_dir(dir)?; // empty, checked above
            }
            fs::rename(&staging, dir)?;
            sync_dir(parent)?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        Self::open_with_master(
            dir,
            master,
            params,
            OpenMode::ReadWrite,
            SlotRole::Passphrase,
        )
    }

    /// Unlocks the vault in `dir`. A wrong passphrase changes no byte of the vault.
    pub fn open(dir: &Path, passphrase: &SecretString) -> Result<Vault> {
        Self::open_in(dir, passphrase, OpenMode::ReadWrite)
    }

    /// Unlocks the vault in `dir` for review: nothing can be written and no byte of the folder
    /// changes, however it is used (see [`OpenMode::ReadOnly`]).
    pub fn open_read_only(dir: &Path, passphrase: &SecretString) -> Result<Vault> {
        Self::open_in(dir, passphrase, OpenMode::ReadOnly)
    }

    /// Unlocks the vault in `dir` in `mode`.
    pub fn open_in(dir: &Path, passphrase: &SecretString, mode: OpenMode) -> Result<Vault> {
        let writable = mode == OpenMode::ReadWrite;
        let key_path = dir.join(KEY_FILE);
        let bytes = match keyfile::read_bytes(&key_path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NoVault(dir.to_path_buf()))
            }
            Err(e) => return Err(e.into()),
        };
        let parsed = Parsed::from_bytes(&bytes)?;
        let prev_path = dir.join(PREV_KEY_FILE);
        match parsed.open(passphrase) {
            Ok(m) if m.2 == SlotRole::DuressErase => {
                // The duress passphrase that erases the vault's own slots: done right after its
                // database is found, whatever the mode, and silently, unless that database set
                // a duress passphrase of its own (a decoy's own, which sits in slot 3 when the
                // decoy's came from slot 2: it must erase nothing; see duress.rs).
                let v = Self::open_with_master(dir, m.0, parsed.params(), mode, m.2)?;
                if !v.ever_set_duress()? {
                    duress::erase_own_slots(dir)?;
                }
                Ok(v)
            }
            Ok(m) => {
                // A key file change was interrupted after the new key file was in place: the
                // passphrase opened it, so the old key file goes (a format-1 one left there
                // means the format upgrade was interrupted: it is logged below).
                let interrupted = matches!(parsed, Parsed::V2(_))
                    && keyfile::read_bytes(&prev_path).is_ok_and(|b| b.get(8..10) == Some(&[1, 0]));
                if writable && prev_path.exists() {
                    fs::remove_file(&prev_path)?;
                    sync_dir(dir)?;
                }
                let mut v = Self::open_with_master(dir, m.0, parsed.params(), mode, m.2)?;
                // Upgrading the key file's format writes: only on a writable open.
                if writable {
                    v.settle_format(parsed.legacy().zip(m.1), interrupted);
                }
                Ok(v)
            }
            Err(Error::WrongPassphrase) if prev_path.is_file() => {
                // …or the change was never acknowledged and the old passphrase is typed: if the
                // old key file takes it, it becomes the key file again.
                let prev = Parsed::from_bytes(&keyfile::read_bytes(&prev_path)?)?;
                let m = prev.open(passphrase)?;
                if writable {
                    fs::rename(&prev_path, &key_path)?;
                    sync_dir(dir)?;
                }
                let mut v = Self::open_with_master(dir, m.0, prev.params(), mode, m.2)?;
                if writable {
                    v.settle_format(prev.legacy().zip(m.1), false);
                }
                Ok(v)
            }
            Err(e) => Err(e),
        }
    }

    fn open_with_master(
        dir: &Path,
        master: MasterKey,
        params: KdfParams,
        mode: OpenMode,
        slot: SlotRole,
    ) -> Result<Vault> {
        let db_index = pair::find(dir, &master, mode == OpenMode::ReadWrite)?;
        let db_path = dir.join(DB_FILES[db_index]);
        let (conn, read_lock) = if mode == OpenMode::ReadOnly {
            let lock = read_only::settled_and_locked(&db_path)?;
            let conn = db::open(&db_path, &master, db::Access::ReadOnly)?;
            db::check_current(&conn)?;
            (conn, Some(lock))
        } else {
            let mut conn = db::open(&db_path, &master, db::Access::ReadWrite)?;
            db::migrate(&mut conn)?;
            (conn, None)
        };
        let device = DeviceIdentity::load(&conn)?;
        let vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            master,
            device,
            params,
            mode,
            db_index,
            slot,
            _read_lock: read_lock,
        };
        if mode == OpenMode::ReadOnly {
            // Leftovers (orphan blobs, a staged import) stay until a writable open removes them.
            return Ok(vault);
        }
        let mut vault = vault;
        // A vault from before the second database gains it now (not fatal if it cannot: the
        // vault is open and nothing was lost; it is tried again at the next unlock).
        let _ = vault.pair_databases();
        vault.align_times();
        crate::evidence::clean_orphans(&vault)?;
        // An import killed mid-way leaves its (still encrypted) staged copy: nothing of it was
        // applied, so it goes.
        let staging = vault.dir.join("staging");
        if staging.is_dir() {
            fs::remove_dir_all(&staging)?;
        }
        Ok(vault)
    }

    /// Locks the vault: checkpoints the write-ahead log into the database, closes it and wipes the
    /// keys. Dropping a `Vault` does the same, silently.
    pub fn lock(self) -> Result<()> {
        let writable = self.mode == OpenMode::ReadWrite;
        let own = self.database_file();
        let other = self.other_database_file();
        let Vault { conn, master, .. } = self;
        let r = db::close(conn);
        drop(master);
        if writable {
            pair::align_file_times(&own, &other);
        }
        r
    }

    /// Re-wraps the master key under a new passphrase in the key file's passphrase slot. The
    /// salt and Argon2id parameters are shared by every slot, so they stay; `kdf` is used only
    /// for a format-1 key file (whose single wrap is replaced by a fresh format-2 file). Only the
    /// key file changes; it is replaced atomically with its custody entry.
    pub fn change_passphrase(&mut self, new: &SecretString, kdf: KdfProfile) -> Result<()> {
        self.writable()?;
        check_strength(new)?;
        let bytes = keyfile::read_bytes(&self.dir.join(KEY_FILE))?;
        let keyfile = match Parsed::from_bytes(&bytes)? {
            Parsed::V2(mut kf) => {
                let kek = kf.derive(new.expose_secret().as_bytes())?;
                // A session opened by a duress slot changes that slot's passphrase, never the
                // vault's own.
                let slot = match self.slot {
                    SlotRole::Recovery => SlotRole::Passphrase,
                    s => s,
                };
                kf.set_slot(slot, &kek, &self.master)?;
                kf
            }
            Parsed::V1(_) => KeyFile::seal(&self.master, new, KdfParams::choose(kdf)?)?,
        };
        self.replace_key_file(&keyfile, crate::custody::Action::PassphraseChanged)
    }

    /// Checks `passphrase` against the key file without changing anything (for confirming the
    /// current passphrase before a sensitive action). The master key it unwraps must be this
    /// vault's.
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<()> {
        let bytes = keyfile::read_bytes(&self.dir.join(KEY_FILE))?;
        let other = Parsed::from_bytes(&bytes)?.open(passphrase)?.0;
        // (Any passphrase slot may take it; the master key must be this session's.)
        // Constant-time comparison is unnecessary here (both are secrets we hold), but the keys
        // must match: a key file swapped under a running vault is not this vault's.
        if other.expose() != self.master.expose() {
            return Err(Error::BadKeyFile(
                "the key file no longer belongs to this vault",
            ));
        }
        Ok(())
    }

    /// How this vault was opened.
    pub fn mode(&self) -> OpenMode {
        self.mode
    }

    /// The read-only guard: every operation that writes to the database or the vault folder
    /// calls this first, before it writes anything anywhere.
    pub(crate) fn writable(&self) -> Result<()> {
        match self.mode {
            OpenMode::ReadWrite => Ok(()),
            OpenMode::ReadOnly => Err(Error::ReadOnly),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn kdf_params(&self) -> KdfParams {
        self.params
    }

    pub fn device(&self) -> &DeviceIdentity {
        &self.device
    }

    pub(crate) fn device_mut(&mut self) -> &mut DeviceIdentity {
        &mut self.device
    }

    pub(crate) fn attachments_dir(&self) -> PathBuf {
        self.dir.join(ATTACHMENTS_DIR)
    }

    /// The attachments folder with the key that names this database's blobs.
    pub(crate) fn blob_dir(&self) -> crate::crypto::blob::BlobDir {
        crate::crypto::blob::BlobDir::new(
            self.attachments_dir(),
            crate::crypto::kdf::subkey(self.master.expose(), "attachment blob names"),
        )
    }

    /// Derives a purpose-bound subkey from the master key (HKDF-SHA256).
    #[allow(dead_code)]
    pub(crate) fn subkey(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        crate::crypto::kdf::subkey(self.master.expose(), purpose)
    }

    /// `PRAGMA integrity_check` plus the schema version. Returns the problems found.
    pub fn check_database(&self) -> Result<Vec<String>> {
        db::integrity_problems(&self.conn)
    }

    /// A strong new passphrase to offer: six random words (see [`strength::suggest`]). Needs no
    /// vault: it is offered before one exists.
    pub fn suggest_passphrase() -> SecretString {
        strength::suggest()
    }
}

/// A new passphrase must be long enough and hard to guess: see [`strength`].
pub(crate) fn check_strength(passphrase: &SecretString) -> Result<()> {
    strength::check(passphrase)
}

fn default_device_name() -> String {
    fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "saksi-device".to_string())
}

/// Panic wipe: crypto-erases the vault (overwrites and deletes the key file, without which the
/// database and attachments are random bytes), then deletes the folder. Refuses to touch a folder
/// that is not a vault.
pub fn wipe(dir: &Path) -> Result<()> {
    let key_path = dir.join(KEY_FILE);
    let len = match fs::metadata(&key_path) {
        Ok(m) => m.len() as usize,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoVault(dir.to_path_buf()))
        }
        Err(e) => return Err(e.into()),
    };
    // The key file, and a previous one left by an interrupted passphrase change, are
    // overwritten in place before anything is deleted.
    let prev_path = dir.join(PREV_KEY_FILE);
    for (path, len) in [
        (key_path.clone(), Some(len)),
        (
            prev_path.clone(),
            fs::metadata(&prev_path).ok().map(|m| m.len() as usize),
        ),
    ] {
        let Some(len) = len else { continue };
        let mut noise = vec![0u8; len.max(1)];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut noise);
        let mut f = fs::OpenOptions::new().write(true).open(&path)?;
        f.write_all(&noise)?;
        f.sync_all()?;
    }
    let _ = fs::remove_file(&prev_path);
    fs::remove_file(&key_path)?;
    sync_dir(dir)?;
    fs::remove_dir_all(dir)?;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file, fsync and rename: either the old or the new
/// content, never a mix.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        uuid::Uuid::new_v4().simple()
    ));
    let r = (|| -> Result<()> {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(())
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

/// Creates a new file readable only by its owner.
pub(crate) fn create_private(path: &Path) -> Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    Ok(opts.open(path)?)
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn tempfile_dir_in(parent: &Path) -> Result<PathBuf> {
    let p = parent.join(format!(".saksi-new-{}", uuid::Uuid::new_v4().simple()));
    private_dir(&p)?;
    Ok(p)
}

/// Creates a folder only its owner can enter.
pub(crate) fn private_dir(p: &Path) -> Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(p)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    /// A process killed while it checkpoints leaves the main database file part new, part old
    /// (or, after a VACUUM, any page may be torn) with the whole truth still in the `-wal` file.
    /// Finding which database is the vault's must let SQLite recover from the log, never judge
    /// the main file alone (found intermittently by the CLI's SIGKILL edit loop: "the database
    /// cannot be decrypted with this vault's key" after a kill).
    #[test]
    fn a_vault_killed_mid_checkpoint_opens_from_its_log() {
        let (_d, mut v) = testutil::vault();
        let dir = v.dir().to_path_buf();
        let ids: Vec<_> = (0..40)
            .map(|i| testutil::incident(&mut v, &format!("kept {i}")))
            .collect();
        let db_path = v.database_file();
        let wal_path = db::log_path(&db_path);
        // Every page into the log, none of it checkpointed yet: VACUUM rewrites all pages.
        v.conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0; VACUUM;")
            .unwrap();
        let log = fs::read(&wal_path).unwrap();
        assert!(log.len() > 8 * 4096, "the log holds the vacuumed pages");
        drop(v);
        // The state of a kill in the middle of the checkpoint: the log is still there and the
        // main file's pages after the first are not (yet) the ones the log holds.
        let mut main = fs::read(&db_path).unwrap();
        main[4096..].fill(0);
        fs::write(&db_path, &main).unwrap();
        fs::write(&wal_path, &log).unwrap();

        // A review must not settle it (that writes): refused, and no byte changes.
        let before = testutil::tree_hash(&dir);
        let e = Vault::open_read_only(&dir, &testutil::pass()).err();
        assert_eq!(
            e.map(|e| e.kind()),
            Some("vault_read_only_unsettled"),
            "a read-only open of an unsettled vault says so"
        );
        assert_eq!(testutil::tree_hash(&dir), before);

        let v = Vault::open(&dir, &testutil::pass())
            .expect("a vault whose log holds its last state opens");
        for id in &ids {
            v.incidents().get(id).expect("every incident is there");
        }
        let report = v.verify().unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        drop(v);
        assert!(!wal_path.exists(), "the log was checkpointed");
    }

    /// A crash between putting the new key file in place and committing its custody entry leaves
    /// the old key file beside it; the next unlock settles which one stays.
    #[test]
    fn an_interrupted_passphrase_change_is_settled_at_the_next_unlock() {
        let (_d, mut v) = testutil::vault();
        let dir = v.dir().to_path_buf();
        let old_bytes = fs::read(dir.join(KEY_FILE)).unwrap();
        let new = SecretString::from("a new long passphrase for this test".to_string());
        v.change_passphrase(&new, KdfProfile::Minimum).unwrap();
        assert!(
            !dir.join(PREV_KEY_FILE).exists(),
            "a completed change leaves no old key file behind"
        );
        drop(v);

        // The change was never acknowledged: the old passphrase must still open the vault.
        fs::write(dir.join(PREV_KEY_FILE), &old_bytes).unwrap();
        Vault::open(&dir, &testutil::pass())
            .expect("the old passphrase opens an unacknowledged change");
        assert_eq!(fs::read(dir.join(KEY_FILE)).unwrap(), old_bytes);
        assert!(!dir.join(PREV_KEY_FILE).exists());
        assert_eq!(
            Vault::open(&dir, &new).err().map(|e| e.kind()),
            Some("wrong_passphrase")
        );

        // The new passphrase was used instead: the old key file goes, never to open it again.
        let mut v = Vault::open(&dir, &testutil::pass()).unwrap();
        v.change_passphrase(&new, KdfProfile::Minimum).unwrap();
        drop(v);
        fs::write(dir.join(PREV_KEY_FILE), &old_bytes).unwrap();
        Vault::open(&dir, &new).unwrap();
        assert!(
            !dir.join(PREV_KEY_FILE).exists(),
            "the old key file must not outlive an unlock with the new passphrase"
        );
        assert_eq!(
            Vault::open(&dir, &testutil::pass()).err().map(|e| e.kind()),
            Some("wrong_passphrase")
        );
    }
}
