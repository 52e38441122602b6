//! Merging one incoming record with what this vault holds: a fast-forward applies, anything
//! else is kept side by side as a conflict (threat-model invariant 9). See
//! docs/bundle-format.md, "Merging".

use crate::sql::Cached;
use std::collections::BTreeMap;

use rusqlite::{params, Connection};
use uuid::Uuid;

use crate::bundle::lineage::{self, Lineage, Relation};
use crate::bundle::manifest::Manifest;
use crate::bundle::rows::{self, RecordFile};
use crate::error::Result;

/// What an import did with one record.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Added,
    Updated,
    Unchanged,
    Stale,
    Conflict,
}

impl Outcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Stale => "stale",
            Outcome::Conflict => "conflict",
        }
    }
}

pub(super) fn record_conflict(
    conn: &Connection,
    rec: &RecordFile,
    local: Option<&RecordFile>,
    m: &Manifest,
) -> Result<()> {
    let json = String::from_utf8_lossy(&rec.to_bytes()).into_owned();
    let dup: bool = conn.row(
        "SELECT EXISTS (SELECT 1 FROM record_conflict WHERE record_type = ?1 AND record_id = ?2
                        AND incoming_json = ?3 AND resolved_at IS NULL)",
        params![rec.record_type, rec.id, json],
        |r| r.get(0),
    )?;
    if !dup {
        conn.exec(
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
pub(super) struct LineageUpdate {
    pub(super) record_type: &'static str,
    pub(super) id: String,
    pub(super) head: String,
    pub(super) ancestors: Vec<String>,
}

/// Whether `rec` was written by the author of `local`, or by the device that replaced it after a
/// restore (issue 16: it carries on the replaced device's records).
fn same_author(conn: &Connection, local: &RecordFile, rec: &RecordFile) -> Result<bool> {
    match (local.device_id(), rec.device_id()) {
        (Some(a), Some(b)) if a == b => Ok(true),
        (Some(a), Some(b)) => crate::device_replacement::succeeds(conn, a, b, &[]),
        _ => Ok(local.device_id() == rec.device_id()),
    }
}

/// Merges one record. An incoming version applies only as a fast-forward: made from exactly the
/// version held here (its ancestors name it) by the same author; a version number never
/// decides. Anything else is kept side by side as a conflict. See docs/bundle-format.md,
/// "Merging".
pub(super) fn merge(
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
        Relation::Descendant if same_author(conn, &local, rec)? => {
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
