//! Annotations and review mode (issue 11).

use super::*;
use crate::bundle::rows;
use crate::custody::Log;
use crate::model::PersonInput;
use crate::testutil::{incident, pass, vault};

fn note(text: &str, tags: &[&str]) -> AnnotationInput {
    AnnotationInput {
        note: text.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    }
}

fn entries(v: &Vault) -> Vec<crate::custody::Entry> {
    let mut out = Vec::new();
    custody::each_entry(&v.conn, Log::Own, |e| {
        out.push(e.clone());
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn annotating_never_changes_the_annotated_record() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "Arrest at the market");
    let spec = rows::spec("incident").unwrap();
    let before = rows::load(&v.conn, spec, &id.to_string(), true)
        .unwrap()
        .unwrap();
    let versions_before = crate::history::history(&v, &id).unwrap().versions.len();
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let a = v
        .annotate(&s, &note("Charge fits art. 495", &["kh_cc_495"]))
        .unwrap();
    v.edit_annotation(
        &a,
        Some(1),
        &AnnotationInput {
            reviewed: true,
            ..note("x", &[])
        },
    )
    .unwrap();
    let after = rows::load(&v.conn, spec, &id.to_string(), true)
        .unwrap()
        .unwrap();
    assert_eq!(
        before.sha256(),
        after.sha256(),
        "annotating leaves the record's content hash as it was"
    );
    assert_eq!(
        before.version(),
        after.version(),
        "annotating leaves the record's version as it was"
    );
    assert_eq!(
        crate::history::history(&v, &id).unwrap().versions.len(),
        versions_before,
        "annotating adds no version to the annotated record"
    );
}

#[test]
fn each_annotation_write_is_one_custody_entry_naming_its_history_version() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "Beating");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let n = entries(&v).len();
    let a = v.annotate(&s, &note("first", &["iccpr_7"])).unwrap();
    v.edit_annotation(&a, None, &note("second", &["iccpr_7", "iccpr_9"]))
        .unwrap();
    let new: Vec<_> = entries(&v).into_iter().skip(n).collect();
    let actions: Vec<&str> = new.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["record_created", "record_edited"],
        "one entry per annotation write"
    );
    let h = crate::history::history(&v, &a).unwrap();
    assert_eq!(h.record_type, "annotation");
    assert_eq!(
        h.versions.len(),
        2,
        "both versions of the annotation are kept"
    );
    for (e, ver) in new.iter().zip(&h.versions) {
        assert_eq!(e.subject_id.as_deref(), Some(a.to_string().as_str()));
        assert_eq!(
            e.content_hash.as_deref(),
            Some(ver.content_hash.as_str()),
            "the entry names the version's hash"
        );
    }
    let got = v.annotation(&a).unwrap();
    assert_eq!(got.tags, ["iccpr_7", "iccpr_9"]);
    assert_eq!((got.note.as_str(), got.version), ("second", 2));
}

#[test]
fn tags_must_be_legal_provisions_and_the_seeded_ones_are_there() {
    let (_d, mut v) = vault();
    let codes: Vec<String> = v
        .vocabulary(Vocab::LegalProvision)
        .unwrap()
        .into_iter()
        .map(|t| t.code)
        .collect();
    for c in [
        "iccpr_7",
        "iccpr_9",
        "iccpr_14",
        "iccpr_19",
        "iccpr_21",
        "iccpr_22",
        "iccpr_25",
        "undhrd_1",
        "undhrd_5",
        "undhrd_6",
        "undhrd_12",
        "kh_cc_305",
        "kh_cc_495",
        "kh_cc_502",
    ] {
        assert!(codes.iter().any(|k| k == c), "{c} is seeded");
    }
    let id = incident(&mut v, "x");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let err = v.annotate(&s, &note("n", &["iccpr_99"])).unwrap_err();
    assert!(
        err.to_string().contains("legal provision 'iccpr_99'"),
        "an unknown tag is refused by name: {err}"
    );
    assert!(
        v.annotate(&s, &note("", &[])).is_err(),
        "an empty annotation is refused"
    );
    let missing = Subject::new(RecordType::Person, Uuid::now_v7()).unwrap();
    assert_eq!(
        v.annotate(&missing, &note("n", &[])).unwrap_err().kind(),
        "not_found",
        "the subject must be held"
    );
    assert!(
        Subject::new(RecordType::Annotation, id).is_err(),
        "an annotation is not annotated"
    );
}

#[test]
fn a_user_added_provision_tags_annotations_and_is_custody_logged() {
    let (_d, mut v) = vault();
    let p = ProvisionInput {
        code: "kh_cc_523".into(),
        label_en: "Art. 523".into(),
        ..Default::default()
    };
    v.add_legal_provision(&p).unwrap();
    assert!(v.add_legal_provision(&p).is_err(), "a code is added once");
    assert!(v
        .add_legal_provision(&ProvisionInput {
            code: "Bad Code".into(),
            ..p.clone()
        })
        .is_err());
    let last = entries(&v).pop().unwrap();
    assert_eq!(last.action, "vocab_added", "adding a provision is logged");
    let id = incident(&mut v, "x");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    v.annotate(&s, &note("", &["kh_cc_523"])).unwrap();
    let t = v.vocabulary(Vocab::LegalProvision).unwrap().pop().unwrap();
    assert_eq!(
        (t.code.as_str(), t.label_km.as_str()),
        ("kh_cc_523", "Art. 523"),
        "the added term comes last, labels defaulting to English"
    );
}

#[test]
fn a_stale_annotation_edit_is_refused() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "x");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let a = v.annotate(&s, &note("one", &[])).unwrap();
    v.edit_annotation(&a, Some(1), &note("two", &[])).unwrap();
    let err = v
        .edit_annotation(&a, Some(1), &note("three", &[]))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        "stale_edit",
        "an edit from version 1 of a version-2 annotation is refused"
    );
    assert_eq!(v.annotation(&a).unwrap().note, "two");
}

#[test]
fn the_reviewed_mark_keeps_its_first_reviewer_and_time() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "x");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let input = AnnotationInput {
        reviewed: true,
        reviewer: Some("Lawyer Sok".into()),
        ..Default::default()
    };
    let a = v.annotate(&s, &input).unwrap();
    let first = v.annotation(&a).unwrap();
    assert_eq!(first.reviewer.as_deref(), Some("Lawyer Sok"));
    assert!(first.reviewed_at.is_some());
    v.edit_annotation(
        &a,
        None,
        &AnnotationInput {
            reviewer: Some("Other".into()),
            ..input.clone()
        },
    )
    .unwrap();
    let again = v.annotation(&a).unwrap();
    assert_eq!(
        (again.reviewer, again.reviewed_at),
        (first.reviewer, first.reviewed_at),
        "a mark already set stays as it was"
    );
    v.edit_annotation(&a, None, &note("unreviewed now", &[]))
        .unwrap();
    assert!(
        v.annotation(&a).unwrap().reviewed_at.is_none(),
        "an edit without the mark removes it"
    );
}

#[test]
fn annotations_are_found_by_search() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "Arrest");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    let a = v
        .annotate(
            &s,
            &note("ការញុះញង់ witness contradicts police", &["kh_cc_494"]),
        )
        .unwrap();
    for text in ["contradicts", "ញុះញង់", "kh_cc_494"] {
        let hits = v
            .search(&crate::search::SearchQuery {
                text: Some(text.into()),
                ..Default::default()
            })
            .unwrap();
        assert!(
            hits.iter()
                .any(|h| h.record_type == "annotation" && h.id == a.to_string()),
            "the annotation is found by {text:?}: {hits:?}"
        );
    }
    v.edit_annotation(&a, None, &note("changed", &[])).unwrap();
    let hits = v
        .search(&crate::search::SearchQuery {
            text: Some("contradicts".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(hits.is_empty(), "an edited note is reindexed: {hits:?}");
}

#[test]
fn review_mode_refuses_record_and_evidence_writes_but_not_annotations() {
    let (d, mut v) = vault();
    let id = incident(&mut v, "x");
    assert!(v.set_review_mode(true).unwrap());
    assert_eq!(
        entries(&v).pop().unwrap().action,
        "review_mode",
        "switching is logged"
    );
    let n = entries(&v).len();
    let e = v
        .persons_mut()
        .add(&PersonInput {
            name: Some("A".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        e.kind(),
        "vault_review_mode",
        "a new record is refused in review mode"
    );
    let e = v
        .incidents_mut()
        .update(
            &id,
            &crate::model::IncidentInput {
                title: "y".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        e.kind(),
        "vault_review_mode",
        "an edit is refused in review mode"
    );
    let f = d.path().join("photo.txt");
    std::fs::write(&f, b"evidence").unwrap();
    let e = crate::evidence::intake_path(&mut v, RecordType::Incident, &id, &f).unwrap_err();
    assert_eq!(
        e.kind(),
        "vault_review_mode",
        "evidence intake is refused in review mode"
    );
    assert_eq!(entries(&v).len(), n, "a refused write writes nothing");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    v.annotate(&s, &note("allowed", &[])).unwrap();
    assert!(
        v.set_review_mode(true).is_ok_and(|changed| !changed),
        "already on: nothing written"
    );
    v.set_review_mode(false).unwrap();
    v.persons_mut()
        .add(&PersonInput {
            name: Some("A".into()),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn a_read_only_vault_refuses_annotations() {
    let (d, mut v) = vault();
    let id = incident(&mut v, "x");
    v.lock().unwrap();
    let dir = d.path().join("v");
    let mut ro = Vault::open_read_only(&dir, &pass()).unwrap();
    let s = Subject::new(RecordType::Incident, id).unwrap();
    assert_eq!(
        ro.annotate(&s, &note("n", &[])).unwrap_err().kind(),
        "vault_read_only"
    );
    assert_eq!(
        ro.set_review_mode(true).unwrap_err().kind(),
        "vault_read_only"
    );
    let p = ProvisionInput {
        code: "kh_cc_523".into(),
        label_en: "Art. 523".into(),
        ..Default::default()
    };
    assert_eq!(
        ro.add_legal_provision(&p).unwrap_err().kind(),
        "vault_read_only",
        "a read-only vault refuses new provisions too"
    );
}

#[test]
fn annotations_are_listed_with_the_name_of_the_device_that_wrote_them() {
    let (_d, mut v) = vault();
    let id = incident(&mut v, "Arrest at the market");
    let s = Subject::new(RecordType::Incident, id).unwrap();
    v.annotate(&s, &note("Held 72 hours", &["iccpr_9"]))
        .unwrap();
    let shown = v.annotations_shown(&s).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].annotation.note, "Held 72 hours");
    assert_eq!(
        shown[0].device_name.as_deref(),
        Some(v.device().name()),
        "an annotation written here is shown with this device's name"
    );
    let json = serde_json::to_value(&shown[0]).unwrap();
    assert_eq!(
        json["tags"],
        serde_json::json!(["iccpr_9"]),
        "the annotation's fields are flattened beside the device name for the shells"
    );
}
