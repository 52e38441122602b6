//! Invariant 1: nothing in the vault folder, nor beside it, contains plaintext of user data.
//!
//! Every text field the CLI accepts gets a value carrying a Latin and a Khmer canary plus a field
//! tag; the test first proves each value really was stored (so the scan cannot pass because a
//! field was silently dropped), then scans every byte of every file in and beside the vault.

use serde_json::json;

use crate::util::{contains_bytes, files_under, find_text, utf16le, TestVault};

const LATIN: &str = "CANARY-LATIN-7f3a";
const KHMER: &str = "កាណារី៧៣";

/// The value stored in field number `n`: both canaries and a unique tag.
fn canary(n: usize) -> String {
    format!("{LATIN} {KHMER} <{n:02}>")
}

/// Fills every text field of every record type through the CLI; returns how many canary values
/// were sent, and the concatenated JSON output of every show/list command.
fn fill_vault(v: &TestVault) -> (usize, String) {
    let mut n = 0;
    let mut c = || {
        n += 1;
        canary(n)
    };
    // A first incident, so that `related` can point at it; its text is set by an update below
    // (values an update replaces cannot be shown back, so they would prove nothing).
    let first = v.add("incident", &json!({"title": "first", "kinds": ["other"]}));
    let updated = v.add("person", &json!({"name": "to be updated"}));
    let person = v.add(
        "person",
        &json!({
            "name": c(),
            "names": [{"name": c(), "kind": "romanisation", "script": c()},
                      {"name": c(), "kind": "alias"}],
            "sex": "female",
            // Nationalities are ISO 3166 codes since schema 8, not free text.
            "nationalities": ["KH"],
            "affiliations": [{"organisation": c(), "org_type": c(), "role": c(),
                              "start_date": c(), "end_date": c()}],
            "occupation": c(),
            "notes": c(),
            "contacts": [{"kind": c(), "value": c()}]
        }),
    );
    let incident = v.add(
        "incident",
        &json!({
            "title": c(),
            "description": c(),
            "kinds": ["assault", "arbitrary_arrest"],
            "start": {"date": "2024-03-08"},
            "place": {"name": c(), "admin_area": c(), "latitude": 11.55, "longitude": 104.92},
            "related": [{"incident_id": first, "relation": c()}],
            "people": {"p1": {"name": c(), "occupation": c(), "notes": c(),
                              "affiliations": [{"organisation": c()}],
                              "contacts": [{"kind": "phone", "value": c()}]}},
            "involvements": [
                {"person": "p1", "role": "victim", "act_type": c(), "method": c(),
                 "injuries": c(), "degree": c(), "notes": c()},
                {"role": "perpetrator", "perpetrator_type": "gendarmerie", "perpetrator_unit": c(),
                 "counting": {"unit": "group", "min": 3, "max": 5, "description": c()}},
                {"person": person, "role": "witness", "notes": c()}
            ],
            "proceedings": [{"person": "p1", "kind": "detained", "date": {"date": "2024-03-08"},
                             "authority": c(), "case_number": c(), "charges": c(),
                             "law_cited": c(), "detention_place": c(), "notes": c()},
                            {"group": {"description": c(), "size_min": 3}, "kind": "charged",
                             "charges": c()}]
        }),
    );
    let proceeding = v.add(
        "proceeding",
        &json!({"person": person, "incident_id": incident, "kind": "charged",
                "authority": c(), "case_number": c(), "charges": c(), "law_cited": c(),
                "sentence_months": 12, "detention_place": c(), "notes": c()}),
    );
    let testimony = v.add(
        "testimony",
        &json!({"incident_id": incident, "witness_id": person, "interviewer": c(),
                "interviewed_at": "2024-03-09T10:00", "interview_place": c(),
                "language": c(), "body": c(),
                "consent": {"internal_use": true, "share_with_hq": true, "publication": "anonymous",
                            "method": c(), "given_at": "2015-10-27"}}),
    );
    // An attachment whose file name and content carry canaries (the source file lives outside
    // the scanned folder, as a monitor's camera folder would).
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join(c());
    std::fs::write(&file, canary(0)).unwrap();
    v.ok(&["attach", &incident, file.to_str().unwrap()]);
    v.add(
        "intervention",
        &json!({"incident_id": incident, "person_id": person, "intervener": c(),
                "addressee": c(), "kind": "urgent_appeal", "date": {"date": "2024-03-10"},
                "response": c(), "status": "answered"}),
    );
    // Updates write the text a second way.
    v.ok_stdin(
        &["incident", "update", &first],
        &json!({"title": c(), "description": c(), "place": {"name": c(), "admin_area": c()}})
            .to_string(),
    );
    v.ok_stdin(
        &["person", "update", &updated],
        &json!({"name": c(), "occupation": c(), "notes": c(),
                "affiliations": [{"organisation": c()}], "contacts": [{"kind": c(), "value": c()}]})
        .to_string(),
    );

    let mut shown = String::new();
    for args in [
        vec!["incident", "list", "--json"],
        vec!["person", "list", "--json"],
        vec!["person", "show", &person, "--json"],
        vec!["person", "show", &updated, "--json"],
        vec!["incident", "show", &incident, "--json"],
        vec!["incident", "show", &first, "--json"],
        vec!["proceeding", "show", &proceeding, "--json"],
        vec!["testimony", "show", &testimony, "--json"],
        vec!["testimony", "list"],
        vec!["intervention", "list", "--json"],
        vec!["report", "detained", "--json"],
        vec!["device", "--json"],
        vec!["log", "--json"],
        vec!["evidence", "list", "--json"],
    ] {
        shown.push_str(&v.ok(&args));
    }
    // Search reads the FTS index: with canaries as queries, Latin and Khmer, long and short.
    for q in [LATIN, KHMER, "7f3a", "ណា", "CANARY-latin"] {
        let hits = v.json(&["search", q, "--json"]);
        assert!(
            !hits.as_array().unwrap().is_empty(),
            "search for the canary {q:?} must find the records that hold it"
        );
    }
    (n, shown)
}

#[test]
fn no_canary_sqlite_header_or_passphrase_on_disk_after_close() {
    let v = TestVault::empty();
    let device_name = format!("{LATIN} {KHMER} device");
    v.ok(&["init", "--device-name", &device_name]);
    let (sent, shown) = fill_vault(&v);
    assert!(sent >= 60, "the canary test must cover every text field");

    // Each value must have been stored and come back, or the scan below would prove nothing.
    for n in 1..=sent {
        assert!(
            shown.contains(&canary(n)),
            "canary field <{n:02}> must be stored and shown back (otherwise its absence on disk \
             proves nothing)"
        );
    }
    assert!(
        shown.contains(&device_name),
        "the device name must be stored"
    );

    // The CLI has exited, so the vault is closed: scan everything under the test folder, which
    // holds the vault folder, saksi's HOME and its TMPDIR (inputs went through stdin, so no
    // plaintext file of ours is there).
    let files = files_under(v.root());
    assert!(
        files.iter().any(|f| f.ends_with("vault/vault.db"))
            && files.iter().any(|f| f.ends_with("vault/vault2.db")),
        "the scan must include the database: {files:?}"
    );
    for needle in [
        LATIN,
        KHMER,
        "CANARY",
        "7f3a",
        "SQLite format 3",
        PASS_PROBE,
    ] {
        let hits = find_text(v.root(), needle);
        assert!(
            hits.is_empty(),
            "no file in or beside the vault may contain {needle:?} (plaintext on disk): {hits:?}"
        );
    }
    let hits = find_text(v.root(), &v.pass);
    assert!(
        hits.is_empty(),
        "the passphrase must never be written to disk: {hits:?}"
    );

    // A closed vault is the key file, the database and the attachments folder: no WAL index
    // (-shm), no rollback journal, no WAL left over, no staging folder.
    let (blobs, names): (Vec<String>, Vec<String>) = files
        .iter()
        .map(|f| f.strip_prefix(v.root()).unwrap().display().to_string())
        .partition(|f| f.starts_with("vault/attachments/"));
    assert_eq!(
        blobs.len(),
        1,
        "the attachment is one encrypted blob: {blobs:?}"
    );
    for f in names.iter().chain(&blobs) {
        assert!(
            !f.contains(LATIN) && !f.contains(KHMER),
            "no file name may carry user text (attachment names are random): {f}"
        );
        assert!(
            !f.ends_with("-shm"),
            "WAL in exclusive mode must never leave a -shm file: {f}"
        );
        assert!(
            !f.ends_with("-journal"),
            "no rollback journal may remain after close: {f}"
        );
        assert!(
            !f.ends_with("-wal"),
            "closing the vault must checkpoint and remove the WAL: {f}"
        );
    }
    assert_eq!(
        names,
        vec![
            "vault/vault.db".to_string(),
            "vault/vault.key".to_string(),
            "vault/vault2.db".to_string()
        ],
        "a closed vault holds exactly vault.db, vault2.db, vault.key and attachment blobs, and saksi \
         leaves nothing in HOME or TMPDIR"
    );
}

/// A substring of the passphrase long enough to be unambiguous.
const PASS_PROBE: &str = "horse battery";

#[test]
fn the_scanner_finds_canaries_in_both_encodings() {
    // Guards the test above against passing because the scan is blind.
    let v = TestVault::empty();
    let dir = v.root().join("probe");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.bin"), format!("xx{LATIN}yy")).unwrap();
    let mut b = vec![0u8, 1, 2];
    b.extend(utf16le(KHMER));
    std::fs::write(dir.join("sub/b.bin"), &b).unwrap();
    assert_eq!(find_text(&dir, LATIN).len(), 1, "UTF-8 Latin must be found");
    assert_eq!(
        find_text(&dir, KHMER),
        vec![(dir.join("sub/b.bin"), "UTF-16LE")],
        "UTF-16LE Khmer must be found in a nested folder"
    );
    assert!(
        !contains_bytes(b"abc", b""),
        "an empty needle matches nothing"
    );
}
