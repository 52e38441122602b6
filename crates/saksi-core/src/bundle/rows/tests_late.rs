//! Late fields (schema 8): left out of a record while unused, read as empty when absent.

use crate::bundle::rows;
use crate::model::proceeding::Group;
use crate::model::{PersonInput, ProceedingInput};
use crate::testutil::vault;

#[test]
fn records_leave_out_unused_late_fields_so_their_bytes_and_hashes_do_not_change() {
    let (_d, mut v) = vault();
    let plain = v
        .persons_mut()
        .add(&PersonInput {
            name: Some("Plain".into()),
            ..Default::default()
        })
        .unwrap();
    let spec = rows::spec("person").unwrap();
    let rec = rows::load(&v.conn, spec, &plain.to_string(), false)
        .unwrap()
        .unwrap();
    assert!(
        !rec.children.contains_key("person_category"),
        "a person without categories travels as before schema 8: {:?}",
        rec.children.keys()
    );
    let group = v
        .proceedings_mut()
        .add(&ProceedingInput {
            kind: "charged".into(),
            group: Some(Group {
                description: "three bodyguards".into(),
                size_min: Some(3),
                size_max: Some(3),
            }),
            ..Default::default()
        })
        .unwrap();
    let named = v
        .proceedings_mut()
        .add(&ProceedingInput {
            person: Some(plain.to_string()),
            kind: "arrest".into(),
            ..Default::default()
        })
        .unwrap();
    let pspec = rows::spec("proceeding").unwrap();
    let load = |id: &uuid::Uuid| {
        rows::load(&v.conn, pspec, &id.to_string(), false)
            .unwrap()
            .unwrap()
    };
    assert!(
        !load(&named).row.contains_key("group_description"),
        "a proceeding against a person carries no group columns"
    );
    assert_eq!(
        load(&group).row.get("group_description"),
        Some(&serde_json::json!("three bodyguards")),
        "a group proceeding carries its group"
    );
}

#[test]
fn a_person_record_that_arrives_without_categories_has_none() {
    let (_d, mut v) = vault();
    let id = v
        .persons_mut()
        .add(&PersonInput {
            name: Some("Dara".into()),
            categories: vec!["journalist".into()],
            ..Default::default()
        })
        .unwrap();
    let spec = rows::spec("person").unwrap();
    let with = rows::load(&v.conn, spec, &id.to_string(), false)
        .unwrap()
        .unwrap();
    assert_eq!(
        with.children["person_category"].len(),
        1,
        "categories travel as a child table of the person"
    );
    let mut without = with.clone();
    without.children.remove("person_category");
    assert!(
        !with.same_as(&without),
        "a record without categories is not the same as one with"
    );
    rows::update(&v.conn, spec, &without).unwrap();
    assert!(
        v.persons().get(&id).unwrap().categories.is_empty(),
        "the sender's version holds no categories, so none are kept"
    );
}
