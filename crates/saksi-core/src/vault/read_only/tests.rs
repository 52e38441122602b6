//! A vault opened read-only: every write of the core is refused with the one read-only error
//! and no byte of the folder changes; what the open itself would settle is left alone.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::immutable_uri;
use crate::testutil;
use crate::vault::{KdfProfile, OpenMode, Vault, KEY_FILE, PREV_KEY_FILE};

/// Every entry under `dir` with its content hash and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = fs::metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            let value = if meta.is_dir() {
                stack.push(p.clone());
                "dir".to_string()
            } else {
                crate::crypto::hash::sha256_hex(&fs::read(&p).unwrap())
            };
            out.insert(rel, format!("{value} {:?}", meta.modified().ok()));
        }
    }
    out
}

#[test]
fn a_vault_path_cannot_add_uri_parameters() {
    let uri = immutable_uri(Path::new("/home/a b/v?mode=rwc#x%/vault.db")).unwrap();
    assert_eq!(
        uri, "file:/home/a%20b/v%3Fmode%3Drwc%23x%25/vault.db?immutable=1",
        "every character that means something in a URI is percent-encoded"
    );
}

/// A vault with one of everything a write could touch, closed, then opened read-only.
fn reviewed_vault() -> (tempfile::TempDir, PathBuf, uuid::Uuid, uuid::Uuid, String) {
    let (d, mut v) = testutil::vault();
    let dir = v.dir().to_path_buf();
    let inc = testutil::incident(&mut v, "Arrest at the market");
    let person = v
        .persons_mut()
        .add(&serde_json::from_value(serde_json::json!({"name": "Sok Dara"})).unwrap())
        .unwrap();
    let att = crate::evidence::intake_reader(
        &mut v,
        crate::model::RecordType::Incident,
        &inc,
        "a.txt",
        &b"photo"[..],
    )
    .unwrap()
    .attachment
    .id;
    v.settings_mut().set("language", "km").unwrap();
    v.lock().unwrap();
    (d, dir, inc, person, att)
}

#[test]
fn every_write_of_the_core_is_refused_on_a_read_only_vault_and_changes_nothing() {
    let (d, dir, inc, person, att) = reviewed_vault();
    let att = uuid::Uuid::parse_str(&att).unwrap();
    let before = snapshot(&dir);
    let mut v = Vault::open_read_only(&dir, &testutil::pass()).unwrap();
    assert_eq!(v.mode(), OpenMode::ReadOnly);
    let outside = d.path().join("out");
    let incident = || serde_json::from_value(serde_json::json!({"title": "t"})).unwrap();
    let person_in = || serde_json::from_value(serde_json::json!({"name": "n"})).unwrap();
    let new_pass = secrecy::SecretString::from("another long passphrase".to_string());
    type Write<'a> = (&'a str, Box<dyn Fn(&mut Vault) -> crate::Result<()> + 'a>);
    let writes: Vec<Write> = vec![
        (
            "incident add",
            Box::new(|v| v.incidents_mut().add(&incident()).map(drop)),
        ),
        (
            "incident update",
            Box::new(|v| v.incidents_mut().update(&inc, &incident())),
        ),
        (
            "incident edit",
            Box::new(|v| {
                let e = serde_json::from_value(serde_json::json!({"title": "t2"})).unwrap();
                v.incidents_mut().edit(&inc, &e)
            }),
        ),
        (
            "person add",
            Box::new(|v| v.persons_mut().add(&person_in()).map(drop)),
        ),
        (
            "person edit",
            Box::new(|v| v.persons_mut().edit(&person, None, &person_in())),
        ),
        (
            "testimony add",
            Box::new(|v| {
                let t =
                    serde_json::from_value(serde_json::json!({"incident_id": inc, "body": "b"}))
                        .unwrap();
                v.testimonies_mut().add(&t).map(drop)
            }),
        ),
        (
            "proceeding add",
            Box::new(|v| {
                let p = serde_json::from_value(
                    serde_json::json!({"person": person, "kind": "released"}),
                )
                .unwrap();
                v.proceedings_mut().add(&p).map(drop)
            }),
        ),
        (
            "intervention add",
            Box::new(|v| {
                let i = serde_json::from_value(
                    serde_json::json!({"intervener": "x", "kind": "letter"}),
                )
                .unwrap();
                v.interventions_mut().add(&i).map(drop)
            }),
        ),
        (
            "evidence intake",
            Box::new(|v| {
                crate::evidence::intake_reader(
                    v,
                    crate::model::RecordType::Incident,
                    &inc,
                    "b.txt",
                    &b"more"[..],
                )
                .map(drop)
            }),
        ),
        (
            "evidence delete",
            Box::new(|v| crate::evidence::delete(v, &att, "entered by mistake")),
        ),
        (
            "settings",
            Box::new(|v| v.settings_mut().set("language", "fr")),
        ),
        (
            "draft save",
            Box::new(|v| {
                v.drafts_mut()
                    .save("incident", "new", &serde_json::json!({}))
            }),
        ),
        (
            "draft discard",
            Box::new(|v| v.drafts_mut().discard("incident", "new")),
        ),
        (
            "passphrase change",
            Box::new(|v| v.change_passphrase(&new_pass, KdfProfile::Minimum)),
        ),
        (
            "hq key",
            Box::new(|v| crate::bundle::keys::keygen(v).map(drop)),
        ),
        (
            "device card (first one)",
            Box::new(|v| crate::bundle::keys::device_card(v).map(drop)),
        ),
        (
            "trust revoke",
            Box::new(|v| crate::bundle::keys::trust_revoke(v, "x").map(drop)),
        ),
        (
            "trust add",
            Box::new(|v| crate::bundle::keys::trust_add(v, b"{}").map(drop)),
        ),
        (
            "recipient add",
            Box::new(|v| crate::bundle::keys::recipient_add(v, "hq", "age1x").map(drop)),
        ),
        (
            "export",
            Box::new(|v| {
                let opts = crate::bundle::ExportOptions {
                    to: vec!["hq".into()],
                    out: outside.clone(),
                    since_last: false,
                    incidents: vec![],
                    include_contacts: false,
                };
                crate::bundle::export(v, &opts).map(drop)
            }),
        ),
        (
            "import",
            Box::new(|v| crate::bundle::import(v, &outside, None).map(drop)),
        ),
        (
            "receipt",
            Box::new(|v| crate::bundle::write_receipt(v, None, &outside).map(drop)),
        ),
        (
            "purge",
            Box::new(|v| crate::bundle::purge_received(v).map(drop)),
        ),
        (
            "conflict resolve",
            Box::new(|v| {
                crate::bundle::conflict::resolve(
                    v,
                    "x",
                    crate::bundle::conflict::Resolution::KeepLocal,
                )
            }),
        ),
    ];
    for (what, write) in &writes {
        let err = write(&mut v).expect_err(what);
        assert_eq!(
            err.kind(),
            "vault_read_only",
            "{what} must be refused as read-only; got {err}"
        );
        assert_eq!(err.to_string(), "this vault is open read-only");
        assert_eq!(
            snapshot(&dir),
            before,
            "a refused {what} must change nothing"
        );
    }
    assert!(
        !outside.exists(),
        "no file is written outside the vault either"
    );

    // Reading still works, and is not logged (nothing can be written).
    let logged = crate::custody::entries(&v).unwrap().len();
    let (_, bytes) = crate::evidence::read_for_view(&mut v, &att, 1 << 20).unwrap();
    assert_eq!(bytes.as_slice(), b"photo");
    crate::evidence::extract(&mut v, &att, &d.path().join("copy")).unwrap();
    assert_eq!(crate::custody::entries(&v).unwrap().len(), logged);
    assert_eq!(v.settings().get("language").unwrap().as_deref(), Some("km"));
    v.lock().unwrap();
    assert_eq!(
        snapshot(&dir),
        before,
        "a read-only session changes no byte"
    );

    // The same writes on the writable vault succeed: the refusals came from the mode.
    let mut v = Vault::open(&dir, &testutil::pass()).unwrap();
    v.settings_mut().set("language", "fr").unwrap();
    v.incidents_mut().add(&incident()).unwrap();
}

#[test]
fn the_database_itself_refuses_a_write_that_got_past_the_guards() {
    let (_d, dir, ..) = reviewed_vault();
    let v = Vault::open_read_only(&dir, &testutil::pass()).unwrap();
    let err = v
        .conn
        .execute("DELETE FROM setting", [])
        .map_err(crate::Error::from)
        .expect_err("a read-only connection refuses writes");
    assert_eq!(err.kind(), "vault_read_only", "{err}");
    assert_eq!(v.settings().get("language").unwrap().as_deref(), Some("km"));
}

#[test]
fn a_vault_in_use_or_not_closed_properly_is_refused_read_only_without_change() {
    let (d, dir, ..) = reviewed_vault();
    let mut writer = Vault::open(&dir, &testutil::pass()).unwrap();
    testutil::incident(&mut writer, "still in the write-ahead log");
    // A copy taken now is what a crash leaves: the last change only in vault.db-wal.
    let copy = d.path().join("copy");
    fs::create_dir(&copy).unwrap();
    let db = writer.database_file();
    let db = db.file_name().unwrap().to_str().unwrap();
    for f in [KEY_FILE.to_string(), db.to_string(), format!("{db}-wal")] {
        fs::copy(dir.join(&f), copy.join(&f)).unwrap();
    }
    let before = snapshot(&copy);
    let err = Vault::open_read_only(&copy, &testutil::pass()).unwrap_err();
    assert_eq!(
        err.kind(),
        "vault_read_only_unsettled",
        "a read-only open cannot see changes left in the write-ahead log, so it refuses: {err}"
    );
    assert_eq!(snapshot(&copy), before);
    let err = Vault::open_read_only(&dir, &testutil::pass()).unwrap_err();
    assert_eq!(err.kind(), "vault_read_only_unsettled", "{err}");
    writer.lock().unwrap();

    // A writable open settles the copy; then it opens read-only and shows the last change.
    Vault::open(&copy, &testutil::pass())
        .unwrap()
        .lock()
        .unwrap();
    let v = Vault::open_read_only(&copy, &testutil::pass()).unwrap();
    let titles: Vec<String> = v
        .incidents()
        .list()
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert!(
        titles.contains(&"still in the write-ahead log".to_string()),
        "{titles:?}"
    );
}

#[test]
fn an_interrupted_passphrase_change_is_left_for_the_next_writable_open() {
    let (_d, dir, ..) = reviewed_vault();
    let old_bytes = fs::read(dir.join(KEY_FILE)).unwrap();
    let new = secrecy::SecretString::from("a new long passphrase for this test".to_string());
    let mut v = Vault::open(&dir, &testutil::pass()).unwrap();
    v.change_passphrase(&new, KdfProfile::Minimum).unwrap();
    v.lock().unwrap();
    fs::write(dir.join(PREV_KEY_FILE), &old_bytes).unwrap();
    let before = snapshot(&dir);
    for pass in [&testutil::pass(), &new] {
        Vault::open_read_only(&dir, pass)
            .expect("either passphrase opens an unsettled change read-only")
            .lock()
            .unwrap();
        assert_eq!(
            snapshot(&dir),
            before,
            "a read-only open leaves both key files as they are"
        );
    }
}

#[test]
fn a_read_only_open_of_an_older_schema_is_refused_without_upgrading() {
    let (_d, dir, ..) = reviewed_vault();
    let v = Vault::open(&dir, &testutil::pass()).unwrap();
    v.conn
        .pragma_update(None, "user_version", crate::vault::SCHEMA_VERSION - 1)
        .unwrap();
    v.lock().unwrap();
    let before = snapshot(&dir);
    let err = Vault::open_read_only(&dir, &testutil::pass()).unwrap_err();
    assert_eq!(err.kind(), "vault_read_only_needs_upgrade", "{err}");
    assert_eq!(
        snapshot(&dir),
        before,
        "nothing is upgraded by a read-only open"
    );
}
