//! Many files attached to one record in one go (a dialog with several files chosen, a drop of a
//! folder's photos). Each file is its own intake — its own transaction and custody entry — so
//! one unreadable file does not undo the others; progress runs over the whole batch, and a
//! cancel stops at the next file boundary or inside the current file (which then leaves
//! nothing behind).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use super::{intake_path_with, record_exists, Intake};
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::progress::Progress;
use crate::vault::Vault;

/// A file that could not be attached, named by its file name only (never its folder).
#[derive(Debug, Clone, Serialize)]
pub struct IntakeFailure {
    pub name: String,
    pub kind: &'static str,
    pub message: String,
}

/// What a batch did. Files attached before a cancel or a failure stay attached.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchIntake {
    pub attached: Vec<Intake>,
    pub failed: Vec<IntakeFailure>,
    pub cancelled: bool,
}

/// Reports one file's bytes as part of the whole batch.
struct InBatch<'a> {
    inner: &'a mut dyn Progress,
    base: u64,
    total: u64,
}

impl Progress for InBatch<'_> {
    fn update(&mut self, done: u64, _total: Option<u64>) -> ControlFlow<()> {
        self.inner.update(self.base + done, Some(self.total))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Attaches every file in `paths` to the record, in order. The record must exist and be of
/// `record_type` before any file is read; a file that cannot be attached is listed in
/// `failed` with its error, and the rest go on.
pub fn intake_paths(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    paths: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<BatchIntake> {
    record_exists(vault, record_type, record_id)?;
    let sizes: Vec<u64> = paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .collect();
    let total = sizes.iter().sum();
    let mut out = BatchIntake::default();
    let mut base = 0;
    for (i, (path, size)) in paths.iter().zip(&sizes).enumerate() {
        progress.item(i, paths.len());
        if progress.update(base, Some(total)).is_break() {
            out.cancelled = true;
            break;
        }
        let mut in_batch = InBatch {
            inner: &mut *progress,
            base,
            total,
        };
        match intake_path_with(vault, record_type, record_id, path, &mut in_batch) {
            Ok(intake) => out.attached.push(intake),
            Err(Error::Cancelled) => {
                out.cancelled = true;
                break;
            }
            Err(e) => out.failed.push(IntakeFailure {
                name: file_name(path),
                kind: e.kind(),
                message: e.to_string(),
            }),
        }
        base += size;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn a_batch_attaches_the_good_files_and_names_the_bad_one_by_file_name() {
        let (dir, mut v) = testutil::vault();
        let inc = testutil::incident(&mut v, "t");
        let good = dir.path().join("a.txt");
        std::fs::write(&good, b"first witness").unwrap();
        let missing = dir.path().join("sub").join("gone.jpg");
        let other = dir.path().join("b.txt");
        std::fs::write(&other, b"second witness").unwrap();
        let mut seen: Vec<(u64, Option<u64>)> = Vec::new();
        let mut record = |d: u64, t: Option<u64>| {
            seen.push((d, t));
            ControlFlow::Continue(())
        };
        let out = intake_paths(
            &mut v,
            RecordType::Incident,
            &inc,
            &[good, missing, other],
            &mut record,
        )
        .expect("batch");
        assert_eq!(out.attached.len(), 2, "the readable files are attached");
        assert_eq!(out.failed.len(), 1);
        assert_eq!(
            out.failed[0].name, "gone.jpg",
            "a failure names the file, not its folder"
        );
        assert!(!out.cancelled);
        let total = (b"first witness".len() + b"second witness".len()) as u64;
        assert!(
            seen.iter().all(|(d, t)| *t == Some(total) && *d <= total),
            "progress runs over the whole batch: {seen:?}"
        );
        assert_eq!(crate::evidence::list(&v, Some(&inc)).unwrap().len(), 2);
    }

    #[test]
    fn a_batch_for_a_record_of_another_kind_reads_no_file() {
        let (dir, mut v) = testutil::vault();
        let inc = testutil::incident(&mut v, "t");
        let f = dir.path().join("a.txt");
        std::fs::write(&f, b"x").unwrap();
        let err = intake_paths(&mut v, RecordType::Testimony, &inc, &[f], &mut ())
            .expect_err("the record is an incident, not a testimony");
        assert_eq!(err.kind(), "not_found");
        assert!(crate::evidence::list(&v, Some(&inc)).unwrap().is_empty());
    }

    #[test]
    fn a_cancel_between_files_keeps_the_files_already_attached() {
        let (dir, mut v) = testutil::vault();
        let inc = testutil::incident(&mut v, "t");
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, b"one").unwrap();
        std::fs::write(&b, b"two").unwrap();
        struct StopAtSecond(bool);
        impl Progress for StopAtSecond {
            fn update(&mut self, _d: u64, _t: Option<u64>) -> ControlFlow<()> {
                if self.0 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            }
            fn item(&mut self, index: usize, _count: usize) {
                self.0 = index == 1;
            }
        }
        let out = intake_paths(
            &mut v,
            RecordType::Incident,
            &inc,
            &[a, b],
            &mut StopAtSecond(false),
        )
        .expect("batch");
        assert!(out.cancelled);
        assert_eq!(out.attached.len(), 1, "the first file stays attached");
    }
}
