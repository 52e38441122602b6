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
//! Import never applies a byte before everything has been decrypted and verified. A file of junk
//! is refused before it is copied, having read at most its first 64 KiB (`header.rs`: size cap,
//! age header framing and stanza count, then free space); a bundle is then
//! copied (still encrypted) into a staging folder inside the vault, decrypted once to verify every
//! signature, hash, size and record, then a second time to apply it in one transaction; on any
//! failure the vault is unchanged and the staging folder is removed.

mod blobs;
pub mod conflict;
pub mod export;
mod header;
pub mod import;
pub mod keys;
pub(crate) mod lineage;
pub mod manifest;
pub mod receipt;
mod records;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_merge;
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
    /// Ancestor hashes carried by one record version (older ones are dropped on export).
    pub const MAX_ANCESTORS: usize = 1000;
    /// Size of the bundle file itself (everything above, with room for the archive's and age's
    /// framing), checked before a byte is read.
    pub const MAX_BUNDLE_FILE_BYTES: u64 = MAX_TOTAL_BYTES + MAX_MANIFEST_BYTES * 2;
    /// The age header: it must end (its `---` MAC line) within this many bytes from the start of
    /// the file, which is all an import reads before deciding to copy it. A header with the
    /// maximum stanza count takes under 2 KiB (one X25519 stanza is about 100 bytes).
    pub const MAX_HEADER_BYTES: usize = 64 << 10;
    /// Stanzas in the age header (recipients, plus the one "grease" stanza age adds).
    pub const MAX_HEADER_STANZAS: usize = 16;
    /// Free space required beyond twice the bundle's size (staged copy plus attachment blobs),
    /// for the database and its journal.
    pub const FREE_SPACE_MARGIN: u64 = 16 << 20;
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
    #[error("{record} says it was written by device {device}, but the bundle was signed by another device and carries no signed entry of {device} for that version: nothing was imported")]
    UnprovenAuthor { record: String, device: String },
    #[error("the custody log in the bundle does not verify: {0}: nothing was imported")]
    CustodyBroken(String),
    #[error("the signature of SHA256SUMS is missing or not valid (minisign -V would fail): nothing was imported")]
    BadSumsSignature,
    #[error("attachment {0} cannot be replaced: an attachment's bytes never change, and the other file that came under its id was not kept; keep this vault's file (and ask the sender to attach the other one anew)")]
    AttachmentImmutable(String),

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
    #[error("the file's age header does not end within its first 64 KiB (a bundle's header is a few hundred bytes): this is not a Saksi bundle: nothing was imported")]
    HeaderTooLarge,
    #[error("the file is encrypted to more than 16 recipients (a Saksi bundle has a few): nothing was imported")]
    TooManyRecipients,
    #[error("the bundle is encrypted to {header} recipients but its signed manifest lists {listed}: it was encrypted to someone the sender did not name: nothing was imported")]
    UnlistedRecipients { header: usize, listed: usize },
    #[error("not enough free space on the vault's disk: importing this bundle needs {} and only {} are free: free some space and try again: nothing was imported", crate::bundle::human_bytes(*needed), crate::bundle::human_bytes(*available))]
    NoSpace { needed: u64, available: u64 },
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
            BundleError::UnprovenAuthor { .. } => "bundle_unproven_author",
            BundleError::CustodyBroken(_) => "bundle_custody_broken",
            BundleError::BadSumsSignature => "bundle_bad_sums_signature",
            BundleError::AttachmentImmutable(_) => "bundle_attachment_immutable",
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
            BundleError::HeaderTooLarge => "bundle_header_too_large",
            BundleError::TooManyRecipients => "bundle_too_many_recipients",
            BundleError::UnlistedRecipients { .. } => "bundle_unlisted_recipients",
            BundleError::NoSpace { .. } => "bundle_no_space",
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

/// A byte count for people: "1.5 GiB", "12.0 MiB", "900 bytes".
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
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
