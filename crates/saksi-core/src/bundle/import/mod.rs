//! Importing a bundle (or a receipt), all or nothing.
//!
//! age hands out plaintext chunk by chunk before it can know whether the file was truncated, so
//! nothing is applied while decrypting for the first time:
//! 0. before anything is copied or decrypted, the file's size is capped, the framing of its age
//!    header is checked within a bounded prefix (`header.rs`: magic, stanza count, MAC line) and
//!    the vault's file system must have room for it, so junk costs what was read and no more;
//! 1. the bundle is copied, still encrypted, into `VAULT/staging/` (so both passes read the same
//!    bytes, whatever happens to the USB stick); its header is parsed and its file key unwrapped
//!    once, and each pass reads the plaintext again from the start;
//! 2. pass 1 decrypts it and verifies everything: the age stream to its authenticated end, the
//!    entry names against a fixed grammar, the manifest's minisign signature by a trusted, not
//!    revoked device, the recipient binding, the format version, the sequence number, every
//!    file's size and SHA-256, every record's JSON against this vault's schema, every custody
//!    entry's signature, the limits;
//!    Each attachment new here is encrypted into its blob (a `.part` file under a fresh key) as
//!    pass 1 hashes it, so that its bytes are decrypted once;
//! 3. pass 2 decrypts again and applies in one transaction, re-checking the hash of every record
//!    and the custody log, merging by UUID and version, keeping concurrent edits as conflicts;
//!    attachment files are not decrypted again: the reader seeks past them and pass 2 names the
//!    blobs pass 1 wrote; blobs are deleted unless the transaction commits;
//! 4. the staging folder is removed, whatever the outcome.
//!
//! Here: the public types and the orchestration (pre-checks, staging, the two passes). The
//! decrypted-stream plumbing is `bundle/stream.rs` (shared with receipts), pass 1 `verify.rs`,
//! pass 2 `apply.rs`, merging one record and recording a conflict `merge.rs`; many files with one
//! unlock, each on its own, `batch.rs`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use super::keys;
use super::manifest::Withheld;
use super::receipt::{self, ReceiptSummary};
use super::stream::{find_identity, read_error, Plain};
use super::{header, limits, BundleError};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

mod apply;
mod batch;
mod merge;
mod verify;

use crate::bundle::KeyError;
pub use batch::{batch_files, import_batch, BatchError, BatchItem, BatchReport, BUNDLE_EXTENSION};

use apply::apply;
#[doc(hidden)]
pub use verify::check_record_file;
use verify::verify;

/// What an import did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ImportOutcome {
    /// A bundle, applied.
    Imported(ImportSummary),
    /// This exact bundle was imported before: nothing changed.
    AlreadyImported(ImportSummary),
    /// A receipt from HQ, recorded.
    Receipt(ReceiptSummary),
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportSummary {
    pub bundle_id: String,
    pub device_id: String,
    pub device_name: String,
    pub sequence: i64,
    pub created_at: String,
    pub manifest_sha256: String,
    pub added: BTreeMap<String, u64>,
    pub updated: BTreeMap<String, u64>,
    pub unchanged: BTreeMap<String, u64>,
    /// Older copies of records this vault already holds in a newer version.
    pub stale: BTreeMap<String, u64>,
    /// Concurrent edits kept side by side (see `saksi conflict list`).
    pub conflicts: BTreeMap<String, u64>,
    pub links_dropped: u64,
    pub custody_entries: u64,
    pub withheld_by_sender: Vec<Withheld>,
    /// Deletions received, by what was done (`applied`, `pending`, `conflict`, `not_held`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deletions: BTreeMap<String, u64>,
    /// Consent withdrawals new here (issue 13): applied from this import on.
    #[serde(skip_serializing_if = "is_zero")]
    pub consent_withdrawals: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Imports `file`, decrypting with `identities` (default: the vault's HQ identity and this
/// device's own identity, for receipts).
pub fn import(
    vault: &mut Vault,
    file: &Path,
    identities: Option<Vec<age::x25519::Identity>>,
) -> Result<ImportOutcome> {
    import_with(vault, file, identities, &mut ())
}

/// [`import`] with progress in three equal phases (staging copy by bytes, verification,
/// application; total = 3 × the bundle's size). Cancelling is possible until the verified
/// bundle is applied; the vault is then unchanged and the staged copy removed.
pub fn import_with(
    vault: &mut Vault,
    file: &Path,
    identities: Option<Vec<age::x25519::Identity>>,
    progress: &mut dyn Progress,
) -> Result<ImportOutcome> {
    // Importing stages a copy in the vault folder before anything is verified. It changes
    // records, so review mode refuses it too.
    vault.records_writable()?;
    let identities = match identities {
        Some(ids) => ids,
        None => {
            let mut ids = Vec::new();
            ids.extend(keys::hq_identity(vault)?);
            ids.extend(super::keys::stored_device_identity(vault)?);
            if ids.is_empty() {
                return Err(KeyError::NoHqKey.into());
            }
            ids
        }
    };
    // Refuse junk before copying it: the size cap, then the age header's framing within a
    // bounded prefix, then the free space; only then is the file staged.
    let mut src = fs::File::open(file)
        .map_err(|e| Error::invalid(format!("cannot read {}: {e}", file.display())))?;
    let meta = src
        .metadata()
        .map_err(|e| Error::invalid(format!("cannot read {}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Error::invalid(format!("{} is not a file", file.display())));
    }
    let size = meta.len();
    if size > limits::MAX_BUNDLE_FILE_BYTES {
        return Err(BundleError::TooLarge(format!("the bundle file is {size} bytes")).into());
    }
    let prefix = header::read_prefix(&mut src)?;
    let shape = header::check(&prefix, size)?;
    check_free_space(vault.dir(), size)?;

    let staging = Staging::new(vault.dir())?;
    let staged = staging.dir.join(format!("{}.age", Uuid::new_v4().simple()));
    let total = Some(size.saturating_mul(3));
    {
        use std::io::Write;
        // The staged copy starts with exactly the bytes checked above, and is never longer
        // than the size the checks were made for.
        let mut dst = crate::vault::create_private(&staged)?;
        dst.write_all(&prefix)?;
        let mut done = prefix.len() as u64;
        let mut rest = src.take(size.saturating_sub(done));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = rest.read(&mut buf)?;
            if n == 0 {
                break;
            }
            dst.write_all(&buf[..n])?;
            done += n as u64;
            crate::progress::check(progress, done, total)?;
        }
        dst.sync_all()?;
    }
    let opened = find_identity(&staged, &identities)?;
    let recipient = identities
        .get(opened.identity)
        .ok_or(BundleError::NotForUs)?
        .to_public()
        .to_string();

    let mut verified = {
        let mut stream = opened.pass()?;
        let first = peek_kind(&mut stream)?;
        match first {
            Kind::Receipt => {
                drop(stream);
                return receipt::import_receipt(vault, opened.pass()?).map(ImportOutcome::Receipt);
            }
            Kind::Bundle => {}
        }
        drop(stream);
        let dir = vault.blob_dir();
        verify(
            &vault.conn,
            vault.device().id(),
            opened.pass()?,
            &recipient,
            Some(&dir),
        )?
    };
    // The signed manifest names every reader: a header with more recipients than it lists was
    // encrypted (or re-encrypted) to someone the sender did not choose.
    let listed = verified.manifest.recipients.len();
    if shape.recipients() != listed || shape.x25519 != listed {
        return Err(BundleError::UnlistedRecipients {
            header: shape.recipients(),
            listed,
        }
        .into());
    }
    if verified.already {
        return Ok(ImportOutcome::AlreadyImported(verified.summary()));
    }
    // The last moment to cancel: from here on the bundle is applied in one transaction.
    crate::progress::check(progress, size.saturating_mul(2), total)?;
    let blobs = std::mem::take(&mut verified.blobs);
    let summary = apply(vault, opened.pass()?, &verified, blobs)?;
    crate::progress::check(progress, size.saturating_mul(3), total).ok();
    Ok(ImportOutcome::Imported(summary))
}

/// Refuses to stage a bundle of `size` bytes unless the vault's file system has room for the
/// staged copy, the attachment blobs made from it and a margin for the database
/// ([`space_needed`]).
fn check_free_space(vault_dir: &Path, size: u64) -> Result<()> {
    let available = free_space(vault_dir)?;
    let needed = space_needed(size);
    if available < needed {
        return Err(BundleError::NoSpace { needed, available }.into());
    }
    Ok(())
}

/// The space an import of a `size`-byte bundle may use at its peak: the staged (encrypted) copy,
/// the re-encrypted attachment blobs (at most the bundle's size again) and
/// [`limits::FREE_SPACE_MARGIN`] for the database and its journal.
pub(crate) fn space_needed(size: u64) -> u64 {
    size.saturating_mul(2)
        .saturating_add(limits::FREE_SPACE_MARGIN)
}

/// Bytes available to this (unprivileged) process on the file system holding `dir`.
#[cfg(unix)]
fn free_space(dir: &Path) -> Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("{} is not a usable path", dir.display())))?;
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized, writable struct;
    // statvfs writes only into it.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(io::Error::last_os_error().into());
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Result<u64> {
    Ok(u64::MAX)
}

/// `VAULT/staging/`, removed on drop (and cleared of leftovers from a crash on creation).
struct Staging {
    dir: PathBuf,
}

impl Staging {
    fn new(vault_dir: &Path) -> Result<Staging> {
        let dir = vault_dir.join("staging");
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        crate::vault::private_dir(&dir)?;
        Ok(Staging { dir })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

enum Kind {
    Bundle,
    Receipt,
}

/// Reads the first tar header to tell a bundle from a receipt.
fn peek_kind(stream: &mut Plain) -> Result<Kind> {
    let flag = stream.age_failed.clone();
    let mut block = [0u8; 512];
    stream
        .read_exact(&mut block)
        .map_err(|e| read_error(&flag, e))?;
    let name_end = block[..100].iter().position(|b| *b == 0).unwrap_or(100);
    let name = &block[..name_end];
    Ok(if name == receipt::RECEIPT.as_bytes() {
        Kind::Receipt
    } else {
        Kind::Bundle
    })
}
