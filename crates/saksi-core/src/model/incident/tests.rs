use super::*;
use crate::custody;
use crate::testutil;
use crate::vault::Vault;

/// An incident with two named victims, a group of perpetrators and an arrest of the first
/// victim; returns its id.
fn seeded(v: &mut Vault) -> Uuid {
    let input: IncidentInput = serde_json::from_value(serde_json::json!({
        "title": "Arrest at the gate",
        "kinds": ["arbitrary_arrest"],
        "people": {"a": {"name": "សុខ ដារា"}, "b": {"name": "Chan Sophea"}},
        "involvements": [
            {"person": "a", "role": "victim", "injuries": "bruises"},
            {"person": "b", "role": "victim"},
            {"role": "perpetrator", "counting": {"unit": "group", "min": 3, "max": 9}}
        ],
        "proceedings": [{"person": "a", "kind": "arrest", "date": {"date": "2024-01-10"}}]
    }))
    .unwrap();
    v.incidents_mut().add(&input).unwrap()
}

/// The edit that leaves `inc` exactly as it is (every act and proceeding listed by id).
fn unchanged(inc: &Incident) -> IncidentEdit {
    IncidentEdit {
        version: Some(inc.meta.version),
        title: inc.title.clone(),
        description: inc.description.clone(),
        kinds: inc.kinds.clone(),
        start: inc.start.clone(),
        end: inc.end.clone(),
        place: inc.place.clone(),
        verification: Some(inc.verification.clone()),
        sensitivity: Some(inc.sensitivity.clone()),
        related: inc.related.clone(),
        people: BTreeMap::new(),
        involvements: Some(
            inc.involvements
                .iter()
                .map(|a| InvolvementInput {
                    id: Some(a.id.clone()),
                    person: a.person_id.clone(),
                    role: a.role.clone(),
                    act_type: a.act_type.clone(),
                    method: a.method.clone(),
                    injuries: a.injuries.clone(),
                    perpetrator_type: a.perpetrator_type.clone(),
                    perpetrator_unit: a.perpetrator_unit.clone(),
                    degree: a.degree.clone(),
                    counting: Some(a.counting.clone()),
                    notes: Some(a.notes.clone()),
                })
                .collect(),
        ),
        proceedings: Some(
            inc.proceedings
                .iter()
                .map(|p| ProceedingInput {
                    id: Some(p.id.clone()),
                    person: p.person_id.clone(),
                    group: p.group.clone(),
                    incident_id: p.incident_id.clone(),
                    kind: p.kind.clone(),
                    date: p.date.clone(),
                    authority: p.authority.clone(),
                    case_number: p.case_number.clone(),
                    charges: p.charges.clone(),
                    law_cited: p.law_cited.clone(),
                    sentence_months: p.sentence_months,
                    in_absentia: p.in_absentia,
                    detention_place: p.detention_place.clone(),
                    notes: Some(p.notes.clone()),
                })
                .collect(),
        ),
    }
}

fn edits_of(v: &Vault, id: &Uuid) -> usize {
    custody::entries_for(v, &id.to_string())
        .unwrap()
        .iter()
        .filter(|e| e.action == "record_edited")
        .count()
}

#[test]
fn an_act_is_changed_in_place_keeping_its_id_and_only_it_gets_a_new_version() {
    let (_d, mut v) = testutil::vault();
    let id = seeded(&mut v);
    let before = v.incidents().get(&id).unwrap();
    let mut e = unchanged(&before);
    let acts = e.involvements.as_mut().unwrap();
    let k = acts
        .iter()
        .position(|a| a.injuries.as_deref() == Some("bruises"))
        .unwrap();
    acts[k].injuries = Some("broken arm".into());
    let changed_id = acts[k].id.clone().unwrap();
    v.incidents_mut().edit(&id, &e).unwrap();

    let after = v.incidents().get(&id).unwrap();
    assert_eq!(
        after.meta.version,
        before.meta.version + 1,
        "one version bump of the incident"
    );
    assert_eq!(
        after.involvements.len(),
        3,
        "no act is added or removed by an in-place change"
    );
    for (b, a) in before.involvements.iter().zip(&after.involvements) {
        assert_eq!(a.id, b.id, "an act edited in place keeps its id");
        if a.id == changed_id {
            assert_eq!(a.injuries.as_deref(), Some("broken arm"));
            assert_eq!(
                a.meta.version,
                b.meta.version + 1,
                "the changed act gets a new version"
            );
            assert_eq!(a.meta.created_at, b.meta.created_at);
        } else {
            assert_eq!(
                a, b,
                "an act that did not change is not rewritten (bundles carry only changes)"
            );
        }
    }
    assert_eq!(
        after.proceedings, before.proceedings,
        "an unchanged proceeding keeps its version"
    );
    assert_eq!(edits_of(&v, &id), 1, "one edit is one custody entry");
}

#[test]
fn one_edit_adds_changes_and_removes_acts_and_proceedings_together() {
    let (_d, mut v) = testutil::vault();
    let id = seeded(&mut v);
    let before = v.incidents().get(&id).unwrap();
    let persons_before = v.persons().list().unwrap().len();
    let mut e = unchanged(&before);
    e.title = "Arrest at the factory gate".into();
    e.people.insert(
        "w".into(),
        serde_json::from_value(serde_json::json!({"name": "Keo Malis"})).unwrap(),
    );
    let acts = e.involvements.as_mut().unwrap();
    let removed = acts.remove(1).id.unwrap();
    acts[0].notes = Some("taken to Prey Sar".into());
    let changed = acts[0].id.clone().unwrap();
    acts.push(InvolvementInput {
        person: Some("w".into()),
        role: "witness".into(),
        ..Default::default()
    });
    let procs = e.proceedings.as_mut().unwrap();
    procs[0].authority = Some("Phnom Penh police".into());
    let victim = before.proceedings[0].person_id.clone();
    procs.push(ProceedingInput {
        person: victim,
        kind: "released".into(),
        date: FuzzyDate {
            date: Some("2024-02-01".into()),
            precision: None,
        },
        ..Default::default()
    });
    v.incidents_mut().edit(&id, &e).unwrap();

    let after = v.incidents().get(&id).unwrap();
    assert_eq!(after.title, "Arrest at the factory gate");
    assert_eq!(after.meta.version, before.meta.version + 1);
    let ids: Vec<&str> = after.involvements.iter().map(|a| a.id.as_str()).collect();
    assert!(
        !ids.contains(&removed.as_str()),
        "an act left out of the list is removed"
    );
    assert_eq!(after.involvements.len(), 3, "one act removed, one added");
    let c = after.involvements.iter().find(|a| a.id == changed).unwrap();
    assert_eq!(
        c.notes, "taken to Prey Sar",
        "a listed act is changed in place"
    );
    let w = after
        .involvements
        .iter()
        .find(|a| a.role == "witness")
        .unwrap();
    assert_eq!(
        w.person_name.as_deref(),
        Some("Keo Malis"),
        "a new person is created for a new act"
    );
    assert_eq!(v.persons().list().unwrap().len(), persons_before + 1);
    assert_eq!(after.proceedings.len(), 2);
    assert_eq!(after.proceedings[0].id, before.proceedings[0].id);
    assert_eq!(
        after.proceedings[0].authority.as_deref(),
        Some("Phnom Penh police")
    );
    assert_eq!(
        after.proceedings[0].meta.version, 2,
        "a changed proceeding gets a new version"
    );
    assert_eq!(after.proceedings[1].kind, "released");
    assert_eq!(
        edits_of(&v, &id),
        1,
        "the whole edit is one custody entry on the incident"
    );
    assert_eq!(
        custody::verify_chain(&v).unwrap(),
        None,
        "the custody chain verifies"
    );
}

#[test]
fn an_edit_with_one_invalid_part_changes_nothing() {
    let (_d, mut v) = testutil::vault();
    let id = seeded(&mut v);
    let before = v.incidents().get(&id).unwrap();
    let persons = v.persons().list().unwrap();
    let log = custody::entries(&v).unwrap().len();
    type Spoil = Box<dyn Fn(&mut IncidentEdit)>;
    let bad_parts: Vec<(&str, Spoil)> = vec![
        (
            "role",
            Box::new(|e| e.involvements.as_mut().unwrap().last_mut().unwrap().role = "nope".into()),
        ),
        (
            "count over the ceiling",
            Box::new(|e| {
                e.involvements
                    .as_mut()
                    .unwrap()
                    .last_mut()
                    .unwrap()
                    .counting = Some(Counting {
                    unit: "group".into(),
                    min: Some(1),
                    max: Some(MAX_COUNT + 1),
                    description: None,
                })
            }),
        ),
        (
            "proceeding date",
            Box::new(|e| e.proceedings.as_mut().unwrap()[0].date.date = Some("2024-02-30".into())),
        ),
        (
            "act of another incident",
            Box::new(|e| e.involvements.as_mut().unwrap()[0].id = Some(Uuid::now_v7().to_string())),
        ),
        (
            "new person without a name",
            Box::new(|e| {
                e.people.insert("n".into(), PersonInput::default());
                e.involvements.as_mut().unwrap().push(InvolvementInput {
                    person: Some("n".into()),
                    role: "witness".into(),
                    ..Default::default()
                });
            }),
        ),
    ];
    for (what, spoil) in bad_parts {
        let mut e = unchanged(&before);
        e.title = "changed".into();
        e.involvements.as_mut().unwrap().remove(1);
        e.involvements.as_mut().unwrap()[0].notes = Some("changed".into());
        spoil(&mut e);
        assert!(
            v.incidents_mut().edit(&id, &e).is_err(),
            "{what}: the edit must be refused"
        );
        assert_eq!(
            v.incidents().get(&id).unwrap(),
            before,
            "{what}: a refused edit must leave the incident exactly as it was"
        );
        assert_eq!(
            v.persons().list().unwrap(),
            persons,
            "{what}: no person is left behind"
        );
        assert_eq!(
            custody::entries(&v).unwrap().len(),
            log,
            "{what}: no custody entry"
        );
    }
}

#[test]
fn an_edit_made_from_an_older_version_is_refused() {
    let (_d, mut v) = testutil::vault();
    let id = seeded(&mut v);
    let base = v.incidents().get(&id).unwrap();
    let mut mine = unchanged(&base);
    let mut theirs = unchanged(&base);
    theirs.title = "Their title".into();
    v.incidents_mut().edit(&id, &theirs).unwrap();
    mine.title = "My title".into();
    let err = v.incidents_mut().edit(&id, &mine).unwrap_err();
    assert_eq!(
        err.kind(),
        "stale_edit",
        "a stale edit must be refused, not overwrite: {err}"
    );
    assert!(err.to_string().contains("version 1"), "{err}");
    assert_eq!(
        v.incidents().get(&id).unwrap().title,
        "Their title",
        "the newer edit stays"
    );
    mine.version = None;
    v.incidents_mut().edit(&id, &mine).unwrap();
}

#[test]
fn an_edit_without_lists_keeps_the_acts_and_proceedings() {
    let (_d, mut v) = testutil::vault();
    let id = seeded(&mut v);
    let before = v.incidents().get(&id).unwrap();
    let mut e = unchanged(&before);
    e.involvements = None;
    e.proceedings = None;
    e.description = "more".into();
    v.incidents_mut().edit(&id, &e).unwrap();
    let after = v.incidents().get(&id).unwrap();
    assert_eq!(after.involvements, before.involvements);
    assert_eq!(after.proceedings, before.proceedings);
    assert_eq!(after.description, "more");
}

#[test]
fn a_group_count_over_the_ceiling_is_refused_by_the_core() {
    // The ceiling used to live in the desktop shell only: the CLI could store any count.
    let (_d, mut v) = testutil::vault();
    let id = testutil::incident(&mut v, "t");
    let group = |min: Option<i64>, max: Option<i64>| InvolvementInput {
        role: "perpetrator".into(),
        counting: Some(Counting {
            unit: "group".into(),
            min,
            max,
            description: None,
        }),
        ..Default::default()
    };
    let mut m = v.incidents_mut();
    assert!(m
        .add_involvement(&id, None, &group(Some(10), Some(20)))
        .is_ok());
    assert!(m
        .add_involvement(&id, None, &group(Some(MAX_COUNT), None))
        .is_ok());
    assert!(
        m.add_involvement(&id, None, &group(Some(-1), None))
            .is_err(),
        "a negative count must be refused"
    );
    assert!(
        m.add_involvement(&id, None, &group(None, Some(i64::MAX)))
            .is_err(),
        "an absurd count must be refused by the core"
    );
}

#[test]
fn a_person_edit_made_from_an_older_version_is_refused() {
    let (_d, mut v) = testutil::vault();
    let p: PersonInput = serde_json::from_value(serde_json::json!({"name": "Sok"})).unwrap();
    let id = v.persons_mut().add(&p).unwrap();
    let mut newer = p.clone();
    newer.occupation = Some("journalist".into());
    v.persons_mut().edit(&id, Some(1), &newer).unwrap();
    let err = v.persons_mut().edit(&id, Some(1), &p).unwrap_err();
    assert_eq!(
        err.kind(),
        "stale_edit",
        "a stale person edit must not overwrite: {err}"
    );
    assert_eq!(
        v.persons().get(&id).unwrap().occupation.as_deref(),
        Some("journalist")
    );
}

fn perpetrator_act(perpetrator_type: &str) -> IncidentInput {
    serde_json::from_value(serde_json::json!({
        "title": "Beating at the market",
        "kinds": ["assault"],
        "involvements": [{"role": "perpetrator", "perpetrator_type": perpetrator_type,
                          "counting": {"unit": "group", "min": 2}}]
    }))
    .unwrap()
}

#[test]
fn a_perpetrator_type_code_of_the_vocabulary_is_accepted() {
    let (_d, mut v) = testutil::vault();
    let id = v
        .incidents_mut()
        .add(&perpetrator_act(" gendarmerie "))
        .unwrap();
    let inc = v.incidents().get(&id).unwrap();
    assert_eq!(
        inc.involvements[0].perpetrator_type.as_deref(),
        Some("gendarmerie"),
        "a vocabulary code is stored as the code, trimmed"
    );
}

#[test]
fn a_new_perpetrator_type_outside_the_vocabulary_is_refused_and_nothing_is_stored() {
    let (_d, mut v) = testutil::vault();
    let before = v.incidents().list().unwrap().len();
    let log = custody::entries(&v).unwrap().len();
    for text in ["Police", "ប៉ូលិស", "state security"] {
        let err = v.incidents_mut().add(&perpetrator_act(text)).unwrap_err();
        assert_eq!(
            err.kind(),
            "invalid_input",
            "{text}: a bad value is invalid input"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("perpetrator_type vocabulary")
                && msg.contains("saksi vocab perpetrator_type"),
            "{text}: the error names the vocabulary and how to list it: {msg}"
        );
        assert_eq!(
            v.incidents().list().unwrap().len(),
            before,
            "{text}: no incident stored"
        );
        assert_eq!(
            custody::entries(&v).unwrap().len(),
            log,
            "{text}: no custody entry"
        );
    }
    // An edit adding a new act with free text is refused the same way.
    let id = v.incidents_mut().add(&perpetrator_act("police")).unwrap();
    let inc = v.incidents().get(&id).unwrap();
    let mut e = unchanged(&inc);
    e.involvements.as_mut().unwrap().push(InvolvementInput {
        role: "perpetrator".into(),
        perpetrator_type: Some("soldiers".into()),
        counting: Some(Counting {
            unit: "group".into(),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert!(
        v.incidents_mut().edit(&id, &e).is_err(),
        "a new act with free text is refused"
    );
    assert_eq!(
        v.incidents().get(&id).unwrap(),
        inc,
        "the refused edit changed nothing"
    );
}

#[test]
fn a_legacy_free_text_perpetrator_type_is_kept_when_its_incident_is_edited() {
    let (_d, mut v) = testutil::vault();
    let id = v.incidents_mut().add(&perpetrator_act("police")).unwrap();
    // What an older build (or an older monitor's bundle) left behind.
    v.conn
        .execute(
            "UPDATE involvement SET perpetrator_type = 'Police (district)' WHERE incident_id = ?1",
            [id.to_string()],
        )
        .unwrap();
    let inc = v.incidents().get(&id).unwrap();
    let mut e = unchanged(&inc);
    e.title = "Beating at the old market".into();
    v.incidents_mut().edit(&id, &e).unwrap();
    let after = v.incidents().get(&id).unwrap();
    assert_eq!(
        after.title, "Beating at the old market",
        "the edit went through"
    );
    assert_eq!(
        after.involvements[0].perpetrator_type.as_deref(),
        Some("Police (district)"),
        "the stored legacy text is kept unchanged"
    );
    assert_eq!(
        after.involvements[0].meta.version, inc.involvements[0].meta.version,
        "an unchanged legacy act gets no new version"
    );
    // Changing it to other free text is refused; changing it to a code is accepted.
    let mut e = unchanged(&after);
    e.involvements.as_mut().unwrap()[0].perpetrator_type = Some("Police (province)".into());
    assert!(
        v.incidents_mut().edit(&id, &e).is_err(),
        "new free text is refused on edit"
    );
    e.involvements.as_mut().unwrap()[0].perpetrator_type = Some("police".into());
    v.incidents_mut().edit(&id, &e).unwrap();
    assert_eq!(
        v.incidents().get(&id).unwrap().involvements[0]
            .perpetrator_type
            .as_deref(),
        Some("police")
    );
}
