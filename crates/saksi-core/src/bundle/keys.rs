//! Keys for bundles: HQ's age identity (kept in the vault), this device's own age identity (for
//! receipts), the named recipients a monitor sends to, device cards, and the trusted devices HQ
//! accepts bundles from. Every key is shown with a fingerprint people can compare by phone.

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{minisign, BundleError};
use crate::error::Result;
use crate::vault::Vault;

pub const CARD_FORMAT: &str = "saksi-device-card";
pub const CARD_VERSION: u64 = 1;

/// Digits in groups of five from an age recipient, to compare by voice.
pub fn recipient_fingerprint(recipient: &str) -> String {
    let h = Sha256::digest(
        [
            b"saksi-age-fingerprint-v1\n".as_slice(),
            recipient.as_bytes(),
        ]
        .concat(),
    );
    h.chunks(4)
        .take(6)
        .map(|c| {
            let n = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) % 100_000;
            format!("{n:05}")
        })
        .collect::<Vec<_>>()
        .join(" ")
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

/// A named recipient.
#[derive(Debug, Clone, Serialize)]
pub struct RecipientEntry {
    pub name: String,
    pub recipient: String,
    pub fingerprint: String,
    pub added_at: String,
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

/// Registers a recipient under `name`.
pub fn recipient_add(vault: &mut Vault, name: &str, recipient: &str) -> Result<RecipientEntry> {
    let name = check_name(name)?;
    let r = parse_recipient(recipient)?.to_string();
    let exists: bool = vault.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM bundle_recipient WHERE name = ?1 OR recipient = ?2)",
        params![name, r],
        |row| row.get(0),
    )?;
    if exists {
        return Err(BundleError::RecipientExists(name).into());
    }
    let now = crate::model::now();
    vault.conn.execute(
        "INSERT INTO bundle_recipient (name, recipient, added_at) VALUES (?1, ?2, ?3)",
        params![name, r, now],
    )?;
    Ok(RecipientEntry {
        fingerprint: recipient_fingerprint(&r),
        name,
        recipient: r,
        added_at: now,
    })
}

pub fn recipient_list(vault: &Vault) -> Result<Vec<RecipientEntry>> {
    let mut stmt = vault
        .conn
        .prepare("SELECT name, recipient, added_at FROM bundle_recipient ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        let recipient: String = r.get(1)?;
        Ok(RecipientEntry {
            name: r.get(0)?,
            fingerprint: recipient_fingerprint(&recipient),
            recipient,
            added_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn recipient_by_name(conn: &Connection, name: &str) -> Result<RecipientEntry> {
    conn.query_row(
        "SELECT name, recipient, added_at FROM bundle_recipient WHERE name = ?1",
        [name.trim()],
        |r| {
            let recipient: String = r.get(1)?;
            Ok(RecipientEntry {
                name: r.get(0)?,
                fingerprint: recipient_fingerprint(&recipient),
                recipient,
                added_at: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| BundleError::UnknownRecipient(name.trim().to_string()).into())
}

/// A device card: what HQ needs to trust a device. It carries no secret. HQ compares the
/// fingerprint with the monitor by phone before `saksi trust add`.
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
    pub fingerprint: String,
}

/// This device's card (makes its age identity on first use).
pub fn device_card(vault: &Vault) -> Result<DeviceCard> {
    let d = vault.device();
    let age = device_identity(vault)?.to_public().to_string();
    let pk = d.public_key();
    Ok(DeviceCard {
        format: CARD_FORMAT.into(),
        version: CARD_VERSION,
        device_id: d.id().to_string(),
        name: d.name().to_string(),
        ed25519_public_key: crate::device::public_key_hex(&pk),
        minisign_public_key: minisign::public_key_string(&pk),
        age_recipient: age,
        fingerprint: d.fingerprint(),
    })
}

impl DeviceCard {
    /// Parses and checks a card: every field must agree with the public key.
    pub fn parse(bytes: &[u8]) -> Result<(DeviceCard, VerifyingKey)> {
        let bad = |m: &str| crate::Error::from(BundleError::BadCard(m.to_string()));
        if bytes.len() > 64 << 10 {
            return Err(bad("larger than 64 KiB"));
        }
        let card: DeviceCard =
            serde_json::from_slice(bytes).map_err(|e| bad(&format!("not a card: {e}")))?;
        if card.format != CARD_FORMAT {
            return Err(bad("not a Saksi device card"));
        }
        if card.version != CARD_VERSION {
            return Err(bad(&format!("unknown card version {}", card.version)));
        }
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
        if crate::device::fingerprint(&key) != card.fingerprint {
            return Err(bad("the fingerprint does not match the public key"));
        }
        parse_recipient(&card.age_recipient)
            .map_err(|_| bad("the age recipient is not an age1… X25519 recipient"))?;
        let name = card.name.trim();
        if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
            return Err(bad("the device name must be 1 to 128 printable characters"));
        }
        Ok((card, key))
    }
}

/// A device this vault accepts bundles or receipts from.
#[derive(Debug, Clone, Serialize)]
pub struct TrustedDevice {
    pub id: String,
    pub name: String,
    pub fingerprint: String,
    pub minisign_public_key: String,
    pub age_recipient: String,
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
    Ok(TrustedDevice {
        id: r.get(0)?,
        name: r.get(1)?,
        fingerprint: key
            .as_ref()
            .map(crate::device::fingerprint)
            .unwrap_or_default(),
        minisign_public_key: key
            .as_ref()
            .map(minisign::public_key_string)
            .unwrap_or_default(),
        age_recipient: r.get(3)?,
        added_at: r.get(4)?,
        revoked_at: r.get(5)?,
        public_key: key,
    })
}

const TRUSTED_COLS: &str = "id, name, public_key, age_recipient, added_at, revoked_at";

/// Trusts the device described by `card` (after the user compared the fingerprint). Adding the
/// same card again changes nothing; a revoked device cannot be trusted again.
pub fn trust_add(vault: &mut Vault, card_bytes: &[u8]) -> Result<TrustedDevice> {
    let (card, key) = DeviceCard::parse(card_bytes)?;
    if card.device_id == vault.device().id() {
        return Err(BundleError::BadCard("this is this device's own card".into()).into());
    }
    if let Some(existing) = trusted_by_id(&vault.conn, &card.device_id)? {
        if let Some(at) = existing.revoked_at {
            return Err(BundleError::RevokedSigner(existing.id, at).into());
        }
        vault.conn.execute(
            "UPDATE trusted_device SET name = ?2, age_recipient = ?3 WHERE id = ?1",
            params![card.device_id, card.name.trim(), card.age_recipient.trim()],
        )?;
    } else {
        vault.conn.execute(
            "INSERT INTO trusted_device (id, name, public_key, age_recipient, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                card.device_id,
                card.name.trim(),
                key.as_bytes().to_vec(),
                card.age_recipient.trim(),
                crate::model::now()
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
