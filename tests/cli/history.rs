//! `saksi history ID`: every version of a record with who, when, which device, whether the
//! custody log agrees, and the field-by-field diff.

use serde_json::{json, Value};

use crate::util::TestVault;

fn changes(v: &Value) -> Vec<String> {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn history_shows_every_version_of_an_edited_incident_with_its_diff() {
    let v = TestVault::new();
    let id = v.add(
        "incident",
        &json!({"title": "Arrest", "people": {"a": {"name": "Sok Dara"}},
                "involvements": [{"person": "a", "role": "victim", "act_type": "arrest"}]}),
    );
    let shown = v.json(&["incident", "show", &id, "--json"]);
    let act = shown["involvements"][0]["id"].as_str().unwrap().to_string();
    let person = shown["involvements"][0]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    v.ok_stdin(
        &["incident", "update", &id],
        &json!({"title": "Arrest (verified)"}).to_string(),
    );
    v.ok_stdin(
        &["incident", "update", &id],
        &json!({"title": "Arrest (verified)", "involvements": [
            {"id": act, "person": person, "role": "victim", "act_type": "beating"}]})
        .to_string(),
    );

    let h = v.json(&["history", &id, "--json"]);
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(
        versions.len(),
        3,
        "a creation and two edits are three versions"
    );
    for x in versions {
        assert_eq!(
            x["custody"], "agrees",
            "each version agrees with its custody entry"
        );
        assert_eq!(x["device_name"], "test-device");
    }
    assert_eq!(changes(&versions[1]), ["title"]);
    assert_eq!(versions[1]["changes"][0]["old"], "Arrest");
    assert_eq!(versions[1]["changes"][0]["new"], "Arrest (verified)");
    assert_eq!(
        changes(&versions[2]),
        [format!("involvements[{act}].act_type")],
        "an act changed in place is named by its id"
    );
    // The custody log names each version's hash: the chain and the history agree.
    let log = v.json(&["log", "--json"]);
    for x in versions {
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|e| e["subject_id"] == id.as_str() && e["content_hash"] == x["content_hash"]),
            "version {} must be named by a custody entry",
            x["version"]
        );
    }

    let human = v.ok(&["history", &id]);
    assert!(
        human.starts_with(&format!("incident {id}: 3 versions\n")),
        "{human}"
    );
    assert!(
        human.contains("  ~ title: \"Arrest\" -> \"Arrest (verified)\"\n"),
        "the human form shows old -> new: {human}"
    );
    v.run(&["history", "01a23461-0000-7000-8000-000000000000"])
        .expect_error("record 01a23461-0000-7000-8000-000000000000 was not found");
}
