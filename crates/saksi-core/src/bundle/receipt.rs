//! Receipts and purging. After an import HQ writes a signed receipt naming every record of the
//! bundle with the SHA-256 it received, encrypted to the sending device's age recipient (from its
//! card). The monitor imports it (`saksi import`), and `saksi purge --received` then deletes
//! locally exactly the records HQ confirmed and that have not changed since: rows deleted under
//! `secure_delete` (which also destroys each attachment's key), then the attachment blobs.
//!
//! ```text
//! receipt.saksi = age( tar[ receipt.json, receipt.json.minisig ] )
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::import::{check_tail, read_bounded, read_error, Plain};
use super::minisign::{self, SignatureFile};
use super::records;
use super::{keys, limits, BundleError, Tx};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

pub const RECEIPT: &str = "receipt.json";
pub const RECEIPT_SIG: &str = "receipt.json.minisig";
pub const FORMAT: &str = "saksi-receipt";
pub const VERSION: u64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub version: u64,
    pub receipt_id: String,
    pub bundle_id: String,
    pub bundle_device_id: String,
    pub bundle_sequence: i64,
    pub bundle_manifest_sha256: String,
    pub hq_device_id: String,
    pub created_at: String,
    pub items: Vec<ReceiptItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItem {
    pub record_type: String,
    pub record_id: String,
    pub sha256: String,
    pub outcome: String,
}

impl Receipt {
    fn trusted_comment(&self) -> String {
        format!(
            "saksi-receipt v{} id {} bundle {} device {} seq {}",
            self.version,
            self.receipt_id,
            self.bundle_id,
            self.bundle_device_id,
            self.bundle_sequence
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptSummary {
    pub receipt_id: String,
    pub bundle_id: String,
    pub bundle_sequence: i64,
    pub device_id: String,
    pub hq_device_id: String,
    pub items: usize,
    pub already_received: bool,
    pub out: Option<String>,
}

/// HQ: writes a signed receipt for `bundle_id` (default: the last bundle imported), encrypted to
/// the sending device.
pub fn write_receipt(
    vault: &mut Vault,
    bundle_id: Option<&str>,
    out: &Path,
) -> Result<ReceiptSummary> {
    if out.exists() {
        return Err(BundleError::OutputExists(out.display().to_string()).into());
    }
    let vault = &*vault;
    let conn = &vault.conn;
    let row: Option<(String, String, i64, String)> = match bundle_id {
        Some(id) => conn
            .query_row(
                "SELECT bundle_id, device_id, sequence, manifest_sha256 FROM bundle_import WHERE bundle_id = ?1",
                [id.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?,
        None => conn
            .query_row(
                "SELECT bundle_id, device_id, sequence, manifest_sha256 FROM bundle_import ORDER BY imported_at DESC, rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?,
    };
    let (bid, device_id, sequence, manifest_sha) = row.ok_or_else(|| {
        BundleError::NoImportedBundle(
            bundle_id
                .map(|b| format!(" with id {b}"))
                .unwrap_or_default(),
        )
    })?;
    let device = keys::trusted_by_id(conn, &device_id)?
        .ok_or_else(|| BundleError::UnknownDevice(device_id.clone()))?;
    if let Some(at) = device.revoked_at {
        return Err(BundleError::RevokedSigner(device.id, at).into());
    }
    let recipient = keys::parse_recipient(&device.age_recipient)?;
    let mut stmt = conn.prepare(
        "SELECT record_type, record_id, sha256, outcome FROM bundle_import_item WHERE bundle_id = ?1 ORDER BY path",
    )?;
    let items = stmt
        .query_map([&bid], |r| {
            Ok(ReceiptItem {
                record_type: r.get(0)?,
                record_id: r.get(1)?,
                sha256: r.get(2)?,
                outcome: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
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
    };
    let mut json = serde_json::to_vec_pretty(&receipt).map_err(|_| Error::Crypto("receipt"))?;
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
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
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
        custody::append(
            vault,
            Action::Export,
            Some(("receipt", &receipt.receipt_id)),
            Some(&super::sha256_hex(&json)),
            Some(&format!("receipt for bundle {bid}")),
        )?;
        fs::rename(&tmp, out)?;
        crate::vault::sync_dir(parent)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(ReceiptSummary {
        receipt_id: receipt.receipt_id,
        bundle_id: bid,
        bundle_sequence: sequence,
        device_id,
        hq_device_id: receipt.hq_device_id,
        items: receipt.items.len(),
        already_received: false,
        out: Some(out.display().to_string()),
    })
}

/// Monitor: verifies and records a receipt (called by `import` when the archive holds one).
pub(crate) fn import_receipt(vault: &mut Vault, stream: Plain) -> Result<ReceiptSummary> {
    let flag = stream.age_failed.clone();
    let rd = |e: io::Error| read_error(&flag, e);
    let mut archive = tar::Archive::new(stream);
    let mut entries = archive.entries().map_err(rd)?.raw(true);
    let mut next_named = |want: &str, missing: BundleError| -> Result<Vec<u8>> {
        let mut e = match entries.next() {
            None => return Err(missing.into()),
            Some(e) => e.map_err(rd)?,
        };
        if e.path_bytes().as_ref() != want.as_bytes()
            || !matches!(e.header().entry_type(), tar::EntryType::Regular)
        {
            return Err(missing.into());
        }
        let size = e.size();
        read_bounded(&mut e, size, limits::MAX_MANIFEST_BYTES, want).map_err(|e| {
            if e.kind() == io::ErrorKind::Other {
                BundleError::TooLarge(format!("{want} is over 32 MiB")).into()
            } else {
                read_error(&flag, e)
            }
        })
    };
    let json = next_named(
        RECEIPT,
        BundleError::NotABundle("the first file is not receipt.json".into()),
    )?;
    let sig = next_named(RECEIPT_SIG, BundleError::Unsigned)?;
    if let Some(extra) = entries.next() {
        let name = extra.map_err(rd)?.path_bytes().escape_ascii().to_string();
        return Err(BundleError::ExtraFile(name).into());
    }
    let plain: Plain = archive.into_inner();
    check_tail(plain, &flag)?;

    let conn = &vault.conn;
    let sig = SignatureFile::parse(&sig).map_err(|_| BundleError::BadSignature)?;
    let signer = keys::trusted_by_key_id(conn, &sig.key_id)?
        .ok_or_else(|| BundleError::UnknownSigner(minisign::key_id_display(&sig.key_id)))?;
    if let Some(at) = &signer.revoked_at {
        return Err(BundleError::RevokedSigner(signer.id.clone(), at.clone()).into());
    }
    let key = signer
        .public_key
        .ok_or_else(|| Error::Corrupt("a trusted device's key is damaged".into()))?;
    sig.verify(&key, &json)
        .map_err(|_| BundleError::BadSignature)?;
    let r: Receipt = serde_json::from_slice(&json)
        .map_err(|e| BundleError::Malformed(RECEIPT.into(), e.to_string()))?;
    if r.format != FORMAT {
        return Err(
            BundleError::NotABundle(format!("the receipt's format is '{}'", r.format)).into(),
        );
    }
    if r.version != VERSION {
        return Err(BundleError::UnknownVersion(r.format, r.version).into());
    }
    if r.hq_device_id != signer.id || sig.trusted_comment != r.trusted_comment() {
        return Err(
            BundleError::BadReceipt("it was not made by the device that signed it".into()).into(),
        );
    }
    if r.bundle_device_id != vault.device().id() {
        return Err(BundleError::BadReceipt("it is about another device's bundle".into()).into());
    }
    let sent: Option<String> = conn
        .query_row(
            "SELECT manifest_sha256 FROM bundle_export WHERE bundle_id = ?1 AND sequence = ?2",
            params![r.bundle_id, r.bundle_sequence],
            |x| x.get(0),
        )
        .optional()?;
    if sent.as_deref() != Some(r.bundle_manifest_sha256.as_str()) {
        return Err(
            BundleError::BadReceipt("it names a bundle this device did not send".into()).into(),
        );
    }
    for it in &r.items {
        if records::spec(&it.record_type).is_none()
            || Uuid::parse_str(&it.record_id).is_err()
            || it.sha256.len() != 64
        {
            return Err(
                BundleError::Malformed(RECEIPT.into(), "an item is not a record".into()).into(),
            );
        }
    }
    let mut summary = ReceiptSummary {
        receipt_id: r.receipt_id.clone(),
        bundle_id: r.bundle_id.clone(),
        bundle_sequence: r.bundle_sequence,
        device_id: r.bundle_device_id.clone(),
        hq_device_id: r.hq_device_id.clone(),
        items: r.items.len(),
        already_received: false,
        out: None,
    };
    let seen: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM receipt WHERE receipt_id = ?1)",
        [&r.receipt_id],
        |x| x.get(0),
    )?;
    if seen {
        summary.already_received = true;
        return Ok(summary);
    }
    let tx = Tx::begin(conn)?;
    conn.execute(
        "INSERT INTO receipt (receipt_id, bundle_id, hq_device_id, created_at, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.receipt_id, r.bundle_id, r.hq_device_id, r.created_at, crate::model::now()],
    )?;
    for it in &r.items {
        conn.execute(
            "INSERT OR IGNORE INTO receipt_item (receipt_id, record_type, record_id, sha256) VALUES (?1, ?2, ?3, ?4)",
            params![r.receipt_id, it.record_type, it.record_id, it.sha256],
        )?;
    }
    custody::append_on(
        conn,
        vault.device(),
        Action::Import,
        Some(("receipt", &r.receipt_id)),
        Some(&super::sha256_hex(&json)),
        Some(&format!(
            "HQ confirmed {} records of bundle {}",
            r.items.len(),
            r.bundle_id
        )),
    )?;
    tx.commit()?;
    Ok(summary)
}

/// What `purge --received` did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PurgeSummary {
    pub purged: BTreeMap<String, u64>,
    /// Confirmed by HQ but changed here since: kept.
    pub changed_since: BTreeMap<String, u64>,
    /// Confirmed, but other records that HQ did not confirm still refer to them: kept.
    pub still_needed: BTreeMap<String, u64>,
    pub blobs_deleted: u64,
}

/// Deletion order: what refers to others first.
const PURGE_ORDER: &[&str] = &[
    "attachment",
    "testimony",
    "involvement",
    "proceeding",
    "intervention",
    "incident",
    "person",
];

fn referenced(conn: &Connection, ty: &str, id: &str) -> Result<bool> {
    let sql = match ty {
        "incident" => {
            "SELECT EXISTS (SELECT 1 FROM involvement WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM proceeding WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM testimony WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM intervention WHERE incident_id = ?1)
                    OR EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)
                    OR EXISTS (SELECT 1 FROM incident_link WHERE to_id = ?1)"
        }
        "person" => {
            "SELECT EXISTS (SELECT 1 FROM involvement WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM proceeding WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM testimony WHERE witness_id = ?1)
                    OR EXISTS (SELECT 1 FROM intervention WHERE person_id = ?1)
                    OR EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)"
        }
        "testimony" => "SELECT EXISTS (SELECT 1 FROM attachment WHERE record_id = ?1)",
        _ => return Ok(false),
    };
    Ok(conn.query_row(sql, [id], |r| r.get(0))?)
}

/// Monitor: deletes what HQ confirmed holding and that has not changed since. Crypto-erasure:
/// rows go under `secure_delete` (an attachment's row holds its key), then the blobs.
pub fn purge_received(vault: &mut Vault) -> Result<PurgeSummary> {
    let vault = &*vault;
    let conn = &vault.conn;
    let mut summary = PurgeSummary::default();
    let mut blobs = Vec::new();
    let tx = Tx::begin(conn)?;
    for ty in PURGE_ORDER {
        let spec = records::spec(ty).ok_or(Error::Crypto("record spec"))?;
        let confirmed: Vec<(String, String)> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT record_id, sha256 FROM receipt_item WHERE record_type = ?1",
            )?;
            let rows = stmt.query_map([ty], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, sha) in confirmed {
            let Some(full) = records::load(conn, spec, &id, true)? else {
                continue;
            };
            let bare = records::load(conn, spec, &id, false)?
                .ok_or_else(|| Error::not_found("record", &id))?;
            let has_contacts = full
                .children
                .get(records::CONTACTS)
                .is_some_and(|c| !c.is_empty());
            let same = full.sha256() == sha || (!has_contacts && bare.sha256() == sha);
            if !same {
                *summary.changed_since.entry(ty.to_string()).or_default() += 1;
                continue;
            }
            if referenced(conn, ty, &id)? {
                *summary.still_needed.entry(ty.to_string()).or_default() += 1;
                continue;
            }
            if *ty == "attachment" {
                let blob: String = conn.query_row(
                    "SELECT blob_name FROM attachment WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )?;
                blobs.push(vault.attachments_dir().join(blob));
            }
            conn.execute(&format!("DELETE FROM {} WHERE id = ?1", spec.table), [&id])?;
            custody::append_on(
                conn,
                vault.device(),
                Action::Deletion,
                Some((ty, &id)),
                Some(&sha),
                Some("purged after HQ confirmed receipt"),
            )?;
            *summary.purged.entry(ty.to_string()).or_default() += 1;
        }
    }
    tx.commit()?;
    for b in blobs {
        match fs::remove_file(&b) {
            Ok(()) => summary.blobs_deleted += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(summary)
}
