//! `saksi wipe`: the panic wipe. Without `--yes` it refuses and changes nothing; with it the key
//! file is overwritten and deleted, then the folder. What we can honestly check from user space:
//! the key file's bytes were overwritten in place (seen through a hard link made beforehand), the
//! folder is gone, and a copy of the database saved before the wipe cannot be opened afterwards
//! with the real passphrase, neither alone, nor beside the overwritten key file, nor beside
//! another vault's key file. (Whether the old key's blocks survive on the physical medium is the
//! file system's and the drive's business; no test here can see it.)

use serde_json::json;

use crate::util::{tree_hash, TestVault};

#[test]
fn wipe_without_yes_refuses_and_changes_nothing() {
    let v = TestVault::new();
    v.add("incident", &json!({"title": "must survive a refused wipe"}));
    let before = tree_hash(&v.vault);
    v.run(&["wipe"]).expect_error("pass --yes to confirm");
    assert_eq!(
        tree_hash(&v.vault),
        before,
        "wipe without --yes must not change any byte"
    );
    v.ok(&["incident", "list"]);
}

#[test]
fn wipe_refuses_a_folder_that_is_not_a_vault() {
    let v = TestVault::empty();
    std::fs::create_dir(&v.vault).unwrap();
    std::fs::write(v.vault.join("notes.txt"), b"not a vault").unwrap();
    v.run(&["wipe", "--yes"]).expect_error("no vault at");
    assert!(
        v.vault.join("notes.txt").is_file(),
        "wipe must never delete a folder that is not a vault"
    );
}

#[test]
fn wipe_crypto_erases_and_a_saved_database_cannot_be_opened() {
    let v = TestVault::new();
    v.add("incident", &json!({"title": "seized laptop record"}));
    let key = v.vault.join("vault.key");
    let original_key = std::fs::read(&key).unwrap();
    // A hard link keeps the key file's inode alive after the wipe unlinks it, so we can see
    // whether its content was overwritten before deletion.
    let key_link = v.root().join("key-inode-probe");
    std::fs::hard_link(&key, &key_link).unwrap();
    let db_copy = v.root().join("vault.db.seized");
    let db_name = v.db_name();
    std::fs::copy(v.vault.join(&db_name), &db_copy).unwrap();

    let out = v.ok(&["wipe", "--yes"]);
    assert_eq!(out, format!("vault wiped: {}\n", v.vault.display()));
    assert!(!v.vault.exists(), "wipe --yes must delete the vault folder");
    let after = std::fs::read(&key_link).unwrap();
    assert_eq!(after.len(), original_key.len());
    assert_ne!(
        after, original_key,
        "wipe must overwrite the key file in place before deleting it (crypto-erase)"
    );

    // The seizer restores the database copy: without the key file there is no vault.
    std::fs::create_dir(&v.vault).unwrap();
    std::fs::copy(&db_copy, v.vault.join(&db_name)).unwrap();
    v.run(&["incident", "list"]).expect_error("no vault at");
    // Nor does init reuse it: the folder is not empty.
    v.run(&["init"]).expect_error("not empty");

    // With the overwritten key file back in place: not a key file any more.
    std::fs::write(v.vault.join("vault.key"), &after).unwrap();
    v.run(&["incident", "list"]).expect_error("key file");

    // With a key file from another vault made with the same passphrase: the master key differs,
    // so the database cannot be decrypted.
    let other = TestVault::new();
    std::fs::copy(other.vault.join("vault.key"), v.vault.join("vault.key")).unwrap();
    // (Only the last stderr line: SQLCipher's own log lines precede it, see
    // errors::regression_sqlcipher_log_lines_break_the_one_line_error.)
    let out = v.run(&["incident", "list"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .lines()
            .last()
            .is_some_and(|l| l.contains("cannot be decrypted with this vault's key")),
        "a database whose key file is gone cannot be opened with another vault's key: {out:?}"
    );
}

#[test]
fn wipe_with_no_vault_is_an_error() {
    let v = TestVault::empty();
    v.run(&["wipe", "--yes"]).expect_error("no vault at");
}
