//! How group counts combine (the CLI scenario checks the other figures end to end).

use super::counts::{group_range, GroupReport};

fn report(incident: &str, description: &str, min: Option<i64>, max: Option<i64>) -> GroupReport {
    GroupReport {
        act_id: format!("{incident}-{description}-{min:?}"),
        incident_id: incident.into(),
        description: description.into(),
        min,
        max,
        source: "mon".into(),
        notes: String::new(),
    }
}

#[test]
fn reports_of_one_group_give_a_range_and_different_groups_add_up() {
    let g = group_range(vec![
        report("i1", "Marchers", Some(40), Some(60)),
        report("i1", "marchers ", Some(120), Some(120)),
        report("i2", "marchers", Some(10), Some(12)),
    ]);
    assert_eq!(
        (g.min, g.max),
        (50, Some(132)),
        "one group told by two sources spans 40–120; another incident's group adds 10–12"
    );
    let open = group_range(vec![report("i1", "workers", Some(30), None)]);
    assert_eq!(
        (open.min, open.max),
        (30, None),
        "a report without an upper bound makes the maximum unknown"
    );
}

#[test]
fn perpetrator_types_are_counted_by_their_labels_and_legacy_text_by_itself() {
    use super::counts::{CountsQuery, Dimension};
    use crate::model::incident::IncidentInput;
    let (_d, mut v) = crate::testutil::vault();
    let beating = |t: &str| -> IncidentInput {
        serde_json::from_value(serde_json::json!({
            "title": "Beating", "kinds": ["assault"],
            "involvements": [
                {"role": "victim", "counting": {"unit": "group", "min": 2, "max": 2}},
                {"role": "perpetrator", "perpetrator_type": t,
                 "counting": {"unit": "group", "min": 1}}
            ]
        }))
        .unwrap()
    };
    v.incidents_mut().add(&beating("police")).unwrap();
    v.incidents_mut().add(&beating("police")).unwrap();
    let old = v.incidents_mut().add(&beating("police")).unwrap();
    // Free text an older build stored.
    v.conn
        .execute(
            "UPDATE involvement SET perpetrator_type = 'Police' WHERE incident_id = ?1",
            [old.to_string()],
        )
        .unwrap();
    let r = v
        .report_counts(&CountsQuery::by(Dimension::PerpetratorType))
        .unwrap()
        .data;
    let rows: Vec<(&str, &str, &str, &str, usize)> = r
        .rows
        .iter()
        .map(|r| {
            let l = (
                r.label_en.as_str(),
                r.label_km.as_str(),
                r.label_fr.as_str(),
            );
            (r.key.as_str(), l.0, l.1, l.2, r.incidents)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("police", "Police", "ប៉ូលិស", "Police", 2),
            ("Police", "Police", "Police", "Police", 1),
        ],
        "a code is labelled in each language from the vocabulary; legacy text is its own row under its own text"
    );
}
