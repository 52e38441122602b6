//! Issue 16: the key file's upgrade from format 1 to format 2 under SIGKILL. A format-1 vault
//! (the fixture `fixtures/v1-vault`, made by a format-1 Saksi with the suites' passphrase and
//! `SAKSI_KDF=minimum`: one incident, one attachment) is copied, and `saksi verify` on the copy
//! is killed at a random moment of its unlock (which is when the upgrade happens). Then, every
//! time:
//! - the same passphrase opens the copy (`saksi log --json` succeeds) and it verifies;
//! - after that unlock the key file is format 2 (342 bytes, version 2), no `vault.key.prev` is
//!   left, and the custody log holds exactly one `key_file_upgraded` entry;
//! - the incident and the attachment are there;
//! - the vault has gained its second database (`vault2.db`, docs/vault-format.md "Two
//!   databases"; the fixture has only `vault.db`), no half-made one is left, and the custody log
//!   holds exactly one `databases_paired` entry.
//!
//! 10 kills in CI, 200 with `SAKSI_HARDEN=full`.

use std::path::Path;
use std::time::Duration;

use crate::harness::{cases, copy_tree, run_measured, Stats};
use crate::util::{Rng, TestVault};

const TIMEOUT: Duration = Duration::from_secs(120);

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/hardening/fixtures/v1-vault")
}

fn key_version(dir: &Path) -> Option<(usize, u16)> {
    let b = std::fs::read(dir.join("vault.key")).ok()?;
    Some((b.len(), u16::from_le_bytes([*b.get(8)?, *b.get(9)?])))
}

#[test]
fn a_kill_at_any_moment_of_the_format_upgrade_leaves_a_vault_that_opens_with_the_same_passphrase() {
    let src = fixture();
    assert_eq!(
        key_version(&src),
        Some((154, 1)),
        "the fixture must be a format-1 vault"
    );
    let v = TestVault::empty();
    let n = cases("upgrade", 10, 200);
    let mut stats = Stats::new("upgrade");
    let mut rng = Rng::new(0x5eed_0016);

    // How long an unlock with the upgrade takes here: the kills are spread over it.
    let probe = v.root().join("probe");
    copy_tree(&src, &probe);
    let mut c = v.cmd(&["verify", "--json"]);
    c.env("SAKSI_VAULT", &probe);
    let r = run_measured(c, None, TIMEOUT);
    assert!(
        r.out.success(),
        "the format-1 fixture opens and verifies: {:?}",
        r.out
    );
    let span = r.elapsed.as_millis().max(1) as u64 * 12 / 10;

    let mut failures = Vec::new();
    for i in 0..n {
        let dir = v.root().join(format!("case-{i}"));
        copy_tree(&src, &dir);
        let after = Duration::from_millis(rng.below(span));
        let mut c = v.cmd(&["verify", "--json"]);
        c.env("SAKSI_VAULT", &dir);
        let killed = run_measured(c, None, after);
        stats.measure(&killed);
        let state = match key_version(&dir) {
            Some((154, 1)) => "killed-before-rename",
            Some((342, 2)) if killed.out.success() => "finished",
            Some((342, 2)) => "killed-after-rename",
            _ => "KEY-FILE-BROKEN",
        };

        let mut c = v.cmd(&["log", "--json"]);
        c.env("SAKSI_VAULT", &dir);
        let log = run_measured(c, None, TIMEOUT);
        let mut c = v.cmd(&["verify"]);
        c.env("SAKSI_VAULT", &dir);
        let verified = run_measured(c, None, TIMEOUT);
        let mut c = v.cmd(&["evidence", "list", "--json"]);
        c.env("SAKSI_VAULT", &dir);
        let evidence = run_measured(c, None, TIMEOUT);
        let upgrades = log.out.stdout.matches("\"key_file_upgraded\"").count();
        let paired = log.out.stdout.matches("\"databases_paired\"").count();
        let leftovers = std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
                    .count()
            })
            .unwrap_or(0);
        let held = log.out.success()
            && verified.out.success()
            && evidence.out.stdout.contains("\"sha256\"")
            && key_version(&dir) == Some((342, 2))
            && !dir.join("vault.key.prev").exists()
            && upgrades == 1
            && dir.join("vault2.db").is_file()
            && leftovers == 0
            && paired == 1;
        stats.case(if held { state } else { "NOT-HELD" }, held);
        if !held {
            failures.push(format!(
                "case {i} (killed after {after:?}, {state}): log {:?}, verify {:?}, {upgrades} upgrade entries, {paired} pairing entries, {leftovers} leftovers, key {:?}",
                log.out, verified.out, key_version(&dir)
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    stats.report();
    assert!(
        failures.is_empty(),
        "a kill at any moment of the upgrade must leave a vault that opens with the same passphrase, verifies, is format 2 after the next unlock and logs the upgrade once; {} of {n} did not:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
