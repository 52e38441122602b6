//! Deleting records (issue 13): an incident, a person, a testimony or an attachment entered by
//! mistake, or that must not exist, goes for good, and a signed tombstone says who deleted what
//! and why. The tombstone keeps only ids, hashes, the device, the time and the reason.
//!
//! One user action is one transaction ([`Vault::delete_record`]): the record and what belongs
//! to it are deleted under `PRAGMA secure_delete` (freed pages zeroed; the search index deletes
//! tokens too, FTS5 secure-delete, migration 0015), with their history snapshots, lineage,
//! provenance, kept conflicts (whose incoming copy is content) and drafts; an attachment's row
//! holds its blob's only key, so deleting the row crypto-erases the blob, which is then removed
//! from the folder. Each deleted record gets a `record_deleted` custody entry, signed by this
//! device, naming its version hash (`content_hash`) and, in `details`, its version number,
//! content hash and the reason; that entry *is* the tombstone that travels in bundles
//! (`incoming.rs` decides at the receiving end).
//!
//! What goes with what (what a monitor expects when they delete something entered by mistake):
//! - an incident goes with its acts, the proceedings recorded for it, its testimonies, the
//!   attachments of all of these and the annotations on any of them. People stay: they may be
//!   named elsewhere, and a person entered by mistake is deleted on its own.
//! - a testimony goes with its attachments; an attachment alone.
//! - a person goes with their attachments, and only when nothing else names them.
//!
//! Refused, with the list of places ([`DeletionError::InUse`]), when deleting would silently
//! change another record: a person still named in an act, a proceeding, a testimony (as
//! witness), an intervention or a merge; an incident another incident links to, or that an
//! intervention names; an attachment that is an exhibit of a case. The monitor removes it from
//! there first (an edit, which travels as one), so every change to a surviving record is one
//! they made and saw. A vault opened read-only or in review mode refuses before anything.

use std::fs;
use std::io;

use rusqlite::{params, Connection};
use serde::Serialize;
use uuid::Uuid;

use crate::bundle::rows;
use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::vault::Vault;

mod error;
pub mod incoming;
#[cfg(test)]
mod tests;

pub use error::DeletionError;
pub use incoming::{IncomingDeletion, IncomingOutcome, Policy};

/// The longest reason a tombstone keeps.
pub const MAX_REASON_CHARS: usize = 2000;

/// A record deleted here: what, which version, by whom, when and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tombstone {
    /// The id of the signed `record_deleted` custody entry that carries it.
    pub entry_id: String,
    pub record_type: String,
    pub record_id: String,
    pub version: Option<i64>,
    /// The version hash of the version deleted (what HQ compares with the version it holds).
    pub version_sha256: String,
    /// The record's content hash (for an attachment: the SHA-256 of its original bytes).
    pub content_sha256: String,
    pub device_id: String,
    pub deleted_at: String,
    pub reason: String,
    /// What each HQ said it did with it, from their receipts: (HQ device, outcome).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hq: Vec<(String, String)>,
}

/// What one deletion did.
#[derive(Debug, Clone, Serialize)]
pub struct DeletionSummary {
    /// Every record deleted, the one asked for last.
    pub tombstones: Vec<Tombstone>,
    /// Attachment blobs removed from the vault folder (their keys went with their rows).
    pub blobs_erased: u64,
}

/// The details of a `record_deleted` entry, as they travel.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub(crate) struct EntryDetails {
    pub version: Option<i64>,
    pub content_sha256: String,
    pub reason: String,
}

impl Vault {
    /// Deletes an incident, a person, a testimony or an attachment with what belongs to it
    /// (see the module documentation), in one transaction, leaving a signed tombstone for each
    /// record deleted. `reason` is required.
    pub fn delete_record(
        &mut self,
        record_type: RecordType,
        id: &Uuid,
        reason: &str,
    ) -> Result<DeletionSummary> {
        self.records_writable()?;
        let reason = check_reason(reason)?;
        if !matches!(
            record_type,
            RecordType::Incident
                | RecordType::Person
                | RecordType::Testimony
                | RecordType::Attachment
        ) {
            return Err(DeletionError::NotDeletable(record_type.as_str().into()).into());
        }
        let id = id.to_string();
        let attachments_dir = self.attachments_dir();
        let (tombstones, blobs) = self.write_records(|conn, device| {
            let set = deletion_set(conn, record_type, &id)?;
            let mut tombstones = Vec::new();
            let mut blobs = Vec::new();
            for (ty, rid) in &set {
                let (t, blob) = erase(conn, device, *ty, rid, &reason, None)?;
                tombstones.push(t);
                blobs.extend(blob);
            }
            Ok((tombstones, blobs))
        })?;
        let blobs_erased = remove_blobs(&attachments_dir, &blobs)?;
        Ok(DeletionSummary {
            tombstones,
            blobs_erased,
        })
    }

    /// Every tombstone of a record deleted here, newest first, with what HQ answered.
    pub fn tombstones(&self) -> Result<Vec<Tombstone>> {
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, record_type, record_id, version, version_sha256, content_sha256,
                    device_id, deleted_at, reason
             FROM tombstone ORDER BY deleted_at DESC, entry_id DESC",
        )?;
        let mut out: Vec<Tombstone> = stmt
            .query_map([], |r| {
                Ok(Tombstone {
                    entry_id: r.get(0)?,
                    record_type: r.get(1)?,
                    record_id: r.get(2)?,
                    version: r.get(3)?,
                    version_sha256: r.get(4)?,
                    content_sha256: r.get(5)?,
                    device_id: r.get(6)?,
                    deleted_at: r.get(7)?,
                    reason: r.get(8)?,
                    hq: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut hq = self.conn.prepare(
            "SELECT r.hq_device_id, t.outcome FROM tombstone_receipt t
             JOIN receipt r ON r.receipt_id = t.receipt_id
             WHERE t.entry_id = ?1 ORDER BY r.created_at, r.receipt_id",
        )?;
        for t in &mut out {
            t.hq = hq
                .query_map([&t.entry_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
    }
}

fn check_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DeletionError::ReasonRequired.into());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(DeletionError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        }
        .into());
    }
    Ok(reason.to_string())
}

fn ids(conn: &Connection, sql: &str, p: &[&str]) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(p), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn count(conn: &Connection, sql: &str, id: &str) -> Result<i64> {
    Ok(conn.query_row(sql, [id], |r| r.get(0))?)
}

/// The records a deletion of `(ty, id)` removes, in the order they are deleted (what refers to
/// others first, the record asked for last), or the places that keep it from being deleted.
pub(crate) fn deletion_set(
    conn: &Connection,
    ty: RecordType,
    id: &str,
) -> Result<Vec<(RecordType, String)>> {
    let spec = rows::spec(ty.as_str()).ok_or(Error::Internal("record spec"))?;
    if rows::load(conn, spec, id, false)?.is_none() {
        return Err(Error::not_found(ty.as_str(), id));
    }
    let mut uses = Vec::new();
    let mut use_count = |n: i64, what: &str| {
        if n > 0 {
            uses.push(format!("{n} {what}"));
        }
    };
    let mut parts: Vec<(RecordType, String)> = Vec::new();
    match ty {
        RecordType::Incident => {
            use_count(
                count(
                    conn,
                    "SELECT count(*) FROM incident_link WHERE to_id = ?1 AND from_id <> ?1",
                    id,
                )?,
                "link(s) from other incidents",
            );
            use_count(
                count(
                    conn,
                    "SELECT count(*) FROM intervention WHERE incident_id = ?1",
                    id,
                )?,
                "intervention(s)",
            );
            for t in ids(conn, "SELECT id FROM testimony WHERE incident_id = ?1 ORDER BY id", &[id])? {
                parts.push((RecordType::Testimony, t));
            }
            for a in ids(conn, "SELECT id FROM involvement WHERE incident_id = ?1 ORDER BY id", &[id])? {
                parts.push((RecordType::Involvement, a));
            }
            for p in ids(conn, "SELECT id FROM proceeding WHERE incident_id = ?1 ORDER BY id", &[id])? {
                parts.push((RecordType::Proceeding, p));
            }
        }
        RecordType::Person => {
            for (sql, what) in [
                ("SELECT count(*) FROM involvement WHERE person_id = ?1", "act(s) in incidents"),
                ("SELECT count(*) FROM proceeding WHERE person_id = ?1", "proceeding(s)"),
                ("SELECT count(*) FROM testimony WHERE witness_id = ?1", "testimony(ies) as witness"),
                ("SELECT count(*) FROM intervention WHERE person_id = ?1", "intervention(s)"),
                (
                    "SELECT count(*) FROM person_merge WHERE person_id = ?1 OR into_id = ?1 OR identity_id = ?1",
                    "merge(s) with other persons",
                ),
            ] {
                use_count(count(conn, sql, id)?, what);
            }
        }
        _ => {}
    }
    parts.push((ty, id.to_string()));
    // Attachments of every record in the set, then annotations on any of them.
    let mut set: Vec<(RecordType, String)> = Vec::new();
    for (pty, pid) in &parts {
        if pty.holds_evidence() {
            for a in ids(
                conn,
                "SELECT id FROM attachment WHERE record_type = ?1 AND record_id = ?2 ORDER BY id",
                &[pty.as_str(), pid],
            )? {
                set.push((RecordType::Attachment, a));
            }
        }
    }
    set.extend(parts);
    let mut in_case = 0;
    for (sty, sid) in &set {
        if *sty == RecordType::Attachment {
            in_case += count(
                conn,
                "SELECT count(*) FROM case_exhibit WHERE attachment_id = ?1",
                sid,
            )?;
        }
    }
    use_count(in_case, "exhibit(s) of a case file");
    if !uses.is_empty() {
        return Err(DeletionError::InUse {
            what: format!("{} {id}", ty.as_str()),
            uses,
        }
        .into());
    }
    let mut annotations = Vec::new();
    for (sty, sid) in &set {
        for a in ids(
            conn,
            "SELECT id FROM annotation WHERE subject_type = ?1 AND subject_id = ?2 ORDER BY id",
            &[sty.as_str(), sid],
        )? {
            annotations.push((RecordType::Annotation, a));
        }
    }
    annotations.extend(set);
    Ok(annotations)
}

/// Deletes one record (its row; child rows go by cascade), everything kept about its content
/// (history snapshots, lineage, provenance, kept conflicts, drafts), and logs a signed
/// `record_deleted` entry. With `received`, the entry id of a deletion received from another
/// device that this applies: then no tombstone of this vault's own is made (the received one
/// is the record of it). Returns the tombstone and, for an attachment, its blob's name.
pub(crate) fn erase(
    conn: &Connection,
    device: &DeviceIdentity,
    ty: RecordType,
    id: &str,
    reason: &str,
    received: Option<&str>,
) -> Result<(Tombstone, Option<String>)> {
    let spec = rows::spec(ty.as_str()).ok_or(Error::Internal("record spec"))?;
    let rec = rows::load(conn, spec, id, true)?.ok_or_else(|| Error::not_found(ty.as_str(), id))?;
    let version_sha256 = rec.version_hash();
    let content_sha256 = if ty == RecordType::Attachment {
        rec.text("sha256").unwrap_or_default().to_string()
    } else {
        rec.sha256()
    };
    let version = rec.version();
    let blob: Option<String> = if ty == RecordType::Attachment {
        Some(conn.query_row(
            "SELECT blob_name FROM attachment WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?)
    } else {
        None
    };
    conn.execute(&format!("DELETE FROM {} WHERE id = ?1", spec.table), [id])?;
    let t = ty.as_str();
    crate::history::erase(conn, t, id)?;
    for sql in [
        "DELETE FROM record_lineage WHERE record_type = ?1 AND record_id = ?2",
        "DELETE FROM provenance WHERE record_type = ?1 AND record_id = ?2",
        "DELETE FROM record_conflict WHERE record_type = ?1 AND record_id = ?2",
    ] {
        conn.execute(sql, params![t, id])?;
    }
    conn.execute("DELETE FROM draft WHERE key = ?1", [id])?;
    let details = match received {
        None => serde_json::to_string(&EntryDetails {
            version,
            content_sha256: content_sha256.clone(),
            reason: reason.to_string(),
        }),
        Some(entry) => serde_json::to_string(&serde_json::json!({
            "applied_deletion": entry, "reason": reason,
        })),
    }
    .map_err(|_| Error::Internal("deletion details"))?;
    custody::append_on(
        conn,
        device,
        if received.is_none() {
            Action::RecordDeleted
        } else {
            Action::Deletion
        },
        Some((t, id)),
        Some(&version_sha256),
        Some(&details),
    )?;
    // The entry just appended is the tombstone's signed form: its id and time are the tombstone's.
    let (entry_id, deleted_at): (String, String) = conn.query_row(
        "SELECT id, at FROM custody_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let tomb = Tombstone {
        entry_id,
        record_type: t.to_string(),
        record_id: id.to_string(),
        version,
        version_sha256,
        content_sha256,
        device_id: device.id().to_string(),
        deleted_at,
        reason: reason.to_string(),
        hq: Vec::new(),
    };
    if received.is_none() {
        conn.execute(
            "INSERT INTO tombstone (entry_id, record_type, record_id, version, version_sha256,
                content_sha256, device_id, deleted_at, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                tomb.entry_id,
                tomb.record_type,
                tomb.record_id,
                tomb.version,
                tomb.version_sha256,
                tomb.content_sha256,
                tomb.device_id,
                tomb.deleted_at,
                tomb.reason
            ],
        )?;
    }
    Ok((tomb, blob))
}

/// Removes the blobs of deleted attachments (their keys are already gone with their rows).
pub(crate) fn remove_blobs(dir: &std::path::Path, blobs: &[String]) -> Result<u64> {
    let mut n = 0;
    for b in blobs {
        match fs::remove_file(dir.join(b)) {
            Ok(()) => n += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    if n > 0 {
        crate::vault::sync_dir(dir)?;
    }
    Ok(n)
}

/// One deletion an export carries: a tombstone of a record deleted here, or a deletion received
/// from another device and applied here (`forwarded`), which travels as its author's signed
/// `record_deleted` entry beside this vault's own signed `deletion` entry naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outgoing {
    /// The `record_deleted` custody entry (the tombstone).
    pub entry_id: String,
    pub record_id: String,
    pub forwarded: bool,
}

/// The deletions an export to `recipients` (age recipients) carries: the tombstones of records
/// deleted here, and the deletions received and applied here (never one kept pending, in
/// conflict or kept by an analyst), each only if one of the recipients was sent the record;
/// with `since_last`, only those not yet sent to every such recipient.
pub(crate) fn outgoing(
    conn: &Connection,
    recipients: &[&str],
    since_last: bool,
) -> Result<Vec<Outgoing>> {
    let all: Vec<(String, String, String, bool)> = {
        let mut stmt = conn.prepare(
            "SELECT entry_id, record_type, record_id, 0 FROM tombstone
             UNION ALL
             SELECT entry_id, record_type, record_id, 1 FROM incoming_deletion
             WHERE outcome = 'applied'
             ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::new();
    for (entry, ty, id, forwarded) in all {
        let mut send = false;
        for r in recipients {
            let had: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM export_state
                                WHERE recipient = ?1 AND record_type = ?2 AND record_id = ?3)",
                params![r, ty, id],
                |x| x.get(0),
            )?;
            let sent: bool = conn.query_row(
                if forwarded {
                    "SELECT EXISTS (SELECT 1 FROM deletion_forwarded
                                    WHERE recipient = ?1 AND entry_id = ?2)"
                } else {
                    "SELECT EXISTS (SELECT 1 FROM tombstone_sent
                                    WHERE recipient = ?1 AND entry_id = ?2)"
                },
                params![r, entry],
                |x| x.get(0),
            )?;
            send |= had && !(since_last && sent);
        }
        if send {
            out.push(Outgoing {
                entry_id: entry,
                record_id: id,
                forwarded,
            });
        }
    }
    Ok(out)
}

/// Records that `bundle_id` carried `deletions` to `recipients`.
pub(crate) fn mark_sent(
    conn: &Connection,
    recipients: &[&str],
    deletions: &[Outgoing],
    bundle_id: &str,
) -> Result<()> {
    for r in recipients {
        for d in deletions {
            conn.execute(
                if d.forwarded {
                    "INSERT INTO deletion_forwarded (recipient, entry_id, bundle_id)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (recipient, entry_id) DO UPDATE SET bundle_id = excluded.bundle_id"
                } else {
                    "INSERT INTO tombstone_sent (recipient, entry_id, bundle_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT (recipient, entry_id) DO UPDATE SET bundle_id = excluded.bundle_id"
                },
                params![r, d.entry_id, bundle_id],
            )?;
        }
    }
    Ok(())
}
