//! The happy path of every command, checked through its JSON output: what goes in comes back, ids
//! link up, derived fields (detained, testimony ids, versions) follow the records.

use serde_json::{json, Value};

use crate::util::{is_uuid, TestVault};

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a JSON array")
}

#[test]
fn incident_add_with_people_acts_and_proceedings_then_list_show_update() {
    let v = TestVault::new();
    let input = json!({
        "title": "Arrest of union leaders",
        "description": "Police arrested two leaders at the factory gate.",
        "kinds": ["arbitrary_arrest", "detention"],
        "start": {"date": "2023-05-02", "precision": "day"},
        "end": {"date": "2023-05", "precision": "month"},
        "place": {"name": "Phnom Penh", "admin_area": "Chamkarmon", "latitude": 11.55,
                  "longitude": 104.92},
        "verification": "verified",
        "sensitivity": "high",
        "people": {
            "p1": {"names": [{"name": "សុខ ដារា"}, {"name": "Sok Dara"}],
                   "affiliations": [{"organisation": "Free Trade Union", "role": "leader"}]},
            "p2": {"name": "Chan Sophea"}
        },
        "involvements": [
            {"person": "p1", "role": "victim", "act_type": "arrest", "injuries": "bruises"},
            {"person": "p2", "role": "victim", "act_type": "arrest"},
            {"role": "perpetrator", "perpetrator_type": "police",
             "counting": {"unit": "group", "min": 4, "max": 7, "description": "riot police"}}
        ],
        "proceedings": [{"person": "p1", "kind": "arrest", "date": {"date": "2023-05-02"},
                         "detention_place": "Prey Sar"}]
    });
    // Standard input, both as `-` and as no argument.
    let out = v.ok_stdin(&["incident", "add", "-"], &input.to_string());
    let id = out.trim();
    assert!(is_uuid(id), "incident add prints the new id: {out}");
    let second = v.add("incident", &json!({"title": "Second", "description": "d"}));

    // From a file.
    let f = v.root().join("third.json");
    std::fs::write(&f, json!({"title": "Third"}).to_string()).unwrap();
    let third = v.ok(&["incident", "add", f.to_str().unwrap()]);
    assert!(is_uuid(third.trim()), "incident add FILE prints the id");

    let list = v.json(&["incident", "list", "--json"]);
    assert_eq!(arr(&list).len(), 3, "incident list shows every incident");
    let human = v.ok(&["incident", "list"]);
    assert!(
        human.contains(&format!("{id}  2023-05-02  Arrest of union leaders")),
        "the human list shows id, start date and title: {human}"
    );
    assert!(human.contains(&format!("{second}  ----------  Second")));

    let shown = v.json(&["incident", "show", id, "--json"]);
    assert_eq!(shown["id"], id);
    assert_eq!(shown["title"], "Arrest of union leaders");
    assert_eq!(shown["kinds"], json!(["arbitrary_arrest", "detention"]));
    assert_eq!(
        shown["end"],
        json!({"date": "2023-05", "precision": "month"})
    );
    assert_eq!(shown["verification"], "verified");
    assert_eq!(shown["sensitivity"], "high");
    assert_eq!(shown["version"], 1);
    let acts = arr(&shown["involvements"]);
    assert_eq!(acts.len(), 3, "every act sent must be stored");
    let group = acts.iter().find(|a| a["role"] == "perpetrator").unwrap();
    assert_eq!(
        group["counting"],
        json!({"unit": "group", "min": 4, "max": 7, "description": "riot police"}),
        "a group act keeps its count range"
    );
    assert!(group["person_id"].is_null());
    let victim = acts.iter().find(|a| a["person_name"] == "សុខ ដារា").unwrap();
    assert_eq!(victim["injuries"], "bruises");
    assert_eq!(arr(&shown["proceedings"]).len(), 1);
    assert_eq!(shown["proceedings"][0]["person_id"], victim["person_id"]);
    assert_eq!(shown["proceedings"][0]["incident_id"], id);

    let human = v.ok(&["incident", "show", id]);
    assert!(
        human.starts_with(&format!("{id}\nArrest of union leaders\n\nPolice arrested")),
        "{human}"
    );
    assert!(human.contains("kinds: arbitrary_arrest, detention"));
    assert!(human.contains("  perpetrator riot police"), "{human}");

    // Update replaces the incident's own fields and bumps the version.
    let out = v.ok_stdin(
        &["incident", "update", id],
        &json!({"title": "Arrest of union leaders (verified)", "kinds": ["arbitrary_arrest"],
                "related": [{"incident_id": second, "relation": "follow-up"}]})
        .to_string(),
    );
    assert_eq!(out.trim(), id, "incident update prints the id");
    let shown = v.json(&["incident", "show", id, "--json"]);
    assert_eq!(shown["title"], "Arrest of union leaders (verified)");
    assert_eq!(shown["kinds"], json!(["arbitrary_arrest"]));
    assert_eq!(shown["version"], 2, "an update bumps the version");
    assert_eq!(
        shown["related"],
        json!([{"incident_id": second, "relation": "follow-up"}])
    );
    assert_eq!(
        arr(&shown["involvements"]).len(),
        3,
        "an update of the incident's fields keeps its acts"
    );
    assert_ne!(shown["created_at"], Value::Null);
}

#[test]
fn person_add_list_show_update_and_detained() {
    let v = TestVault::new();
    let p = v.add(
        "person",
        &json!({
            "names": [{"name": "សុខ ដារា", "kind": "original"},
                      {"name": "Sok Dara", "kind": "romanisation"},
                      {"name": "Dara", "kind": "alias"}],
            "sex": "female",
            "birth": {"date": "1985", "precision": "approximate"},
            "nationalities": ["KH", "FR"],
            "affiliations": [{"organisation": "Free Trade Union", "org_type": "union",
                              "role": "leader", "start_date": "2019"}],
            "occupation": "garment worker",
            "notes": "speaks French",
            "contacts": [{"kind": "phone", "value": "+855 12 345 678"}]
        }),
    );
    let q = v.add("person", &json!({"name": "Chan Sophea"}));

    let shown = v.json(&["person", "show", &p, "--json"]);
    assert_eq!(
        shown["name"], "សុខ ដារា",
        "the first name is the person's name"
    );
    assert_eq!(
        shown["names"][0]["script"], "Khmr",
        "Khmer script is detected"
    );
    assert_eq!(shown["names"][1]["script"], "Latn");
    assert_eq!(shown["names"][2]["kind"], "alias");
    assert_eq!(shown["nationalities"], json!(["FR", "KH"]));
    assert_eq!(
        shown["birth"],
        json!({"date": "1985", "precision": "approximate"})
    );
    assert_eq!(shown["contacts"][0]["value"], "+855 12 345 678");
    assert_eq!(shown["detained"], false);
    assert_eq!(shown["proceedings"], json!([]));
    let human = v.ok(&["person", "show", &p]);
    assert_eq!(human, format!("{p}\nសុខ ដារា / Sok Dara / Dara\n"));

    // Detention is derived from proceedings.
    v.add(
        "proceeding",
        &json!({"person": p, "kind": "arrest", "date": {"date": "2024-02-01"}}),
    );
    let detained = v.json(&["person", "list", "--detained", "--json"]);
    assert_eq!(
        arr(&detained)
            .iter()
            .map(|x| x["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(p)],
        "person list --detained shows exactly the people in custody"
    );
    assert_eq!(arr(&v.json(&["person", "list", "--json"])).len(), 2);
    let human = v.ok(&["person", "list"]);
    assert!(human.contains(&format!("{p}  សុខ ដារា / Sok Dara / Dara  [detained]")));
    assert!(human.contains(&format!("{q}  Chan Sophea\n")));
    assert!(v.ok(&["person", "list", "--detained"]).lines().count() == 1);

    v.add(
        "proceeding",
        &json!({"person": p, "kind": "released", "date": {"date": "2024-03-01"}}),
    );
    assert_eq!(
        arr(&v.json(&["person", "list", "--detained", "--json"])).len(),
        0,
        "a release ends custody"
    );
    assert_eq!(
        arr(&v.json(&["person", "show", &p, "--json"])["proceedings"]).len(),
        2
    );

    let out = v.ok_stdin(
        &["person", "update", &q],
        &json!({"name": "Chan Sophea", "occupation": "teacher"}).to_string(),
    );
    assert_eq!(out.trim(), q);
    let shown = v.json(&["person", "show", &q, "--json"]);
    assert_eq!(shown["occupation"], "teacher");
    assert_eq!(shown["version"], 2, "a person update bumps the version");
}

#[test]
fn testimony_add_list_show() {
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "Beating"}));
    let other = v.add("incident", &json!({"title": "Other"}));
    let w = v.add("person", &json!({"name": "Witness One"}));
    let t = v.add(
        "testimony",
        &json!({"incident_id": inc, "witness_id": w, "interviewer": "Monitor A",
                "interviewed_at": "2024-03-09T10:00", "interview_place": "Takeo",
                "language": "km", "body": "ខ្ញុំបានឃើញ… I saw them beat him.",
                "consent": {"internal_use": true, "share_with_hq": true,
                            "legal_proceedings": false, "publication": "anonymous",
                            "method": "oral, recorded", "given_at": "2024-03-09"}}),
    );
    let anon = v.add(
        "testimony",
        &json!({"incident_id": other, "anonymous": true, "body": "anonymous account"}),
    );
    let shown = v.json(&["testimony", "show", &t, "--json"]);
    assert_eq!(shown["witness_id"], w);
    assert_eq!(shown["anonymous"], false);
    assert_eq!(shown["consent"]["publication"], "anonymous");
    assert_eq!(shown["consent"]["share_with_hq"], true);
    assert_eq!(shown["body"], "ខ្ញុំបានឃើញ… I saw them beat him.");
    assert_eq!(
        v.ok(&["testimony", "show", &t]),
        format!("{t}\n{}\n", shown["body"].as_str().unwrap())
    );
    assert_eq!(
        v.json(&["testimony", "show", &anon, "--json"])["anonymous"],
        true
    );

    assert_eq!(arr(&v.json(&["testimony", "list", "--json"])).len(), 2);
    let only = v.json(&["testimony", "list", "--incident", &inc, "--json"]);
    assert_eq!(
        arr(&only)
            .iter()
            .map(|x| x["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(t)],
        "testimony list --incident keeps only that incident's testimony"
    );
    let human = v.ok(&["testimony", "list", "--incident", &other]);
    assert_eq!(human, format!("{anon}  {other}  anonymous account\n"));
    let inc_shown = v.json(&["incident", "show", &inc, "--json"]);
    assert_eq!(
        inc_shown["testimony_ids"],
        json!([t]),
        "an incident lists its testimony"
    );
}

#[test]
fn proceeding_add_show_and_report_detained() {
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "Arrests"}));
    let union_member = v.add(
        "person",
        &json!({"name": "Union Member", "affiliations": [{"organisation": "Free Trade Union"}]}),
    );
    let party_member = v.add(
        "person",
        &json!({"name": "Party Member", "affiliations": [{"organisation": "Candlelight Party"}]}),
    );
    let in_absentia = v.add("person", &json!({"name": "Exiled Member"}));
    let pr = v.add(
        "proceeding",
        &json!({"person": union_member, "incident_id": inc, "kind": "detained",
                "date": {"date": "2024-01-10"}, "authority": "Phnom Penh Municipal Court",
                "case_number": "123/2024", "charges": "incitement", "law_cited": "Art. 494-495",
                "detention_place": "CC1", "notes": "pre-trial"}),
    );
    v.add(
        "proceeding",
        &json!({"person": party_member, "kind": "sentenced", "date": {"date": "2023-06"},
                "sentence_months": 24, "detention_place": "Prey Sar"}),
    );
    v.add(
        "proceeding",
        &json!({"person": in_absentia, "kind": "sentenced", "sentence_months": 60,
                "in_absentia": true}),
    );
    let shown = v.json(&["proceeding", "show", &pr, "--json"]);
    assert_eq!(shown["id"], pr);
    assert_eq!(shown["person_id"], union_member);
    assert_eq!(shown["incident_id"], inc);
    assert_eq!(shown["case_number"], "123/2024");
    assert_eq!(
        shown["date"],
        json!({"date": "2024-01-10", "precision": "day"})
    );

    let report = v.json(&["report", "detained", "--json"]);
    assert_eq!(
        report["count"], 2,
        "a sentence in absentia does not put anyone in custody: {report}"
    );
    let names: Vec<_> = arr(&report["people"])
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Party Member"), json!("Union Member")]);
    let union = v.json(&[
        "report",
        "detained",
        "--affiliation",
        "trade union",
        "--json",
    ]);
    assert_eq!(
        union["count"], 1,
        "--affiliation keeps only members (case-insensitive)"
    );
    assert_eq!(union["people"][0]["id"], union_member);
    assert_eq!(union["people"][0]["since"], "2024-01-10");
    assert_eq!(union["people"][0]["place"], "CC1");
    assert_eq!(union["affiliation_filter"], "trade union");
    let human = v.ok(&["report", "detained", "--affiliation", "Candlelight"]);
    assert_eq!(
        human,
        format!("1 currently detained\n  {party_member}  Party Member  since 2023-06  Prey Sar\n")
    );
}

#[test]
fn intervention_add_list() {
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "Detention"}));
    let p = v.add("person", &json!({"name": "Detainee"}));
    let i = v.add(
        "intervention",
        &json!({"incident_id": inc, "person_id": p, "intervener": "LICADHO",
                "addressee": "Ministry of Interior", "kind": "urgent_appeal",
                "date": {"date": "2024-01-12"}, "response": "none yet"}),
    );
    let bare = v.add(
        "intervention",
        &json!({"intervener": "Lawyer", "kind": "legal_aid", "status": "planned"}),
    );
    let list = v.json(&["intervention", "list", "--json"]);
    let got: Vec<_> = arr(&list).iter().map(|x| x["id"].clone()).collect();
    assert_eq!(got.len(), 2);
    assert!(got.contains(&json!(i)) && got.contains(&json!(bare)));
    let first = arr(&list).iter().find(|x| x["id"] == i).unwrap();
    assert_eq!(
        first["status"], "open",
        "an intervention is open by default"
    );
    assert_eq!(first["date"], "2024-01-12");
    assert_eq!(first["kind"], "urgent_appeal");
    assert_eq!(first["person_id"], p);
}

#[test]
fn vocab_device_verify_log() {
    let v = TestVault::new();
    let kinds = v.json(&["vocab", "incident_kind", "--json"]);
    let codes: Vec<_> = arr(&kinds)
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        17,
        "the ESF incident kinds and those of 0008: {codes:?}"
    );
    assert!(codes.contains(&"enforced_disappearance") && codes.last() == Some(&"other"));
    for t in arr(&kinds) {
        for l in ["label_en", "label_km", "label_fr"] {
            assert!(
                !t[l].as_str().unwrap().is_empty(),
                "every term has English, Khmer and French labels: {t}"
            );
        }
    }
    for (name, n) in [
        ("role", 5),
        ("proceeding_kind", 10),
        ("intervention_kind", 5),
    ] {
        assert_eq!(
            arr(&v.json(&["vocab", name, "--json"])).len(),
            n,
            "vocab {name}"
        );
    }
    let human = v.ok(&["vocab", "role"]);
    assert!(human.starts_with("victim "), "{human}");
    assert!(human.contains("| ជនរងគ្រោះ | Victime"), "{human}");

    let d = v.json(&["device", "--json"]);
    assert_eq!(d["name"], "test-device");
    assert_eq!(d["id"].as_str().unwrap().len(), 32);
    assert_eq!(d["public_key"].as_str().unwrap().len(), 64);
    let human = v.ok(&["device"]);
    assert!(human.starts_with(&format!(
        "device {} (test-device)\nfingerprint ",
        d["id"].as_str().unwrap()
    )));

    let inc = v.add("incident", &json!({"title": "logged"}));
    let report = v.json(&["verify", "--json"]);
    assert_eq!(
        report["problems"],
        json!([]),
        "a fresh vault verifies clean"
    );
    assert_eq!(report["custody_entries"], 2);
    let human = v.ok(&["verify"]);
    assert!(human.ends_with("OK: no problems found\n"), "{human}");

    let log = v.json(&["log", "--json"]);
    let actions: Vec<_> = arr(&log)
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["vault_created", "record_created"]);
    assert_eq!(log[1]["subject_id"], inc);
    assert_eq!(log[1]["subject_type"], "incident");
    assert_eq!(
        log[1]["prev_hash"], log[0]["entry_hash"],
        "the custody log is a hash chain"
    );
    assert_eq!(log[0]["prev_hash"], "0".repeat(64));
}

#[test]
fn every_write_is_logged_and_verify_stays_clean() {
    let v = TestVault::new();
    let inc = v.add(
        "incident",
        &json!({"title": "t", "people": {"a": {"name": "A"}},
                "involvements": [{"person": "a", "role": "victim"}]}),
    );
    let p = v.add("person", &json!({"name": "B"}));
    v.add("testimony", &json!({"incident_id": inc, "body": "b"}));
    v.add("proceeding", &json!({"person": p, "kind": "warrant"}));
    v.add(
        "intervention",
        &json!({"intervener": "x", "kind": "letter"}),
    );
    v.ok_stdin(
        &["incident", "update", &inc],
        &json!({"title": "t2"}).to_string(),
    );
    v.ok_stdin(
        &["person", "update", &p],
        &json!({"name": "B2"}).to_string(),
    );
    let log = v.json(&["log", "--json"]);
    let actions: Vec<_> = arr(&log)
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["subject_type"].as_str().unwrap_or("-")
            )
        })
        .collect();
    for want in [
        "record_created incident",
        "record_created person",
        "record_created testimony",
        "record_created proceeding",
        "record_created intervention",
        "record_edited incident",
        "record_edited person",
    ] {
        assert!(
            actions.iter().any(|a| a == want),
            "every write appends a custody entry ({want}): {actions:?}"
        );
    }
    v.ok(&["verify"]);
}

#[test]
fn regression_testimony_without_consent_object_is_stored_with_no_consent() {
    // A derived Default gave `publication: ""`, which the core refused, so any testimony sent
    // without a "consent" object failed with "unknown publication consent ''".
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "t"}));
    let t = v.add(
        "testimony",
        &json!({"incident_id": inc, "body": "no consent recorded"}),
    );
    let shown = v.json(&["testimony", "show", &t, "--json"]);
    assert_eq!(
        shown["consent"],
        json!({"internal_use": false, "share_with_hq": false, "legal_proceedings": false,
               "publication": "none", "method": null, "given_at": null}),
        "absent consent means no consent for any purpose"
    );
}

#[test]
fn perpetrator_types_are_a_vocabulary_and_free_text_is_refused() {
    let v = TestVault::new();
    let terms = v.json(&["vocab", "perpetrator_type", "--json"]);
    let codes: Vec<&str> = arr(&terms)
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    for c in [
        "police",
        "gendarmerie",
        "bodyguard_unit",
        "private_security",
        "other",
    ] {
        assert!(codes.contains(&c), "the vocabulary lists {c}: {codes:?}");
    }
    assert!(
        arr(&terms)
            .iter()
            .all(|t| !t["label_km"].as_str().unwrap().is_empty()
                && !t["label_fr"].as_str().unwrap().is_empty()),
        "every perpetrator type has Khmer and French labels"
    );
    let bad = json!({"title": "Beating", "involvements": [
        {"role": "perpetrator", "perpetrator_type": "Police", "counting": {"unit": "group"}}]});
    let err = v
        .run_stdin(&["incident", "add", "-"], &bad.to_string())
        .expect_error("saksi vocab perpetrator_type");
    assert!(
        err.contains("'Police'"),
        "the error quotes the value: {err}"
    );
    assert!(
        arr(&v.json(&["incident", "list", "--json"])).is_empty(),
        "a refused incident leaves nothing behind"
    );
}
