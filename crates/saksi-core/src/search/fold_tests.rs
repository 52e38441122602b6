//! Search matches text as monitors type it (issue 12): the index and the query are folded the
//! same way ([`crate::text::fold`]), and what a search shows is the record's own text.

use rusqlite::Connection;

use super::SearchQuery;
use crate::model::incident::Place;
use crate::model::testimony::TestimonyInput;
use crate::model::IncidentInput;
use crate::testutil;
use crate::vault::{migrate_to, Vault, SCHEMA_VERSION};

fn titles(v: &Vault, text: &str) -> Vec<String> {
    v.search(&SearchQuery {
        text: Some(text.into()),
        ..Default::default()
    })
    .unwrap()
    .into_iter()
    .map(|h| h.title)
    .collect()
}

#[test]
fn a_zero_width_space_in_stored_text_does_not_hide_it_from_a_plain_query() {
    let (_d, mut v) = testutil::vault();
    let stored = "ការ\u{200B}វាយ\u{200B}ដំ នៅ\u{200B}ភូមិ";
    testutil::incident(&mut v, stored);
    assert_eq!(
        titles(&v, "ការវាយ"),
        vec![stored.to_string()],
        "a query without zero-width spaces must find text that has them, and show the text as stored"
    );
    assert_eq!(
        titles(&v, "ភូ"),
        vec![stored.to_string()],
        "a short query (no trigram) must also see through zero-width spaces"
    );
}

#[test]
fn a_zero_width_space_in_the_query_does_not_stop_it_finding_plain_text() {
    let (_d, mut v) = testutil::vault();
    testutil::incident(&mut v, "ការវាយដំ");
    assert_eq!(
        titles(&v, "ការ\u{200B}វាយ"),
        vec!["ការវាយដំ".to_string()],
        "a query typed with zero-width spaces must find text without them"
    );
    assert!(
        titles(&v, "\u{200B}\u{200C}").len() == 1,
        "a query of invisible characters only is no text: the newest incidents are listed"
    );
}

#[test]
fn latin_digits_find_khmer_digits_and_khmer_digits_find_latin_ones() {
    let (_d, mut v) = testutil::vault();
    testutil::incident(&mut v, "បាតុកម្ម ឆ្នាំ ២០១៥");
    testutil::incident(&mut v, "Land protest 2016");
    assert_eq!(
        titles(&v, "2015"),
        vec!["បាតុកម្ម ឆ្នាំ ២០១៥".to_string()],
        "\"2015\" must find \"២០១៥\""
    );
    assert_eq!(
        titles(&v, "២០១៦"),
        vec!["Land protest 2016".to_string()],
        "\"២០១៦\" must find \"2016\""
    );
    assert_eq!(
        titles(&v, "១៥"),
        vec!["បាតុកម្ម ឆ្នាំ ២០១៥".to_string()],
        "a two-digit Khmer query must find Khmer digits too"
    );
}

#[test]
fn composed_and_decomposed_accents_find_each_other() {
    let (_d, mut v) = testutil::vault();
    let nfd = "Arre\u{0302}t a\u{0300} Pursat";
    testutil::incident(&mut v, nfd);
    testutil::incident(&mut v, "Témoin\u{00E0} Kampot");
    assert_eq!(
        titles(&v, "Arr\u{00EA}t"),
        vec![nfd.to_string()],
        "an NFC query must find NFD text"
    );
    assert_eq!(
        titles(&v, "Te\u{0301}moin"),
        vec!["Témoin\u{00E0} Kampot".to_string()],
        "an NFD query must find NFC text"
    );
}

#[test]
fn testimony_interviewer_and_place_are_searchable() {
    let (_d, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "t");
    let body = "ខ្ញុំបានឃើញ";
    let id = v
        .testimonies_mut()
        .add(&TestimonyInput {
            incident_id: inc.to_string(),
            interviewer: Some("Chan\u{200B}thy".into()),
            interview_place: Some("វត្ត\u{200B}ភ្នំ".into()),
            body: body.into(),
            ..Default::default()
        })
        .unwrap();
    for q in ["chanthy", "វត្តភ្នំ"] {
        let hits = v
            .search(&SearchQuery {
                text: Some(q.into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            hits.iter().map(|h| (h.id.clone(), h.title.clone())).collect::<Vec<_>>(),
            vec![(id.to_string(), body.to_string())],
            "a testimony must be found by its interviewer and interview place ({q}), shown by its text"
        );
    }
}

#[test]
fn the_place_filter_matches_folded_place_names() {
    let (_d, mut v) = testutil::vault();
    v.incidents_mut()
        .add(&IncidentInput {
            title: "x".into(),
            place: Place {
                name: Some("ភ្នំ\u{200B}ពេញ".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    let hits = v
        .search(&SearchQuery {
            place: Some("ភ្នំពេញ".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        hits.len(),
        1,
        "the place filter must see through zero-width spaces"
    );
}

#[test]
fn person_names_are_matched_folded_and_shown_as_written() {
    let (_d, v) = testutil::vault();
    let c = &v.conn;
    c.execute(
        "INSERT INTO person (id, primary_name, created_at, updated_at, device_id)
         VALUES ('00000000-0000-0000-0000-000000000001', 'SOKHA ២០', 't', 't', 'd')",
        [],
    )
    .unwrap();
    c.execute(
        "INSERT INTO person_name (person_id, position, name, kind)
         VALUES ('00000000-0000-0000-0000-000000000001', 0, 'សុខា\u{200B}', 'alias')",
        [],
    )
    .unwrap();
    // Written outside Vault::write: its noted search row is written as Vault::write does.
    crate::search::pending::apply_now(c).unwrap();
    assert_eq!(
        titles(&v, "sokha 20"),
        vec!["SOKHA ២០".to_string()],
        "a person must be found by the folded primary name"
    );
    assert_eq!(
        titles(&v, "សុខា"),
        vec!["SOKHA ២០".to_string()],
        "a person must be found by any folded name and shown by the primary name as written"
    );
}

#[test]
fn a_vault_migrated_to_folded_search_finds_what_a_new_one_finds() {
    let add = |c: &Connection| {
        c.execute(
            "INSERT INTO incident (id, title, description, created_at, updated_at, device_id)
             VALUES ('00000000-0000-0000-0000-000000000002', 'ការ\u{200B}វាយ ២០១៥', '', 't', 't', 'd')",
            [],
        )
        .unwrap();
    };
    let mut old = Connection::open_in_memory().unwrap();
    // Schema 13 (0013_cases): the last one before search folding (0014).
    migrate_to(&mut old, 13).unwrap();
    add(&old);
    let q = SearchQuery {
        text: Some("ការវាយ 2015".into()),
        ..Default::default()
    };
    assert!(
        super::page(&old, &q).unwrap().is_empty(),
        "before migration 0014 the folded query must miss (or this test proves nothing)"
    );
    migrate_to(&mut old, SCHEMA_VERSION as usize).unwrap();
    let hits = super::page(&old, &q).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.title.as_str()).collect::<Vec<_>>(),
        vec!["ការ\u{200B}វាយ ២០១៥"],
        "migration 0014 must rebuild the index folded, and the hit must show the stored title"
    );
}

#[test]
fn a_date_filter_typed_in_khmer_digits_selects_like_the_same_in_ascii() {
    let (_d, mut v) = testutil::vault();
    for (title, date) in [
        ("old", "2014-12-31"),
        ("in", "2015-03-29"),
        ("late", "2016-01-01"),
    ] {
        v.incidents_mut()
            .add(&IncidentInput {
                title: title.into(),
                start: crate::model::FuzzyDate {
                    date: Some(date.into()),
                    precision: None,
                },
                ..Default::default()
            })
            .unwrap();
    }
    let found = |from: &str, to: &str| {
        let mut t: Vec<String> = v
            .search(&SearchQuery {
                date_from: Some(from.into()),
                date_to: Some(to.into()),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .map(|h| h.title)
            .collect();
        t.sort();
        t
    };
    assert_eq!(found("2015", "2015-12"), vec!["in".to_string()]);
    assert_eq!(
        found("២០១៥", "២០១៥-១២"),
        found("2015", "2015-12"),
        "a date filter in Khmer digits must select what the same filter in ASCII digits selects"
    );
    assert_eq!(
        found("២០១៥-៣-២៩", "២០១៥-០៣-២៩"),
        vec!["in".to_string()],
        "a Khmer-digit day filter (one-digit month too) must select that day"
    );
}
