//! Slots: the format-1 upgrade (and a crash at each of its steps), the recovery key, and slots
//! that do not reveal themselves.

use std::fs;
use std::path::Path;

use secrecy::SecretString;

use super::super::keyfile::{LegacyKeyFile, Parsed, LEN, SLOTS, SLOT_LEN};
use super::super::{Vault, KEY_FILE, PREV_KEY_FILE};
use crate::testutil;
use crate::vault::{KdfParams, KdfProfile, RecoveryKey};

fn actions(v: &Vault) -> Vec<String> {
    crate::custody::entries(v)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn count(v: &Vault, action: &str) -> usize {
    actions(v).iter().filter(|a| *a == action).count()
}

/// A vault whose key file is put back to format 1 (same master key and passphrase).
fn v1_vault() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let (d, v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let legacy = LegacyKeyFile::seal(&v.master, &testutil::pass(), KdfParams::MINIMUM);
    v.lock().unwrap();
    let bytes = legacy.to_bytes();
    fs::write(dir.join(KEY_FILE), &bytes).unwrap();
    (d, dir, bytes)
}

fn key_bytes(dir: &Path) -> Vec<u8> {
    fs::read(dir.join(KEY_FILE)).unwrap()
}

#[test]
fn a_format_1_key_file_is_upgraded_at_unlock_and_the_upgrade_is_logged_once() {
    let (_d, dir, v1) = v1_vault();
    assert_eq!(v1.len(), 154, "the test starts from a format-1 key file");
    let v = Vault::open(&dir, &testutil::pass()).expect("the format-1 file opens");
    let now = key_bytes(&dir);
    assert_eq!(
        now.len(),
        LEN,
        "the key file must be format 2 after the unlock"
    );
    assert_eq!(&now[8..10], &[2, 0], "the version field must say 2");
    assert_eq!(&now[..8], &v1[..8]);
    assert_eq!(&now[10..54], &v1[10..54], "salt and parameters are kept");
    assert!(!dir.join(PREV_KEY_FILE).exists(), "no old key file is left");
    assert_eq!(
        count(&v, "key_file_upgraded"),
        1,
        "the upgrade is custody-logged"
    );
    drop(v);
    let v = Vault::open(&dir, &testutil::pass()).expect("the same passphrase opens format 2");
    assert_eq!(
        count(&v, "key_file_upgraded"),
        1,
        "a second unlock upgrades nothing"
    );
    assert_eq!(
        key_bytes(&dir),
        now,
        "a second unlock does not rewrite the key file"
    );
}

#[test]
fn a_crash_at_any_step_of_the_upgrade_leaves_a_vault_that_opens_with_the_old_passphrase() {
    // 1. killed after the old key file was linked as vault.key.prev, before the rename.
    let (_d, dir, _) = v1_vault();
    fs::hard_link(dir.join(KEY_FILE), dir.join(PREV_KEY_FILE)).unwrap();
    let v = Vault::open(&dir, &testutil::pass()).expect("opens after a crash before the rename");
    assert_eq!(
        key_bytes(&dir).len(),
        LEN,
        "the upgrade is done at this unlock"
    );
    assert_eq!(count(&v, "key_file_upgraded"), 1);
    assert!(!dir.join(PREV_KEY_FILE).exists());
    drop(v);

    // 2. killed while the new file was being written: a temporary file beside the old one.
    let (_d, dir, _) = v1_vault();
    fs::write(dir.join(".vault.key.0123.tmp"), [7u8; 100]).unwrap();
    let v = Vault::open(&dir, &testutil::pass()).expect("opens after a crash while writing");
    assert_eq!(count(&v, "key_file_upgraded"), 1);
    drop(v);

    // 3. killed after the rename, before the custody entry committed: the entry is written at
    //    the next unlock, once.
    let (_d, dir, v1) = v1_vault();
    let Parsed::V1(legacy) = Parsed::from_bytes(&v1).unwrap() else {
        panic!("format 1 expected")
    };
    let (master, kek) = legacy.open(&testutil::pass()).unwrap();
    let v2 = legacy.upgraded(&master, &kek).unwrap().to_bytes();
    fs::write(dir.join(PREV_KEY_FILE), &v1).unwrap();
    fs::write(dir.join(KEY_FILE), &v2).unwrap();
    let v = Vault::open(&dir, &testutil::pass()).expect("opens after a crash before the commit");
    assert_eq!(key_bytes(&dir), v2, "the format-2 file stays");
    assert!(!dir.join(PREV_KEY_FILE).exists(), "the format-1 file goes");
    assert_eq!(
        count(&v, "key_file_upgraded"),
        1,
        "an upgrade interrupted before its custody entry committed is logged at the next unlock"
    );
    drop(v);
    let v = Vault::open(&dir, &testutil::pass()).unwrap();
    assert_eq!(count(&v, "key_file_upgraded"), 1, "and only once");
}

#[test]
fn changing_the_passphrase_rewrites_only_the_passphrase_slot() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    v.add_recovery_key(false).unwrap();
    let before = key_bytes(&dir);
    let new = SecretString::from("a new long passphrase".to_string());
    v.change_passphrase(&new, KdfProfile::Minimum).unwrap();
    let after = key_bytes(&dir);
    assert_eq!(
        before[..54],
        after[..54],
        "salt and parameters are shared and kept"
    );
    assert_ne!(
        before[54..54 + SLOT_LEN],
        after[54..54 + SLOT_LEN],
        "slot 0 is rewritten"
    );
    assert_eq!(
        before[54 + SLOT_LEN..],
        after[54 + SLOT_LEN..],
        "changing the passphrase must not touch any other slot"
    );
    drop(v);
    Vault::open(&dir, &new).expect("the new passphrase opens");
}

#[test]
fn the_recovery_key_opens_the_vault_and_replaces_the_forgotten_passphrase() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let id = testutil::incident(&mut v, "kept through recovery");
    let key = v.add_recovery_key(false).unwrap();
    assert!(v.has_recovery_key().unwrap());
    let paper = SecretString::from(key.display().to_string());
    v.lock().unwrap();

    let new = SecretString::from("a fresh passphrase after loss".to_string());
    let typed = RecoveryKey::parse(&paper).unwrap();
    let v = Vault::open_with_recovery_key(&dir, &typed, &new).expect("the recovery key opens");
    assert!(v.incidents().get(&id).is_ok(), "the records are there");
    assert_eq!(
        count(&v, "passphrase_reset"),
        1,
        "the reset is custody-logged"
    );
    v.lock().unwrap();
    assert_eq!(
        Vault::open(&dir, &testutil::pass()).err().map(|e| e.kind()),
        Some("wrong_passphrase"),
        "the forgotten passphrase no longer opens the vault"
    );
    Vault::open(&dir, &new)
        .expect("the new passphrase opens")
        .lock()
        .unwrap();
    let again = SecretString::from("another passphrase here".to_string());
    Vault::open_with_recovery_key(&dir, &RecoveryKey::parse(&paper).unwrap(), &again)
        .expect("the recovery key keeps working after a reset");
}

#[test]
fn a_vault_created_with_a_recovery_key_opens_with_that_key_and_logs_it_once() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let (v, key) = Vault::create_with_recovery_key(&dir, &testutil::pass(), KdfProfile::Minimum)
        .expect("create with a recovery key");
    assert!(
        v.has_recovery_key().unwrap(),
        "the new vault must know it has a recovery key"
    );
    assert_eq!(
        count(&v, "recovery_key_added"),
        1,
        "the key is custody-logged once"
    );
    let paper = SecretString::from(key.display().to_string());
    v.lock().unwrap();
    let new = SecretString::from("a fresh passphrase after loss".to_string());
    Vault::open_with_recovery_key(&dir, &RecoveryKey::parse(&paper).unwrap(), &new)
        .expect("the key shown at creation opens the vault")
        .lock()
        .unwrap();
    assert_eq!(
        Vault::create_with_recovery_key(&dir, &testutil::pass(), KdfProfile::Minimum)
            .err()
            .map(|e| e.kind()),
        Some("vault_exists"),
        "creating over an existing vault is refused"
    );
}

#[test]
fn a_wrong_recovery_key_is_refused_and_changes_no_byte() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    v.add_recovery_key(false).unwrap();
    v.lock().unwrap();
    let before = key_bytes(&dir);
    let other = RecoveryKey::generate();
    let new = SecretString::from("a fresh passphrase after loss".to_string());
    let err = Vault::open_with_recovery_key(&dir, &other, &new).unwrap_err();
    assert_eq!(err.kind(), "wrong_recovery_key", "{err}");
    assert_eq!(
        key_bytes(&dir),
        before,
        "a wrong recovery key must change nothing"
    );
}

#[test]
fn a_second_recovery_key_is_refused_unless_replacing_and_the_old_one_then_stops_working() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let first = v.add_recovery_key(false).unwrap();
    let before = key_bytes(&dir);
    let err = v
        .add_recovery_key(false)
        .err()
        .expect("a second key must be refused");
    assert_eq!(err.kind(), "recovery_key_exists");
    assert_eq!(key_bytes(&dir), before, "a refused add changes nothing");
    let second = v.add_recovery_key(true).unwrap();
    v.lock().unwrap();
    let new = SecretString::from("a fresh passphrase after loss".to_string());
    assert_eq!(
        Vault::open_with_recovery_key(&dir, &first, &new)
            .err()
            .map(|e| e.kind()),
        Some("wrong_recovery_key"),
        "a replaced recovery key must no longer open the vault"
    );
    Vault::open_with_recovery_key(&dir, &second, &new).expect("the new one does");
}

#[test]
fn a_removed_recovery_key_no_longer_opens_the_vault() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let key = v.add_recovery_key(false).unwrap();
    v.remove_recovery_key().unwrap();
    assert!(!v.has_recovery_key().unwrap());
    assert_eq!(count(&v, "recovery_key_removed"), 1);
    v.lock().unwrap();
    let new = SecretString::from("a fresh passphrase after loss".to_string());
    assert_eq!(
        Vault::open_with_recovery_key(&dir, &key, &new)
            .err()
            .map(|e| e.kind()),
        Some("wrong_recovery_key")
    );
    Vault::open(&dir, &testutil::pass()).expect("the passphrase still opens");
}

/// Ones among the bits of `b`: for random bytes, n·8/2 give or take a few standard deviations.
fn ones_look_random(b: &[u8]) -> bool {
    let bits = (b.len() * 8) as f64;
    let ones: u32 = b.iter().map(|x| x.count_ones()).sum();
    (f64::from(ones) - bits / 2.0).abs() <= 4.0 * (bits.sqrt() / 2.0)
}

#[test]
fn key_files_with_and_without_a_recovery_key_cannot_be_told_apart() {
    let (_d1, plain) = testutil::vault();
    let (_d2, mut with) = testutil::vault();
    with.add_recovery_key(false).unwrap();
    let a = key_bytes(plain.dir());
    let b = key_bytes(with.dir());
    assert_eq!(
        a.len(),
        b.len(),
        "a recovery key must not change the key file's size"
    );
    for (name, file) in [("without", &a), ("with", &b)] {
        for i in 0..SLOTS {
            let slot = &file[54 + i * SLOT_LEN..54 + (i + 1) * SLOT_LEN];
            assert!(
                ones_look_random(slot),
                "slot {i} of the key file {name} a recovery key must look random"
            );
        }
        let slots = &file[54..];
        let distinct: std::collections::HashSet<u8> = slots.iter().copied().collect();
        assert!(
            distinct.len() > 150,
            "288 random bytes show well over 150 distinct values ({name}: {})",
            distinct.len()
        );
    }
}
