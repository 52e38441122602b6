//! The fuzzing suites' kit (issue 15 item 5; docs/security-testing.md): seeded structured
//! mutations of real inputs, each case timed and its heap peak measured, every case that did not
//! hold kept as a file, and the `HARDEN suite=… cases=… held=…` line that `scripts/harden.sh`
//! tabulates. Sizes follow the hardening suites: small by default, `SAKSI_HARDEN=full` for the
//! full size, `SAKSI_HARDEN_FUZZ=N` (every fuzzing suite) or `SAKSI_HARDEN_<SUITE>=N` (one).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// The number of cases of `suite`.
pub(crate) fn cases(suite: &str, ci: u64, full: u64) -> u64 {
    let own = format!("SAKSI_HARDEN_{}", suite.to_ascii_uppercase());
    for var in [own.as_str(), "SAKSI_HARDEN_FUZZ"] {
        if let Some(n) = std::env::var(var).ok().and_then(|v| v.parse().ok()) {
            return n;
        }
    }
    if std::env::var("SAKSI_HARDEN").is_ok_and(|v| v == "full") {
        full
    } else {
        ci
    }
}

/// The generator of one case: the same suite and case number give the same input.
pub(crate) fn rng(suite: &str, case: u64) -> StdRng {
    let mut seed = 0xcbf2_9ce4_8422_2325u64;
    for b in suite.bytes() {
        seed = (seed ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    StdRng::seed_from_u64(seed ^ case.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, b'\n', b'"', b'{', b'-', b'/', b'0'];

/// `input` with one to four byte-level mutations: bits flipped, bytes set, runs inserted,
/// deleted, repeated or overwritten with large integers, a cut, junk appended.
pub(crate) fn mutate_bytes(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let len = v.len();
        let at = if len == 0 { 0 } else { rng.gen_range(0..len) };
        // A quarter of the edits land in the first 64 bytes: the magic, versions, headers.
        let at = if rng.gen_bool(0.25) {
            at % 64.min(len.max(1))
        } else {
            at
        };
        match rng.gen_range(0..10) {
            0 if len > 0 => v[at] ^= 1 << rng.gen_range(0..8),
            1 if len > 0 => v[at] = rng.gen(),
            2 if len > 0 => v[at] = INTERESTING[rng.gen_range(0..INTERESTING.len())],
            3 => {
                let n = rng.gen_range(1..=64);
                let junk: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
                v.splice(at..at, junk);
            }
            4 if len > 0 => {
                let end = (at + rng.gen_range(1..=256)).min(len);
                v.drain(at..end);
            }
            5 if len > 0 => {
                // A run repeated up to a thousand times: sizes and counts inflated.
                let end = (at + rng.gen_range(1..=32)).min(len);
                let run = v[at..end].to_vec();
                let times = rng.gen_range(2..=1000);
                let mut rep = Vec::with_capacity(run.len() * times);
                for _ in 0..times {
                    rep.extend_from_slice(&run);
                }
                v.splice(at..at, rep);
            }
            6 if len >= 4 => {
                let at = at.min(len - 4);
                let word =
                    [0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX, 0xffff][rng.gen_range(0..6)];
                let bytes = if rng.gen() {
                    word.to_le_bytes()
                } else {
                    word.to_be_bytes()
                };
                v[at..at + 4].copy_from_slice(&bytes);
            }
            7 => v.truncate(at),
            8 => {
                let n = rng.gen_range(1..=512);
                v.extend((0..n).map(|_| rng.gen::<u8>()));
            }
            _ if len > 1 => {
                // A copy of one part of the input over another.
                let from = rng.gen_range(0..len);
                let n = rng.gen_range(1..=64).min(len - from);
                let part = v[from..from + n].to_vec();
                let to = at.min(len - n);
                v[to..to + n].copy_from_slice(&part);
            }
            _ => v.push(rng.gen()),
        }
    }
    v
}

/// A JSON value of a random shape: every scalar type, huge and negative numbers, long, empty,
/// control-character and Khmer strings, empty and nested containers.
fn odd_value(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..14) {
        0 => Value::Null,
        1 => Value::Bool(rng.gen()),
        2 => Value::from(rng.gen::<i64>()),
        3 => Value::from(-1),
        4 => Value::from(u64::MAX),
        5 => Value::from(0),
        6 => serde_json::Number::from_f64(rng.gen::<f64>() * 1e300)
            .map_or(Value::Null, Value::Number),
        7 => Value::from(""),
        8 => Value::from("x".repeat(rng.gen_range(1..=200_000))),
        9 => Value::from("\u{0}\u{1b}[31m\u{202e}../../etc/passwd\\"),
        10 => Value::from("ការចាប់ខ្លួន"),
        11 => Value::Array(vec![]),
        12 => Value::Object(Default::default()),
        _ => {
            let mut v = Value::from(1);
            for _ in 0..rng.gen_range(1..=300) {
                v = Value::Array(vec![v]);
            }
            v
        }
    }
}

/// Every path to a value inside `v` (object keys and array indexes).
fn paths(v: &Value, here: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(PathStep::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn at_path<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            PathStep::Key(k) => cur.get_mut(k.as_str())?,
            PathStep::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// `input` (JSON) with one to three structural mutations: a value replaced by one of another
/// shape, a field removed, an unknown field added, an array element repeated many times, a
/// string given a changed character; then, one time in four, byte-level mutations of the text.
/// Input that is not JSON gets byte mutations only.
pub(crate) fn mutate_json(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<Value>(input) else {
        return mutate_bytes(rng, input);
    };
    for _ in 0..rng.gen_range(1..=3) {
        let mut all = Vec::new();
        paths(&v, &mut Vec::new(), &mut all);
        let path = all[rng.gen_range(0..all.len())].clone();
        let Some(target) = at_path(&mut v, &path) else {
            continue;
        };
        match rng.gen_range(0..6) {
            0 | 1 => *target = odd_value(rng),
            2 => {
                if let Value::Object(m) = target {
                    if !m.is_empty() {
                        let k = m.keys().nth(rng.gen_range(0..m.len())).cloned();
                        if let Some(k) = k {
                            m.remove(&k);
                        }
                    }
                }
            }
            3 => {
                if let Value::Object(m) = target {
                    m.insert("unexpected_field".into(), odd_value(rng));
                }
            }
            4 => {
                if let Value::Array(a) = target {
                    if let Some(first) = a.first().cloned() {
                        let n = rng.gen_range(2..=2000);
                        a.extend(std::iter::repeat_n(first, n));
                    }
                }
            }
            _ => {
                if let Value::String(s) = target {
                    let mut chars: Vec<char> = s.chars().collect();
                    if !chars.is_empty() {
                        let i = rng.gen_range(0..chars.len());
                        chars[i] = ['0', 'f', 'G', '-', ' ', 'é', '\u{0}'][rng.gen_range(0..7)];
                    }
                    *s = chars.into_iter().collect();
                }
            }
        }
    }
    let mut out = if rng.gen() {
        serde_json::to_vec_pretty(&v).unwrap_or_default()
    } else {
        serde_json::to_vec(&v).unwrap_or_default()
    };
    if rng.gen_range(0..4) == 0 {
        out = mutate_bytes(rng, &out);
    }
    out
}

/// Error kinds that name nothing about the input: a hostile input refused with one of them
/// did not hold ("a clear error kind, never a generic one").
pub(crate) const UNCLEAR_KINDS: &[&str] = &["internal", "io", "database", "crypto", "migration"];

/// What one suite saw.
pub(crate) struct Stats {
    suite: &'static str,
    started: Instant,
    cases: u64,
    held: u64,
    max_ms: u128,
    max_heap: u64,
    classes: BTreeMap<String, u64>,
    failures: Vec<String>,
}

impl Stats {
    pub(crate) fn new(suite: &'static str) -> Stats {
        Stats {
            suite,
            started: Instant::now(),
            cases: 0,
            held: 0,
            max_ms: 0,
            max_heap: 0,
            classes: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    /// Runs one case: `check` gives the outcome's class (`Ok`) or why the case did not hold
    /// (`Err`); a panic does not hold either. The time and the heap peak are checked against
    /// `max_time` and `max_heap` (bytes); an input that did not hold is written to
    /// `target/fuzz-failures/<suite>/<case>.bin` for `tests/fuzz-regressions/`.
    pub(crate) fn case(
        &mut self,
        n: u64,
        input: &[u8],
        max_time: Duration,
        max_heap: u64,
        check: impl FnOnce() -> std::result::Result<String, String>,
    ) {
        let start = Instant::now();
        let (out, heap) = super::freed::heap_peak(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(check))
        });
        let took = start.elapsed();
        self.cases += 1;
        self.max_ms = self.max_ms.max(took.as_millis());
        self.max_heap = self.max_heap.max(heap);
        let verdict = match out {
            Ok(Ok(class)) if took > max_time => Err(format!("{class}, but took {took:?}")),
            Ok(Ok(class)) if heap > max_heap => {
                Err(format!("{class}, but held {} KiB of heap", heap >> 10))
            }
            Ok(Ok(class)) => Ok(class),
            Ok(Err(why)) => Err(why),
            Err(panic) => Err(format!(
                "PANIC: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        match verdict {
            Ok(class) => {
                self.held += 1;
                *self.classes.entry(class).or_default() += 1;
            }
            Err(why) => {
                *self.classes.entry("NOT-HELD".into()).or_default() += 1;
                let dir = failures_dir().join(self.suite);
                let file = dir.join(format!("case-{n}.bin"));
                let _ = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&file, input));
                self.failures
                    .push(format!("case {n} ({}): {why}", file.display()));
            }
        }
    }

    /// Prints the summary line (appended to `$SAKSI_HARDEN_REPORT` if set) and fails the test
    /// if any case did not hold, naming each.
    pub(crate) fn report(self) {
        let size = if std::env::var("SAKSI_HARDEN").is_ok_and(|v| v == "full") {
            "full"
        } else {
            "ci"
        };
        let classes: Vec<String> = self
            .classes
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect();
        let line = format!(
            "HARDEN suite={} size={size} cases={} held={} max_ms={} max_rss_kib={} max_heap_kib={} total_s={} classes={}\n",
            self.suite,
            self.cases,
            self.held,
            self.max_ms,
            peak_rss_kib(),
            self.max_heap >> 10,
            self.started.elapsed().as_secs(),
            classes.join(","),
        );
        print!("{line}");
        if let Ok(path) = std::env::var("SAKSI_HARDEN_REPORT") {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
            {
                let _ = f.write_all(line.as_bytes());
            }
        }
        assert!(
            self.failures.is_empty(),
            "{}: every hostile input must be refused cleanly, in bounded time and memory; not held:\n{}",
            self.suite,
            self.failures.join("\n")
        );
    }
}

/// The test process's peak RSS so far (all suites in it, SQLite's memory included): an upper
/// bound for any one case.
fn peak_rss_kib() -> i64 {
    // SAFETY: getrusage writes only into the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return -1;
    }
    u.ru_maxrss
}

fn repo() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn failures_dir() -> PathBuf {
    repo().join("target/fuzz-failures")
}

/// A file of the repository's test data (`tests/data/…`).
pub(crate) fn test_data(rel: &str) -> Vec<u8> {
    let p = repo().join("tests/data").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The kept inputs of `target` (`tests/fuzz-regressions/<target>/*`), by name.
pub(crate) fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo().join("tests/fuzz-regressions").join(target);
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                continue;
            }
            if let Ok(bytes) = std::fs::read(e.path()) {
                out.push((name, bytes));
            }
        }
    }
    out.sort();
    out
}
