//! What every hardening suite shares: its size (small in CI, full with `SAKSI_HARDEN=full`),
//! running `saksi` under a time and memory limit while measuring its wall time and peak RSS, and
//! the one summary line per suite that `scripts/harden.sh` collects into its table.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Out;

/// Whether the full sizes were asked for (`SAKSI_HARDEN=full`, set by `scripts/harden.sh --full`).
pub fn full() -> bool {
    std::env::var("SAKSI_HARDEN").is_ok_and(|v| v == "full")
}

/// The number of cases of `suite`: `SAKSI_HARDEN_<SUITE>=N` if set (to run a fraction or a
/// multiple), else `full_size` with `SAKSI_HARDEN=full`, else `ci_size`.
pub fn cases(suite: &str, ci_size: u64, full_size: u64) -> u64 {
    let var = format!("SAKSI_HARDEN_{}", suite.to_ascii_uppercase());
    match std::env::var(&var).ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None if full() => full_size,
        None => ci_size,
    }
}

/// The address-space ceiling of every measured child: above the key file's own Argon2 ceiling
/// (4 GiB) so that the documented bound is what gets tested, and low enough that a runaway child
/// cannot take a shared machine down. An allocation beyond it aborts the child (a `CRASH`).
pub const MEMORY_LIMIT: u64 = 5 << 30;

/// One measured run of a child process.
#[derive(Debug)]
pub struct Run {
    pub out: Out,
    /// The signal that ended the child, if one did (ours on timeout, or its own abort).
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub elapsed: Duration,
    /// Peak resident set size of the child, in KiB (`ru_maxrss` from `wait4`).
    pub max_rss_kib: u64,
}

impl Run {
    /// A clean refusal: exit status 1 and a last stderr line `saksi: error: ...`, no panic.
    pub fn clean_error(&self) -> bool {
        self.out.code == Some(1)
            && !self.out.stderr.contains("panicked")
            && self
                .out
                .stderr
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("saksi: error: "))
    }
}

/// Runs `cmd` (stdout and stderr captured, `stdin` fed if given), killing it after `timeout`, in
/// an address space limited to [`MEMORY_LIMIT`]; measures wall time and peak RSS.
pub fn run_measured(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Run {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("start the child");
    let pid = child.id() as libc::pid_t;
    let feeder = stdin.map(|s| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let s = s.to_vec();
        std::thread::spawn(move || {
            // The child may refuse before reading its input: a closed pipe is then fine.
            let _ = pipe.write_all(&s);
        })
    });
    let mut so = child.stdout.take().expect("stdout pipe");
    let mut se = child.stderr.take().expect("stderr pipe");
    let so_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let se_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let mut status: libc::c_int = 0;
    // SAFETY: plain syscalls on our own child's pid, with a zeroed out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if start.elapsed() > timeout && !timed_out {
            timed_out = true;
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    let elapsed = start.elapsed();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let stdout = so_t.join().unwrap_or_default();
    let stderr = se_t.join().unwrap_or_default();
    // The child was reaped by wait4 above: `child` must not be waited for or killed again.
    std::mem::forget(child);
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else {
        (None, Some(libc::WTERMSIG(status)))
    };
    Run {
        out: Out {
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        },
        signal,
        timed_out,
        elapsed,
        max_rss_kib: usage.ru_maxrss as u64,
    }
}

/// The figures of one suite: cases run, what held, counts per outcome class and the maxima of
/// time and peak RSS over every measured child.
pub struct Stats {
    suite: &'static str,
    pub cases: u64,
    pub held: u64,
    classes: BTreeMap<String, u64>,
    max_ms: u128,
    max_rss_kib: u64,
    started: Instant,
}

impl Stats {
    pub fn new(suite: &'static str) -> Stats {
        Stats {
            suite,
            cases: 0,
            held: 0,
            classes: BTreeMap::new(),
            max_ms: 0,
            max_rss_kib: 0,
            started: Instant::now(),
        }
    }

    /// Records the time and memory of one measured child.
    pub fn measure(&mut self, r: &Run) {
        self.max_ms = self.max_ms.max(r.elapsed.as_millis());
        self.max_rss_kib = self.max_rss_kib.max(r.max_rss_kib);
    }

    /// Records the outcome of one case.
    pub fn case(&mut self, class: &str, held: bool) {
        self.cases += 1;
        if held {
            self.held += 1;
        }
        *self.classes.entry(class.to_string()).or_default() += 1;
    }

    /// Prints the summary so far as a `HARDEN-PARTIAL` line (long runs print one now and then,
    /// so that a run cut short still leaves its figures).
    pub fn progress(&self) {
        eprintln!(
            "HARDEN-PARTIAL suite={} cases={} held={} max_ms={} max_rss_kib={} total_s={}",
            self.suite,
            self.cases,
            self.held,
            self.max_ms,
            self.max_rss_kib,
            self.started.elapsed().as_secs()
        );
    }

    /// Prints the summary line (and appends it to `$SAKSI_HARDEN_REPORT` if set):
    /// `HARDEN suite=S size=ci|full cases=N held=H max_ms=T max_rss_kib=M total_s=W classes=a:1,b:2`.
    pub fn report(&self) {
        let classes: Vec<String> = self
            .classes
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let line = format!(
            "HARDEN suite={} size={} cases={} held={} max_ms={} max_rss_kib={} total_s={} classes={}\n",
            self.suite,
            if full() { "full" } else { "ci" },
            self.cases,
            self.held,
            self.max_ms,
            self.max_rss_kib,
            self.started.elapsed().as_secs(),
            classes.join(",")
        );
        eprint!("{line}");
        if let Ok(path) = std::env::var("SAKSI_HARDEN_REPORT") {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
    }
}

/// Copies a folder tree (files and folders only, modes kept).
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create a copy folder");
    for e in std::fs::read_dir(from).expect("read a folder to copy") {
        let e = e.expect("a folder entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().expect("its type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy a file");
        }
    }
}
