//! The monitor's side: a receipt read from its decrypted stream, accepted only from the pinned
//! key of a recipient the bundle was sent to, and recorded in one transaction.

use std::io;

use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use super::*;
use crate::bundle::rows;
use crate::bundle::stream::{check_tail, read_bounded, read_error, Plain};
use crate::bundle::ReceiptError;
use crate::bundle::{keys, limits, BundleError};
use crate::crypto::minisign::{self, SignatureFile};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

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
    // The signer must be a recipient registered from its card: its signing key is pinned.
    let Some(hq) = keys::recipient_by_key_id(conn, &sig.key_id)? else {
        let key_id = minisign::key_id_display(&sig.key_id);
        if minisign::key_id(&vault.device().public_key()) == sig.key_id {
            return Err(
                ReceiptError::BadReceipt("it was signed by this device itself".into()).into(),
            );
        }
        if let Some(d) = keys::trusted_by_key_id(conn, &sig.key_id)? {
            return Err(ReceiptError::BadReceipt(format!(
                "it was signed by device {} ({}), a trusted device but not an HQ this device sends bundles to: only the HQ a bundle was sent to, registered from its device card, can confirm it",
                d.id, d.name
            ))
            .into());
        }
        return Err(ReceiptError::BadReceipt(format!(
            "it was signed by a key no recipient was registered with (key id {key_id}): only an HQ registered from its device card can confirm receipt (a recipient registered by its age key alone has no signing key to check it with)"
        ))
        .into());
    };
    let (Some(key), Some(hq_device)) = (hq.signing_key, hq.device_id.clone()) else {
        return Err(Error::Corrupt(format!(
            "recipient '{}' has a damaged signing key",
            hq.name
        )));
    };
    if let Some(d) = keys::trusted_by_id(conn, &hq_device)? {
        if let Some(at) = d.revoked_at {
            return Err(BundleError::RevokedSigner(d.id, at).into());
        }
    }
    sig.verify(&key, &json)
        .map_err(|_| BundleError::BadSignature)?;
    let value: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|e| BundleError::Malformed(RECEIPT.into(), e.to_string()))?;
    let format = value
        .get("format")
        .and_then(|f| f.as_str())
        .unwrap_or_default();
    if format != FORMAT {
        return Err(BundleError::NotABundle(format!("the receipt's format is '{format}'")).into());
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(VERSION) => {}
        Some(v) if v < VERSION => {
            return Err(ReceiptError::BadReceipt(format!(
                "it is an old receipt (version {v}) that does not say what HQ did with each record: ask HQ to update Saksi and write a new receipt"
            ))
            .into())
        }
        v => return Err(BundleError::UnknownVersion(format.to_string(), v.unwrap_or(0)).into()),
    }
    let mut r: Receipt = serde_json::from_value(value)
        .map_err(|e| BundleError::Malformed(RECEIPT.into(), e.to_string()))?;
    if r.hq_device_id != hq_device || sig.trusted_comment != r.trusted_comment() {
        return Err(ReceiptError::BadReceipt(
            "it was not made by the device that signed it".into(),
        )
        .into());
    }
    // Ids are compared as ids, never as text: the same receipt or record id in capitals is the
    // same id (checked after the signature, which covers the text as sent).
    let canonical = |what: &str, id: &str| -> Result<String> {
        Uuid::parse_str(id).map(|u| u.to_string()).map_err(|_| {
            BundleError::Malformed(RECEIPT.into(), format!("{what} is not a UUID")).into()
        })
    };
    r.receipt_id = canonical("receipt_id", &r.receipt_id)?;
    r.bundle_id = canonical("bundle_id", &r.bundle_id)?;
    for it in r.items.iter_mut() {
        it.record_id = canonical("an item's record_id", &it.record_id)?;
    }
    crate::consent::canonical_receipt_items(&mut r.withdrawals)?;
    if r.bundle_device_id != vault.device().id() {
        return Err(ReceiptError::BadReceipt("it is about another device's bundle".into()).into());
    }
    let sent: Option<(String, String)> = conn
        .query_row(
            "SELECT manifest_sha256, recipients FROM bundle_export WHERE bundle_id = ?1 AND sequence = ?2",
            params![r.bundle_id, r.bundle_sequence],
            |x| Ok((x.get(0)?, x.get(1)?)),
        )
        .optional()?;
    let Some((manifest_sha, recipients)) = sent.filter(|(m, _)| *m == r.bundle_manifest_sha256)
    else {
        return Err(
            ReceiptError::BadReceipt("it names a bundle this device did not send".into()).into(),
        );
    };
    let _ = manifest_sha;
    let recipients: Vec<String> = serde_json::from_str(&recipients).map_err(|_| {
        Error::Corrupt(format!(
            "the recipients of bundle {} are damaged",
            r.bundle_id
        ))
    })?;
    if !recipients.contains(&hq.recipient) {
        return Err(ReceiptError::BadReceipt(format!(
            "it was signed by '{}', but bundle {} was not sent to '{}': only a recipient of a bundle can confirm it",
            hq.name, r.bundle_id, hq.name
        ))
        .into());
    }
    for it in &r.items {
        if rows::spec(&it.record_type).is_none()
            || Uuid::parse_str(&it.record_id).is_err()
            || it.sha256.len() != 64
            || !it.sha256.bytes().all(|b| b.is_ascii_hexdigit())
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
        recipient: Some(hq.name.clone()),
        items: r.items.len(),
        outcomes: r.outcome_counts(),
        withheld: r.withheld.clone(),
        deletions: r.deletion_counts(),
        already_received: false,
        out: None,
        withdrawals: 0,
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
    vault.write(|conn, device| {
        conn.execute(
            "INSERT INTO receipt (receipt_id, bundle_id, hq_device_id, created_at, received_at, recipient) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.receipt_id, r.bundle_id, r.hq_device_id, r.created_at, crate::model::now(), hq.recipient],
        )?;
        for it in &r.items {
            conn.execute(
                "INSERT OR IGNORE INTO receipt_item (receipt_id, record_type, record_id, sha256, outcome) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![r.receipt_id, it.record_type, it.record_id, it.sha256, it.outcome.as_str()],
            )?;
        }
        // What HQ did with each of our tombstones (shown by `saksi deletions`); an entry id
        // that is not a tombstone of ours is not recorded.
        for t in &r.tombstones {
            conn.execute(
                "INSERT OR IGNORE INTO tombstone_receipt (receipt_id, entry_id, outcome)
                 SELECT ?1, entry_id, ?3 FROM tombstone WHERE entry_id = ?2",
                params![r.receipt_id, t.entry_id, t.outcome.as_str()],
            )?;
        }
        summary.withdrawals = crate::consent::confirm(
            conn,
            &r.receipt_id,
            &r.hq_device_id,
            &r.created_at,
            &r.withdrawals,
        )?;
        for w in &r.withheld {
            conn.execute(
                "INSERT INTO receipt_withheld (receipt_id, record_type, code, count) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET count = count + excluded.count",
                params![r.receipt_id, w.record_type, w.code, i64::try_from(w.count).unwrap_or(i64::MAX)],
            )?;
        }
        custody::append_on(
            conn,
            device,
            Action::Import,
            Some(("receipt", &r.receipt_id)),
            Some(&crate::bundle::sha256_hex(&json)),
            Some(&format!(
                "HQ '{}' answered for {} records of bundle {}",
                hq.name,
                r.items.len(),
                r.bundle_id
            )),
        )?;
        Ok(summary)
    })
}
