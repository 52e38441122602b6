//! The named recipients a monitor sends bundles to, each an age key; HQ's registered from its
//! device card, with its pinned signing key. A changed key under a known name is refused.

use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::*;
use crate::bundle::BundleError;
use crate::bundle::KeyError;
use crate::crypto::minisign;
use crate::error::Result;
use crate::vault::Vault;

/// A named recipient. Registered from HQ's device card, it also pins HQ's Ed25519 signing key:
/// only that key can confirm, in a receipt, what a bundle sent to this recipient delivered.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientEntry {
    pub name: String,
    pub recipient: String,
    /// The fingerprint of the age recipient alone (as the bundle manifest lists it).
    pub fingerprint: String,
    /// From the card: the device whose signing key is pinned (`None`: registered by its age key
    /// alone, so no receipt from it is accepted).
    pub device_id: Option<String>,
    /// The pinned signing key, in minisign form.
    pub minisign_public_key: Option<String>,
    /// The card's fingerprint (every key on it), to compare by phone.
    pub card_fingerprint: Option<String>,
    pub added_at: String,
    #[serde(skip)]
    pub signing_key: Option<VerifyingKey>,
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(crate::Error::invalid(
            "a recipient name must be 1 to 64 printable characters",
        ));
    }
    Ok(n.to_string())
}

const RECIPIENT_COLS: &str =
    "name, recipient, added_at, device_id, signing_key, device_age_recipient";

fn recipient_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecipientEntry> {
    let recipient: String = r.get(1)?;
    let pk: Option<Vec<u8>> = r.get(4)?;
    let device_age: Option<String> = r.get(5)?;
    let key = pk.and_then(|pk| {
        <[u8; 32]>::try_from(pk.as_slice())
            .ok()
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
    });
    Ok(RecipientEntry {
        name: r.get(0)?,
        fingerprint: recipient_fingerprint(&recipient),
        device_id: r.get(3)?,
        minisign_public_key: key.as_ref().map(minisign::public_key_string),
        card_fingerprint: key
            .as_ref()
            .zip(device_age.as_deref())
            .map(|(k, a)| card_fingerprint(k, a, Some(recipient.as_str()))),
        recipient,
        added_at: r.get(2)?,
        signing_key: key,
    })
}

fn recipient_where(
    conn: &Connection,
    cond: &str,
    arg: &dyn rusqlite::ToSql,
) -> Result<Option<RecipientEntry>> {
    Ok(conn
        .query_row(
            &format!("SELECT {RECIPIENT_COLS} FROM bundle_recipient WHERE {cond} = ?1"),
            [arg],
            recipient_from_row,
        )
        .optional()?)
}

/// Registers a recipient under `name` by its age key alone (e.g. a lawyer's key). Bundles can be
/// sent to it; receipts from it are refused, since no signing key is pinned for it. Adding the
/// same name and key again changes nothing; the same name with another key is a "key changed"
/// error.
pub fn recipient_add(vault: &mut Vault, name: &str, recipient: &str) -> Result<RecipientEntry> {
    vault.writable()?;
    let name = check_name(name)?;
    let r = parse_recipient(recipient)?.to_string();
    let conn = &vault.conn;
    if let Some(old) = recipient_where(conn, "name", &name)? {
        if old.recipient == r {
            return Ok(old);
        }
        return Err(recipient_key_changed(&old, "age key"));
    }
    if let Some(other) = recipient_where(conn, "recipient", &r)? {
        return Err(KeyError::RecipientExists(other.name).into());
    }
    conn.execute(
        "INSERT INTO bundle_recipient (name, recipient, added_at) VALUES (?1, ?2, ?3)",
        params![name, r, crate::model::now()],
    )?;
    recipient_by_name(conn, &name)
}

fn recipient_key_changed(old: &RecipientEntry, what: &str) -> crate::Error {
    KeyError::KeyChanged(format!(
        "recipient '{}' is registered (since {}) with a different {what}; compare the card's fingerprint with HQ by phone, and if HQ's keys really changed, register it under a new name",
        old.name, old.added_at
    ))
    .into()
}

/// Registers HQ under `name` from HQ's device card (after comparing the card's fingerprint by
/// phone): its HQ bundle recipient, and its Ed25519 signing key, pinned — the only key whose
/// receipts count for bundles sent to this recipient. A name already registered by the same age
/// key alone gets the signing key pinned; any other difference is a "key changed" error.
pub fn recipient_add_card(
    vault: &mut Vault,
    name: &str,
    card_bytes: &[u8],
) -> Result<RecipientEntry> {
    vault.writable()?;
    let name = check_name(name)?;
    let (card, key) = DeviceCard::parse(card_bytes)?;
    let hq = card.hq_recipient.clone().ok_or_else(|| {
        KeyError::BadCard(
            "this card carries no HQ bundle key (the vault that made it has no HQ key): HQ must make its HQ key, then a new card".into(),
        )
    })?;
    if card.device_id == vault.device().id() {
        return Err(KeyError::BadCard("this is this device's own card".into()).into());
    }
    let conn = &vault.conn;
    if let Some(d) = trusted_by_id(conn, &card.device_id)? {
        if let Some(at) = d.revoked_at {
            return Err(BundleError::RevokedSigner(d.id, at).into());
        }
    }
    let same_pin = |e: &RecipientEntry| {
        e.signing_key == Some(key) && e.device_id.as_deref() == Some(card.device_id.as_str())
    };
    if let Some(old) = recipient_where(conn, "name", &name)? {
        if old.recipient != hq {
            return Err(recipient_key_changed(&old, "HQ bundle key"));
        }
        if old.signing_key.is_some() {
            if !same_pin(&old) {
                return Err(recipient_key_changed(&old, "signing key"));
            }
            if old.card_fingerprint.as_deref() != Some(card.fingerprint.as_str()) {
                return Err(recipient_key_changed(&old, "device age key"));
            }
            return Ok(old);
        }
    } else if let Some(other) = recipient_where(conn, "recipient", &hq)? {
        return Err(KeyError::RecipientExists(other.name).into());
    }
    if let Some(pinned) = recipient_where(conn, "signing_key", &key.as_bytes().to_vec())? {
        if pinned.name != name {
            return Err(recipient_key_changed(
                &pinned,
                "HQ bundle key (the same HQ device is registered under that name)",
            ));
        }
    }
    conn.execute(
        "INSERT INTO bundle_recipient (name, recipient, added_at, device_id, signing_key, device_age_recipient)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (name) DO UPDATE SET device_id = excluded.device_id,
            signing_key = excluded.signing_key, device_age_recipient = excluded.device_age_recipient",
        params![
            name,
            hq,
            crate::model::now(),
            card.device_id,
            key.as_bytes().to_vec(),
            card.age_recipient.trim()
        ],
    )?;
    recipient_by_name(conn, &name)
}

pub fn recipient_list(vault: &Vault) -> Result<Vec<RecipientEntry>> {
    let mut stmt = vault.conn.prepare(&format!(
        "SELECT {RECIPIENT_COLS} FROM bundle_recipient ORDER BY name"
    ))?;
    let rows = stmt.query_map([], recipient_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn recipient_by_name(conn: &Connection, name: &str) -> Result<RecipientEntry> {
    recipient_where(conn, "name", &name.trim())?
        .ok_or_else(|| KeyError::UnknownRecipient(name.trim().to_string()).into())
}

/// The recipient whose pinned signing key has minisign key id `key_id`.
pub(crate) fn recipient_by_key_id(
    conn: &Connection,
    key_id: &[u8; 8],
) -> Result<Option<RecipientEntry>> {
    Ok(recipient_list_on(conn)?
        .into_iter()
        .find(|r| r.signing_key.as_ref().map(minisign::key_id).as_ref() == Some(key_id)))
}

fn recipient_list_on(conn: &Connection) -> Result<Vec<RecipientEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {RECIPIENT_COLS} FROM bundle_recipient"))?;
    let rows = stmt.query_map([], recipient_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
