//! `saksi restore --new-device` (issue 16): backup → restore with a new device identity →
//! export → HQ trusts the new card and imports → the old laptop's next bundle is refused with
//! its own error; a restore without the flag keeps the identity.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::util::{cmd_at, ok_at, ok_stdin_at, run_cmd, Out};

const BACKUP_PASS: &str = "a backup passphrase for the field";

fn with_backup_secret(vault: &Path, args: &[&str]) -> Out {
    let mut c = cmd_at(vault, args);
    c.env("SAKSI_BACKUP_PASSPHRASE", BACKUP_PASS);
    run_cmd(c, None)
}

fn device_id(vault: &Path) -> String {
    let v: serde_json::Value = serde_json::from_str(&ok_at(vault, &["device", "--json"])).unwrap();
    v["id"].as_str().unwrap().to_string()
}

fn card(vault: &Path, out: &Path) -> String {
    ok_at(vault, &["device", "card", "--out", out.to_str().unwrap()]);
    out.to_str().unwrap().to_string()
}

/// HQ, and a monitor that sent HQ one incident and then made a backup; gives the backup file and
/// the incident's id.
fn world(root: &Path) -> (PathBuf, PathBuf, PathBuf, String) {
    let hq = root.join("hq");
    let mon = root.join("mon");
    ok_at(&hq, &["init", "--device-name", "HQ"]);
    ok_at(&mon, &["init", "--device-name", "monitor-1"]);
    ok_at(
        &hq,
        &["keygen", "--out", root.join("hq.key").to_str().unwrap()],
    );
    let hq_card = card(&hq, &root.join("hq.card"));
    ok_at(&mon, &["recipient", "add", "hq", "--card", &hq_card]);
    let mon_card = card(&mon, &root.join("mon.card"));
    ok_at(&hq, &["trust", "add", &mon_card]);
    let id = ok_stdin_at(
        &mon,
        &["incident", "add"],
        &json!({"title": "arrest at the market"}).to_string(),
    );
    let b1 = root.join("b1.saksi");
    ok_at(
        &mon,
        &["export", "--to", "hq", "--out", b1.to_str().unwrap()],
    );
    ok_at(&hq, &["import", b1.to_str().unwrap()]);
    let backup = root.join("backup.age");
    let b = with_backup_secret(&mon, &["backup", "--out", backup.to_str().unwrap()]);
    assert!(b.success(), "{b:?}");
    (hq, mon, backup, id)
}

fn update(vault: &Path, id: &str, title: &str) {
    ok_stdin_at(
        vault,
        &["incident", "update", id],
        &json!({"title": title}).to_string(),
    );
}

#[test]
fn restore_with_a_new_device_makes_hq_refuse_the_old_laptop() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (hq, old, backup, id) = world(root);
    let old_id = device_id(&old);

    let new = root.join("new");
    let r = with_backup_secret(
        &new,
        &[
            "restore",
            backup.to_str().unwrap(),
            "--to",
            new.to_str().unwrap(),
            "--new-device",
        ],
    );
    assert!(r.success(), "{r:?}");
    let new_id = device_id(&new);
    assert_ne!(new_id, old_id, "the restored vault has a new device id");
    assert!(
        r.stdout
            .contains(&format!("this vault is now device {new_id}"))
            && r.stdout.contains(&format!("it replaces device {old_id}")),
        "the restore says which device replaces which: {}",
        r.stdout
    );
    ok_at(&new, &["verify"]);
    let log = ok_at(&new, &["log", "--json"]);
    assert!(
        log.contains("\"device_replaced\""),
        "the replacement is custody-logged"
    );

    // The new laptop edits and sends; HQ trusts its new card (compared by phone), imports.
    update(&new, &id, "arrest at the market (edited on the new laptop)");
    let b2 = root.join("b2.saksi");
    ok_at(
        &new,
        &["export", "--to", "hq", "--out", b2.to_str().unwrap()],
    );
    let new_card = card(&new, &root.join("new.card"));
    ok_at(&hq, &["trust", "add", &new_card]);
    let out = ok_at(&hq, &["import", b2.to_str().unwrap()]);
    assert!(
        !out.contains("conflict"),
        "a fast-forward, not a conflict: {out}"
    );
    let shown = ok_at(&hq, &["incident", "show", &id]);
    assert!(shown.contains("edited on the new laptop"), "{shown}");
    let trust = ok_at(&hq, &["trust", "list"]);
    assert!(
        trust.contains(&format!("[replaced by {new_id}")),
        "HQ's trust list shows the old device replaced: {trust}"
    );

    // The old laptop, in other hands, signs a bundle as the old device: refused.
    update(&old, &id, "rewritten on the old laptop");
    let b3 = root.join("b3.saksi");
    ok_at(
        &old,
        &["export", "--to", "hq", "--out", b3.to_str().unwrap()],
    );
    let before = crate::util::tree_hash(&hq);
    let refused = run_cmd(cmd_at(&hq, &["import", b3.to_str().unwrap()]), None);
    let msg = refused.expect_error(&format!("which was replaced by device {new_id}"));
    assert!(msg.contains("nothing was imported"), "{msg}");
    assert_eq!(crate::util::tree_hash(&hq), before, "HQ is unchanged");
    let shown = ok_at(&hq, &["incident", "show", &id]);
    assert!(!shown.contains("rewritten on the old laptop"), "{shown}");
}

#[test]
fn restore_without_the_flag_keeps_the_device_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (_hq, old, backup, _) = world(root);
    let same = root.join("same");
    let r = with_backup_secret(
        &same,
        &[
            "restore",
            backup.to_str().unwrap(),
            "--to",
            same.to_str().unwrap(),
        ],
    );
    assert!(r.success(), "{r:?}");
    assert!(
        r.stdout.contains("the device identity is the same"),
        "{}",
        r.stdout
    );
    assert_eq!(device_id(&same), device_id(&old));
    assert!(!ok_at(&same, &["log", "--json"]).contains("device_replaced"));
}

#[test]
fn restore_with_a_new_device_and_a_wrong_vault_passphrase_restores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (_hq, _old, backup, _) = world(root);
    let new = root.join("new");
    let mut c = cmd_at(
        &new,
        &[
            "restore",
            backup.to_str().unwrap(),
            "--to",
            new.to_str().unwrap(),
            "--new-device",
        ],
    );
    c.env("SAKSI_BACKUP_PASSPHRASE", BACKUP_PASS)
        .env("SAKSI_PASSPHRASE", "not the vault passphrase at all");
    run_cmd(c, None).expect_error("wrong passphrase");
    assert!(!new.exists(), "nothing was restored");
}
