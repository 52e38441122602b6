//! Record history: every version of every record this vault came to hold (an edit here, an
//! update or a conflict resolution applied by an import), as a canonical JSON snapshot with who
//! wrote it, when and on which device, in the same transaction as the write.
//!
//! The snapshot is the record as the model reads it (an incident with its acts and proceedings
//! nested, so that a diff shows them), serialised in its fixed field order, minus what history
//! must not keep or cannot attribute: a person's contact details (withheld from bundles unless
//! asked for, and never kept in history, so that an old phone number does not outlive its
//! removal) and fields derived from other records (an incident's testimony ids, the person names
//! shown on acts), which have their own history. Its SHA-256 is the `content_hash` of the
//! custody entry of that version, so the chain and the history agree; [`history()`] says
//! whether they do, version by version. Deleting a record must erase its history too (`erase`).

mod diff;

use crate::sql::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub use diff::Change;

use crate::error::{Error, Result};
use crate::model;
use crate::vault::Vault;

/// The record types that have a history.
pub const TYPES: &[&str] = &[
    "incident",
    "person",
    "testimony",
    "proceeding",
    "intervention",
    "annotation",
];

/// How a version came to be held here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Created,
    Edited,
    Imported,
    Resolved,
    /// The version held when history began (an older vault): earlier versions are not known.
    Baseline,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Created => "created",
            Origin::Edited => "edited",
            Origin::Imported => "imported",
            Origin::Resolved => "resolved",
            Origin::Baseline => "baseline",
        }
    }

    fn parse(s: &str) -> Result<Origin> {
        Ok(match s {
            "created" => Origin::Created,
            "edited" => Origin::Edited,
            "imported" => Origin::Imported,
            "resolved" => Origin::Resolved,
            "baseline" => Origin::Baseline,
            _ => return Err(Error::Corrupt(format!("history: unknown origin {s:?}"))),
        })
    }
}

/// A snapshot ready to store: its canonical JSON and the SHA-256 of those bytes.
pub(crate) struct Snapshot {
    json: String,
    pub hash: String,
}

/// The snapshot of `record` (a model record) as history keeps it.
pub(crate) fn snapshot<T: Serialize>(record: &T) -> Result<Snapshot> {
    let mut v = serde_json::to_value(record).map_err(|_| Error::Internal("history snapshot"))?;
    if let Value::Object(m) = &mut v {
        m.remove("contacts");
        m.remove("testimony_ids");
        for list in ["involvements", "proceedings"] {
            if let Some(Value::Array(items)) = m.get_mut(list) {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.remove("person_name");
                }
            }
        }
    }
    // serde_json keeps the struct's field order (its maps are sorted): the same record always
    // gives the same bytes.
    let json = serde_json::to_string(&v).map_err(|_| Error::Internal("history snapshot"))?;
    let hash = crate::crypto::hash::sha256_hex(json.as_bytes());
    Ok(Snapshot { json, hash })
}

/// The record `record_type`/`id` as the model reads it, snapshotted; `None` if it is gone.
fn load_snapshot(conn: &Connection, record_type: &str, id: &Uuid) -> Result<Option<Snapshot>> {
    let r = match record_type {
        "incident" => model::incident::load(conn, id).and_then(|r| snapshot(&r)),
        "person" => model::person::load(conn, id).and_then(|r| snapshot(&r)),
        "testimony" => model::testimony::load(conn, id).and_then(|r| snapshot(&r)),
        "proceeding" => model::proceeding::load(conn, id).and_then(|r| snapshot(&r)),
        "intervention" => model::intervention::load(conn, id).and_then(|r| snapshot(&r)),
        "annotation" => crate::annotation::load(conn, &id.to_string()).and_then(|r| snapshot(&r)),
        _ => return Ok(None),
    };
    match r {
        Ok(s) => Ok(Some(s)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The newest version held: (version number, content hash).
fn latest(conn: &Connection, record_type: &str, id: &str) -> Result<Option<(i64, String)>> {
    Ok(conn
        .row(
            "SELECT version, content_hash FROM record_version
             WHERE record_type = ?1 AND record_id = ?2 ORDER BY version DESC LIMIT 1",
            params![record_type, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Stores `snap` as the next version of the record, inside the caller's transaction, unless it
/// is the version already held last (an import that changes nothing of it). Returns whether a
/// version was added.
pub(crate) fn put(
    conn: &Connection,
    record_type: &str,
    id: &str,
    snap: &Snapshot,
    device_id: &str,
    at: &str,
    origin: Origin,
) -> Result<bool> {
    let next = match latest(conn, record_type, id)? {
        Some((_, hash)) if hash == snap.hash => return Ok(false),
        Some((n, _)) => n + 1,
        None => 1,
    };
    conn.exec(
        "INSERT INTO record_version
            (record_type, record_id, version, content_hash, device_id, at, origin, snapshot)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            record_type,
            id,
            next,
            snap.hash,
            device_id,
            at,
            origin.as_str(),
            snap.json
        ],
    )?;
    Ok(true)
}

/// The author and time a stored record names (`device_id`, `updated_at`).
pub(crate) fn author(snap: &Snapshot) -> (String, String) {
    let v: Value = serde_json::from_str(&snap.json).unwrap_or(Value::Null);
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (text("device_id"), text("updated_at"))
}

/// After an import applied records (`applied`: type and id of each row written), adds the new
/// version of each record whose history they changed: the record itself, or for an act the
/// incident it belongs to, and for a proceeding of an incident that incident too. The version
/// is the sender's: its device and time are those the record names. Returns the versions
/// added: (type, id, content hash).
pub(crate) fn record_applied(
    conn: &Connection,
    applied: &[(&str, String)],
    origin: Origin,
) -> Result<Vec<(&'static str, String, String)>> {
    let mut subjects: Vec<(&'static str, String)> = Vec::new();
    for (ty, id) in applied {
        let mut add = |t: &'static str, i: String| {
            if !subjects.iter().any(|(st, si)| *st == t && *si == i) {
                subjects.push((t, i));
            }
        };
        match *ty {
            "involvement" | "proceeding" => {
                let table = if *ty == "involvement" {
                    "involvement"
                } else {
                    "proceeding"
                };
                let parent: Option<Option<String>> = conn
                    .row(
                        &format!("SELECT incident_id FROM {table} WHERE id = ?1"),
                        [id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(Some(incident)) = parent {
                    add("incident", incident);
                }
                if *ty == "proceeding" {
                    add("proceeding", id.clone());
                }
            }
            t => {
                if let Some(t) = TYPES.iter().find(|x| **x == t) {
                    add(t, id.clone());
                }
            }
        }
    }
    let mut added = Vec::new();
    for (ty, id) in subjects {
        let uuid = model::parse_id(ty, &id)?;
        if let Some(snap) = load_snapshot(conn, ty, &uuid)? {
            let (device, at) = author(&snap);
            if put(conn, ty, &id, &snap, &device, &at, origin)? {
                added.push((ty, id, snap.hash));
            }
        }
    }
    Ok(added)
}

/// Erases every version of a record (with `secure_delete` on, the rows are overwritten): a
/// record deleted or purged must not live on in its history.
pub(crate) fn erase(conn: &Connection, record_type: &str, id: &str) -> Result<()> {
    conn.exec(
        "DELETE FROM record_version WHERE record_type = ?1 AND record_id = ?2",
        params![record_type, id],
    )?;
    Ok(())
}

/// A vault that had records before history existed: each one's current version becomes its
/// first, marked `baseline` (its older versions were not kept; none is invented). Runs once,
/// in one transaction, at the first writable unlock after the migration.
pub(crate) fn baseline_pending(conn: &mut Connection) -> Result<()> {
    let pending: Option<i64> = conn
        .row("SELECT id FROM history_baseline_pending", [], |r| r.get(0))
        .optional()?;
    if pending.is_none() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for ty in TYPES {
        let ids: Vec<String> = {
            let mut stmt = tx.prepare_cached(&format!("SELECT id FROM {ty} ORDER BY id"))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for id in ids {
            let uuid = model::parse_id(ty, &id)?;
            if let Some(snap) = load_snapshot(&tx, ty, &uuid)? {
                let (device, at) = author(&snap);
                put(&tx, ty, &id, &snap, &device, &at, Origin::Baseline)?;
            }
        }
    }
    tx.exec("DELETE FROM history_baseline_pending", [])?;
    tx.commit()?;
    Ok(())
}

/// Whether the custody log agrees with a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Custody {
    /// A custody entry about this record names this version's hash, and the snapshot still
    /// hashes to it.
    Agrees,
    /// The snapshot no longer hashes to its recorded hash: it was altered.
    SnapshotAltered,
    /// No custody entry held here names this version (an imported version whose author's entry
    /// did not travel, or a log that lost it).
    NoEntry,
    /// A baseline version: made when history began, from entries that predate it.
    NotChecked,
}

/// One version of a record, with the changes from the version before it.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub at: String,
    pub device_id: String,
    /// The device's name, when this vault knows it (itself, or a trusted device).
    pub device_name: Option<String>,
    pub origin: Origin,
    pub content_hash: String,
    pub custody: Custody,
    /// Field paths with old → new values (every field of the first version, as added).
    pub changes: Vec<Change>,
    pub record: Value,
}

/// Every version kept of one record, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub record_type: String,
    pub record_id: String,
    /// Set when the history starts from a baseline: older versions were not kept.
    pub note: Option<String>,
    pub versions: Vec<Version>,
}

/// The history of the record `id` (of any type with a history).
pub fn history(vault: &Vault, id: &Uuid) -> Result<History> {
    let conn = &vault.conn;
    let sid = id.to_string();
    let mut found = None;
    for ty in TYPES {
        let exists: Option<i64> = conn
            .row(&format!("SELECT 1 FROM {ty} WHERE id = ?1"), [&sid], |r| {
                r.get(0)
            })
            .optional()?;
        if exists.is_some() {
            found = Some(*ty);
            break;
        }
    }
    let record_type = found.ok_or_else(|| Error::not_found("record", id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT version, content_hash, device_id, at, origin, snapshot FROM record_version
         WHERE record_type = ?1 AND record_id = ?2 ORDER BY version",
    )?;
    type Row = (i64, String, String, String, String, String);
    let rows: Vec<Row> = stmt
        .query_map(params![record_type, sid], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut versions = Vec::with_capacity(rows.len());
    let mut before = Value::Null;
    let mut note = None;
    for (version, content_hash, device_id, at, origin, json) in rows {
        let origin = Origin::parse(&origin)?;
        let record: Value = serde_json::from_str(&json).map_err(|e| {
            Error::Corrupt(format!(
                "history of {record_type} {sid}, version {version}: {e}"
            ))
        })?;
        let custody = if crate::crypto::hash::sha256_hex(json.as_bytes()) != content_hash {
            Custody::SnapshotAltered
        } else if origin == Origin::Baseline {
            note = Some("older versions were not kept: history began with this version".into());
            Custody::NotChecked
        } else if named_by_custody(conn, &sid, &content_hash, &device_id, origin)? {
            Custody::Agrees
        } else {
            Custody::NoEntry
        };
        versions.push(Version {
            version,
            device_name: device_name(vault, &device_id)?,
            at,
            device_id,
            origin,
            content_hash,
            custody,
            changes: diff::changes(&before, &record),
            record: record.clone(),
        });
        before = record;
    }
    if versions.is_empty() {
        // A record this vault has never written since history began (a read-only vault still
        // waiting for its baseline): shown as it is now, nothing invented.
        if let Some(snap) = load_snapshot(conn, record_type, id)? {
            let record: Value = serde_json::from_str(&snap.json).unwrap_or(Value::Null);
            let (device_id, at) = author(&snap);
            note = Some("older versions were not kept: history began with this version".into());
            versions.push(Version {
                version: 1,
                device_name: device_name(vault, &device_id)?,
                at,
                device_id,
                origin: Origin::Baseline,
                content_hash: snap.hash,
                custody: Custody::NotChecked,
                changes: diff::changes(&Value::Null, &record),
                record,
            });
        }
    }
    Ok(History {
        record_type: record_type.to_string(),
        record_id: sid,
        note,
        versions,
    })
}

/// Whether a custody entry held here names this version: this device's own entry (its
/// `content_hash`, or for a resolution the `history_sha256` in its details), or for an imported
/// version the author's own entry received with the bundle.
fn named_by_custody(
    conn: &Connection,
    id: &str,
    hash: &str,
    device_id: &str,
    origin: Origin,
) -> Result<bool> {
    let own: i64 = conn.row(
        "SELECT count(*) FROM custody_log WHERE subject_id = ?1
         AND (content_hash = ?2
              OR CASE WHEN json_valid(details) THEN json_extract(details, '$.history_sha256') END = ?2)",
        params![id, hash],
        |r| r.get(0),
    )?;
    if own > 0 && origin != Origin::Imported {
        return Ok(true);
    }
    let received: i64 = conn.row(
        "SELECT count(*) FROM imported_custody WHERE subject_id = ?1 AND content_hash = ?2
         AND device_id = ?3",
        params![id, hash, device_id],
        |r| r.get(0),
    )?;
    Ok(received > 0)
}

pub(crate) fn device_name(vault: &Vault, device_id: &str) -> Result<Option<String>> {
    crate::device::known_name(vault, device_id)
}

#[cfg(test)]
mod tests;
