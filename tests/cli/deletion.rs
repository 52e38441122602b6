//! `saksi … delete` and `saksi deletions` (issue 13) on one vault: what goes with what, the
//! refusals (no reason, in use, review mode, read-only) each one clear line that deletes
//! nothing, and the tombstones listed.

use serde_json::json;

use crate::util::{tree_hash, TestVault};

/// An incident with a victim and a testimony with an attachment: (incident, person, testimony,
/// attachment).
fn incident(v: &TestVault) -> (String, String, String, String) {
    let incident = v.add(
        "incident",
        &json!({"title": "arrest", "people": {"a": {"name": "Sok Dara"}},
                "involvements": [{"person": "a", "role": "victim"}]}),
    );
    let person = v.json(&["person", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let testimony = v.add(
        "testimony",
        &json!({"incident_id": incident, "anonymous": true, "body": "I saw it"}),
    );
    let file = v.root().join("note.txt");
    std::fs::write(&file, b"a note").unwrap();
    let out = v.ok(&["attach", &testimony, file.to_str().unwrap(), "--json"]);
    let att: serde_json::Value = serde_json::from_str(&out).unwrap();
    let attachment = att[0]["id"].as_str().unwrap().to_string();
    (incident, person, testimony, attachment)
}

#[test]
fn delete_refusals_are_one_clear_line_and_change_no_byte() {
    let v = TestVault::new();
    let (incident, person, testimony, _) = incident(&v);
    let before = tree_hash(&v.vault);
    v.run(&["incident", "delete", &incident, "--reason", "  "])
        .expect_error("needs a reason");
    v.run(&["person", "delete", &person, "--reason", "typo"])
        .expect_error("1 act(s) in incidents");
    v.run(&["testimony", "delete", "not-an-id", "--reason", "typo"])
        .expect_error("");
    assert_eq!(
        before,
        tree_hash(&v.vault),
        "a refused deletion must leave the vault byte for byte unchanged"
    );
    let ro = v.run(&[
        "--read-only",
        "testimony",
        "delete",
        &testimony,
        "--reason",
        "x",
    ]);
    ro.expect_error("read-only");
    v.ok(&["review-mode", "on"]);
    v.run(&["testimony", "delete", &testimony, "--reason", "x"])
        .expect_error("review mode");
    v.ok(&["review-mode", "off"]);
    v.ok(&["testimony", "show", &testimony, "--json"]);
}

#[test]
fn delete_an_incident_takes_its_acts_testimony_and_attachment_and_lists_tombstones() {
    let v = TestVault::new();
    let (incident, person, testimony, attachment) = incident(&v);
    let d = v.json(&[
        "incident",
        "delete",
        &incident,
        "--reason",
        "entered twice",
        "--json",
    ]);
    let deleted: Vec<&str> = d["tombstones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["record_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        deleted,
        ["attachment", "testimony", "involvement", "incident"]
    );
    assert_eq!(d["blobs_erased"], 1);
    assert!(
        std::fs::read_dir(v.vault.join("attachments"))
            .unwrap()
            .next()
            .is_none(),
        "the attachment's encrypted blob is removed"
    );
    for (what, id) in [("incident", &incident), ("testimony", &testimony)] {
        v.run(&[what, "show", id]).expect_error("");
    }
    v.run(&["evidence", "show", &attachment]).expect_error("");
    // The person stays, and can go now that nothing names them.
    v.ok(&["person", "show", &person, "--json"]);
    v.ok(&["person", "delete", &person, "--reason", "typo"]);
    let l = v.json(&["deletions", "--json"]);
    assert_eq!(l["deleted_here"].as_array().unwrap().len(), 5, "{l}");
    assert_eq!(l["policy"], "apply");
    let human = v.ok(&["deletions"]);
    assert!(
        human.contains("reason: entered twice") && human.contains("HQ: no receipt yet"),
        "{human}"
    );
    v.ok(&["verify"]);
    // The policy setting.
    assert_eq!(
        v.ok(&["deletions", "policy", "ask"]).trim(),
        "deletion policy: ask"
    );
    v.run(&["deletions", "keep", "01a2351a-0000-7000-8000-000000000000"])
        .expect_error("no received deletion");
}
