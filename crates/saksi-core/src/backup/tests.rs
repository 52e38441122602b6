//! Backup and restore: a round trip gives the same vault; damage of any kind is refused with
//! nothing restored; nothing readable is in the file.

use std::fs;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::*;
use crate::testutil;
use crate::vault::KdfProfile;

const CANARY: &str = "CANARY-backup-7f3a91 ស្រុកកណ្ដាល";

fn backup_pass() -> BackupSecret {
    BackupSecret::Passphrase(SecretString::from("a backup passphrase".to_string()))
}

/// A vault with an incident carrying the canary and one attachment, backed up to `backup.age`.
fn backed_up() -> (tempfile::TempDir, Vault, PathBuf) {
    let (d, mut v) = testutil::vault();
    let id = testutil::incident(&mut v, CANARY);
    crate::evidence::intake_reader(
        &mut v,
        crate::model::RecordType::Incident,
        &id,
        "statement.txt",
        CANARY.as_bytes(),
    )
    .unwrap();
    let out = d.path().join("backup.age");
    v.backup(&out, &backup_pass(), KdfProfile::Minimum).unwrap();
    (d, v, out)
}

/// Everything someone reading the vault would compare: records, attachments and custody.
fn snapshot(v: &Vault) -> String {
    let incidents = serde_json::to_string(&v.incidents().list().unwrap()).unwrap();
    let attachments = serde_json::to_string(&crate::evidence::list(v, None).unwrap()).unwrap();
    let custody = serde_json::to_string(&crate::custody::entries(v).unwrap()).unwrap();
    format!("{incidents}\n{attachments}\n{custody}")
}

fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".saksi-"))
        .collect()
}

#[test]
fn backup_wipe_restore_gives_identical_records_hashes_and_custody() {
    let (d, v, out) = backed_up();
    let dir = v.dir().to_path_buf();
    let before = snapshot(&v);
    assert!(
        before.contains("backup_made"),
        "the backup is custody-logged inside itself"
    );
    v.lock().unwrap();
    crate::vault::wipe(&dir).unwrap();

    let to = d.path().join("restored");
    let report = restore(&out, &to, &backup_pass()).unwrap();
    assert_eq!(report.files, 4, "key file, both databases, one blob");
    let v = Vault::open(&to, &testutil::pass()).expect("the restored vault opens");
    assert_eq!(
        snapshot(&v),
        before,
        "records, attachment hashes and custody must be identical"
    );
    let r = v.verify().unwrap();
    assert!(
        r.ok() && r.attachments_checked == 1,
        "the restored vault verifies: {r:?}"
    );
    assert!(
        leftovers(d.path()).is_empty(),
        "no temporary folder or file is left"
    );
}

#[test]
fn a_canary_in_a_record_never_appears_in_plaintext_in_the_backup() {
    let (_d, _v, out) = backed_up();
    let bytes = fs::read(&out).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1\n"),
        "a standard age file"
    );
    for needle in [
        CANARY.as_bytes(),
        "ស្រុកកណ្ដាល".as_bytes(),
        b"statement.txt",
        b"SQLite format",
        b"vault.db",
        b"manifest",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the backup must not contain {:?} in plaintext",
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn a_truncated_backup_is_refused_and_nothing_is_restored() {
    let (d, _v, out) = backed_up();
    let whole = fs::read(&out).unwrap();
    let cut_file = d.path().join("cut.age");
    for cut in [whole.len() - 1, whole.len() - 20, whole.len() / 2, 300, 40] {
        fs::write(&cut_file, &whole[..cut]).unwrap();
        let to = d.path().join("restored");
        let err = restore(&cut_file, &to, &backup_pass())
            .err()
            .unwrap_or_else(|| {
                panic!(
                    "a backup cut to {cut} of {} bytes must be refused",
                    whole.len()
                )
            });
        assert_eq!(err.kind(), "bad_backup", "cut at {cut}: {err}");
        assert!(
            !to.exists(),
            "nothing is restored from a truncated backup (cut at {cut})"
        );
        assert!(
            leftovers(d.path()).is_empty(),
            "no staging folder is left (cut at {cut})"
        );
        if cut > whole.len() / 2 {
            assert!(
                err.to_string().contains("were checked intact"),
                "the error must say how much could be checked: {err}"
            );
        }
    }
}

#[test]
fn a_backup_with_one_byte_altered_is_refused_and_nothing_is_restored() {
    let (d, _v, out) = backed_up();
    let whole = fs::read(&out).unwrap();
    let bad = d.path().join("bad.age");
    let mut rng = 0x9e3779b97f4a7c15u64;
    let mut positions: Vec<usize> = vec![0, 30, 100, 200, whole.len() - 1];
    for _ in 0..25 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        positions.push((rng % whole.len() as u64) as usize);
    }
    for at in positions {
        let mut b = whole.clone();
        b[at] ^= 0x41;
        fs::write(&bad, &b).unwrap();
        let to = d.path().join("restored");
        let err = restore(&bad, &to, &backup_pass())
            .err()
            .unwrap_or_else(|| panic!("a backup with byte {at} altered must be refused"));
        assert!(
            ["bad_backup", "wrong_backup_secret"].contains(&err.kind()),
            "byte {at}: {err}"
        );
        assert!(
            !to.exists(),
            "nothing is restored from an altered backup (byte {at})"
        );
        assert!(
            leftovers(d.path()).is_empty(),
            "no staging folder is left (byte {at})"
        );
    }
}

#[test]
fn a_backup_is_never_written_inside_the_vault_folder() {
    let (_d, mut v) = testutil::vault();
    let inside = v.dir().join("attachments").join("b.age");
    let err = v
        .backup(&inside, &backup_pass(), KdfProfile::Minimum)
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_input", "{err}");
    assert!(
        !inside.exists(),
        "nothing is written inside the vault folder"
    );
}

#[test]
fn restore_refuses_an_existing_vault_and_a_wrong_passphrase() {
    let (d, v, out) = backed_up();
    let err = restore(&out, v.dir(), &backup_pass()).unwrap_err();
    assert_eq!(err.kind(), "vault_exists", "{err}");
    let wrong =
        BackupSecret::Passphrase(SecretString::from("not the backup passphrase".to_string()));
    let to = d.path().join("restored");
    let err = restore(&out, &to, &wrong).unwrap_err();
    assert_eq!(err.kind(), "wrong_backup_secret", "{err}");
    assert!(!to.exists());
}

#[test]
fn a_backup_to_the_recovery_key_opens_with_it_typed_and_with_nothing_else() {
    let (d, mut v) = testutil::vault();
    let key = v.add_recovery_key(false).unwrap();
    let paper = SecretString::from(key.display().to_lowercase());
    let out = d.path().join("b.age");
    let other = BackupSecret::RecoveryKey(
        crate::vault::RecoveryKey::parse(&SecretString::from(
            // A well-formed key of no vault: refused before anything is written.
            {
                let (_d2, mut w) = testutil::vault();
                w.add_recovery_key(false).unwrap().display().to_string()
            },
        ))
        .unwrap(),
    );
    assert_eq!(
        v.backup(&out, &other, KdfProfile::Minimum)
            .unwrap_err()
            .kind(),
        "wrong_recovery_key",
        "a backup is only encrypted to this vault's own recovery key"
    );
    assert!(!out.exists());
    let report = v
        .backup(&out, &BackupSecret::RecoveryKey(key), KdfProfile::Minimum)
        .unwrap();
    assert_eq!(report.log_n, RECOVERY_KEY_LOG_N);
    let to = d.path().join("restored");
    restore(&out, &to, &BackupSecret::from_typed(&paper)).expect("the typed recovery key opens it");
    assert!(Vault::exists(&to));
}

#[test]
fn a_backup_asking_for_excessive_scrypt_work_is_refused_before_scrypt_runs() {
    let (d, _v, out) = backed_up();
    let text = fs::read(&out).unwrap();
    let needle = format!(" {MINIMUM_LOG_N}\n");
    let at = text
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the scrypt stanza names its work factor");
    let mut b = text[..at].to_vec();
    b.extend_from_slice(b" 30\n");
    b.extend_from_slice(&text[at + needle.len()..]);
    let bad = d.path().join("heavy.age");
    fs::write(&bad, &b).unwrap();
    let start = std::time::Instant::now();
    let err = restore(&bad, &d.path().join("restored"), &backup_pass()).unwrap_err();
    assert_eq!(err.kind(), "bad_backup", "{err}");
    assert!(err.to_string().contains("2^30"), "{err}");
    assert!(
        start.elapsed().as_secs() < 20,
        "refused without running scrypt 2^30"
    );
}

#[test]
fn a_cancelled_backup_leaves_no_file_and_a_cancelled_restore_restores_nothing() {
    let (d, mut v, out) = backed_up();
    let second = d.path().join("second.age");
    let mut calls = 0;
    let mut cancel = |_: u64, _: Option<u64>| {
        calls += 1;
        std::ops::ControlFlow::Break(())
    };
    let err = v
        .backup_with(&second, &backup_pass(), KdfProfile::Minimum, &mut cancel)
        .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert!(calls > 0, "progress is reported");
    assert!(
        !second.exists() && leftovers(d.path()).is_empty(),
        "a cancelled backup leaves nothing"
    );

    let mut seen = Vec::new();
    let mut cancel_late = |done: u64, total: Option<u64>| {
        seen.push((done, total));
        if seen.len() > 2 {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    };
    let to = d.path().join("restored");
    let err = restore_with(&out, &to, &backup_pass(), &mut cancel_late).unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert!(
        seen.iter().all(|(_, t)| t.is_some()),
        "the total is known from the manifest"
    );
    assert!(
        !to.exists() && leftovers(d.path()).is_empty(),
        "a cancelled restore restores nothing"
    );
}
