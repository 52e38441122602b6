//! The core's error type. Every failure a monitor can meet has its own variant and a message they
//! can act on; `kind()` gives a stable machine-readable name that crosses the IPC bridge and the
//! CLI, so neither ever matches on message text.

use std::path::PathBuf;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("wrong passphrase (the vault was not changed)")]
    WrongPassphrase,

    #[error("no vault at {0}")]
    NoVault(PathBuf),

    #[error("a vault already exists at {0}: refusing to overwrite it")]
    VaultExists(PathBuf),

    #[error(
        "the folder {0} is not empty and is not a Saksi vault: refusing to create a vault there"
    )]
    NotEmpty(PathBuf),

    #[error("the vault key file is damaged or not a Saksi key file: {0}")]
    BadKeyFile(&'static str),

    /// A key-derivation parameter outside the range this Saksi accepts: refused before any
    /// key derivation runs, so a tampered file cannot make unlocking exhaust memory or time.
    #[error("the vault key file is damaged: it asks for {field} = {value}, outside the accepted {min} to {max}; nothing was tried and the vault was not changed")]
    KeyFileOutOfRange {
        field: &'static str,
        value: u32,
        min: u32,
        max: u32,
    },

    #[error(
        "the vault key file has format version {0}, which this Saksi does not know: update Saksi"
    )]
    KeyFileTooNew(u16),

    #[error(
        "the vault was written by a newer Saksi (schema {found}, this program knows up to {supported}): update Saksi; the vault was not changed"
    )]
    SchemaTooNew { found: i64, supported: i64 },

    #[error("the vault database is damaged: {0}")]
    Corrupt(String),

    #[error("the vault is in use by another Saksi program: close it and try again")]
    Busy,

    #[error("the disk is full: the last change was not saved, nothing already stored was lost")]
    DiskFull,

    #[error("the passphrase is too short: use at least {0} characters")]
    WeakPassphrase(usize),

    /// Long enough, but a strength estimator finds it easy to guess (vault::strength).
    #[error(
        "the passphrase is too easy to guess: names, places, years and dates, common words and \
         keyboard patterns are the first things an attacker tries. Use five or six random words \
         (a suggested passphrase of six random words is strong and easy to type)"
    )]
    GuessablePassphrase,

    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },

    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// Optimistic concurrency: the edit was made from an older version than the one stored.
    #[error(
        "{what} {id} was changed since this edit began (the edit was made from version {edited}, version {stored} is stored): reload it and make the edit again; nothing was changed"
    )]
    StaleEdit {
        what: &'static str,
        id: String,
        edited: i64,
        stored: i64,
    },

    #[error("the migration of the vault schema failed and was rolled back: {0}")]
    Migration(String),

    #[error("database error: {0}")]
    Database(rusqlite::Error),

    #[error("file error: {0}")]
    Io(std::io::Error),

    #[error("cryptography error: {0}")]
    Crypto(&'static str),

    #[error("cancelled: nothing was changed")]
    Cancelled,

    /// A broken internal invariant (a bug in Saksi, not bad input): the operation was stopped
    /// before anything was written.
    #[error("internal error ({0}): nothing was changed; please report this")]
    Internal(&'static str),

    // Key file slots, recovery key, backups (issue 16).
    #[error("this recovery key does not open this vault (the vault was not changed)")]
    WrongRecoveryKey,

    #[error("{0}")]
    RecoveryKeyMalformed(String),

    #[error("this vault already has a recovery key: replacing it makes the one written down useless, so the replacement must be confirmed; nothing was changed")]
    RecoveryKeyExists,

    #[error("{0}")]
    BadBackup(String),

    #[error("this passphrase or recovery key does not open this backup (nothing was changed)")]
    WrongBackupSecret,

    // Duress passphrase (issue 16).
    #[error("the duress passphrase must be different from the vault's passphrase and recovery key; nothing was changed")]
    DuressPassphraseInUse,

    #[error("the vault's recovery key and duress passphrase cannot be changed in this session; nothing was changed")]
    KeySlotsUnavailable,

    /// A write (of any kind: a record, a custody entry, a setting, a file in the vault folder)
    /// asked of a vault opened with [`crate::vault::Vault::open_read_only`].
    #[error("this vault is open read-only")]
    ReadOnly,

    /// A change to a record or to evidence asked of a vault in review mode (issue 11): there
    /// only annotations and custody entries are written.
    #[error("this vault is in review mode: records and evidence cannot be changed here, only annotated; switch review mode off first (nothing was changed)")]
    ReviewMode,

    /// A read-only open of a vault whose schema this Saksi would first have to upgrade (a write).
    #[error("this vault was made by an older Saksi (schema {found}, this one reads {supported}) and must be upgraded before it can be opened read-only: open it once normally; nothing was changed")]
    ReadOnlyNeedsUpgrade { found: i64, supported: i64 },

    /// A read-only open of a vault whose write-ahead log is beside its database: it is open in
    /// another Saksi, or was not closed properly and holds changes a read-only open cannot see.
    #[error("this vault is in use by another Saksi program, or was not closed properly: close it, or open it once normally, before opening it read-only; nothing was changed")]
    ReadOnlyUnsettled,

    /// A bundle that cannot be read, checked or applied: see [`crate::bundle::BundleError`].
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),

    /// The HQ key, recipients, device cards, trusted devices: [`crate::bundle::KeyError`].
    #[error(transparent)]
    Keys(#[from] crate::bundle::KeyError),

    /// Writing a bundle: [`crate::bundle::ExportError`].
    #[error(transparent)]
    Export(#[from] crate::bundle::ExportError),

    /// Receipts: [`crate::bundle::ReceiptError`].
    #[error(transparent)]
    Receipt(#[from] crate::bundle::ReceiptError),

    /// Merging persons: see [`crate::model::person_merge::MergeError`].
    #[error(transparent)]
    Merge(#[from] crate::model::person_merge::MergeError),

    // Case files (issue 11).
    /// Case files and court folders: see [`crate::case::CaseError`].
    #[error(transparent)]
    Case(#[from] crate::case::CaseError),

    // Voice and video evidence (issue 13).
    /// Audio and video that cannot be read, recordings that fail: [`crate::evidence::media::MediaError`].
    #[error(transparent)]
    Media(#[from] crate::evidence::media::MediaError),
    /// Redacted copies: see [`crate::derivative::DerivativeError`].
    #[error(transparent)]
    Derivative(#[from] crate::derivative::DerivativeError),
    /// Deleting records, received deletions: see [`crate::deletion::DeletionError`].
    #[error(transparent)]
    Deletion(#[from] crate::deletion::DeletionError),
    // Consent withdrawals (issue 13).
    /// See [`crate::consent::ConsentError`].
    #[error(transparent)]
    Consent(#[from] crate::consent::ConsentError),
}

/// Every value [`Error::kind`] can return (the bundle and merge kinds included): the UI needs a
/// translation of each (`errors.<kind>`, or `import.reject.<kind>` for bundle kinds). Kept
/// complete by `error_kinds_tests`, which makes one error of every variant.
pub const ALL_KINDS: &[&str] = &[
    "wrong_passphrase",
    "no_vault",
    "vault_exists",
    "not_empty",
    "bad_key_file",
    "key_file_out_of_range",
    "key_file_too_new",
    "schema_too_new",
    "corrupt",
    "busy",
    "disk_full",
    "weak_passphrase",
    "not_found",
    "invalid_input",
    "stale_edit",
    "migration",
    "database",
    "io",
    "crypto",
    "cancelled",
    "internal",
    "wrong_recovery_key",
    "recovery_key_malformed",
    "recovery_key_exists",
    "bad_backup",
    "wrong_backup_secret",
    "duress_passphrase_in_use",
    "key_slots_unavailable",
    "vault_read_only",
    "vault_read_only_needs_upgrade",
    "vault_read_only_unsettled",
    "bundle_not_age",
    "bundle_passphrase",
    "bundle_not_for_us",
    "bundle_damaged",
    "bundle_not_a_bundle",
    "bundle_unsigned",
    "bundle_bad_signature",
    "bundle_unknown_signer",
    "bundle_revoked_signer",
    "bundle_superseded_signer",
    "bundle_bad_replacement",
    "bundle_not_addressed_to_us",
    "bundle_unknown_version",
    "bundle_missing_file",
    "bundle_extra_file",
    "bundle_hash_mismatch",
    "bundle_bad_entry_name",
    "bundle_too_large",
    "bundle_malformed",
    "bundle_replayed",
    "bundle_inconsistent",
    "bundle_unproven_author",
    "bundle_custody_broken",
    "bundle_bad_sums_signature",
    "bundle_attachment_immutable",
    "bundle_header_too_large",
    "bundle_too_many_recipients",
    "bundle_unlisted_recipients",
    "bundle_no_space",
    "bundle_no_hq_key",
    "bundle_hq_key_exists",
    "bundle_bad_recipient",
    "bundle_bad_identity",
    "bundle_unknown_recipient",
    "bundle_recipient_exists",
    "bundle_key_changed",
    "bundle_bad_card",
    "bundle_unknown_device",
    "bundle_output_exists",
    "bundle_nothing_to_export",
    "bundle_attachment_altered",
    "bundle_no_imported_bundle",
    "bundle_bad_receipt",
    "merge_self",
    "merge_already_merged",
    "merge_cycle",
    "merge_both_in_groups",
    "merge_not_merged",
    "vault_review_mode",
    "case_bad_title",
    "case_description_too_long",
    "case_not_an_item",
    "case_already_exhibit",
    "case_nothing_to_add",
    "case_too_many_exhibits",
    "case_no_exhibits",
    "case_no_incidents",
    "case_folder_not_empty",
    "case_exhibit_gone",
    "case_exhibit_altered",
    // Voice and video evidence (issue 13).
    "media_corrupt",
    "media_too_large",
    "media_capture",
    "media_too_long",
    "microphone_missing",
    "microphone_failed",
    "derivative_no_regions",
    "derivative_too_many_regions",
    "derivative_region_outside",
    "derivative_bad_method",
    "derivative_not_a_photo",
    "derivative_already_derived",
    "derivative_bad_replacement",
    "derivative_name_not_found",
    "derivative_text_copy_required",
    "derivative_text_copy_outdated",
    "derivative_photo_copy_required",
    "deletion_reason_required",
    "deletion_reason_too_long",
    "deletion_not_deletable",
    "deletion_in_use",
    "deletion_not_pending",
    "deletion_cannot_apply",
    "deletion_bad_policy",
    "consent_unknown_purpose",
    "consent_already_withdrawn",
    "consent_withdrawal_incomplete",
    "consent_withdrawn_for_court",
];

impl Error {
    /// A stable, machine-readable name for the error, used by the desktop UI and scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::WrongPassphrase => "wrong_passphrase",
            Error::NoVault(_) => "no_vault",
            Error::VaultExists(_) => "vault_exists",
            Error::NotEmpty(_) => "not_empty",
            Error::BadKeyFile(_) => "bad_key_file",
            Error::KeyFileOutOfRange { .. } => "key_file_out_of_range",
            Error::KeyFileTooNew(_) => "key_file_too_new",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Corrupt(_) => "corrupt",
            Error::Busy => "busy",
            Error::DiskFull => "disk_full",
            Error::WeakPassphrase(_) | Error::GuessablePassphrase => "weak_passphrase",
            Error::NotFound { .. } => "not_found",
            Error::InvalidInput(_) => "invalid_input",
            Error::StaleEdit { .. } => "stale_edit",
            Error::Migration(_) => "migration",
            Error::Database(_) => "database",
            Error::Io(_) => "io",
            Error::Crypto(_) => "crypto",
            Error::Cancelled => "cancelled",
            Error::Internal(_) => "internal",
            Error::WrongRecoveryKey => "wrong_recovery_key",
            Error::RecoveryKeyMalformed(_) => "recovery_key_malformed",
            Error::RecoveryKeyExists => "recovery_key_exists",
            Error::BadBackup(_) => "bad_backup",
            Error::WrongBackupSecret => "wrong_backup_secret",
            Error::DuressPassphraseInUse => "duress_passphrase_in_use",
            Error::KeySlotsUnavailable => "key_slots_unavailable",
            Error::ReadOnly => "vault_read_only",
            Error::ReviewMode => "vault_review_mode",
            Error::ReadOnlyNeedsUpgrade { .. } => "vault_read_only_needs_upgrade",
            Error::ReadOnlyUnsettled => "vault_read_only_unsettled",
            Error::Bundle(e) => e.kind(),
            Error::Keys(e) => e.kind(),
            Error::Export(e) => e.kind(),
            Error::Receipt(e) => e.kind(),
            Error::Merge(e) => e.kind(),
            Error::Case(e) => e.kind(),
            Error::Media(e) => e.kind(),
            Error::Derivative(e) => e.kind(),
            Error::Deletion(e) => e.kind(),
            Error::Consent(e) => e.kind(),
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        // ENOSPC / EDQUOT get their own message: the user must free space, not report a bug.
        match e.raw_os_error() {
            Some(28) | Some(122) => Error::DiskFull,
            _ => Error::Io(e),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy,
            Some(ErrorCode::DiskFull) => Error::DiskFull,
            // A vault opened read-only has a read-only connection (and `query_only`): a write
            // that got past the guards is refused by SQLite itself.
            Some(ErrorCode::ReadOnly) => Error::ReadOnly,
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                Error::Corrupt(e.to_string())
            }
            _ => Error::Database(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
#[path = "error_kinds_tests.rs"]
mod error_kinds_tests;
