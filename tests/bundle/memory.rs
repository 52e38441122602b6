//! Export and import stream attachment bytes in 64 KiB pieces: their peak memory (the process's
//! `ru_maxrss`, from `wait4`) must not grow with the bundle's size (issue 14). Sizes are small so
//! that CI stays quick; `scripts/bench.sh --io` checks 128 MiB against 2 GiB the same way.

use super::*;
use std::process::Stdio;

/// How much more the larger bundle's peak may be, in KiB: allocator and page-cache noise, far
/// below the 56 MiB between the two sizes.
const TOLERANCE_KIB: i64 = 8 * 1024;

/// Runs `saksi ARGS` on `vault`, which must succeed; gives its peak resident set in KiB.
// The child is reaped by `wait4` (which also gives its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn peak_kib(vault: &Path, args: &[&str]) -> i64 {
    let mut c = util::cmd_at(vault, args);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let child = c.spawn().expect("run saksi");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `ru` is a plain C struct that wait4 fills; `pid` is our own child, reaped once here
    // (the `Child` is never waited for again).
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4 must reap `saksi {}`", args.join(" "));
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "`saksi {}` must succeed",
        args.join(" ")
    );
    ru.ru_maxrss
}

/// `mib` MiB of incompressible, seeded bytes.
fn video(path: &Path, mib: usize, seed: u64) {
    let mut rng = util::Rng::new(seed);
    let mut bytes = Vec::with_capacity(mib << 20);
    while bytes.len() < mib << 20 {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    fs::write(path, bytes).unwrap();
}

#[test]
fn memory_peak_of_export_and_import_is_the_same_at_8_and_64_mib() {
    let w = world();
    ok(&w.hq, &["import", w.bundle.to_str().unwrap()]);
    let mut peaks = Vec::new();
    for (i, mib) in [8usize, 64].into_iter().enumerate() {
        let inc = ok_stdin(
            &w.mon,
            &["incident", "add"],
            &format!(r#"{{"title": "video {i}"}}"#),
        );
        let file = w.root.join(format!("video-{mib}.bin"));
        video(&file, mib, i as u64);
        ok(&w.mon, &["attach", &inc, file.to_str().unwrap()]);
        fs::remove_file(&file).unwrap();
        let b = w.root.join(format!("video-{mib}.saksi"));
        let b = b.to_str().unwrap();
        let export = peak_kib(
            &w.mon,
            &["export", "--to", "hq", "--since-last", "--out", b],
        );
        let import = peak_kib(&w.hq, &["import", b]);
        let sha = json(&ok(&w.hq, &["evidence", "list", "--json"]));
        assert!(
            sha.as_array().is_some_and(|a| a.len() == i + 2),
            "HQ must hold the photo and {} video(s): {sha}",
            i + 1
        );
        peaks.push((mib, export, import));
    }
    let (small, large) = (peaks[0], peaks[1]);
    for (what, a, b) in [("export", small.1, large.1), ("import", small.2, large.2)] {
        assert!(
            b - a <= TOLERANCE_KIB,
            "{what}'s peak memory must not grow with the bundle: {a} KiB at {} MiB, {b} KiB at {} MiB",
            small.0,
            large.0
        );
    }
}
