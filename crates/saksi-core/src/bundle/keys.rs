//! Keys for bundles: HQ's age identity (kept in the vault), this device's own age identity (for
//! receipts), the named recipients a monitor sends to (HQ's pinned from its device card, with
//! its signing key), device cards, and the trusted devices HQ accepts bundles from. Every card
//! has a fingerprint over all of its keys that people compare by phone; a changed key for a
//! known device or recipient is refused ("key changed").

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use zeroize::Zeroizing;

use super::BundleError;
use crate::crypto::minisign;
use crate::error::Result;
use crate::vault::Vault;

pub const CARD_FORMAT: &str = "saksi-device-card";
/// Version 2: the fingerprint covers every key on the card (version 1 covered the signing key
/// only, so a swapped age recipient went unnoticed); version 1 cards are refused.
pub const CARD_VERSION: u64 = 2;

/// Digits in groups of five from an age recipient, to compare by voice.
pub fn recipient_fingerprint(recipient: &str) -> String {
    digits(&Sha256::digest(
        [
            b"saksi-age-fingerprint-v1\n".as_slice(),
            recipient.as_bytes(),
        ]
        .concat(),
    ))
}

/// Parses an age X25519 recipient (`age1…`); nothing else (no SSH keys, no plugins).
pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient> {
    let s = s.trim();
    age::x25519::Recipient::from_str(s).map_err(|_| BundleError::BadRecipient(s.into()).into())
}

fn load_identity(conn: &Connection, purpose: &str) -> Result<Option<age::x25519::Identity>> {
    let secret: Option<Zeroizing<String>> = conn
        .query_row(
            "SELECT identity FROM age_key WHERE purpose = ?1",
            [purpose],
            |r| r.get::<_, String>(0).map(Zeroizing::new),
        )
        .optional()?;
    secret
        .map(|s| {
            age::x25519::Identity::from_str(&s).map_err(|_| {
                crate::Error::Corrupt(format!("the vault's {purpose} age key is damaged"))
            })
        })
        .transpose()
}

fn store_identity(conn: &Connection, purpose: &str, id: &age::x25519::Identity) -> Result<()> {
    conn.execute(
        "INSERT INTO age_key (purpose, identity, recipient, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            purpose,
            id.to_string().expose_secret(),
            id.to_public().to_string(),
            crate::model::now()
        ],
    )?;
    Ok(())
}

/// HQ's identity, if this vault has one.
pub fn hq_identity(vault: &Vault) -> Result<Option<age::x25519::Identity>> {
    load_identity(&vault.conn, "hq")
}

/// Makes this vault's HQ identity. Refuses if there is one already.
pub fn keygen(vault: &mut Vault) -> Result<String> {
    if hq_identity(vault)?.is_some() {
        return Err(BundleError::HqKeyExists.into());
    }
    let id = age::x25519::Identity::generate();
    store_identity(&vault.conn, "hq", &id)?;
    Ok(id.to_public().to_string())
}

/// HQ's recipient (`age1…`), to give to monitors.
pub fn hq_recipient(vault: &Vault) -> Result<String> {
    hq_identity(vault)?
        .map(|i| i.to_public().to_string())
        .ok_or_else(|| BundleError::NoHqKey.into())
}

/// HQ's identity as an age identity file (what `age -d -i FILE` reads). Secret: the caller
/// writes it only where the user asked.
pub fn hq_identity_file(vault: &Vault) -> Result<Zeroizing<String>> {
    let id = hq_identity(vault)?.ok_or(BundleError::NoHqKey)?;
    Ok(Zeroizing::new(format!(
        "# Saksi HQ identity (age X25519). Keep it secret.\n# public key: {}\n{}\n",
        id.to_public(),
        id.to_string().expose_secret()
    )))
}

/// This device's own age identity (receipts are encrypted to it); made on first use.
pub(crate) fn device_identity(vault: &Vault) -> Result<age::x25519::Identity> {
    if let Some(id) = load_identity(&vault.conn, "device")? {
        return Ok(id);
    }
    let id = age::x25519::Identity::generate();
    store_identity(&vault.conn, "device", &id)?;
    Ok(id)
}

/// This device's own age identity if it was made already (never makes one: imports must not
/// write before they verify).
pub(crate) fn stored_device_identity(vault: &Vault) -> Result<Option<age::x25519::Identity>> {
    load_identity(&vault.conn, "device")
}

/// Reads X25519 identities from an age identity file's text (comments and blank lines allowed).
pub fn parse_identity_file(text: &str) -> Result<Vec<age::x25519::Identity>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(age::x25519::Identity::from_str(line).map_err(|_| {
            BundleError::BadIdentity("a line is neither a comment nor an AGE-SECRET-KEY-1".into())
        })?);
    }
    if out.is_empty() {
        return Err(BundleError::BadIdentity("the file is empty".into()).into());
    }
    Ok(out)
}

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
        return Err(BundleError::RecipientExists(other.name).into());
    }
    conn.execute(
        "INSERT INTO bundle_recipient (name, recipient, added_at) VALUES (?1, ?2, ?3)",
        params![name, r, crate::model::now()],
    )?;
    recipient_by_name(conn, &name)
}

fn recipient_key_changed(old: &RecipientEntry, what: &str) -> crate::Error {
    BundleError::KeyChanged(format!(
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
    let name = check_name(name)?;
    let (card, key) = DeviceCard::parse(card_bytes)?;
    let hq = card.hq_recipient.clone().ok_or_else(|| {
        BundleError::BadCard(
            "this card carries no HQ bundle key (the vault that made it has no HQ key): HQ must make its HQ key, then a new card".into(),
        )
    })?;
    if card.device_id == vault.device().id() {
        return Err(BundleError::BadCard("this is this device's own card".into()).into());
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
        return Err(BundleError::RecipientExists(other.name).into());
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
        .ok_or_else(|| BundleError::UnknownRecipient(name.trim().to_string()).into())
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

/// A device card: what HQ needs to trust a device, and what a monitor needs to register HQ. It
/// carries no secret. Both sides compare the fingerprint (which covers every key on the card)
/// by phone before `trust add` or registering the recipient.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeviceCard {
    pub format: String,
    pub version: u64,
    pub device_id: String,
    pub name: String,
    /// Ed25519 public key, hex.
    pub ed25519_public_key: String,
    /// The same key as `minisign -P` takes.
    pub minisign_public_key: String,
    /// This device's age recipient: receipts from HQ are encrypted to it.
    pub age_recipient: String,
    /// The HQ bundle recipient, on the card of a vault that has an HQ key: monitors encrypt
    /// bundles to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hq_recipient: Option<String>,
    /// [`card_fingerprint`] of the keys above.
    pub fingerprint: String,
}

/// Thirty digits in groups of five, to compare by voice.
fn digits(h: &[u8]) -> String {
    h.chunks(4)
        .take(6)
        .map(|c| {
            let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) % 100_000;
            format!("{n:05}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The card fingerprint: SHA-256 under its own domain over every key on the card, each one
/// labelled and length-prefixed (an absent HQ recipient is absent, not empty), so that changing
/// any key — not only the signing key — changes the digits read over the phone.
pub fn card_fingerprint(
    key: &VerifyingKey,
    age_recipient: &str,
    hq_recipient: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    h.update(b"saksi-card-fingerprint-v2\0");
    let mut field = |label: &str, value: &[u8]| {
        h.update(label.as_bytes());
        h.update([0u8]);
        h.update((value.len() as u32).to_be_bytes());
        h.update(value);
    };
    field("ed25519", key.as_bytes());
    field("age", age_recipient.trim().as_bytes());
    if let Some(hq) = hq_recipient {
        field("hq", hq.trim().as_bytes());
    }
    digits(&h.finalize())
}

/// This device's card (makes its age identity on first use). A vault with an HQ key puts its
/// HQ bundle recipient on it.
pub fn device_card(vault: &Vault) -> Result<DeviceCard> {
    let d = vault.device();
    let age = device_identity(vault)?.to_public().to_string();
    let hq = hq_identity(vault)?.map(|i| i.to_public().to_string());
    let pk = d.public_key();
    Ok(DeviceCard {
        format: CARD_FORMAT.into(),
        version: CARD_VERSION,
        device_id: d.id().to_string(),
        name: d.name().to_string(),
        ed25519_public_key: crate::device::public_key_hex(&pk),
        minisign_public_key: minisign::public_key_string(&pk),
        fingerprint: card_fingerprint(&pk, &age, hq.as_deref()),
        age_recipient: age,
        hq_recipient: hq,
    })
}

impl DeviceCard {
    /// Parses and checks a card: every field must agree with the keys.
    pub fn parse(bytes: &[u8]) -> Result<(DeviceCard, VerifyingKey)> {
        let bad = |m: &str| crate::Error::from(BundleError::BadCard(m.to_string()));
        if bytes.len() > 64 << 10 {
            return Err(bad("larger than 64 KiB"));
        }
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| bad(&format!("not a card: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(CARD_FORMAT) {
            return Err(bad("not a Saksi device card"));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(CARD_VERSION) => {}
            Some(v) if v < CARD_VERSION => {
                return Err(bad(&format!(
                    "this is an old card (version {v}) whose fingerprint does not cover every key on it: ask for a new card, made with this version of Saksi"
                )))
            }
            Some(v) => {
                return Err(bad(&format!(
                    "unknown card version {v}: update Saksi"
                )))
            }
            None => return Err(bad("the card has no version")),
        }
        let card: DeviceCard =
            serde_json::from_value(value).map_err(|e| bad(&format!("not a card: {e}")))?;
        let pk: [u8; 32] = hex::decode(&card.ed25519_public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the public key is not 32 bytes of hex"))?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("the public key is invalid"))?;
        if crate::device::device_id(&key) != card.device_id {
            return Err(bad("the device id does not match the public key"));
        }
        if minisign::parse_public_key(&card.minisign_public_key) != Some(key) {
            return Err(bad("the minisign key does not match the public key"));
        }
        let age = parse_recipient(&card.age_recipient)
            .map_err(|_| bad("the age recipient is not an age1… X25519 recipient"))?
            .to_string();
        let hq = card
            .hq_recipient
            .as_deref()
            .map(|r| {
                parse_recipient(r)
                    .map(|r| r.to_string())
                    .map_err(|_| bad("the HQ recipient is not an age1… X25519 recipient"))
            })
            .transpose()?;
        if card_fingerprint(&key, &age, hq.as_deref()) != card.fingerprint {
            return Err(bad("the fingerprint does not match the keys on the card"));
        }
        let name = card.name.trim();
        if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
            return Err(bad("the device name must be 1 to 128 printable characters"));
        }
        let card = DeviceCard {
            age_recipient: age,
            hq_recipient: hq,
            ..card
        };
        Ok((card, key))
    }
}

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
        public_key: key,
    })
}

const TRUSTED_COLS: &str =
    "id, name, public_key, age_recipient, added_at, revoked_at, hq_recipient";

/// Trusts the device described by `card` (after the user compared the fingerprint). Adding the
/// same card again changes nothing. A card for a known device id with any other key is refused
/// ("key changed"): the device id is the hash of the signing key, and a device's age keys never
/// change, so a different card under a known id is a swapped card. A revoked device is never
/// trusted again (its signing key may be in the wrong hands); a device whose keys really
/// changed joins again as a new device, with a new vault and so a new id.
pub fn trust_add(vault: &mut Vault, card_bytes: &[u8]) -> Result<TrustedDevice> {
    let (card, key) = DeviceCard::parse(card_bytes)?;
    if card.device_id == vault.device().id() {
        return Err(BundleError::BadCard("this is this device's own card".into()).into());
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
            return Err(BundleError::KeyChanged(format!(
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
        .ok_or_else(|| BundleError::UnknownDevice(card.device_id).into())
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
    let id = id.trim();
    let n = vault.conn.execute(
        "UPDATE trusted_device SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, crate::model::now()],
    )?;
    let dev = trusted_by_id(&vault.conn, id)?
        .ok_or_else(|| BundleError::UnknownDevice(id.to_string()))?;
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
