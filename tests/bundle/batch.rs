//! `saksi import DIR|FILE…`: many bundles with one unlock, each all or nothing on its own.

use super::*;

/// Exports everything changed since the last bundle, after adding an incident titled `title`.
fn next_bundle(w: &World, title: &str, out: &Path) -> String {
    let id = ok_stdin(
        &w.mon,
        &["incident", "add"],
        &format!(r#"{{"title": "{title}", "kinds": ["threat"]}}"#),
    );
    ok(
        &w.mon,
        &[
            "export",
            "--to",
            "hq",
            "--since-last",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    id
}

#[test]
fn batch_import_applies_the_good_bundles_and_reports_the_refused_one_which_changes_nothing() {
    let w = world();
    let dir = w.root.join("inbox");
    fs::create_dir(&dir).unwrap();
    fs::copy(&w.bundle, dir.join("1-first.saksi")).unwrap();
    // The second bundle is damaged in transit: its incident must not arrive.
    let lost = next_bundle(&w, "ការគំរាមកំហែង lost in transit", &w.root.join("b2.saksi"));
    let mut bad = fs::read(w.root.join("b2.saksi")).unwrap();
    let mid = bad.len() - 40;
    bad[mid] ^= 0x10;
    fs::write(dir.join("2-damaged.saksi"), &bad).unwrap();
    let third = next_bundle(&w, "third bundle arrives", &dir.join("3-third.saksi"));
    fs::write(dir.join("notes.txt"), "not a bundle").unwrap();

    // A batch of refused files only: the vault stays byte-for-byte the same.
    let before = snapshot(&w.hq);
    let damaged = dir.join("2-damaged.saksi");
    let out = saksi(
        &w.hq,
        &[
            "import",
            damaged.to_str().unwrap(),
            damaged.to_str().unwrap(),
        ],
    );
    assert!(
        !out.status.success(),
        "a batch with a refused bundle must exit non-zero"
    );
    assert_eq!(
        before,
        snapshot(&w.hq),
        "a refused bundle in a batch must leave the vault byte-for-byte unchanged"
    );

    let out = saksi(&w.hq, &["import", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a batch with a refused bundle must exit non-zero: {stdout}"
    );
    assert!(
        stderr.contains("1 of 3 files were refused"),
        "the error must say how many files were refused: {stderr}"
    );
    assert!(
        stdout.contains("2-damaged.saksi")
            && stdout.contains("REFUSED")
            && stdout.contains("truncated or was altered"),
        "the report must name the refused file and say why: {stdout}"
    );
    assert!(
        stdout.contains("3 files: 2 imported, 0 already imported, 0 receipts, 1 refused"),
        "the report must end with the totals, the folder's other files left alone: {stdout}"
    );
    ok(&w.hq, &["incident", "show", &w.incident]);
    ok(&w.hq, &["incident", "show", &third]);
    assert!(
        !saksi(&w.hq, &["incident", "show", &lost]).status.success(),
        "the refused bundle's incident must not be in the vault"
    );
    assert!(
        !w.hq.join("staging").exists(),
        "a batch must remove its staging folder"
    );

    // Again, as JSON: the good ones were imported already, the damaged one is still refused.
    let out = saksi(&w.hq, &["import", dir.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let r = json(&String::from_utf8_lossy(&out.stdout));
    let status: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        ["already_imported", "refused", "already_imported"],
        "each file has its own status, in name order: {r}"
    );
    assert_eq!(
        r["items"][1]["error"]["kind"], "bundle_damaged",
        "a refusal carries its stable kind: {r}"
    );
    assert_eq!(
        (r["already_imported"].as_u64(), r["refused"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn batch_import_of_a_folder_without_bundles_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let hq = tmp.path().join("hq");
    ok(&hq, &["init"]);
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = saksi(&hq, &["import", empty.to_str().unwrap()]);
    assert!(
        !out.status.success(),
        "a folder without bundles must be refused"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("holds no .saksi file"),
        "the error must say the folder holds no bundle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
