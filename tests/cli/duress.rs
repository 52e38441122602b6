//! The duress passphrase from the command line (issue 16): `duress set` makes a decoy, every
//! ordinary command opens it under the duress passphrase with nothing in the output to say so,
//! the real records are unreachable from it, and `duress remove` ends it.

use serde_json::json;

use crate::util::{find_text, run_cmd, TestVault};

const DURESS: &str = "an ordinary looking phrase for checkpoints";

/// `saksi ARGS` under the duress passphrase.
fn under_duress(v: &TestVault, args: &[&str]) -> crate::util::Out {
    let mut c = v.cmd(args);
    c.env("SAKSI_PASSPHRASE", DURESS);
    run_cmd(c, None)
}

fn set(v: &TestVault, extra: &[&str]) -> String {
    let mut args = vec!["duress", "set"];
    args.extend_from_slice(extra);
    let mut c = v.cmd(&args);
    c.env("SAKSI_DURESS_PASSPHRASE", DURESS);
    let out = run_cmd(c, None);
    assert!(out.success(), "duress set must succeed: {out:?}");
    out.stdout
}

#[test]
fn under_the_duress_passphrase_every_command_opens_the_decoy_and_finds_nothing_real() {
    let v = TestVault::new();
    let real = v.add(
        "incident",
        &json!({"title": "DURESS-CANARY-5c1e beaten at the checkpoint"}),
    );
    let out = set(&v, &["--starter"]);
    assert_eq!(
        out,
        "duress passphrase set: it opens a separate decoy vault, never this one\n"
    );
    assert_eq!(v.ok(&["duress", "status"]), "duress passphrase: set\n");

    let list = under_duress(&v, &["incident", "list", "--json"]);
    assert!(list.success(), "{list:?}");
    let items: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(
        items.as_array().unwrap().len(),
        3,
        "the starter set: {items}"
    );
    assert!(!list.stdout.contains("DURESS-CANARY-5c1e"));
    let found = under_duress(&v, &["search", "DURESS-CANARY-5c1e", "--json"]);
    assert!(found.success(), "{found:?}");
    assert!(
        !found.stdout.contains(&real) && !found.stdout.contains("DURESS-CANARY"),
        "a search in the decoy finds nothing of the real vault: {}",
        found.stdout
    );
    under_duress(&v, &["incident", "show", &real]).expect_error("not found");
    let status = under_duress(&v, &["duress", "status"]);
    assert_eq!(status.stdout, "duress passphrase: not set\n");
    under_duress(&v, &["recovery", "add"]).expect_error("cannot be changed in this session");
    let verify = under_duress(&v, &["verify"]);
    assert!(
        verify.stdout.contains("OK: no problems found"),
        "{verify:?}"
    );
    // The decoy's own device and log, not the vault's.
    let real_device = v.json(&["device", "--json"]);
    let decoy_device = under_duress(&v, &["device", "--json"]);
    assert!(decoy_device.success());
    let decoy_device: serde_json::Value = serde_json::from_str(&decoy_device.stdout).unwrap();
    assert_ne!(real_device["id"], decoy_device["id"]);
    assert_eq!(
        real_device["name"], decoy_device["name"],
        "named like the vault's device"
    );
    let log = under_duress(&v, &["log", "--json"]).stdout;
    assert!(
        !log.contains("duress_set"),
        "the decoy's log says nothing of duress: {log}"
    );

    // The vault itself is untouched, and no canary is readable anywhere in the folder.
    assert!(v
        .ok(&["incident", "show", &real])
        .contains("DURESS-CANARY-5c1e"));
    assert!(find_text(&v.vault, "DURESS-CANARY-5c1e").is_empty());

    v.ok(&["duress", "remove"]);
    under_duress(&v, &["incident", "list"]).expect_error("wrong passphrase");
    assert_eq!(v.ok(&["duress", "status"]), "duress passphrase: not set\n");
}

#[test]
fn erase_real_on_use_leaves_nothing_that_opens_the_vault() {
    let v = TestVault::new();
    v.add("incident", &json!({"title": "gone after duress"}));
    let out = set(&v, &["--erase-real-on-use"]);
    assert!(out.contains("stop working, for good"), "{out}");
    v.ok(&["incident", "list"]);
    let first = under_duress(&v, &["incident", "list"]);
    assert!(first.success() && first.stdout.is_empty(), "{first:?}");
    v.run(&["incident", "list"])
        .expect_error("wrong passphrase");
    assert!(under_duress(&v, &["incident", "list"]).success());
}

#[test]
fn a_duress_passphrase_equal_to_the_vaults_is_refused() {
    let v = TestVault::new();
    let mut c = v.cmd(&["duress", "set"]);
    c.env("SAKSI_DURESS_PASSPHRASE", v.pass.clone());
    run_cmd(c, None).expect_error("must be different from the vault's passphrase");
    assert_eq!(v.ok(&["duress", "status"]), "duress passphrase: not set\n");
}
