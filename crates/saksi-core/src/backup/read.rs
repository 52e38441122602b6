//! Reading a backup: decrypting it, checking the manifest and every file's size and SHA-256, and
//! (for a restore) unpacking it into a temporary folder that becomes the vault only when all of
//! it checked.

use std::collections::HashSet;
use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{allowed, BackupSecret, FileEntry, Manifest, FORMAT, MANIFEST, MAX_LOG_N, VERSION};
use crate::error::{Error, Result};
use crate::progress::{check, Progress};
use crate::vault::{create_private, private_dir, sync_dir, Vault};

/// The largest manifest read (about 600 000 attachments).
const MAX_MANIFEST: u64 = 64 << 20;

/// What a restore put in place.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub vault: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub device_id: String,
    pub created_at: String,
    /// With [`NewDevice::Take`]: the new device identity the restored vault took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_device: Option<crate::device_replacement::Replaced>,
}

/// Whether the restored vault keeps its device identity or takes a new one.
pub enum NewDevice<'a> {
    /// The same device as before (the old laptop is gone for good).
    Keep,
    /// A new device identity (the old laptop may be in other hands): the vault is opened with
    /// this passphrase (its own, as it was when the backup was made) before it is put in place,
    /// given a new signing key and id, and its next bundle tells HQ that the old device is
    /// replaced (see `crate::device_replacement`).
    Take(&'a SecretString),
}

/// What a read of a backup checked.
pub(crate) struct Checked {
    pub files: Vec<FileEntry>,
    pub manifest: Manifest,
}

/// How far a read got, for the message when it stops.
#[derive(Default)]
struct Reached {
    files_ok: usize,
    bytes_ok: u64,
    total: Option<(usize, u64)>,
}

impl Reached {
    fn damaged(&self, what: &str, outcome: &str) -> Error {
        Error::BadBackup(match self.total {
            None => format!(
                "the backup is damaged or incomplete ({what}) before its list of files: nothing could be checked; {outcome}"
            ),
            Some((n, bytes)) => format!(
                "the backup is damaged or incomplete ({what}): {} of {n} files ({} of {bytes} bytes) were checked intact before it; {outcome}",
                self.files_ok, self.bytes_ok
            ),
        })
    }
}

/// Decrypts and checks the whole backup at `file` without writing anything.
pub(crate) fn verify_file(
    file: &Path,
    secret: &BackupSecret,
    progress: &mut dyn Progress,
) -> Result<Checked> {
    read_archive(file, secret, None, "it was not kept", progress)
}

/// Restores the backup `file` as a new vault at `to`, all or nothing: refuses an existing vault
/// or a non-empty folder, unpacks into a temporary folder beside `to`, checks every file's size
/// and SHA-256 against the manifest and the whole age file's authentication, then renames the
/// folder into place. A damaged backup is refused with how much of it could be checked.
pub fn restore(file: &Path, to: &Path, secret: &BackupSecret) -> Result<RestoreReport> {
    restore_with(file, to, secret, &mut ())
}

/// [`restore`] with progress (bytes checked, of the manifest's total) and cancellation (the
/// staging folder is removed: nothing is restored).
pub fn restore_with(
    file: &Path,
    to: &Path,
    secret: &BackupSecret,
    progress: &mut dyn Progress,
) -> Result<RestoreReport> {
    restore_as(file, to, secret, NewDevice::Keep, progress)
}

/// [`restore_with`], keeping the device identity or taking a new one. With a new one, a wrong
/// vault passphrase (or any failure while the identity is replaced) restores nothing.
pub fn restore_as(
    file: &Path,
    to: &Path,
    secret: &BackupSecret,
    device: NewDevice<'_>,
    progress: &mut dyn Progress,
) -> Result<RestoreReport> {
    if Vault::exists(to) {
        return Err(Error::VaultExists(to.to_path_buf()));
    }
    if to.exists() && fs::read_dir(to)?.next().is_some() {
        return Err(Error::NotEmpty(to.to_path_buf()));
    }
    let parent = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".saksi-restore-{}", uuid::Uuid::new_v4().simple()));
    private_dir(&staging)?;
    let r = (|| -> Result<(Checked, Option<crate::device_replacement::Replaced>)> {
        private_dir(&staging.join("attachments"))?;
        let checked = read_archive(
            file,
            secret,
            Some(&staging),
            "nothing was restored",
            progress,
        )?;
        sync_dir(&staging.join("attachments"))?;
        sync_dir(&staging)?;
        // The new identity is taken in the staging folder: the vault is put in place with it,
        // or not at all.
        let replaced = match device {
            NewDevice::Keep => None,
            NewDevice::Take(passphrase) => {
                let mut v = Vault::open(&staging, passphrase)?;
                let replaced = v.take_new_device_identity()?;
                v.lock()?;
                sync_dir(&staging)?;
                Some(replaced)
            }
        };
        if to.exists() {
            fs::remove_dir(to)?; // empty, checked above
        }
        fs::rename(&staging, to)?;
        sync_dir(parent)?;
        Ok((checked, replaced))
    })();
    match r {
        Ok((c, new_device)) => Ok(RestoreReport {
            vault: to.to_path_buf(),
            files: c.files.len(),
            bytes: c.files.iter().map(|f| f.size).sum(),
            device_id: c.manifest.device_id,
            created_at: c.manifest.created_at,
            new_device,
        }),
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn open_stream(file: &Path, secret: &BackupSecret) -> Result<impl Read> {
    let not_backup = || Error::BadBackup(format!("{} is not a Saksi backup", file.display()));
    let f = fs::File::open(file)?;
    let d = age::Decryptor::new_buffered(BufReader::new(f)).map_err(|e| match e {
        age::DecryptError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => Error::from(e),
        _ => not_backup(),
    })?;
    if !d.is_scrypt() {
        return Err(not_backup());
    }
    let mut identity = age::scrypt::Identity::new(secret.scrypt_passphrase());
    identity.set_max_work_factor(MAX_LOG_N);
    d.decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::ExcessiveWork { required, .. } => Error::BadBackup(format!(
                "the backup asks for scrypt work 2^{required}, more than the 2^{MAX_LOG_N} this Saksi accepts: refused before trying (nothing was changed)"
            )),
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed => Error::WrongBackupSecret,
            _ => not_backup(),
        })
}

/// A writer that hashes what goes through it and passes it on to an optional file.
struct Sink {
    file: Option<fs::File>,
    hasher: Sha256,
    n: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(f) = &mut self.file {
            f.write_all(buf)?;
        }
        self.hasher.update(buf);
        self.n += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn check_manifest(m: &Manifest) -> std::result::Result<(), String> {
    if m.format != FORMAT {
        return Err(format!("its manifest says format {:?}", m.format));
    }
    if m.version != VERSION {
        return Err(format!(
            "it has backup format version {}, which this Saksi does not know: update Saksi",
            m.version
        ));
    }
    let mut seen = HashSet::new();
    for f in &m.files {
        if !allowed(&f.path) || !seen.insert(f.path.as_str()) {
            return Err(format!("its manifest names {:?}", f.path));
        }
        if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("its manifest has a bad hash for {:?}", f.path));
        }
    }
    if !seen.contains("vault.key") || !seen.contains("vault.db") {
        return Err("its manifest lacks the key file or the database".into());
    }
    Ok(())
}

fn read_archive(
    file: &Path,
    secret: &BackupSecret,
    dest: Option<&Path>,
    outcome: &str,
    report: &mut dyn Progress,
) -> Result<Checked> {
    let stream = open_stream(file, secret)?;
    let mut progress = Reached::default();
    let mut archive = tar::Archive::new(stream);
    let manifest = {
        let mut entries = archive
            .entries()
            .map_err(|_| progress.damaged("unreadable", outcome))?
            .raw(true);
        let mut first = match entries.next() {
            Some(Ok(e)) => e,
            _ => return Err(progress.damaged("no manifest", outcome)),
        };
        if first.path_bytes().as_ref() != MANIFEST.as_bytes() || first.size() > MAX_MANIFEST {
            return Err(progress.damaged("no manifest first", outcome));
        }
        let mut json = Vec::new();
        first
            .read_to_end(&mut json)
            .map_err(|_| progress.damaged("manifest unreadable", outcome))?;
        let manifest: Manifest = serde_json::from_slice(&json)
            .map_err(|_| progress.damaged("manifest unreadable", outcome))?;
        check_manifest(&manifest).map_err(|why| {
            Error::BadBackup(format!(
                "this is not a backup Saksi can restore: {why}; {outcome}"
            ))
        })?;
        progress.total = Some((
            manifest.files.len(),
            manifest.files.iter().map(|f| f.size).sum(),
        ));
        for want in &manifest.files {
            let mut e = match entries.next() {
                Some(Ok(e)) => e,
                Some(Err(_)) => return Err(progress.damaged("unreadable entry", outcome)),
                None => return Err(progress.damaged("files missing", outcome)),
            };
            if e.path_bytes().as_ref() != want.path.as_bytes() || e.size() != want.size {
                return Err(progress.damaged(&format!("{} not as listed", want.path), outcome));
            }
            let file = match dest {
                Some(d) => Some(create_private(&d.join(&want.path))?),
                None => None,
            };
            let mut sink = Sink {
                file,
                hasher: Sha256::new(),
                n: 0,
            };
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let k = e
                    .read(&mut buf)
                    .map_err(|_| progress.damaged(&want.path, outcome))?;
                if k == 0 {
                    break;
                }
                sink.write_all(&buf[..k])?;
                check(
                    report,
                    progress.bytes_ok + sink.n,
                    progress.total.map(|t| t.1),
                )?;
            }
            if let Some(f) = &sink.file {
                f.sync_all()?;
            }
            if sink.n != want.size || hex::encode(sink.hasher.finalize()) != want.sha256 {
                return Err(progress.damaged(&format!("{} altered", want.path), outcome));
            }
            progress.files_ok += 1;
            progress.bytes_ok += want.size;
        }
        if let Some(extra) = entries.next() {
            let what = match extra {
                Ok(_) => "an unlisted file",
                Err(_) => "after the last file",
            };
            return Err(progress.damaged(what, outcome));
        }
        manifest
    };
    // Read to the very end: age authenticates the last chunk only there, which is how a
    // truncated backup is told from a whole one.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|_| progress.damaged("its end", outcome))?;
    Ok(Checked {
        files: manifest.files.clone(),
        manifest,
    })
}
