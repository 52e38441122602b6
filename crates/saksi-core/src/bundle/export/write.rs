//! Streaming a planned, signed bundle: the age-encrypted tar written to a temporary file beside
//! the output, every record and attachment re-hashed on the way against the signed manifest,
//! the file renamed into place only once the export is recorded.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::plan::{custody_lines, load_record, Planned, PlannedFile};
use super::{parse_uuid, Signed};
use crate::bundle::manifest::{self, FileEntry};
use crate::bundle::ExportError;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

/// Counts and hashes what passes through, for streamed tar entries.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    n: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.n += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn header(path: &str, size: u64, mtime: u64) -> Result<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).map_err(Error::Io)?;
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    Ok(h)
}

/// Appends an entry whose bytes are produced by `body`; checks they are exactly `size` bytes
/// with the expected SHA-256 (else `on_mismatch`).
fn append_streamed<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    entry: &FileEntry,
    mtime: u64,
    on_mismatch: impl FnOnce() -> Error,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let h = header(path, entry.size, mtime)?;
    let w = tar.get_mut();
    w.write_all(h.as_bytes())?;
    let mut hw = Hashing {
        inner: &mut *w,
        hasher: Sha256::new(),
        n: 0,
    };
    body(&mut hw)?;
    let (n, sha) = (hw.n, hex::encode(hw.hasher.finalize()));
    if n != entry.size || sha != entry.sha256 {
        return Err(on_mismatch());
    }
    let pad = (512 - (n % 512)) % 512;
    w.write_all(&vec![0u8; pad as usize])?;
    Ok(())
}

/// Appends an attachment's entry: its blob decrypted and hashed on a second thread
/// ([`crate::crypto::pipe::ReadAhead`]) while this one encrypts the bundle; checks it is exactly
/// the size and SHA-256 the manifest names (else `altered`). An error reading the blob is
/// `altered` too; an error writing (or a cancel) is the writer's own.
fn append_piped<W: Write>(
    tar: &mut tar::Builder<W>,
    entry: &FileEntry,
    mtime: u64,
    blob: impl io::Read + Send + 'static,
    altered: impl Fn() -> Error,
) -> Result<()> {
    let h = header(&entry.path, entry.size, mtime)?;
    let w = tar.get_mut();
    w.write_all(h.as_bytes())?;
    let mut r = crate::crypto::pipe::ReadAhead::new(blob)?;
    let mut buf = zeroize::Zeroizing::new(vec![0u8; crate::crypto::pipe::CHUNK]);
    loop {
        let n = io::Read::read(&mut r, &mut buf).map_err(|_| altered())?;
        if n == 0 {
            break;
        }
        w.write_all(&buf[..n])?;
    }
    let (sha, n) = r.digest().map_err(|_| altered())?;
    if n != entry.size || sha != entry.sha256 {
        return Err(altered());
    }
    let pad = (512 - (n % 512)) % 512;
    w.write_all(&vec![0u8; pad as usize])?;
    Ok(())
}

/// Counts bytes written and asks `progress` whether to go on; a Break fails the write with
/// the `cancelled` flag set, which the export turns into [`Error::Cancelled`].
struct ProgressWriter<'p, W> {
    inner: W,
    done: u64,
    total: u64,
    progress: &'p mut dyn Progress,
    cancelled: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<W: Write> Write for ProgressWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.done += n as u64;
        if self.progress.update(self.done, Some(self.total)).is_break() {
            self.cancelled.set(true);
            return Err(io::Error::other("cancelled"));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The archive's temporary file beside the output, removed unless it was renamed into place,
/// whatever stops the export (an error, a cancel, a failed commit).
pub(super) struct Partial {
    pub(super) path: PathBuf,
    parent: PathBuf,
}

impl Partial {
    pub(super) fn beside(out: &Path) -> Partial {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".into());
        Partial {
            path: parent.join(format!(".{file_name}.{}.partial", Uuid::new_v4().simple())),
            parent: parent.to_path_buf(),
        }
    }

    /// Renames the complete bundle into place (after the export was recorded).
    pub(super) fn publish(self, out: &Path) -> Result<()> {
        fs::rename(&self.path, out)?;
        crate::vault::sync_dir(&self.parent)?;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What goes into the archive, in manifest order.
pub(super) struct Contents<'a> {
    pub(super) signed: &'a Signed,
    pub(super) planned: &'a [Planned],
    pub(super) files: &'a [PlannedFile],
    /// The records whose custody entries travel (`custody.jsonl`, if any).
    pub(super) subjects: &'a HashSet<String>,
    /// Consent withdrawals that travel without their testimony.
    pub(super) withdrawals: &'a std::collections::BTreeSet<String>,
    /// The `record_deleted` entries that travel (`crate::deletion::outgoing`).
    pub(super) tombstones: &'a HashSet<String>,
    pub(super) custody: bool,
    pub(super) include_contacts: bool,
}

/// Writes the age-encrypted tar to `tmp`, returning its size. A cancel through `progress` is
/// [`Error::Cancelled`].
pub(super) fn write_archive(
    vault: &Vault,
    conn: &Connection,
    tmp: &Path,
    recipients: &[age::x25519::Recipient],
    c: &Contents<'_>,
    progress: &mut dyn Progress,
) -> Result<u64> {
    let mtime = chrono::Utc::now().timestamp().max(0) as u64;
    let cancelled = std::rc::Rc::new(std::cell::Cell::new(false));
    let s = c.signed;
    let total: u64 = s.m.files.iter().map(|f| f.size).sum();
    let written = (|| -> Result<u64> {
        let file = crate::vault::create_private(tmp)?;
        let enc =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("cannot set up bundle encryption"))?;
        let counted = ProgressWriter {
            inner: io::BufWriter::new(file),
            done: 0,
            total,
            progress,
            cancelled: cancelled.clone(),
        };
        let stream = enc.wrap_output(counted)?;
        let mut tar = tar::Builder::new(stream);
        let small = |tar: &mut tar::Builder<_>, path: &str, bytes: &[u8]| -> Result<()> {
            tar.append(&header(path, bytes.len() as u64, mtime)?, bytes)?;
            Ok(())
        };
        small(&mut tar, manifest::MANIFEST, &s.manifest_bytes)?;
        small(&mut tar, manifest::MANIFEST_SIG, &s.manifest_sig)?;
        small(&mut tar, manifest::SUMS, &s.sums)?;
        small(&mut tar, manifest::SUMS_SIG, &s.sums_sig)?;
        let mut entries = s.m.files.iter().skip(2);
        for p in c.planned {
            let entry = entries.next().ok_or(Error::Internal("manifest order"))?;
            let mut rec = load_record(conn, p.record_type, &p.id, c.include_contacts)?;
            rec.ancestors = p.ancestors.clone();
            let bytes = rec.to_bytes();
            append_streamed(
                &mut tar,
                &entry.path,
                entry,
                mtime,
                || Error::Corrupt(format!("record {} changed during export", p.id)),
                |w| {
                    w.write_all(&bytes)?;
                    Ok(())
                },
            )?;
        }
        if c.custody {
            let entry = entries.next().ok_or(Error::Internal("manifest order"))?;
            append_streamed(
                &mut tar,
                manifest::CUSTODY,
                entry,
                mtime,
                || Error::Corrupt("the custody log changed during export".into()),
                |w| {
                    custody_lines(conn, c.subjects, c.withdrawals, c.tombstones, |line| {
                        Ok(w.write_all(line)?)
                    })
                },
            )?;
        }
        for f in c.files {
            let entry = entries.next().ok_or(Error::Internal("manifest order"))?;
            let id = parse_uuid(&f.id)?;
            append_piped(
                &mut tar,
                entry,
                mtime,
                crate::evidence::open_original(vault, &id)?,
                || ExportError::AttachmentAltered(f.id.clone()).into(),
            )?;
        }
        let stream = tar.into_inner()?;
        let counted = stream.finish()?;
        let file = counted
            .inner
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    })();
    match written {
        Err(_) if cancelled.get() => Err(Error::Cancelled),
        other => other,
    }
}
