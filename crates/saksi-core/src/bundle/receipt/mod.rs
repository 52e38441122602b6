//! Receipts and purging. After an import HQ writes a signed receipt naming every record of the
//! bundle with the SHA-256 it received and what it did with it (stored, updated, already held,
//! conflict, stale), encrypted to the sending device's age recipient (from its card). The
//! monitor accepts it only from the pinned signing key of a recipient the bundle was sent to
//! (`saksi import`), and `saksi purge --received` then erases locally exactly the records HQ
//! holds byte for byte and that have not changed since: rows deleted under `secure_delete`
//! (which also destroys each attachment's key), then the attachment blobs. Everything else
//! stays, counted by reason (threat-model invariant 10).
//!
//! ```text
//! receipt.saksi = age( tar[ receipt.json, receipt.json.minisig ] )
//! ```
//!
//! Here: the receipt format; `write.rs` HQ writing and sealing one, `accept.rs` the monitor
//! checking and recording it, `purge.rs` erasing what it confirms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bundle::manifest::Withheld;

mod accept;
mod purge;
mod write;

pub(crate) use accept::*;
pub use purge::*;
pub use write::*;

pub const RECEIPT: &str = "receipt.json";
pub const RECEIPT_SIG: &str = "receipt.json.minisig";
pub const FORMAT: &str = "saksi-receipt";
/// Version 2: every item states its outcome, and the signer must be the pinned key of a
/// recipient of the bundle. Version 1 receipts (no outcomes) are refused.
pub const VERSION: u64 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub version: u64,
    pub receipt_id: String,
    pub bundle_id: String,
    pub bundle_device_id: String,
    pub bundle_sequence: i64,
    pub bundle_manifest_sha256: String,
    pub hq_device_id: String,
    pub created_at: String,
    pub items: Vec<ReceiptItem>,
    /// What the bundle's manifest said its sender withheld (counts only: HQ knows no ids).
    pub withheld: Vec<Withheld>,
    /// Every deletion (tombstone) the bundle carried and what HQ did with it (issue 13).
    /// Left out when there are none, so receipts without deletions keep their old bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tombstones: Vec<ReceiptTombstone>,
    /// The consent withdrawals the bundle carried, each applied at HQ (issue 13). Left out
    /// when there are none, so that such receipts keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawals: Vec<crate::consent::ReceiptWithdrawal>,
}

/// One tombstone of the bundle, as HQ answers for it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptTombstone {
    /// The id of the deleting device's signed `record_deleted` entry.
    pub entry_id: String,
    pub record_type: String,
    pub record_id: String,
    /// The version hash the tombstone named.
    pub sha256: String,
    pub outcome: crate::deletion::IncomingOutcome,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItem {
    pub record_type: String,
    pub record_id: String,
    /// SHA-256 of the record file as it came in the bundle (the sender's bytes).
    pub sha256: String,
    pub outcome: ReceiptOutcome,
}

/// What HQ did with one item of the bundle. Only the first three mean HQ holds the sender's
/// exact bytes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptOutcome {
    /// New at HQ, stored as sent.
    Stored,
    /// HQ's copy was updated (fast-forward) to the version sent.
    Updated,
    /// HQ already held exactly this.
    AlreadyHeld,
    /// HQ holds a concurrent edit; the sent version waits in HQ's conflict list.
    Conflict,
    /// HQ holds a newer version; the sent one was ignored.
    Stale,
    /// HQ knows the item was withheld from it.
    Withheld,
}

impl ReceiptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptOutcome::Stored => "stored",
            ReceiptOutcome::Updated => "updated",
            ReceiptOutcome::AlreadyHeld => "already_held",
            ReceiptOutcome::Conflict => "conflict",
            ReceiptOutcome::Stale => "stale",
            ReceiptOutcome::Withheld => "withheld",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "stored" => ReceiptOutcome::Stored,
            "updated" => ReceiptOutcome::Updated,
            "already_held" => ReceiptOutcome::AlreadyHeld,
            "conflict" => ReceiptOutcome::Conflict,
            "stale" => ReceiptOutcome::Stale,
            "withheld" => ReceiptOutcome::Withheld,
            _ => return None,
        })
    }

    /// From the outcome an import recorded in `bundle_import_item`.
    fn from_import(s: &str) -> Option<Self> {
        Some(match s {
            "added" => ReceiptOutcome::Stored,
            "updated" => ReceiptOutcome::Updated,
            "unchanged" => ReceiptOutcome::AlreadyHeld,
            "conflict" => ReceiptOutcome::Conflict,
            "stale" => ReceiptOutcome::Stale,
            _ => return None,
        })
    }

    /// HQ holds the sender's exact bytes.
    pub fn holds(self) -> bool {
        matches!(
            self,
            ReceiptOutcome::Stored | ReceiptOutcome::Updated | ReceiptOutcome::AlreadyHeld
        )
    }
}

impl Receipt {
    fn trusted_comment(&self) -> String {
        format!(
            "saksi-receipt v{} id {} bundle {} device {} seq {}",
            self.version,
            self.receipt_id,
            self.bundle_id,
            self.bundle_device_id,
            self.bundle_sequence
        )
    }

    fn outcome_counts(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for it in &self.items {
            *out.entry(it.outcome.as_str().to_string()).or_default() += 1;
        }
        out
    }
    fn deletion_counts(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for t in &self.tombstones {
            *out.entry(t.outcome.as_str().to_string()).or_default() += 1;
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptSummary {
    pub receipt_id: String,
    pub bundle_id: String,
    pub bundle_sequence: i64,
    pub device_id: String,
    pub hq_device_id: String,
    /// On the monitor: the registered recipient whose pinned key signed it.
    pub recipient: Option<String>,
    pub items: usize,
    /// Items by outcome (`stored`, `updated`, `already_held`, `conflict`, `stale`, `withheld`).
    pub outcomes: BTreeMap<String, u64>,
    pub withheld: Vec<Withheld>,
    /// Tombstones by what HQ did (`applied`, `pending`, `conflict`, `not_held`, `kept`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deletions: BTreeMap<String, u64>,
    pub already_received: bool,
    pub out: Option<String>,
    /// Consent withdrawals the receipt confirms (at HQ: lists; on the monitor: newly confirmed).
    #[serde(skip_serializing_if = "is_zero")]
    pub withdrawals: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
