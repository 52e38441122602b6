//! Deletions received in bundles (HQ's side). A tombstone travels as its author's signed
//! `record_deleted` custody entry in `custody.jsonl`, checked in pass 1 like every entry
//! (hash, key, signature, chain: invariant 11). In pass 2 each one is decided, children first,
//! inside the import's transaction:
//! - `not_held`: this vault does not hold the record;
//! - `conflict`: it holds another version than the one deleted (edited here, or a newer
//!   version), or a version another device wrote: a deletion never silently removes what
//!   someone else edited (invariant 9);
//! - `pending` (kept and flagged): the deleting device did not sign the bundle, and the signer
//!   did not vouch for it (below); or this vault
//!   relied on it (annotated it, merged the person, made it an exhibit of a case, has an open
//!   conflict on it, or other records here still refer to it); or the policy says `ask`;
//! - `applied`: deleted here too, as a deletion made here is (rows under secure_delete, blob
//!   crypto-erased), with a custody entry naming the tombstone.
//!
//! **Forwarded deletions.** A deletion applied here travels on to whoever this vault sent the
//! record (`super::outgoing`) as the author's original entry beside this vault's own signed
//! `deletion` entry naming it. At the next importer, such a `deletion` entry of the bundle's
//! signer, under its pinned key, naming the tombstone, record and version hash, makes the
//! tombstone count as the signer's: decided by the rules above, under that importer's policy.
//!
//! An analyst later applies or keeps a pending (or conflicting) one. The receipt for the bundle
//! lists every tombstone with its outcome. Importing the same bundle again decides nothing again
//! (the entry id is the key), so re-import stays idempotent (invariant 6).

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{erase, remove_blobs, DeletionError, EntryDetails};
use crate::bundle::{rows, BundleError};
use crate::custody::{Action, Entry};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::vault::Vault;

const POLICY_KEY: &str = "deletion_policy";

/// What an incoming deletion does when nothing here relied on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Delete here too (the default): a mistake at the source is a mistake here.
    Apply,
    /// Keep every one pending until an analyst decides.
    Ask,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Apply => "apply",
            Policy::Ask => "ask",
        }
    }
}

impl std::str::FromStr for Policy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "apply" => Ok(Policy::Apply),
            "ask" => Ok(Policy::Ask),
            other => Err(DeletionError::BadPolicy(other.into()).into()),
        }
    }
}

/// What this vault did with a received deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomingOutcome {
    Applied,
    Pending,
    Conflict,
    NotHeld,
    Kept,
}

impl IncomingOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            IncomingOutcome::Applied => "applied",
            IncomingOutcome::Pending => "pending",
            IncomingOutcome::Conflict => "conflict",
            IncomingOutcome::NotHeld => "not_held",
            IncomingOutcome::Kept => "kept",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "applied" => IncomingOutcome::Applied,
            "pending" => IncomingOutcome::Pending,
            "conflict" => IncomingOutcome::Conflict,
            "not_held" => IncomingOutcome::NotHeld,
            "kept" => IncomingOutcome::Kept,
            _ => return None,
        })
    }

    /// Waiting for an analyst.
    pub fn open(self) -> bool {
        matches!(self, IncomingOutcome::Pending | IncomingOutcome::Conflict)
    }
}

/// A deletion received from another device, and what was done about it.
#[derive(Debug, Clone, Serialize)]
pub struct IncomingDeletion {
    pub entry_id: String,
    pub bundle_id: String,
    pub device_id: String,
    pub record_type: String,
    pub record_id: String,
    pub version_sha256: String,
    pub deleted_at: String,
    pub reason: String,
    pub outcome: IncomingOutcome,
    /// Why it was not applied: `changed_here`, `other_author`, `forwarded`, `annotated`,
    /// `merged`, `in_case`, `open_conflict`, `still_needed`, `policy_ask`.
    pub why: Option<String>,
    pub received_at: String,
    pub decided_at: Option<String>,
}

/// Deletion order: what refers to others first.
fn rank(t: RecordType) -> u8 {
    match t {
        RecordType::Annotation => 0,
        RecordType::Attachment => 1,
        RecordType::Testimony => 2,
        RecordType::Involvement => 3,
        RecordType::Proceeding => 4,
        RecordType::Intervention => 5,
        RecordType::Incident => 6,
        RecordType::Person => 7,
    }
}

impl Vault {
    /// The policy for received deletions (default `apply`).
    pub fn deletion_policy(&self) -> Result<Policy> {
        policy(&self.conn)
    }

    /// Sets the policy for received deletions.
    pub fn set_deletion_policy(&mut self, p: Policy) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [POLICY_KEY, p.as_str()],
            )?;
            Ok(())
        })
    }

    /// Received deletions, newest first; with `open_only`, those waiting for a decision.
    pub fn incoming_deletions(&self, open_only: bool) -> Result<Vec<IncomingDeletion>> {
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, bundle_id, device_id, record_type, record_id, version_sha256,
                    deleted_at, reason, outcome, why, received_at, decided_at
             FROM incoming_deletion ORDER BY received_at DESC, entry_id DESC",
        )?;
        let all = stmt
            .query_map([], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for d in all {
            let d = d?;
            if !open_only || d.outcome.open() {
                out.push(d);
            }
        }
        Ok(out)
    }

    /// An analyst's decision: delete here the record a pending (or conflicting) received
    /// deletion names. Refused while other records here still refer to it.
    pub fn apply_incoming_deletion(&mut self, entry_id: &str) -> Result<IncomingDeletion> {
        self.records_writable()?;
        let dir = self.attachments_dir();
        let (d, blobs) = self.write_records(|conn, device| {
            let d = open_one(conn, entry_id)?;
            let ty: RecordType = d.record_type.parse()?;
            let spec = rows::spec(ty.as_str()).ok_or(Error::Internal("record spec"))?;
            let mut blobs = Vec::new();
            let outcome = if rows::load(conn, spec, &d.record_id, false)?.is_none() {
                IncomingOutcome::NotHeld
            } else {
                if let Some(what) = referenced(conn, ty, &d.record_id)? {
                    return Err(DeletionError::CannotApply(format!(
                        "{what} here still refer to {} {}",
                        d.record_type, d.record_id
                    ))
                    .into());
                }
                let reason = format!("applied by an analyst: {}", d.reason);
                let (_, blob) = erase(conn, device, ty, &d.record_id, &reason, Some(entry_id))?;
                blobs.extend(blob);
                IncomingOutcome::Applied
            };
            decide(conn, entry_id, outcome)?;
            Ok((open_or_any(conn, entry_id)?, blobs))
        })?;
        remove_blobs(&dir, &blobs)?;
        Ok(d)
    }

    /// An analyst's decision: keep the record a pending (or conflicting) received deletion
    /// names. Nothing is deleted; the deletion is marked `kept`.
    pub fn keep_incoming_deletion(&mut self, entry_id: &str) -> Result<IncomingDeletion> {
        self.write_records(|conn, _| {
            open_one(conn, entry_id)?;
            decide(conn, entry_id, IncomingOutcome::Kept)?;
            open_or_any(conn, entry_id)
        })
    }
}

fn policy(conn: &Connection) -> Result<Policy> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM setting WHERE key = ?1",
            [POLICY_KEY],
            |r| r.get(0),
        )
        .optional()?;
    match v {
        None => Ok(Policy::Apply),
        Some(s) => s.parse(),
    }
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<IncomingDeletion>> {
    let outcome: String = r.get(8)?;
    let Some(outcome) = IncomingOutcome::parse(&outcome) else {
        return Ok(Err(Error::Corrupt(format!(
            "a received deletion has the unknown outcome '{outcome}'"
        ))));
    };
    Ok(Ok(IncomingDeletion {
        entry_id: r.get(0)?,
        bundle_id: r.get(1)?,
        device_id: r.get(2)?,
        record_type: r.get(3)?,
        record_id: r.get(4)?,
        version_sha256: r.get(5)?,
        deleted_at: r.get(6)?,
        reason: r.get(7)?,
        outcome,
        why: r.get(9)?,
        received_at: r.get(10)?,
        decided_at: r.get(11)?,
    }))
}

fn open_or_any(conn: &Connection, entry_id: &str) -> Result<IncomingDeletion> {
    conn.query_row(
        "SELECT entry_id, bundle_id, device_id, record_type, record_id, version_sha256,
                deleted_at, reason, outcome, why, received_at, decided_at
         FROM incoming_deletion WHERE entry_id = ?1",
        [entry_id.trim()],
        read_row,
    )
    .optional()?
    .ok_or_else(|| DeletionError::NotPending(entry_id.into()))?
}

/// The received deletion `entry_id`, if it waits for a decision.
fn open_one(conn: &Connection, entry_id: &str) -> Result<IncomingDeletion> {
    let d = open_or_any(conn, entry_id)?;
    if !d.outcome.open() {
        return Err(DeletionError::NotPending(entry_id.into()).into());
    }
    Ok(d)
}

fn decide(conn: &Connection, entry_id: &str, outcome: IncomingOutcome) -> Result<()> {
    conn.execute(
        "UPDATE incoming_deletion SET outcome = ?2, decided_at = ?3 WHERE entry_id = ?1",
        params![entry_id.trim(), outcome.as_str(), crate::model::now()],
    )?;
    Ok(())
}

/// What other rows here still refer to the record (so deleting it would change or break them).
fn referenced(conn: &Connection, ty: RecordType, id: &str) -> Result<Option<String>> {
    let checks: &[(&str, &str)] = match ty {
        RecordType::Incident => &[
            (
                "SELECT count(*) FROM involvement WHERE incident_id = ?1",
                "acts",
            ),
            (
                "SELECT count(*) FROM proceeding WHERE incident_id = ?1",
                "proceedings",
            ),
            (
                "SELECT count(*) FROM testimony WHERE incident_id = ?1",
                "testimonies",
            ),
            (
                "SELECT count(*) FROM intervention WHERE incident_id = ?1",
                "interventions",
            ),
            (
                "SELECT count(*) FROM attachment WHERE record_id = ?1",
                "attachments",
            ),
            (
                "SELECT count(*) FROM incident_link WHERE to_id = ?1 AND from_id <> ?1",
                "links from other incidents",
            ),
        ],
        RecordType::Person => &[
            (
                "SELECT count(*) FROM involvement WHERE person_id = ?1",
                "acts",
            ),
            (
                "SELECT count(*) FROM proceeding WHERE person_id = ?1",
                "proceedings",
            ),
            (
                "SELECT count(*) FROM testimony WHERE witness_id = ?1",
                "testimonies",
            ),
            (
                "SELECT count(*) FROM intervention WHERE person_id = ?1",
                "interventions",
            ),
            (
                "SELECT count(*) FROM attachment WHERE record_id = ?1",
                "attachments",
            ),
        ],
        RecordType::Testimony => &[(
            "SELECT count(*) FROM attachment WHERE record_id = ?1",
            "attachments",
        )],
        _ => &[],
    };
    let mut found = Vec::new();
    for (sql, what) in checks {
        let n: i64 = conn.query_row(sql, [id], |r| r.get(0))?;
        if n > 0 {
            found.push(format!("{n} {what}"));
        }
    }
    Ok((!found.is_empty()).then(|| found.join(", ")))
}

/// Whether this vault relied on the record: an analyst's work on it would be lost.
fn relied_on(conn: &Connection, ty: RecordType, id: &str) -> Result<Option<&'static str>> {
    let exists = |sql: &str| -> Result<bool> { Ok(conn.query_row(sql, [id], |r| r.get(0))?) };
    if exists("SELECT EXISTS (SELECT 1 FROM annotation WHERE subject_id = ?1)")? {
        return Ok(Some("annotated"));
    }
    if ty == RecordType::Person
        && exists(
            "SELECT EXISTS (SELECT 1 FROM person_merge
                            WHERE person_id = ?1 OR into_id = ?1 OR identity_id = ?1)",
        )?
    {
        return Ok(Some("merged"));
    }
    if ty == RecordType::Attachment
        && exists("SELECT EXISTS (SELECT 1 FROM case_exhibit WHERE attachment_id = ?1)")?
    {
        return Ok(Some("in_case"));
    }
    if exists(
        "SELECT EXISTS (SELECT 1 FROM record_conflict WHERE record_id = ?1 AND resolved_at IS NULL)",
    )? {
        return Ok(Some("open_conflict"));
    }
    Ok(None)
}

/// One received tombstone, read from its (verified) custody entry.
struct Received<'e> {
    entry: &'e Entry,
    ty: RecordType,
    id: String,
    version_sha256: String,
    details: EntryDetails,
    /// Forwarded by the bundle's signer, which applied it (its own signed `deletion` entry
    /// naming this one travels beside it).
    vouched: bool,
}

/// The tombstones the bundle's signer says it applied: (tombstone entry id, record id, version
/// hash) of each `deletion` entry in the bundle made by the signer under its pinned key, whose
/// details name the tombstone it applied (`applied_deletion`). Such an entry is what
/// [`erase`] writes when this vault applies a received deletion.
fn endorsed(
    conn: &Connection,
    signer: &str,
    entries: &[Entry],
) -> Result<std::collections::HashSet<(String, String, String)>> {
    let mut out = std::collections::HashSet::new();
    let Some(pinned) = crate::bundle::keys::trusted_by_id(conn, signer)?.and_then(|d| d.public_key)
    else {
        return Ok(out);
    };
    for e in entries {
        if e.action != Action::Deletion.as_str()
            || e.device_id != signer
            || e.public_key.as_slice() != pinned.as_bytes().as_slice()
        {
            continue;
        }
        let applied = e
            .details
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .and_then(|v| v.get("applied_deletion")?.as_str().map(str::to_string));
        if let (Some(applied), Some(id), Some(hash)) = (applied, &e.subject_id, &e.content_hash) {
            out.insert((applied, id.clone(), hash.clone()));
        }
    }
    Ok(out)
}

/// Pass 2 of an import: decides every `record_deleted` entry among `entries` (verified in pass
/// 1), children first, recording each in `incoming_deletion`. Returns the counts by outcome and
/// pushes the blobs of attachments deleted, to remove once the import commits.
pub(crate) fn decide_received(
    conn: &Connection,
    device: &DeviceIdentity,
    bundle_id: &str,
    signer: &str,
    entries: &[Entry],
    blobs: &mut Vec<String>,
) -> Result<BTreeMap<String, u64>> {
    let forwarded = endorsed(conn, signer, entries)?;
    let mut received = Vec::new();
    for e in entries {
        if e.action != Action::RecordDeleted.as_str() {
            continue;
        }
        let bad = |why: &str| -> Error {
            BundleError::Malformed("custody.jsonl".into(), format!("deletion {}: {why}", e.id))
                .into()
        };
        let ty: RecordType = e
            .subject_type
            .as_deref()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| bad("no record type"))?;
        let id = e
            .subject_id
            .as_deref()
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            .ok_or_else(|| bad("no record id"))?
            .to_string();
        let version_sha256 = e
            .content_hash
            .clone()
            .ok_or_else(|| bad("no version hash"))?;
        let details: EntryDetails = e
            .details
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .ok_or_else(|| bad("unreadable details"))?;
        let vouched = forwarded.contains(&(e.id.clone(), id.clone(), version_sha256.clone()));
        received.push(Received {
            entry: e,
            ty,
            id,
            version_sha256,
            details,
            vouched,
        });
    }
    received.sort_by_key(|r| (rank(r.ty), r.entry.seq));
    let policy = policy(conn)?;
    let mut counts = BTreeMap::new();
    let now = crate::model::now();
    for r in &received {
        let seen: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM incoming_deletion WHERE entry_id = ?1)",
            [&r.entry.id],
            |x| x.get(0),
        )?;
        if seen {
            continue;
        }
        let (outcome, why) = decide_one(conn, device, r, signer, policy, blobs)?;
        conn.execute(
            "INSERT INTO incoming_deletion (entry_id, bundle_id, device_id, record_type, record_id,
                version_sha256, deleted_at, reason, outcome, why, received_at, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.entry.id,
                bundle_id,
                r.entry.device_id,
                r.ty.as_str(),
                r.id,
                r.version_sha256,
                r.entry.at,
                r.details.reason,
                outcome.as_str(),
                why,
                now,
                (outcome == IncomingOutcome::Applied).then_some(&now),
            ],
        )?;
        *counts.entry(outcome.as_str().to_string()).or_default() += 1;
    }
    Ok(counts)
}

fn decide_one(
    conn: &Connection,
    device: &DeviceIdentity,
    r: &Received<'_>,
    signer: &str,
    policy: Policy,
    blobs: &mut Vec<String>,
) -> Result<(IncomingOutcome, Option<&'static str>)> {
    use IncomingOutcome::*;
    let spec = rows::spec(r.ty.as_str()).ok_or(Error::Internal("record spec"))?;
    let Some(held) = rows::load(conn, spec, &r.id, true)? else {
        return Ok((NotHeld, None));
    };
    let same = if r.ty == RecordType::Attachment {
        held.text("sha256") == Some(r.details.content_sha256.as_str())
    } else {
        held.version_hash() == r.version_sha256
    };
    if !same {
        return Ok((Conflict, Some("changed_here")));
    }
    if held.device_id() != Some(r.entry.device_id.as_str()) {
        return Ok((Conflict, Some("other_author")));
    }
    if r.entry.device_id != signer && !r.vouched {
        return Ok((Pending, Some("forwarded")));
    }
    if let Some(why) = relied_on(conn, r.ty, &r.id)? {
        return Ok((Pending, Some(why)));
    }
    if policy == Policy::Ask {
        return Ok((Pending, Some("policy_ask")));
    }
    if referenced(conn, r.ty, &r.id)?.is_some() {
        return Ok((Pending, Some("still_needed")));
    }
    let (_, blob) = erase(
        conn,
        device,
        r.ty,
        &r.id,
        &r.details.reason,
        Some(&r.entry.id),
    )?;
    blobs.extend(blob);
    Ok((Applied, None))
}

/// HQ's receipt: every received deletion of `bundle_id` with its outcome now.
pub(crate) fn for_receipt(
    conn: &Connection,
    bundle_id: &str,
) -> Result<Vec<crate::bundle::receipt::ReceiptTombstone>> {
    let mut stmt = conn.prepare(
        "SELECT entry_id, record_type, record_id, version_sha256, outcome
         FROM incoming_deletion WHERE bundle_id = ?1 ORDER BY entry_id",
    )?;
    let rows = stmt.query_map([bundle_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (entry_id, record_type, record_id, sha256, outcome) = row?;
        let outcome = IncomingOutcome::parse(&outcome).ok_or_else(|| {
            Error::Corrupt(format!(
                "a received deletion has the unknown outcome '{outcome}'"
            ))
        })?;
        out.push(crate::bundle::receipt::ReceiptTombstone {
            entry_id,
            record_type,
            record_id,
            sha256,
            outcome,
        });
    }
    Ok(out)
}
