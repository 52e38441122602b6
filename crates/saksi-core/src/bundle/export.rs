//! Writing a bundle: choose the records (consent enforced), hash everything, sign the manifest,
//! then stream the age-encrypted tar to a temporary file that is renamed into place only once
//! the bundle is complete and the export is recorded.
//!
//! Memory stays bounded: records are serialised one at a time (twice: once to hash, once to
//! write, inside one transaction so both passes see the same data), attachments are streamed
//! from their encrypted blobs and re-hashed against the SHA-256 recorded at intake.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::keys::{self, RecipientEntry};
use super::lineage;
use super::manifest::{self, EntryName, FileEntry, Manifest, ManifestRecipient, Withheld};
use super::rows::{self, RecordFile, CONTACTS};
use super::{BundleError, Tx};
use crate::crypto::minisign;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Recipient names (see `saksi recipient add`).
    pub to: Vec<String>,
    pub out: PathBuf,
    /// Only records that changed since the last bundle to these recipients.
    pub since_last: bool,
    /// Only these incidents (and their acts, testimony, proceedings, interventions, people and
    /// attachments); empty for everything.
    pub incidents: Vec<Uuid>,
    /// Also send people's contact details (withheld by default).
    pub include_contacts: bool,
}

/// What was exported and what was left out.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub bundle_id: String,
    pub sequence: i64,
    pub out: String,
    pub device_id: String,
    pub minisign_public_key: String,
    pub recipients: Vec<RecipientEntry>,
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<Withheld>,
    pub manifest_sha256: String,
}

/// One planned record file.
struct Planned {
    record_type: &'static str,
    id: String,
    /// The record's content hash (what `--since-last` compares).
    sha256: String,
    /// The record file as it travels, with its ancestors: hash, size, ancestors.
    file_sha256: String,
    file_size: u64,
    ancestors: Vec<String>,
}

/// One planned attachment (its bytes go to `files/<id>`).
struct PlannedFile {
    id: String,
    sha256: String,
    size: u64,
}

fn ids(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn pairs(conn: &Connection, sql: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The records chosen for a bundle, by type, plus what consent kept back.
struct Selection {
    by_type: BTreeMap<&'static str, BTreeSet<String>>,
    withheld: Vec<Withheld>,
}

fn select(conn: &Connection, opts: &ExportOptions) -> Result<Selection> {
    let full = opts.incidents.is_empty();
    let incidents: BTreeSet<String> = if full {
        ids(conn, "SELECT id FROM incident")?.into_iter().collect()
    } else {
        let mut s = BTreeSet::new();
        for id in &opts.incidents {
            let id = id.to_string();
            let n: i64 =
                conn.query_row("SELECT count(*) FROM incident WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })?;
            if n == 0 {
                return Err(Error::not_found("incident", &id));
            }
            s.insert(id);
        }
        s
    };
    let in_scope =
        |inc: &Option<String>| full || inc.as_ref().is_some_and(|i| incidents.contains(i));

    let mut persons_referenced = BTreeSet::new();
    let mut involvements = BTreeSet::new();
    for (id, inc) in pairs(conn, "SELECT id, incident_id FROM involvement")? {
        if inc.as_ref().is_some_and(|i| incidents.contains(i)) {
            involvements.insert(id);
        }
    }
    for (id, p) in pairs(conn, "SELECT id, person_id FROM involvement")? {
        if involvements.contains(&id) {
            persons_referenced.extend(p);
        }
    }
    let mut proceedings = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT id, incident_id, person_id FROM proceeding")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, inc, person) = row?;
        if in_scope(&inc) {
            proceedings.insert(id);
            persons_referenced.insert(person);
        }
    }
    let mut interventions = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT id, incident_id, person_id FROM intervention")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        let (id, inc, person) = row?;
        if in_scope(&inc) {
            interventions.insert(id);
            persons_referenced.extend(person);
        }
    }
    let mut testimonies = BTreeSet::new();
    let mut withheld_testimonies = BTreeSet::new();
    let mut withheld_witnesses = BTreeSet::new();
    let mut stmt =
        conn.prepare("SELECT id, incident_id, witness_id, consent_share_hq FROM testimony")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (id, inc, witness, consent) = row?;
        if !incidents.contains(&inc) {
            continue;
        }
        if consent == 1 {
            testimonies.insert(id);
            persons_referenced.extend(witness);
        } else {
            withheld_testimonies.insert(id);
            withheld_witnesses.extend(witness);
        }
    }
    let mut withheld_persons = BTreeSet::new();
    let persons: BTreeSet<String> = if full {
        let mut all: BTreeSet<String> = ids(conn, "SELECT id FROM person")?.into_iter().collect();
        for w in &withheld_witnesses {
            if !persons_referenced.contains(w) && all.remove(w) {
                withheld_persons.insert(w.clone());
            }
        }
        all
    } else {
        persons_referenced
    };

    let mut attachments = BTreeSet::new();
    let mut withheld_attachments = 0u64;
    let mut stmt = conn.prepare("SELECT id, record_type, record_id FROM attachment")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, ty, rid) = row?;
        let included = match ty.as_str() {
            "incident" => incidents.contains(&rid),
            "testimony" => testimonies.contains(&rid),
            "person" => persons.contains(&rid),
            _ => false,
        };
        if included {
            attachments.insert(id);
        } else if withheld_testimonies.contains(&rid) || withheld_persons.contains(&rid) {
            withheld_attachments += 1;
        }
    }

    let mut withheld = Vec::new();
    if !withheld_testimonies.is_empty() {
        withheld.push(Withheld {
            record_type: "testimony".into(),
            count: withheld_testimonies.len() as u64,
            code: "no_consent".into(),
            reason: "the witness did not consent to sharing with HQ".into(),
        });
    }
    if !withheld_persons.is_empty() {
        withheld.push(Withheld {
            record_type: "person".into(),
            count: withheld_persons.len() as u64,
            code: "witness_only".into(),
            reason: "known only as the witness of a testimony without consent to share with HQ"
                .into(),
        });
    }
    if withheld_attachments > 0 {
        withheld.push(Withheld {
            record_type: "attachment".into(),
            count: withheld_attachments,
            code: "attachment_of_withheld".into(),
            reason: "attached to a testimony or person that is withheld".into(),
        });
    }
    if !opts.include_contacts {
        let mut n = 0u64;
        for p in &persons {
            n += conn.query_row(
                &format!("SELECT count(*) FROM {CONTACTS} WHERE person_id = ?1"),
                [p],
                |r| r.get::<_, i64>(0),
            )? as u64;
        }
        if n > 0 {
            withheld.push(Withheld {
                record_type: "person_contact".into(),
                count: n,
                code: "contacts".into(),
                reason: "contact details stay on this device unless --include-contacts is given"
                    .into(),
            });
        }
    }

    let mut by_type = BTreeMap::new();
    by_type.insert("person", persons);
    by_type.insert("incident", incidents);
    by_type.insert("involvement", involvements);
    by_type.insert("proceeding", proceedings);
    by_type.insert("testimony", testimonies);
    by_type.insert("intervention", interventions);
    by_type.insert("attachment", attachments);
    Ok(Selection { by_type, withheld })
}

fn load_record(
    conn: &Connection,
    record_type: &str,
    id: &str,
    with_contacts: bool,
) -> Result<RecordFile> {
    let spec = rows::spec(record_type)
        .ok_or_else(|| Error::invalid(format!("unknown record type {record_type}")))?;
    rows::load(conn, spec, id, with_contacts)?.ok_or_else(|| Error::not_found("record", id))
}

/// The custody entries about the exported subjects, one JSON object per line: this device's own
/// in log order, then those received from other devices (so that a forwarded record keeps its
/// author's signed entries), device by device in their order.
fn custody_lines(
    conn: &Connection,
    subjects: &HashSet<String>,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let own = custody::own_entries(conn)?;
    let received = custody::imported_entries(conn, None)?;
    for e in own.iter().chain(received.iter()) {
        if !e.subject_id.as_ref().is_some_and(|s| subjects.contains(s)) {
            continue;
        }
        let mut line = serde_json::to_vec(e).map_err(|_| Error::Internal("custody entry"))?;
        line.push(b'\n');
        each(&line)?;
    }
    Ok(())
}

/// The author's signed statement that it wrote this version ([`Action::RecordVersion`]), made
/// once per version, when a version this device wrote first leaves it.
fn attest(
    conn: &Connection,
    device: &crate::device::DeviceIdentity,
    rec: &RecordFile,
    version_hash: &str,
) -> Result<()> {
    if rec.device_id() != Some(device.id()) {
        return Ok(());
    }
    let done: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM custody_log WHERE action = ?1 AND subject_id = ?2
                        AND content_hash = ?3)",
        params![Action::RecordVersion.as_str(), rec.id, version_hash],
        |r| r.get(0),
    )?;
    if done {
        return Ok(());
    }
    let details = serde_json::json!({ "version": rec.version() }).to_string();
    custody::append_on(
        conn,
        device,
        Action::RecordVersion,
        Some((&rec.record_type, &rec.id)),
        Some(version_hash),
        Some(&details),
    )
}

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

/// The named recipients, each key once (two names for one key count once).
fn resolve_recipients(conn: &Connection, names: &[String]) -> Result<Vec<RecipientEntry>> {
    let mut recipients: Vec<RecipientEntry> = Vec::new();
    for name in names {
        let r = keys::recipient_by_name(conn, name)?;
        if !recipients.iter().any(|x| x.recipient == r.recipient) {
            recipients.push(r);
        }
    }
    Ok(recipients)
}

/// Pass 1: selects and hashes every record (and decides what `since_last` keeps).
fn plan(conn: &Connection, opts: &ExportOptions, recipients: &[RecipientEntry]) -> Result<Plan> {
    let selection = select(conn, opts)?;
    let mut planned: Vec<Planned> = Vec::new();
    let mut planned_files: Vec<PlannedFile> = Vec::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for ty in manifest::RECORD_TYPES {
        let Some(set) = selection.by_type.get(ty) else {
            continue;
        };
        for id in set {
            let rec = load_record(conn, ty, id, opts.include_contacts)?;
            let bytes = rec.to_bytes();
            let sha = super::sha256_hex(&bytes);
            if opts.since_last {
                let mut unchanged = true;
                for r in recipients {
                    let last: Option<String> = conn
                        .query_row(
                            "SELECT content_sha256 FROM export_state WHERE recipient = ?1 AND record_type = ?2 AND record_id = ?3",
                            params![r.recipient, ty, id],
                            |row| row.get(0),
                        )
                        .ok();
                    unchanged &= last.as_deref() == Some(sha.as_str());
                }
                if unchanged {
                    continue;
                }
            }
            if *ty == "attachment" {
                let (sha_a, size): (String, i64) = conn.query_row(
                    "SELECT sha256, size FROM attachment WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                planned_files.push(PlannedFile {
                    id: id.clone(),
                    sha256: sha_a,
                    size: size.max(0) as u64,
                });
            }
            *counts.entry(ty.to_string()).or_default() += 1;
            planned.push(Planned {
                record_type: ty,
                id: id.clone(),
                sha256: sha,
                file_sha256: String::new(),
                file_size: bytes.len() as u64,
                ancestors: Vec::new(),
            });
        }
    }
    Ok(Plan {
        selection,
        planned,
        planned_files,
        counts,
    })
}

struct Plan {
    selection: Selection,
    planned: Vec<Planned>,
    planned_files: Vec<PlannedFile>,
    counts: BTreeMap<String, u64>,
}

/// What an export would contain, without writing anything: for the consent summary shown
/// before the monitor confirms.
#[derive(Debug, Clone, Serialize)]
pub struct ExportPreview {
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<Withheld>,
}

/// Plans an export (same selection and consent rules) and says what it would hold.
pub fn preview(vault: &Vault, opts: &ExportOptions) -> Result<ExportPreview> {
    if opts.to.is_empty() {
        return Err(Error::invalid("choose at least one recipient"));
    }
    let conn = &vault.conn;
    let recipients = resolve_recipients(conn, &opts.to)?;
    let p = plan(conn, opts, &recipients)?;
    Ok(ExportPreview {
        files: p.planned_files.len(),
        bytes: p.planned.iter().map(|x| x.file_size).sum::<u64>()
            + p.planned_files.iter().map(|x| x.size).sum::<u64>(),
        counts: p.counts,
        withheld: p.selection.withheld,
    })
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

/// Writes one bundle. See the module documentation.
pub fn export(vault: &mut Vault, opts: &ExportOptions) -> Result<ExportSummary> {
    export_with(vault, opts, &mut ())
}

/// [`export`], reporting bytes written (of an estimate: the plaintext size); cancelling removes
/// the partial file and records nothing.
pub fn export_with(
    vault: &mut Vault,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary> {
    if opts.to.is_empty() {
        return Err(Error::invalid("name at least one recipient with --to"));
    }
    if opts.out.exists() {
        return Err(BundleError::OutputExists(opts.out.display().to_string()).into());
    }
    let vault = &*vault;
    let conn = &vault.conn;
    let tx = Tx::begin(conn)?;
    let recipients = resolve_recipients(conn, &opts.to)?;
    // Importers refuse a header with more stanzas than this (age adds one "grease" stanza).
    if recipients.len() >= super::limits::MAX_HEADER_STANZAS {
        return Err(Error::invalid(format!(
            "a bundle can be addressed to at most {} recipients",
            super::limits::MAX_HEADER_STANZAS - 1
        )));
    }
    let age_recipients = recipients
        .iter()
        .map(|r| keys::parse_recipient(&r.recipient))
        .collect::<Result<Vec<_>>>()?;

    let Plan {
        selection,
        mut planned,
        planned_files,
        counts,
    } = plan(conn, opts, &recipients)?;
    // Each record travels with its lineage (what an importer needs to tell a fast-forward from
    // a concurrent edit) and, where this device wrote the version, its signed attestation.
    let device = vault.device();
    for p in planned.iter_mut() {
        let mut rec = load_record(conn, p.record_type, &p.id, opts.include_contacts)?;
        let held = lineage::refresh(conn, &rec)?;
        attest(conn, device, &rec, &held.head)?;
        rec.ancestors = held.ancestors;
        let bytes = rec.to_bytes();
        p.file_sha256 = super::sha256_hex(&bytes);
        p.file_size = bytes.len() as u64;
        p.ancestors = rec.ancestors;
    }
    if planned.is_empty() {
        return Err(BundleError::NothingToExport(if opts.since_last {
            "nothing changed since the last bundle to these recipients".into()
        } else {
            "the vault holds no records that may be shared".into()
        })
        .into());
    }
    let subjects: HashSet<String> = planned.iter().map(|p| p.id.clone()).collect();
    let mut custody_hash = Sha256::new();
    let mut custody_size = 0u64;
    custody_lines(conn, &subjects, |line| {
        custody_hash.update(line);
        custody_size += line.len() as u64;
        Ok(())
    })?;

    let bundle_id = Uuid::now_v7().to_string();
    let sequence: i64 = conn.query_row(
        "SELECT coalesce(max(sequence), 0) + 1 FROM bundle_export",
        [],
        |r| r.get(0),
    )?;
    let created_at = crate::model::now();

    let mut files: Vec<FileEntry> = Vec::new();
    for p in &planned {
        files.push(FileEntry {
            path: EntryName::Record {
                record_type: p.record_type,
                id: parse_uuid(&p.id)?,
            }
            .path(),
            sha256: p.file_sha256.clone(),
            size: p.file_size,
        });
    }
    if custody_size > 0 {
        files.push(FileEntry {
            path: manifest::CUSTODY.into(),
            sha256: hex::encode(custody_hash.finalize()),
            size: custody_size,
        });
    }
    for f in &planned_files {
        files.push(FileEntry {
            path: EntryName::File {
                id: parse_uuid(&f.id)?,
            }
            .path(),
            sha256: f.sha256.clone(),
            size: f.size,
        });
    }
    let mut m = Manifest {
        format: manifest::FORMAT.into(),
        version: manifest::VERSION,
        bundle_id: bundle_id.clone(),
        device_id: device.id().to_string(),
        device_name: device.name().to_string(),
        sequence,
        created_at: created_at.clone(),
        recipients: recipients
            .iter()
            .map(|r| ManifestRecipient {
                recipient: r.recipient.clone(),
                fingerprint: r.fingerprint.clone(),
            })
            .collect(),
        since_last: opts.since_last,
        withheld: selection.withheld.clone(),
        files,
    };
    let sums = m.sums_file().into_bytes();
    let sums_sig = minisign::sign(
        device,
        &sums,
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    m.files.insert(
        0,
        FileEntry {
            path: manifest::SUMS_SIG.into(),
            sha256: super::sha256_hex(&sums_sig),
            size: sums_sig.len() as u64,
        },
    );
    m.files.insert(
        0,
        FileEntry {
            path: manifest::SUMS.into(),
            sha256: super::sha256_hex(&sums),
            size: sums.len() as u64,
        },
    );
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&m).map_err(|_| Error::Crypto("manifest"))?;
    manifest_bytes.push(b'\n');
    let manifest_sig = minisign::sign(device, &manifest_bytes, &m.trusted_comment()).into_bytes();
    let manifest_sha256 = super::sha256_hex(&manifest_bytes);

    // Pass 2: stream the archive into a temporary file beside the output.
    let parent = opts
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = opts
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let tmp = parent.join(format!(".{file_name}.{}.partial", Uuid::new_v4().simple()));
    let mtime = chrono::Utc::now().timestamp().max(0) as u64;
    let cancelled = std::rc::Rc::new(std::cell::Cell::new(false));
    let total: u64 = m.files.iter().map(|f| f.size).sum();
    let written = (|| -> Result<u64> {
        let file = crate::vault::create_private(&tmp)?;
        let enc = age::Encryptor::with_recipients(
            age_recipients.iter().map(|r| r as &dyn age::Recipient),
        )
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
        small(&mut tar, manifest::MANIFEST, &manifest_bytes)?;
        small(&mut tar, manifest::MANIFEST_SIG, &manifest_sig)?;
        small(&mut tar, manifest::SUMS, &sums)?;
        small(&mut tar, manifest::SUMS_SIG, &sums_sig)?;
        let mut entries = m.files.iter().skip(2);
        for p in &planned {
            let entry = entries.next().ok_or(Error::Crypto("manifest order"))?;
            let mut rec = load_record(conn, p.record_type, &p.id, opts.include_contacts)?;
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
        if custody_size > 0 {
            let entry = entries.next().ok_or(Error::Crypto("manifest order"))?;
            append_streamed(
                &mut tar,
                manifest::CUSTODY,
                entry,
                mtime,
                || Error::Corrupt("the custody log changed during export".into()),
                |w| custody_lines(conn, &subjects, |line| Ok(w.write_all(line)?)),
            )?;
        }
        for f in &planned_files {
            let entry = entries.next().ok_or(Error::Crypto("manifest order"))?;
            let id = parse_uuid(&f.id)?;
            append_streamed(
                &mut tar,
                &entry.path,
                entry,
                mtime,
                || BundleError::AttachmentAltered(f.id.clone()).into(),
                |w| {
                    let mut r = crate::evidence::open_original(vault, &id)?;
                    io::copy(&mut r, w)
                        .map_err(|_| Error::from(BundleError::AttachmentAltered(f.id.clone())))?;
                    Ok(())
                },
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
    let bytes = match written {
        Ok(n) => n,
        Err(_) if cancelled.get() => {
            let _ = fs::remove_file(&tmp);
            return Err(Error::Cancelled);
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };

    let summary = ExportSummary {
        bundle_id: bundle_id.clone(),
        sequence,
        out: opts.out.display().to_string(),
        device_id: device.id().to_string(),
        minisign_public_key: minisign::public_key_string(&device.public_key()),
        recipients: recipients.clone(),
        counts,
        files: m.files.len() + 2,
        bytes,
        withheld: m.withheld.clone(),
        manifest_sha256: manifest_sha256.clone(),
    };
    let recorded = (|| -> Result<()> {
        let summary_json = serde_json::to_string(&summary).map_err(|_| Error::Crypto("summary"))?;
        let recipients_json =
            serde_json::to_string(&recipients.iter().map(|r| &r.recipient).collect::<Vec<_>>())
                .map_err(|_| Error::Crypto("recipients"))?;
        conn.execute(
            "INSERT INTO bundle_export (bundle_id, sequence, created_at, recipients, manifest_sha256, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![bundle_id, sequence, created_at, recipients_json, manifest_sha256, summary_json],
        )?;
        for r in &recipients {
            for p in &planned {
                conn.execute(
                    "INSERT INTO export_state (recipient, record_type, record_id, content_sha256, bundle_id)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (recipient, record_type, record_id)
                     DO UPDATE SET content_sha256 = excluded.content_sha256, bundle_id = excluded.bundle_id",
                    params![r.recipient, p.record_type, p.id, p.sha256, bundle_id],
                )?;
            }
        }
        let details = serde_json::json!({
            "sequence": sequence,
            "recipients": recipients.iter().map(|r| &r.fingerprint).collect::<Vec<_>>(),
            "counts": &summary.counts,
            "withheld": &summary.withheld,
        })
        .to_string();
        custody::append_on(
            conn,
            device,
            Action::Export,
            Some(("bundle", &bundle_id)),
            Some(&manifest_sha256),
            Some(&details),
        )?;
        tx.commit()?;
        fs::rename(&tmp, &opts.out)?;
        crate::vault::sync_dir(parent)?;
        Ok(())
    })();
    if let Err(e) = recorded {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(summary)
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::Corrupt(format!("record id {s} is not a UUID")))
}
