//! `saksi person duplicates`: the Nhay Chamroeun pair (Khmer and Latin, from two monitors) is
//! suggested with reasons a person can check; Kem Sokha and Kem Monovithya, who share only the
//! family name, are not; the options are checked.

use serde_json::{json, Value};

use crate::util::TestVault;

struct Fixture {
    v: TestVault,
    latin: String,
    khmer: String,
    sokha: String,
    monovithya: String,
}

fn fixture() -> Fixture {
    let v = TestVault::new();
    let latin = v.add(
        "person",
        &json!({"name": "Nhay Chamroeun", "sex": "male", "birth": {"date": "1975"}}),
    );
    let khmer = v.add(
        "person",
        &json!({"names": [{"name": "ញ៉ែ ចំរើន"}, {"name": "Nhay Chamreun"}],
                "sex": "male", "birth": {"date": "1976"}}),
    );
    let sokha = v.add("person", &json!({"name": "Kem Sokha", "sex": "male"}));
    let monovithya = v.add(
        "person",
        &json!({"name": "Kem Monovithya", "sex": "female"}),
    );
    Fixture {
        v,
        latin,
        khmer,
        sokha,
        monovithya,
    }
}

fn pair_ids(c: &Value) -> [String; 2] {
    let mut ids = [
        c["a"]["id"].as_str().unwrap_or_default().to_string(),
        c["b"]["id"].as_str().unwrap_or_default().to_string(),
    ];
    ids.sort();
    ids
}

fn sorted(a: &str, b: &str) -> [String; 2] {
    let mut ids = [a.to_string(), b.to_string()];
    ids.sort();
    ids
}

#[test]
fn one_person_in_khmer_and_latin_is_suggested_and_a_shared_family_name_is_not() {
    let f = fixture();
    let found = f.v.json(&["person", "duplicates", "--json"]);
    let found = found.as_array().expect("a JSON list of pairs");
    assert_eq!(
        found.len(),
        1,
        "only the Nhay Chamroeun pair is suggested at the default threshold: {found:?}"
    );
    assert_eq!(
        pair_ids(&found[0]),
        sorted(&f.latin, &f.khmer),
        "the suggested pair is Nhay Chamroeun and ញ៉ែ ចំរើន"
    );
    assert!(
        found[0]["score"].as_f64().unwrap_or(0.0) >= 0.85,
        "the pair scores at least the threshold"
    );
    let kinds: Vec<&str> = found[0]["reasons"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.contains(&"name") && kinds.contains(&"birth_year"),
        "the reasons say which names matched and that the birth years agree: {kinds:?}"
    );

    // Even with no threshold, sharing the family name Kem is left out (never compared) or scores
    // below the default threshold, and the real pair ranks first.
    let all =
        f.v.json(&["person", "duplicates", "--min-score", "0", "--json"]);
    let kem = all
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|c| pair_ids(c) == sorted(&f.sokha, &f.monovithya))
        })
        .map(|c| c["score"].as_f64().unwrap_or(1.0));
    assert!(
        kem.is_none_or(|k| k < 0.85),
        "Kem Sokha and Kem Monovithya share only a family name: left out or below 0.85, got {kem:?}"
    );
    assert_eq!(
        pair_ids(&all[0]),
        sorted(&f.latin, &f.khmer),
        "the real pair ranks first"
    );
}

#[test]
fn the_human_output_names_both_people_the_score_and_the_reasons() {
    let f = fixture();
    let out = f.v.ok(&["person", "duplicates"]);
    for needle in [
        f.latin.as_str(),
        f.khmer.as_str(),
        "Nhay Chamroeun",
        "ញ៉ែ ចំរើន / Nhay Chamreun",
        "birth years",
    ] {
        assert!(out.contains(needle), "the listing shows {needle:?}: {out}");
    }
    assert!(
        !out.contains("Kem"),
        "people sharing only a family name are not listed: {out}"
    );
}

#[test]
fn limit_and_min_score_are_honoured_and_a_bad_score_is_refused() {
    let f = fixture();
    let none =
        f.v.json(&["person", "duplicates", "--limit", "0", "--json"]);
    assert_eq!(none, json!([]), "--limit 0 lists nothing");
    let high =
        f.v.json(&["person", "duplicates", "--min-score", "1", "--json"]);
    assert!(
        high.as_array()
            .is_some_and(|a| a.iter().all(|c| c["score"].as_f64() == Some(1.0))),
        "--min-score 1 keeps only pairs scoring 1: {high}"
    );
    f.v.run(&["person", "duplicates", "--min-score", "2"])
        .expect_error("outside 0 to 1");
}
