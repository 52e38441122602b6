//! Resolving the concurrent edits an import kept side by side (see [`super::conflicts`]).
//!
//! A person chooses, per conflict, to keep this vault's version, to take the incoming one, or to
//! take chosen fields from the incoming one (see [`super::conflict_view`]).
//! Either way the choice is final for that pair of versions: the result is a new version made
//! here whose lineage descends from both, so neither copy comes back as a conflict from a later
//! bundle (it is now an ancestor), and the custody log says who chose what.
//!
//! An attachment never changes: a conflict on one means another file arrived under the same id,
//! whose bytes were not kept. Only "keep local" resolves it.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::lineage::{self, Lineage};
use super::rows::{self, RecordFile};
use super::BundleError;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// This vault's record stays as it is.
    KeepLocal,
    /// The record becomes the one that came in the bundle.
    TakeIncoming,
}

impl Resolution {
    /// `keep_local` or `take_incoming`, exactly.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "keep_local" => Ok(Resolution::KeepLocal),
            "take_incoming" => Ok(Resolution::TakeIncoming),
            _ => Err(crate::Error::invalid(format!(
                "'{s}' is not a way to settle a conflict: keep_local or take_incoming"
            ))),
        }
    }
}

/// Resolves one open conflict, in one transaction.
pub fn resolve(vault: &mut Vault, conflict_id: &str, how: Resolution) -> Result<()> {
    settle(
        vault,
        conflict_id,
        match how {
            Resolution::KeepLocal => Choice::Local,
            Resolution::TakeIncoming => Choice::Incoming,
        },
    )
}

/// Resolves one open conflict field by field: the fields named (see
/// [`super::conflict_view::conflict_detail`] for their names) are taken from the incoming version,
/// every other field stays as this vault has it. The result is a new version that descends from
/// both, like any resolution, in one transaction. Taking every differing field is the same as
/// taking the incoming version; taking none, the same as keeping this vault's.
pub fn resolve_fields(
    vault: &mut Vault,
    conflict_id: &str,
    take_incoming: &[String],
) -> Result<()> {
    settle(vault, conflict_id, Choice::Fields(take_incoming))
}

/// How a conflict is settled: one side whole, or chosen fields from the incoming side.
#[derive(Clone, Copy)]
enum Choice<'a> {
    Local,
    Incoming,
    Fields(&'a [String]),
}

impl Choice<'_> {
    fn name(&self) -> &'static str {
        match self {
            Choice::Local => "keep_local",
            Choice::Incoming => "take_incoming",
            Choice::Fields(_) => "fields",
        }
    }
}

fn settle(vault: &mut Vault, conflict_id: &str, how: Choice<'_>) -> Result<()> {
    vault.write_records(|tx, dev| {
        type Row = (String, String, String, Option<i64>, Option<i64>);
        let row: Option<Row> = tx
            .query_row(
                "SELECT record_type, record_id, incoming_json, local_version, incoming_version
                 FROM record_conflict WHERE id = ?1 AND resolved_at IS NULL",
                [conflict_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (record_type, record_id, incoming_json, lv, iv) =
            row.ok_or_else(|| Error::not_found("open conflict", conflict_id))?;
        let spec = rows::spec(&record_type).ok_or_else(|| {
            Error::Corrupt(format!("conflict {conflict_id}: unknown record type"))
        })?;
        let incoming: RecordFile = serde_json::from_str(&incoming_json).map_err(|e| {
            Error::Corrupt(format!(
                "conflict {conflict_id}: incoming record unreadable: {e}"
            ))
        })?;
        if incoming.id != record_id || incoming.record_type != record_type {
            return Err(Error::Corrupt(format!(
                "conflict {conflict_id}: the incoming record is not the conflicting one"
            )));
        }
        let now = crate::model::now();
        if spec.table == "attachment" {
            if !matches!(how, Choice::Local) {
                return Err(BundleError::AttachmentImmutable(record_id).into());
            }
            let sha: String = tx.query_row(
                "SELECT sha256 FROM attachment WHERE id = ?1",
                [&record_id],
                |r| r.get(0),
            )?;
            mark_resolved(tx, &record_type, &record_id, &now)?;
            let details = serde_json::json!({
                "conflict": conflict_id,
                "resolution": how.name(),
                "incoming_sha256": incoming.text("sha256"),
            })
            .to_string();
            return custody::append_on(
                tx,
                dev,
                Action::RecordEdited,
                Some((&record_type, &record_id)),
                Some(&sha),
                Some(&details),
            );
        }
        let local = rows::load(tx, spec, &record_id, true)?
            .ok_or_else(|| Error::not_found("record", &record_id))?;
        let held = lineage::refresh(tx, &local)?;
        let taken = match how {
            Choice::Local => None,
            Choice::Incoming => Some(incoming.clone()),
            Choice::Fields(fields) => Some(super::conflict_view::merge(
                tx, spec, &local, &incoming, fields,
            )?),
        };
        if let Some(taken) = &taken {
            tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
            for link in rows::update(tx, spec, taken)? {
                rows::insert_link(tx, &link)?;
            }
        }
        // Above both versions, so that neither copy returns as a conflict.
        let version = lv.unwrap_or(0).max(iv.unwrap_or(0)) + 1;
        tx.execute(
            &format!(
                "UPDATE {} SET version = ?1, updated_at = ?2, device_id = ?3 WHERE id = ?4",
                spec.table
            ),
            params![version, now, dev.id(), record_id],
        )?;
        mark_resolved(tx, &record_type, &record_id, &now)?;
        let stored = rows::load(tx, spec, &record_id, true)?
            .ok_or_else(|| Error::not_found("record", &record_id))?;
        tx.execute(
            "UPDATE provenance SET local_sha256 = ?1, version = ?2
             WHERE record_type = ?3 AND record_id = ?4",
            params![stored.sha256(), version, record_type, record_id],
        )?;
        // The resolution descends from both sides: neither returns as a conflict.
        let head = stored.version_hash();
        let ancestors = lineage::tidy(
            &head,
            [held.head, incoming.version_hash()]
                .into_iter()
                .chain(held.ancestors)
                .chain(incoming.ancestors.iter().cloned()),
        );
        lineage::put(
            tx,
            &record_type,
            &record_id,
            &Lineage {
                stored: head.clone(),
                head,
                ancestors,
            },
        )?;
        // The resolution is a version of its own in the history; the custody entry names it.
        let added = crate::history::record_applied(
            tx,
            &[(record_type.as_str(), record_id.clone())],
            crate::history::Origin::Resolved,
        )?;
        let history_sha256 = added
            .iter()
            .find(|(t, i, _)| *t == record_type && *i == record_id)
            .map(|(_, _, h)| h.clone());
        let mut details = serde_json::json!({
            "conflict": conflict_id,
            "resolution": how.name(),
            "local_version": lv,
            "incoming_version": iv,
            "history_sha256": history_sha256,
        });
        if let (Choice::Fields(f), Some(map)) = (how, details.as_object_mut()) {
            map.insert("fields_taken".into(), serde_json::json!(f));
        }
        let details = details.to_string();
        custody::append_on(
            tx,
            dev,
            Action::RecordEdited,
            Some((&record_type, &record_id)),
            Some(&stored.sha256()),
            Some(&details),
        )
    })
}

/// Every open conflict on the record is settled by one choice.
fn mark_resolved(
    conn: &rusqlite::Connection,
    record_type: &str,
    record_id: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE record_conflict SET resolved_at = ?1
         WHERE record_type = ?2 AND record_id = ?3 AND resolved_at IS NULL",
        params![now, record_type, record_id],
    )?;
    Ok(())
}
