//! The command line's shape: every command, option and argument, as clap types. No work is done
//! here; `commands/` does it and `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "saksi",
    version,
    about = "Saksi: an offline, encrypted evidence vault for human-rights documentation"
)]
pub struct Cli {
    /// The vault folder (default: the per-user data folder).
    #[arg(long, global = true, env = "SAKSI_VAULT", value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE (else SAKSI_PASSPHRASE, else a prompt).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a new vault (refuses to overwrite an existing one).
    Init {
        /// A name for this device, shown to HQ (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Incidents: add, list, show, update.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// People: add, list, show.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Testimony: add, list, show.
    #[command(subcommand)]
    Testimony(TestimonyCmd),
    /// Legal and detention steps: add, show.
    #[command(subcommand)]
    Proceeding(ProceedingCmd),
    /// Interventions (letters, urgent appeals, aid): add, list.
    #[command(subcommand)]
    Intervention(InterventionCmd),
    /// Full-text search (Khmer substrings too) with filters.
    Search(SearchArgs),
    /// Controlled vocabularies with their English, Khmer and French labels.
    Vocab {
        /// incident_kind, role, proceeding_kind or intervention_kind
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Figures derived from the records.
    #[command(subcommand)]
    Report(ReportCmd),
    /// This device's id, name and key fingerprint; `saksi device card` writes its card for HQ.
    Device {
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        sub: Option<DeviceCmd>,
    },
    /// Change the vault passphrase (only the key file is rewritten).
    Passwd {
        /// Read the new passphrase from FILE (else SAKSI_NEW_PASSPHRASE, else a prompt).
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Panic wipe: destroy the key and delete the vault. Irreversible.
    Wipe {
        /// Required: confirms that everything in the vault is to be destroyed.
        #[arg(long)]
        yes: bool,
    },
    /// Check the database, the schema and the custody log; exit non-zero on any problem.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Attach files to an incident, testimony or person: prints each attachment's id and SHA-256.
    Attach {
        record_id: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Attachments: list, show, extract.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// The custody log.
    Log {
        #[arg(long)]
        json: bool,
    },
    /// Bundles: keygen, hq-key, recipient, trust, export, import, receipt, purge, conflict.
    #[command(flatten)]
    Bundle(BundleCmd),
}

#[derive(Subcommand)]
pub enum IncidentCmd {
    /// Add an incident from JSON (FILE, or - / nothing for standard input); prints its id.
    Add {
        file: Option<PathBuf>,
        /// JSON Lines: one record per line (FILE, or - for standard input), added 1,000 per
        /// transaction; prints one id per line.
        #[arg(long, value_name = "FILE|-", conflicts_with = "file")]
        jsonl: Option<PathBuf>,
    },
    /// Edit an incident from JSON: its own fields, and optionally its acts and proceedings.
    Update { id: String, file: Option<PathBuf> },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum PersonCmd {
    Add {
        file: Option<PathBuf>,
        /// JSON Lines: one record per line (FILE, or - for standard input), added 1,000 per
        /// transaction; prints one id per line.
        #[arg(long, value_name = "FILE|-", conflicts_with = "file")]
        jsonl: Option<PathBuf>,
    },
    Update {
        id: String,
        file: Option<PathBuf>,
    },
    List {
        /// Only people in custody now.
        #[arg(long)]
        detained: bool,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum TestimonyCmd {
    Add {
        file: Option<PathBuf>,
        /// JSON Lines: one record per line (FILE, or - for standard input), added 1,000 per
        /// transaction; prints one id per line.
        #[arg(long, value_name = "FILE|-", conflicts_with = "file")]
        jsonl: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        incident: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ProceedingCmd {
    Add {
        file: Option<PathBuf>,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum InterventionCmd {
    Add {
        file: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum EvidenceCmd {
    /// All attachments, or those of one record.
    List {
        record_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Hash, size, type, EXIF and custody entries of one attachment.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Decrypt the original to PATH (a plaintext copy: keep it safe). The extraction is logged.
    Extract {
        id: String,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// People in custody now, optionally only those affiliated with ORGANISATION.
    Detained {
        #[arg(long, value_name = "ORGANISATION")]
        affiliation: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct SearchArgs {
    /// Words to find (every word must occur); may be empty when filters are given.
    pub query: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    /// Incidents overlapping from this date (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub person: Option<String>,
    #[arg(long)]
    pub role: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Page size: at most 500 hits (the default).
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Hits to skip before the page (for the next page: the previous offset + limit).
    #[arg(long, value_name = "N")]
    pub offset: Option<u32>,
}

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
}

#[derive(Subcommand)]
pub enum ConflictCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Settle one conflict: keep this vault's version, or take the incoming one.
    Resolve {
        id: String,
        #[arg(
            long,
            conflicts_with = "take_incoming",
            required_unless_present = "take_incoming"
        )]
        keep_local: bool,
        #[arg(long)]
        take_incoming: bool,
    },
}

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// Write this device's card (id, name, public keys, fingerprint) for HQ's `saksi trust add`.
    Card {
        /// Where to write it (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}
