//! Importing many bundles (and receipts) with one unlock: HQ's directory of bundles from the
//! field. Each file is imported exactly as [`import`](super::import) imports one, all or nothing
//! in its own transaction; a refused file is reported and the batch goes on, so one damaged
//! bundle never blocks the others (and, being refused, never changes the vault).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{import_with, ImportOutcome};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// The extension of the files taken from a directory.
pub const BUNDLE_EXTENSION: &str = "saksi";

/// What happened to one file of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchItem {
    pub file: PathBuf,
    /// `imported`, `already_imported`, `receipt` or `refused`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ImportOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BatchError>,
}

/// Why a file was refused: the stable kind and the message of the import's error.
#[derive(Debug, Clone, Serialize)]
pub struct BatchError {
    pub kind: String,
    pub message: String,
}

/// A batch import's report, one item per file in the order they were imported.
#[derive(Debug, Clone, Serialize, Default)]
pub struct BatchReport {
    pub items: Vec<BatchItem>,
    pub imported: usize,
    pub already_imported: usize,
    pub receipts: usize,
    pub refused: usize,
}

/// The files a batch imports: each path as given, except that a directory stands for its
/// `*.saksi` files (not its subdirectories), in name order. A directory without any is refused.
pub fn batch_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        let entries = fs::read_dir(p)
            .map_err(|e| Error::invalid(format!("cannot read the folder {}: {e}", p.display())))?;
        let mut found = Vec::new();
        for e in entries {
            let e = e.map_err(|e| {
                Error::invalid(format!("cannot read the folder {}: {e}", p.display()))
            })?;
            let path = e.path();
            let is_bundle = path.extension().is_some_and(|x| x == BUNDLE_EXTENSION);
            if is_bundle && path.is_file() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(Error::invalid(format!(
                "the folder {} holds no .{BUNDLE_EXTENSION} file",
                p.display()
            )));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Imports every file of [`batch_files`]`(paths)` into the unlocked `vault`, decrypting with
/// `identities` (as [`import`](super::import)). Errors only when the list of files cannot be
/// made; each file's own refusal is in the report.
pub fn import_batch(
    vault: &mut Vault,
    paths: &[PathBuf],
    identities: Option<Vec<age::x25519::Identity>>,
) -> Result<BatchReport> {
    let files = batch_files(paths)?;
    let mut report = BatchReport::default();
    for file in files {
        let item = import_one(vault, &file, identities.clone());
        match item.status {
            "imported" => report.imported += 1,
            "already_imported" => report.already_imported += 1,
            "receipt" => report.receipts += 1,
            _ => report.refused += 1,
        }
        report.items.push(item);
    }
    Ok(report)
}

fn import_one(
    vault: &mut Vault,
    file: &Path,
    identities: Option<Vec<age::x25519::Identity>>,
) -> BatchItem {
    match import_with(vault, file, identities, &mut ()) {
        Ok(outcome) => BatchItem {
            file: file.to_path_buf(),
            status: match &outcome {
                ImportOutcome::Imported(_) => "imported",
                ImportOutcome::AlreadyImported(_) => "already_imported",
                ImportOutcome::Receipt(_) => "receipt",
            },
            outcome: Some(outcome),
            error: None,
        },
        Err(e) => BatchItem {
            file: file.to_path_buf(),
            status: "refused",
            outcome: None,
            error: Some(BatchError {
                kind: e.kind().to_string(),
                message: e.to_string(),
            }),
        },
    }
}
