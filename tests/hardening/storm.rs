//! Issue 15, item 10 (threat model invariant 3): a storm of wrong passphrases changes no byte of
//! the vault. A vault holding an incident with a person and an attachment is attacked N times
//! (50 in CI, 1,000 full) with wrong passphrases of every shape (one character off, a prefix, the
//! right one plus a space, Khmer, very long, random bytes as text), across every kind of command
//! (reads, writes with their input on stdin, attach, verify, passwd, export, extract). Each attempt
//! must be a clean `wrong passphrase` refusal, and after each one every file of the vault (names
//! and SHA-256) must be exactly what it was before the storm. The right passphrase still works.

use std::time::Duration;

use serde_json::json;

use crate::harness::{cases, run_measured, Stats};
use crate::util::{tree_hash, Rng, TestVault, PASS};

/// A wrong passphrase for attempt `i`.
fn wrong(rng: &mut Rng, i: u64) -> String {
    let pass: Vec<char> = PASS.chars().collect();
    match i % 8 {
        0 => {
            // One character changed.
            let mut p = pass.clone();
            let k = rng.below(p.len() as u64) as usize;
            p[k] = if p[k] == 'x' { 'y' } else { 'x' };
            p.into_iter().collect()
        }
        1 => pass[..pass.len() - 1 - rng.below(4) as usize]
            .iter()
            .collect(),
        2 => format!("{PASS} "),
        3 => PASS.to_uppercase(),
        4 => "ពាក្យសម្ងាត់ខុស".repeat(1 + rng.below(3) as usize),
        5 => "x".repeat(1000 + rng.below(10_000) as usize),
        6 => format!("{PASS}{}", rng.below(1_000_000)),
        _ => (0..(8 + rng.below(40)))
            .map(|_| char::from_u32(0x21 + rng.below(0x5d) as u32).unwrap_or('z'))
            .collect(),
    }
}

#[test]
fn wrong_passphrase_storm_changes_no_byte_of_the_vault() {
    let v = TestVault::new();
    let incident = v.add(
        "incident",
        &json!({"title": "storm canary incident", "description": "held under a storm",
                "people": {"a": {"name": "storm person"}},
                "involvements": [{"person": "a", "role": "victim"}]}),
    );
    let photo = v.root().join("evidence.bin");
    std::fs::write(&photo, b"storm evidence bytes").unwrap();
    v.ok(&["attach", &incident, photo.to_str().unwrap()]);
    v.ok(&["recipient", "add", "hq", &hq_recipient(&v)]);
    let attachment = v.json(&["evidence", "list", "--json"])[0]["id"]
        .as_str()
        .expect("the attachment's id")
        .to_string();
    let before = tree_hash(&v.vault);
    let out_bundle = v.root().join("storm.saksi");
    let extracted = v.root().join("extracted.bin");
    let update = json!({"title": "overwritten by a guesser"}).to_string();
    let commands: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["incident", "list"], None),
        (vec!["incident", "show", &incident, "--json"], None),
        (vec!["incident", "update", &incident], Some(&update)),
        (
            vec!["person", "add"],
            Some(r#"{"name": "guesser's person"}"#),
        ),
        (vec!["attach", &incident, photo.to_str().unwrap()], None),
        (vec!["verify"], None),
        (vec!["search", "storm"], None),
        (vec!["log"], None),
        (vec!["passwd"], None),
        (
            vec![
                "export",
                "--to",
                "hq",
                "--out",
                out_bundle.to_str().unwrap(),
            ],
            None,
        ),
        (
            vec![
                "evidence",
                "extract",
                &attachment,
                "--out",
                extracted.to_str().unwrap(),
            ],
            None,
        ),
    ];

    let n = cases("storm", 50, 1000);
    let mut stats = Stats::new("storm");
    let mut rng = Rng::new(10);
    let mut failures = Vec::new();
    for i in 0..n {
        let guess = wrong(&mut rng, i);
        assert_ne!(guess, PASS);
        let (args, stdin) = &commands[(i % commands.len() as u64) as usize];
        let mut c = v.cmd(args);
        c.env("SAKSI_PASSPHRASE", &guess)
            .env("SAKSI_NEW_PASSPHRASE", "a new long passphrase");
        let r = run_measured(c, stdin.map(str::as_bytes), Duration::from_secs(60));
        stats.measure(&r);
        let refused = r.clean_error() && r.out.stderr.contains("wrong passphrase");
        let unchanged = tree_hash(&v.vault) == before;
        let no_output = !out_bundle.exists() && !extracted.exists();
        let held = refused && unchanged && no_output;
        stats.case(
            match (refused, unchanged && no_output) {
                (true, true) => "refused-unchanged",
                (false, true) => "unclear-error",
                (_, false) => "vault-changed",
            },
            held,
        );
        if !held {
            failures.push(format!(
                "attempt {i} `saksi {}`: {:?}",
                args.join(" "),
                r.out
            ));
        }
    }
    stats.report();
    assert!(
        failures.is_empty(),
        "every wrong passphrase must be refused with `wrong passphrase` and change no byte of the \
         vault (invariant 3); {} of {n} did not: {:#?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let shown = v.json(&["incident", "show", &incident, "--json"]);
    assert_eq!(
        shown["title"], "storm canary incident",
        "after the storm the right passphrase opens the vault and the data is intact"
    );
}

/// HQ's recipient, from a second vault (so that `export` has somewhere to go).
fn hq_recipient(v: &TestVault) -> String {
    let hq = v.root().join("hq");
    let mut c = v.cmd(&["init", "--device-name", "hq"]);
    c.env("SAKSI_VAULT", &hq);
    assert!(c.status().expect("init hq").success(), "init the HQ vault");
    let mut c = v.cmd(&["keygen"]);
    c.env("SAKSI_VAULT", &hq);
    assert!(c.status().expect("keygen").success(), "make HQ's key");
    let mut c = v.cmd(&["hq-key", "--json"]);
    c.env("SAKSI_VAULT", &hq);
    let out = c.output().expect("hq-key");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("hq-key prints JSON");
    j["recipient"].as_str().expect("a recipient").to_string()
}
