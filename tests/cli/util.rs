//! The test kit of every suite that drives the real `saksi` binary (tests/cli, tests/bundle,
//! tests/evidence, tests/hardening include this file): a temporary vault, `saksi` run with a
//! test-local environment (one passphrase, fast key derivation, home and temp folders inside the
//! test folder), JSON parsing of its output, one folder hasher, byte-scanning of a folder, and
//! output normalisation for snapshots. Unit tests inside the core use its `testutil` module.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The passphrase every test vault is created with.
pub const PASS: &str = "correct horse battery";

/// The `saksi` binary under test.
pub fn saksi_bin() -> &'static str {
    env!("CARGO_BIN_EXE_saksi")
}

/// A private temporary folder with a vault path inside it (the vault itself exists only after
/// `init`). Everything `saksi` writes, including its temporary files (`TMPDIR`) and its home
/// folder, stays under this folder, which is removed when the value is dropped.
pub struct TestVault {
    root: tempfile::TempDir,
    pub vault: PathBuf,
    pub pass: String,
}

/// What a `saksi` run produced.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Asserts a clean failure: exit code 1, nothing on stdout, and exactly one line on stderr of
    /// the form `saksi: error: ...` that contains `needle`. Returns the message.
    #[track_caller]
    pub fn expect_error(&self, needle: &str) -> String {
        assert_eq!(
            self.code,
            Some(1),
            "a failing command must exit with status 1; got {self:?}"
        );
        assert!(
            self.stdout.is_empty(),
            "a failing command must print nothing on stdout; got {self:?}"
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "an error must be exactly one line on stderr; got {:?}",
            self.stderr
        );
        let msg = lines[0]
            .strip_prefix("saksi: error: ")
            .unwrap_or_else(|| panic!("an error must start with `saksi: error: `: {:?}", lines[0]));
        assert!(
            msg.contains(needle),
            "the error message must say {needle:?}; got {msg:?}"
        );
        msg.to_string()
    }
}

impl TestVault {
    /// A temporary folder with no vault yet.
    pub fn empty() -> TestVault {
        let root = tempfile::Builder::new()
            .prefix("saksi-cli-test-")
            .tempdir()
            .expect("create a temporary folder");
        for d in ["home", "tmp"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        let vault = root.path().join("vault");
        TestVault {
            root,
            vault,
            pass: PASS.to_string(),
        }
    }

    /// A temporary folder holding a fresh vault created with [`PASS`].
    pub fn new() -> TestVault {
        let v = TestVault::empty();
        v.ok(&["init", "--device-name", "test-device"]);
        v
    }

    /// The file name of the vault's own database: every vault holds `vault.db` and `vault2.db`,
    /// and which is its own is found with its key (docs/vault-format.md, "Two databases"). Asked
    /// of the core with a read-only open, which changes no byte.
    pub fn db_name(&self) -> String {
        let pass = secrecy::SecretString::from(self.pass.clone());
        let v = saksi_core::vault::Vault::open_read_only(&self.vault, &pass)
            .expect("the test vault opens read-only");
        let f = v.database_file();
        f.file_name().unwrap().to_string_lossy().into_owned()
    }

    /// The path of the vault's own database (see [`TestVault::db_name`]).
    pub fn db(&self) -> PathBuf {
        self.vault.join(self.db_name())
    }

    /// The folder that holds the vault folder (and nothing else `saksi` should write to, except
    /// `home/` and `tmp/`).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The `TMPDIR` given to every `saksi` run.
    pub fn tmp(&self) -> PathBuf {
        self.root.path().join("tmp")
    }

    /// A `saksi` command with a clean, test-local environment: this vault, this passphrase,
    /// fast key derivation, and a home and temporary folder inside the test folder.
    pub fn cmd(&self, args: &[&str]) -> Command {
        cmd_in(self.root.path(), &self.vault, &self.pass, args)
    }

    /// Runs `saksi ARGS` with empty standard input.
    pub fn run(&self, args: &[&str]) -> Out {
        run_cmd(self.cmd(args), None)
    }

    /// Runs `saksi ARGS` with `stdin` as standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Out {
        run_cmd(self.cmd(args), Some(stdin))
    }

    /// Runs `saksi ARGS`, which must succeed; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.success(),
            "`saksi {}` must succeed; got {o:?}",
            args.join(" ")
        );
        o.stdout
    }

    /// Runs `saksi ARGS` with `stdin`, which must succeed; returns stdout.
    #[track_caller]
    pub fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        let o = self.run_stdin(args, stdin);
        assert!(
            o.success(),
            "`saksi {}` must succeed; got {o:?}",
            args.join(" ")
        );
        o.stdout
    }

    /// Runs a command that prints JSON (e.g. `incident list --json`) and parses it.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`saksi {}` must print JSON ({e}): {out}", args.join(" ")))
    }

    /// `saksi WHAT add` with `record` on standard input; returns the printed id.
    #[track_caller]
    pub fn add(&self, what: &str, record: &Value) -> String {
        let out = self.ok_stdin(&[what, "add"], &record.to_string());
        let id = out.trim().to_string();
        assert!(
            is_uuid(&id),
            "`saksi {what} add` must print only the new id; got {out:?}"
        );
        id
    }
}

/// `saksi ARGS` on the vault at `vault` with [`PASS`], in the test-local environment of the
/// folder that holds it (`home/` and `tmp/` beside the vault): for suites with several vaults.
fn cmd_in(root: &Path, vault: &Path, pass: &str, args: &[&str]) -> Command {
    for d in ["home", "tmp"] {
        std::fs::create_dir_all(root.join(d)).expect("create the test-local folders");
    }
    let mut c = Command::new(saksi_bin());
    c.args(args)
        .env_remove("SAKSI_NEW_PASSPHRASE")
        .env("SAKSI_VAULT", vault)
        .env("SAKSI_PASSPHRASE", pass)
        .env("SAKSI_KDF", "minimum")
        .env("HOME", root.join("home"))
        .env("XDG_DATA_HOME", root.join("home/.local/share"))
        .env("TMPDIR", root.join("tmp"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The command [`saksi_at`] runs, for a test that spawns and waits for it itself.
pub fn cmd_at(vault: &Path, args: &[&str]) -> Command {
    let root = vault
        .parent()
        .expect("a test vault lives inside a test folder");
    cmd_in(root, vault, PASS, args)
}

/// Runs `saksi ARGS` on the vault at `vault` (see [`cmd_in`]); the raw process output.
pub fn saksi_at(vault: &Path, args: &[&str]) -> Output {
    cmd_at(vault, args).output().expect("run saksi")
}

/// Runs `saksi ARGS` on the vault at `vault`, which must succeed; returns stdout.
#[track_caller]
pub fn ok_at(vault: &Path, args: &[&str]) -> String {
    let o = run_cmd(cmd_at(vault, args), None);
    assert!(
        o.success(),
        "`saksi {}` must succeed; got {o:?}",
        args.join(" ")
    );
    o.stdout
}

/// Runs `saksi ARGS` on the vault at `vault` with `input` on stdin, which must succeed; returns
/// stdout without surrounding white space.
#[track_caller]
pub fn ok_stdin_at(vault: &Path, args: &[&str], input: &str) -> String {
    let o = run_cmd(cmd_at(vault, args), Some(input));
    assert!(
        o.success(),
        "`saksi {}` must succeed; got {o:?}",
        args.join(" ")
    );
    o.stdout.trim().to_string()
}

pub fn run_cmd(mut c: Command, stdin: Option<&str>) -> Out {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("start saksi");
    if let Some(s) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // saksi may refuse before reading its input; a closed pipe is then fine.
        let _ = pipe.write_all(s.as_bytes());
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for saksi");
    Out {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout must be UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr must be UTF-8"),
    }
}

/// Every regular file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            let ft = std::fs::symlink_metadata(&p).unwrap().file_type();
            if ft.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every entry (files and folders) under `dir` mapped to the SHA-256 of its content (folders:
/// "dir"), keyed by the path relative to `dir`.
pub fn tree_hash(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if p.is_dir() {
                out.insert(rel, "dir".to_string());
                stack.push(p);
            } else {
                out.insert(rel, sha256_file(&p));
            }
        }
    }
    out
}

pub fn sha256_file(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

/// Whether `needle` occurs in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

pub fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The files under `dir` containing `needle` in UTF-8 or UTF-16LE, as (file, encoding).
pub fn find_text(dir: &Path, needle: &str) -> Vec<(PathBuf, &'static str)> {
    let mut hits = Vec::new();
    for f in files_under(dir) {
        let bytes = std::fs::read(&f).unwrap();
        if contains_bytes(&bytes, needle.as_bytes()) {
            hits.push((f.clone(), "UTF-8"));
        }
        if contains_bytes(&bytes, &utf16le(needle)) {
            hits.push((f, "UTF-16LE"));
        }
    }
    hits
}

pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Makes output deterministic for snapshots: each distinct record id becomes `[ID1]`, `[ID2]`…
/// in order of first appearance, the device id `[DEVICE]`, RFC 3339 timestamps `[TIME]`, hex
/// strings of 64+ digits `[HEX]`, the key fingerprint `[FINGERPRINT]` and the vault path
/// `[VAULT]`.
pub fn normalise(s: &str, vault: &Path) -> String {
    let s = s.replace(&vault.display().to_string(), "[VAULT]");
    let mut ids: Vec<String> = Vec::new();
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let is_hex = |c: char| c.is_ascii_hexdigit() && !c.is_ascii_uppercase();
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if boundary {
            let take = |n: usize| -> Option<String> {
                (i + n <= chars.len()).then(|| chars[i..i + n].iter().collect())
            };
            // UUID
            if let Some(c) = take(36).filter(|c| is_uuid(c)) {
                let n = match ids.iter().position(|x| *x == c) {
                    Some(p) => p + 1,
                    None => {
                        ids.push(c);
                        ids.len()
                    }
                };
                out.push_str(&format!("[ID{n}]"));
                i += 36;
                continue;
            }
            // RFC 3339 timestamp as stored: 2024-01-02T03:04:05.678Z
            if let Some(c) = take(24).filter(|c| {
                let b = c.as_bytes();
                b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z'
            }) {
                let _ = c;
                out.push_str("[TIME]");
                i += 24;
                continue;
            }
            // The key fingerprint: six groups of five digits.
            if let Some(c) = take(35).filter(|c| {
                c.char_indices().all(|(k, ch)| {
                    if k % 6 == 5 {
                        ch == ' '
                    } else {
                        ch.is_ascii_digit()
                    }
                })
            }) {
                let _ = c;
                out.push_str("[FINGERPRINT]");
                i += 35;
                continue;
            }
            // Long hex (hashes, keys, signatures) and the 32-hex device id.
            let run = chars[i..].iter().take_while(|c| is_hex(**c)).count();
            let ends = i + run == chars.len() || !chars[i + run].is_ascii_alphanumeric();
            if ends && run >= 64 {
                out.push_str("[HEX]");
                i += run;
                continue;
            }
            if ends && run == 32 {
                out.push_str("[DEVICE]");
                i += run;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A small deterministic PRNG (SplitMix64), so random choices are reproducible from a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5EED_5A45_1000_0000)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
