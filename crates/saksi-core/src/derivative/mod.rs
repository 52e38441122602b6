//! Redacted derivatives (issue 11): a copy of a photo with chosen rectangles pixelated or
//! blurred and every byte of metadata gone (`photo.rs`), or a copy of a testimony's text with
//! chosen names and places replaced by pseudonyms (`pseudonym.rs`). The copy is a new attachment
//! of the same record, taken in like any item (hashed at intake, encrypted at rest); a row of
//! `derivative` links it to its original by id and SHA-256, and a signed `redaction` custody
//! entry on each of the two says what was done, by whom and when. The original's row and blob are
//! never touched: it stays sealed.
//!
//! Derivatives travel in bundles as ordinary attachments with their custody entries; the
//! receiving vault rebuilds the link from the derivative's signed entry and checks it against
//! the hashes it holds (`import.rs`). A publication export carries derivatives in place of the
//! originals where consent asks for anonymity (`report::uwazi`).
//!
//! A derivative is new evidence, so it is refused read-only and in review mode like any intake:
//! review mode promises that no evidence is added or changed in that vault (see
//! docs/lawyers-guide.md, "Redacted copies").

mod error;
mod import;
mod photo;
mod pseudonym;
#[cfg(test)]
mod tests;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::io::Read;
use uuid::Uuid;

use crate::crypto::hash::sha256_hex;
use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::vault::Vault;

pub use error::DerivativeError;
pub(crate) use import::link_imported;
pub use photo::{redact_photo, Region};
pub use pseudonym::{
    parse_replacement, preview as pseudonymise_preview, pseudonymise, pseudonymise_testimony,
    Replacement,
};

/// How a derivative was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Each region replaced by blocks of its mean colour.
    Pixelate,
    /// Each region blurred strongly (a box-blur approximation of a Gaussian).
    Blur,
    /// Names and places in a testimony's text replaced by pseudonyms.
    Pseudonymise,
}

impl Method {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "pixelate" => Ok(Method::Pixelate),
            "blur" => Ok(Method::Blur),
            other => Err(DerivativeError::BadMethod(other.to_string()).into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Pixelate => "pixelate",
            Method::Blur => "blur",
            Method::Pseudonymise => "pseudonymise",
        }
    }
}

/// The link between a derivative and its original.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Derivative {
    /// The attachment holding the derived bytes.
    pub derivative_id: String,
    /// `attachment` (a photo) or `testimony` (its text).
    pub original_type: String,
    pub original_id: String,
    /// The original's SHA-256 when the copy was made (its bytes, or its text as UTF-8).
    pub original_sha256: String,
    pub method: String,
    /// The regions, or the pseudonyms used and how often (never the names replaced).
    pub details: serde_json::Value,
    pub created_at: String,
    pub device_id: String,
}

const COLS: &str = "derivative_id, original_type, original_id, original_sha256, method, details,
    created_at, device_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Derivative> {
    let details: String = r.get(5)?;
    Ok(Derivative {
        derivative_id: r.get(0)?,
        original_type: r.get(1)?,
        original_id: r.get(2)?,
        original_sha256: r.get(3)?,
        method: r.get(4)?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        created_at: r.get(6)?,
        device_id: r.get(7)?,
    })
}

/// Every link, oldest first.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Derivative>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM derivative ORDER BY created_at, derivative_id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The link of a derivative, if `id` is one.
pub(crate) fn of_derivative(conn: &Connection, id: &str) -> Result<Option<Derivative>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM derivative WHERE derivative_id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// An original that an export carried as its derivative, as the consent check reports it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Replaced {
    /// `attachment` (a photo) or `testimony` (its text).
    pub original_type: String,
    pub original_id: String,
    pub derivative_id: String,
    pub method: String,
}

impl Replaced {
    pub(crate) fn of(d: &Derivative) -> Self {
        Replaced {
            original_type: d.original_type.clone(),
            original_id: d.original_id.clone(),
            derivative_id: d.derivative_id.clone(),
            method: d.method.clone(),
        }
    }
}

/// What an item or testimony is to redaction: the original it was made from (if it is a
/// derivative), and the derivatives made from it, oldest first.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Links {
    pub original: Option<Derivative>,
    pub derivatives: Vec<Derivative>,
}

/// The links of an item or testimony (empty when it has none).
pub fn links(vault: &Vault, id: &Uuid) -> Result<Links> {
    let id = id.to_string();
    let original = of_derivative(&vault.conn, &id)?;
    let mut stmt = vault.conn.prepare(&format!(
        "SELECT {COLS} FROM derivative WHERE original_id = ?1 ORDER BY created_at, derivative_id"
    ))?;
    let derivatives = stmt
        .query_map([&id], from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Links {
        original,
        derivatives,
    })
}

/// Records a new derivative, inside the intake's transaction: its link row, and a signed
/// `redaction` entry on the derivative (naming the original and its hash) and on the original
/// (naming the derivative).
pub(crate) fn record_link(
    conn: &Connection,
    dev: &DeviceIdentity,
    link: &Derivative,
) -> Result<()> {
    let details = serde_json::to_string(&link.details).map_err(|_| Error::Internal("details"))?;
    conn.execute(
        &format!("INSERT INTO derivative ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            link.derivative_id,
            link.original_type,
            link.original_id,
            link.original_sha256,
            link.method,
            details,
            link.created_at,
            link.device_id
        ],
    )?;
    let derivative_sha: String = conn.query_row(
        "SELECT sha256 FROM attachment WHERE id = ?1",
        [&link.derivative_id],
        |r| r.get(0),
    )?;
    let on_derivative = serde_json::json!({
        "role": "derivative",
        "original_type": link.original_type,
        "original_id": link.original_id,
        "original_sha256": link.original_sha256,
        "method": link.method,
        "details": link.details,
        "created_at": link.created_at,
    })
    .to_string();
    custody::append_on(
        conn,
        dev,
        Action::Redaction,
        Some(("attachment", &link.derivative_id)),
        Some(&derivative_sha),
        Some(&on_derivative),
    )?;
    let on_original = serde_json::json!({
        "role": "original",
        "derivative_id": link.derivative_id,
        "derivative_sha256": derivative_sha,
        "method": link.method,
        "details": link.details,
    })
    .to_string();
    custody::append_on(
        conn,
        dev,
        Action::Redaction,
        Some((&link.original_type, &link.original_id)),
        Some(&link.original_sha256),
        Some(&on_original),
    )
}

/// A derivative's text (a pseudonymised testimony), decrypted and checked against the SHA-256
/// recorded at its intake. Not logged: the caller logs what it does with it.
pub(crate) fn read_text(vault: &Vault, derivative_id: &str) -> Result<String> {
    let id = crate::model::parse_id("attachment", derivative_id)?;
    let att = crate::evidence::get(vault, &id)?;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    crate::evidence::open_original(vault, &id)?
        .take(pseudonym::MAX_TEXT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})")))?;
    if sha256_hex(bytes.as_slice()) != att.sha256 {
        return Err(Error::Corrupt(format!(
            "attachment {id}: does not match the SHA-256 recorded at intake"
        )));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::Corrupt(format!(
            "attachment {id}: a pseudonymised text that is not UTF-8"
        ))
    })
}

/// A one-line account of a `redaction` custody entry, for exhibit lists: what was made from
/// what, how.
pub(crate) fn describe_entry(details: Option<&str>) -> String {
    let Some(v) = details.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) else {
        return details.unwrap_or("").to_string();
    };
    let method = v["method"].as_str().unwrap_or("?");
    let what = match v["details"]["regions"].as_array() {
        Some(r) => format!("{method}, {} region(s)", r.len()),
        None => match v["details"]["pseudonyms"].as_array() {
            Some(p) => format!("{method}, {} name(s) replaced", p.len()),
            None => method.to_string(),
        },
    };
    match v["role"].as_str() {
        Some("derivative") => format!(
            "redacted copy ({what}) of {} {} (SHA-256 {})",
            v["original_type"].as_str().unwrap_or("item"),
            v["original_id"].as_str().unwrap_or("?"),
            v["original_sha256"].as_str().unwrap_or("?"),
        ),
        Some("original") => format!(
            "redacted copy {} made ({what}); this original is unchanged",
            v["derivative_id"].as_str().unwrap_or("?")
        ),
        _ => what,
    }
}
