//! The cell conventions of Uwazi's CSV import, one rule per test. The export end to end (zip,
//! consent, attachments) is tested by running the binary: tests/cli/uwazi.rs.

use super::columns::{file_name, geolocation, multi, period, place, uwazi_date};
use super::select::IncidentRow;

fn incident(start: Option<&str>, sp: &str, end: Option<&str>, ep: &str) -> IncidentRow {
    IncidentRow {
        id: "i".into(),
        title: "t".into(),
        description: String::new(),
        kinds: Vec::new(),
        start: start.map(str::to_string),
        start_precision: sp.into(),
        end: end.map(str::to_string),
        end_precision: ep.into(),
        place: None,
        province: None,
        latitude: None,
        longitude: None,
        verification: "alleged".into(),
        sensitivity: "normal".into(),
        victims: Vec::new(),
        victim_count: 0,
        victim_categories: Vec::new(),
        perpetrator_types: Vec::new(),
        proceedings: Vec::new(),
        testimonies: Vec::new(),
        attachments: Vec::new(),
    }
}

#[test]
fn a_date_is_written_yyyy_mm_dd_with_its_first_or_last_day() {
    let cases = [
        ("2024-03-08", true, "2024/03/08"),
        ("2024-03-08", false, "2024/03/08"),
        ("2024-02", true, "2024/02/01"),
        ("2024-02", false, "2024/02/29"),
        ("2023-02", false, "2023/02/28"),
        ("2024-12", false, "2024/12/31"),
        ("2024", true, "2024/01/01"),
        ("2024", false, "2024/12/31"),
    ];
    for (stored, first, want) in cases {
        assert_eq!(
            uwazi_date(stored, first).unwrap(),
            want,
            "{stored} (first day: {first}) must be written as Uwazi's YYYY/MM/DD"
        );
    }
    assert!(
        uwazi_date("08/03/2024", true).is_err(),
        "a date that is not stored as YYYY[-MM[-DD]] must be refused, not guessed"
    );
}

#[test]
fn a_period_is_a_date_range_from_colon_to_with_open_ends_left_empty() {
    let cases = [
        (
            incident(Some("2024-03-08"), "day", Some("2024-03-10"), "day"),
            "2024/03/08:2024/03/10",
        ),
        (
            incident(Some("2024-03"), "month", None, "unknown"),
            "2024/03/01:2024/03/31",
        ),
        (
            incident(Some("2024-03-08"), "day", None, "unknown"),
            "2024/03/08:2024/03/08",
        ),
        (
            incident(Some("2024-03-08"), "before", None, "unknown"),
            ":2024/03/08",
        ),
        (
            incident(Some("2024-03-08"), "after", None, "unknown"),
            "2024/03/08:",
        ),
        (incident(None, "unknown", None, "unknown"), ""),
    ];
    for (r, want) in cases {
        assert_eq!(
            period(&r).unwrap(),
            want,
            "start {:?} ({}) to {:?} must be the Uwazi date range {want:?}",
            r.start,
            r.start_precision,
            r.end
        );
    }
}

#[test]
fn several_values_are_joined_by_a_pipe_and_a_pipe_inside_a_value_cannot_split_it() {
    assert_eq!(
        multi([
            "Assault".into(),
            "Arbitrary arrest".into(),
            "Assault".into()
        ]),
        "Assault|Arbitrary arrest",
        "a multiselect cell is its values, each once, joined by |"
    );
    assert_eq!(
        multi(["police | military".into(), "a::b".into()]),
        "police / military|a:b",
        "a | or :: inside one value must not make two values or a group"
    );
}

#[test]
fn a_place_in_a_province_is_a_grouped_thesaurus_value_parent_colon_colon_child() {
    let mut r = incident(None, "unknown", None, "unknown");
    r.place = Some("Ta Khmau".into());
    r.province = Some("Kandal".into());
    assert_eq!(place(&r), "Kandal::Ta Khmau", "the province is the group");
    r.province = None;
    assert_eq!(
        place(&r),
        "Ta Khmau",
        "without a province the place stands alone"
    );
}

#[test]
fn a_geolocation_is_latitude_pipe_longitude_and_only_when_both_are_known() {
    assert_eq!(geolocation(Some(11.55), Some(104.92)), "11.55|104.92");
    assert_eq!(
        geolocation(Some(11.55), None),
        "",
        "half a point is no point"
    );
}

#[test]
fn an_attachment_travels_under_its_id_and_extension_not_its_original_name() {
    assert_eq!(
        file_name("0190-ab", "Photo of Sok Chea.JPG"),
        "0190-ab.jpg",
        "the original name may name a person: only the extension is kept"
    );
    assert_eq!(
        file_name("0190-ab", "no extension"),
        "0190-ab",
        "no usable extension: the id alone"
    );
}
