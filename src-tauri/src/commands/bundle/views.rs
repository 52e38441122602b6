//! What the bundle commands send to the window: the core's summaries in the shape the UI reads
//! (withheld groups with a reason code it translates).

use std::collections::BTreeMap;
use std::path::Path;

use saksi_core::bundle::{self, export::ExportPreview, export::ExportSummary, ImportOutcome};
use serde::Serialize;

use crate::dialogs::file_name;

/// Why a group of records is left out, as a code the UI translates: the core's stable code
/// when it is one this UI knows, else "other" (and the UI shows the sentence).
pub fn reason_code(code: &str) -> &'static str {
    match code {
        "contacts" => "contacts",
        "witness_only" => "witness_only",
        "attachment_of_withheld" => "attachment_of_withheld",
        "annotation_of_withheld" => "annotation_of_withheld",
        "no_consent" => "no_consent",
        "consent_withdrawn" => "consent_withdrawn",
        _ => "other",
    }
}

#[derive(Debug, Serialize)]
pub struct WithheldOut {
    pub record_type: String,
    pub count: u64,
    pub reason: String,
    pub reason_code: &'static str,
}

fn withheld_out(w: &[bundle::manifest::Withheld]) -> Vec<WithheldOut> {
    w.iter()
        .map(|w| WithheldOut {
            record_type: w.record_type.clone(),
            count: w.count,
            reason_code: reason_code(&w.code),
            reason: w.reason.clone(),
        })
        .collect()
}

/// The consent summary shown before exporting: what will go, and what will be left out and why.
#[derive(Debug, Serialize)]
pub struct PreviewOut {
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<WithheldOut>,
}

impl From<ExportPreview> for PreviewOut {
    fn from(p: ExportPreview) -> Self {
        PreviewOut {
            withheld: withheld_out(&p.withheld),
            counts: p.counts,
            files: p.files,
            bytes: p.bytes,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct ExportOut {
    /// False when the save dialog was closed without choosing.
    pub saved: bool,
    pub file_name: String,
    pub bundle_id: String,
    pub sequence: i64,
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<WithheldOut>,
}

impl ExportOut {
    pub fn saved(path: &Path, s: ExportSummary) -> Self {
        ExportOut {
            saved: true,
            file_name: file_name(path),
            withheld: withheld_out(&s.withheld),
            bundle_id: s.bundle_id,
            sequence: s.sequence,
            counts: s.counts,
            files: s.files,
            bytes: s.bytes,
        }
    }
}

/// What an import did, for the result screen.
#[derive(Debug, Default, Serialize)]
pub struct ImportOut {
    /// False when the open dialog was closed without choosing.
    pub chosen: bool,
    /// "imported", "already_imported" or "receipt".
    pub outcome: &'static str,
    pub file_name: String,
    pub summary: Option<bundle::ImportSummary>,
    pub receipt: Option<bundle::ReceiptSummary>,
    pub withheld_by_sender: Vec<WithheldOut>,
}

impl ImportOut {
    pub fn imported(path: &Path, outcome: ImportOutcome) -> Self {
        let mut out = ImportOut {
            chosen: true,
            file_name: file_name(path),
            ..Default::default()
        };
        match outcome {
            ImportOutcome::Imported(s) => {
                out.outcome = "imported";
                out.withheld_by_sender = withheld_out(&s.withheld_by_sender);
                out.summary = Some(s);
            }
            ImportOutcome::AlreadyImported(s) => {
                out.outcome = "already_imported";
                out.withheld_by_sender = withheld_out(&s.withheld_by_sender);
                out.summary = Some(s);
            }
            ImportOutcome::Receipt(r) => {
                out.outcome = "receipt";
                out.receipt = Some(r);
            }
            _ => out.outcome = "imported",
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_the_core_gives_has_a_code() {
        for code in [
            "no_consent",
            "consent_withdrawn",
            "witness_only",
            "attachment_of_withheld",
            "annotation_of_withheld",
            "contacts",
        ] {
            assert_eq!(reason_code(code), code);
        }
        assert_eq!(reason_code("something new"), "other");
    }
}
