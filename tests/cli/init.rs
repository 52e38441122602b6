//! `saksi init`: creates a vault, never overwrites one, never fills a foreign folder, and refuses
//! weak passphrases.

use crate::util::{tree_hash, TestVault};

#[test]
fn init_creates_a_private_vault() {
    let v = TestVault::empty();
    let out = v.ok(&["init", "--device-name", "field laptop 3"]);
    assert!(
        out.starts_with(&format!("created vault {}\n", v.vault.display())),
        "init must say where the vault is: {out}"
    );
    assert!(
        out.contains("(field laptop 3)"),
        "init must name the device: {out}"
    );
    assert!(v.vault.join("vault.key").is_file() && v.vault.join("vault.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["", "vault.key", "vault.db", "vault2.db"] {
            let mode = std::fs::metadata(v.vault.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o077,
                0,
                "the vault folder and its files must be private to their owner: {f:?} {mode:o}"
            );
        }
    }
    let staging: Vec<_> = std::fs::read_dir(v.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".saksi-new-"))
        .collect();
    assert!(
        staging.is_empty(),
        "init must not leave its staging folder: {staging:?}"
    );
}

#[test]
fn init_refuses_to_overwrite_an_existing_vault() {
    let v = TestVault::new();
    v.add("incident", &serde_json::json!({"title": "precious"}));
    let before = tree_hash(&v.vault);
    v.run(&["init"]).expect_error("already exists");
    // Even with another passphrase (someone else's init on the same folder).
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", "another long passphrase");
    crate::util::run_cmd(c, None).expect_error("refusing to overwrite");
    assert_eq!(
        tree_hash(&v.vault),
        before,
        "a refused init must leave the existing vault byte for byte"
    );
}

#[test]
fn init_refuses_a_non_empty_folder_that_is_not_a_vault() {
    let v = TestVault::empty();
    std::fs::create_dir(&v.vault).unwrap();
    std::fs::write(v.vault.join("thesis.odt"), b"someone's work").unwrap();
    v.run(&["init"])
        .expect_error("is not empty and is not a Saksi vault");
    assert_eq!(
        std::fs::read(v.vault.join("thesis.odt")).unwrap(),
        b"someone's work",
        "init must not touch a foreign folder's files"
    );
    assert_eq!(std::fs::read_dir(&v.vault).unwrap().count(), 1);
}

#[test]
fn init_accepts_an_existing_empty_folder() {
    let v = TestVault::empty();
    std::fs::create_dir(&v.vault).unwrap();
    v.ok(&["init"]);
    v.ok(&["verify"]);
}

#[test]
fn init_refuses_a_weak_passphrase() {
    let v = TestVault::empty();
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", "7chars!");
    crate::util::run_cmd(c, None).expect_error("use at least 8 characters");
    assert!(
        !v.vault.exists(),
        "a refused init must not create the vault folder"
    );
    // Characters, not bytes: eight Khmer characters are long enough, seven are not. (Eight
    // letters in alphabet order are long enough but easy to guess: the strength rule refuses
    // them, and says so rather than "too short".)
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", "កខគឃងចឆ");
    crate::util::run_cmd(c, None).expect_error("too short");
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", "កខគឃងចឆជ");
    let out = crate::util::run_cmd(c, None);
    out.expect_error("too easy to guess");
    assert!(
        !out.stderr.contains("too short"),
        "eight characters are long enough: {out:?}"
    );
    let mut c = v.cmd(&["init"]);
    c.env("SAKSI_PASSPHRASE", "ភ្លៀងទន្លេក្របី");
    let out = crate::util::run_cmd(c, None);
    assert!(
        out.success(),
        "a Khmer passphrase of a few words is long and strong enough: {out:?}"
    );
}
