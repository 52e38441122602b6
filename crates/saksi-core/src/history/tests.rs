//! Record history: every version kept with the right diff, imports authored by the monitor, as
//! private as the record, checked against the custody log, nothing invented for older vaults.

use serde_json::{json, Value};
use uuid::Uuid;

use super::{history, Custody, History, Origin};
use crate::bundle::{self, keys, ExportOptions};
use crate::testutil;
use crate::vault::{KdfProfile, Vault};

fn edit(v: &mut Vault, id: &Uuid, e: Value) {
    let e = serde_json::from_value(e).unwrap();
    v.incidents_mut().edit(id, &e).unwrap();
}

fn paths(h: &History, version: usize) -> Vec<String> {
    h.versions[version]
        .changes
        .iter()
        .map(|c| c.path.clone())
        .collect()
}

fn change(h: &History, version: usize, path: &str) -> (Option<Value>, Option<Value>) {
    let c = h.versions[version]
        .changes
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| {
            panic!(
                "version {version} must change {path}: {:?}",
                paths(h, version)
            )
        });
    (c.old.clone(), c.new.clone())
}

#[test]
fn an_incident_edited_three_times_shows_four_versions_with_the_right_diffs() {
    let (_d, mut v) = testutil::vault();
    let input = serde_json::from_value(json!({
        "title": "Arrest at the market", "kinds": ["arbitrary_arrest"],
        "people": {"a": {"name": "Sok Dara"}, "b": {"name": "Chan Sophea"}},
        "involvements": [{"person": "a", "role": "victim", "act_type": "arrest"}]
    }))
    .unwrap();
    let id = v.incidents_mut().add(&input).unwrap();
    let inc = v.incidents().get(&id).unwrap();
    let act_a = inc.involvements[0].id.clone();
    let person_a = inc.involvements[0].person_id.clone().unwrap();
    let person_b = v
        .persons()
        .list()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Chan Sophea")
        .unwrap()
        .id;

    // 1: the incident's own fields.
    edit(
        &mut v,
        &id,
        json!({"title": "Arrest at the market (verified)",
        "kinds": ["arbitrary_arrest", "detention"]}),
    );
    // 2: an act changed in place and one added.
    edit(
        &mut v,
        &id,
        json!({"title": "Arrest at the market (verified)",
        "kinds": ["arbitrary_arrest", "detention"],
        "involvements": [
            {"id": act_a, "person": person_a, "role": "victim", "act_type": "beating"},
            {"person": person_b, "role": "witness"}]}),
    );
    let act_b = v
        .incidents()
        .get(&id)
        .unwrap()
        .involvements
        .iter()
        .find(|i| i.id != act_a)
        .unwrap()
        .id
        .clone();
    // 3: the first act removed.
    edit(
        &mut v,
        &id,
        json!({"title": "Arrest at the market (verified)",
        "kinds": ["arbitrary_arrest", "detention"],
        "involvements": [{"id": act_b, "person": person_b, "role": "witness"}]}),
    );

    let h = history(&v, &id).unwrap();
    assert_eq!(h.record_type, "incident");
    assert_eq!(
        h.versions.len(),
        4,
        "a creation and three edits are four versions"
    );
    assert_eq!(
        h.note, None,
        "a history from creation on has no gap to note"
    );
    let origins: Vec<Origin> = h.versions.iter().map(|x| x.origin).collect();
    assert_eq!(
        origins,
        [
            Origin::Created,
            Origin::Edited,
            Origin::Edited,
            Origin::Edited
        ]
    );
    assert!(
        h.versions
            .iter()
            .all(|x| x.custody == Custody::Agrees && x.device_id == v.device().id()),
        "every version is named by this device's custody entry: {:?}",
        h.versions.iter().map(|x| x.custody).collect::<Vec<_>>()
    );

    assert_eq!(
        change(&h, 0, "title"),
        (None, Some(json!("Arrest at the market")))
    );
    assert_eq!(
        paths(&h, 1),
        ["kinds", "title"],
        "the first edit changes exactly the title and the kinds"
    );
    assert_eq!(
        change(&h, 1, "title"),
        (
            Some(json!("Arrest at the market")),
            Some(json!("Arrest at the market (verified)"))
        )
    );
    assert_eq!(
        change(&h, 2, &format!("involvements[{act_a}].act_type")),
        (Some(json!("arrest")), Some(json!("beating"))),
        "an act changed in place is a change of its field, found by the act's id"
    );
    let (old, new) = change(&h, 2, &format!("involvements[{act_b}]"));
    assert_eq!(old, None, "an added act has no old value");
    assert_eq!(new.unwrap()["role"], "witness");
    assert_eq!(paths(&h, 2).len(), 2, "{:?}", paths(&h, 2));
    let (old, new) = change(&h, 3, &format!("involvements[{act_a}]"));
    assert_eq!(
        (old.unwrap()["act_type"].clone(), new),
        (json!("beating"), None)
    );
    assert_eq!(paths(&h, 3).len(), 1, "{:?}", paths(&h, 3));
}

#[test]
fn a_persons_contact_details_are_never_kept_in_history() {
    let (_d, mut v) = testutil::vault();
    let p = serde_json::from_value(json!({"name": "Sok Dara",
        "contacts": [{"kind": "phone", "value": "+855 12 345 678"}]}))
    .unwrap();
    let id = v.persons_mut().add(&p).unwrap();
    let p = serde_json::from_value(json!({"name": "Sok Dara", "occupation": "vendor",
        "contacts": [{"kind": "phone", "value": "+855 99 000 111"}]}))
    .unwrap();
    v.persons_mut().update(&id, &p).unwrap();
    let snapshots: Vec<String> = {
        let mut stmt = v
            .conn
            .prepare("SELECT snapshot FROM record_version")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    };
    assert!(snapshots.len() >= 2);
    for s in &snapshots {
        assert!(
            !s.contains("345 678") && !s.contains("000 111") && !s.contains("contacts"),
            "a person's contact details (withheld from bundles) are never kept in history: {s}"
        );
    }
    let h = history(&v, &id).unwrap();
    assert_eq!(paths(&h, 1), ["occupation"]);
    assert_eq!(h.versions[1].custody, Custody::Agrees);
}

#[test]
fn an_altered_snapshot_no_longer_agrees_with_the_custody_log() {
    let (_d, mut v) = testutil::vault();
    let id = testutil::incident(&mut v, "original title");
    v.conn
        .execute(
            "UPDATE record_version SET snapshot = replace(snapshot, 'original', 'forged')",
            [],
        )
        .unwrap();
    let h = history(&v, &id).unwrap();
    assert_eq!(
        h.versions[0].custody,
        Custody::SnapshotAltered,
        "a snapshot that no longer hashes to what the custody entry names is reported"
    );
}

#[test]
fn a_vault_from_before_history_starts_from_a_baseline_and_invents_nothing() {
    let (_d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let id = testutil::incident(&mut v, "first");
    edit(&mut v, &id, json!({"title": "second"}));
    // As a vault migrated from before 0011: no history rows, the baseline still to do.
    v.conn
        .execute_batch(
            "DELETE FROM record_version; INSERT INTO history_baseline_pending (id) VALUES (1);",
        )
        .unwrap();
    v.lock().unwrap();
    let v = Vault::open(&dir, &testutil::pass()).unwrap();
    let h = history(&v, &id).unwrap();
    assert_eq!(h.versions.len(), 1, "older versions are not invented");
    assert_eq!(h.versions[0].origin, Origin::Baseline);
    assert_eq!(h.versions[0].record["title"], "second");
    assert!(h.note.unwrap().contains("older versions were not kept"));
    drop(v);
    let v = Vault::open(&dir, &testutil::pass()).unwrap();
    assert_eq!(
        history(&v, &id).unwrap().versions.len(),
        1,
        "the baseline is made once"
    );
}

#[test]
fn an_import_that_fast_forwards_adds_a_version_authored_by_the_monitor() {
    let tmp = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        Vault::create_named(
            &tmp.path().join(name),
            &testutil::pass(),
            KdfProfile::Minimum,
            Some(name),
        )
        .unwrap()
    };
    let (mut mon, mut hq) = (make("mon"), make("hq"));
    let r = keys::keygen(&mut hq).unwrap();
    keys::recipient_add(&mut mon, "hq", &r).unwrap();
    let card = serde_json::to_vec(&keys::device_card(&mon).unwrap()).unwrap();
    keys::trust_add(&mut hq, &card).unwrap();
    let id = testutil::incident(&mut mon, "first");
    let send = |mon: &mut Vault, hq: &mut Vault, n: u32| {
        let out = tmp.path().join(format!("b{n}.saksi"));
        let opts = ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        };
        bundle::export(mon, &opts).unwrap();
        bundle::import(hq, &out, None).unwrap();
    };
    send(&mut mon, &mut hq, 1);
    edit(&mut mon, &id, json!({"title": "second"}));
    send(&mut mon, &mut hq, 2);

    let h = history(&hq, &id).unwrap();
    assert_eq!(h.versions.len(), 2, "each imported version is kept at HQ");
    for x in &h.versions {
        assert_eq!(x.origin, Origin::Imported);
        assert_eq!(
            x.device_id,
            mon.device().id(),
            "an imported version is authored by the monitor, not by HQ"
        );
        assert_eq!(x.device_name.as_deref(), Some("mon"));
        assert_eq!(
            x.custody,
            Custody::Agrees,
            "the monitor's own custody entry, received with the bundle, names the version"
        );
    }
    assert_eq!(
        change(&h, 1, "title"),
        (Some(json!("first")), Some(json!("second")))
    );
    let at_monitor = history(&mon, &id).unwrap();
    assert_eq!(
        at_monitor.versions.last().unwrap().content_hash,
        h.versions[1].content_hash,
        "the monitor and HQ name the same version by the same hash"
    );
}
