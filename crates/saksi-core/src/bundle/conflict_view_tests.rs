//! Conflicts a person can decide: both versions field by field, and a merge of chosen fields
//! that is a new version descending from both (threat-model invariant 9 still holds: the merge
//! is HQ's own version, and neither side's copy returns as a conflict).

use super::conflict_view::conflict_detail;
use super::tests::{setup, Setup};
use super::*;
use crate::model::IncidentInput;

fn input(json: &str) -> IncidentInput {
    serde_json::from_str(json).unwrap()
}

fn send(s: &mut Setup, name: &str) -> ImportSummary {
    let out = s.tmp.path().join(format!("{name}.saksi"));
    export(
        &mut s.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    match import(&mut s.hq, &out, None).unwrap() {
        ImportOutcome::Imported(sum) => sum,
        other => panic!("expected an import, got {other:?}"),
    }
}

/// An incident the monitor and HQ then edit at the same time, differently.
fn conflicted() -> (Setup, uuid::Uuid, String) {
    let mut s = setup();
    let id = s
        .mon
        .incidents_mut()
        .add(&input(
            r#"{"title": "Beating at the Assembly", "description": "first report", "kinds": ["assault"]}"#,
        ))
        .unwrap();
    send(&mut s, "b1");
    s.hq
        .incidents_mut()
        .update(
            &id,
            &input(r#"{"title": "MPs beaten outside the National Assembly", "description": "first report", "kinds": ["assault"]}"#),
        )
        .unwrap();
    s.mon
        .incidents_mut()
        .update(
            &id,
            &input(
                r#"{"title": "Beating at the Assembly", "description": "two MPs beaten by three bodyguards",
                    "kinds": ["assault", "threat"], "start": {"date": "2015-10-26"}}"#,
            ),
        )
        .unwrap();
    let b2 = send(&mut s, "b2");
    assert_eq!(b2.conflicts.get("incident"), Some(&1), "{b2:?}");
    let c = conflicts(&s.hq)
        .unwrap()
        .into_iter()
        .find(|c| c.record_id == id.to_string())
        .unwrap();
    (s, id, c.id)
}

#[test]
fn a_conflict_shows_both_versions_field_by_field_with_who_and_when() {
    let (s, id, conflict) = conflicted();
    let d = conflict_detail(&s.hq, &conflict).unwrap();
    assert_eq!(d.record_id, id.to_string());
    assert_eq!(
        d.title.as_deref(),
        Some("MPs beaten outside the National Assembly")
    );
    assert!(d.mergeable);
    let field = |n: &str| {
        d.fields
            .iter()
            .find(|f| f.field == n)
            .unwrap_or_else(|| panic!("{n}: {:?}", d.fields))
    };
    assert!(field("title").differs);
    assert_eq!(
        field("title").local,
        "MPs beaten outside the National Assembly"
    );
    assert_eq!(field("title").incoming, "Beating at the Assembly");
    assert!(field("description").differs);
    let start = field("start_date");
    assert_eq!(
        start.columns,
        vec!["start_date", "start_precision"],
        "a date goes with its precision"
    );
    assert!(start.differs);
    assert_eq!(start.incoming["start_date"], "2015-10-26");
    assert!(field("children.incident_kind").differs);
    assert!(!field("place_name").differs);
    assert!(d
        .fields
        .iter()
        .all(|f| !["id", "version", "updated_at", "device_id"].contains(&f.field.as_str())));
    // Who made each side, by the names this vault knows them by, and when.
    assert_eq!(d.local.device_id.as_deref(), Some(s.hq.device().id()));
    assert_eq!(d.local.device_name.as_deref(), Some(s.hq.device().name()));
    assert_eq!(d.incoming.device_id.as_deref(), Some(s.mon.device().id()));
    assert!(
        d.incoming.device_name.is_some(),
        "the monitor is a trusted device with a name"
    );
    assert!(d.local.updated_at.is_some() && d.incoming.updated_at.is_some());
}

#[test]
fn a_field_by_field_merge_takes_each_field_from_the_side_chosen() {
    let (mut s, id, conflict) = conflicted();
    let wrong = conflict::resolve_fields(&mut s.hq, &conflict, &["colour".into()]).unwrap_err();
    assert_eq!(wrong.kind(), "invalid_input");
    assert!(
        wrong
            .to_string()
            .contains("'colour' is not a field of this incident"),
        "{wrong}"
    );
    assert!(
        wrong.to_string().contains("description"),
        "the fields there are are listed: {wrong}"
    );
    assert_eq!(
        conflicts(&s.hq).unwrap().len(),
        1,
        "a refused merge leaves the conflict open"
    );

    let take = [
        "description".to_string(),
        "start_date".into(),
        "children.incident_kind".into(),
    ];
    conflict::resolve_fields(&mut s.hq, &conflict, &take).unwrap();
    let got = s.hq.incidents().get(&id).unwrap();
    assert_eq!(
        got.title, "MPs beaten outside the National Assembly",
        "HQ's title kept"
    );
    assert_eq!(
        got.description, "two MPs beaten by three bodyguards",
        "the monitor's description taken"
    );
    assert_eq!(got.start.date.as_deref(), Some("2015-10-26"));
    let mut kinds = got.kinds.clone();
    kinds.sort();
    assert_eq!(kinds, vec!["assault", "threat"]);
    assert!(conflicts(&s.hq).unwrap().is_empty());

    // The merge is a version of its own in the history, logged.
    let h = crate::history::history(&s.hq, &id).unwrap();
    let last = h.versions.last().unwrap();
    assert_eq!(last.origin, crate::history::Origin::Resolved);
    assert!(
        last.changes.iter().any(|c| c.path.contains("description")),
        "{:?}",
        last.changes
    );
    let entries = crate::custody::entries_for(&s.hq, &id.to_string()).unwrap();
    let logged = entries.iter().rev().find(|e| {
        e.details
            .as_deref()
            .is_some_and(|d| d.contains("fields_taken"))
    });
    assert!(logged.is_some(), "the custody entry names the fields taken");

    // The monitor's copy is now an ancestor: sending it again changes nothing, raises nothing.
    let again = send(&mut s, "b3");
    assert_eq!(again.conflicts.get("incident"), None, "{again:?}");
    let after = s.hq.incidents().get(&id).unwrap();
    assert_eq!(after.title, "MPs beaten outside the National Assembly");
    assert_eq!(after.description, "two MPs beaten by three bodyguards");
}

#[test]
fn taking_no_field_keeps_this_vaults_version_and_settles_the_conflict() {
    let (mut s, id, conflict) = conflicted();
    conflict::resolve_fields(&mut s.hq, &conflict, &[]).unwrap();
    let got = s.hq.incidents().get(&id).unwrap();
    assert_eq!(got.title, "MPs beaten outside the National Assembly");
    assert_eq!(got.description, "first report");
    assert!(conflicts(&s.hq).unwrap().is_empty());
}
