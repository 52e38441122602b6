//! The clap types of the bundle commands: keys, recipients, trust, export, import, receipts,
//! purge and conflicts.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum BundleCmd {
    /// HQ: make this vault's age key (bundles are encrypted to it); --out also writes it to an
    /// age identity file (for `age -d -i FILE`). With a key already made, --out writes that one.
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// HQ: print this vault's age recipient (age1…) and its fingerprint, to give to monitors.
    HqKey {
        #[arg(long)]
        json: bool,
    },
    /// Where bundles go: named age recipients.
    #[command(subcommand)]
    Recipient(RecipientCmd),
    /// Devices whose bundles (or receipts) this vault accepts.
    #[command(subcommand)]
    Trust(TrustCmd),
    /// Write a signed, encrypted bundle for the named recipients.
    Export {
        /// Recipient name(s) (see `saksi recipient add`).
        #[arg(long, required = true, num_args = 1.., value_name = "NAME")]
        to: Vec<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only what changed since the last bundle to these recipients.
        #[arg(long)]
        since_last: bool,
        /// Only these incidents (with their acts, testimony, people, attachments…).
        #[arg(long, value_name = "ID")]
        incident: Vec<String>,
        /// Also send people's contact details (kept on this device by default).
        #[arg(long)]
        include_contacts: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import a bundle (HQ) or a receipt (monitor), all or nothing; several files, or a folder
    /// (its *.saksi files), with one unlock: each file on its own, the refused ones reported.
    Import {
        #[arg(required = true, value_name = "FILE|DIR")]
        files: Vec<PathBuf>,
        /// An age identity file to decrypt with (default: this vault's own keys).
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// HQ: write a signed receipt for an imported bundle, encrypted to the device that sent it.
    Receipt {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The bundle id (default: the last bundle imported).
        #[arg(long, value_name = "ID")]
        bundle: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Monitor: delete here what HQ confirmed holding (crypto-erasure).
    Purge {
        /// Required: purge exactly the records confirmed by receipts and unchanged since.
        #[arg(long)]
        received: bool,
        #[arg(long)]
        json: bool,
    },
    /// Concurrent edits kept side by side by imports.
    #[command(subcommand)]
    Conflict(ConflictCmd),
}

#[derive(Subcommand)]
pub enum RecipientCmd {
    /// Register a recipient: HQ from its device card (`--card FILE`: pins HQ's signing key, so
    /// its receipts are accepted), or any recipient by its age1… key alone. Compare the
    /// fingerprint by phone.
    Add {
        name: String,
        #[arg(required_unless_present = "card", conflicts_with = "card")]
        recipient: Option<String>,
        /// HQ's device card (`saksi device card` on a vault with an HQ key).
        #[arg(long, value_name = "FILE")]
        card: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Trust the device described by a card FILE (compare its fingerprint by phone first).
    Add { file: PathBuf },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device (e.g. a seized laptop): its bundles are refused from now on.
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Call a trusted device by another name here (e.g. "Kampot monitor").
    Rename {
        id: String,
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ConflictCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// One conflict field by field: both values, what differs, who made each side and when.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Settle one conflict: keep this vault's version, take the incoming one, or keep this
    /// vault's version except the fields taken from the incoming one (`--take FIELD`, repeated;
    /// field names as `conflict show` prints them).
    Resolve {
        id: String,
        #[arg(
            long,
            conflicts_with_all = ["take_incoming", "take"],
            required_unless_present_any = ["take_incoming", "take"]
        )]
        keep_local: bool,
        #[arg(long, conflicts_with = "take")]
        take_incoming: bool,
        #[arg(long, value_name = "FIELD")]
        take: Vec<String>,
    },
}
