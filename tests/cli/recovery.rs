//! The recovery key from the command line: printed once at `init --recovery-key` or by
//! `recovery add`, refused twice without `--replace`, `unlock-recovery` sets a new passphrase,
//! a typo is caught before anything else, `recovery remove` ends it.

use serde_json::json;

use crate::util::{run_cmd, tree_hash, TestVault};

/// The key printed by `saksi` (the indented line of 8 dash-separated groups).
fn printed_key(stdout: &str) -> String {
    stdout
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 47 && l.split('-').count() == 8)
        .unwrap_or_else(|| panic!("no recovery key in the output: {stdout:?}"))
        .to_string()
}

fn unlock_recovery(v: &TestVault, key: &str, new: &str) -> crate::util::Out {
    let mut c = v.cmd(&["unlock-recovery"]);
    c.env("SAKSI_RECOVERY_KEY", key)
        .env("SAKSI_NEW_PASSPHRASE", new)
        .env_remove("SAKSI_PASSPHRASE");
    run_cmd(c, None)
}

#[test]
fn a_recovery_key_made_at_init_opens_the_vault_and_forces_a_new_passphrase() {
    let v = TestVault::empty();
    let out = v.ok(&["init", "--device-name", "t", "--recovery-key"]);
    assert!(out.contains("shown only this once"), "{out}");
    let key = printed_key(&out);
    let id = v.add(
        "incident",
        &json!({"title": "Kept through a lost passphrase"}),
    );

    let new = "a passphrase chosen after the loss";
    let out = unlock_recovery(&v, &key.to_lowercase().replace('-', " "), new);
    assert!(
        out.success(),
        "the recovery key must open the vault: {out:?}"
    );
    assert!(out.stdout.contains("passphrase reset"), "{out:?}");

    v.run(&["incident", "show", &id])
        .expect_error("wrong passphrase");
    let mut c = v.cmd(&["incident", "show", &id, "--json"]);
    c.env("SAKSI_PASSPHRASE", new);
    let shown = run_cmd(c, None);
    assert!(
        shown.success() && shown.stdout.contains("Kept through"),
        "the new passphrase opens the same records: {shown:?}"
    );
    let mut c = v.cmd(&["log", "--json"]);
    c.env("SAKSI_PASSPHRASE", new);
    let log = run_cmd(c, None).stdout;
    assert!(
        log.contains("\"recovery_key_added\"") && log.contains("\"passphrase_reset\""),
        "both are custody-logged: {log}"
    );
}

#[test]
fn a_mistyped_recovery_key_is_refused_before_anything_is_asked_or_changed() {
    let v = TestVault::new();
    let key = printed_key(&v.ok(&["recovery", "add"]));
    let before = tree_hash(&v.vault);
    let mut typo = key.clone().into_bytes();
    typo[0] = if typo[0] == b'7' { b'8' } else { b'7' };
    let out = unlock_recovery(
        &v,
        std::str::from_utf8(&typo).unwrap(),
        "a passphrase chosen after the loss",
    );
    out.expect_error("typo");
    let other = "00000-00000-00000-00000-00000-00000-00000-00000";
    let out = unlock_recovery(&v, other, "a passphrase chosen after the loss");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        tree_hash(&v.vault),
        before,
        "a refused recovery key must change no byte"
    );
}

#[test]
fn a_second_recovery_key_needs_replace_and_a_removed_one_opens_nothing() {
    let v = TestVault::new();
    let first = printed_key(&v.ok(&["recovery", "add"]));
    v.run(&["recovery", "add"])
        .expect_error("already has a recovery key");
    let second = v.json(&["recovery", "add", "--replace", "--json"])["recovery_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    unlock_recovery(&v, &first, "a passphrase chosen after the loss")
        .expect_error("does not open this vault");
    assert_eq!(
        v.ok(&["recovery", "remove"]).trim(),
        "recovery key removed: it no longer opens the vault"
    );
    unlock_recovery(&v, &second, "a passphrase chosen after the loss")
        .expect_error("does not open this vault");
    v.ok(&["verify"]);
}

fn with_backup_secret(v: &TestVault, args: &[&str], secret: &str) -> crate::util::Out {
    let mut c = v.cmd(args);
    c.env("SAKSI_BACKUP_PASSPHRASE", secret);
    run_cmd(c, None)
}

#[test]
fn backup_wipe_restore_gives_the_same_records_custody_and_a_vault_that_verifies() {
    let v = TestVault::new();
    let canary = "CANARY-cli-backup-41c9";
    let id = v.add("incident", &json!({"title": canary}));
    let photo = v.root().join("note.txt");
    std::fs::write(&photo, canary).unwrap();
    v.ok(&["attach", &id, photo.to_str().unwrap()]);
    let records = v.ok(&["incident", "list", "--json"]);
    let evidence = v.ok(&["evidence", "list", "--json"]);

    let out = v.root().join("vault-backup.age");
    let b = with_backup_secret(
        &v,
        &["backup", "--out", out.to_str().unwrap()],
        "a backup passphrase",
    );
    assert!(
        b.success() && b.stdout.contains("every hash checked"),
        "{b:?}"
    );
    let log = v.ok(&["log", "--json"]);
    assert!(
        log.contains("\"backup_made\""),
        "the backup is custody-logged"
    );
    let bytes = std::fs::read(&out).unwrap();
    assert!(
        !crate::util::contains_bytes(&bytes, canary.as_bytes()),
        "a record's text must never appear in plaintext in the backup"
    );

    v.ok(&["wipe", "--yes"]);
    let r = with_backup_secret(
        &v,
        &[
            "restore",
            out.to_str().unwrap(),
            "--to",
            v.vault.to_str().unwrap(),
        ],
        "a backup passphrase",
    );
    assert!(r.success() && r.stdout.contains("restored vault"), "{r:?}");
    assert_eq!(
        v.ok(&["incident", "list", "--json"]),
        records,
        "the records are identical"
    );
    assert_eq!(
        v.ok(&["evidence", "list", "--json"]),
        evidence,
        "attachment hashes are identical"
    );
    assert_eq!(
        v.ok(&["log", "--json"]),
        log,
        "the custody log is identical"
    );
    v.ok(&["verify"]);

    let again = with_backup_secret(
        &v,
        &[
            "restore",
            out.to_str().unwrap(),
            "--to",
            v.vault.to_str().unwrap(),
        ],
        "a backup passphrase",
    );
    again.expect_error("a vault already exists");
}

#[test]
fn a_truncated_or_altered_backup_is_refused_by_restore_and_nothing_is_restored() {
    let v = TestVault::new();
    v.add("incident", &json!({"title": "to be backed up"}));
    let out = v.root().join("b.age");
    assert!(with_backup_secret(
        &v,
        &["backup", "--out", out.to_str().unwrap()],
        "a backup passphrase"
    )
    .success());
    let whole = std::fs::read(&out).unwrap();
    let to = v.root().join("restored");
    let damaged = v.root().join("damaged.age");
    let mut altered = whole.clone();
    let mid = whole.len() * 2 / 3;
    altered[mid] ^= 1;
    for bytes in [&whole[..whole.len() - 10], &altered[..]] {
        std::fs::write(&damaged, bytes).unwrap();
        let r = with_backup_secret(
            &v,
            &[
                "restore",
                damaged.to_str().unwrap(),
                "--to",
                to.to_str().unwrap(),
            ],
            "a backup passphrase",
        );
        let msg = r.expect_error("damaged");
        assert!(
            msg.contains("checked intact") && msg.contains("nothing was restored"),
            "{msg}"
        );
        assert!(
            !to.exists(),
            "nothing may be restored from a damaged backup"
        );
    }
    let names: Vec<String> = std::fs::read_dir(v.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".saksi-")),
        "no staging folder is left: {names:?}"
    );
    with_backup_secret(
        &v,
        &[
            "restore",
            out.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
        ],
        "wrong backup passphrase",
    )
    .expect_error("does not open this backup");
}

/// What an examiner holding the folder sees: file names and sizes, and the key file's bytes.
fn examiner_view(v: &TestVault) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = crate::util::files_under(&v.vault)
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).unwrap().len();
            let rel = p.strip_prefix(&v.vault).unwrap().display().to_string();
            // Database sizes are compared in 64 KiB classes; names and the key file exactly.
            (
                rel.clone(),
                if rel.ends_with(".db") {
                    len / 65536
                } else {
                    len
                },
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn an_examiner_cannot_tell_a_vault_with_a_recovery_key_from_one_without() {
    let plain = TestVault::new();
    let with = TestVault::new();
    with.ok(&["recovery", "add"]);
    plain.add("incident", &json!({"title": "x"}));
    with.add("incident", &json!({"title": "x"}));
    assert_eq!(
        examiner_view(&plain),
        examiner_view(&with),
        "file names, key file size and database size class must be the same with and without a recovery key"
    );
    for v in [&plain, &with] {
        let key = std::fs::read(v.vault.join("vault.key")).unwrap();
        let slots = &key[54..];
        let ones: u32 = slots.iter().map(|b| b.count_ones()).sum();
        let bits = (slots.len() * 8) as f64;
        assert!(
            (f64::from(ones) - bits / 2.0).abs() < 4.0 * bits.sqrt() / 2.0,
            "the key file's slots must look like random bytes ({ones} ones of {bits})"
        );
    }
}
