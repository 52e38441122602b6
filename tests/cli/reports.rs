//! Report files and the fields reports rest on: CSV that spreadsheets open with Khmer intact,
//! HTML that is one self-contained, escaped page, person categories, nationalities as ISO codes,
//! proceedings against groups of unnamed people.

use serde_json::json;

use crate::util::TestVault;

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

fn detained_vault() -> (TestVault, String) {
    let v = TestVault::new();
    let p = v.add(
        "person",
        &json!({"names": [{"name": "សុខ ដារា"}, {"name": XSS}],
        "categories": ["human_rights_defender"], "nationalities": ["KH"],
        "affiliations": [{"organisation": "Union, \"Free\""}]}),
    );
    v.add(
        "proceeding",
        &json!({"person": p, "kind": "arrest",
        "date": {"date": "2014", "precision": "approximate"}, "detention_place": "ព្រៃស",
        "charges": XSS}),
    );
    (v, p)
}

#[test]
fn csv_reports_start_with_a_bom_keep_khmer_and_quote_per_rfc_4180() {
    let (v, p) = detained_vault();
    let out = v
        .cmd(&["report", "detained", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let bytes = out.stdout;
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV starts with a UTF-8 byte-order mark so spreadsheets keep Khmer"
    );
    let text = std::str::from_utf8(&bytes[3..]).expect("CSV is UTF-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("Name,In custody since,"),
        "a header row: {text}"
    );
    assert!(
        lines[1].starts_with("សុខ ដារា,2014 (approximate),ព្រៃស,"),
        "Khmer and precision intact: {text}"
    );
    assert!(
        lines[1].contains("\"Union, \"\"Free\"\"\""),
        "a comma or quote is quoted per RFC 4180: {text}"
    );
    assert!(
        lines[1].contains(&p),
        "rows carry the ids they count: {text}"
    );
    let km = v
        .cmd(&["report", "detained", "--format", "csv", "--lang", "km"])
        .output()
        .unwrap();
    let km = String::from_utf8(km.stdout).unwrap();
    assert!(
        km.contains("ជាប់ឃុំតាំងពី") && km.contains("2014 (ប្រហែល)") && km.contains("អ្នកការពារសិទ្ធិមនុស្ស"),
        "--lang km labels columns, precision and categories in Khmer: {km}"
    );
}

#[test]
fn the_html_report_is_self_contained_states_its_basis_and_escapes_every_value() {
    let (v, _) = detained_vault();
    let inc = v.add(
        "incident",
        &json!({"title": XSS, "start": {"date": "2024-01-02"},
        "kinds": ["arbitrary_arrest"], "place": {"admin_area": XSS},
        "involvements": [{"role": "victim", "counting": {"unit": "group", "min": 3,
            "description": XSS}, "notes": XSS}]}),
    );
    for (base, lang) in [
        (vec!["report", "detained"], "en"),
        (vec!["report", "counts", "--by", "province"], "km"),
        (vec!["report", "timeline", "--incident", inc.as_str()], "en"),
    ] {
        let args = [&base[..], &["--format", "html", "--lang", lang]].concat();
        let html = v.ok(&args);
        let name = args.join(" ");
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}: a whole page");
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{name}: every value is escaped, no markup from a record survives"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{name}: the value is shown as text"
        );
        for external in ["http://", "https://", "url(//", "<link", "@import"] {
            assert!(
                !html.contains(external),
                "{name}: no external resource ({external})"
            );
        }
        assert!(
            html.contains("font/woff2;base64,"),
            "{name}: fonts are embedded as data: URIs"
        );
        assert!(
            html.contains("default-src 'none'"),
            "{name}: a CSP forbids anything but inline style and fonts"
        );
        let report = v.json(&[&base[..], &["--format", "json"]].concat());
        for needle in [
            report["data_sha256"].as_str().unwrap(),
            report["vault"]["fingerprint"].as_str().unwrap(),
        ] {
            assert!(
                html.contains(needle),
                "{name}: the page states the data hash and the vault fingerprint"
            );
        }
        assert!(
            !report["rules"].as_array().unwrap().is_empty(),
            "every report states its counting rules"
        );
    }
}

#[test]
fn the_data_hash_changes_with_the_data_counted_and_only_with_it() {
    let (v, p) = detained_vault();
    let h =
        |v: &TestVault| v.json(&["report", "detained", "--format", "json"])["data_sha256"].clone();
    let first = h(&v);
    assert_eq!(
        first,
        h(&v),
        "the same data gives the same hash, whenever the report is made"
    );
    v.add(
        "proceeding",
        &json!({"person": p, "kind": "detained", "date": {"date": "2015"},
        "detention_place": "CC1"}),
    );
    assert_ne!(
        first,
        h(&v),
        "different data counted gives a different hash"
    );
}

#[test]
fn categories_are_a_controlled_vocabulary_in_three_languages() {
    let v = TestVault::new();
    let cats = v.json(&["vocab", "person_category", "--json"]);
    let codes: Vec<&str> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    for c in [
        "human_rights_defender",
        "land_environment_defender",
        "journalist",
        "trade_unionist",
        "opposition_member",
        "member_of_parliament",
        "student",
        "religious_figure",
    ] {
        assert!(
            codes.contains(&c),
            "the category {c} is in the vocabulary: {codes:?}"
        );
    }
    v.run_stdin(
        &["person", "add"],
        &json!({"name": "X", "categories": ["defender"]}).to_string(),
    )
    .expect_error("unknown person category 'defender'");
    let p = v.add(
        "person",
        &json!({"name": "Y", "categories": ["journalist", "student", "journalist"]}),
    );
    assert_eq!(
        v.json(&["person", "show", &p, "--json"])["categories"],
        json!(["journalist", "student"]),
        "several categories per person, each once, in vocabulary order"
    );
    v.run(&["report", "detained", "--category", "defender"])
        .expect_error("unknown person category 'defender'");
    let kinds = v.json(&["vocab", "incident_kind", "--json"]);
    let kinds: Vec<&str> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    for k in [
        "removal_from_office",
        "removal_from_parliament",
        "stripping_of_immunity",
    ] {
        assert!(kinds.contains(&k), "the incident kind {k} exists");
    }
}

#[test]
fn nationalities_are_iso_3166_codes() {
    let v = TestVault::new();
    v.run_stdin(
        &["person", "add"],
        &json!({"name": "X", "nationalities": ["Cambodian"]}).to_string(),
    )
    .expect_error("unknown nationality 'Cambodian'");
    v.run_stdin(
        &["person", "add"],
        &json!({"name": "X", "nationalities": ["XK"]}).to_string(),
    )
    .expect_error("ISO 3166-1 two-letter");
    let p = v.add(
        "person",
        &json!({"name": "Z", "nationalities": ["fr", "KH"]}),
    );
    assert_eq!(
        v.json(&["person", "show", &p, "--json"])["nationalities"],
        json!(["FR", "KH"]),
        "codes are stored in upper case"
    );
}

#[test]
fn a_proceeding_may_concern_a_group_of_unnamed_perpetrators() {
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "Beating"}));
    let pr = v.add(
        "proceeding",
        &json!({"incident_id": inc, "kind": "charged",
        "group": {"description": "three bodyguards", "size_min": 3, "size_max": 3},
        "charges": "aggravated assault"}),
    );
    let shown = v.json(&["proceeding", "show", &pr, "--json"]);
    assert_eq!(shown["person_id"], json!(null));
    assert_eq!(
        shown["group"],
        json!({"description": "three bodyguards", "size_min": 3, "size_max": 3})
    );
    assert!(v
        .ok(&["proceeding", "show", &pr])
        .contains("group three bodyguards (3)"));
    let p = v.add("person", &json!({"name": "P"}));
    v.run_stdin(
        &["proceeding", "add"],
        &json!({"person": p, "kind": "charged",
        "group": {"description": "g"}})
        .to_string(),
    )
    .expect_error("either one person or a group");
    v.run_stdin(
        &["proceeding", "add"],
        &json!({"kind": "charged"}).to_string(),
    )
    .expect_error("needs a person or a group");
    v.run_stdin(
        &["proceeding", "add"],
        &json!({"kind": "charged",
        "group": {"description": "g", "size_min": 5, "size_max": 2}})
        .to_string(),
    )
    .expect_error("minimum size (5) is larger than its maximum (2)");
}

#[test]
fn report_options_that_make_no_sense_are_refused_with_one_line() {
    let v = TestVault::new();
    v.run(&["report", "counts", "--by", "colour"])
        .expect_error("unknown grouping 'colour'");
    v.run(&["report", "counts", "--by", "kind", "--from", "2023-13"])
        .expect_error("from: '2023-13' is not a date");
    v.run(&["report", "counts", "--by", "kind", "--nationality", "Khmer"])
        .expect_error("unknown nationality 'Khmer'");
    v.run(&["report", "detained", "--format", "pdf"])
        .expect_error("unknown report format 'pdf' (json, csv, html)");
    v.run(&["report", "detained", "--format", "html", "--lang", "de"])
        .expect_error("unknown report language 'de' (en, km, fr)");
    let o = v.run(&["report", "timeline"]);
    assert_eq!(
        o.code,
        Some(2),
        "a timeline needs --person or --incident: {o:?}"
    );
}
