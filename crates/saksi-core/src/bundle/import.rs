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
//! 3. pass 2 decrypts again and applies in one transaction, re-checking every hash, merging by
//!    UUID and version, keeping concurrent edits as conflicts; attachment blobs written on the
//!    way are deleted unless the transaction commits;
//! 4. the staging folder is removed, whatever the outcome.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::keys::{self, TrustedDevice};
use super::lineage::{self, Lineage, Relation};
use super::manifest::{self, EntryName, FileEntry, Manifest, Withheld};
use super::receipt::{self, ReceiptSummary};
use super::records::{self, RecordFile};
use super::{blobs, header, limits, BundleError, Tx};
use crate::crypto::minisign::{self, SignatureFile};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

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
    let identities = match identities {
        Some(ids) => ids,
        None => {
            let mut ids = Vec::new();
            ids.extend(keys::hq_identity(vault)?);
            ids.extend(super::keys::stored_device_identity(vault)?);
            if ids.is_empty() {
                return Err(BundleError::NoHqKey.into());
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

    let verified = {
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
        verify(&vault.conn, vault.device().id(), opened.pass()?, &recipient)?
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
    let summary = apply(vault, opened.pass()?, &verified)?;
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

fn map_header_error(e: age::DecryptError) -> Error {
    use age::DecryptError as D;
    match e {
        D::NoMatchingKeys => BundleError::NotForUs.into(),
        D::InvalidMac | D::DecryptionFailed | D::KeyDecryptionFailed => {
            BundleError::Damaged(" in the header".into()).into()
        }
        _ => BundleError::NotAgeFile.into(),
    }
}

fn open_decryptor(path: &Path) -> Result<age::Decryptor<BufReader<fs::File>>> {
    let f = fs::File::open(path)?;
    let d = age::Decryptor::new_buffered(BufReader::new(f)).map_err(|e| match e {
        age::DecryptError::Io(_)
        | age::DecryptError::InvalidHeader
        | age::DecryptError::UnknownFormat => Error::from(BundleError::NotAgeFile),
        other => map_header_error(other),
    })?;
    if d.is_scrypt() {
        return Err(BundleError::Passphrase.into());
    }
    Ok(d)
}

/// One of the importer's identities, noting whether it was the one that unwrapped the file key
/// (age tries them in turn and does not say which matched). The unwrapping is age's own.
struct Watched<'a> {
    inner: &'a age::x25519::Identity,
    index: usize,
    matched: &'a Cell<Option<usize>>,
}

impl age::Identity for Watched<'_> {
    fn unwrap_stanza(
        &self,
        stanza: &age_core::format::Stanza,
    ) -> Option<std::result::Result<age_core::format::FileKey, age::DecryptError>> {
        let r = self.inner.unwrap_stanza(stanza);
        if matches!(r, Some(Ok(_))) {
            self.matched.set(Some(self.index));
        }
        r
    }
}

/// The staged bundle with its header parsed and its file key unwrapped, once per import; each
/// pass reads the plaintext again from the start (age's seekable reader, which authenticates
/// every chunk it hands out as on a first read).
struct Opened {
    reader: Rc<RefCell<age::stream::StreamReader<BufReader<fs::File>>>>,
    /// Which identity opened it.
    identity: usize,
}

impl Opened {
    /// A reader of the plaintext from its first byte.
    fn pass(&self) -> Result<Plain> {
        self.reader
            .borrow_mut()
            .seek(SeekFrom::Start(0))
            .map_err(|_| BundleError::Damaged(String::new()))?;
        Ok(Plain {
            inner: self.reader.clone(),
            age_failed: Rc::new(Cell::new(false)),
        })
    }
}

/// Opens the staged file with whichever of `identities` its header is for, parsing the header
/// once and trying every identity on it.
fn find_identity(path: &Path, identities: &[age::x25519::Identity]) -> Result<Opened> {
    let matched = Cell::new(None);
    let watched: Vec<Watched<'_>> = identities
        .iter()
        .enumerate()
        .map(|(index, inner)| Watched {
            inner,
            index,
            matched: &matched,
        })
        .collect();
    let reader = open_decryptor(path)?
        .decrypt(watched.iter().map(|w| w as &dyn age::Identity))
        .map_err(map_header_error)?;
    let identity = matched.get().ok_or(BundleError::NotForUs)?;
    Ok(Opened {
        reader: Rc::new(RefCell::new(reader)),
        identity,
    })
}

/// The decrypted stream, remembering whether age (rather than tar) reported an error.
pub(crate) struct Plain {
    inner: Rc<RefCell<age::stream::StreamReader<BufReader<fs::File>>>>,
    pub(crate) age_failed: Rc<Cell<bool>>,
}

impl Read for Plain {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .borrow_mut()
            .read(buf)
            .inspect_err(|_| self.age_failed.set(true))
    }
}

/// Turns an I/O error met while reading the archive into the right message.
pub(crate) fn read_error(flag: &Cell<bool>, e: io::Error) -> Error {
    if flag.get() {
        BundleError::Damaged(String::new()).into()
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        BundleError::Damaged(": the archive ends early".into()).into()
    } else {
        BundleError::Malformed("the archive".into(), e.to_string()).into()
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

/// Reads at most `max` bytes; more is an error.
pub(crate) fn read_bounded(
    r: &mut impl Read,
    size: u64,
    max: u64,
    what: &str,
) -> std::result::Result<Vec<u8>, io::Error> {
    if size > max {
        return Err(io::Error::other(format!("{what} is over its size limit")));
    }
    let mut v = Vec::with_capacity(size as usize);
    r.take(max + 1).read_to_end(&mut v)?;
    Ok(v)
}

/// The plaintext after the archive's end: zero padding only, read to the end so that age checks
/// the final chunk.
pub(crate) fn check_tail(mut r: impl Read, flag: &Cell<bool>) -> Result<()> {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|e| read_error(flag, e))?;
        if n == 0 {
            return Ok(());
        }
        total += n as u64;
        if buf[..n].iter().any(|b| *b != 0) || total > limits::MAX_TAR_PADDING {
            return Err(BundleError::ExtraFile("data after the end of the archive".into()).into());
        }
    }
}

/// The result of pass 1.
struct Verified {
    manifest: Manifest,
    manifest_sha256: String,
    signer: TrustedDevice,
    signer_key: VerifyingKey,
    already: bool,
}

impl Verified {
    fn summary(&self) -> ImportSummary {
        ImportSummary {
            bundle_id: self.manifest.bundle_id.clone(),
            device_id: self.manifest.device_id.clone(),
            device_name: self.signer.name.clone(),
            sequence: self.manifest.sequence,
            created_at: self.manifest.created_at.clone(),
            manifest_sha256: self.manifest_sha256.clone(),
            withheld_by_sender: self.manifest.withheld.clone(),
            ..Default::default()
        }
    }
}

fn for_each_custody_line(
    r: impl Read,
    mut f: impl FnMut(custody::Entry) -> Result<()>,
) -> Result<()> {
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut r)
            .take(limits::MAX_CUSTODY_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if n > limits::MAX_CUSTODY_LINE_BYTES {
            return Err(BundleError::TooLarge("a custody log line is over 64 KiB".into()).into());
        }
        let entry: custody::Entry = serde_json::from_slice(&line)
            .map_err(|e| BundleError::Malformed(manifest::CUSTODY.into(), e.to_string()))?;
        f(entry)?;
    }
}

/// Reads `r` to its end, hashing, passing each chunk to `sink`.
fn hash_stream(
    r: &mut impl Read,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut n_total = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        n_total += n as u64;
        sink(&buf[..n]).map_err(|e| io::Error::other(e.to_string()))?;
    }
    Ok((hex::encode(h.finalize()), n_total))
}

fn entry_name<R: Read>(e: &tar::Entry<'_, R>) -> Result<(String, EntryName)> {
    let raw = e.path_bytes();
    let name = std::str::from_utf8(&raw)
        .map_err(|_| {
            BundleError::BadEntryName(String::from_utf8_lossy(&raw).escape_default().to_string())
        })?
        .to_string();
    let kind = e.header().entry_type();
    if !matches!(kind, tar::EntryType::Regular) {
        return Err(BundleError::BadEntryName(format!(
            "{} (not a regular file)",
            name.escape_default()
        ))
        .into());
    }
    let parsed = EntryName::parse(&name)?;
    Ok((name, parsed))
}

/// Pass 1: verify everything, apply nothing.
fn verify(
    conn: &Connection,
    own_device: &str,
    stream: Plain,
    our_recipient: &str,
) -> Result<Verified> {
    let flag = stream.age_failed.clone();
    let rd = |e: io::Error| read_error(&flag, e);
    let mut archive = tar::Archive::new(stream);
    let mut entries = archive.entries().map_err(rd)?.raw(true);

    // manifest.json
    let mut first = entries
        .next()
        .ok_or_else(|| BundleError::NotABundle("the archive is empty".into()))?
        .map_err(rd)?;
    let (_, name) = entry_name(&first)?;
    if name != EntryName::Manifest {
        return Err(BundleError::NotABundle("the first file is not manifest.json".into()).into());
    }
    if first.size() > limits::MAX_MANIFEST_BYTES {
        return Err(BundleError::TooLarge("manifest.json is over 32 MiB".into()).into());
    }
    let manifest_bytes = {
        let n = first.size();
        read_bounded(&mut first, n, limits::MAX_MANIFEST_BYTES, "manifest.json")
    }
    .map_err(rd)?;
    drop(first);

    // manifest.json.minisig
    let mut second = match entries.next() {
        None => return Err(BundleError::Unsigned.into()),
        Some(e) => e.map_err(rd)?,
    };
    let (_, name) = entry_name(&second)?;
    if name != EntryName::ManifestSig {
        return Err(BundleError::Unsigned.into());
    }
    if second.size() > limits::MAX_SIGNATURE_BYTES {
        return Err(BundleError::TooLarge("the manifest signature is over 4 KiB".into()).into());
    }
    let sig_bytes = {
        let n = second.size();
        read_bounded(&mut second, n, limits::MAX_SIGNATURE_BYTES, "the signature")
    }
    .map_err(rd)?;
    drop(second);
    let sig = SignatureFile::parse(&sig_bytes).map_err(|_| BundleError::BadSignature)?;
    let signer = keys::trusted_by_key_id(conn, &sig.key_id)?
        .ok_or_else(|| BundleError::UnknownSigner(minisign::key_id_display(&sig.key_id)))?;
    if let Some(at) = &signer.revoked_at {
        return Err(BundleError::RevokedSigner(signer.id.clone(), at.clone()).into());
    }
    let signer_key = signer.public_key.ok_or_else(|| {
        Error::Corrupt(format!("trusted device {}: its key is damaged", signer.id))
    })?;
    sig.verify(&signer_key, &manifest_bytes)
        .map_err(|_| BundleError::BadSignature)?;
    let manifest_sha256 = super::sha256_hex(&manifest_bytes);

    // The manifest itself (signed, so from here on a failure is the signer's doing or a bug).
    let mut m = Manifest::parse(&manifest_bytes)?;
    if m.device_id != signer.id {
        return Err(BundleError::Malformed(
            manifest::MANIFEST.into(),
            "device_id is not the signing device".into(),
        )
        .into());
    }
    if sig.trusted_comment != m.trusted_comment() {
        return Err(BundleError::Malformed(
            manifest::MANIFEST_SIG.into(),
            "the trusted comment does not describe this manifest".into(),
        )
        .into());
    }
    let sums_comment = format!("{} SHA256SUMS", m.trusted_comment());
    // Ids are compared as ids, never as text: the same bundle id in capitals is the same id.
    m.bundle_id = Uuid::parse_str(&m.bundle_id)
        .map_err(|_| {
            BundleError::Malformed(manifest::MANIFEST.into(), "bundle_id is not a UUID".into())
        })?
        .to_string();
    if !m.recipients.iter().any(|r| r.recipient == our_recipient) {
        return Err(
            BundleError::NotAddressedToUs(keys::recipient_fingerprint(our_recipient)).into(),
        );
    }
    let sums = m.sums_file();
    let expected_sums = m.files.iter().find(|f| f.path == manifest::SUMS);
    if expected_sums.map(|f| f.sha256.as_str()) != Some(super::sha256_hex(sums.as_bytes()).as_str())
    {
        return Err(BundleError::Malformed(
            manifest::MANIFEST.into(),
            "SHA256SUMS is not listed or does not match the manifest".into(),
        )
        .into());
    }
    if !m.files.iter().any(|f| f.path == manifest::SUMS_SIG) {
        return Err(BundleError::BadSumsSignature.into());
    }
    let already = replay_check(conn, &m, &manifest_sha256)?;

    // Every other file, in manifest order.
    let mut expected = m.files.iter();
    let mut attachment_records: HashMap<Uuid, (String, u64)> = HashMap::new();
    let mut attachment_files: HashMap<Uuid, (String, u64)> = HashMap::new();
    let mut sums_seen: Option<Vec<u8>> = None;
    let mut sums_signed = false;
    // Records whose author is not the signer, waiting for the author's own signed entry.
    let mut claims: Vec<(String, &'static str, Uuid, String, String)> = Vec::new();
    let mut authors: HashSet<String> = HashSet::new();
    // (record type, record id, version hash, device) attested by a valid custody entry.
    let mut attested: HashSet<(String, String, String, String)> = HashSet::new();
    for entry in entries {
        let mut entry = entry.map_err(rd)?;
        let (path, name) = entry_name(&entry)?;
        let Some(want) = expected.next() else {
            return Err(BundleError::ExtraFile(path.escape_default().to_string()).into());
        };
        if want.path != path {
            return Err(if m.files.iter().any(|f| f.path == path) {
                BundleError::MissingFile(want.path.clone())
            } else {
                BundleError::ExtraFile(path.escape_default().to_string())
            }
            .into());
        }
        if entry.size() > name.max_size() {
            return Err(BundleError::TooLarge(format!("{path} is {} bytes", entry.size())).into());
        }
        if entry.size() != want.size {
            return Err(BundleError::HashMismatch(path).into());
        }
        let (sha, size) = match &name {
            EntryName::Sums => {
                let bytes =
                    read_bounded(&mut entry, want.size, name.max_size(), &path).map_err(rd)?;
                let r = (super::sha256_hex(&bytes), bytes.len() as u64);
                sums_seen = Some(bytes);
                r
            }
            EntryName::SumsSig => {
                let bytes =
                    read_bounded(&mut entry, want.size, name.max_size(), &path).map_err(rd)?;
                // SHA256SUMS comes first in the manifest; its signature must verify over it
                // exactly as `minisign -Vm SHA256SUMS` checks it.
                let ok = sums_seen.as_deref().is_some_and(|sums| {
                    SignatureFile::parse(&bytes).is_ok_and(|s| {
                        s.key_id == minisign::key_id(&signer_key)
                            && s.trusted_comment == sums_comment
                            && s.verify(&signer_key, sums).is_ok()
                    })
                });
                if !ok {
                    return Err(BundleError::BadSumsSignature.into());
                }
                sums_signed = true;
                (super::sha256_hex(&bytes), bytes.len() as u64)
            }
            EntryName::Record { record_type, id } => {
                let bytes = read_bounded(&mut entry, want.size, limits::MAX_RECORD_BYTES, &path)
                    .map_err(rd)?;
                let sha = super::sha256_hex(&bytes);
                if sha != want.sha256 {
                    return Err(BundleError::HashMismatch(path).into());
                }
                let rec: RecordFile = serde_json::from_slice(&bytes)
                    .map_err(|e| BundleError::Malformed(path.clone(), e.to_string()))?;
                let spec = records::spec(record_type)
                    .ok_or_else(|| BundleError::BadEntryName(path.clone()))?;
                records::validate(conn, &path, spec, &id.to_string(), &rec)?;
                let author = rec.device_id().unwrap_or_default().to_string();
                if author != m.device_id {
                    claims.push((
                        path.clone(),
                        record_type,
                        *id,
                        rec.version_hash(),
                        author.clone(),
                    ));
                }
                authors.insert(author);
                if *record_type == "attachment" {
                    let sha = rec.text("sha256").unwrap_or_default().to_string();
                    let size = rec
                        .row
                        .get("size")
                        .and_then(|v| v.as_u64())
                        .unwrap_or_default();
                    attachment_records.insert(*id, (sha, size));
                }
                (sha, bytes.len() as u64)
            }
            EntryName::Custody => {
                let mut hasher = Sha256::new();
                let mut n = 0u64;
                let tee = TeeHash {
                    inner: &mut entry,
                    hasher: &mut hasher,
                    n: &mut n,
                };
                let mut chains = custody::Chains::default();
                for_each_custody_line(tee, |e| {
                    let broken = |why: String| Error::from(BundleError::CustodyBroken(why));
                    e.check().map_err(|p| {
                        broken(format!("entry {}: {}", e.id.escape_default(), p.describe()))
                    })?;
                    chains.follow(&e).map_err(broken)?;
                    let held = if e.device_id == own_device {
                        custody::check_own(conn, &e)?
                    } else {
                        custody::check_against_held(conn, &e)?
                    };
                    if let Some(why) = held {
                        return Err(broken(why));
                    }
                    if e.action == Action::RecordVersion.as_str() {
                        if let (Some(t), Some(s), Some(h)) =
                            (&e.subject_type, &e.subject_id, &e.content_hash)
                        {
                            attested.insert((t.clone(), s.clone(), h.clone(), e.device_id.clone()));
                        }
                    }
                    Ok(())
                })
                .map_err(|e| match e {
                    Error::Io(io) => read_error(&flag, io),
                    other => other,
                })?;
                (hex::encode(hasher.finalize()), n)
            }
            EntryName::File { id } => {
                let r = hash_stream(&mut entry, |_| Ok(())).map_err(rd)?;
                attachment_files.insert(*id, (r.0.clone(), r.1));
                r
            }
            EntryName::Manifest | EntryName::ManifestSig => {
                return Err(BundleError::ExtraFile(path.escape_default().to_string()).into())
            }
        };
        if sha != want.sha256 || size != want.size {
            return Err(BundleError::HashMismatch(path).into());
        }
    }
    if let Some(missing) = expected.next() {
        return Err(BundleError::MissingFile(missing.path.clone()).into());
    }
    let stream = archive.into_inner();
    check_tail(stream, &flag)?;
    if !sums_signed {
        return Err(BundleError::BadSumsSignature.into());
    }
    if attachment_records != attachment_files {
        return Err(BundleError::Malformed(
            manifest::MANIFEST.into(),
            "attachment records and attachment files do not match".into(),
        )
        .into());
    }
    // Authorship (invariant 9): a record written by another device is accepted only with that
    // device's own signed entry for exactly that version; a revoked device proves nothing.
    for author in &authors {
        if let Some(at) = keys::trusted_by_id(conn, author)?.and_then(|d| d.revoked_at) {
            return Err(BundleError::RevokedSigner(author.clone(), at).into());
        }
    }
    for (path, ty, id, version_hash, author) in claims {
        if !attested.contains(&(ty.to_string(), id.to_string(), version_hash, author.clone())) {
            return Err(BundleError::UnprovenAuthor {
                record: path,
                device: author,
            }
            .into());
        }
    }
    Ok(Verified {
        manifest: m,
        manifest_sha256,
        signer,
        signer_key,
        already,
    })
}

struct TeeHash<'a, R> {
    inner: R,
    hasher: &'a mut Sha256,
    n: &'a mut u64,
}

impl<R: Read> Read for TeeHash<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        *self.n += n as u64;
        Ok(n)
    }
}

/// Whether this exact bundle was imported before; a different bundle with the same id or the
/// same device sequence number is a replay.
fn replay_check(conn: &Connection, m: &Manifest, manifest_sha256: &str) -> Result<bool> {
    let by_id: Option<String> = conn
        .query_row(
            "SELECT manifest_sha256 FROM bundle_import WHERE bundle_id = ?1",
            [&m.bundle_id],
            |r| r.get(0),
        )
        .optional()?;
    let by_seq: Option<String> = conn
        .query_row(
            "SELECT manifest_sha256 FROM bundle_import WHERE device_id = ?1 AND sequence = ?2",
            params![m.device_id, m.sequence],
            |r| r.get(0),
        )
        .optional()?;
    match (by_id, by_seq) {
        (None, None) => Ok(false),
        (Some(a), Some(b)) if a == manifest_sha256 && b == manifest_sha256 => Ok(true),
        _ => Err(BundleError::Replayed {
            device: m.device_id.clone(),
            sequence: m.sequence,
        }
        .into()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Added,
    Updated,
    Unchanged,
    Stale,
    Conflict,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Stale => "stale",
            Outcome::Conflict => "conflict",
        }
    }
}

fn record_conflict(
    conn: &Connection,
    rec: &RecordFile,
    local: Option<&RecordFile>,
    m: &Manifest,
) -> Result<()> {
    let json = String::from_utf8_lossy(&rec.to_bytes()).into_owned();
    let dup: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM record_conflict WHERE record_type = ?1 AND record_id = ?2
                        AND incoming_json = ?3 AND resolved_at IS NULL)",
        params![rec.record_type, rec.id, json],
        |r| r.get(0),
    )?;
    if !dup {
        conn.execute(
            "INSERT INTO record_conflict (id, record_type, record_id, bundle_id, device_id, local_version,
                incoming_version, incoming_json, detected_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                Uuid::now_v7().to_string(),
                rec.record_type,
                rec.id,
                m.bundle_id,
                m.device_id,
                local.and_then(RecordFile::version),
                rec.version(),
                json,
                crate::model::now()
            ],
        )?;
    }
    Ok(())
}

/// What an applied record's lineage becomes once every row of the bundle is in place.
struct LineageUpdate {
    record_type: &'static str,
    id: String,
    head: String,
    ancestors: Vec<String>,
}

/// Merges one record. An incoming version applies only as a fast-forward: made from exactly the
/// version held here (its ancestors name it) by the same author; a version number never
/// decides. Anything else is kept side by side as a conflict. See docs/bundle-format.md,
/// "Merging".
fn merge(
    conn: &Connection,
    spec: &'static records::Spec,
    rec: &RecordFile,
    m: &Manifest,
    links: &mut Vec<BTreeMap<String, serde_json::Value>>,
    lineages: &mut Vec<LineageUpdate>,
) -> Result<Outcome> {
    let update = |lineages: &mut Vec<LineageUpdate>| {
        lineages.push(LineageUpdate {
            record_type: spec.record_type,
            id: rec.id.clone(),
            head: rec.version_hash(),
            ancestors: rec.ancestors.clone(),
        })
    };
    let Some(local) = records::load(conn, spec, &rec.id, true)? else {
        links.extend(records::insert(conn, spec, rec, &[])?);
        update(lineages);
        return Ok(Outcome::Added);
    };
    if local.same_as(rec) {
        return Ok(Outcome::Unchanged);
    }
    let held: Lineage = lineage::refresh(conn, &local)?;
    match held.relate(rec) {
        Relation::Same => Ok(Outcome::Unchanged),
        Relation::Older => Ok(Outcome::Stale),
        Relation::Descendant if local.device_id() == rec.device_id() => {
            links.extend(records::update(conn, spec, rec)?);
            update(lineages);
            Ok(Outcome::Updated)
        }
        // Made from this version but by another device, or from another version: never a
        // silent overwrite (a coerced laptop cannot replace HQ's or another device's record).
        Relation::Descendant | Relation::Concurrent => {
            record_conflict(conn, rec, Some(&local), m)?;
            Ok(Outcome::Conflict)
        }
    }
}

/// Pass 2: apply in one transaction.
fn apply(vault: &mut Vault, stream: Plain, v: &Verified) -> Result<ImportSummary> {
    let vault = &*vault;
    let conn = &vault.conn;
    let m = &v.manifest;
    let flag = stream.age_failed.clone();
    let rd = |e: io::Error| read_error(&flag, e);
    let tx = Tx::begin(conn)?;
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut summary = v.summary();
    let mut links = Vec::new();
    let mut applied: Vec<(&'static str, String)> = Vec::new();
    let mut items: Vec<(String, &'static str, String, String, Outcome)> = Vec::new();
    let mut new_attachments: HashMap<Uuid, RecordFile> = HashMap::new();
    let mut lineages: Vec<LineageUpdate> = Vec::new();
    let mut blobs_written: Vec<blobs::StagedBlob> = Vec::new();
    let files: HashMap<&str, &FileEntry> = m.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let attachments_dir = vault.attachments_dir();

    let mut archive = tar::Archive::new(stream);
    for entry in archive.entries().map_err(rd)?.raw(true) {
        let mut entry = entry.map_err(rd)?;
        let (path, name) = entry_name(&entry)?;
        let want = match name {
            EntryName::Manifest | EntryName::ManifestSig => continue,
            _ => *files
                .get(path.as_str())
                .ok_or_else(|| BundleError::ExtraFile(path.clone()))?,
        };
        match name {
            EntryName::Record { record_type, id } => {
                let bytes = read_bounded(&mut entry, want.size, limits::MAX_RECORD_BYTES, &path)
                    .map_err(rd)?;
                if super::sha256_hex(&bytes) != want.sha256 {
                    return Err(BundleError::HashMismatch(path).into());
                }
                let rec: RecordFile = serde_json::from_slice(&bytes)
                    .map_err(|e| BundleError::Malformed(path.clone(), e.to_string()))?;
                let spec = records::spec(record_type)
                    .ok_or_else(|| BundleError::BadEntryName(path.clone()))?;
                let outcome = if record_type == "attachment" {
                    let local_sha: Option<String> = conn
                        .query_row(
                            "SELECT sha256 FROM attachment WHERE id = ?1",
                            [id.to_string()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    match local_sha {
                        None => {
                            lineages.push(LineageUpdate {
                                record_type,
                                id: rec.id.clone(),
                                head: rec.version_hash(),
                                ancestors: rec.ancestors.clone(),
                            });
                            new_attachments.insert(id, rec.clone());
                            Outcome::Added
                        }
                        Some(h) if Some(h.as_str()) == rec.text("sha256") => Outcome::Unchanged,
                        Some(_) => {
                            record_conflict(conn, &rec, None, m)?;
                            Outcome::Conflict
                        }
                    }
                } else {
                    merge(conn, spec, &rec, m, &mut links, &mut lineages)?
                };
                *match outcome {
                    Outcome::Added => &mut summary.added,
                    Outcome::Updated => &mut summary.updated,
                    Outcome::Unchanged => &mut summary.unchanged,
                    Outcome::Stale => &mut summary.stale,
                    Outcome::Conflict => &mut summary.conflicts,
                }
                .entry(record_type.to_string())
                .or_default() += 1;
                if matches!(outcome, Outcome::Added | Outcome::Updated)
                    && record_type != "attachment"
                {
                    applied.push((record_type, id.to_string()));
                }
                // What HQ confirms in its receipt: the record's content as it came (without
                // its ancestors), which is what the sender compares before purging.
                items.push((path, record_type, id.to_string(), rec.sha256(), outcome));
            }
            EntryName::Custody => {
                let mut hasher = Sha256::new();
                let mut n = 0u64;
                let tee = TeeHash {
                    inner: &mut entry,
                    hasher: &mut hasher,
                    n: &mut n,
                };
                for_each_custody_line(tee, |e| {
                    // This device's own entries, sent back, are already in its own log.
                    if e.device_id == vault.device().id() {
                        return Ok(());
                    }
                    let inserted = conn.execute(
                        "INSERT OR IGNORE INTO imported_custody (id, device_id, seq, at, action, subject_type,
                            subject_id, content_hash, details, prev_hash, entry_hash, public_key, signature, bundle_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        params![
                            e.id, e.device_id, e.seq, e.at, e.action, e.subject_type, e.subject_id,
                            e.content_hash, e.details, e.prev_hash, e.entry_hash,
                            e.public_key, e.signature, m.bundle_id
                        ],
                    )?;
                    summary.custody_entries += inserted as u64;
                    Ok(())
                })
                .map_err(|e| match e {
                    Error::Io(io) => read_error(&flag, io),
                    other => other,
                })?;
                if hex::encode(hasher.finalize()) != want.sha256 || n != want.size {
                    return Err(BundleError::HashMismatch(path).into());
                }
            }
            EntryName::File { id } => {
                if let Some(rec) = new_attachments.remove(&id) {
                    let target_type = rec.text("record_type").unwrap_or_default().to_string();
                    let target_id = rec.text("record_id").unwrap_or_default().to_string();
                    let exists = records::spec(&target_type)
                        .filter(|s| matches!(s.record_type, "incident" | "testimony" | "person"))
                        .map(|s| records::load(conn, s, &target_id, false))
                        .transpose()?
                        .flatten()
                        .is_some();
                    if !exists {
                        return Err(BundleError::Inconsistent(format!(
                            "attachment {id} belongs to a record this vault does not hold"
                        ))
                        .into());
                    }
                    let blob = blobs::write(&attachments_dir, &mut entry, &want.sha256, want.size)
                        .map_err(|e| match e {
                            Error::Io(io) => read_error(&flag, io),
                            other => other,
                        })?;
                    let spec =
                        records::spec("attachment").ok_or(Error::Crypto("attachment spec"))?;
                    let media_type = rec.text("media_type").unwrap_or_default();
                    // Thumbnails are not carried in bundles: HQ makes its own from the
                    // verified original.
                    let (thumbnail, note) = match crate::evidence::thumbnail_for_blob(
                        &blob.path,
                        &blob.identity,
                        media_type,
                        want.size,
                    ) {
                        Ok(t) => (
                            rusqlite::types::Value::Blob(t),
                            rusqlite::types::Value::Null,
                        ),
                        Err(why) => (
                            rusqlite::types::Value::Null,
                            rusqlite::types::Value::Text(why),
                        ),
                    };
                    records::insert(
                        conn,
                        spec,
                        &rec,
                        &[
                            ("blob_name", &blob.blob_name),
                            ("age_identity", blob.identity_param()),
                            ("thumbnail", &thumbnail),
                            ("thumbnail_note", &note),
                        ],
                    )?;
                    blobs_written.push(blob);
                } else {
                    let (sha, size) = hash_stream(&mut entry, |_| Ok(())).map_err(rd)?;
                    if sha != want.sha256 || size != want.size {
                        return Err(BundleError::HashMismatch(path).into());
                    }
                }
            }
            _ => {
                let (sha, size) = hash_stream(&mut entry, |_| Ok(())).map_err(rd)?;
                if sha != want.sha256 || size != want.size {
                    return Err(BundleError::HashMismatch(path).into());
                }
            }
        }
    }
    check_tail(archive.into_inner(), &flag)?;
    if !new_attachments.is_empty() {
        return Err(BundleError::MissingFile("an attachment's file".into()).into());
    }
    for l in &links {
        if !records::insert_link(conn, l)? {
            summary.links_dropped += 1;
        }
    }
    let problems: Vec<String> = {
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "{} → {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(2)?
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if let Some(p) = problems.first() {
        return Err(BundleError::Inconsistent(format!(
            "records refer to records this vault does not hold ({p})"
        ))
        .into());
    }
    for l in &lineages {
        let spec = records::spec(l.record_type).ok_or(Error::Internal("record spec"))?;
        let stored = records::load(conn, spec, &l.id, true)?
            .ok_or_else(|| Error::not_found("record", &l.id))?;
        lineage::put(
            conn,
            l.record_type,
            &l.id,
            &Lineage {
                head: l.head.clone(),
                stored: stored.version_hash(),
                ancestors: l.ancestors.clone(),
            },
        )?;
    }
    let now = crate::model::now();
    for (ty, id) in &applied {
        let spec = records::spec(ty).ok_or(Error::Crypto("record spec"))?;
        let local =
            records::load(conn, spec, id, true)?.ok_or_else(|| Error::not_found("record", id))?;
        conn.execute(
            "INSERT INTO provenance (record_type, record_id, device_id, bundle_id, version, local_sha256, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (record_type, record_id) DO UPDATE SET device_id = excluded.device_id,
                bundle_id = excluded.bundle_id, version = excluded.version,
                local_sha256 = excluded.local_sha256, imported_at = excluded.imported_at",
            params![ty, id, m.device_id, m.bundle_id, local.version().unwrap_or(0), local.sha256(), now],
        )?;
    }
    let summary_json = serde_json::to_string(&summary).map_err(|_| Error::Crypto("summary"))?;
    conn.execute(
        "INSERT INTO bundle_import (bundle_id, device_id, sequence, manifest_sha256, created_at, imported_at, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![m.bundle_id, m.device_id, m.sequence, v.manifest_sha256, m.created_at, now, summary_json],
    )?;
    for (path, ty, id, sha, outcome) in &items {
        conn.execute(
            "INSERT INTO bundle_import_item (bundle_id, path, record_type, record_id, sha256, outcome)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![m.bundle_id, path, ty, id, sha, outcome.as_str()],
        )?;
    }
    let details = serde_json::json!({
        "device_id": m.device_id, "sequence": m.sequence,
        "added": &summary.added, "updated": &summary.updated, "conflicts": &summary.conflicts,
    })
    .to_string();
    custody::append_on(
        conn,
        vault.device(),
        Action::Import,
        Some(("bundle", &m.bundle_id)),
        Some(&v.manifest_sha256),
        Some(&details),
    )?;
    tx.commit()?;
    for b in blobs_written {
        b.keep();
    }
    crate::vault::sync_dir(&attachments_dir)?;
    let _ = &v.signer_key;
    Ok(summary)
}
