//! Issue 15, item 6: I/O faults. One write command at a time (`saksi incident add` with people and
//! acts, `saksi attach` of a 300 KB file) runs under strace with a failure injected at the N-th
//! call of one syscall: `pwrite64` (SQLite's pages and WAL), `write` (blobs, the key file,
//! stdout), `fsync`/`fdatasync`, `rename`/`renameat2`, `ftruncate` and `unlink`, with `EIO`, and
//! with `ENOSPC` (a full disk) on the writes. N walks every call site the clean run makes (full)
//! or the middle one (CI). After each case:
//! - the command either acknowledged (printed its id) or failed with a clean one-line error, no
//!   panic;
//! - the vault still opens and `saksi verify` passes;
//! - nothing acknowledged is lost: the record stored before is there, an acknowledged new record
//!   is there, and every blob in `attachments/` belongs to an attachment.
//!
//! Skipped loudly if strace is missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::harness::{cases, copy_tree, full, run_measured, Stats};
use crate::util::{files_under, is_uuid, saksi_bin, TestVault};

const SYSCALLS: [&str; 8] = [
    "pwrite64",
    "write",
    "fsync",
    "fdatasync",
    "rename",
    "renameat2",
    "ftruncate",
    "unlink",
];

/// `saksi ARGS` on `vault` under `strace -f` with `strace_args`.
fn traced(
    v: &TestVault,
    vault: &Path,
    strace_args: &[String],
    args: &[&str],
    stdin: Option<&str>,
) -> crate::harness::Run {
    let base = v.cmd(args);
    let mut c = Command::new("strace");
    c.args(["-f", "-qq"])
        .args(strace_args)
        .arg(saksi_bin())
        .args(args);
    for (k, val) in base.get_envs() {
        match val {
            Some(val) => c.env(k, val),
            None => c.env_remove(k),
        };
    }
    c.env("SAKSI_VAULT", vault);
    run_measured(c, stdin.map(str::as_bytes), Duration::from_secs(120))
}

#[test]
fn injected_io_errors_give_a_clear_error_and_lose_nothing_acknowledged() {
    let mut stats = Stats::new("io-faults");
    if !Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("io-faults: SKIPPED: strace is not installed (apt-get install strace)");
        stats.case("skipped-no-strace", true);
        stats.report();
        return;
    }
    let v = TestVault::new();
    let kept = v.add("incident", &json!({"title": "stored before the faults"}));
    let evidence = v.root().join("evidence.bin");
    std::fs::write(
        &evidence,
        (0..300_000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("write the evidence file");
    let add_input =
        json!({"title": "written under faults", "people": {"a": {"name": "fault person"}},
                           "involvements": [{"person": "a", "role": "victim"}]})
        .to_string();
    let ev = evidence.to_str().unwrap().to_string();
    let commands: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("incident-add", vec!["incident", "add"], Some(&add_input)),
        ("attach", vec!["attach", &kept, &ev], None),
    ];
    let case_dir = v.root().join("case");
    let trace = v.root().join("clean.trace");
    let per_site = cases("iofaults", 1, u64::MAX).max(1);
    let mut failures = Vec::new();
    for (name, args, stdin) in &commands {
        // How many calls of each syscall a clean run makes.
        let _ = std::fs::remove_dir_all(&case_dir);
        copy_tree(&v.vault, &case_dir);
        let r = traced(
            &v,
            &case_dir,
            &[
                "-o".into(),
                trace.display().to_string(),
                "-e".into(),
                format!("trace={}", SYSCALLS.join(",")),
            ],
            args,
            *stdin,
        );
        assert!(
            r.out.success(),
            "the clean traced run of {name} works: {:?}",
            r.out
        );
        let log = std::fs::read_to_string(&trace).unwrap_or_default();
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for sys in SYSCALLS {
            let pat = format!(" {sys}(");
            counts.insert(sys, log.lines().filter(|l| l.contains(&pat)).count() as u64);
        }
        eprintln!("io-faults: {name} makes {counts:?}");
        for (sys, count) in counts {
            // Every call site in full; in CI the middle call of each syscall (or
            // SAKSI_HARDEN_IOFAULTS spread over the calls).
            let picks: Vec<u64> = if full() || per_site >= count {
                (1..=count).collect()
            } else {
                (0..per_site)
                    .map(|k| (1 + (2 * k + 1) * count / (2 * per_site)).min(count))
                    .collect()
            };
            for n in picks {
                let errno = if (sys == "pwrite64" || sys == "write") && n % 2 == 0 {
                    "ENOSPC"
                } else {
                    "EIO"
                };
                let _ = std::fs::remove_dir_all(&case_dir);
                copy_tree(&v.vault, &case_dir);
                let r = traced(
                    &v,
                    &case_dir,
                    &[
                        "-o".into(),
                        "/dev/null".into(),
                        "-e".into(),
                        format!("trace={sys}"),
                        "-e".into(),
                        format!("inject={sys}:error={errno}:when={n}"),
                    ],
                    args,
                    *stdin,
                );
                stats.measure(&r);
                let printed = r
                    .out
                    .stdout
                    .split_whitespace()
                    .next()
                    .filter(|t| is_uuid(t))
                    .map(str::to_string);
                let clean = r.out.success() || r.clean_error();
                let after = v.cmd(&["verify"]);
                let mut after = after;
                after.env("SAKSI_VAULT", &case_dir);
                let verified = run_measured(after, None, Duration::from_secs(120));
                stats.measure(&verified);
                let read = |id: &str| {
                    let mut c = v.cmd(&["incident", "show", id, "--json"]);
                    c.env("SAKSI_VAULT", &case_dir);
                    c.output().is_ok_and(|o| o.status.success())
                };
                let kept_ok = verified.out.success() && read(&kept);
                let acked_ok = match (&printed, *name) {
                    (Some(id), "incident-add") => read(id),
                    (Some(id), _) => {
                        let mut c = v.cmd(&["evidence", "show", id]);
                        c.env("SAKSI_VAULT", &case_dir);
                        c.output().is_ok_and(|o| o.status.success())
                    }
                    (None, _) => true,
                };
                let blobs = files_under(&case_dir.join("attachments"));
                let mut el = v.cmd(&["evidence", "list", "--json"]);
                el.env("SAKSI_VAULT", &case_dir);
                let listed = el
                    .output()
                    .ok()
                    .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
                    .and_then(|j| j.as_array().map(Vec::len))
                    .unwrap_or(usize::MAX);
                let no_orphans = blobs.len() == listed;
                let held = clean && kept_ok && acked_ok && no_orphans;
                let class = match (r.out.success(), held) {
                    (true, true) => "completed",
                    (false, true) => "clean-error",
                    (_, false) if !clean => "UNCLEAR-ERROR",
                    (_, false) if !kept_ok => "VAULT-DAMAGED",
                    (_, false) if !acked_ok => "ACK-LOST",
                    _ => "ORPHAN-BLOB",
                };
                // A durability call that failed but was not reported is named by its call site,
                // so that the table shows which one (SQLite ignores a failed fsync of the
                // folder, by design; a file's must never be ignored).
                let site = if r.out.success() && matches!(sys, "fsync" | "fdatasync" | "rename") {
                    format!("{sys}#{n}")
                } else {
                    sys.to_string()
                };
                stats.case(&format!("{name}/{site}/{class}"), held);
                if !held {
                    failures.push(format!("{name} with {sys} #{n} failing {errno}: {class}: {:?} / verify {:?} / blobs {} listed {listed}",
                        r.out, verified.out, blobs.len()));
                    eprintln!("io-faults: {}", failures.last().unwrap());
                }
            }
        }
    }
    stats.report();
    assert!(
        failures.is_empty(),
        "an I/O error during a write must give a clear error, leave the vault openable and \
         verified, and lose nothing acknowledged; {} cases did not:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

/// Unmounts the small tmpfs when the test ends, even on a panic.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Free bytes on the file system holding `p`.
fn free_bytes(p: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).expect("a path without NUL");
    // SAFETY: statvfs fills the zeroed struct for a valid C string.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut s) }, 0, "statvfs");
    s.f_bavail as u64 * s.f_frsize as u64
}

/// Issue 15, item 2, the full disk: the vault on a 4 MiB tmpfs, filled up to 0 bytes to a few
/// hundred KiB of free space, then each kind of write (an incident add with people, an update, an
/// attachment of 200 KB, a passphrase change). Each must succeed or fail with a clean error; after
/// the filler is removed the vault verifies, the record stored before is intact and an
/// acknowledged write is there. Needs root (mount); skipped loudly otherwise.
#[test]
fn a_full_disk_during_each_kind_of_write_is_a_clear_error_and_loses_nothing() {
    let mut stats = Stats::new("full-disk");
    let v = TestVault::new();
    let mp = v.root().join("small");
    std::fs::create_dir(&mp).expect("mount point");
    let mounted = unsafe { libc::geteuid() } == 0
        && Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs"])
            .arg(&mp)
            .status()
            .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("full-disk: SKIPPED: mounting a small tmpfs needs root");
        stats.case("skipped-no-mount", true);
        stats.report();
        return;
    }
    let _guard = Mounted(mp.clone());
    let kept = v.add(
        "incident",
        &json!({"title": "stored before the disk filled"}),
    );
    let evidence = v.root().join("evidence.bin");
    std::fs::write(
        &evidence,
        (0..200_000u32)
            .map(|i| (i * 13 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("write the evidence file");
    let add =
        json!({"title": "written on a full disk", "people": {"a": {"name": "full disk person"}},
                     "involvements": [{"person": "a", "role": "victim"}]})
        .to_string();
    let update = json!({"title": "updated on a full disk"}).to_string();
    let ev = evidence.to_str().unwrap().to_string();
    let ops: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("incident-add", vec!["incident", "add"], Some(&add)),
        (
            "incident-update",
            vec!["incident", "update", &kept],
            Some(&update),
        ),
        ("attach", vec!["attach", &kept, &ev], None),
        ("passwd", vec!["passwd"], None),
    ];
    let leftovers: Vec<u64> = if full() {
        vec![
            0, 512, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288,
        ]
    } else {
        vec![0, 4096, 16384, 262144]
    };
    let vault = mp.join("vault");
    let filler = mp.join("filler");
    let mut failures = Vec::new();
    for leftover in &leftovers {
        for (name, args, stdin) in &ops {
            let _ = std::fs::remove_file(&filler);
            let _ = std::fs::remove_dir_all(&vault);
            copy_tree(&v.vault, &vault);
            let room = free_bytes(&mp).saturating_sub(*leftover);
            let _ = std::fs::write(&filler, vec![0u8; room as usize]);
            let mut c = v.cmd(args);
            c.env("SAKSI_VAULT", &vault)
                .env("SAKSI_NEW_PASSPHRASE", "a new long passphrase");
            let r = run_measured(c, stdin.map(str::as_bytes), Duration::from_secs(120));
            stats.measure(&r);
            let _ = std::fs::remove_file(&filler);
            let pass = if *name == "passwd" && r.out.success() {
                "a new long passphrase"
            } else {
                v.pass.as_str()
            };
            let check = |args: &[&str]| {
                let mut c = v.cmd(args);
                c.env("SAKSI_VAULT", &vault).env("SAKSI_PASSPHRASE", pass);
                run_measured(c, None, Duration::from_secs(120))
            };
            let verified = check(&["verify"]);
            let kept_ok = verified.out.success()
                && check(&["incident", "show", &kept, "--json"]).out.success();
            let printed = r
                .out
                .stdout
                .split_whitespace()
                .next()
                .filter(|t| is_uuid(t))
                .map(str::to_string);
            let acked_ok = match (&printed, *name) {
                (Some(id), "incident-add") => {
                    check(&["incident", "show", id, "--json"]).out.success()
                }
                (Some(id), "attach") => check(&["evidence", "show", id]).out.success(),
                _ => true,
            };
            let clean = r.out.success() || r.clean_error();
            let disk_full_msg = r.out.stderr.contains("disk is full");
            let held = clean && kept_ok && acked_ok;
            let class = match (r.out.success(), held) {
                (true, true) => "completed",
                (false, true) if disk_full_msg => "disk-full-error",
                (false, true) => "other-clean-error",
                (_, false) if !clean => "UNCLEAR-ERROR",
                (false, false)
                    if *name == "passwd" && !kept_ok && {
                        let mut c = v.cmd(&["verify"]);
                        c.env("SAKSI_VAULT", &vault)
                            .env("SAKSI_PASSPHRASE", "a new long passphrase");
                        run_measured(c, None, Duration::from_secs(120))
                            .out
                            .success()
                    } =>
                {
                    // Refused as "not saved", yet the key file now takes the new passphrase.
                    "NEW-PASSPHRASE-DESPITE-ERROR"
                }
                (_, false) if !kept_ok => "VAULT-DAMAGED",
                _ => "ACK-LOST",
            };
            stats.case(&format!("{name}/{class}"), held);
            if !held {
                failures.push(format!(
                    "{name} with {leftover} bytes free: {class}: {:?} / verify {:?}",
                    r.out, verified.out
                ));
                eprintln!("full-disk: {}", failures.last().unwrap());
            }
        }
    }
    stats.report();
    assert!(
        failures.is_empty(),
        "a full disk during a write must give a clear error and lose nothing already stored; {} \
         cases did not:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}
