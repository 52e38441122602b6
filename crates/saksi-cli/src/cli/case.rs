//! The clap types of `saksi case`: case files for a court (new, add, list, show, folder, export).

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum CaseCmd {
    /// Make a new case file; prints its id.
    New {
        title: String,
        #[arg(long)]
        json: bool,
    },
    /// Number an item, or every item of an incident, as the case's next exhibits (E-001…).
    Add {
        /// The case id.
        case: String,
        /// An item's id (see `saksi evidence list`) or an incident's id.
        id: String,
        /// What the exhibit shows (default: the title of its incident).
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every case file.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A case's exhibit list: each exhibit's item, hash, times, source device and custody.
    Show {
        case: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the court folder: the original files under their exhibit numbers (plaintext),
    /// the exhibit list, the custody log, SHA256SUMS signed with minisign, VERIFY.txt.
    Folder {
        case: String,
        /// A new or empty folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// A signed, encrypted bundle of the case's incidents (with their items) for another lawyer.
    Export {
        case: String,
        /// Recipient name(s) (see `saksi recipient add`).
        #[arg(long, required = true, num_args = 1.., value_name = "NAME")]
        to: Vec<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}
