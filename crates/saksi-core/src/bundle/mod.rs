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
pub mod conflict_view;
#[cfg(test)]
mod conflict_view_tests;
mod error;
pub mod export;
mod header;
pub mod import;
pub mod keys;
pub(crate) mod lineage;
pub mod manifest;
pub mod receipt;
pub(crate) mod rows;
mod stream;
#[cfg(test)]
pub(crate) mod tests;
// Fuzzing the bundle and receipt readers (issue 15 item 5).
#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests_merge;
#[cfg(test)]
mod trust_tests;
// Consent withdrawals in crafted bundles (issue 13).
#[cfg(test)]
mod tests_consent;

pub use error::{BundleError, ExportError, KeyError, ReceiptError};
pub use export::{export, ExportOptions, ExportScope, ExportSummary};
pub use import::{import, ImportOutcome, ImportSummary};
pub use keys::{DeviceCard, RecipientEntry, TrustedDevice};
pub use receipt::{purge_received, write_receipt, PurgeSummary, ReceiptSummary};

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

pub(crate) use crate::crypto::hash::sha256_hex;

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
