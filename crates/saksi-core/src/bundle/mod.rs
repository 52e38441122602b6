//! Bundles: how evidence travels from a monitor's laptop to headquarters on a USB stick, with
//! nobody able to read, forge or silently alter it. This module owns the keys (HQ's age identity,
//! recipients, device cards, trusted devices), the bundle format, export, the all-or-nothing
//! import, receipts and purging what HQ confirmed. The format is specified in
//! `docs/bundle-format.md`.
//!
//! ```text
//! bundle.saksi = age( tar[ manifest.json, manifest.json.minisig, SHA256SUMS, SHA256SUMS.minisig,
//!                          records/<type>/<uuid>.json…, custody.jsonl, files/<uuid>… ] )
//! ```
//!
//! Import never applies a byte before everything has been decrypted and verified: the bundle is
//! copied (still encrypted) into a staging folder inside the vault, decrypted once to verify every
//! signature, hash, size and record, then a second time to apply it in one transaction; on any
//! failure the vault is unchanged and the staging folder is removed.

mod blobs;
pub mod conflict;
pub mod export;
pub mod import;
pub mod keys;
pub mod manifest;
pub mod minisign;
pub mod receipt;
mod records;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trust_tests;

pub use export::{export, ExportOptions, ExportSummary};
pub use import::{import, ImportOutcome, ImportSummary};
pub use keys::{DeviceCard, RecipientEntry, TrustedDevice};
pub use receipt::{purge_received, write_receipt, PurgeSummary, ReceiptSummary};

use rusqlite::Connection;

/// Upper bounds on what an import accepts, so a malicious bundle cannot exhaust memory, disk or
/// time. Generous for real field work; a bundle over them is refused before anything is applied.
pub mod limits {
    /// Size of `manifest.json`.
    pub const MAX_MANIFEST_BYTES: u64 = 32 << 20;
    /// Size of a signature file.
    pub const MAX_SIGNATURE_BYTES: u64 = 4096;
    /// Size of one record's JSON.
    pub const MAX_RECORD_BYTES: u64 = 8 << 20;
    /// Size of the custody log file, and of one of its lines.
    pub const MAX_CUSTODY_BYTES: u64 = 256 << 20;
    pub const MAX_CUSTODY_LINE_BYTES: usize = 64 << 10;
    /// Size of one attachment.
    pub const MAX_FILE_BYTES: u64 = 64 << 30;
    /// Sum of all file sizes.
    pub const MAX_TOTAL_BYTES: u64 = 256 << 30;
    /// Number of files in one bundle.
    pub const MAX_FILES: usize = 200_000;
    /// Zero padding accepted after the end of the tar archive.
    pub const MAX_TAR_PADDING: u64 = 64 << 10;
}

/// Everything that can go wrong with keys, bundles and receipts. Each failure has its own
/// message; [`BundleError::kind`] gives a stable machine-readable name.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("this is not an age-encrypted file, so not a Saksi bundle: nothing was imported")]
    NotAgeFile,
    #[error("this bundle is encrypted with a passphrase; Saksi bundles are encrypted to keys only: nothing was imported")]
    Passphrase,
    #[error("this bundle is not encrypted to this vault's key (or the identity given): nothing was imported")]
    NotForUs,
    #[error("the bundle is truncated or was altered after it was written (decryption failed{0}): nothing was imported")]
    Damaged(String),
    #[error("this is not a Saksi bundle: {0}: nothing was imported")]
    NotABundle(String),
    #[error("the bundle is not signed (no manifest signature): nothing was imported")]
    Unsigned,
    #[error("the manifest signature is not valid: the bundle was altered: nothing was imported")]
    BadSignature,
    #[error("the bundle was not signed by a known device (key id {0}): add its device card with `saksi trust add` after comparing fingerprints: nothing was imported")]
    UnknownSigner(String),
    #[error("the bundle was signed by device {0}, which was revoked on {1}: nothing was imported")]
    RevokedSigner(String, String),
    #[error("the bundle was not addressed to this key (its signed recipient list does not include {0}): nothing was imported")]
    NotAddressedToUs(String),
    #[error("the bundle has format {0} version {1}, which this Saksi does not know: update Saksi: nothing was imported")]
    UnknownVersion(String, u64),
    #[error(
        "the file {0} listed in the manifest is missing from the bundle: nothing was imported"
    )]
    MissingFile(String),
    #[error("the bundle contains {0}, which the manifest does not list: nothing was imported")]
    ExtraFile(String),
    #[error("the file {0} does not match the hash or size in the signed manifest: the bundle was altered: nothing was imported")]
    HashMismatch(String),
    #[error("the bundle contains a file with an invalid name ({0}): nothing was imported")]
    BadEntryName(String),
    #[error("the bundle is over a limit: {0}: nothing was imported")]
    TooLarge(String),
    #[error("the bundle contains malformed data in {0}: {1}: nothing was imported")]
    Malformed(String, String),
    #[error("device {device} already sent a different bundle with sequence number {sequence} (a replay with altered content): nothing was imported")]
    Replayed { device: String, sequence: i64 },
    #[error("the bundle's records cannot be applied: {0}: nothing was imported")]
    Inconsistent(String),

    #[error("this vault has no HQ key: run `saksi keygen`, or pass --identity FILE")]
    NoHqKey,
    #[error("this vault already has an HQ key: `saksi hq-key` prints it")]
    HqKeyExists,
    #[error("'{0}' is not an age X25519 recipient (age1…)")]
    BadRecipient(String),
    #[error("the identity file has no age X25519 identity (AGE-SECRET-KEY-1…): {0}")]
    BadIdentity(String),
    #[error("no recipient named '{0}': add it with `saksi recipient add {0} age1…`")]
    UnknownRecipient(String),
    #[error("this key is already registered as recipient '{0}'")]
    RecipientExists(String),
    #[error("key changed: {0}. A changed key is refused: the card or key may have been swapped in transit")]
    KeyChanged(String),
    #[error("the device card is not valid: {0}")]
    BadCard(String),
    #[error("no trusted device {0}")]
    UnknownDevice(String),
    #[error("{0} already exists: not overwriting it")]
    OutputExists(String),
    #[error("nothing to export: {0}")]
    NothingToExport(String),
    #[error("attachment {0} does not match the SHA-256 recorded at intake: export stopped, nothing was written")]
    AttachmentAltered(String),
    #[error("no imported bundle to acknowledge{0}")]
    NoImportedBundle(String),
    #[error("the receipt is not valid: {0}: nothing was recorded")]
    BadReceipt(String),
}

impl BundleError {
    /// A stable, machine-readable name (prefixed `bundle_` by [`crate::Error::kind`]).
    pub fn kind(&self) -> &'static str {
        match self {
            BundleError::NotAgeFile => "bundle_not_age",
            BundleError::Passphrase => "bundle_passphrase",
            BundleError::NotForUs => "bundle_not_for_us",
            BundleError::Damaged(_) => "bundle_damaged",
            BundleError::NotABundle(_) => "bundle_not_a_bundle",
            BundleError::Unsigned => "bundle_unsigned",
            BundleError::BadSignature => "bundle_bad_signature",
            BundleError::UnknownSigner(_) => "bundle_unknown_signer",
            BundleError::RevokedSigner(..) => "bundle_revoked_signer",
            BundleError::NotAddressedToUs(_) => "bundle_not_addressed_to_us",
            BundleError::UnknownVersion(..) => "bundle_unknown_version",
            BundleError::MissingFile(_) => "bundle_missing_file",
            BundleError::ExtraFile(_) => "bundle_extra_file",
            BundleError::HashMismatch(_) => "bundle_hash_mismatch",
            BundleError::BadEntryName(_) => "bundle_bad_entry_name",
            BundleError::TooLarge(_) => "bundle_too_large",
            BundleError::Malformed(..) => "bundle_malformed",
            BundleError::Replayed { .. } => "bundle_replayed",
            BundleError::Inconsistent(_) => "bundle_inconsistent",
            BundleError::NoHqKey => "bundle_no_hq_key",
            BundleError::HqKeyExists => "bundle_hq_key_exists",
            BundleError::BadRecipient(_) => "bundle_bad_recipient",
            BundleError::BadIdentity(_) => "bundle_bad_identity",
            BundleError::UnknownRecipient(_) => "bundle_unknown_recipient",
            BundleError::RecipientExists(_) => "bundle_recipient_exists",
            BundleError::KeyChanged(_) => "bundle_key_changed",
            BundleError::BadCard(_) => "bundle_bad_card",
            BundleError::UnknownDevice(_) => "bundle_unknown_device",
            BundleError::OutputExists(_) => "bundle_output_exists",
            BundleError::NothingToExport(_) => "bundle_nothing_to_export",
            BundleError::AttachmentAltered(_) => "bundle_attachment_altered",
            BundleError::NoImportedBundle(_) => "bundle_no_imported_bundle",
            BundleError::BadReceipt(_) => "bundle_bad_receipt",
        }
    }
}

/// An explicit `BEGIN IMMEDIATE` on the vault's connection, rolled back unless committed. Used
/// instead of `Vault::write` where the body also needs `&Vault` (attachment blobs).
pub(crate) struct Tx<'c> {
    conn: &'c Connection,
    done: bool,
}

impl<'c> Tx<'c> {
    pub(crate) fn begin(conn: &'c Connection) -> crate::Result<Self> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Tx { conn, done: false })
    }

    pub(crate) fn commit(mut self) -> crate::Result<()> {
        self.done = true;
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// SHA-256 as lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A concurrent edit kept by an import: the local record stayed, the incoming one is here.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conflict {
    pub id: String,
    pub record_type: String,
    pub record_id: String,
    pub bundle_id: String,
    pub device_id: String,
    pub local_version: Option<i64>,
    pub incoming_version: Option<i64>,
    /// The incoming record file, as it came in the bundle.
    pub incoming: serde_json::Value,
    pub detected_at: String,
}

/// The unresolved conflicts, oldest first.
pub fn conflicts(vault: &crate::vault::Vault) -> crate::Result<Vec<Conflict>> {
    let mut stmt = vault.conn.prepare(
        "SELECT id, record_type, record_id, bundle_id, device_id, local_version, incoming_version,
                incoming_json, detected_at
         FROM record_conflict WHERE resolved_at IS NULL ORDER BY detected_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        let json: String = r.get(7)?;
        Ok(Conflict {
            id: r.get(0)?,
            record_type: r.get(1)?,
            record_id: r.get(2)?,
            bundle_id: r.get(3)?,
            device_id: r.get(4)?,
            local_version: r.get(5)?,
            incoming_version: r.get(6)?,
            incoming: serde_json::from_str(&json).unwrap_or(serde_json::Value::Null),
            detected_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
