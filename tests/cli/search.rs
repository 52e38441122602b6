//! `saksi search`: Khmer substrings (Khmer has no spaces between words, so only substring search
//! works), one- and two-code-point queries, case-insensitive Latin, and every filter checked for
//! both what it keeps and what it drops.

use serde_json::{json, Value};

use crate::util::TestVault;

/// "Environmental activist was beaten": the Khmer title searched by pieces of its words.
const KM_TITLE: &str = "សកម្មជនបរិស្ថានត្រូវបានវាយដំ";

struct Fixture {
    v: TestVault,
    /// Khmer title, assault, 2023-05-02, Kampong Speu; dara is the victim.
    a: String,
    /// Latin title, arbitrary arrest, 2024-01-15 .. 2024-01-20, Phnom Penh; dara a witness.
    b: String,
    /// No date, no place, kind other; nobody named.
    c: String,
    dara: String,
    testimony_a: String,
}

fn fixture() -> Fixture {
    let v = TestVault::new();
    let dara = v.add(
        "person",
        &json!({"names": [{"name": "សុខ ដារា"}, {"name": "Sok Dara"}]}),
    );
    let a = v.add(
        "incident",
        &json!({
            "title": KM_TITLE,
            "description": "Beaten at the river",
            "kinds": ["assault"],
            "start": {"date": "2023-05-02"},
            "place": {"name": "Kampong Speu", "admin_area": "Oral district"},
            "involvements": [{"person": dara, "role": "victim"},
                             {"role": "perpetrator", "counting": {"unit": "group", "min": 3}}]
        }),
    );
    let b = v.add(
        "incident",
        &json!({
            "title": "Arrest of Environmental Activists",
            "description": "Seven Mother Nature members detained",
            "kinds": ["arbitrary_arrest", "detention"],
            "start": {"date": "2024-01-15"},
            "end": {"date": "2024-01-20"},
            "place": {"name": "Phnom Penh"},
            "involvements": [{"person": dara, "role": "witness"}]
        }),
    );
    let c = v.add(
        "incident",
        &json!({"title": "Threatening letter", "description": "undated", "kinds": ["other"]}),
    );
    let testimony_a = v.add(
        "testimony",
        &json!({"incident_id": a, "body": "They beat him near the Speu bridge"}),
    );
    Fixture {
        v,
        a,
        b,
        c,
        dara,
        testimony_a,
    }
}

impl Fixture {
    /// The ids `saksi search ARGS --json` returns, after checking each hit's shape.
    fn ids(&self, args: &[&str]) -> Vec<String> {
        let mut full = vec!["search"];
        full.extend_from_slice(args);
        full.push("--json");
        let hits = self.v.json(&full);
        hits.as_array()
            .unwrap()
            .iter()
            .map(|h: &Value| {
                assert!(
                    h["type"].is_string() && h["title"].is_string(),
                    "every search hit carries id, type and title: {h}"
                );
                h["id"].as_str().unwrap().to_string()
            })
            .collect()
    }

    #[track_caller]
    fn expect(&self, args: &[&str], include: &[&str], exclude: &[&str], rule: &str) {
        let got = self.ids(args);
        for i in include {
            assert!(
                got.iter().any(|g| g == i),
                "{rule}: `saksi search {}` must find {i}; got {got:?}",
                args.join(" ")
            );
        }
        for e in exclude {
            assert!(
                !got.iter().any(|g| g == e),
                "{rule}: `saksi search {}` must not return {e}; got {got:?}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn khmer_substrings_from_inside_words_are_found() {
    let f = fixture();
    // "រិស្ថ" (5 code points) starts inside the word បរិស្ថាន.
    let mid = "រិស្ថ";
    assert!(mid.chars().count() >= 3 && !KM_TITLE.starts_with(mid));
    f.expect(
        &[mid],
        &[&f.a],
        &[&f.b, &f.c],
        "a Khmer substring matches mid-word",
    );
    // "ថា" (2 code points) and "ថ" (1 code point) occur only in incident A's title.
    f.expect(
        &["ថា"],
        &[&f.a],
        &[&f.b, &f.c],
        "a 2-code-point Khmer query works",
    );
    f.expect(
        &["ថ"],
        &[&f.a],
        &[&f.b, &f.c],
        "a 1-code-point Khmer query works",
    );
    // Khmer person names, by a piece of the name.
    f.expect(
        &["ដារ"],
        &[&f.dara],
        &[&f.a],
        "a Khmer name is found by a substring",
    );
    // A Khmer string absent from every record finds nothing.
    assert!(
        f.ids(&["ឃ្លាំង"]).is_empty(),
        "a Khmer string absent from every record must find nothing"
    );
}

#[test]
fn latin_search_is_case_insensitive_and_substring() {
    let f = fixture();
    for q in ["environmental", "ENVIRONMENTAL", "vIrOnMeNt", "Activist"] {
        f.expect(&[q], &[&f.b], &[&f.a, &f.c], "Latin search ignores case");
    }
    // Short (LIKE) terms are case-insensitive too, and every term must occur.
    f.expect(
        &["ST"],
        &[&f.b],
        &[&f.c],
        "a 2-letter Latin query ignores case",
    );
    f.expect(
        &["arrest mother"],
        &[&f.b],
        &[&f.a, &f.c],
        "every word of the query must occur",
    );
    assert!(
        f.ids(&["arrest zebra"]).is_empty(),
        "a missing word excludes the record"
    );
    // Person names and testimony bodies are indexed.
    f.expect(
        &["sok dara"],
        &[&f.dara],
        &[],
        "romanised names are indexed",
    );
    f.expect(
        &["bridge"],
        &[&f.testimony_a],
        &[&f.a, &f.b],
        "testimony text is indexed",
    );
}

#[test]
fn search_hits_carry_type_and_title() {
    let f = fixture();
    let hits = f.v.json(&["search", "bridge", "--json"]);
    assert_eq!(
        hits,
        json!([{"id": f.testimony_a, "type": "testimony",
                "title": "They beat him near the Speu bridge", "incident_id": f.a}]),
        "a testimony hit names its incident"
    );
    let hits = f.v.json(&["search", "Sok", "--json"]);
    assert_eq!(
        hits,
        json!([{"id": f.dara, "type": "person", "title": "សុខ ដារា"}]),
        "a person hit is titled with the first (original-script) name"
    );
}

#[test]
fn kind_filter_includes_and_excludes() {
    let f = fixture();
    f.expect(
        &["--kind", "assault"],
        &[&f.a],
        &[&f.b, &f.c],
        "--kind keeps only that kind",
    );
    f.expect(
        &["--kind", "detention"],
        &[&f.b],
        &[&f.a, &f.c],
        "--kind matches any of an incident's kinds",
    );
    // With text: the testimony of A passes --kind assault, not --kind detention.
    f.expect(
        &["Speu", "--kind", "assault"],
        &[&f.testimony_a],
        &[],
        "text search keeps testimony of incidents that pass the filter",
    );
    f.expect(
        &["Speu", "--kind", "detention"],
        &[],
        &[&f.testimony_a, &f.a],
        "text search drops testimony of incidents the filter drops",
    );
    f.v.run(&["search", "--kind", "picnic"])
        .expect_error("picnic");
}

#[test]
fn date_filters_include_and_exclude() {
    let f = fixture();
    f.expect(
        &["--from", "2024"],
        &[&f.b],
        &[&f.a, &f.c],
        "--from YYYY drops earlier incidents",
    );
    f.expect(
        &["--to", "2023-12"],
        &[&f.a],
        &[&f.b, &f.c],
        "--to YYYY-MM drops later ones",
    );
    f.expect(
        &["--from", "2023-05-01", "--to", "2023-05-31"],
        &[&f.a],
        &[&f.b, &f.c],
        "a date range keeps incidents inside it",
    );
    // B runs 2024-01-15..2024-01-20: a range inside it overlaps.
    f.expect(
        &["--from", "2024-01-18", "--to", "2024-01-19"],
        &[&f.b],
        &[&f.a],
        "an incident overlapping the range is kept",
    );
    f.expect(
        &["--from", "2024-01-21"],
        &[],
        &[&f.a, &f.b, &f.c],
        "an incident that ended before --from is dropped",
    );
    f.v.run(&["search", "--from", "2024-13-01"])
        .expect_error("is not a date");
}

#[test]
fn place_filter_includes_and_excludes() {
    let f = fixture();
    f.expect(
        &["--place", "speu"],
        &[&f.a],
        &[&f.b, &f.c],
        "--place matches the place name",
    );
    f.expect(
        &["--place", "ORAL"],
        &[&f.a],
        &[&f.b, &f.c],
        "--place matches the administrative area, ignoring case",
    );
    f.expect(
        &["--place", "Penh"],
        &[&f.b],
        &[&f.a, &f.c],
        "--place drops other places",
    );
}

#[test]
fn person_and_role_filters_include_and_exclude() {
    let f = fixture();
    f.expect(
        &["--person", &f.dara],
        &[&f.a, &f.b],
        &[&f.c],
        "--person keeps incidents the person is involved in",
    );
    f.expect(
        &["--person", &f.dara, "--role", "witness"],
        &[&f.b],
        &[&f.a, &f.c],
        "--person with --role keeps only that role",
    );
    f.expect(
        &["--role", "perpetrator"],
        &[&f.a],
        &[&f.b, &f.c],
        "--role keeps incidents with someone in that role",
    );
    // Person hits under a role filter: dara is a victim in A, so found with --role victim...
    f.expect(
        &["dara", "--role", "victim"],
        &[&f.dara],
        &[],
        "a person involved in that role is found",
    );
    // ...but not with --role source (nobody is a source).
    f.expect(
        &["dara", "--role", "source"],
        &[],
        &[&f.dara],
        "a person not involved in that role is dropped",
    );
    f.v.run(&["search", "--role", "bystander"])
        .expect_error("bystander");
    f.v.run(&["search", "--person", "not-an-id"])
        .expect_error("not-an-id");
}

#[test]
fn search_pages_split_the_hits_without_losing_or_repeating_one() {
    let f = fixture();
    // "en" (two characters) is scanned newest first; "the" (in a, b, c and the testimony) is ranked.
    for q in ["en", "the", ""] {
        let mut args = vec![q];
        if q.is_empty() {
            args = vec!["--from", "2000"];
        }
        let all = f.ids(&args);
        assert!(
            all.len() >= 2,
            "`{q}` must match at least two records: {all:?}"
        );
        let mut paged = Vec::new();
        for offset in 0..all.len() + 1 {
            let off = offset.to_string();
            let mut a = args.clone();
            a.extend(["--limit", "1", "--offset", &off]);
            paged.extend(f.ids(&a));
        }
        assert_eq!(
            paged, all,
            "pages of one hit must add up to the whole result, in order"
        );
    }
}

#[test]
fn khmer_digits_and_zero_width_spaces_are_matched_as_monitors_type_them() {
    let f = fixture();
    f.expect(
        &["--from", "២០២៤-០១-១៨", "--to", "២០២៤-១-១៩"],
        &[&f.b],
        &[&f.a, &f.c],
        "a date range typed in Khmer digits selects what the ASCII one selects",
    );
    // KM_TITLE with a zero-width space between its words, as some Khmer keyboards type it.
    let typed = "សកម្មជន\u{200B}បរិស្ថាន";
    f.expect(
        &[typed],
        &[&f.a],
        &[&f.b, &f.c],
        "a query with a zero-width space finds the title written without one",
    );
    let zwsp = f.v.add(
        "incident",
        &json!({"title": "ការ\u{200B}វាយ\u{200B} ឆ្នាំ ២០១៥", "kinds": ["assault"]}),
    );
    f.expect(
        &["ការវាយ 2015"],
        &[&zwsp],
        &[&f.a, &f.b, &f.c],
        "a plain query with ASCII digits finds a title with zero-width spaces and Khmer digits",
    );
}

#[test]
fn search_by_person_category_finds_the_incidents_of_defenders() {
    let v = TestVault::new();
    let defender = v.add(
        "person",
        &json!({"name": "Tep Vanny", "categories": ["land_environment_defender"]}),
    );
    v.add(
        "incident",
        &json!({"title": "Boeung Kak arrest", "kinds": ["arbitrary_arrest"],
                "involvements": [{"person": defender, "role": "victim"}]}),
    );
    v.add("incident", &json!({"title": "Unrelated arrest"}));
    let hits = v.ok(&["search", "--category", "land_environment_defender"]);
    assert!(hits.contains("Boeung Kak arrest"), "{hits}");
    assert!(!hits.contains("Unrelated"), "{hits}");
    let bad = v.run(&["search", "--category", "astronaut"]);
    assert_ne!(bad.code, Some(0));
    assert!(
        bad.stderr.contains("unknown person category"),
        "{}",
        bad.stderr
    );
}
