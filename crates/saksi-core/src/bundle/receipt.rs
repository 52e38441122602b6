//! Receipts and purging. After an import HQ writes a signed receipt naming every record of the
//! bundle with the SHA-256 it received and what it did with it (stored, updated, already held,
//! conflict, stale), encrypted to the sending device's age recipient (from its card). The
//! monitor accepts it only from the pinned signing key of a recipient the bundle was sent to
//! (`saksi import`), and `saksi purge --received` then erases locally exactly the records HQ
//! holds byte for byte and that have not changed since: rows deleted under `secure_delete`
//! (which also destroys each attachment's key), then the attachment blobs. Everything else
//! stays, counted by reason (threat-model invariant 10).
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

use super::manifest::Withheld;
use super::rows;
use super::stream::{check_tail, read_bounded, read_error, Plain};
use super::{keys, limits, BundleError};
use crate::crypto::minisign::{self, SignatureFile};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

pub const RECEIPT: &str = "receipt.json";
pub const RECEIPT_SIG: &str = "receipt.json.minisig";
pub const FORMAT: &str = "saksi-receipt";
/// Version 2: every item states its outcome, and the signer must be the pinned key of a
/// recipient of the bundle. Version 1 receipts (no outcomes) are refused.
pub const VERSION: u64 = 2;

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
    /// What the bundle's manifest said its sender withheld (counts only: HQ knows no ids).
    pub withheld: Vec<Withheld>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItem {
    pub record_type: String,
    pub record_id: String,
    /// SHA-256 of the record file as it came in the bundle (the sender's bytes).
    pub sha256: String,
    pub outcome: ReceiptOutcome,
}

/// What HQ did with one item of the bundle. Only the first three mean HQ holds the sender's
/// exact bytes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptOutcome {
    /// New at HQ, stored as sent.
    Stored,
    /// HQ's copy was updated (fast-forward) to the version sent.
    Updated,
    /// HQ already held exactly this.
    AlreadyHeld,
    /// HQ holds a concurrent edit; the sent version waits in HQ's conflict list.
    Conflict,
    /// HQ holds a newer version; the sent one was ignored.
    Stale,
    /// HQ knows the item was withheld from it.
    Withheld,
}

impl ReceiptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptOutcome::Stored => "stored",
            ReceiptOutcome::Updated => "updated",
            ReceiptOutcome::AlreadyHeld => "already_held",
            ReceiptOutcome::Conflict => "conflict",
            ReceiptOutcome::Stale => "stale",
            ReceiptOutcome::Withheld => "withheld",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "stored" => ReceiptOutcome::Stored,
            "updated" => ReceiptOutcome::Updated,
            "already_held" => ReceiptOutcome::AlreadyHeld,
            "conflict" => ReceiptOutcome::Conflict,
            "stale" => ReceiptOutcome::Stale,
            "withheld" => ReceiptOutcome::Withheld,
            _ => return None,
        })
    }

    /// From the outcome an import recorded in `bundle_import_item`.
    fn from_import(s: &str) -> Option<Self> {
        Some(match s {
            "added" => ReceiptOutcome::Stored,
            "updated" => ReceiptOutcome::Updated,
            "unchanged" => ReceiptOutcome::AlreadyHeld,
            "conflict" => ReceiptOutcome::Conflict,
            "stale" => ReceiptOutcome::Stale,
            _ => return None,
        })
    }

    /// HQ holds the sender's exact bytes.
    pub fn holds(self) -> bool {
        matches!(
            self,
            ReceiptOutcome::Stored | ReceiptOutcome::Updated | ReceiptOutcome::AlreadyHeld
        )
    }
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

    fn outcome_counts(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for it in &self.items {
            *out.entry(it.outcome.as_str().to_string()).or_default() += 1;
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptSummary {
    pub receipt_id: String,
    pub bundle_id: String,
    pub bundle_sequence: i64,
    pub device_id: String,
    pub hq_device_id: String,
    /// On the monitor: the registered recipient whose pinned key signed it.
    pub recipient: Option<String>,
    pub items: usize,
    /// Items by outcome (`stored`, `updated`, `already_held`, `conflict`, `stale`, `withheld`).
    pub outcomes: BTreeMap<String, u64>,
    pub withheld: Vec<Withheld>,
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
    };
    seal(vault, &receipt, &recipient, out, |json| {
        custody::append(
            vault,
            Action::Export,
            Some(("receipt", &receipt.receipt_id)),
            Some(&super::sha256_hex(json)),
            Some(&format!("receipt for bundle {bid}")),
        )
    })?;
    Ok(ReceiptSummary {
        outcomes: receipt.outcome_counts(),
        receipt_id: receipt.receipt_id,
        bundle_id: bid,
        bundle_sequence: sequence,
        device_id,
        hq_device_id: receipt.hq_device_id,
        recipient: None,
        items: receipt.items.len(),
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
    let mut json = serde_json::to_vec_pretty(receipt).map_err(|_| Error::Crypto("receipt"))?;
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
                BundleError::BadReceipt("it was signed by this device itself".into()).into(),
            );
        }
        if let Some(d) = keys::trusted_by_key_id(conn, &sig.key_id)? {
            return Err(BundleError::BadReceipt(format!(
                "it was signed by device {} ({}), a trusted device but not an HQ this device sends bundles to: only the HQ a bundle was sent to, registered from its device card, can confirm it",
                d.id, d.name
            ))
            .into());
        }
        return Err(BundleError::BadReceipt(format!(
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
            return Err(BundleError::BadReceipt(format!(
                "it is an old receipt (version {v}) that does not say what HQ did with each record: ask HQ to update Saksi and write a new receipt"
            ))
            .into())
        }
        v => return Err(BundleError::UnknownVersion(format.to_string(), v.unwrap_or(0)).into()),
    }
    let r: Receipt = serde_json::from_value(value)
        .map_err(|e| BundleError::Malformed(RECEIPT.into(), e.to_string()))?;
    if r.hq_device_id != hq_device || sig.trusted_comment != r.trusted_comment() {
        return Err(
            BundleError::BadReceipt("it was not made by the device that signed it".into()).into(),
        );
    }
    if r.bundle_device_id != vault.device().id() {
        return Err(BundleError::BadReceipt("it is about another device's bundle".into()).into());
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
            BundleError::BadReceipt("it names a bundle this device did not send".into()).into(),
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
        return Err(BundleError::BadReceipt(format!(
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
            Some(&super::sha256_hex(&json)),
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

/// What `purge --received` did, and why everything else HQ answered for was kept. Each map
/// counts records by type.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PurgeSummary {
    pub purged: BTreeMap<String, u64>,
    /// HQ holds a concurrent edit (a conflict): the version here may exist nowhere else.
    pub conflict: BTreeMap<String, u64>,
    /// HQ holds a newer version and ignored the one sent.
    pub stale: BTreeMap<String, u64>,
    /// Part of it was withheld from HQ (a person's contact details), or HQ says it was withheld.
    pub withheld: BTreeMap<String, u64>,
    /// Confirmed by HQ but changed here since: kept.
    pub changed_since: BTreeMap<String, u64>,
    /// Confirmed, but other records that HQ did not confirm still refer to them: kept.
    pub still_needed: BTreeMap<String, u64>,
    /// Only in a receipt recorded before receipts stated outcomes: kept.
    pub unconfirmed: BTreeMap<String, u64>,
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

/// The record as HQ would hold it, by the same hashes the import side puts in receipts:
/// `RecordFile::sha256` (its content as it is here, contact details included) and
/// `RecordFile::version_hash` (the same without contact details, as a bundle sent without
/// them carries it), over `rows::load`.
struct HeldForms {
    full: String,
    without_contacts: String,
    has_contacts: bool,
}

fn held_forms(conn: &Connection, spec: &rows::Spec, id: &str) -> Result<Option<HeldForms>> {
    let Some(rec) = rows::load(conn, spec, id, true)? else {
        return Ok(None);
    };
    Ok(Some(HeldForms {
        has_contacts: rec
            .children
            .get(rows::CONTACTS)
            .is_some_and(|c| !c.is_empty()),
        full: rec.sha256(),
        without_contacts: rec.version_hash(),
    }))
}

/// Why a record HQ answered for is kept, or `None` when it may be erased.
enum Verdict {
    Erase,
    Keep(fn(&mut PurgeSummary) -> &mut BTreeMap<String, u64>),
}

/// Decides from HQ's latest word about the bytes this vault holds now. `items` are every receipt
/// item for the record, oldest receipt first.
fn verdict(forms: &HeldForms, items: &[(String, Option<String>)]) -> Verdict {
    let latest = items
        .iter()
        .rev()
        .find(|(sha, _)| *sha == forms.full || *sha == forms.without_contacts);
    let Some((sha, outcome)) = latest else {
        return Verdict::Keep(|s| &mut s.changed_since);
    };
    match outcome.as_deref().and_then(ReceiptOutcome::parse) {
        None => Verdict::Keep(|s| &mut s.unconfirmed),
        Some(o) if o.holds() => {
            if *sha != forms.full && forms.has_contacts {
                // HQ holds it without the contact details that are still only here.
                Verdict::Keep(|s| &mut s.withheld)
            } else {
                Verdict::Erase
            }
        }
        Some(ReceiptOutcome::Conflict) => Verdict::Keep(|s| &mut s.conflict),
        Some(ReceiptOutcome::Stale) => Verdict::Keep(|s| &mut s.stale),
        Some(_) => Verdict::Keep(|s| &mut s.withheld),
    }
}

/// Monitor: erases what HQ confirmed holding byte for byte (stored, updated or already held)
/// in a receipt signed by that HQ's pinned key, and that has not changed since; everything else
/// stays, counted by reason. Crypto-erasure: rows go under `secure_delete` (an attachment's row
/// holds its key), then the blobs.
pub fn purge_received(vault: &mut Vault) -> Result<PurgeSummary> {
    let vault = &*vault;
    let mut summary = PurgeSummary::default();
    let mut blobs = Vec::new();
    vault.write(|conn, device| {
        for ty in PURGE_ORDER {
            let spec = rows::spec(ty).ok_or(Error::Crypto("record spec"))?;
            let mut answered: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
            {
                let mut stmt = conn.prepare(
                    "SELECT i.record_id, i.sha256, i.outcome FROM receipt_item i
                     JOIN receipt r ON r.receipt_id = i.receipt_id
                     WHERE i.record_type = ?1 ORDER BY r.created_at, r.receipt_id",
                )?;
                let rows =
                    stmt.query_map([ty], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
                for row in rows {
                    let (id, sha, outcome) = row?;
                    answered.entry(id).or_default().push((sha, outcome));
                }
            }
            for (id, items) in answered {
                let Some(forms) = held_forms(conn, spec, &id)? else {
                    continue;
                };
                if let Verdict::Keep(reason) = verdict(&forms, &items) {
                    *reason(&mut summary).entry(ty.to_string()).or_default() += 1;
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
                    device,
                    Action::Deletion,
                    Some((ty, &id)),
                    Some(&forms.full),
                    Some("purged after HQ confirmed it holds these exact bytes"),
                )?;
                *summary.purged.entry(ty.to_string()).or_default() += 1;
            }
        }
        Ok(())
    })?;
    for b in blobs {
        match fs::remove_file(&b) {
            Ok(()) => summary.blobs_deleted += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(summary)
}
