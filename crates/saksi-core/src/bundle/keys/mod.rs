//! Keys for bundles: HQ's age identity (kept in the vault), this device's own age identity (for
//! receipts), the named recipients a monitor sends to (HQ's pinned from its device card, with
//! its signing key), device cards, and the trusted devices HQ accepts bundles from. Every card
//! has a fingerprint over all of its keys that people compare by phone; a changed key for a
//! known device or recipient is refused ("key changed").
//!
//! Here: the age identities and recipient keys; `recipients.rs` the named recipients,
//! `cards.rs` device cards and their fingerprints, `trust.rs` the devices HQ trusts.

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

use crate::bundle::KeyError;
use crate::error::Result;
use crate::vault::Vault;

mod cards;
mod recipients;
mod trust;

pub use cards::*;
pub use recipients::*;
pub use trust::*;

/// Digits in groups of five from an age recipient, to compare by voice.
pub fn recipient_fingerprint(recipient: &str) -> String {
    crate::crypto::fingerprint::spoken(b"saksi-age-fingerprint-v1\n", recipient.as_bytes())
}

/// Parses an age X25519 recipient (`age1…`); nothing else (no SSH keys, no plugins).
pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient> {
    let s = s.trim();
    age::x25519::Recipient::from_str(s).map_err(|_| KeyError::BadRecipient(s.into()).into())
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
    vault.writable()?;
    if hq_identity(vault)?.is_some() {
        return Err(KeyError::HqKeyExists.into());
    }
    let id = age::x25519::Identity::generate();
    store_identity(&vault.conn, "hq", &id)?;
    Ok(id.to_public().to_string())
}

/// HQ's recipient (`age1…`), to give to monitors.
pub fn hq_recipient(vault: &Vault) -> Result<String> {
    hq_identity(vault)?
        .map(|i| i.to_public().to_string())
        .ok_or_else(|| KeyError::NoHqKey.into())
}

/// HQ's identity as an age identity file (what `age -d -i FILE` reads). Secret: the caller
/// writes it only where the user asked.
pub fn hq_identity_file(vault: &Vault) -> Result<Zeroizing<String>> {
    let id = hq_identity(vault)?.ok_or(KeyError::NoHqKey)?;
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
    vault.writable()?;
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
            KeyError::BadIdentity("a line is neither a comment nor an AGE-SECRET-KEY-1".into())
        })?);
    }
    if out.is_empty() {
        return Err(KeyError::BadIdentity("the file is empty".into()).into());
    }
    Ok(out)
}
