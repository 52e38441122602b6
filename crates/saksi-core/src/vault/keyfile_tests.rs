//! The key file's unit tests: format, ranges, slots.

use super::*;

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

#[test]
fn round_trip_and_wrong_passphrase() {
    let mk = MasterKey::generate();
    let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let parsed = KeyFile::from_bytes(&kf.to_bytes()).unwrap();
    let back = parsed.open(&pw("correct horse")).unwrap();
    assert_eq!(back.expose(), mk.expose());
    assert!(matches!(
        parsed.open(&pw("wrong horse")),
        Err(Error::WrongPassphrase)
    ));
}

#[test]
fn lowering_the_work_factor_is_refused() {
    let mk = MasterKey::generate();
    let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let mut b = kf.to_bytes();
    b[14..18].copy_from_slice(&1u32.to_le_bytes());
    assert!(
        matches!(
            KeyFile::from_bytes(&b),
            Err(Error::KeyFileOutOfRange {
                field: "Argon2id passes",
                ..
            })
        ),
        "a key file with t=1 must be refused, not used"
    );
}

#[test]
fn raising_the_work_factor_breaks_the_tag() {
    // An attacker who raises the parameters cannot make the file open with different ones:
    // the parameters are authenticated.
    let mk = MasterKey::generate();
    let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let mut b = kf.to_bytes();
    b[14..18].copy_from_slice(&4u32.to_le_bytes());
    let parsed = KeyFile::from_bytes(&b).unwrap();
    assert!(matches!(
        parsed.open(&pw("correct horse")),
        Err(Error::WrongPassphrase)
    ));
}

/// The key file's bytes with one little-endian u32 field replaced.
fn with_field(b: &[u8], offset: usize, value: u32) -> Vec<u8> {
    let mut b = b.to_vec();
    b[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    b
}

/// SHA-256 over every file's relative path and bytes, in path order.
fn folder_hash(dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(&bytes);
    }
    hex::encode(h.finalize())
}

#[test]
fn key_file_asking_for_4_gib_and_64_passes_is_refused_before_argon2_runs() {
    let (tmp, v) = crate::testutil::vault();
    let dir = v.dir().to_path_buf();
    v.lock().unwrap();
    let key = dir.join("vault.key");
    let good = std::fs::read(&key).unwrap();
    let bad = with_field(&with_field(&good, 10, 4 * 1024 * 1024), 14, 64);
    std::fs::write(&key, &bad).unwrap();
    let before = folder_hash(&dir);
    let err = crate::vault::Vault::open(&dir, &crate::testutil::pass()).unwrap_err();
    assert_eq!(
        err.kind(),
        "key_file_out_of_range",
        "a key file asking Argon2id for 4 GiB must be refused as damaged, not tried: {err}"
    );
    assert!(
        err.to_string().contains("damaged"),
        "the message must say the key file is damaged: {err}"
    );
    assert_eq!(
        folder_hash(&dir),
        before,
        "refusing a damaged key file must not change any byte of the vault"
    );
    drop(tmp);
}

#[test]
fn every_out_of_range_kdf_field_is_refused_as_damaged() {
    let mk = MasterKey::generate();
    let good = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM)
        .unwrap()
        .to_bytes();
    let cases: [(&str, usize, u32); 7] = [
        ("Argon2id memory (KiB)", 10, MIN_MEMORY_KIB - 1),
        ("Argon2id memory (KiB)", 10, MAX_MEMORY_KIB + 1024),
        ("Argon2id memory (KiB)", 10, u32::MAX),
        ("Argon2id passes", 14, MAX_PASSES + 1),
        ("Argon2id passes", 14, 64),
        ("Argon2id lanes", 18, 0),
        ("Argon2id lanes", 18, MAX_LANES + 1),
    ];
    for (field, offset, value) in cases {
        let err = KeyFile::from_bytes(&with_field(&good, offset, value))
            .err()
            .unwrap_or_else(|| panic!("{field} = {value} must be refused"));
        assert_eq!(
            err.kind(),
            "key_file_out_of_range",
            "{field} = {value} is outside the accepted range and must be refused as damaged: {err}"
        );
        assert!(
            matches!(err, Error::KeyFileOutOfRange { field: f, value: got, .. } if f == field && got == value),
            "the error must name the field and value out of range: {err}"
        );
    }
}

#[test]
fn wrong_passphrase_on_an_in_range_key_file_is_still_a_wrong_passphrase() {
    let (tmp, v) = crate::testutil::vault();
    let dir = v.dir().to_path_buf();
    v.lock().unwrap();
    // Raised, but inside the accepted range: the parameters are tried, and the tag fails.
    let key = dir.join("vault.key");
    let raised = with_field(&std::fs::read(&key).unwrap(), 14, MIN_PASSES + 1);
    for bytes in [std::fs::read(&key).unwrap(), raised] {
        std::fs::write(&key, &bytes).unwrap();
        let before = folder_hash(&dir);
        let err = crate::vault::Vault::open(&dir, &pw("not the passphrase")).unwrap_err();
        assert_eq!(
            err.kind(),
            "wrong_passphrase",
            "an in-range key file with the wrong passphrase must say wrong passphrase: {err}"
        );
        assert_eq!(
            folder_hash(&dir),
            before,
            "a wrong passphrase must not change any byte of the vault"
        );
    }
    drop(tmp);
}

#[test]
fn a_huge_file_in_place_of_the_key_file_is_not_read_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("vault.key");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 40).unwrap(); // sparse: 1 TiB that costs no disk
    let bytes = read_bytes(&path).unwrap();
    assert_eq!(
        bytes.len(),
        LEN + 1,
        "reading the key file must stop one byte past a key file's length"
    );
    assert!(matches!(
        KeyFile::from_bytes(&bytes),
        Err(Error::BadKeyFile(_))
    ));
}

#[test]
fn a_secret_in_the_recovery_slot_never_opens_the_passphrase_slot() {
    let mk = MasterKey::generate();
    let mut kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let kek = kf.derive(b"same secret twice").unwrap();
    kf.set_slot(SlotRole::Recovery, &kek, &mk).unwrap();
    let opened = kf.try_all(&kek);
    assert!(
        opened[SlotRole::Recovery as usize].is_some() && opened[0].is_none(),
        "the same secret's key differs per slot: it opens only the slot it was put in"
    );
    assert!(
        matches!(
            kf.open(&pw("same secret twice")),
            Err(Error::WrongPassphrase)
        ),
        "a recovery secret typed as the passphrase must not open the passphrase slot"
    );
    let back = kf
        .open_as(b"same secret twice", SlotRole::Recovery)
        .unwrap();
    assert_eq!(back.expose(), mk.expose());
}

#[test]
fn a_slot_moved_to_another_position_does_not_open() {
    let mk = MasterKey::generate();
    let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let mut b = kf.to_bytes();
    let (head, rest) = b.split_at_mut(HEADER_END + SLOT_LEN);
    rest[..SLOT_LEN].copy_from_slice(&head[HEADER_END..]);
    let moved = KeyFile::from_bytes(&b).unwrap();
    let kek = moved.derive(b"correct horse").unwrap();
    let opened = moved.try_all(&kek);
    assert!(
        opened[0].is_some() && opened[1].is_none(),
        "a slot's position is authenticated: a copy in slot 1 must not open as slot 1"
    );
}

#[test]
fn a_format_2_key_file_has_the_documented_size_and_unused_slots_are_random() {
    let mk = MasterKey::generate();
    let a = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let b = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
    let (a, b) = (a.to_bytes(), b.to_bytes());
    assert_eq!(a.len(), 342, "docs/vault-format.md says 342 bytes");
    for i in 1..SLOTS {
        let at = HEADER_END + i * SLOT_LEN;
        assert_ne!(
            a[at..at + SLOT_LEN],
            b[at..at + SLOT_LEN],
            "unused slot {i} must be fresh random bytes, never a constant"
        );
    }
}
