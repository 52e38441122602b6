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
