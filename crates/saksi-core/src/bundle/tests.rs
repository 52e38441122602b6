//! Crafted bundles that need a re-signed manifest (so they cannot be made from outside): each is
//! refused with its own error kind and leaves the HQ vault byte-for-byte unchanged. The
//! byte-level corpus (flips, truncations, reordering…) runs end to end in tests/bundle/.

use std::io::{Read, Write};

use super::manifest::Manifest;
use super::*;
use crate::crypto::minisign;
use crate::vault::{KdfProfile, Vault};

pub(super) use crate::testutil::{pass, tree_hash as snapshot};

pub(super) struct Setup {
    pub tmp: tempfile::TempDir,
    pub mon: Vault,
    pub hq: Vault,
    pub hq_identity: age::x25519::Identity,
    pub entries: Vec<(String, Vec<u8>)>,
}

/// The kit's monitor-plus-HQ world, with one incident exported to HQ as `b.saksi` and unpacked.
pub(super) fn setup() -> Setup {
    let crate::testutil::World { tmp, mut mon, hq } = crate::testutil::world();
    let input: crate::model::IncidentInput = serde_json::from_str(
        r#"{"title": "ការចាប់ខ្លួន", "description": "arrest", "kinds": ["arbitrary_arrest"],
            "people": {"a": {"name": "សុខ"}}, "involvements": [{"person": "a", "role": "victim"}]}"#,
    )
    .unwrap();
    mon.incidents_mut().add(&input).unwrap();
    let out = tmp.path().join("b.saksi");
    export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let hq_identity = keys::hq_identity(&hq).unwrap().unwrap();
    let entries = unpack(&std::fs::read(&out).unwrap(), &hq_identity);
    Setup {
        tmp,
        mon,
        hq,
        hq_identity,
        entries,
    }
}

pub(crate) fn unpack(bytes: &[u8], id: &age::x25519::Identity) -> Vec<(String, Vec<u8>)> {
    let d = age::Decryptor::new(bytes).unwrap();
    let r = d
        .decrypt(std::iter::once(id as &dyn age::Identity))
        .unwrap();
    let mut a = tar::Archive::new(r);
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = String::from_utf8(e.path_bytes().to_vec()).unwrap();
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        out.push((name, v));
    }
    out
}

/// Packs entries (names written raw, so `../` survives) and encrypts them to HQ.
pub(crate) fn pack(entries: &[(String, Vec<u8>)], to: &age::x25519::Recipient) -> Vec<u8> {
    encrypt_to(&tar_of(entries), to)
}

/// The tar archive of `entries`, names written raw.
pub(super) fn tar_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in entries {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, bytes.as_slice()).unwrap();
    }
    tar.into_inner().unwrap()
}

/// `plain` as an age file for `to`.
pub(super) fn encrypt_to(plain: &[u8], to: &age::x25519::Recipient) -> Vec<u8> {
    let enc = age::Encryptor::with_recipients(std::iter::once(to as &dyn age::Recipient)).unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(plain).unwrap();
    w.finish().unwrap();
    out
}

/// Edits the manifest and signs it again with `signer` (the monitor, unless a forger).
pub(super) fn resign(
    entries: &mut [(String, Vec<u8>)],
    signer: &Vault,
    edit: impl FnOnce(&mut Manifest),
) {
    let mut m: Manifest = serde_json::from_slice(&entries[0].1).unwrap();
    edit(&mut m);
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap();
    bytes.push(b'\n');
    entries[1].1 = minisign::sign(signer.device(), &bytes, &m.trusted_comment()).into_bytes();
    entries[0].1 = bytes;
}

/// Recomputes every hash and size in the manifest from `entries`, then SHA256SUMS and its
/// signature, then the manifest's signature: what a signer who crafts a bundle can do.
pub(crate) fn rebuild(entries: &mut [(String, Vec<u8>)], signer: &Vault) {
    let mut m: Manifest = serde_json::from_slice(&entries[0].1).unwrap();
    for (name, bytes) in entries.iter().skip(2) {
        if name != manifest::SUMS && name != manifest::SUMS_SIG {
            if let Some(f) = m.files.iter_mut().find(|f| &f.path == name) {
                f.sha256 = sha256_hex(bytes);
                f.size = bytes.len() as u64;
            }
        }
    }
    let sums = m.sums_file().into_bytes();
    let sums_sig = minisign::sign(
        signer.device(),
        &sums,
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    set_file(&mut m, manifest::SUMS, &sums);
    set_file(&mut m, manifest::SUMS_SIG, &sums_sig);
    for (name, bytes) in entries.iter_mut() {
        if name == manifest::SUMS {
            *bytes = sums.clone();
        } else if name == manifest::SUMS_SIG {
            *bytes = sums_sig.clone();
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap();
    bytes.push(b'\n');
    entries[1].1 = minisign::sign(signer.device(), &bytes, &m.trusted_comment()).into_bytes();
    entries[0].1 = bytes;
}

pub(super) fn set_file(m: &mut Manifest, path: &str, bytes: &[u8]) {
    let f = m.files.iter_mut().find(|f| f.path == path).unwrap();
    f.sha256 = sha256_hex(bytes);
    f.size = bytes.len() as u64;
}

pub(super) fn expect_refused(s: &mut Setup, name: &str, bytes: Vec<u8>, kind: &str) {
    let file = s.tmp.path().join(format!("fail_{name}.saksi"));
    std::fs::write(&file, bytes).unwrap();
    let before = snapshot(s.hq.dir());
    let err = import(&mut s.hq, &file, None).expect_err(name);
    assert_eq!(err.kind(), kind, "fail_{name}: {err}");
    assert_eq!(
        before,
        snapshot(s.hq.dir()),
        "fail_{name}: a refused import must not change one byte of the vault"
    );
    assert!(
        err.to_string().contains("nothing was imported"),
        "fail_{name}: {err}"
    );
}

#[test]
fn crafted_bundles_are_refused_each_with_its_own_error() {
    let mut s = setup();
    let to = s.hq_identity.to_public();
    let record = s
        .entries
        .iter()
        .position(|(n, _)| n.starts_with("records/incident/"))
        .unwrap();
    let record_name = s.entries[record].0.clone();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();

    let mut e = s.entries.clone();
    e.remove(1);
    cases.push(("unsigned", pack(&e, &to), "bundle_unsigned"));

    let mut e = s.entries.clone();
    resign(&mut e, &s.mon, |m| m.version = 2);
    cases.push(("unknown_version", pack(&e, &to), "bundle_unknown_version"));

    let mut e = s.entries.clone();
    let pos = e[record].1.iter().position(|b| *b == b'a').unwrap();
    e[record].1[pos] = b'b';
    cases.push((
        "record_hash_mismatch",
        pack(&e, &to),
        "bundle_hash_mismatch",
    ));

    let mut e = s.entries.clone();
    e[0].1[10] ^= 1;
    cases.push((
        "manifest_altered_after_signing",
        pack(&e, &to),
        "bundle_bad_signature",
    ));

    let mut e = s.entries.clone();
    e.push(("../evil".into(), b"x".to_vec()));
    resign(&mut e, &s.mon, |m| {
        m.files.push(manifest::FileEntry {
            path: "../evil".into(),
            sha256: sha256_hex(b"x"),
            size: 1,
        })
    });
    cases.push((
        "path_traversal_in_manifest",
        pack(&e, &to),
        "bundle_bad_entry_name",
    ));

    let mut e = s.entries.clone();
    e.push(("../../etc/cron.d/x".into(), b"x".to_vec()));
    cases.push((
        "path_traversal_in_archive",
        pack(&e, &to),
        "bundle_bad_entry_name",
    ));

    let mut e = s.entries.clone();
    e.push((
        format!("records/incident/{}.json", uuid::Uuid::now_v7()),
        b"{}".to_vec(),
    ));
    cases.push(("extra_file", pack(&e, &to), "bundle_extra_file"));

    let mut e = s.entries.clone();
    e.remove(record);
    cases.push(("missing_file", pack(&e, &to), "bundle_missing_file"));

    let mut e = s.entries.clone();
    resign(&mut e, &s.mon, |m| {
        m.files
            .iter_mut()
            .find(|f| f.path == record_name)
            .unwrap()
            .size = limits::MAX_RECORD_BYTES + 1
    });
    cases.push(("oversized_entry", pack(&e, &to), "bundle_too_large"));

    let mut e = s.entries.clone();
    e[record].1 = b"{\"record_type\": [[[[".to_vec();
    let bad = e[record].1.clone();
    resign(&mut e, &s.mon, |m| set_file(m, &record_name, &bad));
    // SHA256SUMS must follow the manifest, or that is caught first.
    let sums_pos = e.iter().position(|(n, _)| n == manifest::SUMS).unwrap();
    let m: Manifest = serde_json::from_slice(&e[0].1).unwrap();
    e[sums_pos].1 = m.sums_file().into_bytes();
    let sums = e[sums_pos].1.clone();
    resign(&mut e, &s.mon, |m| set_file(m, manifest::SUMS, &sums));
    // …and so must its signature (the signer can make both; minisign checks both).
    rebuild(&mut e, &s.mon);
    cases.push(("malformed_json", pack(&e, &to), "bundle_malformed"));

    let mut e = s.entries.clone();
    let other = age::x25519::Identity::generate().to_public().to_string();
    resign(&mut e, &s.mon, |m| {
        m.recipients = vec![manifest::ManifestRecipient {
            fingerprint: keys::recipient_fingerprint(&other),
            recipient: other,
        }]
    });
    cases.push((
        "not_addressed_to_us",
        pack(&e, &to),
        "bundle_not_addressed_to_us",
    ));

    let forger = Vault::create_named(
        &s.tmp.path().join("forger"),
        &pass(),
        KdfProfile::Minimum,
        Some("forger"),
    )
    .unwrap();
    let mut e = s.entries.clone();
    resign(&mut e, &forger, |_| {});
    cases.push(("unknown_signer", pack(&e, &to), "bundle_unknown_signer"));

    let mut e = s.entries.clone();
    resign(&mut e, &s.mon, |m| {
        m.device_id = forger.device().id().to_string()
    });
    cases.push((
        "device_id_not_the_signer",
        pack(&e, &to),
        "bundle_malformed",
    ));

    let mut e = s.entries.clone();
    e.swap(2, 3);
    cases.push(("reordered_entries", pack(&e, &to), "bundle_missing_file"));

    for (name, bytes, kind) in cases {
        expect_refused(&mut s, name, bytes, kind);
    }

    // The genuine bundle still imports, once; a different bundle reusing its sequence number is
    // a replay.
    let genuine = pack(&s.entries, &to);
    let file = s.tmp.path().join("genuine.saksi");
    std::fs::write(&file, &genuine).unwrap();
    assert!(matches!(
        import(&mut s.hq, &file, None).unwrap(),
        ImportOutcome::Imported(_)
    ));
    assert!(matches!(
        import(&mut s.hq, &file, None).unwrap(),
        ImportOutcome::AlreadyImported(_)
    ));
    let mut e = s.entries.clone();
    resign(&mut e, &s.mon, |m| {
        m.bundle_id = uuid::Uuid::now_v7().to_string()
    });
    expect_refused(
        &mut s,
        "replayed_sequence",
        pack(&e, &to),
        "bundle_replayed",
    );
}

#[test]
fn a_passphrase_encrypted_file_is_refused_without_running_scrypt() {
    let mut s = setup();
    let enc =
        age::Encryptor::with_user_passphrase(age::secrecy::SecretString::from("x".to_string()));
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(b"hello").unwrap();
    w.finish().unwrap();
    expect_refused(&mut s, "passphrase", out, "bundle_passphrase");
}

#[test]
fn minisign_signatures_round_trip_and_reject_changes() {
    let s = setup();
    let sig = minisign::sign(s.mon.device(), b"hello", "the-comment");
    let parsed = minisign::SignatureFile::parse(sig.as_bytes()).unwrap();
    let key =
        minisign::parse_public_key(&minisign::public_key_string(&s.mon.device().public_key()))
            .unwrap();
    assert!(parsed.verify(&key, b"hello").is_ok());
    assert!(
        parsed.verify(&key, b"hellO").is_err(),
        "a changed message must not verify"
    );
    let forged = sig.replace("the-comment", "the-c0mment");
    let parsed = minisign::SignatureFile::parse(forged.as_bytes()).unwrap();
    assert!(
        parsed.verify(&key, b"hello").is_err(),
        "a changed trusted comment must not verify"
    );
}

#[test]
fn preview_matches_the_export_and_cancelling_leaves_nothing() {
    use std::ops::ControlFlow;
    let mut s = setup();
    let opts = ExportOptions {
        to: vec!["hq".into()],
        out: s.tmp.path().join("second.saksi"),
        ..Default::default()
    };
    let preview = export::preview(&s.mon, &opts).unwrap();
    assert_eq!(preview.counts.get("incident"), Some(&1));
    let before = snapshot(&s.tmp.path().join("mon"));
    let mut cancel = |_d: u64, _t: Option<u64>| ControlFlow::Break(());
    let err = export::export_with(&mut s.mon, &opts, &mut cancel).unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert!(
        !opts.out.exists(),
        "a cancelled export leaves no bundle file"
    );
    let leftovers: Vec<_> = std::fs::read_dir(s.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "no partial file: {leftovers:?}");
    assert_eq!(
        before,
        snapshot(&s.tmp.path().join("mon")),
        "a cancelled export records nothing"
    );
    let summary = export::export(&mut s.mon, &opts).unwrap();
    assert_eq!(
        summary.counts, preview.counts,
        "the preview says what the export holds"
    );

    // Import: cancelled before applying, the HQ vault is unchanged.
    let hq_before = snapshot(&s.tmp.path().join("hq"));
    let mut cancel_late = |d: u64, t: Option<u64>| {
        if t.is_some_and(|t| d * 3 >= t * 2) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let err = import::import_with(&mut s.hq, &opts.out, None, &mut cancel_late).unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(
        hq_before,
        snapshot(&s.tmp.path().join("hq")),
        "a cancelled import changes nothing"
    );
    let _ = &s.hq_identity;
}

#[test]
fn a_bundle_encrypted_to_a_recipient_its_manifest_does_not_list_is_refused() {
    let mut s = setup();
    let hq = s.hq_identity.to_public();
    let eavesdropper = age::x25519::Identity::generate().to_public();
    // The genuine, signed entries, encrypted to HQ and to one reader the monitor never named.
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes) in &s.entries {
        let mut h = tar::Header::new_ustar();
        h.set_path(name).unwrap();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, bytes.as_slice()).unwrap();
    }
    let plain = tar.into_inner().unwrap();
    let enc = age::Encryptor::with_recipients(
        [
            &hq as &dyn age::Recipient,
            &eavesdropper as &dyn age::Recipient,
        ]
        .into_iter(),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).unwrap();
    w.write_all(&plain).unwrap();
    w.finish().unwrap();
    expect_refused(
        &mut s,
        "one_recipient_more_than_the_manifest",
        out,
        "bundle_unlisted_recipients",
    );
    // The same entries to HQ alone import.
    let file = s.tmp.path().join("genuine.saksi");
    std::fs::write(&file, pack(&s.entries, &hq)).unwrap();
    assert!(
        matches!(
            import(&mut s.hq, &file, None).unwrap(),
            ImportOutcome::Imported(_)
        ),
        "a bundle encrypted exactly to its listed recipients imports"
    );
}

#[test]
fn a_bundle_with_a_legacy_free_text_perpetrator_type_imports_it_unchanged() {
    let crate::testutil::World {
        tmp,
        mut mon,
        mut hq,
    } = crate::testutil::world();
    let input: crate::model::IncidentInput = serde_json::from_str(
        r#"{"title": "Beating", "involvements": [{"role": "perpetrator",
            "perpetrator_type": "police", "counting": {"unit": "group", "min": 3}}]}"#,
    )
    .unwrap();
    let id = mon.incidents_mut().add(&input).unwrap();
    // What a monitor on a build before schema 21 stored (its own check accepted free text).
    mon.conn
        .execute(
            "UPDATE involvement SET perpetrator_type = 'Bodyguards (PM)' WHERE incident_id = ?1",
            [id.to_string()],
        )
        .unwrap();
    let out = tmp.path().join("legacy.saksi");
    export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        matches!(
            import(&mut hq, &out, None).unwrap(),
            ImportOutcome::Imported(_)
        ),
        "import writes rows as they are and never refuses legacy free text"
    );
    let got = hq.incidents().get(&id).unwrap();
    assert_eq!(
        got.involvements[0].perpetrator_type.as_deref(),
        Some("Bodyguards (PM)")
    );
}
