//! `saksi testimony withdraw` (issue 13): a witness's withdrawal of consent recorded as its own
//! signed custody entry (the testimony record is not edited), shown by `testimony show`, with
//! refusals that name what is wrong and change no byte; case files follow effective consent.
//! The journey to HQ and back is in tests/bundle/consent.rs.

use serde_json::json;

use crate::util::*;

fn testimony(v: &TestVault) -> (String, String) {
    let inc = v.add("incident", &json!({"title": "ការចាប់ខ្លួន"}));
    let t = v.add(
        "testimony",
        &json!({"incident_id": inc, "anonymous": true, "body": "ខ្ញុំបានឃើញ",
                "consent": {"internal_use": true, "share_with_hq": true,
                            "legal_proceedings": true, "publication": "anonymous"}}),
    );
    (inc, t)
}

#[test]
fn a_withdrawal_is_shown_by_testimony_show_and_logged_without_editing_the_record() {
    let v = TestVault::new();
    let (_, t) = testimony(&v);
    let w = v.json(&[
        "testimony",
        "withdraw",
        &t,
        "--purpose",
        "legal",
        "--how",
        "in person, signed note",
        "--by",
        "Monitor 7",
        "--when",
        "២០២៦-១២-០១",
        "--json",
    ]);
    assert_eq!(w["purpose"], "legal_proceedings");
    assert_eq!(
        w["withdrawn_at"], "2026-12-01",
        "Khmer digits are stored as ASCII"
    );
    let shown = v.json(&["testimony", "show", &t, "--json"]);
    assert_eq!(
        shown["version"], 1,
        "a withdrawal must not make a new testimony version"
    );
    assert_eq!(shown["consent"]["legal_proceedings"], true);
    assert_eq!(shown["effective_consent"]["legal_proceedings"], false);
    assert_eq!(shown["withdrawals"][0]["id"], w["id"]);
    let text = v.ok(&["testimony", "show", &t]);
    assert!(
        text.contains("consent withdrawn: legal_proceedings  on 2026-12-01  how: in person, signed note  recorded by: Monitor 7"),
        "{text}"
    );
    let log = v.ok(&["log"]);
    assert!(
        log.contains("consent_withdrawn"),
        "the withdrawal is custody-logged: {log}"
    );

    // A testimony never withdrawn shows exactly as before: no new fields.
    let (_, other) = testimony(&v);
    let shown = v.json(&["testimony", "show", &other, "--json"]);
    assert!(shown.get("withdrawals").is_none() && shown.get("effective_consent").is_none());
}

#[test]
fn bad_withdrawals_are_refused_with_a_clear_line_and_change_no_byte() {
    let v = TestVault::new();
    let (_, t) = testimony(&v);
    let base = ["testimony", "withdraw", t.as_str()];
    let run = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        v.run(&args)
    };
    let before = tree_hash(&v.vault);
    run(&["--purpose", "press", "--how", "call", "--by", "M7"])
        .expect_error("unknown consent purpose 'press'");
    run(&["--purpose", "publication", "--how", " ", "--by", "M7"])
        .expect_error("must say how the witness withdrew");
    run(&[
        "--purpose",
        "publication",
        "--how",
        "call",
        "--by",
        "M7",
        "--when",
        "2026-13-01",
    ])
    .expect_error("withdrawn_at");
    assert_eq!(
        before,
        tree_hash(&v.vault),
        "a refused withdrawal changes no byte"
    );
    v.ok(&base
        .iter()
        .copied()
        .chain(["--purpose", "publication", "--how", "call", "--by", "M7"])
        .collect::<Vec<_>>());
    run(&["--purpose", "publication", "--how", "call", "--by", "M7"])
        .expect_error("already withdrawn");
}

#[test]
fn items_of_a_testimony_whose_legal_use_was_withdrawn_cannot_become_exhibits_or_go_to_court() {
    let v = TestVault::new();
    let (inc, t) = testimony(&v);
    let f = v.root().join("statement.txt");
    std::fs::write(&f, "what the witness said").unwrap();
    let att = v.json(&["attach", &t, f.to_str().unwrap(), "--json"]);
    let item = att[0]["id"]
        .as_str()
        .or_else(|| att["id"].as_str())
        .expect("attach prints the item's id")
        .to_string();
    let case = v
        .ok(&["case", "new", "Prosecutor v. Unknown"])
        .trim()
        .to_string();
    v.ok(&["case", "add", &case, &item]);
    v.ok(&[
        "testimony",
        "withdraw",
        &t,
        "--purpose",
        "legal_proceedings",
        "--how",
        "call",
        "--by",
        "M7",
    ]);
    let out = v.root().join("court");
    v.run(&["case", "folder", &case, "--out", out.to_str().unwrap()])
        .expect_error("withdrew consent to use in legal proceedings");
    assert!(!out.exists(), "nothing is written for the court");
    let other = v.ok(&["case", "new", "Second case"]).trim().to_string();
    v.run(&["case", "add", &other, &item])
        .expect_error("withdrew consent to use in legal proceedings");
    v.run(&["case", "add", &other, &inc])
        .expect_error("adds nothing to this case");
}
