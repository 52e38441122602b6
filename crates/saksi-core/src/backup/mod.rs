//! Encrypted backup and restore of a whole vault folder: one standard age file (scrypt
//! recipient: a backup passphrase, or the vault's recovery key) holding a tar archive whose first
//! entry is a manifest of every file's size and SHA-256, then `vault.key`, `vault.db` and every
//! attachment blob. Written streaming (bounded memory) to a temporary file beside the target,
//! read back and checked against the manifest, then renamed into place. Restoring is
//! all-or-nothing: everything is unpacked into a temporary folder beside the target, every hash
//! checked, and only then is the folder renamed into place. See `docs/vault-format.md`.

mod read;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::custody::Action;
use crate::error::{Error, Result};
use crate::progress::{check, Progress};
use crate::vault::{KdfProfile, RecoveryKey, Vault};

pub use read::{restore, restore_as, restore_with, NewDevice, RestoreReport};

/// The manifest's format name and version.
pub const FORMAT: &str = "saksi-backup";
pub const VERSION: u32 = 1;
/// The archive's first entry.
const MANIFEST: &str = "manifest.json";
/// The most scrypt work (N = 2^19, 512 MiB) a backup may ask for when it is opened: a backup
/// asking for more is refused before scrypt runs. Backups are written with at most 2^18.
pub const MAX_LOG_N: u8 = 19;
const CALIBRATED_MAX_LOG_N: u8 = 18;
const CALIBRATED_MIN_LOG_N: u8 = 15;
/// The test suites' work factor (`SAKSI_KDF=minimum`).
const MINIMUM_LOG_N: u8 = 10;
/// A recovery key has 175 random bits: scrypt adds nothing but time.
const RECOVERY_KEY_LOG_N: u8 = 10;

/// The file name a save dialog suggests for a new backup: the day, e.g.
/// `saksi-backup-2026-12-02.age` (nothing about the vault's content).
pub fn suggested_file_name() -> String {
    chrono::Utc::now()
        .format("saksi-backup-%Y-%m-%d.age")
        .to_string()
}

/// What a backup is encrypted to.
pub enum BackupSecret {
    /// A passphrase chosen for backups (scrypt, calibrated).
    Passphrase(SecretString),
    /// The vault's recovery key (which must open this vault's recovery slot).
    RecoveryKey(RecoveryKey),
}

impl BackupSecret {
    /// What is typed to open a backup: a recovery key (recognised by its checksum group, in any
    /// spelling) or a backup passphrase.
    pub fn from_typed(text: &SecretString) -> BackupSecret {
        match RecoveryKey::parse(text) {
            Ok(k) => BackupSecret::RecoveryKey(k),
            Err(_) => BackupSecret::Passphrase(text.clone()),
        }
    }

    /// The scrypt passphrase: the passphrase itself, or the recovery key's canonical text.
    fn scrypt_passphrase(&self) -> SecretString {
        match self {
            BackupSecret::Passphrase(p) => p.clone(),
            BackupSecret::RecoveryKey(k) => SecretString::from(k.display().to_string()),
        }
    }
}

/// One file of the backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The archive's first entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub created_at: String,
    pub device_id: String,
    pub schema_version: i64,
    pub files: Vec<FileEntry>,
}

/// What a finished backup holds.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub files: usize,
    /// The bytes of the vault's files it holds (before compression, which there is none of).
    pub bytes: u64,
    /// The size of the backup file.
    pub file_size: u64,
    /// scrypt's work factor (log2 N).
    pub log_n: u8,
}

/// Whether `rel` is a name a backup may hold: the key file, the database, or an attachment blob
/// (32 lower-case hex characters). Everything else in the folder is transient and left out.
pub(crate) fn allowed(rel: &str) -> bool {
    match rel {
        // Both databases (vault/pair.rs): a backup is the whole folder, whichever is in use.
        "vault.key" | "vault.db" | "vault2.db" => true,
        _ => rel.strip_prefix("attachments/").is_some_and(|n| {
            n.len() == 32
                && n.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }),
    }
}

fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

fn log_n_for(secret: &BackupSecret, kdf: KdfProfile) -> u8 {
    match (secret, kdf) {
        (BackupSecret::RecoveryKey(_), _) => RECOVERY_KEY_LOG_N,
        (_, KdfProfile::Minimum) => MINIMUM_LOG_N,
        (_, KdfProfile::Calibrated { .. }) => {
            // age measures this machine and targets about one second.
            let probe = age::scrypt::Recipient::new(SecretString::from("calibration".to_string()));
            let probe_key = age_core::format::FileKey::new(Box::new([0; 16]));
            let (stanzas, _) =
                age::Recipient::wrap_file_key(&probe, &probe_key).unwrap_or_default();
            let measured = stanzas
                .first()
                .and_then(|s| s.args.get(1))
                .and_then(|n| n.parse::<u8>().ok())
                .unwrap_or(CALIBRATED_MAX_LOG_N);
            measured.clamp(CALIBRATED_MIN_LOG_N, CALIBRATED_MAX_LOG_N)
        }
    }
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    n: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.hasher.update(&buf[..k]);
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn tar_header(path: &str, size: u64) -> Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).map_err(Error::Io)?;
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    Ok(h)
}

impl Vault {
    /// Writes an encrypted backup of the whole vault to `out` (which must not exist), verifies
    /// it by reading it back, and records a `backup_made` custody entry (inside the backup it
    /// describes). Nothing is ever written in plaintext: the database is copied as its encrypted
    /// pages, the blobs as their age files.
    pub fn backup(
        &mut self,
        out: &Path,
        secret: &BackupSecret,
        kdf: KdfProfile,
    ) -> Result<BackupReport> {
        self.backup_with(out, secret, kdf, &mut ())
    }

    /// [`Vault::backup`] with progress (bytes written, then bytes checked, of twice the vault's
    /// size) and cancellation (the partial file is removed; the custody entry stays as the
    /// record of the attempt).
    pub fn backup_with(
        &mut self,
        out: &Path,
        secret: &BackupSecret,
        kdf: KdfProfile,
        progress: &mut dyn Progress,
    ) -> Result<BackupReport> {
        // A backup checkpoints the log and records itself in the custody log: a write.
        self.writable()?;
        if out.exists() {
            return Err(Error::invalid(format!(
                "{} already exists: choose a new file name for the backup",
                out.display()
            )));
        }
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let (Ok(p), Ok(v)) = (parent.canonicalize(), self.dir().canonicalize()) {
            if p.starts_with(&v) {
                return Err(Error::invalid(
                    "a backup cannot be written inside the vault folder: choose a place outside it (another disk is best)",
                ));
            }
        }
        match secret {
            BackupSecret::RecoveryKey(k) => self.check_recovery_key(k)?,
            BackupSecret::Passphrase(p) => crate::vault::check_strength(p)?,
        }
        let log_n = log_n_for(secret, kdf);
        let tmp = parent.join(format!(
            ".saksi-backup-{}.part",
            uuid::Uuid::new_v4().simple()
        ));
        let r = self
            .write_backup(&tmp, secret, log_n, progress)
            .and_then(|manifest| {
                // Read back: decrypt the whole file and check every hash against the manifest.
                let total: u64 = manifest.files.iter().map(|f| f.size).sum();
                let mut second_half =
                    |done: u64, _: Option<u64>| progress.update(total + done, Some(2 * total));
                let checked = read::verify_file(&tmp, secret, &mut second_half)?;
                if checked.files != manifest.files {
                    return Err(Error::BadBackup(
                        "the backup read back differs from what was written: it was not kept"
                            .into(),
                    ));
                }
                fs::rename(&tmp, out)?;
                crate::vault::sync_dir(parent)?;
                Ok(manifest)
            });
        let manifest = match r {
            Ok(m) => m,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        Ok(BackupReport {
            path: out.to_path_buf(),
            files: manifest.files.len(),
            bytes: manifest.files.iter().map(|f| f.size).sum(),
            file_size: fs::metadata(out)?.len(),
            log_n,
        })
    }

    /// Takes the snapshot: the custody entry, a full checkpoint (so that `vault.db` alone holds
    /// every commit), the manifest, then the archive.
    fn write_backup(
        &mut self,
        tmp: &Path,
        secret: &BackupSecret,
        log_n: u8,
        progress: &mut dyn Progress,
    ) -> Result<Manifest> {
        crate::custody::append(self, Action::BackupMade, None, None, None)?;
        let (busy, _, _): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(Error::Busy);
        }
        let mut names = vec!["vault.key".to_string()];
        names.extend(
            crate::vault::DB_FILES
                .iter()
                .filter(|f| self.dir().join(f).is_file())
                .map(|f| f.to_string()),
        );
        let mut blobs: Vec<String> = fs::read_dir(self.attachments_dir())?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().map(|n| format!("attachments/{n}")))
            .filter(|rel| allowed(rel))
            .collect();
        blobs.sort();
        names.extend(blobs);
        let mut files = Vec::with_capacity(names.len());
        for rel in names {
            let (size, sha256) = sha256_file(&self.dir().join(&rel))?;
            files.push(FileEntry {
                path: rel,
                size,
                sha256,
            });
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            created_at: crate::model::now(),
            device_id: self.device().id().to_string(),
            schema_version: crate::vault::SCHEMA_VERSION,
            files,
        };
        let json = serde_json::to_vec(&manifest).map_err(|_| Error::Internal("backup manifest"))?;

        let mut recipient = age::scrypt::Recipient::new(secret.scrypt_passphrase());
        recipient.set_work_factor(log_n);
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("setting up the backup encryption failed"))?;
        let file = crate::vault::create_private(tmp)?;
        let total: u64 = manifest.files.iter().map(|f| f.size).sum();
        let mut done = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        let stream = enc.wrap_output(BufWriter::new(file))?;
        let mut tar = tar::Builder::new(stream);
        tar.append(&tar_header(MANIFEST, json.len() as u64)?, json.as_slice())?;
        for entry in &manifest.files {
            let h = tar_header(&entry.path, entry.size)?;
            let w = tar.get_mut();
            w.write_all(h.as_bytes())?;
            let mut hw = Hashing {
                inner: &mut *w,
                hasher: Sha256::new(),
                n: 0,
            };
            let mut src = fs::File::open(self.dir().join(&entry.path))?.take(entry.size + 1);
            loop {
                let k = src.read(&mut buf)?;
                if k == 0 {
                    break;
                }
                hw.write_all(&buf[..k])?;
                done += k as u64;
                check(progress, done, Some(2 * total))?;
            }
            if hw.n != entry.size || hex::encode(hw.hasher.finalize()) != entry.sha256 {
                return Err(Error::BadBackup(format!(
                    "{} changed while the backup was being written: nothing was kept; try again",
                    entry.path
                )));
            }
            let pad = (512 - (entry.size % 512)) % 512;
            w.write_all(&vec![0u8; pad as usize])?;
        }
        let stream = tar.into_inner()?;
        let buf = stream.finish()?;
        let file = buf.into_inner().map_err(|e| Error::from(e.into_error()))?;
        file.sync_all()?;
        Ok(manifest)
    }
}
