//! Device cards: a device's public keys as JSON, with a fingerprint over all of them that
//! people compare by phone before trusting it.

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::*;
use crate::bundle::KeyError;
use crate::crypto::minisign;
use crate::error::Result;
use crate::vault::Vault;

pub const CARD_FORMAT: &str = "saksi-device-card";
/// Version 2: the fingerprint covers every key on the card (version 1 covered the signing key
/// only, so a swapped age recipient went unnoticed); version 1 cards are refused.
pub const CARD_VERSION: u64 = 2;

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
    crate::crypto::fingerprint::digits(&h.finalize())
}

/// The fingerprint of this device's card as `device_card` would make it, without making
/// anything: `None` until the card has been made once (its age identity is made then).
pub fn card_fingerprint_if_made(vault: &Vault) -> Result<Option<String>> {
    let Some(age) = stored_device_identity(vault)? else {
        return Ok(None);
    };
    let hq = hq_identity(vault)?.map(|i| i.to_public().to_string());
    Ok(Some(card_fingerprint(
        &vault.device().public_key(),
        &age.to_public().to_string(),
        hq.as_deref(),
    )))
}

/// This device's card (makes its age identity on first use). A vault with an HQ key puts its
/// HQ bundle recipient on it.
/// The largest device card file read (a card is a few hundred bytes; [`DeviceCard::parse`]
/// refuses larger ones too).
pub const MAX_CARD_BYTES: u64 = 64 << 10;

/// Reads a device card file, refusing one too large to be a card before reading it all.
pub fn read_card_file(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let cannot = |e: std::io::Error| crate::Error::invalid(format!("cannot read the file: {e}"));
    let f = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    f.take(MAX_CARD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_CARD_BYTES {
        return Err(KeyError::BadCard("larger than 64 KiB".into()).into());
    }
    Ok(bytes)
}

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
        let bad = |m: &str| crate::Error::from(KeyError::BadCard(m.to_string()));
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
