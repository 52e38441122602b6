//! Unit tests of the custody log.
use super::*;
use crate::testutil;

fn vault_with_records() -> (tempfile::TempDir, Vault) {
    let (dir, mut v) = testutil::vault();
    for t in ["one", "two", "three"] {
        testutil::incident(&mut v, t);
    }
    (dir, v)
}

#[test]
fn an_untouched_chain_verifies() {
    let (_d, v) = vault_with_records();
    assert_eq!(entries(&v).unwrap().len(), 4);
    assert_eq!(verify_chain(&v).unwrap(), None);
}

#[test]
fn editing_an_entry_with_the_key_is_reported_by_id() {
    let (_d, v) = vault_with_records();
    let target = entries(&v).unwrap()[2].id.clone();
    v.conn
        .execute(
            "UPDATE custody_log SET content_hash = 'forged' WHERE id = ?1",
            [&target],
        )
        .unwrap();
    let problem = verify_chain(&v)
        .unwrap()
        .expect("an edited entry must break the chain");
    assert!(
        problem.contains(&target) && problem.contains("altered"),
        "{problem}"
    );
}

#[test]
fn rehashing_an_edited_entry_still_fails_on_the_signature_or_the_next_link() {
    let (_d, v) = vault_with_records();
    let mut e = entries(&v).unwrap()[1].clone();
    e.details = Some("forged".into());
    e.entry_hash = e.compute_hash();
    v.conn
        .execute(
            "UPDATE custody_log SET details = ?1, entry_hash = ?2 WHERE id = ?3",
            rusqlite::params![e.details, e.entry_hash, e.id],
        )
        .unwrap();
    let problem = verify_chain(&v)
        .unwrap()
        .expect("a re-hashed forgery must be caught");
    assert!(
        problem.contains(&e.id),
        "the forged entry is named first: {problem}"
    );
}

#[test]
fn deleting_an_entry_breaks_the_chain() {
    let (_d, v) = vault_with_records();
    v.conn
        .execute("DELETE FROM custody_log WHERE seq = 2", [])
        .unwrap();
    let problem = verify_chain(&v)
        .unwrap()
        .expect("a removed entry must be noticed");
    assert!(problem.contains("missing"), "{problem}");
}
