//! The person-category filter: incidents naming a person who holds the category (merged persons
//! are one person with every category either record gives), combined with role and text.

use uuid::Uuid;

use super::{SearchHit, SearchQuery};
use crate::model::{IncidentInput, InvolvementInput, PersonInput};
use crate::testutil::vault;
use crate::vault::Vault;

fn person(v: &mut Vault, name: &str, categories: &[&str]) -> Uuid {
    v.persons_mut()
        .add(&PersonInput {
            name: Some(name.into()),
            categories: categories.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        })
        .unwrap()
}

fn incident(v: &mut Vault, title: &str, acts: &[(Uuid, &str)]) -> Uuid {
    v.incidents_mut()
        .add(&IncidentInput {
            title: title.into(),
            kinds: vec!["arbitrary_arrest".into()],
            involvements: acts
                .iter()
                .map(|(p, role)| InvolvementInput {
                    person: Some(p.to_string()),
                    role: role.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .unwrap()
}

fn ids(hits: &[SearchHit]) -> Vec<String> {
    let mut ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<String> {
    ids.sort();
    ids.iter().map(Uuid::to_string).collect()
}

fn by_category(category: &str) -> SearchQuery {
    SearchQuery {
        category: Some(category.into()),
        ..Default::default()
    }
}

#[test]
fn the_category_filter_finds_incidents_naming_a_person_of_that_category() {
    let (_d, mut v) = vault();
    let defender = person(&mut v, "Tep Vanny", &["land_environment_defender"]);
    let journalist = person(&mut v, "Mech Dara", &["journalist"]);
    let both = person(
        &mut v,
        "Sokha",
        &["journalist", "land_environment_defender"],
    );
    let a = incident(&mut v, "Arrest at Boeung Kak", &[(defender, "victim")]);
    let b = incident(&mut v, "Reporter detained", &[(journalist, "victim")]);
    let c = incident(&mut v, "Land protest", &[(both, "witness")]);
    let _none = incident(&mut v, "Other arrest", &[]);

    let defenders = v.search(&by_category("land_environment_defender")).unwrap();
    let incidents: Vec<_> = defenders
        .iter()
        .filter(|h| h.record_type == "incident")
        .cloned()
        .collect();
    assert_eq!(ids(&incidents), sorted(vec![a, c]), "{defenders:?}");
    assert_eq!(
        ids(&v.search(&by_category("journalist")).unwrap()),
        sorted(vec![b, c])
    );

    // With a role, the person holding the category must be in that role.
    let victims = v
        .search(&SearchQuery {
            role: Some("victim".into()),
            ..by_category("land_environment_defender")
        })
        .unwrap();
    assert_eq!(ids(&victims), sorted(vec![a]));

    // With text, person hits are only persons of the category.
    let text = v
        .search(&SearchQuery {
            text: Some("Dara".into()),
            ..by_category("land_environment_defender")
        })
        .unwrap();
    assert!(text.is_empty(), "a journalist is not a defender: {text:?}");
    let text = v
        .search(&SearchQuery {
            text: Some("Dara".into()),
            ..by_category("journalist")
        })
        .unwrap();
    assert_eq!(ids(&text), vec![journalist.to_string()]);
}

#[test]
fn a_merged_person_has_every_category_of_its_records() {
    let (_d, mut v) = vault();
    let latin = person(&mut v, "Nhay Chamroeun", &[]);
    let khmer = person(&mut v, "ញ៉ែ ចំរើន", &["opposition_member"]);
    let beaten = incident(
        &mut v,
        "Beaten outside the National Assembly",
        &[(latin, "victim")],
    );
    assert!(
        v.search(&by_category("opposition_member"))
            .unwrap()
            .is_empty(),
        "before the merge, the victim's own record has no category"
    );
    v.merge_persons(&latin, &khmer, Some("same MP")).unwrap();
    assert_eq!(
        ids(&v.search(&by_category("opposition_member")).unwrap()),
        vec![beaten.to_string()],
        "after the merge the victim is an opposition member"
    );
}

#[test]
fn an_unknown_category_is_a_clear_error() {
    let (_d, v) = vault();
    let err = v.search(&by_category("astronaut")).unwrap_err();
    assert_eq!(err.kind(), "invalid_input", "{err}");
    assert!(err.to_string().contains("unknown person category"), "{err}");
}
