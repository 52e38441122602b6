//! Merging persons: links, not rewrites; one custody entry per act; undoable; kept through later
//! imports of either monitor's record; never made automatically; never sent in a bundle.

use std::path::Path;

use uuid::Uuid;

use crate::bundle::{self, keys, ExportOptions, ImportOutcome, ImportSummary};
use crate::custody;
use crate::error::Error;
use crate::model::PersonInput;
use crate::testutil;
use crate::vault::{KdfProfile, Vault};

fn person(v: &mut Vault, name: &str) -> Uuid {
    v.persons_mut()
        .add(&PersonInput {
            name: Some(name.into()),
            ..Default::default()
        })
        .unwrap()
}

fn kind(r: crate::Result<impl std::fmt::Debug>) -> &'static str {
    match r {
        Err(e) => e.kind(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

/// (version, device, updated_at) of a person row: what a merge must never touch.
fn row(v: &Vault, id: &Uuid) -> (i64, String, String) {
    let p = v.persons().get(id).unwrap();
    (p.meta.version, p.meta.device_id, p.meta.updated_at)
}

fn unique_persons(v: &Vault) -> i64 {
    v.conn
        .query_row(
            "SELECT count(DISTINCT identity_id) FROM person_identity",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

fn actions(v: &Vault) -> Vec<String> {
    custody::entries(v)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn merge_is_custody_logged_and_undoable() {
    let (_d, mut v) = testutil::vault();
    let a = person(&mut v, "សុខ ចាន់");
    let b = person(&mut v, "Sok Chan");
    let (ra, rb) = (row(&v, &a), row(&v, &b));
    let before = custody::entries(&v).unwrap().len();

    let m = v
        .merge_persons(&a, &b, Some("same father, same village"))
        .unwrap();
    assert_eq!(m.link.person_id, a.to_string(), "a is linked into b");
    assert_eq!(
        m.group,
        vec![b.to_string(), a.to_string()],
        "the group: identity first"
    );
    assert_eq!(
        v.person_identity(&a).unwrap(),
        b.to_string(),
        "a counts as b"
    );
    assert_eq!(
        unique_persons(&v),
        1,
        "two merged records count as one person"
    );
    assert_eq!(
        (row(&v, &a), row(&v, &b)),
        (ra.clone(), rb.clone()),
        "a merge never rewrites a person record"
    );

    let log = custody::entries(&v).unwrap();
    assert_eq!(log.len(), before + 1, "a merge is one custody entry");
    let e = log.last().unwrap();
    assert_eq!(e.action, "person_merge");
    let details = e.details.as_deref().unwrap();
    assert!(
        details.contains(&a.to_string())
            && details.contains(&b.to_string())
            && details.contains("same village"),
        "the merge entry names both persons and the reason: {details}"
    );

    let u = v.unmerge_person(&a).unwrap();
    assert_eq!(u.removed.into_id, b.to_string());
    assert_eq!(
        v.person_identity(&a).unwrap(),
        a.to_string(),
        "after unmerge a is itself again"
    );
    assert_eq!(
        v.merged_group(&b).unwrap(),
        vec![b.to_string()],
        "after unmerge b is alone"
    );
    assert_eq!(unique_persons(&v), 2, "an unmerge restores the count");
    assert_eq!(
        (row(&v, &a), row(&v, &b)),
        (ra, rb),
        "an unmerge never rewrites a person record"
    );
    assert_eq!(
        actions(&v).last().map(String::as_str),
        Some("person_unmerge"),
        "an unmerge is custody-logged"
    );
    assert_eq!(
        custody::verify_chain(&v).unwrap(),
        None,
        "the custody chain stays whole"
    );
    assert_eq!(
        kind(v.unmerge_person(&a)),
        "merge_not_merged",
        "undoing a merge twice is refused"
    );
}

#[test]
fn merging_into_a_merged_person_resolves_to_the_group() {
    let (_d, mut v) = testutil::vault();
    let [a, b, c, d] = ["A", "B", "C", "D"].map(|n| person(&mut v, n));
    v.merge_persons(&b, &c, None).unwrap();
    let m = v.merge_persons(&a, &b, None).unwrap();
    assert_eq!(
        m.link.into_id,
        b.to_string(),
        "the link names the person chosen"
    );
    assert_eq!(
        m.link.identity_id,
        c.to_string(),
        "A into B, B merged into C: A counts as C"
    );
    assert_eq!(v.merged_group(&a).unwrap().len(), 3, "a group of three");

    // D into the group through its first-linked member; and a merged person given first is
    // joined by the other one.
    let m = v.merge_persons(&a, &d, None).unwrap();
    assert_eq!(
        m.link.person_id,
        d.to_string(),
        "D (not yet merged) is linked into A's group"
    );
    assert_eq!(v.person_identity(&d).unwrap(), c.to_string());
    assert_eq!(unique_persons(&v), 1, "four records, one person");

    // Merging the identity C on into E moves the whole group.
    let e = person(&mut v, "E");
    v.merge_persons(&c, &e, None).unwrap();
    for p in [a, b, c, d] {
        assert_eq!(
            v.person_identity(&p).unwrap(),
            e.to_string(),
            "the whole group follows its identity"
        );
    }
    // Unmerging B keeps what was merged into it (A, and D through A) with it.
    v.unmerge_person(&b).unwrap();
    assert_eq!(
        v.merged_group(&b).unwrap(),
        vec![b.to_string(), a.to_string(), d.to_string()]
    );
    assert_eq!(
        v.merged_group(&e).unwrap(),
        vec![e.to_string(), c.to_string()]
    );
    assert_eq!(
        kind(v.merge_persons(&a, &c, None)),
        "merge_both_in_groups",
        "two records each in another group are refused"
    );
    assert_eq!(
        kind(v.merge_persons(&a, &d, None)),
        "merge_already_merged",
        "a pair already one person is refused"
    );
}

#[test]
fn self_merge_and_cycles_are_refused() {
    let (_d, mut v) = testutil::vault();
    let [a, b, c] = ["A", "B", "C"].map(|n| person(&mut v, n));
    assert_eq!(
        kind(v.merge_persons(&a, &a, None)),
        "merge_self",
        "a person cannot merge with itself"
    );
    v.merge_persons(&a, &b, None).unwrap();
    v.merge_persons(&b, &c, None).unwrap();
    let log = custody::entries(&v).unwrap().len();
    assert_eq!(
        kind(v.merge_persons(&c, &a, None)),
        "merge_cycle",
        "C into A (A into B into C) is a loop"
    );
    assert_eq!(
        kind(v.merge_persons(&b, &a, None)),
        "merge_already_merged",
        "already one person"
    );
    let unknown = Uuid::now_v7();
    assert_eq!(
        kind(v.merge_persons(&a, &unknown, None)),
        "not_found",
        "an unknown id is named"
    );
    assert_eq!(kind(v.unmerge_person(&unknown)), "not_found");
    assert!(matches!(
        v.merge_persons(&a, &c, Some(&"x".repeat(5000))),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(
        custody::entries(&v).unwrap().len(),
        log,
        "a refused merge logs nothing"
    );
    assert_eq!(
        v.merged_group(&a).unwrap().len(),
        3,
        "a refused merge changes nothing"
    );
}

#[test]
fn verify_finds_a_stored_identity_that_its_links_do_not_lead_to() {
    let (_d, mut v) = testutil::vault();
    let [a, b, c] = ["A", "B", "C"].map(|n| person(&mut v, n));
    v.merge_persons(&a, &b, None).unwrap();
    v.merge_persons(&b, &c, None).unwrap();
    assert!(
        v.verify().unwrap().ok(),
        "merges made by Saksi verify clean"
    );
    v.conn
        .execute(
            "UPDATE person_merge SET identity_id = ?1 WHERE person_id = ?2",
            [b.to_string(), a.to_string()],
        )
        .unwrap();
    let problems = v.verify().unwrap().problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&a.to_string()) && p.contains("lead to")),
        "a stored identity out of step with the links is reported: {problems:?}"
    );
    v.conn
        .execute(
            "UPDATE person_merge SET into_id = ?1 WHERE person_id = ?2",
            [a.to_string(), b.to_string()],
        )
        .unwrap();
    let problems = v.verify().unwrap().problems;
    assert!(
        problems.iter().any(|p| p.contains("loop")),
        "links that loop are reported: {problems:?}"
    );
}

// --- imports -------------------------------------------------------------------------------

fn named(dir: &Path, name: &str) -> Vault {
    Vault::create_named(
        &dir.join(name),
        &testutil::pass(),
        KdfProfile::Minimum,
        Some(name),
    )
    .unwrap()
}

/// `to` trusting `from`, which sends to `to` (age recipient `recipient`) under the name `name`.
fn pair(to: &mut Vault, from: &mut Vault, name: &str, recipient: &str) {
    keys::recipient_add(from, name, recipient).unwrap();
    let card = serde_json::to_vec(&keys::device_card(from).unwrap()).unwrap();
    keys::trust_add(to, &card).unwrap();
}

fn send(from: &mut Vault, to: &mut Vault, recipient: &str, out: &Path) -> ImportSummary {
    bundle::export(
        from,
        &ExportOptions {
            to: vec![recipient.into()],
            out: out.to_path_buf(),
            ..Default::default()
        },
    )
    .unwrap();
    match bundle::import(to, out, None).unwrap() {
        ImportOutcome::Imported(s) => s,
        other => panic!("expected an import, got {other:?}"),
    }
}

#[test]
fn a_merged_person_is_not_resplit_by_a_later_import() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut hq, mut m1, mut m2) = (
        named(tmp.path(), "hq"),
        named(tmp.path(), "m1"),
        named(tmp.path(), "m2"),
    );
    let r = keys::keygen(&mut hq).unwrap();
    pair(&mut hq, &mut m1, "hq", &r);
    pair(&mut hq, &mut m2, "hq", &r);
    let a = person(&mut m1, "សុខ ចាន់");
    let b = person(&mut m2, "Sok Chan");
    send(&mut m1, &mut hq, "hq", &tmp.path().join("1.saksi"));
    send(&mut m2, &mut hq, "hq", &tmp.path().join("2.saksi"));
    hq.merge_persons(&a, &b, Some("one victim, two monitors"))
        .unwrap();
    let count = unique_persons(&hq);

    // Monitor 1 edits its record and sends it again: it fast-forwards onto that record.
    m1.persons_mut()
        .update(
            &a,
            &PersonInput {
                name: Some("សុខ ចាន់".into()),
                occupation: Some("farmer".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let s = send(&mut m1, &mut hq, "hq", &tmp.path().join("3.saksi"));
    assert_eq!(
        s.updated.get("person"),
        Some(&1),
        "the new version is an update, not a conflict: {s:?}"
    );
    let p = hq.persons().get(&a).unwrap();
    assert_eq!(
        p.occupation.as_deref(),
        Some("farmer"),
        "the new version lands on monitor 1's record"
    );
    assert_eq!(
        p.meta.device_id,
        m1.device().id(),
        "the record keeps its author"
    );
    assert_eq!(
        hq.person_identity(&a).unwrap(),
        b.to_string(),
        "the merge still holds after the import"
    );
    assert_eq!(
        unique_persons(&hq),
        count,
        "a later import does not re-split a merged person"
    );

    // A new person who is obviously the same (same name) is never merged by an import.
    let dup = person(&mut m2, "Sok Chan");
    send(&mut m2, &mut hq, "hq", &tmp.path().join("4.saksi"));
    assert_eq!(
        hq.merged_group(&dup).unwrap(),
        vec![dup.to_string()],
        "an import never merges persons by itself"
    );
    assert_eq!(
        unique_persons(&hq),
        count + 1,
        "the duplicate counts apart until HQ merges it"
    );
}

#[test]
fn merges_stay_in_the_vault_that_made_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut hq, mut lawyer) = (named(tmp.path(), "hq"), named(tmp.path(), "lawyer"));
    let r = keys::keygen(&mut lawyer).unwrap();
    pair(&mut lawyer, &mut hq, "lawyer", &r);
    let a = person(&mut hq, "A");
    let b = person(&mut hq, "B");
    hq.merge_persons(&a, &b, Some("the reason names someone"))
        .unwrap();
    let s = send(&mut hq, &mut lawyer, "lawyer", &tmp.path().join("l.saksi"));
    assert_eq!(s.added.get("person"), Some(&2), "both records travel");
    let received: i64 = lawyer
        .conn
        .query_row(
            "SELECT count(*) FROM imported_custody WHERE action LIKE 'person_%merge'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        received, 0,
        "a merge's custody entry (and its reason) never leaves the vault that made it"
    );
    assert_eq!(
        lawyer.person_identity(&a).unwrap(),
        a.to_string(),
        "the receiver holds two persons, unmerged"
    );
}
