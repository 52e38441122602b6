//! Pass 1 of an import: read the whole decrypted bundle and verify everything (signatures,
//! signer, recipients, sequence, every file's size and hash, every record, every custody entry,
//! authorship), applying nothing.

use crate::sql::Cached;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::rc::Rc;

use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::ImportSummary;
use crate::bundle::keys::{self, TrustedDevice};
use crate::bundle::manifest::{self, EntryName, FileEntry, Manifest};
use crate::bundle::rows::{self, RecordFile};
use crate::bundle::stream::{
    check_tail, entry_name, hash_stream, read_bounded, read_custody, read_error, stream_error,
    Plain,
};
use crate::bundle::{limits, sha256_hex, BundleError};
use crate::crypto::blob::{BlobDir, NewBlob};
use crate::crypto::minisign::{self, SignatureFile};
use crate::custody::{self, Action};
use crate::device_replacement::{self, Replacement};
use crate::error::{Error, Result};

/// The result of pass 1.
pub(super) struct Verified {
    pub(super) manifest: Manifest,
    pub(super) manifest_sha256: String,
    pub(super) signer: TrustedDevice,
    pub(super) signer_key: VerifyingKey,
    pub(super) already: bool,
    /// Blobs of attachments new here, written from the bytes this pass verified (`.part` files,
    /// removed on drop unless pass 2 names them), so that pass 2 does not decrypt them again.
    pub(super) blobs: HashMap<Uuid, NewBlob>,
    /// Devices the signer replaced (its verified `device_replaced` statements), recorded by
    /// pass 2 before any record is merged.
    pub(super) replacements: Vec<Replacement>,
}

impl Verified {
    pub(super) fn summary(&self) -> ImportSummary {
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

/// Pass 1: verify everything, apply nothing. With `blobs`, every attachment new here is also
/// encrypted into its own blob as it is hashed (kept only if pass 2 commits).
pub(super) fn verify(
    conn: &Connection,
    own_device: &str,
    stream: Plain,
    our_recipient: &str,
    blobs: Option<&BlobDir>,
) -> Result<Verified> {
    let flag = stream.age_failed.clone();
    let rd = |e: io::Error| read_error(&flag, e);
    let mut archive = tar::Archive::new(stream);
    let mut entries = archive.entries().map_err(rd)?.raw(true);

    let manifest_bytes = read_manifest(&mut entries, &flag)?;
    let sig_bytes = read_manifest_sig(&mut entries, &flag)?;
    let (sig, signer, signer_key) = check_signer(conn, &sig_bytes, &manifest_bytes)?;
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    // The manifest itself (signed, so from here on a failure is the signer's doing or a bug).
    let (m, sums_comment) = check_manifest(&manifest_bytes, &signer, &sig, our_recipient)?;
    let already = replay_check(conn, &m, &manifest_sha256)?;

    // Every other file, in manifest order.
    let mut c = Checking::new(
        conn,
        own_device,
        &m,
        &signer_key,
        sums_comment,
        flag.clone(),
    );
    c.blob_dir = blobs;
    let mut expected = m.files.iter();
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
        let (sha, size) = c.entry(&mut entry, &path, &name, want)?;
        if sha != want.sha256 || size != want.size {
            return Err(BundleError::HashMismatch(path).into());
        }
    }
    if let Some(missing) = expected.next() {
        return Err(BundleError::MissingFile(missing.path.clone()).into());
    }
    let stream = archive.into_inner();
    check_tail(stream, &flag)?;
    let blobs = std::mem::take(&mut c.prewritten);
    let replacements = c.finish()?;
    Ok(Verified {
        manifest: m,
        manifest_sha256,
        signer,
        signer_key,
        already,
        blobs,
        replacements,
    })
}

/// The first entry, `manifest.json`, read within its limit.
fn read_manifest(entries: &mut tar::Entries<'_, Plain>, flag: &Cell<bool>) -> Result<Vec<u8>> {
    let rd = |e: io::Error| read_error(flag, e);
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
    let n = first.size();
    read_bounded(&mut first, n, limits::MAX_MANIFEST_BYTES, "manifest.json").map_err(rd)
}

/// The second entry, `manifest.json.minisig`, read within its limit.
fn read_manifest_sig(entries: &mut tar::Entries<'_, Plain>, flag: &Cell<bool>) -> Result<Vec<u8>> {
    let rd = |e: io::Error| read_error(flag, e);
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
    let n = second.size();
    read_bounded(&mut second, n, limits::MAX_SIGNATURE_BYTES, "the signature").map_err(rd)
}

/// The manifest's signature, by a trusted device that is not revoked.
fn check_signer(
    conn: &Connection,
    sig_bytes: &[u8],
    manifest_bytes: &[u8],
) -> Result<(SignatureFile, TrustedDevice, VerifyingKey)> {
    let sig = SignatureFile::parse(sig_bytes).map_err(|_| BundleError::BadSignature)?;
    let signer = keys::trusted_by_key_id(conn, &sig.key_id)?
        .ok_or_else(|| BundleError::UnknownSigner(minisign::key_id_display(&sig.key_id)))?;
    if let Some(by) = &signer.superseded_by {
        return Err(BundleError::SupersededSigner {
            device: signer.id.clone(),
            by: by.clone(),
            at: signer.superseded_at.clone().unwrap_or_default(),
        }
        .into());
    }
    if let Some(at) = &signer.revoked_at {
        return Err(BundleError::RevokedSigner(signer.id.clone(), at.clone()).into());
    }
    let signer_key = signer.public_key.ok_or_else(|| {
        Error::Corrupt(format!("trusted device {}: its key is damaged", signer.id))
    })?;
    sig.verify(&signer_key, manifest_bytes)
        .map_err(|_| BundleError::BadSignature)?;
    Ok((sig, signer, signer_key))
}

/// The signed manifest: made by its signer, addressed to us, with SHA256SUMS listed and
/// matching. Gives it (bundle id in canonical form) and the trusted comment SHA256SUMS's
/// signature must carry.
fn check_manifest(
    manifest_bytes: &[u8],
    signer: &TrustedDevice,
    sig: &SignatureFile,
    our_recipient: &str,
) -> Result<(Manifest, String)> {
    let mut m = Manifest::parse(manifest_bytes)?;
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
    if expected_sums.map(|f| f.sha256.as_str()) != Some(sha256_hex(sums.as_bytes()).as_str()) {
        return Err(BundleError::Malformed(
            manifest::MANIFEST.into(),
            "SHA256SUMS is not listed or does not match the manifest".into(),
        )
        .into());
    }
    if !m.files.iter().any(|f| f.path == manifest::SUMS_SIG) {
        return Err(BundleError::BadSumsSignature.into());
    }
    Ok((m, sums_comment))
}

/// What pass 1 gathers from the entries after the manifest, checked at the end.
struct Checking<'a> {
    conn: &'a Connection,
    own_device: &'a str,
    m: &'a Manifest,
    signer_key: &'a VerifyingKey,
    sums_comment: String,
    flag: Rc<Cell<bool>>,
    attachment_records: HashMap<Uuid, (String, u64)>,
    attachment_files: HashMap<Uuid, (String, u64)>,
    sums_seen: Option<Vec<u8>>,
    sums_signed: bool,
    /// Records whose author is not the signer, waiting for the author's own signed entry.
    claims: Vec<(String, &'static str, Uuid, String, String)>,
    authors: HashSet<String>,
    /// (record type, record id, version hash, device) attested by a valid custody entry.
    attested: HashSet<(String, String, String, String)>,
    /// Where new attachments' blobs are written while they are verified (none: hash only).
    blob_dir: Option<&'a BlobDir>,
    prewritten: HashMap<Uuid, NewBlob>,
    /// The signer's verified `device_replaced` statements.
    replacements: Vec<Replacement>,
}

impl<'a> Checking<'a> {
    fn new(
        conn: &'a Connection,
        own_device: &'a str,
        m: &'a Manifest,
        signer_key: &'a VerifyingKey,
        sums_comment: String,
        flag: Rc<Cell<bool>>,
    ) -> Self {
        Checking {
            conn,
            own_device,
            m,
            signer_key,
            sums_comment,
            flag,
            attachment_records: HashMap::new(),
            attachment_files: HashMap::new(),
            sums_seen: None,
            sums_signed: false,
            claims: Vec::new(),
            authors: HashSet::new(),
            attested: HashSet::new(),
            blob_dir: None,
            prewritten: HashMap::new(),
            replacements: Vec::new(),
        }
    }

    /// Checks one entry by its kind; gives its SHA-256 and size as read.
    fn entry(
        &mut self,
        entry: &mut impl Read,
        path: &str,
        name: &EntryName,
        want: &FileEntry,
    ) -> Result<(String, u64)> {
        let flag = self.flag.clone();
        let rd = |e: io::Error| read_error(&flag, e);
        match name {
            EntryName::Sums => {
                let bytes = read_bounded(entry, want.size, name.max_size(), path).map_err(rd)?;
                let r = (sha256_hex(&bytes), bytes.len() as u64);
                self.sums_seen = Some(bytes);
                Ok(r)
            }
            EntryName::SumsSig => {
                let bytes = read_bounded(entry, want.size, name.max_size(), path).map_err(rd)?;
                self.sums_sig(&bytes)?;
                Ok((sha256_hex(&bytes), bytes.len() as u64))
            }
            EntryName::Record { record_type, id } => {
                let bytes =
                    read_bounded(entry, want.size, limits::MAX_RECORD_BYTES, path).map_err(rd)?;
                let sha = sha256_hex(&bytes);
                if sha != want.sha256 {
                    return Err(BundleError::HashMismatch(path.to_string()).into());
                }
                self.record(path, record_type, *id, &bytes)?;
                Ok((sha, bytes.len() as u64))
            }
            EntryName::Custody => self.custody(entry),
            EntryName::File { id } => {
                let r = match self.blob_dir {
                    // New here: encrypted into its blob as it is hashed, one decryption for
                    // both passes; the blob is kept only if it is these exact bytes.
                    Some(dir) if self.is_new_attachment(id)? => {
                        let blob = crate::crypto::blob::write(dir, entry, |_, _| Ok(()))
                            .map_err(|e| stream_error(&flag, e))?;
                        let r = (blob.sha256.clone(), blob.size);
                        if r.0 == want.sha256 && r.1 == want.size {
                            self.prewritten.insert(*id, blob);
                        }
                        r
                    }
                    _ => hash_stream(entry, |_| Ok(())).map_err(rd)?,
                };
                self.attachment_files.insert(*id, (r.0.clone(), r.1));
                Ok(r)
            }
            EntryName::Manifest | EntryName::ManifestSig => {
                Err(BundleError::ExtraFile(path.escape_default().to_string()).into())
            }
        }
    }

    /// Whether the file `id` is an attachment this bundle's records describe and this vault does
    /// not hold yet (the one case in which pass 2 stores it).
    fn is_new_attachment(&self, id: &Uuid) -> Result<bool> {
        if !self.attachment_records.contains_key(id) {
            return Ok(false);
        }
        let held: Option<i64> = self
            .conn
            .row(
                "SELECT 1 FROM attachment WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(held.is_none())
    }

    /// SHA256SUMS comes first in the manifest; its signature must verify over it exactly as
    /// `minisign -Vm SHA256SUMS` checks it.
    fn sums_sig(&mut self, bytes: &[u8]) -> Result<()> {
        let ok = self.sums_seen.as_deref().is_some_and(|sums| {
            SignatureFile::parse(bytes).is_ok_and(|s| {
                s.key_id == minisign::key_id(self.signer_key)
                    && s.trusted_comment == self.sums_comment
                    && s.verify(self.signer_key, sums).is_ok()
            })
        });
        if !ok {
            return Err(BundleError::BadSumsSignature.into());
        }
        self.sums_signed = true;
        Ok(())
    }

    /// One record: valid against this vault's schema; its author noted for the authorship check.
    fn record(
        &mut self,
        path: &str,
        record_type: &'static str,
        id: Uuid,
        bytes: &[u8],
    ) -> Result<()> {
        let rec = parse_record(self.conn, path, record_type, id, bytes)?;
        let author = rec.device_id().unwrap_or_default().to_string();
        if author != self.m.device_id {
            self.claims.push((
                path.to_string(),
                record_type,
                id,
                rec.version_hash(),
                author.clone(),
            ));
        }
        self.authors.insert(author);
        if record_type == "attachment" {
            let sha = rec.text("sha256").unwrap_or_default().to_string();
            let size = rec
                .row
                .get("size")
                .and_then(|v| v.as_u64())
                .unwrap_or_default();
            self.attachment_records.insert(id, (sha, size));
        }
        Ok(())
    }

    /// The custody log: every entry re-hashed, signed, chained and in agreement with the
    /// entries this vault holds; `record_version` attestations noted.
    fn custody(&mut self, entry: &mut impl Read) -> Result<(String, u64)> {
        let mut chains = custody::Chains::default();
        let (conn, own_device) = (self.conn, self.own_device);
        let attested = &mut self.attested;
        let authors = &mut self.authors;
        let replacements = &mut self.replacements;
        let (signer_id, signer_key) = (self.m.device_id.as_str(), self.signer_key);
        read_custody(entry, &self.flag, |e| {
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
            // A consent withdrawal (issue 13): exactly the documented details; its device, like
            // a record's author, must not be revoked here (checked in `finish`).
            if e.action == Action::ConsentWithdrawn.as_str() {
                crate::consent::check_entry(&e).map_err(|why| {
                    BundleError::Malformed(
                        crate::bundle::manifest::CUSTODY.into(),
                        format!("entry {}: {why}", e.id.escape_default()),
                    )
                })?;
                authors.insert(e.device_id.clone());
            }
            // A device replaced after a restore (issue 16): honoured only as the signer's own
            // statement, signed by the old device's pinned key.
            if e.action == Action::DeviceReplaced.as_str() {
                if let Some(r) =
                    device_replacement::check_received(conn, &e, signer_id, signer_key)?
                {
                    if !replacements.contains(&r) {
                        replacements.push(r);
                    }
                }
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
    }

    /// After the last entry: SHA256SUMS signed, attachment records and files paired, and
    /// every record's author proven. Gives the replacements to record.
    fn finish(self) -> Result<Vec<Replacement>> {
        if !self.sums_signed {
            return Err(BundleError::BadSumsSignature.into());
        }
        if self.attachment_records != self.attachment_files {
            return Err(BundleError::Malformed(
                manifest::MANIFEST.into(),
                "attachment records and attachment files do not match".into(),
            )
            .into());
        }
        // Authorship (invariant 9): a record written by another device is accepted only with
        // that device's own signed entry for exactly that version; a revoked device proves
        // nothing, except to the device that replaced it (issue 16): the signer carries on the
        // work of a device it replaced, whose attestations it holds.
        for author in &self.authors {
            if let Some(at) = keys::trusted_by_id(self.conn, author)?.and_then(|d| d.revoked_at) {
                if !device_replacement::succeeds(
                    self.conn,
                    author,
                    &self.m.device_id,
                    &self.replacements,
                )? {
                    return Err(BundleError::RevokedSigner(author.clone(), at).into());
                }
            }
        }
        for (path, ty, id, version_hash, author) in self.claims {
            if !self.attested.contains(&(
                ty.to_string(),
                id.to_string(),
                version_hash,
                author.clone(),
            )) {
                return Err(BundleError::UnprovenAuthor {
                    record: path,
                    device: author,
                }
                .into());
            }
        }
        Ok(self.replacements)
    }
}

/// One record file's JSON, checked against this vault's schema (pass 1's check of a record,
/// before its author is).
fn parse_record(
    conn: &Connection,
    path: &str,
    record_type: &str,
    id: Uuid,
    bytes: &[u8],
) -> Result<RecordFile> {
    let rec: RecordFile = serde_json::from_slice(bytes)
        .map_err(|e| BundleError::Malformed(path.to_string(), e.to_string()))?;
    let spec =
        rows::spec(record_type).ok_or_else(|| BundleError::BadEntryName(path.to_string()))?;
    rows::validate(conn, path, spec, &id.to_string(), &rec)?;
    Ok(rec)
}

/// Pass 1's check of one record file on its own: its entry name, its JSON and this vault's
/// schema, without a bundle around it. The entry point of the fuzzing suites
/// (docs/security-testing.md); not part of the API.
#[doc(hidden)]
pub fn check_record_file(vault: &crate::vault::Vault, path: &str, bytes: &[u8]) -> Result<()> {
    match EntryName::parse(path)? {
        EntryName::Record { record_type, id } => {
            parse_record(&vault.conn, path, record_type, id, bytes).map(drop)
        }
        _ => Err(BundleError::BadEntryName(path.escape_default().to_string()).into()),
    }
}

/// Whether this exact bundle was imported before; a different bundle with the same id or the
/// same device sequence number is a replay.
fn replay_check(conn: &Connection, m: &Manifest, manifest_sha256: &str) -> Result<bool> {
    let by_id: Option<String> = conn
        .row(
            "SELECT manifest_sha256 FROM bundle_import WHERE bundle_id = ?1",
            [&m.bundle_id],
            |r| r.get(0),
        )
        .optional()?;
    let by_seq: Option<String> = conn
        .row(
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
