//! `saksi incident update` as one whole edit, and its crash safety (threat model: "kill -9 or power cut during any write"). A
//! `saksi incident update` that changes every act and proceeding of an incident with many acts in
//! place, removes one act and adds another is SIGKILLed at a random moment, many times, on one
//! vault. After each kill the incident is exactly the old one or exactly the new one (the whole
//! `incident show --json` output is compared; only the new act's id and the timestamps the edit
//! writes are unknown in advance), never a mix; the custody log holds one `record_edited` entry
//! per committed edit; `saksi verify` exits 0.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{Rng, TestVault};

const ITERATIONS: u64 = 30;
const PEOPLE: usize = 24;

/// The incident the edits start from: `PEOPLE` victims (each with an arrest) and a group.
fn seed() -> Value {
    let mut people = serde_json::Map::new();
    let mut acts =
        vec![json!({"role": "perpetrator", "counting": {"unit": "group", "min": 2, "max": 9}})];
    let mut procs = Vec::new();
    for k in 0..PEOPLE {
        people.insert(format!("p{k}"), json!({"name": format!("edit person {k}")}));
        acts.push(json!({"person": format!("p{k}"), "role": "victim", "injuries": "bruises"}));
        procs.push(
            json!({"person": format!("p{k}"), "kind": "arrest", "date": {"date": "2024-01-01"}}),
        );
    }
    json!({"title": "edit round 0", "kinds": ["arbitrary_arrest"], "people": people,
           "involvements": acts, "proceedings": procs})
}

/// Round `k`'s edit of `before` (a `show --json` output): every act and proceeding gets the
/// notes "round k" in place, the first act is removed, a group act is added.
fn edit(before: &Value, k: u64) -> Value {
    let notes = format!("round {k}");
    let acts = before["involvements"].as_array().unwrap();
    let mut list: Vec<Value> = acts[1..]
        .iter()
        .map(|a| {
            json!({"id": a["id"], "person": a["person_id"], "role": a["role"],
                   "injuries": a["injuries"], "counting": a["counting"], "notes": notes})
        })
        .collect();
    list.push(json!({"role": "perpetrator", "notes": notes,
                     "counting": {"unit": "group", "min": 1, "max": k + 1}}));
    let procs: Vec<Value> = before["proceedings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"id": p["id"], "person": p["person_id"], "kind": p["kind"], "date": p["date"], "notes": notes}))
        .collect();
    json!({"version": before["version"], "title": format!("edit round {k}"),
           "kinds": before["kinds"], "involvements": list, "proceedings": procs})
}

/// What `show --json` must print after round `k`'s edit of `before`, with the values the edit
/// cannot predict (the timestamps it writes, the new act's id) masked in both.
fn expected(before: &Value, k: u64) -> Value {
    let notes = format!("round {k}");
    let bump = |v: &Value| json!(v.as_i64().unwrap() + 1);
    let mut e = before.clone();
    e["title"] = json!(format!("edit round {k}"));
    e["version"] = bump(&before["version"]);
    let mut acts: Vec<Value> = before["involvements"].as_array().unwrap()[1..].to_vec();
    for a in &mut acts {
        a["notes"] = json!(notes);
        a["version"] = bump(&a["version"]);
    }
    acts.push(
        json!({"id": "NEW", "person_id": null, "person_name": null, "role": "perpetrator",
        "act_type": null, "method": null, "injuries": null, "perpetrator_type": null,
        "perpetrator_unit": null, "degree": null,
        "counting": {"unit": "group", "min": 1, "max": k + 1, "description": null},
        "notes": notes, "created_at": "NEW", "updated_at": "T", "device_id": before["device_id"],
        "version": 1}),
    );
    e["involvements"] = json!(acts);
    for p in e["proceedings"].as_array_mut().unwrap() {
        p["notes"] = json!(notes);
        p["version"] = bump(&p["version"]);
    }
    mask(&e, before)
}

/// Masks `updated_at` everywhere, and the id and `created_at` of an act `before` did not have.
fn mask(v: &Value, before: &Value) -> Value {
    let known: Vec<&Value> = before["involvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["id"])
        .collect();
    let mut v = v.clone();
    v["updated_at"] = json!("T");
    for a in v["involvements"].as_array_mut().unwrap() {
        a["updated_at"] = json!("T");
        if !known.contains(&&a["id"]) {
            a["id"] = json!("NEW");
            a["created_at"] = json!("NEW");
        }
    }
    for p in v["proceedings"].as_array_mut().unwrap() {
        p["updated_at"] = json!("T");
    }
    v
}

/// Starts an edit, kills it after `delay` (if still running); returns whether it exited 0.
fn killed_edit(v: &TestVault, id: &str, input: &Value, delay: Duration) -> bool {
    let mut c = v.cmd(&["incident", "update", id, "-"]);
    c.stdin(std::process::Stdio::piped());
    let mut child = c.spawn().expect("start saksi");
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(input.to_string().as_bytes());
    drop(stdin);
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait_with_output().unwrap().status.success()
}

fn edits_logged(v: &TestVault, id: &str) -> usize {
    v.json(&["log", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject_id"] == id && e["action"] == "record_edited")
        .count()
}

#[test]
fn sigkill_during_an_incident_edit_leaves_the_old_or_the_new_incident_never_a_mix() {
    let v = TestVault::new();
    let id = v.add("incident", &seed());
    let show = |v: &TestVault| v.json(&["incident", "show", &id, "--json"]);

    // Calibrate with one uncut edit (round 1), which must itself give exactly the new incident.
    let before = show(&v);
    let t = Instant::now();
    v.ok_stdin(
        &["incident", "update", &id, "-"],
        &edit(&before, 1).to_string(),
    );
    // Kills land anywhere from the start to well past the end of a typical edit, most of them
    // around the commit: half in [0, 2t), half in [t/2, 3t/2).
    let took = t.elapsed().as_micros() as u64 + 1;
    let after = show(&v);
    assert_eq!(
        mask(&after, &before),
        expected(&before, 1),
        "an uncut edit gives exactly the edited incident"
    );

    let mut committed = 1;
    let mut cut = 0;
    let mut before = after;
    for k in 2..ITERATIONS + 2 {
        let mut rng = Rng::new(k);
        let delay = Duration::from_micros(if k % 2 == 0 {
            rng.below(2 * took)
        } else {
            took / 2 + rng.below(took)
        });
        let exited = killed_edit(&v, &id, &edit(&before, k), delay);
        let after = show(&v);
        if after == before {
            assert!(!exited, "an edit that exits 0 must be stored");
            cut += 1;
        } else {
            assert_eq!(
                mask(&after, &before),
                expected(&before, k),
                "after a SIGKILL the incident must be exactly the old or exactly the new one, never a mix (round {k})"
            );
            committed += 1;
        }
        if k % 5 == 0 {
            assert!(
                v.run(&["verify"]).success(),
                "the vault must verify clean after SIGKILLs"
            );
        }
        before = after;
    }
    assert!(
        v.run(&["verify"]).success(),
        "the vault must verify clean after SIGKILLs"
    );
    assert_eq!(
        edits_logged(&v, &id),
        committed,
        "one committed edit is exactly one record_edited custody entry"
    );
    eprintln!("edit crash test: {ITERATIONS} kills, {committed} edits committed, {cut} cut");
}

#[test]
fn incident_update_changes_an_act_in_place_and_refuses_a_stale_version() {
    let v = TestVault::new();
    let id = v.add("incident", &seed());
    let before = v.json(&["incident", "show", &id, "--json"]);
    let e = edit(&before, 1);
    v.ok_stdin(&["incident", "update", &id], &e.to_string());
    let after = v.json(&["incident", "show", &id, "--json"]);
    assert_eq!(
        after["involvements"][0]["id"], before["involvements"][1]["id"],
        "an act listed with its id is changed in place, keeping its id"
    );
    // The same edit again was made from the old version: someone else saved in between.
    let out = v.run_stdin(&["incident", "update", &id], &e.to_string());
    out.expect_error("was changed since this edit began");
    assert_eq!(
        v.json(&["incident", "show", &id, "--json"]),
        after,
        "a stale edit must change nothing"
    );
}

#[test]
fn a_group_count_over_the_ceiling_is_refused_by_the_cli_too() {
    // The ceiling used to live only in the desktop shell: `saksi` stored any count.
    let v = TestVault::new();
    let out = v.run_stdin(
        &["incident", "add"],
        &json!({"title": "t", "involvements": [{"role": "perpetrator",
                "counting": {"unit": "group", "min": 1, "max": 9_000_000_000_i64}}]})
        .to_string(),
    );
    out.expect_error("a count must be between 0 and 10000000");
    assert_eq!(
        v.json(&["incident", "list", "--json"]),
        json!([]),
        "nothing is stored"
    );
}
