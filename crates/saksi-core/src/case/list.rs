//! The exhibit list: for each exhibit, what the item is (name, hash, size, capture and intake
//! times), which device took it in (its fingerprint and key) and its whole custody, every step
//! from intake to now, each checked on its own (see `evidence/provenance.rs`).

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rusqlite::OptionalExtension;
use serde::Serialize;

use super::{exhibits, CaseError, CaseFile};
use crate::crypto::minisign;
use crate::custody::{Action, Entry};
use crate::device;
use crate::error::{Error, Result};
use crate::evidence::{self, Step};
use crate::vault::Vault;

/// One step of an exhibit's custody, as the list shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CustodyStep {
    pub at: String,
    pub action: String,
    pub device_id: String,
    pub device_name: Option<String>,
    pub entry_hash: String,
    /// The entry's hash, key and signature hold.
    pub verified: bool,
}

/// One line of the exhibit list.
#[derive(Debug, Clone, Serialize)]
pub struct ExhibitRow {
    pub number: i64,
    pub label: String,
    pub description: String,
    pub attachment_id: String,
    pub original_name: String,
    /// The exhibit's file in a court folder: `exhibits/E-001-<safe original name>`.
    pub file: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
    /// When the camera says the photo was taken (EXIF), if it says.
    pub captured_at: Option<String>,
    /// When the item was taken into Saksi.
    pub intake_at: String,
    pub source_device_id: String,
    pub source_device_name: Option<String>,
    /// The spoken fingerprint of the source device's key, when that key is known here.
    pub source_fingerprint: Option<String>,
    pub custody: Vec<CustodyStep>,
    /// Every step's hash, key and signature hold.
    pub custody_verified: bool,
    /// Redactions recorded in the custody log: for an original, each redacted copy made from it
    /// (the original itself, which the folder holds, is unchanged); for a redacted copy, what it
    /// was made from (the original's id and SHA-256) and how.
    pub redactions: Vec<String>,
}

/// A device named in a court folder: what `devices.json` holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(super) struct DeviceKey {
    pub id: String,
    pub name: Option<String>,
    pub fingerprint: String,
    pub ed25519_public_key: String,
    pub minisign_public_key: String,
}

/// The steps of a folder's own making are left out, so that the same selection gives the
/// same list however many folders were made from it.
fn shown(s: &Step) -> bool {
    s.entry.action != Action::CaseFolderExtract.as_str()
}

/// The exhibit list of a case, in number order.
pub(super) fn rows(vault: &Vault, case: &CaseFile) -> Result<Vec<ExhibitRow>> {
    Ok(rows_with_steps(vault, case)?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// The exhibit list with each exhibit's custody entries (for `custody.jsonl`).
pub(super) fn rows_with_steps(
    vault: &Vault,
    case: &CaseFile,
) -> Result<Vec<(ExhibitRow, Vec<Step>)>> {
    let mut out = Vec::new();
    for ex in exhibits(vault, &case.id)? {
        let id = crate::model::parse_id("attachment", &ex.attachment_id)?;
        let att = match evidence::get(vault, &id) {
            Ok(a) => a,
            Err(Error::NotFound { .. }) => {
                return Err(CaseError::ExhibitGone {
                    exhibit: ex.label,
                    item: ex.attachment_id,
                }
                .into())
            }
            Err(e) => return Err(e),
        };
        let steps: Vec<Step> = evidence::provenance(vault, &att.id)?
            .into_iter()
            .filter(shown)
            .collect();
        let intake = steps.iter().find(|s| {
            s.entry.action == Action::Intake.as_str()
                && s.verified
                && s.entry.device_id == att.device_id
        });
        let source_key = match intake {
            Some(s) => key_of(&s.entry),
            None => known_key(vault, &att.device_id)?,
        };
        let source_device_name = match intake {
            Some(s) => s.device_name.clone(),
            None => device_name(vault, &att.device_id)?,
        };
        let custody: Vec<CustodyStep> = steps
            .iter()
            .map(|s| CustodyStep {
                at: s.entry.at.clone(),
                action: s.entry.action.clone(),
                device_id: s.entry.device_id.clone(),
                device_name: s.device_name.clone(),
                entry_hash: s.entry.entry_hash.clone(),
                verified: s.verified,
            })
            .collect();
        let redactions = steps
            .iter()
            .filter(|s| s.entry.action == Action::Redaction.as_str())
            .map(|s| {
                format!(
                    "{} {}",
                    s.entry.at,
                    crate::derivative::describe_entry(s.entry.details.as_deref())
                )
                .trim()
                .to_string()
            })
            .collect();
        let row = ExhibitRow {
            number: ex.number,
            file: format!("exhibits/{}-{}", ex.label, safe_name(&att.original_name)),
            label: ex.label,
            description: ex.description,
            attachment_id: att.id.clone(),
            original_name: att.original_name.clone(),
            media_type: att.media_type.clone(),
            sha256: att.sha256.clone(),
            size: att.size,
            captured_at: att.exif.as_ref().and_then(|e| e.captured_at.clone()),
            intake_at: att.created_at.clone(),
            source_device_id: att.device_id.clone(),
            source_device_name,
            source_fingerprint: source_key.as_ref().map(device::fingerprint),
            custody_verified: custody.iter().all(|s| s.verified),
            custody,
            redactions,
        };
        out.push((row, steps));
    }
    Ok(out)
}

/// The key of a verified entry (its device id is a hash of it).
fn key_of(e: &Entry) -> Option<VerifyingKey> {
    let k: [u8; 32] = e.public_key.as_slice().try_into().ok()?;
    VerifyingKey::from_bytes(&k).ok()
}

/// This device's key, or a trusted device's.
fn known_key(vault: &Vault, device_id: &str) -> Result<Option<VerifyingKey>> {
    if device_id == vault.device().id() {
        return Ok(Some(vault.device().public_key()));
    }
    let k: Option<Vec<u8>> = vault
        .conn
        .query_row(
            "SELECT public_key FROM trusted_device WHERE id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(k.and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
        .and_then(|k| VerifyingKey::from_bytes(&k).ok())
        .filter(|k| device::device_id(k) == device_id))
}

fn device_name(vault: &Vault, device_id: &str) -> Result<Option<String>> {
    crate::device::known_name(vault, device_id)
}

/// Every device that signed an entry of `steps`, and this one (it signs the folder), by id.
pub(super) fn devices<'a>(
    vault: &Vault,
    steps: impl Iterator<Item = &'a Step>,
) -> Result<Vec<DeviceKey>> {
    let mut keys: BTreeMap<String, (VerifyingKey, Option<String>)> = BTreeMap::new();
    let me = vault.device();
    keys.insert(
        me.id().to_string(),
        (me.public_key(), Some(me.name().to_string())),
    );
    for s in steps.filter(|s| s.verified) {
        if let Some(k) = key_of(&s.entry) {
            keys.entry(s.entry.device_id.clone())
                .or_insert((k, s.device_name.clone()));
        }
    }
    Ok(keys
        .into_iter()
        .map(|(id, (k, name))| DeviceKey {
            id,
            name,
            fingerprint: device::fingerprint(&k),
            ed25519_public_key: device::public_key_hex(&k),
            minisign_public_key: minisign::public_key_string(&k),
        })
        .collect())
}

/// A file name that is safe in any folder and in `SHA256SUMS`: no path separators, no control
/// or shell-awkward characters, no spaces, no leading dot; at most 100 characters.
pub(super) fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control()
                || c.is_whitespace()
                || matches!(
                    c,
                    '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\'' | '`' | '$'
                )
                || crate::text::is_invisible(c)
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches(['.', '-']);
    let short: String = trimmed.chars().take(100).collect();
    if short.is_empty() {
        "file".into()
    } else {
        short
    }
}
