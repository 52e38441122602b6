//! HQ's side: a signed receipt for an imported bundle, encrypted to the sending device.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::*;
use crate::bundle::{keys, BundleError};
use crate::bundle::{ExportError, KeyError, ReceiptError};
use crate::crypto::minisign;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// HQ: writes a signed receipt for `bundle_id` (default: the last bundle imported), encrypted to
/// the sending device.
pub fn write_receipt(
    vault: &mut Vault,
    bundle_id: Option<&str>,
    out: &Path,
) -> Result<ReceiptSummary> {
    vault.writable()?;
    if out.exists() {
        return Err(ExportError::OutputExists(out.display().to_string()).into());
    }
    let vault = &*vault;
    let conn = &vault.conn;
    let row: Option<(String, String, i64, String, String)> = match bundle_id {
        Some(id) => conn
            .query_row(
                "SELECT bundle_id, device_id, sequence, manifest_sha256, summary FROM bundle_import WHERE bundle_id = ?1",
                [id.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?,
        None => conn
            .query_row(
                "SELECT bundle_id, device_id, sequence, manifest_sha256, summary FROM bundle_import ORDER BY imported_at DESC, rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?,
    };
    let (bid, device_id, sequence, manifest_sha, summary_json) = row.ok_or_else(|| {
        ReceiptError::NoImportedBundle(
            bundle_id
                .map(|b| format!(" with id {b}"))
                .unwrap_or_default(),
        )
    })?;
    let device = keys::trusted_by_id(conn, &device_id)?
        .ok_or_else(|| KeyError::UnknownDevice(device_id.clone()))?;
    if let Some(at) = device.revoked_at {
        return Err(BundleError::RevokedSigner(device.id, at).into());
    }
    let recipient = keys::parse_recipient(&device.age_recipient)?;
    let mut stmt = conn.prepare(
        "SELECT record_type, record_id, sha256, outcome FROM bundle_import_item WHERE bundle_id = ?1 ORDER BY path",
    )?;
    let items = stmt
        .query_map([&bid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .map(|(record_type, record_id, sha256, outcome)| {
            let outcome = ReceiptOutcome::from_import(&outcome).ok_or_else(|| {
                Error::Corrupt(format!(
                    "an imported item has the unknown outcome '{outcome}'"
                ))
            })?;
            Ok(ReceiptItem {
                record_type,
                record_id,
                sha256,
                outcome,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The import summary kept the manifest's `withheld` list.
    let withheld: Vec<Withheld> = serde_json::from_str::<serde_json::Value>(&summary_json)
        .ok()
        .and_then(|v| v.get("withheld_by_sender").cloned())
        .and_then(|w| serde_json::from_value(w).ok())
        .unwrap_or_default();
    // What this vault did with each deletion the bundle carried (deletion/incoming.rs).
    let tombstones = crate::deletion::incoming::for_receipt(conn, &bid)?;
    let receipt = Receipt {
        format: FORMAT.into(),
        version: VERSION,
        receipt_id: Uuid::now_v7().to_string(),
        bundle_id: bid.clone(),
        bundle_device_id: device_id.clone(),
        bundle_sequence: sequence,
        bundle_manifest_sha256: manifest_sha,
        hq_device_id: vault.device().id().to_string(),
        created_at: crate::model::now(),
        items,
        withheld,
        tombstones,
        withdrawals: crate::consent::for_receipt(conn, &bid)?,
    };
    seal(vault, &receipt, &recipient, out, |json| {
        custody::append(
            vault,
            Action::Export,
            Some(("receipt", &receipt.receipt_id)),
            Some(&crate::bundle::sha256_hex(json)),
            Some(&format!("receipt for bundle {bid}")),
        )
    })?;
    let deletions = receipt.deletion_counts();
    Ok(ReceiptSummary {
        outcomes: receipt.outcome_counts(),
        receipt_id: receipt.receipt_id,
        bundle_id: bid,
        bundle_sequence: sequence,
        device_id,
        hq_device_id: receipt.hq_device_id,
        recipient: None,
        items: receipt.items.len(),
        deletions,
        withdrawals: receipt.withdrawals.len(),
        withheld: receipt.withheld,
        already_received: false,
        out: Some(out.display().to_string()),
    })
}

/// Signs `receipt` with this vault's device key and writes it to `out`, encrypted to
/// `recipient`. Written to a temporary file, and renamed into place only when complete and
/// `record` (given the signed JSON) succeeded.
pub(crate) fn seal(
    vault: &Vault,
    receipt: &Receipt,
    recipient: &age::x25519::Recipient,
    out: &Path,
    record: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<()> {
    let mut json = serde_json::to_vec_pretty(receipt).map_err(|_| Error::Internal("receipt"))?;
    json.push(b'\n');
    let sig = minisign::sign(vault.device(), &json, &receipt.trusted_comment()).into_bytes();

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp: PathBuf = parent.join(format!(".receipt.{}.partial", Uuid::new_v4().simple()));
    let written = (|| -> Result<()> {
        let file = crate::vault::create_private(&tmp)?;
        let enc =
            age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("cannot set up receipt encryption"))?;
        let stream = enc.wrap_output(io::BufWriter::new(file))?;
        let mut tar = tar::Builder::new(stream);
        for (name, bytes) in [(RECEIPT, &json), (RECEIPT_SIG, &sig)] {
            let mut h = tar::Header::new_ustar();
            h.set_path(name)?;
            h.set_size(bytes.len() as u64);
            h.set_mode(0o600);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            tar.append(&h, bytes.as_slice())?;
        }
        let bw = tar.into_inner()?.finish()?;
        let file = bw.into_inner().map_err(|e| Error::from(e.into_error()))?;
        file.sync_all()?;
        record(&json)?;
        fs::rename(&tmp, out)?;
        crate::vault::sync_dir(parent)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}
