//! `saksi annotate`, `saksi annotations`, `saksi review-mode`, `saksi vocab-add` (issue 11):
//! annotations never change the record, are logged and searchable; review mode refuses every
//! change to records and evidence but not annotations.

use serde_json::{json, Value};

use crate::util::TestVault;

fn actions(v: &TestVault) -> Vec<String> {
    v.json(&["log", "--json"])
        .as_array()
        .expect("the log is a list")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn annotating_adds_a_logged_searchable_annotation_and_leaves_the_record_as_it_was() {
    let v = TestVault::new();
    let id = v.add("incident", &json!({"title": "Arrest at the market"}));
    let before = v.ok(&["incident", "show", &id, "--json"]);
    let a = v.json(&[
        "annotate",
        &id,
        "--note",
        "Held 72 hours without charge",
        "--tag",
        "iccpr_9",
        "--tag",
        "iccpr_14",
        "--reviewed",
        "--reviewer",
        "Lawyer Sok",
        "--json",
    ]);
    assert_eq!(a["subject_type"], "incident");
    assert_eq!(a["subject_id"], Value::from(id.clone()));
    assert_eq!(
        a["tags"],
        json!(["iccpr_14", "iccpr_9"]),
        "tags are stored once each, in code order"
    );
    assert_eq!(a["reviewer"], "Lawyer Sok");
    assert_eq!(
        v.ok(&["incident", "show", &id, "--json"]),
        before,
        "annotating leaves the annotated record exactly as it was"
    );
    assert_eq!(
        actions(&v).last().map(String::as_str),
        Some("record_created"),
        "annotating is custody-logged"
    );
    let list = v.json(&["annotations", &id, "--json"]);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "the record lists its annotation"
    );
    let hits = v.json(&["search", "without charge", "--json"]);
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .any(|h| h["type"] == "annotation" && h["id"] == a["id"]),
        "the note is searchable: {hits}"
    );
    let aid = a["id"].as_str().unwrap();
    let edited = v.json(&[
        "annotate",
        aid,
        "--edit",
        "--version",
        "1",
        "--note",
        "Released",
        "--json",
    ]);
    assert_eq!(
        (edited["version"].as_i64(), edited["note"].as_str()),
        (Some(2), Some("Released"))
    );
    v.run(&[
        "annotate",
        aid,
        "--edit",
        "--version",
        "1",
        "--note",
        "late",
    ])
    .expect_error("was changed since this edit began");
}

#[test]
fn an_unknown_tag_is_refused_by_name_and_an_added_provision_is_accepted() {
    let v = TestVault::new();
    let id = v.add("incident", &json!({"title": "x"}));
    v.run(&["annotate", &id, "--tag", "kh_cc_523"])
        .expect_error("unknown legal provision 'kh_cc_523'");
    v.ok(&[
        "vocab-add",
        "legal_provision",
        "kh_cc_523",
        "--en",
        "Criminal Code art. 523",
    ]);
    assert_eq!(
        actions(&v).last().map(String::as_str),
        Some("vocab_added"),
        "adding a provision is logged"
    );
    let terms = v.json(&["vocab", "legal_provision", "--json"]);
    assert!(
        terms
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "kh_cc_523"),
        "the new provision is listed"
    );
    v.ok(&["annotate", &id, "--tag", "kh_cc_523"]);
    v.run(&["vocab-add", "role", "judge", "--en", "Judge"])
        .expect_error("only the legal_provision vocabulary");
}

#[test]
fn review_mode_refuses_changes_to_records_and_evidence_but_allows_annotations() {
    let v = TestVault::new();
    let id = v.add("incident", &json!({"title": "x"}));
    assert_eq!(v.ok(&["review-mode", "on"]).trim(), "review mode: on");
    assert_eq!(
        actions(&v).last().map(String::as_str),
        Some("review_mode"),
        "switching is logged"
    );
    let n = actions(&v).len();
    v.run_stdin(&["incident", "add"], r#"{"title":"y"}"#)
        .expect_error("review mode");
    let photo = v.tmp().join("photo.txt");
    std::fs::write(&photo, b"evidence").unwrap();
    v.run(&["attach", &id, photo.to_str().unwrap()])
        .expect_error("review-mode off");
    assert_eq!(actions(&v).len(), n, "a refused change writes nothing");
    v.ok(&[
        "annotate",
        &id,
        "--note",
        "reviewed in review mode",
        "--reviewed",
    ]);
    assert_eq!(v.json(&["review-mode", "--json"])["review_mode"], true);
    v.ok(&["review-mode", "off"]);
    v.add("incident", &json!({"title": "y"}));
}
