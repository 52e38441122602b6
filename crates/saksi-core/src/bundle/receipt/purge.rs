//! `purge --received`: erasing exactly what HQ confirmed holding byte for byte and that has not
//! changed since; everything else stays, counted by reason (threat-model invariant 10).

use std::collections::BTreeMap;
use std::fs;
use std::io;

use rusqlite::Connection;
use serde::Serialize;

use super::*;
use crate::bundle::rows;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::vault::Vault;

/// What `purge --received` did, and why everything else HQ answered for was kept. Each map
/// counts records by type.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PurgeSummary {
    pub purged: BTreeMap<String, u64>,
    /// HQ holds a concurrent edit (a conflict): the version here may exist nowhere else.
    pub conflict: BTreeMap<String, u64>,
    /// HQ holds a newer version and ignored the one sent.
    pub stale: BTreeMap<String, u64>,
    /// Part of it was withheld from HQ (a person's contact details), or HQ says it was withheld.
    pub withheld: BTreeMap<String, u64>,
    /// Confirmed by HQ but changed here since: kept.
    pub changed_since: BTreeMap<String, u64>,
    /// Confirmed, but other records that HQ did not confirm still refer to them: kept.
    pub still_needed: BTreeMap<String, u64>,
    /// Only in a receipt recorded before receipts stated outcomes: kept.
    pub unconfirmed: BTreeMap<String, u64>,
    pub blobs_deleted: u64,
}

/// Deletion order: what refers to others first.
const PURGE_ORDER: [RecordType; 7] = [
    RecordType::Attachment,
    RecordType::Testimony,
    RecordType::Involvement,
    RecordType::Proceeding,
    RecordType::Intervention,
    RecordType::Incident,
    RecordType::Person,
];

fn referenced(conn: &Connection, ty: RecordType, id: &str) -> Result<bool> {
    let sql = match ty {
        RecordType::Incident => {
            "SELECT EXISTS (SELECT 1 FROM involvement WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM proceeding WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM testimony WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM intervention WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)
                    OR EXISTS (SELECT 1 FROM incident_link WHERE to_id = ?1)"
        }
        RecordType::Person => {
            "SELECT EXISTS (SELECT 1 FROM involvement WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM proceeding WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM testimony WHERE witness_id = ?1)
                    OR EXISTS (SELECT 1 FROM intervention WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)"
        }
        RecordType::Testimony => "SELECT EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)",
        _ => return Ok(false),
    };
    Ok(conn.query_row(sql, [id], |r| r.get(0))?)
}

/// The record as HQ would hold it, by the same hashes the import side puts in receipts:
/// `RecordFile::sha256` (its content as it is here, contact details included) and
/// `RecordFile::version_hash` (the same without contact details, as a bundle sent without
/// them carries it), over `rows::load`.
struct HeldForms {
    full: String,
    without_contacts: String,
    has_contacts: bool,
}

fn held_forms(conn: &Connection, spec: &rows::Spec, id: &str) -> Result<Option<HeldForms>> {
    let Some(rec) = rows::load(conn, spec, id, true)? else {
        return Ok(None);
    };
    Ok(Some(HeldForms {
        has_contacts: rec
            .children
            .get(rows::CONTACTS)
            .is_some_and(|c| !c.is_empty()),
        full: rec.sha256(),
        without_contacts: rec.version_hash(),
    }))
}

/// Why a record HQ answered for is kept, or `None` when it may be erased.
enum Verdict {
    Erase,
    Keep(fn(&mut PurgeSummary) -> &mut BTreeMap<String, u64>),
}

/// Decides from HQ's latest word about the bytes this vault holds now. `items` are every receipt
/// item for the record, oldest receipt first.
fn verdict(forms: &HeldForms, items: &[(String, Option<String>)]) -> Verdict {
    let latest = items
        .iter()
        .rev()
        .find(|(sha, _)| *sha == forms.full || *sha == forms.without_contacts);
    let Some((sha, outcome)) = latest else {
        return Verdict::Keep(|s| &mut s.changed_since);
    };
    match outcome.as_deref().and_then(ReceiptOutcome::parse) {
        None => Verdict::Keep(|s| &mut s.unconfirmed),
        Some(o) if o.holds() => {
            if *sha != forms.full && forms.has_contacts {
                // HQ holds it without the contact details that are still only here.
                Verdict::Keep(|s| &mut s.withheld)
            } else {
                Verdict::Erase
            }
        }
        Some(ReceiptOutcome::Conflict) => Verdict::Keep(|s| &mut s.conflict),
        Some(ReceiptOutcome::Stale) => Verdict::Keep(|s| &mut s.stale),
        Some(_) => Verdict::Keep(|s| &mut s.withheld),
    }
}

/// Monitor: erases what HQ confirmed holding byte for byte (stored, updated or already held)
/// in a receipt signed by that HQ's pinned key, and that has not changed since; everything else
/// stays, counted by reason. Crypto-erasure: rows go under `secure_delete` (an attachment's row
/// holds its key), then the blobs.
pub fn purge_received(vault: &mut Vault) -> Result<PurgeSummary> {
    let vault = &*vault;
    let mut summary = PurgeSummary::default();
    let mut blobs = Vec::new();
    vault.write_records(|conn, device| {
        for rt in PURGE_ORDER {
            let ty = rt.as_str();
            let spec = rows::spec(ty).ok_or(Error::Internal("record spec"))?;
            let mut answered: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
            {
                let mut stmt = conn.prepare(
                    "SELECT i.record_id, i.sha256, i.outcome FROM receipt_item i
                     JOIN receipt r ON r.receipt_id = i.receipt_id
                     WHERE i.record_type = ?1 ORDER BY r.created_at, r.receipt_id",
                )?;
                let rows =
                    stmt.query_map([ty], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
                for row in rows {
                    let (id, sha, outcome) = row?;
                    answered.entry(id).or_default().push((sha, outcome));
                }
            }
            for (id, items) in answered {
                let Some(forms) = held_forms(conn, spec, &id)? else {
                    continue;
                };
                if let Verdict::Keep(reason) = verdict(&forms, &items) {
                    *reason(&mut summary).entry(ty.to_string()).or_default() += 1;
                    continue;
                }
                if referenced(conn, rt, &id)? {
                    *summary.still_needed.entry(ty.to_string()).or_default() += 1;
                    continue;
                }
                if rt == RecordType::Attachment {
                    let blob: String = conn.query_row(
                        "SELECT blob_name FROM attachment WHERE id = ?1",
                        [&id],
                        |r| r.get(0),
                    )?;
                    blobs.push(vault.attachments_dir().join(blob));
                }
                conn.execute(&format!("DELETE FROM {} WHERE id = ?1", spec.table), [&id])?;
                // Its history goes with it: a purged record must not live on there.
                crate::history::erase(conn, ty, &id)?;
                custody::append_on(
                    conn,
                    device,
                    Action::Deletion,
                    Some((ty, &id)),
                    Some(&forms.full),
                    Some("purged after HQ confirmed it holds these exact bytes"),
                )?;
                *summary.purged.entry(ty.to_string()).or_default() += 1;
            }
        }
        Ok(())
    })?;
    for b in blobs {
        match fs::remove_file(&b) {
            Ok(()) => summary.blobs_deleted += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(summary)
}
