//! The custody log: an append-only, hash-chained list of everything done to evidence and records,
//! each entry signed by the device that did it.
//!
//! `entry_hash = SHA-256("saksi-custody-v1\n" || canonical JSON of the entry with prev_hash)`,
//! `signature = Ed25519(device key, entry_hash)`. The first entry's `prev_hash` is 64 zeros.
//! Editing, removing or reordering any entry breaks the chain at that entry.

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rusqlite::{params, Connection};
use serde::Serialize;
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
        }
    }
}

/// One entry, as stored and as shown by `saksi log --json`.
#[derive(Debug, Clone, Serialize)]
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
    #[serde(serialize_with = "hex_ser")]
    pub public_key: Vec<u8>,
    #[serde(serialize_with = "hex_ser")]
    pub signature: Vec<u8>,
}

fn hex_ser<S: serde::Serializer>(v: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
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
    fn compute_hash(&self) -> String {
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
    let tx = vault.conn.unchecked_transaction()?;
    append_on(&tx, &vault.device, action, subject, content_hash, details)?;
    tx.commit()?;
    Ok(())
}

fn read_entries(conn: &Connection, subject_id: Option<&str>) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, id, at, device_id, action, subject_type, subject_id, content_hash, details,
                prev_hash, entry_hash, public_key, signature
         FROM custody_log WHERE ?1 IS NULL OR subject_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([subject_id], |r| {
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
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
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
        if e.compute_hash() != e.entry_hash {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): its content was altered (hash mismatch)",
                e.id, e.seq
            )));
        }
        let key_ok = <[u8; 32]>::try_from(e.public_key.as_slice())
            .ok()
            .and_then(|k| VerifyingKey::from_bytes(&k).ok());
        let sig_ok = <[u8; 64]>::try_from(e.signature.as_slice())
            .ok()
            .map(|s| Signature::from_bytes(&s));
        match (key_ok, sig_ok) {
            (Some(k), Some(s))
                if crate::device::device_id(&k) == e.device_id
                    && k.verify(e.entry_hash.as_bytes(), &s).is_ok() => {}
            _ => {
                return Ok(Some(format!(
                    "custody log entry {} (seq {}): the signature is not valid",
                    e.id, e.seq
                )))
            }
        }
        expected_prev = e.entry_hash.clone();
    }
    Ok(None)
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
