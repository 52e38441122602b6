//! The custody log: an append-only, hash-chained list of everything done to evidence and records,
//! each entry signed by the device that did it.
//!
//! `entry_hash = SHA-256("saksi-custody-v1\n" || canonical JSON of the entry with prev_hash)`,
//! `signature = Ed25519(device key, entry_hash)`. The first entry's `prev_hash` is 64 zeros.
//! Editing, removing or reordering any entry breaks the chain at that entry.
//!
//! `entry.rs`: the entry, its hash and its own check; `chains.rs`: following chains (this
//! vault's, and other devices' received in bundles) and checking received entries against those
//! held; this file: the actions, appending and reading.

use crate::sql::Cached;
use std::collections::HashMap;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::vault::Vault;

mod chains;
mod entry;
#[cfg(test)]
mod tests;

pub(crate) use chains::{check_against_held, check_own, Chains};
pub use chains::{verify_chain, verify_imported};
pub use entry::{Entry, EntryProblem};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    VaultCreated,
    PassphraseChanged,
    RecordCreated,
    RecordEdited,
    RecordDeleted,
    Intake,
    View,
    Extract,
    Export,
    Import,
    Redaction,
    Deletion,
    /// The author's attestation of one record version: `content_hash` is the record's version
    /// hash (see `docs/bundle-format.md`, "Authorship"). Made when a version this device wrote
    /// is first exported, so that whoever forwards the record can prove who wrote it.
    RecordVersion,
    /// HQ merged two person records into one person (`details`: both ids, the identity, the
    /// reason). HQ-local: never carried in a bundle (see docs/bundle-format.md, "Merging").
    PersonMerge,
    /// A person merge undone (`details`: the link removed).
    PersonUnmerge,
    // Key file slots and backups (issue 16).
    KeyFileUpgraded,
    RecoveryKeyAdded,
    RecoveryKeyRemoved,
    PassphraseReset,
    BackupMade,
    /// An Uwazi zip was written (issue 10): without a subject, `content_hash` is the zip's
    /// SHA-256 and `details` the purpose, counts and what was withheld; with an attachment as
    /// subject, that attachment went into the zip (`details`: the zip's SHA-256).
    UwaziExport,
    // Case files (issue 11). Case entries are a lawyer's work and stay in this vault.
    /// A case file made (`content_hash`: SHA-256 of its id, title, time and device as JSON).
    CaseCreated,
    /// An item numbered as an exhibit of a case (`details`: the case id and exhibit number).
    CaseExhibit,
    /// An item written, decrypted and hash-checked, into a court folder (`details`: the case
    /// and exhibit); left out of the folder's own `custody.jsonl` so that folders reproduce.
    CaseFolderExtract,
    // Annotations and review mode (issue 11).
    /// Review mode switched on or off (`details`: `{"on": true|false}`).
    ReviewMode,
    /// A term added to a vocabulary (`details`: the vocabulary and code).
    VocabAdded,
    /// This device, or a trusted device, given a name (`details`: the device id and the name).
    DeviceRenamed,
    // Duress passphrase and decoy (issue 16); they stay in this vault.
    /// A vault made before every vault had two databases gained its second.
    DatabasesPaired,
    /// A duress passphrase was set (a fresh decoy made); nothing about the decoy is recorded.
    DuressSet,
    /// The duress passphrase was removed (its slots are random bytes again).
    DuressRemoved,
    /// Consent withdrawn for one purpose (issue 13): the entry is the withdrawal. Subject: the
    /// testimony; `details`: purpose, withdrawn_at, how, recorded_by (see `crate::consent`).
    ConsentWithdrawn,
    /// This vault took a new device identity after a restore (issue 16). Signed by the new
    /// key; subject: the old device; `details`: the old key's signed statement
    /// (`crate::device_replacement`). Travels in every later bundle.
    DeviceReplaced,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::VaultCreated => "vault_created",
            Action::PassphraseChanged => "passphrase_changed",
            Action::RecordCreated => "record_created",
            Action::RecordEdited => "record_edited",
            Action::RecordDeleted => "record_deleted",
            Action::Intake => "intake",
            Action::View => "view",
            Action::Extract => "extract",
            Action::Export => "export",
            Action::Import => "import",
            Action::Redaction => "redaction",
            Action::Deletion => "deletion",
            Action::RecordVersion => "record_version",
            Action::PersonMerge => "person_merge",
            Action::PersonUnmerge => "person_unmerge",
            Action::KeyFileUpgraded => "key_file_upgraded",
            Action::RecoveryKeyAdded => "recovery_key_added",
            Action::RecoveryKeyRemoved => "recovery_key_removed",
            Action::PassphraseReset => "passphrase_reset",
            Action::BackupMade => "backup_made",
            Action::UwaziExport => "uwazi_export",
            Action::CaseCreated => "case_created",
            Action::CaseExhibit => "case_exhibit",
            Action::CaseFolderExtract => "case_folder_extract",
            Action::ReviewMode => "review_mode",
            Action::VocabAdded => "vocab_added",
            Action::DeviceRenamed => "device_renamed",
            Action::DatabasesPaired => "databases_paired",
            Action::DuressSet => "duress_set",
            Action::DuressRemoved => "duress_removed",
            Action::ConsentWithdrawn => "consent_withdrawn",
            Action::DeviceReplaced => "device_replaced",
        }
    }

    /// Whether entries of this action (named as stored) stay in this vault: person merges are
    /// HQ's own analysis, and their details name a second person who may be withheld from the
    /// bundle (consent) and a reason that may name them.
    /// Case files are a lawyer's work product: they name what a lawyer chose for a court.
    pub(crate) fn stays_local(action: &str) -> bool {
        action == Action::PersonMerge.as_str()
            || action == Action::PersonUnmerge.as_str()
            || action == Action::CaseCreated.as_str()
            || action == Action::CaseExhibit.as_str()
            || action == Action::CaseFolderExtract.as_str()
            || action == Action::DatabasesPaired.as_str()
            || action == Action::DuressSet.as_str()
            || action == Action::DuressRemoved.as_str()
    }
}

/// Appends an entry, inside whatever transaction `conn` is in.
pub(crate) fn append_on(
    conn: &Connection,
    device: &DeviceIdentity,
    action: Action,
    subject: Option<(&str, &str)>,
    content_hash: Option<&str>,
    details: Option<&str>,
) -> Result<()> {
    let (seq, prev_hash): (i64, String) = conn.row(
        "SELECT coalesce(max(seq), 0) + 1,
                coalesce((SELECT entry_hash FROM custody_log ORDER BY seq DESC LIMIT 1), ?1)
         FROM custody_log",
        [GENESIS],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut e = Entry {
        seq,
        id: uuid::Uuid::now_v7().to_string(),
        at: crate::model::now(),
        device_id: device.id().to_string(),
        action: action.as_str().to_string(),
        subject_type: subject.map(|s| s.0.to_string()),
        subject_id: subject.map(|s| s.1.to_string()),
        content_hash: content_hash.map(str::to_string),
        details: details.map(str::to_string),
        prev_hash,
        entry_hash: String::new(),
        public_key: device.public_key().to_bytes().to_vec(),
        signature: Vec::new(),
    };
    e.entry_hash = e.compute_hash();
    e.signature = device.sign(e.entry_hash.as_bytes()).to_vec();
    conn.exec(
        "INSERT INTO custody_log (seq, id, at, device_id, action, subject_type, subject_id,
            content_hash, details, prev_hash, entry_hash, public_key, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            e.seq,
            e.id,
            e.at,
            e.device_id,
            e.action,
            e.subject_type,
            e.subject_id,
            e.content_hash,
            e.details,
            e.prev_hash,
            e.entry_hash,
            e.public_key,
            e.signature
        ],
    )?;
    Ok(())
}

/// Appends an entry in its own transaction.
pub(crate) fn append(
    vault: &Vault,
    action: Action,
    subject: Option<(&str, &str)>,
    content_hash: Option<&str>,
    details: Option<&str>,
) -> Result<()> {
    vault.writable()?;
    let tx = vault.conn.unchecked_transaction()?;
    append_on(&tx, &vault.device, action, subject, content_hash, details)?;
    tx.commit()?;
    Ok(())
}

const ENTRY_COLS: &str = "seq, id, at, device_id, action, subject_type, subject_id, content_hash,
    details, prev_hash, entry_hash, public_key, signature";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        id: r.get(1)?,
        at: r.get(2)?,
        device_id: r.get(3)?,
        action: r.get(4)?,
        subject_type: r.get(5)?,
        subject_id: r.get(6)?,
        content_hash: r.get(7)?,
        details: r.get(8)?,
        prev_hash: r.get(9)?,
        entry_hash: r.get(10)?,
        public_key: r.get(11)?,
        signature: r.get(12)?,
    })
}

fn read_entries(conn: &Connection, subject_id: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM custody_log WHERE ?1 IS NULL OR subject_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([subject_id], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Which log [`each_entry`] walks.
#[derive(Clone, Copy)]
pub(crate) enum Log {
    /// This device's own, in its order.
    Own,
    /// Other devices' entries received in bundles, device by device in their order.
    Received,
}

/// Calls `f` with every entry of `log`, one at a time (never the whole log in memory).
pub(crate) fn each_entry(
    conn: &Connection,
    log: Log,
    mut f: impl FnMut(&Entry) -> Result<()>,
) -> Result<()> {
    let sql = match log {
        Log::Own => format!("SELECT {ENTRY_COLS} FROM custody_log ORDER BY seq"),
        Log::Received => {
            format!("SELECT {ENTRY_COLS} FROM imported_custody ORDER BY device_id, seq")
        }
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        f(&entry_from_row(r)?)?;
    }
    Ok(())
}

/// The whole log, oldest first.
pub fn entries(vault: &Vault) -> Result<Vec<Entry>> {
    read_entries(&vault.conn, None)
}

/// The entries about one record or attachment.
pub fn entries_for(vault: &Vault, subject_id: &str) -> Result<Vec<Entry>> {
    read_entries(&vault.conn, Some(subject_id))
}

/// Other devices' entries held in `imported_custody`, in each device's order.
pub fn imported_entries(conn: &Connection, subject_id: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLS} FROM imported_custody WHERE ?1 IS NULL OR subject_id = ?1
         ORDER BY device_id, seq"
    ))?;
    let rows = stmt.query_map([subject_id], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

impl From<ed25519_dalek::SignatureError> for Error {
    fn from(_: ed25519_dalek::SignatureError) -> Self {
        Error::Crypto("signature error")
    }
}
