//! The duress passphrase and the two databases (issue 16): what an examiner sees, what the
//! decoy can reach, the erase option, and the second database of an older vault.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use super::DuressOptions;
use crate::model::RecordType;
use crate::search::SearchQuery;
use crate::testutil::{self, pass};
use crate::vault::{keyfile, KdfProfile, Vault, DB_FILES};

fn duress() -> SecretString {
    SecretString::from("a different river at dawn".to_string())
}

fn kind(r: crate::error::Result<Vault>) -> &'static str {
    r.err().map(|e| e.kind()).unwrap_or("opened")
}

fn search(v: &Vault, text: &str) -> usize {
    v.search(&SearchQuery {
        text: Some(text.into()),
        ..Default::default()
    })
    .unwrap()
    .len()
}

/// A vault with one incident holding `canary` and one attachment.
fn real_vault(root: &Path, name: &str, canary: &str) -> PathBuf {
    let dir = root.join(name);
    let mut v = Vault::create(&dir, &pass(), KdfProfile::Minimum).unwrap();
    let id = testutil::incident(&mut v, canary);
    let file = root.join(format!("{name}.txt"));
    fs::write(&file, format!("{canary} photo")).unwrap();
    crate::evidence::intake_path(&mut v, RecordType::Incident, &id, &file).unwrap();
    v.lock().unwrap();
    dir
}

fn blobs(dir: &Path) -> Vec<String> {
    let mut b: Vec<String> = fs::read_dir(dir.join("attachments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    b.sort();
    b
}

#[test]
fn every_new_vault_has_both_databases_and_either_file_may_be_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = [0usize; 2];
    for i in 0..16 {
        let v = Vault::create(
            &tmp.path().join(format!("v{i}")),
            &pass(),
            KdfProfile::Minimum,
        )
        .unwrap();
        for f in DB_FILES {
            assert!(v.dir().join(f).is_file(), "every vault holds {f}");
        }
        seen[v.db_index] += 1;
    }
    assert!(
        seen[0] > 0 && seen[1] > 0,
        "which file is the vault's own must not follow from its name: {seen:?}"
    );
}

#[test]
fn the_duress_passphrase_opens_the_decoy_and_the_real_records_are_unreachable_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = real_vault(tmp.path(), "v", "CANARY-real-7f3a");
    let mut v = Vault::open(&dir, &pass()).unwrap();
    let real_device = v.device().id().to_string();
    let real_db = v.database_file();
    v.set_duress(&duress(), DuressOptions::default()).unwrap();
    assert!(v.has_duress().unwrap());
    v.lock().unwrap();
    let real_blobs = blobs(&dir);
    assert_eq!(real_blobs.len(), 1);

    let mut d = Vault::open(&dir, &duress()).expect("the duress passphrase opens a vault");
    assert_ne!(
        d.database_file(),
        real_db,
        "the decoy is the other database"
    );
    assert_ne!(d.device().id(), real_device, "the decoy has its own device");
    assert_eq!(search(&d, "CANARY-real-7f3a"), 0, "no real record is found");
    assert!(d.incidents().list().unwrap().is_empty());
    let log = crate::custody::entries(&d).unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["vault_created"],
        "the decoy's custody log is its own"
    );
    assert!(!d.has_duress().unwrap(), "the decoy says no duress is set");
    // A fully working vault: records and evidence go in and come back.
    let id = testutil::incident(&mut d, "decoy record");
    let f = tmp.path().join("d.txt");
    fs::write(&f, "decoy photo").unwrap();
    crate::evidence::intake_path(&mut d, RecordType::Incident, &id, &f).unwrap();
    assert!(d.verify().unwrap().ok());
    d.lock().unwrap();
    let after = blobs(&dir);
    assert!(
        real_blobs.iter().all(|b| after.contains(b)),
        "unlocking the decoy must not remove the real vault's blobs as orphans"
    );
    assert_eq!(after.len(), 2);

    let v = Vault::open(&dir, &pass()).unwrap();
    assert_eq!(
        search(&v, "CANARY-real-7f3a"),
        1,
        "the real vault is intact"
    );
    assert_eq!(
        search(&v, "decoy record"),
        0,
        "and holds nothing of the decoy"
    );
    assert!(v.verify().unwrap().ok());
    drop(v);
    assert_eq!(
        blobs(&dir).len(),
        2,
        "nor does the real unlock remove the decoy's blobs"
    );
}

#[test]
fn a_decoy_session_changes_only_its_own_slot() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let rk = v.add_recovery_key(false).unwrap();
    v.set_duress(&duress(), DuressOptions::default()).unwrap();
    drop(v);
    let key_before = fs::read(dir.join("vault.key")).unwrap();
    let mut d = Vault::open(&dir, &duress()).unwrap();
    for err in [
        d.add_recovery_key(true).map(|_| ()).unwrap_err(),
        d.remove_recovery_key().unwrap_err(),
    ] {
        assert_eq!(err.kind(), "key_slots_unavailable", "{err}");
    }
    assert_eq!(
        fs::read(dir.join("vault.key")).unwrap(),
        key_before,
        "refused: no byte changed"
    );
    let new = SecretString::from("the decoy's new long phrase".to_string());
    d.change_passphrase(&new, KdfProfile::Minimum).unwrap();
    drop(d);
    assert_eq!(kind(Vault::open(&dir, &duress())), "wrong_passphrase");
    let d = Vault::open(&dir, &new).expect("the changed duress passphrase opens the decoy");
    assert!(d.incidents().list().unwrap().is_empty());
    drop(d);
    Vault::open(&dir, &pass()).expect("the vault's own passphrase still opens it");
    Vault::open_with_recovery_key(&dir, &rk, &pass()).expect("and its recovery key");
}

/// Regression (issue 16): in the decoy, Settings → Duress passphrase said none was set, and
/// setting one failed with `key_slots_unavailable`, which told whoever was at the keyboard that
/// this was a decoy. Now it behaves as in any vault: the passphrase set there opens the decoy,
/// the status says it is set, it can be removed; the vault itself is untouched, and a duress
/// passphrase set in a decoy never erases anything, whichever slot it took.
#[test]
fn a_duress_passphrase_set_in_the_decoy_works_as_in_any_vault() {
    for erase in [false, true] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = real_vault(tmp.path(), "v", "CANARY-decoy-tell-5e1d");
        let mut v = Vault::open(&dir, &pass()).unwrap();
        let rk = v.add_recovery_key(false).unwrap();
        let opts = DuressOptions {
            erase_real_on_use: erase,
            starter: true,
        };
        v.set_duress(&duress(), opts).unwrap();
        drop(v);
        if erase {
            // The first use of an erasing duress passphrase erases, as before.
            Vault::open(&dir, &duress()).unwrap().lock().unwrap();
            assert_eq!(kind(Vault::open(&dir, &pass())), "wrong_passphrase");
        }
        let mut d = Vault::open(&dir, &duress()).unwrap();
        assert!(!d.has_duress().unwrap(), "the decoy starts with none set");
        let second = SecretString::from("a second lantern by the ferry".to_string());
        assert_eq!(
            d.set_duress(&duress(), DuressOptions::default())
                .unwrap_err()
                .kind(),
            "duress_passphrase_in_use",
            "the decoy's own passphrase cannot be its duress passphrase too"
        );
        d.set_duress(&second, opts)
            .expect("a duress passphrase can be set in the decoy as in any vault");
        assert!(
            d.has_duress().unwrap(),
            "and its status then says it is set"
        );
        let title = d.incidents().list().unwrap()[0].title.clone();
        drop(d);

        let d = Vault::open(&dir, &second).expect("the decoy's duress passphrase opens");
        assert_eq!(d.incidents().list().unwrap()[0].title, title, "the decoy");
        assert_eq!(search(&d, "CANARY-decoy-tell-5e1d"), 0);
        drop(d);
        Vault::open(&dir, &duress()).expect("the decoy's own passphrase still opens it");
        if !erase {
            // Using it erased nothing: the vault and its recovery key still open.
            let v = Vault::open(&dir, &pass()).expect("the vault's passphrase still opens it");
            assert_eq!(search(&v, "CANARY-decoy-tell-5e1d"), 1);
            assert!(v.has_duress().unwrap());
            drop(v);
            Vault::open_with_recovery_key(&dir, &rk, &pass()).expect("and its recovery key");
        }

        let mut d = Vault::open(&dir, &duress()).unwrap();
        d.remove_duress().unwrap();
        assert!(!d.has_duress().unwrap());
        drop(d);
        assert_eq!(kind(Vault::open(&dir, &second)), "wrong_passphrase");
        Vault::open(&dir, &duress()).expect("removing it kept the decoy's own passphrase");
        if !erase {
            Vault::open(&dir, &pass()).expect("and the vault's");
        }
    }
}

#[test]
fn a_duress_passphrase_that_opens_the_vault_itself_is_refused_without_change() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let before = testutil::tree_hash(&dir);
    let err = v.set_duress(&pass(), DuressOptions::default()).unwrap_err();
    assert_eq!(err.kind(), "duress_passphrase_in_use", "{err}");
    assert_eq!(testutil::tree_hash(&dir), before, "nothing was written");
}

#[test]
fn erase_on_use_leaves_only_the_decoy_and_a_key_file_like_any_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = real_vault(tmp.path(), "v", "CANARY-erased-11c2");
    let mut v = Vault::open(&dir, &pass()).unwrap();
    let rk = v.add_recovery_key(false).unwrap();
    let opts = DuressOptions {
        erase_real_on_use: true,
        starter: true,
    };
    v.set_duress(&duress(), opts).unwrap();
    drop(v);
    // Until it is used, nothing is erased.
    Vault::open(&dir, &pass()).unwrap().lock().unwrap();
    let before = fs::read(dir.join("vault.key")).unwrap();

    let d = Vault::open(&dir, &duress()).unwrap();
    assert_eq!(d.incidents().list().unwrap().len(), 3, "the starter set");
    assert_eq!(search(&d, "CANARY-erased-11c2"), 0);
    drop(d);
    let after = fs::read(dir.join("vault.key")).unwrap();
    assert_eq!(
        after.len(),
        keyfile::LEN,
        "the same length as every key file"
    );
    assert_eq!(after[..54], before[..54], "the same header");
    assert_ne!(
        after[54..198],
        before[54..198],
        "slots 0 and 1 were overwritten"
    );
    assert_eq!(
        after[198..],
        before[198..],
        "the duress slots are unchanged"
    );
    assert_eq!(kind(Vault::open(&dir, &pass())), "wrong_passphrase");
    assert_eq!(
        Vault::open_with_recovery_key(&dir, &rk, &pass())
            .err()
            .map(|e| e.kind()),
        Some("wrong_recovery_key")
    );
    Vault::open(&dir, &duress()).expect("the duress passphrase still opens the decoy");
}

#[test]
fn removing_the_duress_passphrase_makes_it_open_nothing() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    v.set_duress(&duress(), DuressOptions::default()).unwrap();
    v.remove_duress().unwrap();
    assert!(!v.has_duress().unwrap());
    drop(v);
    assert_eq!(kind(Vault::open(&dir, &duress())), "wrong_passphrase");
    Vault::open(&dir, &pass()).unwrap();
}

/// A vault from before the second database: only `vault.db`, its own.
fn single_database_vault(root: &Path) -> PathBuf {
    let dir = real_vault(root, "old", "CANARY-old-0aa1");
    let own = Vault::open(&dir, &pass()).unwrap().database_file();
    for f in DB_FILES {
        if dir.join(f) != own {
            fs::remove_file(dir.join(f)).unwrap();
        }
    }
    fs::rename(&own, dir.join(DB_FILES[0])).unwrap();
    dir
}

#[test]
fn a_vault_with_one_database_gains_the_second_at_unlock_logged_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = single_database_vault(tmp.path());
    // A crash while the second was being made left a temporary file: it goes.
    fs::write(dir.join(".vault2.db.0123.tmp"), b"half made").unwrap();
    let ro = Vault::open_read_only(&dir, &pass()).unwrap();
    drop(ro);
    assert!(
        !dir.join(DB_FILES[1]).exists(),
        "a read-only open writes nothing"
    );
    for _ in 0..2 {
        let v = Vault::open(&dir, &pass()).unwrap();
        assert_eq!(v.database_file(), dir.join(DB_FILES[0]));
        let paired = crate::custody::entries(&v)
            .unwrap()
            .iter()
            .filter(|e| e.action == "databases_paired")
            .count();
        assert_eq!(paired, 1, "the second database is logged once");
        assert_eq!(search(&v, "CANARY-old-0aa1"), 1);
        v.lock().unwrap();
        assert!(dir.join(DB_FILES[1]).is_file());
        assert!(!dir.join(".vault2.db.0123.tmp").exists());
    }
    let mut v = Vault::open(&dir, &pass()).unwrap();
    v.set_duress(&duress(), DuressOptions::default()).unwrap();
    drop(v);
    let d = Vault::open(&dir, &duress()).unwrap();
    assert_eq!(d.database_file(), dir.join(DB_FILES[1]));
    assert_eq!(search(&d, "CANARY-old-0aa1"), 0);
}

/// What an examiner holding the folder sees: every file's name, and its size (databases in
/// size classes: powers of two).
fn examiner_view(dir: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            let len = fs::metadata(&p).unwrap().len();
            let rel = match rel.strip_prefix("attachments/") {
                Some(_) => "attachments/<blob>".to_string(),
                None => rel,
            };
            let class = if rel.ends_with(".db") {
                len.next_power_of_two()
            } else {
                len
            };
            *out.entry(format!("{rel} {class}")).or_insert(0) += 1;
        }
    }
    out
}

/// Pearson's chi-square of `bytes`' nibbles against the uniform distribution (15 degrees of
/// freedom).
fn chi_square(bytes: &[u8]) -> f64 {
    let mut counts = [0u64; 16];
    for b in bytes {
        counts[(b >> 4) as usize] += 1;
        counts[(b & 15) as usize] += 1;
    }
    let expected = bytes.len() as f64 * 2.0 / 16.0;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn an_examiner_cannot_tell_plain_recovery_duress_and_both_apart() {
    const PER_KIND: usize = 6;
    let tmp = tempfile::tempdir().unwrap();
    let kinds = ["plain", "recovery", "duress", "both"];
    let mut views = Vec::new();
    let mut key_files: Vec<Vec<Vec<u8>>> = vec![Vec::new(); kinds.len()];
    for (k, name) in kinds.iter().enumerate() {
        for i in 0..PER_KIND {
            let dir = tmp.path().join(format!("{name}-{i}"));
            let mut v = Vault::create(&dir, &pass(), KdfProfile::Minimum).unwrap();
            if *name == "recovery" || *name == "both" {
                v.add_recovery_key(false).unwrap();
            }
            if *name == "duress" || *name == "both" {
                v.set_duress(&duress(), DuressOptions::default()).unwrap();
            }
            v.lock().unwrap();
            if i == 0 {
                views.push(examiner_view(&dir));
            }
            key_files[k].push(fs::read(dir.join("vault.key")).unwrap());
        }
    }
    for (k, view) in views.iter().enumerate().skip(1) {
        assert_eq!(
            view, &views[0],
            "file names, counts and size classes of a {} vault must be a plain vault's",
            kinds[k]
        );
    }
    // Chi-square, 15 degrees of freedom: P(> 66) < 1e-7 for random bytes.
    for (k, files) in key_files.iter().enumerate() {
        for f in files {
            assert_eq!(f.len(), keyfile::LEN);
            assert_eq!(
                f[..22],
                files[0][..22],
                "the same header fields for every kind"
            );
        }
        for slot in 0..keyfile::SLOTS {
            let at = 54 + slot * keyfile::SLOT_LEN;
            let bytes: Vec<u8> = files
                .iter()
                .flat_map(|f| f[at..at + keyfile::SLOT_LEN].to_vec())
                .collect();
            let x = chi_square(&bytes);
            assert!(
                x < 66.0,
                "slot {slot} of a {} vault must look like random bytes (chi-square {x:.1})",
                kinds[k]
            );
        }
    }
}
