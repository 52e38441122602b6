//! `saksi incident|person|testimony add --jsonl FILE|-`: HQ's migrations from spreadsheets.

use serde_json::Value;

use crate::util::TestVault;

fn count(v: &TestVault, args: &[&str]) -> usize {
    v.json(args).as_array().unwrap().len()
}

fn created(v: &TestVault) -> usize {
    v.json(&["log", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "record_created")
        .count()
}

#[test]
fn jsonl_adds_in_batches_and_a_bad_record_refuses_its_whole_batch_naming_its_line() {
    let v = TestVault::new();
    // 2,500 lines: batch 1 is lines 1–1000, batch 2 lines 1001–2000 with a bad record at 1700.
    let mut text = String::new();
    for n in 1..=2500 {
        let kind = if n == 1700 { "no_such_kind" } else { "assault" };
        text.push_str(&format!(
            "{{\"title\": \"ការវាយដំ line {n}\", \"kinds\": [\"{kind}\"]}}\n"
        ));
        if n == 10 {
            text.push('\n'); // blank lines are skipped and still counted
        }
    }
    let file = v.tmp().join("incidents.jsonl");
    std::fs::write(&file, &text).unwrap();
    let out = v.run(&["incident", "add", "--jsonl", file.to_str().unwrap()]);
    assert_eq!(
        out.code,
        Some(1),
        "a refused batch must exit 1: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("line 1701")
            && out
                .stderr
                .contains("nothing from line 1002 on was stored; the 1000 records before it were"),
        "the error must name the bad line and what was not stored: {}",
        out.stderr
    );
    let ids: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        ids.len(),
        1000,
        "the first batch is stored and its ids printed"
    );
    assert_eq!(
        count(&v, &["incident", "list", "--json"]),
        1000,
        "only the batches before the bad one are stored"
    );
    assert_eq!(
        created(&v),
        1000,
        "every stored record has its own custody entry, none for the refused batch"
    );
    let first = v.json(&["incident", "show", ids[0], "--json"]);
    assert_eq!(
        first["title"], "ការវាយដំ line 1",
        "records are stored in line order"
    );
    let search = v.json(&["search", "line 1500", "--json"]);
    assert!(
        search.as_array().unwrap().is_empty(),
        "a refused batch leaves nothing in the search index"
    );
}

#[test]
fn jsonl_with_invalid_json_stores_nothing_and_names_the_line() {
    let v = TestVault::new();
    let out = v.run_stdin(
        &["person", "add", "--jsonl", "-"],
        "{\"names\": [{\"name\": \"Sok Dara\"}]}\n{\"names\": [}\n",
    );
    out.expect_error("line 2");
    assert!(out.stderr.contains("nothing was stored"), "{}", out.stderr);
    assert_eq!(
        count(&v, &["person", "list", "--json"]),
        0,
        "invalid JSON anywhere stores nothing"
    );
}

#[test]
fn jsonl_adds_people_and_testimony_from_standard_input() {
    let v = TestVault::new();
    let people = v.ok_stdin(
        &["person", "add", "--jsonl", "-"],
        "{\"names\": [{\"name\": \"សុខ ដារា\"}, {\"name\": \"Sok Dara\"}]}\n\n{\"names\": [{\"name\": \"Chan Thy\"}]}\n",
    );
    assert_eq!(people.lines().count(), 2, "one id per record: {people}");
    let inc = v.add("incident", &serde_json::json!({"title": "t"}));
    let lines = format!(
        "{{\"incident_id\": \"{inc}\", \"body\": \"ខ្ញុំបានឃើញ\"}}\n{{\"incident_id\": \"{inc}\", \"body\": \"I saw it\"}}\n"
    );
    let t = v.ok_stdin(&["testimony", "add", "--jsonl", "-"], &lines);
    assert_eq!(t.lines().count(), 2, "one id per testimony: {t}");
    let hits: Value = v.json(&["search", "Dara", "--json"]);
    assert_eq!(
        hits.as_array().unwrap().len(),
        1,
        "records added from JSON Lines are searchable"
    );
    assert_eq!(
        created(&v),
        5,
        "two people, one incident, two testimonies: five custody entries"
    );
}
