//! Pass 2 of an import: decrypt again and apply the verified bundle in one transaction,
//! re-checking every hash, merging each record as a fast-forward or keeping it as a conflict,
//! writing attachment blobs that are kept only if the transaction commits.

use std::collections::{BTreeMap, HashMap};
use std::io;

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::verify::Verified;
use super::ImportSummary;
use crate::bundle::lineage::{self, Lineage, Relation};
use crate::bundle::manifest::{EntryName, FileEntry, Manifest};
use crate::bundle::rows::{self, RecordFile};
use crate::bundle::stream::{
    check_tail, entry_name, for_each_custody_line, hash_stream, read_bounded, read_error, Plain,
    TeeHash,
};
use crate::bundle::{blobs, limits, sha256_hex, BundleError, Tx};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// What an import did with one record.
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
    spec: &'static rows::Spec,
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
    let Some(local) = rows::load(conn, spec, &rec.id, true)? else {
        links.extend(rows::insert(conn, spec, rec, &[])?);
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
            links.extend(rows::update(conn, spec, rec)?);
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
pub(super) fn apply(vault: &mut Vault, stream: Plain, v: &Verified) -> Result<ImportSummary> {
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
                if sha256_hex(&bytes) != want.sha256 {
                    return Err(BundleError::HashMismatch(path).into());
                }
                let rec: RecordFile = serde_json::from_slice(&bytes)
                    .map_err(|e| BundleError::Malformed(path.clone(), e.to_string()))?;
                let spec = rows::spec(record_type)
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
                    let blob = blobs::write(&attachments_dir, &mut entry, &want.sha256, want.size)
                        .map_err(|e| match e {
                            Error::Io(io) => read_error(&flag, io),
                            other => other,
                        })?;
                    let spec = rows::spec("attachment").ok_or(Error::Crypto("attachment spec"))?;
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
                    rows::insert(
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
        if !rows::insert_link(conn, l)? {
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
    let now = crate::model::now();
    for (ty, id) in &applied {
        let spec = rows::spec(ty).ok_or(Error::Crypto("record spec"))?;
        let local =
            rows::load(conn, spec, id, true)?.ok_or_else(|| Error::not_found("record", id))?;
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
