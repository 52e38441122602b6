//! Long work (intake of many files, export, import) reports progress to the window and can be
//! cancelled. The UI names each job with an id of its own choosing and passes a
//! [`tauri::ipc::Channel`] for progress messages; `job_cancel` flips the job's flag, which the
//! core's [`Progress`](saksi_core::progress::Progress) callback checks at its next safe point
//! (the core then undoes what it started and returns kind "cancelled").

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::error::{CmdError, CmdResult};

/// One progress report. `done`/`total` are bytes; `item`/`items` count files when the job has
/// several (intake of a batch).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct ProgressMsg {
    pub done: u64,
    pub total: Option<u64>,
    pub item: usize,
    pub items: usize,
}

#[derive(Default)]
pub struct Jobs {
    flags: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

/// Removes the job's flag when the work ends, however it ends.
pub struct JobGuard<'a> {
    jobs: &'a Jobs,
    id: String,
    pub flag: Arc<AtomicBool>,
}

impl Drop for JobGuard<'_> {
    fn drop(&mut self) {
        self.jobs.map().remove(&self.id);
    }
}

/// Job ids come from the UI: short, plain ASCII, so they can be neither huge nor odd.
pub fn check_job_id(id: &str) -> CmdResult<&str> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(CmdError::invalid("not a valid job id"))
    }
}

impl Jobs {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<AtomicBool>>> {
        self.flags.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start(&self, id: &str) -> CmdResult<JobGuard<'_>> {
        let id = check_job_id(id)?.to_string();
        let flag = Arc::new(AtomicBool::new(false));
        let mut map = self.map();
        if map.contains_key(&id) {
            return Err(CmdError::invalid("a job with this id is already running"));
        }
        map.insert(id.clone(), flag.clone());
        Ok(JobGuard {
            jobs: self,
            id,
            flag,
        })
    }

    /// Asks the job to stop. Cancelling a job that already ended is not an error.
    /// Runs `work` as the cancellable job `id`: registered for `job_cancel` while it runs
    /// (removed after, whatever happens), its progress sent over `channel` through the
    /// [`Reporter`] it is given. The one way a long command runs.
    pub fn run<T>(
        &self,
        id: &str,
        channel: Channel<ProgressMsg>,
        work: impl FnOnce(&mut Reporter) -> CmdResult<T>,
    ) -> CmdResult<T> {
        let guard = self.start(id)?;
        let mut reporter = Reporter::new(Some(channel), guard.flag.clone());
        work(&mut reporter)
    }

    pub fn cancel(&self, id: &str) {
        if let Some(flag) = self.map().get(id) {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

/// Sends progress at most every 100 ms (plus the first and last report), and turns a cancel
/// request into `Break`.
pub struct Reporter {
    channel: Option<Channel<ProgressMsg>>,
    flag: Arc<AtomicBool>,
    last: Option<Instant>,
    item: usize,
    items: usize,
}

/// The core's long operations take any [`saksi_core::progress::Progress`]: a reporter is one.
impl saksi_core::progress::Progress for Reporter {
    fn update(&mut self, done: u64, total: Option<u64>) -> ControlFlow<()> {
        self.report(done, total)
    }

    fn item(&mut self, index: usize, count: usize) {
        self.item = index;
        self.items = count;
    }
}

impl Reporter {
    pub fn new(channel: Option<Channel<ProgressMsg>>, flag: Arc<AtomicBool>) -> Self {
        Self {
            channel,
            flag,
            last: None,
            item: 0,
            items: 1,
        }
    }

    pub fn cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    pub fn report(&mut self, done: u64, total: Option<u64>) -> ControlFlow<()> {
        if self.cancelled() {
            return ControlFlow::Break(());
        }
        let finished = total.is_some_and(|t| done >= t);
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if finished || due {
            self.last = Some(Instant::now());
            if let Some(ch) = &self.channel {
                let msg = ProgressMsg {
                    done,
                    total,
                    item: self.item,
                    items: self.items,
                };
                // A closed window cannot take progress any more; the work goes on.
                let _ = ch.send(msg);
            }
        }
        ControlFlow::Continue(())
    }
}

/// Asks a running job to stop at its next safe point.
#[tauri::command(async)]
pub fn job_cancel(jobs: State<'_, Jobs>, job: String) -> CmdResult<()> {
    jobs.cancel(check_job_id(&job)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_short_and_plain() {
        assert!(check_job_id("intake-1f3a_2").is_ok());
        for bad in ["", "a b", "../x", &"x".repeat(65), "é"] {
            assert!(check_job_id(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn cancel_flips_the_flag_and_breaks_the_next_report() {
        let jobs = Jobs::default();
        let guard = jobs.start("j1").expect("start");
        assert!(
            jobs.start("j1").is_err(),
            "one id names one running job at a time"
        );
        let mut r = Reporter::new(None, guard.flag.clone());
        assert_eq!(r.report(1, Some(10)), ControlFlow::Continue(()));
        jobs.cancel("j1");
        assert_eq!(
            r.report(2, Some(10)),
            ControlFlow::Break(()),
            "a cancelled job must stop at the next progress check"
        );
        drop(guard);
        assert!(
            jobs.start("j1").is_ok(),
            "the id is free again once the job ended"
        );
    }
}
