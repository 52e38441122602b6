//! `saksi --read-only`: a review session (everything a lawyer reads) changes no byte of the vault
//! folder, and every kind of write is refused with the one read-only error and changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::util::{sha256_file, TestVault};

/// Every entry under `dir` (files, folders, their presence) with its content hash, size and
/// modification time: what "nothing on disk changed" means here.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            let mtime = meta.modified().ok();
            if meta.is_dir() {
                out.insert(rel, format!("dir {mtime:?}"));
                stack.push(p);
            } else {
                out.insert(rel, format!("{} {} {mtime:?}", sha256_file(&p), meta.len()));
            }
        }
    }
    out
}

struct Hq {
    hq: TestVault,
    mon: TestVault,
    incident: String,
    person: String,
    testimony: String,
    proceeding: String,
    attachment: String,
    /// A second bundle from the monitor, not imported yet.
    pending_bundle: PathBuf,
}

/// A monitor's vault and an HQ vault that imported its bundle (records, testimony, a photo),
/// the state a lawyer reviews.
fn hq_with_imported_records() -> Hq {
    let hq = TestVault::new();
    let mon = TestVault::new();
    hq.ok(&["keygen"]);
    let recipient = hq.json(&["hq-key", "--json"])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    mon.ok(&["recipient", "add", "hq", &recipient]);
    let card = mon.root().join("mon.card");
    mon.ok(&["device", "card", "--out", card.to_str().unwrap()]);
    hq.ok(&["trust", "add", card.to_str().unwrap()]);

    let incident = mon.add(
        "incident",
        &json!({"title": "Arrest at the market", "description": "two vendors beaten",
                "kinds": ["arbitrary_arrest"],
                "people": {"p": {"name": "Sok Dara"}},
                "involvements": [{"person": "p", "role": "victim", "act_type": "arrest"}],
                "proceedings": [{"person": "p", "kind": "detained"}]}),
    );
    let shown = mon.json(&["incident", "show", &incident, "--json"]);
    let person = shown["involvements"][0]["person_id"]
        .as_str()
        .unwrap()
        .to_string();
    let proceeding = shown["proceedings"][0]["id"].as_str().unwrap().to_string();
    let testimony = mon.add(
        "testimony",
        &json!({"incident_id": incident, "body": "they took him away",
                "consent": {"internal_use": true, "share_with_hq": true}}),
    );
    let photo = mon.root().join("photo.txt");
    std::fs::write(&photo, b"the bytes of a photo").unwrap();
    let attached = mon.json(&["attach", &incident, photo.to_str().unwrap(), "--json"]);
    let attachment = attached[0]["id"].as_str().unwrap().to_string();

    let b1 = mon.root().join("b1.saksi");
    mon.ok(&["export", "--to", "hq", "--out", b1.to_str().unwrap()]);
    hq.ok(&["import", b1.to_str().unwrap()]);

    mon.ok_stdin(
        &["incident", "update", &incident],
        &json!({"title": "Arrest at the market (verified)"}).to_string(),
    );
    let pending_bundle = mon.root().join("b2.saksi");
    mon.ok(&[
        "export",
        "--to",
        "hq",
        "--since-last",
        "--out",
        pending_bundle.to_str().unwrap(),
    ]);
    Hq {
        hq,
        mon,
        incident,
        person,
        testimony,
        proceeding,
        attachment,
        pending_bundle,
    }
}

#[test]
fn a_read_only_review_session_changes_no_byte_of_the_vault_folder() {
    let s = hq_with_imported_records();
    let v = &s.hq;
    let before = snapshot(&v.vault);
    let out = v.root().join("exhibit-copy");
    let out = out.to_str().unwrap();
    let session: Vec<Vec<&str>> = vec![
        vec!["incident", "list"],
        vec!["incident", "list", "--json"],
        vec!["incident", "show", &s.incident],
        vec!["incident", "show", &s.incident, "--json"],
        vec!["person", "list"],
        vec!["person", "show", &s.person],
        vec!["testimony", "list"],
        vec!["testimony", "show", &s.testimony],
        vec!["proceeding", "show", &s.proceeding],
        vec!["intervention", "list"],
        vec!["search", "market"],
        vec!["report", "detained"],
        vec!["vocab", "role"],
        vec!["device"],
        vec!["hq-key"],
        vec!["recipient", "list"],
        vec!["trust", "list"],
        vec!["conflict", "list"],
        vec!["evidence", "list"],
        vec!["evidence", "show", &s.attachment],
        vec!["evidence", "extract", &s.attachment, "--out", out],
        vec!["log"],
        vec!["log", "--json"],
        vec!["history", &s.incident],
        vec!["history", &s.person, "--json"],
        vec!["verify"],
    ];
    for args in &session {
        let mut full = vec!["--read-only"];
        full.extend(args);
        v.ok(&full);
        assert_eq!(
            snapshot(&v.vault),
            before,
            "`saksi --read-only {}` must not change, add or remove any file of the vault folder",
            args.join(" ")
        );
    }
    assert_eq!(
        std::fs::read(out).unwrap(),
        b"the bytes of a photo",
        "a read-only vault still extracts the original"
    );
    let entries = v.json(&["--read-only", "log", "--json"]);
    assert!(
        !entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "extract"),
        "a read-only extraction cannot be logged (nothing can be written)"
    );
    // The same extraction without --read-only is logged: the difference above is the mode.
    let logged = v.root().join("logged-copy");
    v.ok(&[
        "evidence",
        "extract",
        &s.attachment,
        "--out",
        logged.to_str().unwrap(),
    ]);
    assert!(
        v.json(&["log", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "extract"),
        "a writable extraction is logged"
    );
    assert_ne!(
        snapshot(&v.vault),
        before,
        "a writable session does change the folder (so the check above can fail)"
    );
}

#[test]
fn every_kind_of_write_is_refused_read_only_and_changes_nothing() {
    let s = hq_with_imported_records();
    let (hq, mon) = (&s.hq, &s.mon);
    let card = mon.root().join("mon.card");
    let other = TestVault::new();
    let other_card = other.root().join("other.card");
    other.ok(&["device", "card", "--out", other_card.to_str().unwrap()]);
    let file = hq.root().join("new.txt");
    std::fs::write(&file, b"new evidence").unwrap();
    let incident = json!({"title": "Another arrest"}).to_string();
    let person = json!({"name": "Chan Sophea"}).to_string();
    let testimony = json!({"incident_id": s.incident, "body": "more"}).to_string();
    let proceeding = json!({"person": s.person, "kind": "released"}).to_string();
    let intervention = json!({"intervener": "Lawyer", "kind": "letter"}).to_string();
    let bundle_out = hq.root().join("out.saksi");
    let receipt_out = hq.root().join("receipt.saksi");
    let keygen_out = hq.root().join("hq.key");
    let new_pass = hq.root().join("new-pass");
    std::fs::write(&new_pass, "another long passphrase\n").unwrap();
    let cases: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("incident add", vec!["incident", "add"], Some(&incident)),
        (
            "incident update",
            vec!["incident", "update", &s.incident],
            Some(&incident),
        ),
        ("person add", vec!["person", "add"], Some(&person)),
        (
            "person update",
            vec!["person", "update", &s.person],
            Some(&person),
        ),
        ("testimony add", vec!["testimony", "add"], Some(&testimony)),
        (
            "proceeding add",
            vec!["proceeding", "add"],
            Some(&proceeding),
        ),
        (
            "intervention add",
            vec!["intervention", "add"],
            Some(&intervention),
        ),
        (
            "attach",
            vec!["attach", &s.incident, file.to_str().unwrap()],
            None,
        ),
        (
            "import",
            vec!["import", s.pending_bundle.to_str().unwrap()],
            None,
        ),
        (
            "export",
            vec![
                "export",
                "--to",
                "hq",
                "--out",
                bundle_out.to_str().unwrap(),
            ],
            None,
        ),
        (
            "receipt",
            vec!["receipt", "--out", receipt_out.to_str().unwrap()],
            None,
        ),
        (
            "passwd",
            vec![
                "passwd",
                "--new-passphrase-file",
                new_pass.to_str().unwrap(),
            ],
            None,
        ),
        ("purge", vec!["purge", "--received"], None),
        (
            "trust add",
            vec!["trust", "add", other_card.to_str().unwrap()],
            None,
        ),
        (
            "trust add again",
            vec!["trust", "add", card.to_str().unwrap()],
            None,
        ),
        ("trust revoke", vec!["trust", "revoke", "0000"], None),
        (
            "trust rename",
            vec!["trust", "rename", "0000", "Kampot monitor"],
            None,
        ),
        (
            "device name",
            vec!["device", "name", "Sokha's laptop"],
            None,
        ),
        (
            "recipient add",
            vec!["recipient", "add", "lawyer", "age1qqqq"],
            None,
        ),
        (
            "keygen",
            vec!["keygen", "--out", keygen_out.to_str().unwrap()],
            None,
        ),
        ("wipe", vec!["wipe", "--yes"], None),
        ("init", vec!["init"], None),
    ];
    // The monitor's vault has the export state, an HQ recipient and a received-receipt path.
    for (vault, name) in [(hq, "HQ"), (mon, "monitor")] {
        let before = snapshot(&vault.vault);
        for (what, args, stdin) in &cases {
            let mut full = vec!["--read-only"];
            full.extend(args);
            let o = match stdin {
                Some(input) => vault.run_stdin(&full, input),
                None => vault.run(&full),
            };
            o.expect_error("this vault is open read-only");
            assert_eq!(
                snapshot(&vault.vault),
                before,
                "a refused read-only `{what}` at the {name} must change nothing in the vault folder"
            );
        }
    }
    for out in [&bundle_out, &receipt_out, &keygen_out] {
        assert!(
            !out.exists(),
            "a refused read-only command writes no file outside the vault either: {}",
            out.display()
        );
    }
    // Without --read-only the same vault takes the write: the refusal came from the mode.
    hq.ok_stdin(&["incident", "add"], &incident);
}

/// The other side of "nothing changes while I read": no Saksi can open the vault for writing
/// while it is open read-only (here in this test process), and a vault held open for writing
/// (an `attach` waiting on its input) is "in use" to a read-only open.
#[test]
fn a_vault_open_read_only_cannot_be_written_meanwhile_and_a_written_one_cannot_be_read_only() {
    let v = TestVault::new();
    let id = v.add("incident", &json!({"title": "held"}));
    // Which of the two database files is this vault's (asked now: the core opens the vault to
    // tell, which it cannot do while the writer below holds it).
    let db = v.db_name();
    let pass = secrecy::SecretString::from(v.pass.clone());
    // Hashed before and after, not while the reader is open: closing any descriptor of
    // vault.db in this process would drop the reader's (per-process) POSIX lock.
    let before = snapshot(&v.vault);
    let reader = saksi_core::vault::Vault::open_read_only(&v.vault, &pass).unwrap();
    v.run_stdin(&["incident", "add"], &json!({"title": "x"}).to_string())
        .expect_error("in use by another Saksi program");
    reader.lock().unwrap();
    assert_eq!(
        snapshot(&v.vault),
        before,
        "a writer refused while the vault is open read-only changes nothing"
    );

    let fifo = v.root().join("input");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let mut writer = v
        .cmd(&["attach", &id, fifo.to_str().unwrap()])
        .spawn()
        .unwrap();
    // The writer holds the vault open once its write-ahead log exists.
    let wal = v.vault.join(format!("{db}-wal"));
    for _ in 0..200 {
        if wal.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(wal.exists(), "the writer must have opened the vault");
    v.run(&["--read-only", "incident", "list"])
        .expect_error("in use by another Saksi program");
    std::fs::write(&fifo, b"late evidence").unwrap();
    assert!(writer.wait().unwrap().success());
    v.ok(&["--read-only", "incident", "list"]);
}
