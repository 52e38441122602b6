//! Rebuilding the links of derivatives that arrived in a bundle, from their signed `redaction`
//! custody entries (verified with the bundle, invariant 11), and checking each against what this
//! vault holds: the derivative's bytes must hash as its entry says, the entry must be signed by
//! the device that took the derivative in, and an original photo held here must have the
//! SHA-256 the link names. Anything else refuses the whole import.

use rusqlite::{params, Connection, OptionalExtension};

use crate::bundle::BundleError;
use crate::error::Result;

/// Inserts the link of every derivative held here whose link is not yet known, inside the
/// import's transaction. Idempotent: a link already held is left as it is.
pub(crate) fn link_imported(conn: &Connection) -> Result<u64> {
    let mut stmt = conn.prepare(
        "SELECT c.subject_id, c.content_hash, c.details, c.device_id, c.at, a.sha256, a.device_id
         FROM imported_custody c JOIN attachment a ON a.id = c.subject_id
         WHERE c.action = 'redaction' AND c.subject_type = 'attachment'
           AND c.subject_id NOT IN (SELECT derivative_id FROM derivative)
         ORDER BY c.device_id, c.seq",
    )?;
    let found = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut added = 0;
    for row in found {
        let (id, content_hash, details, entry_device, at, sha, att_device) = row?;
        let Some(d) = details.and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        else {
            continue;
        };
        if d["role"] != "derivative" {
            continue;
        }
        let bad = |why: String| BundleError::Inconsistent(format!("redacted copy {id}: {why}"));
        if content_hash.as_deref() != Some(sha.as_str()) {
            return Err(bad("its bytes do not hash as its custody entry says".into()).into());
        }
        if entry_device != att_device {
            return Err(bad("its link was not made by the device that took it in".into()).into());
        }
        let (Some(original_type), Some(original_id), Some(original_sha), Some(method)) = (
            d["original_type"].as_str(),
            d["original_id"].as_str(),
            d["original_sha256"].as_str(),
            d["method"].as_str(),
        ) else {
            return Err(bad("its custody entry does not name its original".into()).into());
        };
        let known = matches!(original_type, "attachment" | "testimony")
            && matches!(method, "pixelate" | "blur" | "pseudonymise")
            && original_sha.len() == 64
            && original_sha.bytes().all(|b| b.is_ascii_hexdigit());
        if !known {
            return Err(bad(
                "its custody entry names its original in a form this Saksi does not know".into(),
            )
            .into());
        }
        if original_type == "attachment" {
            let held: Option<String> = conn
                .query_row(
                    "SELECT sha256 FROM attachment WHERE id = ?1",
                    [original_id],
                    |r| r.get(0),
                )
                .ok();
            if let Some(h) = held {
                if h != original_sha {
                    return Err(bad(format!(
                        "it was made from {original_id} with SHA-256 {original_sha}, but the item held here has {h}"
                    ))
                    .into());
                }
            }
        }
        let created_at = d["created_at"].as_str().unwrap_or(&at).to_string();
        let link_details = serde_json::to_string(&d["details"])
            .map_err(|_| crate::error::Error::Internal("details"))?;
        added += conn.execute(
            "INSERT OR IGNORE INTO derivative (derivative_id, original_type, original_id,
                original_sha256, method, details, created_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                original_type,
                original_id,
                original_sha,
                method,
                link_details,
                created_at,
                entry_device
            ],
        )? as u64;
    }
    // An original that arrived after its copy's link is checked now (attachments never change,
    // so a mismatch is never a later edit).
    let mismatch: Option<(String, String)> = conn
        .query_row(
            "SELECT d.derivative_id, d.original_id FROM derivative d
             JOIN attachment a ON a.id = d.original_id
             WHERE d.original_type = 'attachment' AND d.original_sha256 != a.sha256 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((d, o)) = mismatch {
        return Err(BundleError::Inconsistent(format!(
            "redacted copy {d}: the item {o} held here does not have the SHA-256 it was made from"
        ))
        .into());
    }
    Ok(added)
}
