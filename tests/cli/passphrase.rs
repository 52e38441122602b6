//! Invariant 3 (a wrong passphrase is a clear error and changes no byte of the vault) and the key
//! hierarchy (`saksi passwd` re-wraps the master key; the database is not re-encrypted).

use serde_json::json;

use crate::util::{sha256_file, tree_hash, TestVault};

#[test]
fn wrong_passphrase_is_a_clear_error_and_changes_no_byte() {
    let v = TestVault::new();
    v.add("incident", &json!({"title": "Before the wrong passphrase"}));
    let before = tree_hash(&v.vault);
    assert!(before.len() >= 2, "the vault must hold files to compare");

    let mut wrong = v.cmd(&["incident", "list", "--json"]);
    wrong.env("SAKSI_PASSPHRASE", "not the passphrase");
    let out = crate::util::run_cmd(wrong, None);
    out.expect_error("wrong passphrase");
    // A write command with a wrong passphrase must not get further either.
    let mut wrong = v.cmd(&["incident", "add"]);
    wrong.env("SAKSI_PASSPHRASE", "Correct Horse Battery");
    crate::util::run_cmd(wrong, Some(r#"{"title": "x"}"#)).expect_error("wrong passphrase");
    let mut wrong = v.cmd(&["passwd"]);
    wrong
        .env("SAKSI_PASSPHRASE", "")
        .env("SAKSI_NEW_PASSPHRASE", "a new long passphrase");
    crate::util::run_cmd(wrong, None).expect_error("wrong passphrase");

    assert_eq!(
        tree_hash(&v.vault),
        before,
        "a wrong passphrase must not change, add or remove any file of the vault"
    );
    let list = v.json(&["incident", "list", "--json"]);
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "the right passphrase must still open the vault after wrong attempts"
    );
}

#[test]
fn passwd_rewraps_the_master_key_and_keeps_the_data() {
    let v = TestVault::new();
    let id = v.add(
        "incident",
        &json!({"title": "Kept across passphrase change"}),
    );
    let key_before = sha256_file(&v.vault.join("vault.key"));
    let db_copy = v.root().join("vault.db.before-passwd");
    let db = v.db();
    std::fs::copy(&db, &db_copy).unwrap();

    let new = "a completely new passphrase";
    let mut c = v.cmd(&["passwd"]);
    c.env("SAKSI_NEW_PASSPHRASE", new);
    let out = crate::util::run_cmd(c, None);
    assert!(out.success(), "passwd must succeed: {out:?}");
    assert_eq!(out.stdout, "passphrase changed\n");

    assert_ne!(
        sha256_file(&v.vault.join("vault.key")),
        key_before,
        "passwd must rewrite the key file"
    );
    v.run(&["incident", "list"])
        .expect_error("wrong passphrase");
    let mut nv = v.cmd(&["incident", "show", &id, "--json"]);
    nv.env("SAKSI_PASSPHRASE", new);
    let out = crate::util::run_cmd(nv, None);
    assert!(
        out.success(),
        "the new passphrase must open the vault: {out:?}"
    );
    assert!(
        out.stdout.contains("Kept across passphrase change"),
        "records must survive a passphrase change"
    );
    let mut log = v.cmd(&["log", "--json"]);
    log.env("SAKSI_PASSPHRASE", new);
    let out = crate::util::run_cmd(log, None);
    assert!(
        out.stdout.contains("\"passphrase_changed\""),
        "a passphrase change must be recorded in the custody log: {out:?}"
    );

    // Only the master key's wrapping changed, not the master key: the database as it was before
    // the change opens under the new key file with the new passphrase. (vault.db itself does
    // change: the custody log gains a `passphrase_changed` entry.)
    std::fs::copy(&db_copy, &db).unwrap();
    let mut c = v.cmd(&["incident", "show", &id, "--json"]);
    c.env("SAKSI_PASSPHRASE", new);
    let out = crate::util::run_cmd(c, None);
    assert!(
        out.success() && out.stdout.contains("Kept across passphrase change"),
        "passwd must re-wrap the same master key, never re-key the database: {out:?}"
    );
}

#[test]
fn passwd_refuses_a_weak_new_passphrase_and_changes_nothing() {
    let v = TestVault::new();
    let before = tree_hash(&v.vault);
    let mut c = v.cmd(&["passwd"]);
    c.env("SAKSI_NEW_PASSPHRASE", "short");
    crate::util::run_cmd(c, None).expect_error("at least 8 characters");
    assert_eq!(
        tree_hash(&v.vault),
        before,
        "a refused passphrase change must leave the vault as it was"
    );
    v.ok(&["incident", "list"]);
}

#[test]
fn passphrase_file_is_read_from_its_first_line() {
    let v = TestVault::new();
    let f = v.root().join("pass.txt");
    std::fs::write(&f, format!("{}\nsecond line ignored\n", v.pass)).unwrap();
    let mut c = v.cmd(&["--passphrase-file", f.to_str().unwrap(), "device", "--json"]);
    c.env("SAKSI_PASSPHRASE", "wrong, and the file must win");
    let out = crate::util::run_cmd(c, None);
    assert!(
        out.success(),
        "--passphrase-file takes precedence over SAKSI_PASSPHRASE: {out:?}"
    );
    let out = v.run(&["--passphrase-file", "/nonexistent/pass.txt", "device"]);
    out.expect_error("cannot read the passphrase file");
}

#[test]
fn a_guessable_passphrase_is_refused_saying_why_and_the_vault_is_not_made() {
    let v = TestVault::empty();
    for weak in ["sokha2015", "phnom penh 2024", "Chanthy1990!"] {
        let mut c = v.cmd(&["init"]);
        c.env("SAKSI_PASSPHRASE", weak);
        let msg = crate::util::run_cmd(c, None).expect_error("too easy to guess");
        assert!(
            msg.contains("random words") && !msg.contains(weak),
            "the refusal must suggest random words and not repeat the passphrase: {msg}"
        );
        assert!(
            !v.vault.exists(),
            "a refused init must not create the vault folder"
        );
    }
}

#[test]
fn passphrase_suggest_prints_six_random_words_that_init_accepts() {
    let v = TestVault::empty();
    let out = v.cmd(&["passphrase", "suggest"]);
    let out = crate::util::run_cmd(out, None);
    assert!(out.success(), "passphrase suggest needs no vault: {out:?}");
    let suggested = out.stdout.trim_end_matches('\n').to_string();
    assert_eq!(
        suggested.split(' ').count(),
        6,
        "a suggestion is six words on one line: {suggested:?}"
    );
    let again = crate::util::run_cmd(v.cmd(&["passphrase", "suggest", "--json"]), None);
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    let again = again["passphrase"].as_str().unwrap_or_default().to_string();
    assert_eq!(again.split(' ').count(), 6, "--json gives the same shape");
    assert_ne!(again, suggested, "each suggestion is new");
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", &suggested);
    let out = crate::util::run_cmd(c, None);
    assert!(
        out.success(),
        "a suggested passphrase must pass the strength rule: {out:?}"
    );
}
