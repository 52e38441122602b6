//! The custody log: an append-only, hash-chained list of everything done to evidence and records,
//! each entry signed by the device that did it.
//!
//! `entry_hash = SHA-256("saksi-custody-v1\n" || canonical JSON of the entry with prev_hash)`,
//! `signature = Ed25519(device key, entry_hash)`. The first entry's `prev_hash` is 64 zeros.
//! Editing, removing or reordering any entry breaks the chain at that entry.

use std::collections::HashMap;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::vault::Vault;

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
        }
    }

    /// Whether entries of this action (named as stored) stay in this vault: person merges are
    /// HQ's own analysis, and their details name a second person who may be withheld from the
    /// bundle (consent) and a reason that may name them.
    pub(crate) fn stays_local(action: &str) -> bool {
        action == Action::PersonMerge.as_str() || action == Action::PersonUnmerge.as_str()
    }
}

/// One entry, as stored, as shown by `saksi log --json`, and as carried in a bundle's
/// `custody.jsonl` (one JSON object per line, the same fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub device_id: String,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub content_hash: Option<String>,
    pub details: Option<String>,
    pub prev_hash: String,
    pub entry_hash: String,
    #[serde(serialize_with = "hex_ser", deserialize_with = "hex_de")]
    pub public_key: Vec<u8>,
    #[serde(serialize_with = "hex_ser", deserialize_with = "hex_de")]
    pub signature: Vec<u8>,
}

fn hex_ser<S: serde::Serializer>(v: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
}

fn hex_de<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    hex::decode(s).map_err(serde::de::Error::custom)
}

/// Why one entry, taken on its own, is not what it claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    /// Its content does not match its `entry_hash`.
    Altered,
    /// Its public key is not an Ed25519 key, or is not the key of the device it names.
    WrongKey,
    /// The signature over `entry_hash` does not verify.
    BadSignature,
}

impl EntryProblem {
    pub fn describe(self) -> &'static str {
        match self {
            EntryProblem::Altered => "its content was altered (hash mismatch)",
            EntryProblem::WrongKey => "its key is not the key of the device it names",
            EntryProblem::BadSignature => "the signature is not valid",
        }
    }
}

/// The part of an entry that its hash covers, in a fixed field order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    id: &'a str,
    at: &'a str,
    device_id: &'a str,
    action: &'a str,
    subject_type: Option<&'a str>,
    subject_id: Option<&'a str>,
    content_hash: Option<&'a str>,
    details: Option<&'a str>,
    prev_hash: &'a str,
}

impl Entry {
    pub(crate) fn compute_hash(&self) -> String {
        let h = Hashed {
            seq: self.seq,
            id: &self.id,
            at: &self.at,
            device_id: &self.device_id,
            action: &self.action,
            subject_type: self.subject_type.as_deref(),
            subject_id: self.subject_id.as_deref(),
            content_hash: self.content_hash.as_deref(),
            details: self.details.as_deref(),
            prev_hash: &self.prev_hash,
        };
        // Serialising plain strings and integers cannot fail.
        let json = serde_json::to_vec(&h).unwrap_or_default();
        let mut d = Sha256::new();
        d.update(b"saksi-custody-v1\n");
        d.update(&json);
        hex::encode(d.finalize())
    }

    /// Checks the entry on its own: its hash recomputed from its content, its key against the
    /// device id it names (the id is a hash of the key), its signature. Returns the key.
    pub fn check(&self) -> std::result::Result<VerifyingKey, EntryProblem> {
        if self.compute_hash() != self.entry_hash {
            return Err(EntryProblem::Altered);
        }
        let key = <[u8; 32]>::try_from(self.public_key.as_slice())
            .ok()
            .and_then(|k| VerifyingKey::from_bytes(&k).ok())
            .filter(|k| crate::device::device_id(k) == self.device_id)
            .ok_or(EntryProblem::WrongKey)?;
        let sig = <[u8; 64]>::try_from(self.signature.as_slice())
            .map_err(|_| EntryProblem::BadSignature)?;
        key.verify(self.entry_hash.as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| EntryProblem::BadSignature)?;
        Ok(key)
    }
}

/// Follows the chains of other devices' entries, which arrive with gaps (a bundle carries only
/// the entries about what it carries): per device, sequence numbers must rise; where two
/// entries are consecutive the second must name the first's hash; the first entry of a log
/// must start from [`GENESIS`].
#[derive(Default)]
pub(crate) struct Chains {
    last: HashMap<String, (i64, String)>,
}

impl Chains {
    /// Checks `e` against the entry seen before it from the same device.
    pub(crate) fn follow(&mut self, e: &Entry) -> std::result::Result<(), String> {
        let id = e.id.escape_default();
        if e.seq < 1 {
            return Err(format!(
                "entry {id}: sequence number {} is not positive",
                e.seq
            ));
        }
        if e.seq == 1 && e.prev_hash != GENESIS {
            return Err(format!(
                "entry {id} opens its log but names a previous entry"
            ));
        }
        if let Some((seq, hash)) = self.last.get(&e.device_id) {
            if e.seq <= *seq {
                return Err(format!(
                    "entry {id} (seq {}) of device {} does not come after seq {seq}",
                    e.seq, e.device_id
                ));
            }
            if e.seq == seq + 1 && &e.prev_hash != hash {
                return Err(format!(
                    "entry {id} (seq {}) of device {} does not follow the entry before it (chain broken)",
                    e.seq, e.device_id
                ));
            }
        }
        self.last
            .insert(e.device_id.clone(), (e.seq, e.entry_hash.clone()));
        Ok(())
    }
}

/// Checks an entry that claims to come from this device's own log (a bundle sent back here):
/// this vault must hold exactly that entry.
pub(crate) fn check_own(conn: &Connection, e: &Entry) -> Result<Option<String>> {
    let held: Option<String> = conn
        .query_row(
            "SELECT entry_hash FROM custody_log WHERE seq = ?1",
            [e.seq],
            |r| r.get(0),
        )
        .optional()?;
    Ok((held.as_deref() != Some(e.entry_hash.as_str())).then(|| {
        format!(
            "entry {} (seq {}) claims to be from this device's own log, which does not hold it",
            e.id.escape_default(),
            e.seq
        )
    }))
}

/// Checks an entry from another device against those of its entries this vault already holds
/// (`imported_custody`): the same sequence number must be the same entry, and its neighbours
/// must link to it. A device whose log was rewritten after it sent part of it is caught here.
pub(crate) fn check_against_held(conn: &Connection, e: &Entry) -> Result<Option<String>> {
    let held = |seq: i64| -> Result<Option<(String, String)>> {
        Ok(conn
            .query_row(
                "SELECT entry_hash, prev_hash FROM imported_custody WHERE device_id = ?1 AND seq = ?2",
                params![e.device_id, seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    };
    let id = e.id.escape_default();
    if let Some((hash, _)) = held(e.seq)? {
        if hash != e.entry_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} differs from the entry with that number received before: that device's custody log was rewritten",
                e.seq, e.device_id
            )));
        }
    }
    if let Some((hash, _)) = held(e.seq - 1)? {
        if hash != e.prev_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} does not follow the entry before it received earlier (chain broken)",
                e.seq, e.device_id
            )));
        }
    }
    if let Some((_, prev)) = held(e.seq + 1)? {
        if prev != e.entry_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} is not the entry the next one received earlier follows (chain broken)",
                e.seq, e.device_id
            )));
        }
    }
    Ok(None)
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
    let (seq, prev_hash): (i64, String) = conn.query_row(
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
    conn.execute(
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
    let mut stmt = conn.prepare(&format!(
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
    let mut stmt = conn.prepare(&sql)?;
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

/// Recomputes the whole chain. Returns the first broken entry, described, or `None`.
pub fn verify_chain(vault: &Vault) -> Result<Option<String>> {
    let mut expected_prev = GENESIS.to_string();
    for (i, e) in entries(vault)?.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): an entry before it is missing (expected seq {expected_seq})",
                e.id, e.seq
            )));
        }
        if e.prev_hash != expected_prev {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): does not follow the previous entry (chain broken)",
                e.id, e.seq
            )));
        }
        if let Err(p) = e.check() {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): {}",
                e.id,
                e.seq,
                p.describe()
            )));
        }
        expected_prev = e.entry_hash.clone();
    }
    Ok(None)
}

/// Other devices' entries held in `imported_custody`, in each device's order.
pub fn imported_entries(conn: &Connection, subject_id: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENTRY_COLS} FROM imported_custody WHERE ?1 IS NULL OR subject_id = ?1
         ORDER BY device_id, seq"
    ))?;
    let rows = stmt.query_map([subject_id], entry_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Re-checks every entry received from other devices: each on its own (hash, key, signature)
/// and each device's chain where consecutive entries are held. One line per problem.
pub fn verify_imported(vault: &Vault) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut chains = Chains::default();
    for e in imported_entries(&vault.conn, None)? {
        if let Err(p) = e.check() {
            problems.push(format!(
                "received custody entry {} (seq {} of device {}): {}",
                e.id,
                e.seq,
                e.device_id,
                p.describe()
            ));
            continue;
        }
        if let Err(p) = chains.follow(&e) {
            problems.push(format!("received custody {p}"));
        }
    }
    Ok(problems)
}

impl From<ed25519_dalek::SignatureError> for Error {
    fn from(_: ed25519_dalek::SignatureError) -> Self {
        Error::Crypto("signature error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    fn vault_with_records() -> (tempfile::TempDir, Vault) {
        let (dir, mut v) = testutil::vault();
        for t in ["one", "two", "three"] {
            testutil::incident(&mut v, t);
        }
        (dir, v)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let (_d, v) = vault_with_records();
        assert_eq!(entries(&v).unwrap().len(), 4);
        assert_eq!(verify_chain(&v).unwrap(), None);
    }

    #[test]
    fn editing_an_entry_with_the_key_is_reported_by_id() {
        let (_d, v) = vault_with_records();
        let target = entries(&v).unwrap()[2].id.clone();
        v.conn
            .execute(
                "UPDATE custody_log SET content_hash = 'forged' WHERE id = ?1",
                [&target],
            )
            .unwrap();
        let problem = verify_chain(&v)
            .unwrap()
            .expect("an edited entry must break the chain");
        assert!(
            problem.contains(&target) && problem.contains("altered"),
            "{problem}"
        );
    }

    #[test]
    fn rehashing_an_edited_entry_still_fails_on_the_signature_or_the_next_link() {
        let (_d, v) = vault_with_records();
        let mut e = entries(&v).unwrap()[1].clone();
        e.details = Some("forged".into());
        e.entry_hash = e.compute_hash();
        v.conn
            .execute(
                "UPDATE custody_log SET details = ?1, entry_hash = ?2 WHERE id = ?3",
                rusqlite::params![e.details, e.entry_hash, e.id],
            )
            .unwrap();
        let problem = verify_chain(&v)
            .unwrap()
            .expect("a re-hashed forgery must be caught");
        assert!(
            problem.contains(&e.id),
            "the forged entry is named first: {problem}"
        );
    }

    #[test]
    fn deleting_an_entry_breaks_the_chain() {
        let (_d, v) = vault_with_records();
        v.conn
            .execute("DELETE FROM custody_log WHERE seq = 2", [])
            .unwrap();
        let problem = verify_chain(&v)
            .unwrap()
            .expect("a removed entry must be noticed");
        assert!(problem.contains("missing"), "{problem}");
    }
}
