//! `saksi person merge` / `person unmerge` (HQ: the same person recorded twice): a merge links two
//! records without changing either, shows in `person show` and `person list`, is one custody
//! entry, and is undone by `unmerge`; refusals are one clear line and change no byte.

use serde_json::{json, Value};

use crate::util::{tree_hash, TestVault};

fn log(v: &TestVault) -> Vec<Value> {
    v.json(&["log", "--json"]).as_array().unwrap().clone()
}

fn listed<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("person {id} must be listed"))
}

#[test]
fn a_merge_shows_in_show_and_list_is_logged_and_unmerge_undoes_it() {
    let v = TestVault::new();
    let a = v.add("person", &json!({"name": "សុខ ចាន់"}));
    let b = v.add("person", &json!({"name": "Sok Chan"}));
    let c = v.add("person", &json!({"name": "Someone Else"}));
    let before_a = v.json(&["person", "show", &a, "--json"]);

    let m = v.json(&[
        "person",
        "merge",
        &a,
        &b,
        "--reason",
        "same father, same village",
        "--json",
    ]);
    assert_eq!(m["link"]["person_id"], a, "A is linked into B");
    assert_eq!(m["link"]["identity_id"], b, "A counts as B");
    assert_eq!(
        m["group"],
        json!([b, a]),
        "the group lists the identity first"
    );
    let human = v.ok(&["person", "merge", &c, &a]);
    assert_eq!(
        human,
        format!("merged: {c} into {a}: one person of 3 records, counted as {b}\n"),
        "merging into a merged person resolves to its group's identity"
    );

    let shown = v.json(&["person", "show", &a, "--json"]);
    assert_eq!(
        shown["merge"]["identity_id"], b,
        "person show reports the group"
    );
    let members: Vec<&str> = shown["merge"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(members, [b.as_str(), a.as_str(), c.as_str()]);
    assert_eq!(
        shown["merge"]["members"][1]["merged"]["reason"],
        "same father, same village"
    );
    for field in ["name", "version", "device_id", "updated_at"] {
        assert_eq!(
            shown[field], before_a[field],
            "a merge never changes the record's {field}"
        );
    }
    let text = v.ok(&["person", "show", &a]);
    assert!(
        text.contains(&format!("merged: 3 records of one person, counted as {b}"))
            && text.contains("same father, same village"),
        "the human show names the group and the reason: {text}"
    );

    let list = v.json(&["person", "list", "--json"]);
    assert_eq!(
        listed(&list, &a)["merge"],
        json!({"identity_id": b, "group_size": 3})
    );
    assert_eq!(listed(&list, &b)["merge"]["identity_id"], b);
    let text = v.ok(&["person", "list"]);
    assert!(
        text.contains(&format!("{a}  សុខ ចាន់  [merged into {b}]"))
            && text.contains(&format!("{b}  Sok Chan  [merged: 3 records]")),
        "person list marks merged persons: {text}"
    );

    let entries = log(&v);
    let last = entries.last().unwrap();
    assert_eq!(last["action"], "person_merge", "a merge is custody-logged");
    assert_eq!(last["subject_id"], c);

    let u = v.json(&["person", "unmerge", &a, "--json"]);
    assert_eq!(u["removed"]["into_id"], b);
    assert_eq!(
        u["group"],
        json!([a, c]),
        "what was merged into A stays with A"
    );
    assert_eq!(u["left_group"], json!([b]));
    assert_eq!(
        log(&v).last().unwrap()["action"],
        "person_unmerge",
        "an unmerge is custody-logged"
    );
    v.ok(&["person", "unmerge", &c]);
    let shown = v.json(&["person", "show", &a, "--json"]);
    assert!(
        shown.get("merge").is_none(),
        "after unmerging, A is alone again: {shown}"
    );
    assert!(
        listed(&v.json(&["person", "list", "--json"]), &b)
            .get("merge")
            .is_none(),
        "after unmerging, the list shows no group"
    );
    v.ok(&["verify"]);
}

#[test]
fn refused_merges_are_one_clear_line_and_change_no_byte() {
    let v = TestVault::new();
    let a = v.add("person", &json!({"name": "A"}));
    let b = v.add("person", &json!({"name": "B"}));
    v.ok(&["person", "merge", &a, &b]);
    let unknown = "01900000-0000-7000-8000-000000000000";
    for (args, needle) in [
        (
            vec!["person", "merge", &a, &a],
            "cannot be merged with itself",
        ),
        (vec!["person", "merge", &b, &a], "would make a loop"),
        (vec!["person", "merge", &a, &b], "already merged"),
        (vec!["person", "merge", &a, unknown], "was not found"),
        (
            vec!["person", "merge", &a, "not-an-id"],
            "is not a valid person id",
        ),
        (
            vec!["person", "unmerge", &b],
            "is not merged into another person",
        ),
    ] {
        let before = tree_hash(&v.vault);
        v.run(&args).expect_error(needle);
        assert_eq!(
            tree_hash(&v.vault),
            before,
            "a refused `saksi {}` must not change any byte of the vault",
            args.join(" ")
        );
    }
}

#[test]
fn a_merge_reason_with_terminal_escapes_is_shown_escaped() {
    let v = TestVault::new();
    let a = v.add("person", &json!({"name": "A"}));
    let b = v.add("person", &json!({"name": "B"}));
    v.ok(&[
        "person",
        "merge",
        &a,
        &b,
        "--reason",
        "same\u{1b}[2J\u{202e}person",
    ]);
    let text = v.ok(&["person", "show", &a]);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "a reason never reaches the terminal raw: {text:?}"
    );
    assert!(text.contains("same\\u{1b}[2J\\u{202e}person"), "{text:?}");
    let shown = v.json(&["person", "show", &a, "--json"]);
    assert_eq!(
        shown["merge"]["members"][1]["merged"]["reason"], "same\u{1b}[2J\u{202e}person",
        "JSON output keeps the reason exact"
    );
}
