//! The devices HQ accepts bundles from (added from their cards, revoked by id), looked up
//! by id or by minisign key id.

use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::*;
use crate::bundle::BundleError;
use crate::bundle::KeyError;
use crate::crypto::minisign;
use crate::error::Result;
use crate::vault::Vault;

/// A device this vault accepts bundles from.
#[derive(Debug, Clone, Serialize)]
pub struct TrustedDevice {
    pub id: String,
    pub name: String,
    /// The card fingerprint (every key on the card).
    pub fingerprint: String,
    pub minisign_public_key: String,
    pub age_recipient: String,
    /// The HQ bundle recipient its card carried, if any.
    pub hq_recipient: Option<String>,
    pub added_at: String,
    pub revoked_at: Option<String>,
    /// The device that replaced it (a restore with a new device identity), and when: its
    /// bundles are refused from then on.
    pub superseded_by: Option<String>,
    pub superseded_at: Option<String>,
    #[serde(skip)]
    pub public_key: Option<VerifyingKey>,
}

fn trusted_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrustedDevice> {
    let pk: Vec<u8> = r.get(2)?;
    let key = <[u8; 32]>::try_from(pk.as_slice())
        .ok()
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let age_recipient: String = r.get(3)?;
    let hq_recipient: Option<String> = r.get(6)?;
    Ok(TrustedDevice {
        id: r.get(0)?,
        name: r.get(1)?,
        fingerprint: key
            .as_ref()
            .map(|k| card_fingerprint(k, &age_recipient, hq_recipient.as_deref()))
            .unwrap_or_default(),
        minisign_public_key: key
            .as_ref()
            .map(minisign::public_key_string)
            .unwrap_or_default(),
        age_recipient,
        hq_recipient,
        added_at: r.get(4)?,
        revoked_at: r.get(5)?,
        superseded_by: r.get(7)?,
        superseded_at: r.get(8)?,
        public_key: key,
    })
}

const TRUSTED_COLS: &str =
    "id, name, public_key, age_recipient, added_at, revoked_at, hq_recipient, superseded_by, superseded_at";

/// Trusts the device described by `card` (after the user compared the fingerprint). Adding the
/// same card again changes nothing. A card for a known device id with any other key is refused
/// ("key changed"): the device id is the hash of the signing key, and a device's age keys never
/// change, so a different card under a known id is a swapped card. A revoked device is never
/// trusted again (its signing key may be in the wrong hands); a device whose keys really
/// changed joins again as a new device, with a new vault and so a new id.
pub fn trust_add(vault: &mut Vault, card_bytes: &[u8]) -> Result<TrustedDevice> {
    vault.writable()?;
    let (card, key) = DeviceCard::parse(card_bytes)?;
    if card.device_id == vault.device().id() {
        return Err(KeyError::BadCard("this is this device's own card".into()).into());
    }
    if let Some(existing) = trusted_by_id(&vault.conn, &card.device_id)? {
        if let Some(at) = existing.revoked_at {
            return Err(BundleError::RevokedSigner(existing.id, at).into());
        }
        let what = if existing.public_key != Some(key) {
            Some("signing key")
        } else if existing.age_recipient != card.age_recipient {
            Some("age recipient")
        } else if existing.hq_recipient != card.hq_recipient {
            Some("HQ bundle key")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(KeyError::KeyChanged(format!(
                "device {} ({}) is trusted (since {}) with a different {what}; compare the card's fingerprint with the device by phone, and if its keys really changed, revoke it and trust the new vault's card",
                existing.id, existing.name, existing.added_at
            ))
            .into());
        }
        vault.conn.execute(
            "UPDATE trusted_device SET name = ?2 WHERE id = ?1",
            params![card.device_id, card.name.trim()],
        )?;
    } else {
        vault.conn.execute(
            "INSERT INTO trusted_device (id, name, public_key, age_recipient, added_at, hq_recipient)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                card.device_id,
                card.name.trim(),
                key.as_bytes().to_vec(),
                card.age_recipient,
                crate::model::now(),
                card.hq_recipient
            ],
        )?;
    }
    trusted_by_id(&vault.conn, &card.device_id)?
        .ok_or_else(|| KeyError::UnknownDevice(card.device_id).into())
}

pub fn trust_list(vault: &Vault) -> Result<Vec<TrustedDevice>> {
    let mut stmt = vault.conn.prepare(&format!(
        "SELECT {TRUSTED_COLS} FROM trusted_device ORDER BY added_at, id"
    ))?;
    let rows = stmt.query_map([], trusted_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Revokes a device (e.g. a seized laptop): its bundles are refused from now on. Records
/// already imported from it stay, with their provenance.
pub fn trust_revoke(vault: &mut Vault, id: &str) -> Result<TrustedDevice> {
    vault.writable()?;
    let id = id.trim();
    let n = vault.conn.execute(
        "UPDATE trusted_device SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, crate::model::now()],
    )?;
    let dev =
        trusted_by_id(&vault.conn, id)?.ok_or_else(|| KeyError::UnknownDevice(id.to_string()))?;
    let _ = n;
    Ok(dev)
}

pub(crate) fn trusted_by_id(conn: &Connection, id: &str) -> Result<Option<TrustedDevice>> {
    Ok(conn
        .query_row(
            &format!("SELECT {TRUSTED_COLS} FROM trusted_device WHERE id = ?1"),
            [id],
            trusted_from_row,
        )
        .optional()?)
}

/// The trusted (or revoked) device whose minisign key id is `key_id`.
pub(crate) fn trusted_by_key_id(
    conn: &Connection,
    key_id: &[u8; 8],
) -> Result<Option<TrustedDevice>> {
    let mut stmt = conn.prepare(&format!("SELECT {TRUSTED_COLS} FROM trusted_device"))?;
    let rows = stmt.query_map([], trusted_from_row)?;
    for d in rows {
        let d = d?;
        if d.public_key.as_ref().map(minisign::key_id).as_ref() == Some(key_id) {
            return Ok(Some(d));
        }
    }
    Ok(None)
}
