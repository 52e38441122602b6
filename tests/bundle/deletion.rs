//! Deletions that reach HQ (issue 13), through the real binary: a monitor deletes, the next
//! bundle carries the signed tombstones, HQ applies them per policy, and the receipt tells the
//! monitor what happened; a deletion of what HQ edited is a conflict; the deleted text and
//! bytes are in no file of either vault folder; a deletion HQ applied reaches the lawyer HQ sent
//! the record to, once.

use std::fs;

use super::util::{files_under, find_text};
use super::{json, ok, ok_stdin, saksi, world, World};

const CANARY: &str = "DELCANARY-5e1b-ស្លាកលុប";
const BYTES: &[u8] = b"DELBYTES-44c2 the photo that must not exist";

/// A second incident with a canary in its text and a consented testimony, and a file with a
/// canary in its bytes, sent to HQ (`--since-last`). Returns (incident, testimony).
fn canary_incident(w: &World) -> (String, String) {
    let incident = ok_stdin(
        &w.mon,
        &["incident", "add"],
        &format!(r#"{{"title": "{CANARY} title", "description": "{CANARY} text"}}"#),
    );
    let testimony = ok_stdin(
        &w.mon,
        &["testimony", "add"],
        &format!(
            r#"{{"incident_id": "{incident}", "anonymous": true, "body": "{CANARY} said",
                "consent": {{"internal_use": true, "share_with_hq": true}}}}"#
        ),
    );
    let file = w.root.join("canary.txt");
    fs::write(&file, BYTES).unwrap();
    ok(&w.mon, &["attach", &testimony, file.to_str().unwrap()]);
    fs::remove_file(&file).unwrap();
    send(w, "c1");
    (incident, testimony)
}

/// Exports `--since-last` from the monitor and imports at HQ; HQ's import output (JSON).
fn send(w: &World, name: &str) -> serde_json::Value {
    let b = w.root.join(format!("{name}.saksi"));
    ok(
        &w.mon,
        &[
            "export",
            "--to",
            "hq",
            "--since-last",
            "--out",
            b.to_str().unwrap(),
        ],
    );
    json(&ok(&w.hq, &["import", b.to_str().unwrap(), "--json"]))
}

/// No file of `dir` holds the canary text (UTF-8 or UTF-16) or bytes, once saksi has closed it
/// (it checkpoints the write-ahead log at lock).
fn assert_absent(dir: &std::path::Path, who: &str) {
    assert_eq!(
        find_text(dir, CANARY),
        vec![],
        "the deleted text must be in no file of the {who} vault"
    );
    for f in files_under(dir) {
        let bytes = fs::read(&f).unwrap();
        assert!(
            !bytes.windows(BYTES.len()).any(|w| w == BYTES),
            "the deleted attachment's bytes must be in no file of the {who} vault: {}",
            f.display()
        );
    }
}

#[test]
fn deletion_monitor_to_hq_applies_and_the_receipt_says_applied_and_nothing_is_left() {
    let w = world();
    ok(&w.hq, &["import", w.bundle.to_str().unwrap()]);
    let (incident, testimony) = canary_incident(&w);
    // At HQ the canary is searchable before the deletion.
    let hits = json(&ok(&w.hq, &["search", "DELCANARY", "--json"]));
    assert!(
        !hits.as_array().map(|a| a.is_empty()).unwrap_or(true),
        "{hits}"
    );

    let missing = saksi(&w.mon, &["incident", "delete", &incident, "--reason", " "]);
    assert!(
        !missing.status.success(),
        "a deletion without a reason is refused"
    );
    let d = json(&ok(
        &w.mon,
        &[
            "incident",
            "delete",
            &incident,
            "--reason",
            "entered twice",
            "--json",
        ],
    ));
    assert_eq!(d["tombstones"].as_array().unwrap().len(), 3, "{d}");
    assert_eq!(d["blobs_erased"], 1, "{d}");
    assert!(!saksi(&w.mon, &["testimony", "show", &testimony])
        .status
        .success());

    let s = send(&w, "c2");
    assert_eq!(s["deletions"]["applied"], 3, "HQ applies all three: {s}");
    assert!(!saksi(&w.hq, &["incident", "show", &incident])
        .status
        .success());
    assert!(!saksi(&w.hq, &["testimony", "show", &testimony])
        .status
        .success());
    let listed = json(&ok(&w.hq, &["deletions", "--json"]));
    assert_eq!(listed["received"].as_array().unwrap().len(), 3, "{listed}");
    assert!(listed["received"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["outcome"] == "applied" && d["reason"] == "entered twice"));

    // The receipt comes back and the monitor shows what HQ did with each tombstone.
    let r = w.root.join("r.saksi");
    ok(&w.hq, &["receipt", "--out", r.to_str().unwrap()]);
    let back = ok(&w.mon, &["import", r.to_str().unwrap()]);
    assert!(back.contains("deletions, what HQ did"), "{back}");
    let mine = json(&ok(&w.mon, &["deletions", "--json"]));
    let tombs = mine["deleted_here"].as_array().unwrap();
    assert_eq!(tombs.len(), 3);
    for t in tombs {
        assert_eq!(t["hq"][0][1], "applied", "{t}");
    }
    // Re-importing the bundle changes nothing.
    let again = ok(
        &w.hq,
        &["import", w.root.join("c2.saksi").to_str().unwrap()],
    );
    assert!(again.contains("already imported"), "{again}");

    // Search finds nothing at either end, and no file of either vault holds the canaries.
    for v in [&w.mon, &w.hq] {
        let hits = json(&ok(v, &["search", "DELCANARY", "--json"]));
        assert_eq!(hits.as_array().map(|a| a.len()), Some(0), "{hits}");
        ok(v, &["verify"]);
    }
    assert_absent(&w.mon, "monitor");
    assert_absent(&w.hq, "HQ");
}

#[test]
fn deletion_of_a_record_hq_edited_is_a_conflict_and_hq_keeps_it_until_decided() {
    let w = world();
    ok(&w.hq, &["import", w.bundle.to_str().unwrap()]);
    let (incident, _) = canary_incident(&w);
    ok_stdin(
        &w.hq,
        &["incident", "update", &incident],
        r#"{"title": "corrected at HQ", "description": "HQ's reading"}"#,
    );
    ok(
        &w.mon,
        &["incident", "delete", &incident, "--reason", "mistake"],
    );
    let s = send(&w, "c2");
    assert_eq!(s["deletions"]["conflict"], 1, "{s}");
    ok(&w.hq, &["incident", "show", &incident, "--json"]);
    let listed = json(&ok(&w.hq, &["deletions", "--json"]));
    let c = listed["received"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["record_type"] == "incident")
        .unwrap()
        .clone();
    assert_eq!(c["outcome"], "conflict");
    assert_eq!(c["why"], "changed_here");
    let human = ok(&w.hq, &["deletions"]);
    assert!(human.contains("saksi deletions apply ID"), "{human}");
    let kept = json(&ok(
        &w.hq,
        &[
            "deletions",
            "keep",
            c["entry_id"].as_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(kept["outcome"], "kept");
    let twice = saksi(
        &w.hq,
        &["deletions", "keep", c["entry_id"].as_str().unwrap()],
    );
    assert!(!twice.status.success());
    ok(&w.hq, &["incident", "show", &incident, "--json"]);
}

#[test]
fn deletion_policy_ask_keeps_them_pending_and_an_analyst_applies_children_first() {
    let w = world();
    ok(&w.hq, &["import", w.bundle.to_str().unwrap()]);
    let (incident, testimony) = canary_incident(&w);
    assert!(ok(&w.hq, &["deletions", "policy"]).contains("apply"));
    ok(&w.hq, &["deletions", "policy", "ask"]);
    ok(
        &w.mon,
        &[
            "testimony",
            "delete",
            &testimony,
            "--reason",
            "the witness withdrew",
        ],
    );
    let s = send(&w, "c2");
    assert_eq!(s["deletions"]["pending"], 2, "{s}");
    ok(&w.hq, &["testimony", "show", &testimony, "--json"]);
    let listed = json(&ok(&w.hq, &["deletions", "--json"]));
    let mut open: Vec<serde_json::Value> = listed["received"].as_array().unwrap().clone();
    open.sort_by_key(|d| d["record_type"] != "attachment");
    let t = open
        .iter()
        .find(|d| d["record_type"] == "testimony")
        .unwrap();
    let refused = saksi(
        &w.hq,
        &["deletions", "apply", t["entry_id"].as_str().unwrap()],
    );
    assert!(
        !refused.status.success()
            && String::from_utf8_lossy(&refused.stderr).contains("still refer"),
        "the testimony cannot go while its attachment is here"
    );
    for d in &open {
        ok(
            &w.hq,
            &["deletions", "apply", d["entry_id"].as_str().unwrap()],
        );
    }
    assert!(!saksi(&w.hq, &["testimony", "show", &testimony])
        .status
        .success());
    ok(&w.hq, &["incident", "show", &incident, "--json"]);
    ok(&w.hq, &["verify"]);
}

/// A lawyer's vault fed by HQ: HQ registers it from its card; it trusts HQ only (not the
/// monitor). HQ sends it everything it holds.
fn lawyer(w: &World) -> std::path::PathBuf {
    let lawyer = w.root.join("lawyer");
    ok(&lawyer, &["init", "--device-name", "lawyer"]);
    ok(
        &lawyer,
        &[
            "keygen",
            "--out",
            w.root.join("lawyer.key").to_str().unwrap(),
        ],
    );
    let card = w.root.join("lawyer.card");
    ok(
        &lawyer,
        &["device", "card", "--out", card.to_str().unwrap()],
    );
    ok(
        &w.hq,
        &[
            "recipient",
            "add",
            "lawyer",
            "--card",
            card.to_str().unwrap(),
        ],
    );
    let hq_card = w.root.join("hq.card");
    ok(&lawyer, &["trust", "add", hq_card.to_str().unwrap()]);
    let b = w.root.join("l1.saksi");
    ok(
        &w.hq,
        &["export", "--to", "lawyer", "--out", b.to_str().unwrap()],
    );
    ok(&lawyer, &["import", b.to_str().unwrap()]);
    lawyer
}

#[test]
fn deletion_hq_applied_is_forwarded_to_the_lawyer_once_and_nothing_is_left_there() {
    let w = world();
    ok(&w.hq, &["import", w.bundle.to_str().unwrap()]);
    let (incident, testimony) = canary_incident(&w);
    let lawyer = lawyer(&w);
    ok(&lawyer, &["testimony", "show", &testimony]);
    let hits = json(&ok(&lawyer, &["search", "DELCANARY", "--json"]));
    assert!(
        !hits.as_array().map(|a| a.is_empty()).unwrap_or(true),
        "the lawyer holds the canary incident before the deletion: {hits}"
    );

    ok(
        &w.mon,
        &["incident", "delete", &incident, "--reason", "entered twice"],
    );
    let s = send(&w, "c2");
    assert_eq!(s["deletions"]["applied"], 3, "HQ applies all three: {s}");

    let b = w.root.join("l2.saksi");
    let out = ok(
        &w.hq,
        &[
            "export",
            "--to",
            "lawyer",
            "--since-last",
            "--out",
            b.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("deletions (tombstones) carried: 3"),
        "HQ's next bundle to the lawyer carries the deletions it applied: {out}"
    );
    let got = json(&ok(&lawyer, &["import", b.to_str().unwrap(), "--json"]));
    assert_eq!(
        got["deletions"]["applied"], 3,
        "the lawyer applies them under its own policy: {got}"
    );
    assert!(!saksi(&lawyer, &["incident", "show", &incident])
        .status
        .success());
    assert!(!saksi(&lawyer, &["testimony", "show", &testimony])
        .status
        .success());
    let hits = json(&ok(&lawyer, &["search", "DELCANARY", "--json"]));
    assert_eq!(hits.as_array().map(|a| a.len()), Some(0), "{hits}");
    ok(&lawyer, &["verify"]);
    assert_absent(&lawyer, "lawyer");

    // Nothing is forwarded twice.
    let again = saksi(
        &w.hq,
        &[
            "export",
            "--to",
            "lawyer",
            "--since-last",
            "--out",
            w.root.join("l3.saksi").to_str().unwrap(),
        ],
    );
    assert!(
        !again.status.success(),
        "a forwarded deletion is not sent again since the last bundle"
    );
}
