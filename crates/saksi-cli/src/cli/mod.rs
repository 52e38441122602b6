//! The command line's shape: every command, option and argument, as clap types. No work is done
//! here; `commands/` does it and `main.rs` dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod bundle;
mod report;
// Case files (issue 11).
mod case;
// Deletions (issue 13).
mod deletion;

pub use bundle::*;
pub use case::*;
pub use deletion::*;
pub use report::*;
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
    /// Open the vault read-only: every change is refused and no byte of the vault folder
    /// changes (viewing and extracting are then not logged).
    #[arg(long, global = true)]
    pub read_only: bool,
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
        /// Also make a recovery key and print it once (it can be added later: `saksi recovery add`).
        #[arg(long)]
        recovery_key: bool,
        #[arg(long)]
        json: bool,
    },
    /// Incidents: add, list, show, update.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// People: add, list, show, update, merge, unmerge.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Testimony: add, list, show, withdraw (consent).
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
        /// incident_kind, role, proceeding_kind, intervention_kind, person_category,
        /// legal_provision or perpetrator_type
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
    /// Every version kept of a record: who, when, which device, and what changed.
    History {
        /// The id of an incident, person, testimony, proceeding, intervention or annotation.
        id: String,
        #[arg(long)]
        json: bool,
    },
    // Annotations and review mode (issue 11).
    /// Annotate a record or attachment: a note, legal-provision tags, the reviewed mark.
    Annotate(AnnotateArgs),
    /// The annotations on a record or attachment, oldest first.
    Annotations {
        /// The id of the record or attachment.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Records deleted here (tombstones, with what HQ did), and deletions received from other
    /// devices: apply or keep those waiting for a decision, set the policy.
    Deletions {
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        sub: Option<DeletionsCmd>,
    },
    /// Review mode: records and evidence cannot be changed, only annotated (no argument: show it).
    ReviewMode {
        #[arg(value_parser = ["on", "off"])]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a term to a vocabulary (legal_provision only).
    VocabAdd(VocabAddArgs),
    /// Bundles: keygen, hq-key, recipient, trust, export, import, receipt, purge, conflict.
    #[command(flatten)]
    Bundle(BundleCmd),
    // Recovery key, backup and restore (issue 16).
    /// The recovery key: add (printed once), remove.
    #[command(subcommand)]
    Recovery(RecoveryCmd),
    /// The duress passphrase: set (it opens a decoy vault), remove, status.
    #[command(subcommand)]
    Duress(DuressCmd),
    /// Forgotten passphrase: open the vault with its recovery key and set a new passphrase.
    UnlockRecovery {
        /// Read the recovery key from the first line of FILE (else SAKSI_RECOVERY_KEY, else a prompt).
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
        /// Read the new passphrase from FILE (else SAKSI_NEW_PASSPHRASE, else a prompt, twice).
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Write an encrypted backup of the whole vault (one age file), checked after writing.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt to the vault's recovery key instead of a backup passphrase.
        #[arg(long)]
        to_recovery_key: bool,
        /// Read the backup passphrase (or, with --to-recovery-key, the recovery key) from FILE
        /// (else SAKSI_BACKUP_PASSPHRASE / SAKSI_RECOVERY_KEY, else a prompt).
        #[arg(long, value_name = "FILE")]
        backup_secret_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup as a new vault in an empty folder, all or nothing.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// The folder of the restored vault (must not hold a vault, or anything).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Read the backup passphrase or recovery key from FILE (else SAKSI_BACKUP_PASSPHRASE,
        /// else a prompt).
        #[arg(long, value_name = "FILE")]
        backup_secret_file: Option<PathBuf>,
        /// Give the restored vault a new device identity (the old laptop may be in other hands):
        /// its next bundle tells HQ that the old device is replaced. Needs the vault's
        /// passphrase (--passphrase-file, SAKSI_PASSPHRASE or a prompt).
        #[arg(long)]
        new_device: bool,
        #[arg(long)]
        json: bool,
    },
    // Case files (issue 11).
    /// Case files for a court: new, add, list, show, folder, export.
    #[command(subcommand)]
    Case(CaseCmd),
    // Passphrases (issue 12).
    /// Passphrases: `saksi passphrase suggest` prints a strong new one (six random words).
    #[command(subcommand)]
    Passphrase(PassphraseCmd),
}

#[derive(Subcommand)]
pub enum PassphraseCmd {
    /// Print a new passphrase of six random words (needs no vault).
    Suggest {
        #[arg(long)]
        json: bool,
    },
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
    /// Delete it for good, with a signed tombstone that travels to HQ (a reason is required).
    Delete(DeleteArgs),
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
    /// Count two person records as one person (HQ: the same victim recorded twice). Neither
    /// record is changed; `person unmerge` undoes it.
    Merge {
        /// The person to merge (linked into B's group; if A is already merged, B is linked
        /// into A's).
        a: String,
        b: String,
        /// Why they are the same person (kept in the custody log).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Undo the merge that linked this person into another.
    Unmerge {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Pairs of people who may be one person (Khmer and Latin spellings, word order, common
    /// romanisation variants), best first, with the reasons for each score.
    Duplicates {
        /// Only pairs scoring at least this (0 to 1; default 0.85).
        #[arg(long, value_name = "X")]
        min_score: Option<f64>,
        /// At most N pairs (default 100).
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Delete it for good, with a signed tombstone that travels to HQ (a reason is required).
    Delete(DeleteArgs),
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
    /// Record a voice testimony straight into the vault as an encrypted WAV attachment. The CLI
    /// records only the built-in test tone (a diagnostic and test source: 440 Hz, 16 kHz mono);
    /// recording from the microphone in the desktop app is not built yet.
    Record {
        id: String,
        /// Record this many seconds of the test tone (1 to 14400).
        #[arg(long, value_name = "SECONDS")]
        test_tone: u32,
        #[arg(long)]
        json: bool,
    },
    /// Make a pseudonymised copy of the testimony's text (a new text item linked to it); the
    /// testimony itself is not changed.
    Pseudonymise {
        id: String,
        /// A name or place and its pseudonym, NAME=PSEUDONYM; repeat for each.
        #[arg(long = "replace", value_name = "NAME=PSEUDONYM", required = true)]
        replace: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Delete it for good, with a signed tombstone that travels to HQ (a reason is required).
    Delete(DeleteArgs),
    /// Record that the witness withdrew consent for one purpose (it only ever narrows consent;
    /// it travels to HQ in the next bundle and HQ's receipt confirms it).
    Withdraw {
        id: String,
        /// share_with_hq, legal_proceedings or publication.
        #[arg(long)]
        purpose: String,
        /// How the witness withdrew: "phone call", "in person, signed note".
        #[arg(long)]
        how: String,
        /// Who took the withdrawal.
        #[arg(long = "by", value_name = "WHO")]
        recorded_by: String,
        /// When the witness withdrew (YYYY-MM-DD or YYYY-MM-DDTHH:MM; default: now).
        #[arg(long, value_name = "WHEN")]
        when: Option<String>,
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
    /// Make a redacted copy of a photo (a new PNG item without metadata, linked to the
    /// original); the original is not changed.
    Redact {
        id: String,
        /// A rectangle to redact, in pixels of the photo shown upright: X,Y,W,H; repeat for each.
        #[arg(long = "region", value_name = "X,Y,W,H", required = true)]
        regions: Vec<String>,
        /// pixelate or blur.
        #[arg(long, value_name = "METHOD", default_value = "pixelate")]
        method: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete it for good, with a signed tombstone that travels to HQ (a reason is required).
    Delete(DeleteArgs),
    /// Make the thumbnails still pending: an import stores photos without them, and each is
    /// otherwise made when it is first shown.
    Thumbnails {
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
    /// Incidents naming a person in this person category (code, e.g. land_environment_defender);
    /// with --role, the person in that role.
    #[arg(long)]
    pub category: Option<String>,
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
pub enum DeviceCmd {
    /// Write this device's card (id, name, public keys, fingerprint) for HQ's `saksi trust add`.
    Card {
        /// Where to write it (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Give this device a name people recognise (1–64 characters), shown in its card, bundles,
    /// history and conflicts.
    Name { name: String },
}

#[derive(Subcommand)]
pub enum RecoveryCmd {
    /// Make a recovery key and print it once: write it on paper, keep it apart from the laptop.
    Add {
        /// Replace the existing recovery key (the old one stops working).
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove the recovery key: it no longer opens the vault.
    Remove,
}

// Duress passphrase and decoy (issue 16).
#[derive(Subcommand)]
pub enum DuressCmd {
    /// Set (or replace) the duress passphrase: it opens a fresh decoy vault instead of this one.
    Set {
        /// When the duress passphrase is used, silently erase this vault's passphrase and
        /// recovery key slots: nothing opens this vault afterwards.
        #[arg(long)]
        erase_real_on_use: bool,
        /// Put a few ordinary-looking records in the decoy.
        #[arg(long)]
        starter: bool,
        /// Read the duress passphrase from FILE (else SAKSI_DURESS_PASSPHRASE, else a prompt, twice).
        #[arg(long, value_name = "FILE")]
        duress_passphrase_file: Option<PathBuf>,
    },
    /// Remove the duress passphrase: it no longer opens anything.
    Remove,
    /// Say whether this vault has a duress passphrase.
    Status,
}

// Annotations (issue 11).
#[derive(Args)]
pub struct AnnotateArgs {
    /// The record or attachment to annotate (with --edit: the annotation to change).
    pub id: String,
    /// The note (free text).
    #[arg(long, default_value = "")]
    pub note: String,
    /// A legal-provision code (`saksi vocab legal_provision`); repeat for several.
    #[arg(long = "tag", value_name = "CODE")]
    pub tags: Vec<String>,
    /// Mark the record as reviewed (by --reviewer, else this device's name).
    #[arg(long)]
    pub reviewed: bool,
    #[arg(long, value_name = "NAME")]
    pub reviewer: Option<String>,
    /// Replace the annotation ID's note, tags and mark instead of adding one.
    #[arg(long)]
    pub edit: bool,
    /// With --edit: the version the edit was made from (refused if it is no longer the stored one).
    #[arg(long, value_name = "N", requires = "edit")]
    pub version: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct VocabAddArgs {
    /// The vocabulary: legal_provision.
    pub vocabulary: String,
    /// The new code: lowercase letters, digits and `_` (e.g. kh_cc_523).
    pub code: String,
    /// The English label.
    #[arg(long)]
    pub en: String,
    /// The Khmer label (default: the English one).
    #[arg(long, default_value = "")]
    pub km: String,
    /// The French label (default: the English one).
    #[arg(long, default_value = "")]
    pub fr: String,
}
