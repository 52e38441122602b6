//! # saksi-core
//!
//! Saksi is an offline evidence vault for human-rights monitors. This crate is all of it except
//! the windows and the command line: it never depends on Tauri, and the desktop app and the
//! `saksi` CLI are thin adapters over it.
//!
//! ## The main types
//! - [`vault::Vault`]: an unlocked vault. [`vault::Vault::create`] and [`vault::Vault::open`]
//!   derive the key-encryption key from the passphrase (Argon2id, parameters authenticated in
//!   `vault.key`), unwrap the random master key and open the SQLCipher database with a subkey.
//!   Dropping the vault, or [`vault::Vault::lock`], wipes the keys.
//! - [`model`]: incidents, people, acts (involvements), proceedings, testimony and interventions,
//!   after the HURIDOCS Events Standard Formats. Read them through `vault.incidents()`, write
//!   through `vault.incidents_mut()` (and likewise for each type).
//! - [`search`]: full-text search (FTS5 trigram, so Khmer substrings match) with filters.
//! - [`evidence`]: attachments, age-encrypted at rest under random names, hashed at intake
//!   (intake, picture, access, verify).
//! - `crypto` (crate-private): one home per primitive: the age blob writer and reader, random
//!   blob names, the spoken fingerprint, SHA-256 hex, Argon2id and HKDF, master-key wrapping.
//! - [`custody`]: the hash-chained, device-signed log of everything done to the evidence.
//! - [`Error`]: one enum (bundle, key, export, receipt and merge errors each their own) with a
//!   stable [`Error::kind`] for the UI and scripts.
//!
//! ## Where things live (one line each; docs/architecture.md has the same map)
//! - [`vault`]: create, unlock (read-write or read-only), lock, re-key, wipe; the key file and
//!   its slots, the recovery key, SQLCipher settings, migrations.
//! - [`model`]: one module per record type, [`model::RecordType`], the vocabularies, merged
//!   persons ([`model::person_merge`]); `records.rs`: the handles and `Vault::write`, the one
//!   transaction helper, and `records/batch.rs` (many records per transaction).
//! - [`search`]: FTS5 search in pages with filters. [`text`]: the one folding for matching.
//! - [`names`]: duplicate suggestions (one person in several scripts and spellings).
//! - [`evidence`]: intake (one file or a batch), pictures, access, verify, provenance.
//! - [`custody`]: the log (`entry.rs` one entry, `chains.rs` chains and received entries).
//! - [`deletion`]: deleting a record for good with a signed tombstone, one transaction each
//!   (`mod.rs`, what goes with what, what a bundle carries: tombstones made here and received
//!   ones applied here, forwarded); tombstones received in bundles, decided per policy
//!   (`incoming.rs`).
//! - [`history`]: every version of every record (snapshots named by their custody entries) and
//!   field diffs; `vault/read_only.rs`: opening a vault so that no byte of it changes.
//! - [`report`]: HQ's figures with their counting rules (counts, detained now, timelines) as
//!   JSON, CSV or one printable HTML page; ISO 3166 countries.
//! - [`backup`]: one encrypted file of the whole vault, and its all-or-nothing restore.
//! - [`crypto`]: cryptographic encodings in one place ([`crypto::minisign`]).
//! - [`bundle`]: `error.rs` (one error enum per operation: [`bundle::BundleError`],
//!   [`bundle::KeyError`], [`bundle::ExportError`], [`bundle::ReceiptError`]), `manifest.rs`,
//!   `rows/` (records as they travel), `lineage.rs`, `stream.rs`, `header.rs`, `blobs.rs`,
//!   [`bundle::export`](mod@bundle::export) (`plan.rs`, `write.rs`),
//!   [`bundle::import`](mod@bundle::import) (`verify.rs`, `apply.rs`, `merge.rs`, `batch.rs`),
//!   [`bundle::keys`] (`recipients.rs`, `cards.rs`, `trust.rs`), [`bundle::receipt`]
//!   (`write.rs`, `accept.rs`, `purge.rs`), [`bundle::conflict`].
//! - [`consent`]: consent withdrawn after sending (a signed custody entry that travels) and
//!   effective consent, which every export, report and case file reads.
//! - `sql.rs` (crate-private): statements through the connection's statement cache, used by
//!   the write paths (compiling SQL per call was most of a write's cost).
//! - [`device`], [`verify`], [`prefs`], [`progress`], [`process`].
//!
//! ## The life of a record
//! A monitor types an incident; `incidents_mut().add` validates it (vocabularies, dates with
//! precision), writes it, its people and acts in one transaction, and appends a custody entry
//! holding the SHA-256 of the record as stored, signed by the device key. The FTS index is
//! updated by triggers in the same transaction. Photos attached to it are streamed once: hashed,
//! sniffed and age-encrypted into `attachments/` before the row that names them is committed.
//!
//! ## Where the threat model's invariants are enforced
//! 1. No plaintext on disk: SQLCipher for all rows (including filenames and the FTS index);
//!    attachments are age files; WAL in exclusive mode leaves no `-shm`; `temp_store=MEMORY`.
//!    Tested by the canary tests in `tests/`.
//! 2. Keys: [`vault::keyfile`] keeps the master key in zeroizing memory (wrapped and derived by
//!    `crypto`); the passphrase is only ever passed as `SecretString`; the SQLCipher `PRAGMA key`
//!    string is zeroized after use; age identities stay in zeroizing strings, bound by reference.
//!    The unit tests' allocator searches freed memory for unwiped copies (docs/vault-format.md,
//!    "Secrets in memory").
//! 3. Wrong passphrase: the AEAD unwrap fails before the database is touched.
//! 4. Random blob names: `crypto::blob`, the one writer intake and import share.
//! 5. SHA-256 at intake, re-verified by [`evidence`] and `saksi verify`.
//! 6. All-or-nothing writes: every write is one SQLite transaction; vault creation is built in
//!    a staging folder and renamed into place.
//! 7. No network: this crate has no networking dependency at all.
//! 8. Bad input: every input type denies unknown fields and is validated with a message naming
//!    the field; see [`Error`].
//! 12. Bounded work: key-file KDF parameters are range-checked before Argon2id runs
//!     ([`vault::kdf`]); a thumbnail's whole memory need is computed from the image header
//!     before decoding ([`evidence`]).

pub mod bundle;
pub mod capture;
// Encrypted backup and restore (issue 16).
pub mod backup;
pub mod crypto;
pub mod custody;
pub mod deletion;
pub mod device;
pub mod device_names;
pub mod device_replacement;
mod error;
pub mod evidence;
pub mod history;
pub mod model;
pub mod prefs;
pub mod process;
pub mod progress;
mod records;
pub mod report;
pub mod search;
mod sql;
pub mod swap;
#[cfg(test)]
mod testutil;
pub mod vault;
pub mod verify;
// Issue 10a: name matching and duplicate suggestions; text folding for matching.
pub mod names;
pub mod text;
// Issue 11: case files and court folders.
pub mod case;
// Issue 11: annotations and review mode.
pub mod annotation;
// Issue 11: redacted copies linked to sealed originals.
pub mod derivative;
// Issue 13: consent withdrawn after sending, applied wherever the testimony went.
pub mod consent;

pub use error::{Error, Result, ALL_KINDS};
pub use records::*;
pub use secrecy::SecretString;
pub use uuid::Uuid;

/// The default vault folder: the platform's per-user data folder, then `vault`
/// (on Linux `~/.local/share/saksi/vault`).
pub fn default_vault_dir() -> Option<std::path::PathBuf> {
    directories::ProjectDirs::from("org", "Saksi", "saksi").map(|d| d.data_dir().join("vault"))
}
