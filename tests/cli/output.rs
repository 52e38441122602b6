//! What the CLI prints, as a terminal and a script see it: text from the vault or a bundle cannot
//! drive the terminal (security item 12) while `--json` keeps it exact; every data-printing
//! command speaks JSON; a closed pipe ends quietly; standard input is read before unlocking.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::TestVault;

/// A title that tries everything: clear the screen, return to the start of the line, set the
/// window title, flip the text direction, and fake a line of its own.
const EVIL_TITLE: &str =
    "Arrest\x1b[2J at\r the gate\x1b]0;owned\x07 \u{202e}etag\u{202c} \u{2066}x\u{2069}\nsaksi: error: fake line\u{7f}\u{9b}31m";
const EVIL_NAME: &str = "Sok\x1b[31m Dara\r\nkept \u{202d}ok\u{202c}";
const EVIL_DEVICE: &str = "field\x1b[2J\x1b]0;pwn\x07\u{202e}1";

/// The raw characters a terminal would act on: C0 (newline counted separately), DEL, C1, bidi.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .collect()
}

#[track_caller]
fn assert_neutralised(what: &str, out: &str, lines: usize) {
    assert!(
        raw_controls(out).is_empty(),
        "`saksi {what}` must print no raw terminal control (ESC, CR, BEL, DEL, C1, bidi); got {:?} in {out:?}",
        raw_controls(out)
    );
    assert!(
        !out.lines()
            .any(|l| l.starts_with("saksi: error: fake line")),
        "a newline inside a title must not start a line of its own in `saksi {what}`: {out:?}"
    );
    assert_eq!(
        out.lines().count(),
        lines,
        "`saksi {what}` must print exactly its own lines, none faked by the data: {out:?}"
    );
}

#[test]
fn terminal_escapes_in_bundle_text_are_neutralised() {
    // A device name is chosen by whoever made the vault (HQ refuses unprintable names in device
    // cards, but the device itself shows its own).
    let local = TestVault::empty();
    local.ok(&["init", "--device-name", EVIL_DEVICE]);
    assert_neutralised("device", &local.ok(&["device"]), 2);
    assert_eq!(local.json(&["device", "--json"])["name"], EVIL_DEVICE);

    let mon = TestVault::new();
    let hq = TestVault::new();

    let out = mon.ok_stdin(
        &["incident", "add"],
        &json!({
            "title": EVIL_TITLE,
            "description": "first line\nsecond\x1b[2J line",
            "people": {"p": {"names": [{"name": EVIL_NAME}, {"name": "សុខ ដារា"}]}},
            "involvements": [{"person": "p", "role": "victim"}],
        })
        .to_string(),
    );
    let inc = out.trim().to_string();
    let person = mon.json(&["person", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    mon.ok_stdin(
        &["testimony", "add"],
        &json!({"incident_id": inc, "body": "not for HQ",
                "consent": {"internal_use": true, "share_with_hq": false}})
        .to_string(),
    );
    let evil_file = mon.root().join("photo\x1b[2J\r\u{202e}gpj.txt");
    std::fs::write(&evil_file, b"evidence").unwrap();
    mon.ok(&["attach", &inc, evil_file.to_str().unwrap()]);

    for (args, lines) in [
        (vec!["incident", "list"], 1),
        (vec!["incident", "show", &inc], 7),
        (vec!["search", "Arrest"], 1),
        (vec!["search", "Dara"], 1),
        (vec!["person", "list"], 1),
        (vec!["person", "show", &person], 2),
        (vec!["evidence", "list"], 1),
    ] {
        let out = mon.ok(&args);
        assert_neutralised(&args.join(" "), &out, lines);
    }
    let shown = mon.ok(&["incident", "show", &inc]);
    assert!(
        shown.contains("Arrest\\u{1b}[2J at\\r the gate")
            && shown.contains("\\nsaksi: error: fake line"),
        "escaped text must stay readable: {shown}"
    );
    assert!(
        shown.contains("សុខ ដារា") || mon.ok(&["person", "list"]).contains("សុខ ដារា"),
        "Khmer must pass through untouched"
    );
    let log = mon.ok(&["log"]);
    assert!(raw_controls(&log).is_empty(), "`saksi log`: {log:?}");

    // JSON stays exact: the very same text comes back.
    assert_eq!(
        mon.json(&["incident", "show", &inc, "--json"])["title"],
        EVIL_TITLE,
        "--json must round-trip the exact stored text"
    );
    assert_eq!(
        mon.json(&["person", "show", &person, "--json"])["names"][0]["name"],
        EVIL_NAME,
        "--json must round-trip the exact stored name"
    );
    assert_eq!(
        mon.json(&["incident", "list", "--json"])[0]["title"],
        EVIL_TITLE
    );

    // To HQ: the device card, the bundle, the import summary, the trust list, a conflict.
    hq.ok(&["keygen"]);
    let recipient = hq.json(&["hq-key", "--json"])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    mon.ok(&["recipient", "add", "hq", &recipient]);
    let card = mon.root().join("mon.card");
    mon.ok(&["device", "card", "--out", card.to_str().unwrap()]);
    hq.ok(&["trust", "add", card.to_str().unwrap()]);
    let b1 = mon.root().join("b1.saksi");
    mon.ok(&["export", "--to", "hq", "--out", b1.to_str().unwrap()]);

    let trust = hq.ok(&["trust", "list"]);
    assert_neutralised("trust list", &trust, 1);
    let imported = hq.ok(&["import", b1.to_str().unwrap()]);
    assert!(
        imported.contains("left out by the sender"),
        "the summary names what the sender withheld: {imported}"
    );
    assert_neutralised("import", &imported, imported.lines().count());
    for (args, lines) in [
        (vec!["incident", "list"], 1),
        (vec!["incident", "show", &inc], 7),
        (vec!["person", "list"], 1),
        (vec!["evidence", "list"], 1),
    ] {
        let out = hq.ok(&args);
        assert_neutralised(&format!("{} (at HQ)", args.join(" ")), &out, lines);
    }

    // Concurrent edits with escapes: the conflict list stays clean.
    hq.ok_stdin(
        &["incident", "update", &inc],
        &json!({"title": "HQ's edit"}).to_string(),
    );
    mon.ok_stdin(
        &["incident", "update", &inc],
        &json!({"title": format!("{EVIL_TITLE} 2")}).to_string(),
    );
    let b2 = mon.root().join("b2.saksi");
    mon.ok(&[
        "export",
        "--to",
        "hq",
        "--since-last",
        "--out",
        b2.to_str().unwrap(),
    ]);
    hq.ok(&["import", b2.to_str().unwrap()]);
    let conflicts = hq.ok(&["conflict", "list"]);
    assert_neutralised("conflict list", &conflicts, 1);
    assert_eq!(
        hq.json(&["conflict", "list", "--json"])[0]["incoming"]["row"]["title"],
        format!("{EVIL_TITLE} 2"),
        "--json must keep the incoming title exact"
    );
}

#[test]
fn every_data_printing_command_prints_json_with_json() {
    let v = TestVault::empty();
    let created = v.ok(&["init", "--device-name", "json-device", "--json"]);
    let created: Value = serde_json::from_str(&created)
        .unwrap_or_else(|e| panic!("`saksi init --json` must print JSON ({e}): {created}"));
    assert_eq!(created["name"], "json-device");

    let inc = v.add(
        "incident",
        &json!({"title": "t", "people": {"p": {"name": "n"}},
                "involvements": [{"person": "p", "role": "victim"}],
                "proceedings": [{"person": "p", "kind": "detained"}]}),
    );
    let person = v.json(&["person", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let proceeding = v.json(&["incident", "show", &inc, "--json"])["proceedings"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tid = v.add("testimony", &json!({"incident_id": inc, "body": "b"}));
    v.add(
        "intervention",
        &json!({"incident_id": inc, "intervener": "NGO", "kind": "letter"}),
    );
    let file = v.root().join("e.txt");
    std::fs::write(&file, b"evidence").unwrap();
    let attached = v.json(&["attach", &inc, file.to_str().unwrap(), "--json"]);
    let att = attached[0]["id"].as_str().unwrap().to_string();
    let out = v.root().join("out.txt");
    v.json(&[
        "evidence",
        "extract",
        &att,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    v.json(&["keygen", "--json"]);
    let recipient = v.json(&["hq-key", "--json"])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    v.ok(&["recipient", "add", "self", &recipient]);
    let bundle = v.root().join("b.saksi");

    for args in [
        vec!["incident", "list"],
        vec!["incident", "show", &inc],
        vec!["person", "list"],
        vec!["person", "list", "--detained"],
        vec!["person", "show", &person],
        vec!["testimony", "list"],
        vec!["testimony", "show", &tid],
        vec!["proceeding", "show", &proceeding],
        vec!["intervention", "list"],
        vec!["search", "t"],
        vec!["vocab", "role"],
        vec!["report", "detained"],
        vec!["device"],
        vec!["verify"],
        vec!["evidence", "list"],
        vec!["evidence", "show", &att],
        vec!["log"],
        vec!["hq-key"],
        vec!["recipient", "list"],
        vec!["trust", "list"],
        vec!["export", "--to", "self", "--out", bundle.to_str().unwrap()],
        vec!["conflict", "list"],
        vec!["person", "duplicates"],
    ] {
        let mut with_json = args.clone();
        with_json.push("--json");
        v.json(&with_json);
        // And the same command without --json prints lines, not JSON (except empty lists).
        if !args.contains(&"export") {
            let human = v.ok(&args);
            assert!(
                !human.starts_with('{') && !human.starts_with('['),
                "`saksi {}` without --json must print human-readable lines: {human}",
                args.join(" ")
            );
        }
    }
    // The bundle round trip: another vault as HQ, the receipt back, the purge, a revocation.
    let hq = TestVault::new();
    hq.ok(&["keygen"]);
    let hq_recipient = hq.json(&["hq-key", "--json"])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    // HQ is registered from its card (which pins its signing key), so its receipt is accepted.
    let hq_card = hq.root().join("hq.card");
    hq.ok(&["device", "card", "--out", hq_card.to_str().unwrap()]);
    v.ok(&[
        "recipient",
        "add",
        "hq",
        "--card",
        hq_card.to_str().unwrap(),
    ]);
    let listed = v.json(&["recipient", "list", "--json"]);
    assert!(
        listed.to_string().contains(&hq_recipient),
        "the card registers HQ's bundle recipient: {listed}"
    );
    let card = v.root().join("mon.card");
    v.ok(&["device", "card", "--out", card.to_str().unwrap()]);
    let card_json: Value = serde_json::from_str(&v.ok(&["device", "card"])).unwrap();
    hq.ok(&["trust", "add", card.to_str().unwrap()]);
    let b = v.root().join("b-hq.saksi");
    v.json(&[
        "export",
        "--to",
        "hq",
        "--out",
        b.to_str().unwrap(),
        "--json",
    ]);
    hq.json(&["import", b.to_str().unwrap(), "--json"]);
    let receipt = hq.root().join("r.saksi");
    hq.json(&["receipt", "--out", receipt.to_str().unwrap(), "--json"]);
    v.json(&["import", receipt.to_str().unwrap(), "--json"]);
    v.json(&["purge", "--received", "--json"]);
    let mon_id = card_json["device_id"].as_str().unwrap().to_string();
    hq.json(&["trust", "revoke", &mon_id, "--json"]);
}

/// Spawns `saksi ARGS`, reads one line of its output, closes the pipe, and returns the exit
/// status and standard error.
fn read_one_line_then_close(v: &TestVault, args: &[&str]) -> (Option<i32>, String) {
    let mut child = v.cmd(args).spawn().expect("start saksi");
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    assert!(
        !first.is_empty(),
        "`saksi {}` printed nothing",
        args.join(" ")
    );
    // The reader is dropped here: the pipe is closed, as `| head -1` does.
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let v = TestVault::new();
    // Enough lines that saksi is still writing when the reader goes (a pipe holds 64 KiB).
    let people: serde_json::Map<String, Value> = (0..400)
        .map(|i| {
            (
                format!("p{i}"),
                json!({"name": format!("person {i} {}", "x".repeat(200))}),
            )
        })
        .collect();
    let involvements: Vec<Value> = (0..400)
        .map(|i| json!({"person": format!("p{i}"), "role": "victim"}))
        .collect();
    for i in 0..3 {
        v.add(
            "incident",
            &json!({"title": format!("incident {i} {}", "y".repeat(40_000)),
                    "people": people, "involvements": involvements}),
        );
    }
    for args in [
        vec!["person", "list"],
        vec!["log"],
        vec!["log", "--json"],
        vec!["incident", "list"],
    ] {
        let (code, stderr) = read_one_line_then_close(&v, &args);
        assert_eq!(
            (code, stderr.as_str()),
            (Some(0), ""),
            "`saksi {} | head -1` must end quietly with exit 0, not `Broken pipe`",
            args.join(" ")
        );
    }
    v.ok(&["verify"]);
}

#[test]
fn typing_json_does_not_hold_the_vault_lock() {
    // Someone starts `saksi incident add` and types slowly: the vault must not be unlocked (nor
    // its lock taken) until the input is complete.
    let v = TestVault::new();
    let wal = v.vault.join(format!("{}-wal", v.db_name()));
    let mut c = v.cmd(&["incident", "add"]);
    c.stdin(Stdio::piped());
    let mut child = c.spawn().expect("start saksi");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"{\"title\": \"typed sl").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        assert!(
            !wal.exists(),
            "saksi must not open the vault while its JSON input is still being typed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let list = v.run(&["incident", "list", "--json"]);
    assert!(
        list.success(),
        "another saksi must be able to use the vault while someone types JSON: {list:?}"
    );
    stdin.write_all(b"owly\"}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        v.json(&["incident", "list", "--json"])[0]["title"],
        "typed slowly"
    );
}

#[test]
fn errors_come_in_a_fixed_order_no_vault_then_input_then_passphrase() {
    // No vault beats bad input: the monitor first needs to know they are in the wrong place.
    let none = TestVault::empty();
    none.run_stdin(&["incident", "add"], "{not json")
        .expect_error("no vault at");
    // Bad input beats a wrong passphrase: the JSON is checked before anything is unlocked.
    let v = TestVault::new();
    let mut wrong = v.cmd(&["incident", "add"]);
    wrong.env("SAKSI_PASSPHRASE", "not the passphrase");
    crate::util::run_cmd(wrong, Some("{not json")).expect_error("invalid JSON in standard input");
    let mut wrong = v.cmd(&["incident", "add"]);
    wrong.env("SAKSI_PASSPHRASE", "not the passphrase");
    crate::util::run_cmd(wrong, Some(r#"{"title": "fine"}"#)).expect_error("wrong passphrase");
}
