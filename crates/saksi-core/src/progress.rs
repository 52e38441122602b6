//! Progress reports and cancellation for long work (intake, verify, export, import).
//!
//! The caller passes a [`Progress`]; the operation calls `update` as it goes. Returning
//! `ControlFlow::Break(())` cancels: the operation stops at the next safe point, undoes what it
//! started, and returns [`crate::Error::Cancelled`].

use std::ops::ControlFlow;

pub trait Progress {
    /// `done` units (bytes, or items) of `total`, when known. Break to cancel.
    fn update(&mut self, done: u64, total: Option<u64>) -> ControlFlow<()>;

    /// Work on several items (a batch of files) is on item `index` of `count`; `update` then
    /// reports bytes over the whole batch. Ignored by default.
    fn item(&mut self, _index: usize, _count: usize) {}
}

/// No reporting, never cancels.
impl Progress for () {
    fn update(&mut self, _done: u64, _total: Option<u64>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl<F: FnMut(u64, Option<u64>) -> ControlFlow<()>> Progress for F {
    fn update(&mut self, done: u64, total: Option<u64>) -> ControlFlow<()> {
        self(done, total)
    }
}

/// Calls `update` and turns a Break into [`crate::Error::Cancelled`].
pub(crate) fn check(p: &mut dyn Progress, done: u64, total: Option<u64>) -> crate::Result<()> {
    match p.update(done, total) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(crate::Error::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use crate::testutil;

    #[test]
    fn a_cancelled_intake_leaves_no_row_and_no_blob() {
        let (dir, mut v) = testutil::vault();
        let inc = testutil::incident(&mut v, "t");
        let src = dir.path().join("big.bin");
        std::fs::write(&src, vec![1u8; 1 << 20]).unwrap();
        let mut seen = Vec::new();
        let mut cancel_after_two = |done: u64, total: Option<u64>| {
            seen.push((done, total));
            if seen.len() >= 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let err = crate::evidence::intake_path_with(
            &mut v,
            crate::model::RecordType::Incident,
            &inc,
            &src,
            &mut cancel_after_two,
        )
        .unwrap_err();
        assert_eq!(err.kind(), "cancelled");
        assert_eq!(
            seen[0],
            (64 * 1024, Some(1 << 20)),
            "progress counts bytes of the file's size"
        );
        assert!(
            crate::evidence::list(&v, None).unwrap().is_empty(),
            "no row after cancel"
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("v/attachments"))
                .unwrap()
                .count(),
            0,
            "no blob or partial file after cancel"
        );
        // Without cancelling, the same intake reports up to the full size and succeeds.
        let mut last = 0;
        let mut track = |done: u64, _t: Option<u64>| {
            last = done;
            ControlFlow::Continue(())
        };
        crate::evidence::intake_path_with(
            &mut v,
            crate::model::RecordType::Incident,
            &inc,
            &src,
            &mut track,
        )
        .unwrap();
        assert_eq!(last, 1 << 20);
    }
}
