//! Annotations in bundles (issue 11): a lawyer reviewing in their own vault sends annotations
//! to HQ, signed by the lawyer's device and merged like records.

use super::*;
use crate::bundle::{self, keys, ExportOptions, ImportOutcome, ImportSummary};
use crate::testutil::{incident, world};

fn send(from: &mut Vault, to: &mut Vault, name: &str, dir: &std::path::Path) -> ImportSummary {
    let out = dir.join(format!("{name}-{}.saksi", Uuid::now_v7()));
    bundle::export(
        from,
        &ExportOptions {
            to: vec![name.into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    match bundle::import(to, &out, None).unwrap() {
        ImportOutcome::Imported(s) => s,
        other => panic!("expected an import, got {other:?}"),
    }
}

fn count(m: &std::collections::BTreeMap<String, u64>) -> u64 {
    m.get("annotation").copied().unwrap_or(0)
}

#[test]
fn a_lawyers_annotation_reaches_hq_signed_by_the_lawyers_device_and_merges_like_a_record() {
    // world(): "mon" sends to "hq", which trusts it. Here "mon" is the lawyer's laptop; HQ
    // also sends to the lawyer, who trusts HQ.
    let w = world();
    let (tmp, mut lawyer, mut hq) = (w.tmp, w.mon, w.hq);
    let r = keys::keygen(&mut lawyer).unwrap();
    keys::recipient_add(&mut hq, "lawyer", &r).unwrap();
    let card = serde_json::to_vec(&keys::device_card(&hq).unwrap()).unwrap();
    keys::trust_add(&mut lawyer, &card).unwrap();

    let inc = incident(&mut hq, "Arrest of a land activist");
    send(&mut hq, &mut lawyer, "lawyer", tmp.path());
    lawyer.set_review_mode(true).unwrap();
    let subject = Subject::new(RecordType::Incident, inc).unwrap();
    let a = lawyer
        .annotate(
            &subject,
            &AnnotationInput {
                note: "Detention exceeds the legal limit".into(),
                tags: vec!["iccpr_9".into()],
                reviewed: true,
                reviewer: None,
            },
        )
        .unwrap();

    let s = send(&mut lawyer, &mut hq, "hq", tmp.path());
    assert_eq!(count(&s.added), 1, "HQ adds the lawyer's annotation: {s:?}");
    assert_eq!(
        s.device_id,
        lawyer.device().id(),
        "the bundle is signed by the lawyer's device"
    );
    let held = hq.annotations_for(&subject).unwrap();
    assert_eq!(held.len(), 1, "HQ shows the annotation on its incident");
    assert_eq!(
        held[0].device_id,
        lawyer.device().id(),
        "authored by the lawyer's device"
    );
    assert_eq!(held[0].tags, ["iccpr_9"]);
    assert_eq!(
        held[0].reviewer.as_deref(),
        Some("mon"),
        "the reviewer is the lawyer's device by default"
    );
    let h = crate::history::history(&hq, &a).unwrap();
    assert_eq!(h.versions.len(), 1, "HQ keeps the version in its history");
    assert_eq!(h.versions[0].device_id, lawyer.device().id());
    assert_eq!(
        h.versions[0].custody,
        crate::history::Custody::Agrees,
        "the lawyer's signed custody entry for the version travelled with it and agrees"
    );

    // The lawyer edits: a fast-forward at HQ.
    lawyer
        .edit_annotation(
            &a,
            Some(1),
            &AnnotationInput {
                note: "Detention exceeds 48 hours".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let s = send(&mut lawyer, &mut hq, "hq", tmp.path());
    assert_eq!(
        count(&s.updated),
        1,
        "an edit from the version HQ holds applies: {s:?}"
    );
    assert_eq!(
        hq.annotation(&a).unwrap().note,
        "Detention exceeds 48 hours"
    );

    // HQ and the lawyer both edit the same version: a conflict at HQ, nothing overwritten.
    hq.edit_annotation(
        &a,
        None,
        &AnnotationInput {
            note: "HQ's reading".into(),
            ..Default::default()
        },
    )
    .unwrap();
    lawyer
        .edit_annotation(
            &a,
            None,
            &AnnotationInput {
                note: "The lawyer's reading".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let s = send(&mut lawyer, &mut hq, "hq", tmp.path());
    assert_eq!(
        count(&s.conflicts),
        1,
        "concurrent edits of an annotation are a conflict: {s:?}"
    );
    assert_eq!(
        hq.annotation(&a).unwrap().note,
        "HQ's reading",
        "HQ's version stays until resolved"
    );
    let c = bundle::conflicts(&hq).unwrap();
    let c = c
        .iter()
        .find(|c| c.record_type == "annotation")
        .expect("the conflict is listed");
    bundle::conflict::resolve(&mut hq, &c.id, bundle::conflict::Resolution::TakeIncoming).unwrap();
    let settled = hq.annotation(&a).unwrap();
    assert_eq!(
        settled.note, "The lawyer's reading",
        "taking the incoming copy applies it"
    );
    assert!(
        settled.tags.is_empty(),
        "with the incoming copy's tags (none)"
    );
}

#[test]
fn an_annotation_on_an_attachment_travels_and_one_on_a_withheld_testimony_stays() {
    let w = world();
    let (tmp, mut mon, mut hq) = (w.tmp, w.mon, w.hq);
    let inc = incident(&mut mon, "Eviction");
    let f = tmp.path().join("photo.txt");
    std::fs::write(&f, b"a photo").unwrap();
    let att = crate::evidence::intake_path(&mut mon, RecordType::Incident, &inc, &f).unwrap();
    let att = Subject::new(RecordType::Attachment, att.attachment.id.parse().unwrap()).unwrap();
    let on_att = mon
        .annotate(
            &att,
            &AnnotationInput {
                note: "metadata checked".into(),
                tags: vec!["iccpr_21".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let t = mon
        .testimonies_mut()
        .add(&crate::model::TestimonyInput {
            incident_id: inc.to_string(),
            body: "not for HQ".into(),
            ..Default::default()
        })
        .unwrap();
    let secret = Subject::new(RecordType::Testimony, t).unwrap();
    mon.annotate(
        &secret,
        &AnnotationInput {
            note: "stays here".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let s = send(&mut mon, &mut hq, "hq", tmp.path());
    assert_eq!(
        count(&s.added),
        1,
        "only the annotation whose subject travels is sent: {s:?}"
    );
    assert_eq!(
        hq.annotations_for(&att)
            .unwrap()
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>(),
        [on_att.to_string()],
        "an annotation on an attachment arrives with it"
    );
    assert!(
        hq.annotations_for(&secret).unwrap().is_empty(),
        "the withheld testimony's annotation stays on the monitor"
    );
}

#[test]
fn a_vault_in_review_mode_refuses_imports_and_conflict_resolution() {
    let w = world();
    let (tmp, mut mon, mut hq) = (w.tmp, w.mon, w.hq);
    incident(&mut mon, "x");
    let out = tmp.path().join("b.saksi");
    bundle::export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    hq.set_review_mode(true).unwrap();
    let e = bundle::import(&mut hq, &out, None).unwrap_err();
    assert_eq!(
        e.kind(),
        "vault_review_mode",
        "an import changes records: refused in review mode"
    );
    let e = bundle::conflict::resolve(
        &mut hq,
        &Uuid::now_v7().to_string(),
        bundle::conflict::Resolution::KeepLocal,
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        "vault_review_mode",
        "resolving a conflict changes a record: refused in review mode"
    );
    hq.set_review_mode(false).unwrap();
    assert!(
        bundle::import(&mut hq, &out, None).is_ok(),
        "with review mode off the import applies"
    );
}
