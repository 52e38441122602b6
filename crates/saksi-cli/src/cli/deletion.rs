//! Deleting records and deciding about deletions received (issue 13): the clap types.

use clap::{Args, Subcommand};

/// `saksi incident|person|testimony|evidence delete ID --reason TEXT`.
#[derive(Args)]
pub struct DeleteArgs {
    /// The id of the record or attachment.
    pub id: String,
    /// Why it is deleted (required; kept in the signed tombstone, which travels to HQ).
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub json: bool,
}

/// `saksi deletions [apply|keep|policy]`.
#[derive(Subcommand)]
pub enum DeletionsCmd {
    /// Delete here the record a received deletion names (one waiting for a decision).
    Apply {
        /// The received deletion's id (from `saksi deletions`).
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Keep the record a received deletion names; the deletion is marked kept.
    Keep {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// What a received deletion does when nothing here relied on the record: `apply` (the
    /// default) or `ask` (keep every one waiting for a decision). No argument: show it.
    Policy {
        #[arg(value_parser = ["apply", "ask"])]
        policy: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
