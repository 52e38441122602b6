//! Issue 15, item 8 (threat model invariant 7): no network. A whole CLI session (init, keygen and
//! trust between a monitor and HQ, incident add, attach, search, export, import, verify, extract)
//! runs twice:
//! - under `strace -f -e trace=connect,socket`: the trace must show no socket other than
//!   `AF_UNIX` and no `connect` to anything but a Unix socket;
//! - under `unshare -n` (a network namespace without interfaces, needs root): every command
//!   still succeeds, so nothing in the session depends on a network.
//!
//! Each part is skipped loudly (a `HARDEN ... classes=skipped-...` line) when its tool or the
//! privilege is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::harness::Stats;
use crate::util::{saksi_bin, TestVault};

/// `saksi ARGS` on `vault`, with TestVault's environment, run through `wrapper` (e.g. strace).
fn wrapped(
    v: &TestVault,
    vault: &Path,
    wrapper: &[String],
    args: &[&str],
    stdin: Option<&str>,
) -> crate::util::Out {
    let base = v.cmd(args);
    let mut c = Command::new(&wrapper[0]);
    c.args(&wrapper[1..]).arg(saksi_bin()).args(args);
    for (k, val) in base.get_envs() {
        match val {
            Some(val) => c.env(k, val),
            None => c.env_remove(k),
        };
    }
    c.env("SAKSI_VAULT", vault)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    crate::util::run_cmd(c, stdin)
}

/// The session, each command through `wrapper` (which may add per-command arguments via
/// `per_cmd`, e.g. strace's output file). Returns the number of commands run.
fn session(v: &TestVault, wrapper: &dyn Fn(usize) -> Vec<String>) -> usize {
    let mon = v.vault.clone();
    let hq = v.root().join("hq");
    let card = v.root().join("mon.card");
    let bundle = v.root().join("b.saksi");
    let photo = v.root().join("photo.bin");
    let extracted = v.root().join("extracted.bin");
    std::fs::write(&photo, b"network test evidence").expect("write the evidence file");
    let incident = json!({"title": "offline incident", "people": {"a": {"name": "offline person"}},
                          "involvements": [{"person": "a", "role": "victim"}]})
    .to_string();
    let mut n = 0;
    let mut run = |vault: &Path, args: &[&str], stdin: Option<&str>| -> String {
        let out = wrapped(v, vault, &wrapper(n), args, stdin);
        n += 1;
        assert!(
            out.success(),
            "`saksi {}` must work without any network: {out:?}",
            args.join(" ")
        );
        out.stdout
    };
    run(&mon, &["init", "--device-name", "monitor"], None);
    run(&hq, &["init", "--device-name", "HQ"], None);
    run(&hq, &["keygen"], None);
    let recipient: serde_json::Value =
        serde_json::from_str(&run(&hq, &["hq-key", "--json"], None)).expect("hq-key JSON");
    let recipient = recipient["recipient"]
        .as_str()
        .expect("recipient")
        .to_string();
    run(&mon, &["recipient", "add", "hq", &recipient], None);
    run(
        &mon,
        &["device", "card", "--out", card.to_str().unwrap()],
        None,
    );
    run(&hq, &["trust", "add", card.to_str().unwrap()], None);
    let id = run(&mon, &["incident", "add"], Some(&incident))
        .trim()
        .to_string();
    let attached = run(&mon, &["attach", &id, photo.to_str().unwrap()], None);
    let attachment = attached
        .split_whitespace()
        .next()
        .expect("attachment id")
        .to_string();
    run(&mon, &["search", "offline"], None);
    run(
        &mon,
        &["export", "--to", "hq", "--out", bundle.to_str().unwrap()],
        None,
    );
    run(&hq, &["import", bundle.to_str().unwrap()], None);
    run(&hq, &["verify"], None);
    run(
        &mon,
        &[
            "evidence",
            "extract",
            &attachment,
            "--out",
            extracted.to_str().unwrap(),
        ],
        None,
    );
    run(&hq, &["incident", "show", &id, "--json"], None);
    n
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The offending lines of an strace log of `connect` and `socket`.
fn non_local(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| {
            (l.contains("socket(") && !l.contains("socket(AF_UNIX"))
                || (l.contains("connect(") && !l.contains("sa_family=AF_UNIX"))
        })
        .filter(|l| !l.contains("resumed>") || l.contains("socket(") || l.contains("connect("))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_whole_session_opens_only_local_sockets_under_strace() {
    let mut stats = Stats::new("no-network-strace");
    if !have("strace") {
        eprintln!("no-network: SKIPPED: strace is not installed (apt-get install strace)");
        stats.case("skipped-no-strace", true);
        stats.report();
        return;
    }
    let v = TestVault::empty();
    let dir: PathBuf = v.root().join("traces");
    std::fs::create_dir(&dir).expect("traces folder");
    let d = dir.clone();
    let wrapper = move |i: usize| -> Vec<String> {
        ["strace", "-f", "-qq", "-e", "trace=connect,socket", "-o"]
            .iter()
            .map(|s| s.to_string())
            .chain([d.join(format!("{i}.trace")).display().to_string()])
            .collect()
    };
    let n = session(&v, &wrapper);
    let mut offending = Vec::new();
    let mut socket_calls = 0;
    for i in 0..n {
        let trace =
            std::fs::read_to_string(dir.join(format!("{i}.trace"))).expect("a trace per command");
        socket_calls += trace
            .lines()
            .filter(|l| l.contains("socket(") || l.contains("connect("))
            .count();
        let bad = non_local(&trace);
        stats.case(
            if bad.is_empty() {
                "local-only"
            } else {
                "NETWORK-SOCKET"
            },
            bad.is_empty(),
        );
        offending.extend(bad);
    }
    eprintln!("no-network: {n} traced commands, {socket_calls} socket/connect calls, all checked");
    stats.report();
    assert!(
        offending.is_empty(),
        "saksi must open no network socket, ever (invariant 7); the trace shows:\n{}",
        offending.join("\n")
    );
}

#[test]
fn a_whole_session_works_inside_a_network_namespace_without_interfaces() {
    let mut stats = Stats::new("no-network-unshare");
    let root = unsafe { libc::geteuid() } == 0;
    let works = root
        && Command::new("unshare")
            .args(["-n", "true"])
            .status()
            .is_ok_and(|s| s.success());
    if !works {
        eprintln!("no-network: SKIPPED: `unshare -n` needs root and a kernel that allows it here");
        stats.case("skipped-no-unshare", true);
        stats.report();
        return;
    }
    let v = TestVault::empty();
    let n = session(&v, &|_| vec!["unshare".to_string(), "-n".to_string()]);
    for _ in 0..n {
        stats.case("ran-offline", true);
    }
    stats.report();
}

#[test]
fn the_socket_filter_flags_a_network_socket() {
    let trace = "123 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 3\n\
                 123 connect(3, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 110) = -1 ENOENT\n\
                 124 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 4\n\
                 124 connect(4, {sa_family=AF_INET, sin_port=htons(53)}, 16) = 0\n";
    assert_eq!(
        non_local(trace).len(),
        2,
        "an AF_INET socket and connect must be flagged"
    );
}
