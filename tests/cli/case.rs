//! `saksi case`: case files and court folders, run through the binary. The court folder is
//! reproducible, and every command its `VERIFY.txt` gives is run with the real `sha256sum`,
//! `minisign` and `jq`: they pass on the folder as written and fail once one byte of one
//! exhibit changes (or once SHA256SUMS is rewritten to hide the change).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::util::*;

/// A vault with one incident holding two items (one with a Khmer name), and a case holding
/// both as E-001 and E-002. Returns the case id.
fn case_with_two_exhibits(v: &TestVault) -> String {
    let inc = v.add("incident", &json!({"title": "ការចាប់ខ្លួន at the market"}));
    let dir = v.root().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("រូបថត 1.jpg");
    std::fs::write(&a, b"\xff\xd8\xff not really a jpeg, but evidence").unwrap();
    let b = dir.join("statement.txt");
    std::fs::write(&b, "The witness said: <b>they came at night</b>\n").unwrap();
    v.ok(&["attach", &inc, a.to_str().unwrap(), b.to_str().unwrap()]);
    let case = v
        .ok(&["case", "new", "Prosecutor v. Unknown"])
        .trim()
        .to_string();
    assert!(
        is_uuid(&case),
        "`saksi case new` prints the case id: {case:?}"
    );
    let added = v.ok(&["case", "add", &case, &inc, "--description", "arrest photos"]);
    assert!(
        added.starts_with("E-001 ") && added.contains("\nE-002 "),
        "an incident's items become E-001 and E-002: {added}"
    );
    case
}

fn folder(v: &TestVault, case: &str, name: &str) -> (PathBuf, serde_json::Value) {
    let out = v.root().join(name);
    let f = v.json(&[
        "case",
        "folder",
        case,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    (out, f)
}

/// The commands of VERIFY.txt: every line starting with `    $ `.
fn verify_commands(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("VERIFY.txt")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("    $ "))
        .map(str::to_string)
        .collect()
}

fn sh(dir: &Path, command: &str) -> (bool, String) {
    let o = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .output()
        .expect("run sh");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn require_tools() {
    for tool in ["sha256sum", "minisign", "jq"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is needed to check a court folder as VERIFY.txt says (scripts/setup.sh installs it)"
        );
    }
}

#[test]
fn the_same_case_gives_a_byte_identical_court_folder() {
    let v = TestVault::new();
    let case = case_with_two_exhibits(&v);
    let (one, f1) = folder(&v, &case, "court-1");
    let (two, f2) = folder(&v, &case, "court-2");
    let (h1, h2) = (tree_hash(&one), tree_hash(&two));
    assert_eq!(
        h1, h2,
        "two court folders of the same case are byte-identical"
    );
    assert_eq!(
        f1["sha256sums_sha256"], f2["sha256sums_sha256"],
        "the folder's one hash is the same"
    );
    assert_eq!(
        f1["sha256sums_sha256"].as_str(),
        Some(sha256_file(&one.join("SHA256SUMS")).as_str()),
        "the folder's one hash is the SHA-256 of its SHA256SUMS"
    );
    for name in [
        "exhibits.csv",
        "exhibits.html",
        "custody.jsonl",
        "devices.json",
        "SHA256SUMS",
        "SHA256SUMS.minisig",
        "VERIFY.txt",
    ] {
        assert!(h1.contains_key(Path::new(name)), "the folder holds {name}");
    }
    let exhibits: Vec<_> = h1
        .iter()
        .filter(|(p, h)| p.starts_with("exhibits") && h.as_str() != "dir")
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert_eq!(
        exhibits,
        ["exhibits/E-001-រូបថត_1.jpg", "exhibits/E-002-statement.txt"],
        "originals are named by exhibit number and a safe original name"
    );
    let csv = std::fs::read(one.join("exhibits.csv")).unwrap();
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "the CSV starts with a UTF-8 BOM"
    );
    let t1 = std::fs::metadata(one.join("SHA256SUMS"))
        .unwrap()
        .modified()
        .unwrap();
    let t2 = std::fs::metadata(two.join("exhibits/E-002-statement.txt"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(t1, t2, "every file's time is the case's creation time");
    // Refusals: an existing, non-empty folder; an item already numbered.
    v.run(&["case", "folder", &case, "--out", one.to_str().unwrap()])
        .expect_error("not empty");
    let shown = v.json(&["case", "show", &case, "--json"]);
    let item = shown["exhibits"][0]["attachment_id"].as_str().unwrap();
    v.run(&["case", "add", &case, item])
        .expect_error("already exhibit E-001");
    assert!(
        v.ok(&["--read-only", "case", "show", &case])
            .contains("E-002"),
        "a case can be read read-only"
    );
}

#[test]
fn every_verify_txt_command_passes_with_standard_tools_and_fails_after_one_exhibit_byte_changes() {
    require_tools();
    let v = TestVault::new();
    let case = case_with_two_exhibits(&v);
    let (dir, f) = folder(&v, &case, "court");
    let commands = verify_commands(&dir);
    assert!(
        commands
            .iter()
            .any(|c| c.starts_with("sha256sum -c SHA256SUMS"))
            && commands
                .iter()
                .any(|c| c.starts_with("minisign -Vm SHA256SUMS -P ")),
        "VERIFY.txt gives the sha256sum and minisign checks: {commands:?}"
    );
    let key = f["minisign_public_key"].as_str().unwrap();
    assert!(
        commands.iter().any(|c| c.ends_with(key)),
        "VERIFY.txt names this device's minisign key"
    );
    let mut outputs = Vec::new();
    for c in &commands {
        let (ok, out) = sh(&dir, c);
        assert!(
            ok,
            "`{c}` from VERIFY.txt must pass on the folder as written: {out}"
        );
        outputs.push(out);
    }
    // The custody entry check: the hash computed with jq and sha256sum is the entry's own.
    let computed = outputs
        .iter()
        .zip(&commands)
        .find(|(_, c)| c.contains("saksi-custody-v1"))
        .map(|(o, _)| o.split_whitespace().next().unwrap_or("").to_string())
        .expect("VERIFY.txt shows how to recompute a custody entry's hash");
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("custody.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        Some(computed.as_str()),
        first["entry_hash"].as_str(),
        "a custody entry's hash can be recomputed with jq and sha256sum as VERIFY.txt says"
    );

    // One byte of one exhibit changes: the sums check fails, naming that file.
    let exhibit = dir.join("exhibits/E-002-statement.txt");
    let mut bytes = std::fs::read(&exhibit).unwrap();
    bytes[4] ^= 0x01;
    std::fs::write(&exhibit, &bytes).unwrap();
    let (ok, out) = sh(&dir, "sha256sum -c SHA256SUMS");
    assert!(
        !ok && out.contains("E-002-statement.txt: FAILED"),
        "one changed byte of one exhibit fails `sha256sum -c`: {out}"
    );
    // A forger who also rewrites SHA256SUMS to match is caught by the signature.
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let forged: String = sums
        .lines()
        .map(|l| {
            if l.ends_with("E-002-statement.txt") {
                format!("{}  exhibits/E-002-statement.txt\n", sha256_file(&exhibit))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), forged).unwrap();
    let (sums_ok, _) = sh(&dir, "sha256sum -c SHA256SUMS");
    assert!(sums_ok, "the forged SHA256SUMS matches the changed file");
    let minisign = commands
        .iter()
        .find(|c| c.starts_with("minisign "))
        .unwrap();
    let (ok, out) = sh(&dir, minisign);
    assert!(
        !ok,
        "a SHA256SUMS rewritten to hide a changed exhibit fails the minisign check: {out}"
    );
}

#[test]
fn making_a_court_folder_logs_each_exhibit_written() {
    let v = TestVault::new();
    let case = case_with_two_exhibits(&v);
    let before = v.json(&["log", "--json"]).as_array().unwrap().len();
    folder(&v, &case, "court");
    let log = v.json(&["log", "--json"]);
    let new: Vec<&str> = log.as_array().unwrap()[before..]
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        new,
        ["case_folder_extract", "case_folder_extract"],
        "each exhibit written into a court folder is one custody entry"
    );
}
