//! Pass 2 of an import: decrypt again and apply the verified bundle in one transaction,
//! re-checking every hash, merging each record as a fast-forward or keeping it as a conflict,
//! writing attachment blobs that are kept only if the transaction commits.

use crate::sql::Cached;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::rc::Rc;

use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use super::merge::{merge, record_conflict, LineageUpdate, Outcome};
use super::verify::Verified;
use super::ImportSummary;
use crate::bundle::lineage::{self, Lineage};
use crate::bundle::manifest::{EntryName, FileEntry, Manifest};
use crate::bundle::rows::{self, RecordFile};
use crate::bundle::stream::{
    check_tail, entry_name, hash_stream, read_bounded, read_custody, read_error, stream_error,
    Plain,
};
use crate::bundle::{blobs, limits, sha256_hex, BundleError};
use crate::crypto::blob::{BlobDir, NewBlob};
use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Pass 2: apply in one transaction. `prewritten` are the blobs pass 1 wrote for attachments
/// new here; they and any written on the way are kept only if it commits.
pub(super) fn apply(
    vault: &mut Vault,
    stream: Plain,
    v: &Verified,
    prewritten: HashMap<Uuid, NewBlob>,
) -> Result<ImportSummary> {
    let vault = &*vault;
    let attachments_dir = vault.blob_dir();
    let mut prewritten = Some(prewritten);
    let (summary, blobs_written, deleted_blobs) = vault.write(|conn, device| {
        conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        // Devices the signer replaced are recorded first, so that its edits of their records
        // merge as the same author's (merge.rs).
        for r in &v.replacements {
            crate::device_replacement::record(conn, r)?;
        }
        let mut a = Applying::new(v, stream.age_failed.clone());
        a.prewritten = prewritten.take().unwrap_or_default();
        a.read_archive(conn, device.id(), &attachments_dir, stream)?;
        a.finish(conn, device, v)
    })?;
    for b in blobs_written {
        b.keep();
    }
    crate::vault::sync_dir(&attachments_dir.path)?;
    // Received deletions applied: their keys went with their rows; now the blobs.
    crate::deletion::remove_blobs(&attachments_dir.path, &deleted_blobs)?;
    let _ = &v.signer_key;
    Ok(summary)
}

/// What pass 2 gathers while it reads the archive, completed and recorded at its end.
struct Applying<'v> {
    m: &'v Manifest,
    /// Whether age (rather than tar) reported an error on the stream.
    flag: Rc<Cell<bool>>,
    summary: ImportSummary,
    links: Vec<BTreeMap<String, serde_json::Value>>,
    /// Records added or updated (not attachments), for their provenance.
    applied: Vec<(&'static str, String)>,
    /// What HQ confirms in its receipt: (path, type, id, content hash, outcome).
    items: Vec<(String, &'static str, String, String, Outcome)>,
    /// Attachment records waiting for their file.
    new_attachments: HashMap<Uuid, RecordFile>,
    lineages: Vec<LineageUpdate>,
    blobs_written: Vec<blobs::StagedBlob>,
    /// Received tombstones (`record_deleted` entries), decided once every record is in, and
    /// other devices' `deletion` entries (a forwarder's word that it applied one).
    deletions: Vec<custody::Entry>,
    /// Blobs pass 1 wrote, by attachment id.
    prewritten: HashMap<Uuid, NewBlob>,
}

impl<'v> Applying<'v> {
    fn new(v: &'v Verified, flag: Rc<Cell<bool>>) -> Self {
        Applying {
            m: &v.manifest,
            flag,
            summary: v.summary(),
            links: Vec::new(),
            applied: Vec::new(),
            items: Vec::new(),
            new_attachments: HashMap::new(),
            lineages: Vec::new(),
            blobs_written: Vec::new(),
            deletions: Vec::new(),
            prewritten: HashMap::new(),
        }
    }

    /// Reads every entry of the archive (re-checking each hash) and applies it, then its tail.
    fn read_archive(
        &mut self,
        conn: &Connection,
        own_device: &str,
        attachments_dir: &BlobDir,
        stream: Plain,
    ) -> Result<()> {
        let flag = self.flag.clone();
        let rd = |e: io::Error| read_error(&flag, e);
        let m = self.m;
        let files: HashMap<&str, &FileEntry> =
            m.files.iter().map(|f| (f.path.as_str(), f)).collect();
        let mut archive = tar::Archive::new(stream);
        // Seeking: an entry not read (an attachment's file) is skipped without decrypting it.
        for entry in archive.entries_with_seek().map_err(rd)?.raw(true) {
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
                    self.record(conn, &mut entry, want, record_type, id)?
                }
                EntryName::Custody => self.custody(conn, own_device, &mut entry, want)?,
                EntryName::File { id } => self.file(conn, attachments_dir, &mut entry, want, id)?,
                _ => skip(&mut entry, &flag, want)?,
            }
        }
        check_tail(archive.into_inner(), &flag)?;
        if !self.new_attachments.is_empty() {
            return Err(BundleError::MissingFile("an attachment's file".into()).into());
        }
        Ok(())
    }

    /// One record: merged (or, for an attachment's record, held until its file comes).
    fn record(
        &mut self,
        conn: &Connection,
        entry: &mut impl Read,
        want: &FileEntry,
        record_type: &'static str,
        id: Uuid,
    ) -> Result<()> {
        let path = want.path.clone();
        let bytes = read_bounded(entry, want.size, limits::MAX_RECORD_BYTES, &path)
            .map_err(|e| read_error(&self.flag, e))?;
        if sha256_hex(&bytes) != want.sha256 {
            return Err(BundleError::HashMismatch(path).into());
        }
        let rec: RecordFile = serde_json::from_slice(&bytes)
            .map_err(|e| BundleError::Malformed(path.clone(), e.to_string()))?;
        let spec =
            rows::spec(record_type).ok_or_else(|| BundleError::BadEntryName(path.clone()))?;
        let outcome = if record_type == "attachment" {
            self.attachment_record(conn, id, &rec)?
        } else {
            merge(
                conn,
                spec,
                &rec,
                self.m,
                &mut self.links,
                &mut self.lineages,
            )?
        };
        *match outcome {
            Outcome::Added => &mut self.summary.added,
            Outcome::Updated => &mut self.summary.updated,
            Outcome::Unchanged => &mut self.summary.unchanged,
            Outcome::Stale => &mut self.summary.stale,
            Outcome::Conflict => &mut self.summary.conflicts,
        }
        .entry(record_type.to_string())
        .or_default() += 1;
        if matches!(outcome, Outcome::Added | Outcome::Updated) && record_type != "attachment" {
            self.applied.push((record_type, id.to_string()));
        }
        // What HQ confirms in its receipt: the record's content as it came (without
        // its ancestors), which is what the sender compares before purging.
        self.items
            .push((path, record_type, id.to_string(), rec.sha256(), outcome));
        Ok(())
    }

    /// An attachment's record: new (its file follows), the same, or a conflict (an
    /// attachment's bytes never change).
    fn attachment_record(
        &mut self,
        conn: &Connection,
        id: Uuid,
        rec: &RecordFile,
    ) -> Result<Outcome> {
        let local_sha: Option<String> = conn
            .row(
                "SELECT sha256 FROM attachment WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match local_sha {
            None => {
                self.lineages.push(LineageUpdate {
                    record_type: "attachment",
                    id: rec.id.clone(),
                    head: rec.version_hash(),
                    ancestors: rec.ancestors.clone(),
                });
                self.new_attachments.insert(id, rec.clone());
                Outcome::Added
            }
            Some(h) if Some(h.as_str()) == rec.text("sha256") => Outcome::Unchanged,
            Some(_) => {
                record_conflict(conn, rec, None, self.m)?;
                Outcome::Conflict
            }
        })
    }

    /// The custody log: other devices' entries, stored as received (verified in pass 1).
    fn custody(
        &mut self,
        conn: &Connection,
        own_device: &str,
        entry: &mut impl Read,
        want: &FileEntry,
    ) -> Result<()> {
        let m = self.m;
        let summary = &mut self.summary;
        let deletions = &mut self.deletions;
        let (sha, n) = read_custody(entry, &self.flag, |e| {
            // A consent withdrawal (checked in pass 1) applies here from this transaction on.
            if e.action == Action::ConsentWithdrawn.as_str()
                && crate::consent::record_received(conn, &e, &m.bundle_id)?
            {
                summary.consent_withdrawals += 1;
            }
            // This device's own entries, sent back, are already in its own log.
            if e.device_id == own_device {
                return Ok(());
            }
            // Tombstones, and the entries by which a forwarding device says it applied one.
            if e.action == Action::RecordDeleted.as_str() || e.action == Action::Deletion.as_str() {
                deletions.push(e.clone());
            }
            let inserted = conn.exec(
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
        })?;
        if sha != want.sha256 || n != want.size {
            return Err(BundleError::HashMismatch(want.path.clone()).into());
        }
        Ok(())
    }

    /// An attachment's file: its blob (written by pass 1 from the bytes it verified, or else
    /// encrypted now) named, kept only if the import commits, and its row inserted, if its
    /// record is new here; else skipped (pass 1 verified it).
    fn file(
        &mut self,
        conn: &Connection,
        attachments_dir: &BlobDir,
        entry: &mut impl Read,
        want: &FileEntry,
        id: Uuid,
    ) -> Result<()> {
        let Some(rec) = self.new_attachments.remove(&id) else {
            return Ok(());
        };
        let target_type = rec.text("record_type").unwrap_or_default().to_string();
        let target_id = rec.text("record_id").unwrap_or_default().to_string();
        let exists = rows::spec(&target_type)
            .filter(|s| matches!(s.record_type, "incident" | "testimony" | "person"))
            .map(|s| rows::load(conn, s, &target_id, false))
            .transpose()?
            .flatten()
            .is_some();
        if !exists {
            return Err(BundleError::Inconsistent(format!(
                "attachment {id} belongs to a record this vault does not hold"
            ))
            .into());
        }
        let blob = match self.prewritten.remove(&id) {
            Some(b) => blobs::staged(b, &want.sha256, want.size)?,
            None => blobs::write(attachments_dir, entry, &want.sha256, want.size)
                .map_err(|e| stream_error(&self.flag, e))?,
        };
        let spec = rows::spec("attachment").ok_or(Error::Internal("attachment spec"))?;
        let media_type = rec.text("media_type").unwrap_or_default();
        // Thumbnails are not carried in bundles: HQ makes its own from the verified original,
        // but not here. Decoding a photo costs many times its decryption, so the row is stored
        // with its thumbnail pending (no thumbnail, no note) and it is made after the commit,
        // when first asked for (evidence/thumbnails.rs).
        let note = if crate::evidence::is_thumbnailable(media_type) {
            rusqlite::types::Value::Null
        } else {
            rusqlite::types::Value::Text(format!("no preview for {media_type}"))
        };
        let thumbnail = rusqlite::types::Value::Null;
        // What an audio or video file is comes from the verified original (its header only).
        let media = crate::evidence::media::media_json_for_blob(
            &blob.path,
            &blob.identity,
            media_type,
            want.size,
        )
        .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Text);
        rows::insert(
            conn,
            spec,
            &rec,
            &[
                ("blob_name", &blob.blob_name),
                ("age_identity", blob.identity_param()),
                ("thumbnail", &thumbnail),
                ("thumbnail_note", &note),
                ("media_json", &media),
            ],
        )?;
        self.blobs_written.push(blob);
        Ok(())
    }

    /// Once every row is in: links, the foreign-key check, lineages, provenance, and the record
    /// of the import with its custody entry. Gives the summary and the blobs to keep on commit.
    fn finish(
        mut self,
        conn: &Connection,
        device: &DeviceIdentity,
        v: &Verified,
    ) -> Result<(ImportSummary, Vec<blobs::StagedBlob>, Vec<String>)> {
        let m = self.m;
        for l in &self.links {
            if !rows::insert_link(conn, l)? {
                self.summary.links_dropped += 1;
            }
        }
        check_foreign_keys(conn)?;
        // Redacted copies that came in: their links, checked against the hashes held here.
        crate::derivative::link_imported(conn)?;
        put_lineages(conn, &self.lineages)?;
        // Tombstones, once every record of the bundle is in (deletion/incoming.rs).
        let mut deleted_blobs = Vec::new();
        self.summary.deletions = crate::deletion::incoming::decide_received(
            conn,
            device,
            &m.bundle_id,
            &m.device_id,
            &self.deletions,
            &mut deleted_blobs,
        )?;
        let now = crate::model::now();
        for (ty, id) in &self.applied {
            let spec = rows::spec(ty).ok_or(Error::Internal("record spec"))?;
            let local =
                rows::load(conn, spec, id, true)?.ok_or_else(|| Error::not_found("record", id))?;
            conn.exec(
                "INSERT INTO provenance (record_type, record_id, device_id, bundle_id, version, local_sha256, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (record_type, record_id) DO UPDATE SET device_id = excluded.device_id,
                    bundle_id = excluded.bundle_id, version = excluded.version,
                    local_sha256 = excluded.local_sha256, imported_at = excluded.imported_at",
                params![ty, id, m.device_id, m.bundle_id, local.version().unwrap_or(0), local.sha256(), now],
            )?;
        }
        // Each record the bundle changed gets its new version in the history, authored by the
        // device and at the time the record names (the monitor's, for a fast-forward).
        crate::history::record_applied(conn, &self.applied, crate::history::Origin::Imported)?;
        let summary = self.summary;
        let summary_json =
            serde_json::to_string(&summary).map_err(|_| Error::Internal("summary"))?;
        conn.exec(
            "INSERT INTO bundle_import (bundle_id, device_id, sequence, manifest_sha256, created_at, imported_at, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![m.bundle_id, m.device_id, m.sequence, v.manifest_sha256, m.created_at, now, summary_json],
        )?;
        for (path, ty, id, sha, outcome) in &self.items {
            conn.exec(
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
            device,
            Action::Import,
            Some(("bundle", &m.bundle_id)),
            Some(&v.manifest_sha256),
            Some(&details),
        )?;
        Ok((summary, self.blobs_written, deleted_blobs))
    }
}

/// An entry applied by nobody (SHA256SUMS, its signature, a file already held): re-hashed only.
fn skip(entry: &mut impl Read, flag: &Cell<bool>, want: &FileEntry) -> Result<()> {
    let (sha, size) = hash_stream(entry, |_| Ok(())).map_err(|e| read_error(flag, e))?;
    if sha != want.sha256 || size != want.size {
        return Err(BundleError::HashMismatch(want.path.clone()).into());
    }
    Ok(())
}

/// Every reference between rows resolves once the whole bundle is in.
fn check_foreign_keys(conn: &Connection) -> Result<()> {
    let problems: Vec<String> = {
        let mut stmt = conn.prepare_cached("PRAGMA foreign_key_check")?;
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
    Ok(())
}

/// Each applied record's lineage, now that its row is stored.
fn put_lineages(conn: &Connection, lineages: &[LineageUpdate]) -> Result<()> {
    for l in lineages {
        let spec = rows::spec(l.record_type).ok_or(Error::Internal("record spec"))?;
        let stored = rows::load(conn, spec, &l.id, true)?
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
    Ok(())
}
