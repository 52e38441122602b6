//! Regression tests for the holes an outside attack found in merging, authorship and the
//! integrity checks of a bundle (threat-model invariants 9 and 11). Each crafted bundle is
//! signed by a trusted device (the monitor), as a seized and coerced laptop would sign it.

use super::manifest::{self, Manifest};
use super::rows::{self, RecordFile};
use super::tests::{expect_refused, pack, rebuild, resign, setup, unpack, Setup};
use super::*;
use crate::crypto::minisign;
use crate::custody::{self, Action};
use crate::model::IncidentInput;
use crate::vault::{KdfProfile, Vault};

/// A bundle signed by the monitor carrying exactly `recs` (and `custody`, if any), with a fresh
/// id and the given sequence number.
fn craft(s: &Setup, recs: &[RecordFile], custody: Option<Vec<u8>>, sequence: i64) -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = recs
        .iter()
        .map(|r| {
            (
                format!("records/{}/{}.json", r.record_type, r.id),
                r.to_bytes(),
            )
        })
        .collect();
    if let Some(c) = custody {
        files.push((manifest::CUSTODY.into(), c));
    }
    craft_files(s, files, sequence)
}

/// A bundle signed by the monitor carrying exactly `files` (after the manifest, its signature
/// and the two sums files), in that order, with a fresh id and the given sequence number.
fn craft_files(s: &Setup, files: Vec<(String, Vec<u8>)>, sequence: i64) -> Vec<u8> {
    let mut e: Vec<(String, Vec<u8>)> = s.entries[..4].to_vec();
    e.extend(files);
    let names: Vec<String> = e[2..].iter().map(|(n, _)| n.clone()).collect();
    resign(&mut e, &s.mon, |m| {
        m.bundle_id = uuid::Uuid::now_v7().to_string();
        m.sequence = sequence;
        m.files = names
            .iter()
            .map(|n| manifest::FileEntry {
                path: n.clone(),
                sha256: String::new(),
                size: 0,
            })
            .collect();
    });
    rebuild(&mut e, &s.mon);
    pack(&e, &s.hq_identity.to_public())
}

fn import_bytes(s: &mut Setup, name: &str, bytes: Vec<u8>) -> crate::Result<ImportOutcome> {
    let file = s.tmp.path().join(format!("{name}.saksi"));
    std::fs::write(&file, bytes).unwrap();
    import(&mut s.hq, &file, None)
}

fn summary(o: ImportOutcome) -> ImportSummary {
    match o {
        ImportOutcome::Imported(s) => s,
        other => panic!("expected an import, got {other:?}"),
    }
}

fn send(s: &mut Setup, name: &str) -> ImportSummary {
    let out = s.tmp.path().join(format!("{name}.saksi"));
    export(
        &mut s.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    summary(import(&mut s.hq, &out, None).unwrap())
}

fn title(v: &Vault, id: &uuid::Uuid) -> String {
    v.incidents().get(id).unwrap().title
}

fn retitle(v: &mut Vault, id: &uuid::Uuid, t: &str) {
    v.incidents_mut()
        .update(
            id,
            &IncidentInput {
                title: t.into(),
                ..Default::default()
            },
        )
        .unwrap();
}

fn load(v: &Vault, ty: &str, id: &str) -> RecordFile {
    rows::load(&v.conn, rows::spec(ty).unwrap(), id, false)
        .unwrap()
        .unwrap()
}

#[test]
fn a_coerced_laptop_cannot_replace_hqs_record_with_a_higher_version() {
    let mut s = setup();
    let hq_incident = crate::testutil::incident(&mut s.hq, "HQ's own finding");
    let mut forged = load(&s.hq, "incident", &hq_incident.to_string());
    forged
        .row
        .insert("title".into(), "rewritten by a seized laptop".into());
    forged.row.insert("version".into(), 50.into());

    // Claiming HQ wrote it: HQ's own signed entry for that version is not in the bundle.
    let bytes = craft(&s, std::slice::from_ref(&forged), None, 1);
    expect_refused(
        &mut s,
        "claims_hq_authorship",
        bytes,
        "bundle_unproven_author",
    );

    // Signed as its own edit, even naming the version HQ holds: a conflict, never an update.
    let held = lineage::refresh(&s.hq.conn, &load(&s.hq, "incident", &forged.id)).unwrap();
    forged
        .row
        .insert("device_id".into(), s.mon.device().id().into());
    forged.ancestors = vec![held.head];
    let bytes = craft(&s, &[forged], None, 1);
    let out = summary(import_bytes(&mut s, "own_edit", bytes).unwrap());
    assert_eq!(
        out.conflicts.get("incident"),
        Some(&1),
        "another device's edit of HQ's record is a visible conflict"
    );
    assert_eq!(
        title(&s.hq, &hq_incident),
        "HQ's own finding",
        "a trusted laptop must never silently replace HQ's record"
    );
}

#[test]
fn an_update_applies_only_as_a_fast_forward_from_the_version_held() {
    let mut s = setup();
    let id: uuid::Uuid = s.mon.incidents().list().unwrap()[0].id.parse().unwrap();
    assert_eq!(send(&mut s, "b1").added.get("incident"), Some(&1));

    retitle(&mut s.mon, &id, "second version");
    let b2 = send(&mut s, "b2");
    assert_eq!(
        b2.updated.get("incident"),
        Some(&1),
        "an edit of exactly the version HQ holds is a fast-forward"
    );
    assert_eq!(title(&s.hq, &id), "second version");

    // A version number alone never wins: no ancestry, version 99.
    let mut bare = load(&s.mon, "incident", &id.to_string());
    bare.row.insert("title".into(), "version 99".into());
    bare.row.insert("version".into(), 99.into());
    let bytes = craft(&s, &[bare], None, 7);
    let out = summary(import_bytes(&mut s, "v99", bytes).unwrap());
    assert_eq!(out.conflicts.get("incident"), Some(&1));
    assert_eq!(
        title(&s.hq, &id),
        "second version",
        "a higher version number without the held version in its ancestry must not apply"
    );

    // HQ edits; the monitor edits too: concurrent, kept side by side.
    retitle(&mut s.hq, &id, "HQ's correction");
    retitle(&mut s.mon, &id, "monitor's third version");
    let b3 = send(&mut s, "b3");
    assert_eq!(b3.conflicts.get("incident"), Some(&1));
    assert_eq!(title(&s.hq, &id), "HQ's correction");

    // Resolved at HQ: the monitor's copy that lost is now an ancestor, not a new conflict.
    let c = conflicts(&s.hq).unwrap();
    let mine = c
        .iter()
        .find(|c| {
            c.record_type == "incident" && c.incoming["row"]["title"] == "monitor's third version"
        })
        .unwrap();
    conflict::resolve(&mut s.hq, &mine.id, conflict::Resolution::KeepLocal).unwrap();
    let again = send(&mut s, "b4");
    assert_eq!(again.conflicts.get("incident"), None, "{again:?}");
    assert_eq!(title(&s.hq, &id), "HQ's correction");
}

#[test]
fn forwarded_records_keep_their_authors_signed_entry() {
    let mut s = setup();
    send(&mut s, "b1");
    let tmp = s.tmp.path().to_path_buf();
    let mut lawyer = Vault::create_named(
        &tmp.join("lawyer"),
        &super::tests::pass(),
        KdfProfile::Minimum,
        Some("lawyer"),
    )
    .unwrap();
    let r = keys::keygen(&mut lawyer).unwrap();
    keys::recipient_add(&mut s.hq, "lawyer", &r).unwrap();
    let hq_card = serde_json::to_vec(&keys::device_card(&s.hq).unwrap()).unwrap();
    keys::trust_add(&mut lawyer, &hq_card).unwrap();
    let out = tmp.join("forward.saksi");
    export(
        &mut s.hq,
        &ExportOptions {
            to: vec!["lawyer".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();

    // Without the monitor's attestations the forwarded records prove nothing: refused.
    let lawyer_id = keys::hq_identity(&lawyer).unwrap().unwrap();
    let mut e = unpack(&std::fs::read(&out).unwrap(), &lawyer_id);
    e.retain(|(n, _)| n != manifest::CUSTODY);
    resign(&mut e, &s.hq, |m| {
        m.files.retain(|f| f.path != manifest::CUSTODY)
    });
    rebuild(&mut e, &s.hq);
    let stripped = tmp.join("stripped.saksi");
    std::fs::write(&stripped, pack(&e, &lawyer_id.to_public())).unwrap();
    let err = import(&mut lawyer, &stripped, None).unwrap_err();
    assert_eq!(err.kind(), "bundle_unproven_author", "{err}");

    let got = summary(import(&mut lawyer, &out, None).unwrap());
    assert_eq!(
        got.added.get("incident"),
        Some(&1),
        "HQ forwards a monitor's record unchanged, with the monitor's signed entry"
    );
    let id = s.mon.incidents().list().unwrap()[0].id.to_string();
    assert_eq!(
        load(&lawyer, "incident", &id).device_id(),
        Some(s.mon.device().id()),
        "the forwarded record still names its author"
    );
    assert!(lawyer.verify().unwrap().ok());
}

#[test]
fn a_sha256sums_signature_that_minisign_would_reject_is_refused() {
    let mut s = setup();
    let forger = Vault::create_named(
        &s.tmp.path().join("forger"),
        &super::tests::pass(),
        KdfProfile::Minimum,
        Some("forger"),
    )
    .unwrap();
    let mut e = s.entries.clone();
    let m: Manifest = serde_json::from_slice(&e[0].1).unwrap();
    let bad = minisign::sign(
        forger.device(),
        &m.sums_file().into_bytes(),
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    let pos = e.iter().position(|(n, _)| n == manifest::SUMS_SIG).unwrap();
    e[pos].1 = bad.clone();
    resign(&mut e, &s.mon, |m| {
        super::tests::set_file(m, manifest::SUMS_SIG, &bad)
    });
    let to = s.hq_identity.to_public();
    expect_refused(
        &mut s,
        "sums_signed_by_another_key",
        pack(&e, &to),
        "bundle_bad_sums_signature",
    );

    let mut e = s.entries.clone();
    e.retain(|(n, _)| n != manifest::SUMS_SIG);
    resign(&mut e, &s.mon, |m| {
        m.files.retain(|f| f.path != manifest::SUMS_SIG)
    });
    expect_refused(
        &mut s,
        "sums_unsigned",
        pack(&e, &to),
        "bundle_bad_sums_signature",
    );
}

fn custody_of(s: &Setup) -> Vec<custody::Entry> {
    let (_, bytes) = s
        .entries
        .iter()
        .find(|(n, _)| n == manifest::CUSTODY)
        .unwrap();
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect()
}

fn with_custody(s: &Setup, entries: &[custody::Entry]) -> Vec<u8> {
    let mut jsonl = Vec::new();
    for x in entries {
        jsonl.extend(serde_json::to_vec(x).unwrap());
        jsonl.push(b'\n');
    }
    let mut e = s.entries.clone();
    let pos = e.iter().position(|(n, _)| n == manifest::CUSTODY).unwrap();
    e[pos].1 = jsonl;
    rebuild(&mut e, &s.mon);
    pack(&e, &s.hq_identity.to_public())
}

fn resign_entry(s: &Setup, e: &mut custody::Entry) {
    e.entry_hash = e.compute_hash();
    e.signature = s.mon.device().sign(e.entry_hash.as_bytes()).to_vec();
}

#[test]
fn custody_entries_are_rehashed_and_chained_on_import() {
    let mut s = setup();
    let log = custody_of(&s);
    assert!(
        log.len() >= 2,
        "the bundle carries the records' custody entries"
    );

    let mut altered = log.clone();
    altered[0].details = Some("edited after signing".into());
    let bytes = with_custody(&s, &altered);
    expect_refused(
        &mut s,
        "custody_entry_altered",
        bytes,
        "bundle_custody_broken",
    );

    // Re-hashed and re-signed with the device key, but no longer following the entry before.
    let mut unchained = log.clone();
    let i = (1..unchained.len())
        .find(|&i| unchained[i].seq == unchained[i - 1].seq + 1)
        .expect("two consecutive entries");
    unchained[i].prev_hash = "11".repeat(32);
    resign_entry(&s, &mut unchained[i]);
    let bytes = with_custody(&s, &unchained);
    expect_refused(
        &mut s,
        "custody_chain_broken",
        bytes,
        "bundle_custody_broken",
    );

    // Once part of a device's log is held, that device cannot rewrite it.
    let genuine = pack(&s.entries, &s.hq_identity.to_public());
    summary(import_bytes(&mut s, "genuine", genuine).unwrap());
    let mut rewritten = log.clone();
    rewritten[0].details = Some("a different history".into());
    resign_entry(&s, &mut rewritten[0]);
    let mut e = s.entries.clone();
    let pos = e.iter().position(|(n, _)| n == manifest::CUSTODY).unwrap();
    let mut jsonl = Vec::new();
    for x in &rewritten {
        jsonl.extend(serde_json::to_vec(x).unwrap());
        jsonl.push(b'\n');
    }
    e[pos].1 = jsonl;
    resign(&mut e, &s.mon, |m| {
        m.bundle_id = uuid::Uuid::now_v7().to_string();
        m.sequence = 2;
    });
    rebuild(&mut e, &s.mon);
    let to = s.hq_identity.to_public();
    expect_refused(
        &mut s,
        "custody_log_rewritten",
        pack(&e, &to),
        "bundle_custody_broken",
    );

    // And `verify` re-checks what was stored.
    assert!(s.hq.verify().unwrap().ok());
    s.hq.conn
        .execute("UPDATE imported_custody SET details = 'forged'", [])
        .unwrap();
    let report = s.hq.verify().unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("received custody")),
        "verify must re-check received custody entries: {:?}",
        report.problems
    );
}

#[test]
fn a_bundle_id_in_capitals_is_the_same_bundle() {
    let mut s = setup();
    let to = s.hq_identity.to_public();
    let genuine = pack(&s.entries, &to);
    summary(import_bytes(&mut s, "genuine", genuine).unwrap());
    let mut e = s.entries.clone();
    resign(&mut e, &s.mon, |m| {
        m.bundle_id = m.bundle_id.to_uppercase();
        m.sequence = 2;
    });
    expect_refused(
        &mut s,
        "bundle_id_in_capitals",
        pack(&e, &to),
        "bundle_replayed",
    );
}

#[test]
fn attachment_conflicts_can_be_resolved() {
    let mut s = setup();
    let incident: uuid::Uuid = s.mon.incidents().list().unwrap()[0].id.parse().unwrap();
    let photo = crate::evidence::intake_reader(
        &mut s.mon,
        crate::model::RecordType::Incident,
        &incident,
        "photo.bin",
        &b"the original bytes"[..],
    )
    .unwrap();
    let got = send(&mut s, "with_photo");
    assert_eq!(got.added.get("attachment"), Some(&1));

    let att_id = photo.attachment.id.clone();
    let mut other = load(&s.mon, "attachment", &att_id);
    let bytes = b"other bytes under the same id".to_vec();
    other.row.insert("sha256".into(), sha256_hex(&bytes).into());
    other.row.insert("size".into(), (bytes.len() as u64).into());
    let crafted = craft_files(
        &s,
        vec![
            (
                format!("records/attachment/{att_id}.json"),
                other.to_bytes(),
            ),
            (format!("files/{att_id}"), bytes),
        ],
        9,
    );
    let out = summary(import_bytes(&mut s, "other_bytes", crafted).unwrap());
    assert_eq!(out.conflicts.get("attachment"), Some(&1));
    let c = conflicts(&s.hq).unwrap();
    assert_eq!(c.len(), 1);

    let err =
        conflict::resolve(&mut s.hq, &c[0].id, conflict::Resolution::TakeIncoming).unwrap_err();
    assert_eq!(err.kind(), "bundle_attachment_immutable", "{err}");
    conflict::resolve(&mut s.hq, &c[0].id, conflict::Resolution::KeepLocal)
        .expect("keeping this vault's file resolves an attachment conflict");
    assert!(conflicts(&s.hq).unwrap().is_empty());
    let entries = custody::entries(&s.hq).unwrap();
    assert_eq!(
        entries.last().map(|e| e.action.as_str()),
        Some(Action::RecordEdited.as_str()),
        "the choice is in the custody log"
    );
    assert!(s.hq.verify().unwrap().ok());
}
