//! Every way keys, bundles, exports and receipts can fail, one enum per operation
//! ([`BundleError`] for reading and importing a bundle, [`KeyError`], [`ExportError`],
//! [`ReceiptError`]), each failure with its own message a monitor can act on and a stable
//! `kind()` string (all prefixed `bundle_`, unchanged since they were one enum: the UI and
//! scripts match on them).

/// A bundle (or receipt) file that cannot be accepted: reading, decrypting, checking and
/// applying it. Every failure leaves the vault unchanged and says so.
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
    #[error("the bundle was not signed by a known device (key id {0}): trust its device card after comparing fingerprints: nothing was imported")]
    UnknownSigner(String),
    #[error("the bundle was signed by device {0}, which was revoked on {1}: nothing was imported")]
    RevokedSigner(String, String),
    /// The signer was replaced by another device (a restore with a new device identity): the
    /// old laptop may be in other hands.
    #[error("the bundle was signed by device {device}, which was replaced by device {by} on {at} (its vault was restored on another laptop with a new device identity): the old laptop may be in other hands, so its bundles are refused: nothing was imported")]
    SupersededSigner {
        device: String,
        by: String,
        at: String,
    },
    /// A `device_replaced` statement that does not verify, or that contradicts one recorded.
    #[error("the bundle's statement that a device was replaced cannot be accepted: {0}: nothing was imported")]
    BadReplacement(String),
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
    /// A stable, machine-readable name.
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
            BundleError::RevokedSigner(_, _) => "bundle_revoked_signer",
            BundleError::SupersededSigner { .. } => "bundle_superseded_signer",
            BundleError::BadReplacement(_) => "bundle_bad_replacement",
            BundleError::NotAddressedToUs(_) => "bundle_not_addressed_to_us",
            BundleError::UnknownVersion(_, _) => "bundle_unknown_version",
            BundleError::MissingFile(_) => "bundle_missing_file",
            BundleError::ExtraFile(_) => "bundle_extra_file",
            BundleError::HashMismatch(_) => "bundle_hash_mismatch",
            BundleError::BadEntryName(_) => "bundle_bad_entry_name",
            BundleError::TooLarge(_) => "bundle_too_large",
            BundleError::Malformed(_, _) => "bundle_malformed",
            BundleError::Replayed { .. } => "bundle_replayed",
            BundleError::Inconsistent(_) => "bundle_inconsistent",
            BundleError::UnprovenAuthor { .. } => "bundle_unproven_author",
            BundleError::CustodyBroken(_) => "bundle_custody_broken",
            BundleError::BadSumsSignature => "bundle_bad_sums_signature",
            BundleError::AttachmentImmutable(_) => "bundle_attachment_immutable",
            BundleError::HeaderTooLarge => "bundle_header_too_large",
            BundleError::TooManyRecipients => "bundle_too_many_recipients",
            BundleError::UnlistedRecipients { .. } => "bundle_unlisted_recipients",
            BundleError::NoSpace { .. } => "bundle_no_space",
        }
    }
}

/// Keys: the HQ key, recipients, device cards and trusted devices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error("this vault has no HQ key: make one, or give the HQ identity file")]
    NoHqKey,
    #[error("this vault already has an HQ key")]
    HqKeyExists,
    #[error("'{0}' is not an age X25519 recipient (age1…)")]
    BadRecipient(String),
    #[error("the identity file has no age X25519 identity (AGE-SECRET-KEY-1…): {0}")]
    BadIdentity(String),
    #[error("no recipient named '{0}': register it first, from its device card")]
    UnknownRecipient(String),
    #[error("this key is already registered as recipient '{0}'")]
    RecipientExists(String),
    #[error("key changed: {0}. A changed key is refused: the card or key may have been swapped in transit")]
    KeyChanged(String),
    #[error("the device card is not valid: {0}")]
    BadCard(String),
    #[error("no trusted device {0}")]
    UnknownDevice(String),
}

impl KeyError {
    /// A stable, machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyError::NoHqKey => "bundle_no_hq_key",
            KeyError::HqKeyExists => "bundle_hq_key_exists",
            KeyError::BadRecipient(_) => "bundle_bad_recipient",
            KeyError::BadIdentity(_) => "bundle_bad_identity",
            KeyError::UnknownRecipient(_) => "bundle_unknown_recipient",
            KeyError::RecipientExists(_) => "bundle_recipient_exists",
            KeyError::KeyChanged(_) => "bundle_key_changed",
            KeyError::BadCard(_) => "bundle_bad_card",
            KeyError::UnknownDevice(_) => "bundle_unknown_device",
        }
    }
}

/// Writing a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error("{0} already exists: not overwriting it")]
    OutputExists(String),
    #[error("nothing to export: {0}")]
    NothingToExport(String),
    #[error("attachment {0} does not match the SHA-256 recorded at intake: export stopped, nothing was written")]
    AttachmentAltered(String),
}

impl ExportError {
    /// A stable, machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            ExportError::OutputExists(_) => "bundle_output_exists",
            ExportError::NothingToExport(_) => "bundle_nothing_to_export",
            ExportError::AttachmentAltered(_) => "bundle_attachment_altered",
        }
    }
}

/// Receipts: writing HQ's, checking one at the monitor.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    #[error("no imported bundle to acknowledge{0}")]
    NoImportedBundle(String),
    #[error("the receipt is not valid: {0}: nothing was recorded")]
    BadReceipt(String),
}

impl ReceiptError {
    /// A stable, machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            ReceiptError::NoImportedBundle(_) => "bundle_no_imported_bundle",
            ReceiptError::BadReceipt(_) => "bundle_bad_receipt",
        }
    }
}
