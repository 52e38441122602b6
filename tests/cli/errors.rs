//! Invariant 8: bad input of any kind gets one clear line on stderr and exit status 1, and nothing
//! already in the vault is lost (nor is anything half-written).

use serde_json::json;

use crate::util::{tree_hash, TestVault};

/// A vault with one incident and one person, and a check that they are intact.
struct Seeded {
    v: TestVault,
    incident: String,
    person: String,
}

impl Seeded {
    fn new() -> Seeded {
        let v = TestVault::new();
        let incident = v.add("incident", &json!({"title": "existing incident"}));
        let person = v.add("person", &json!({"name": "existing person"}));
        Seeded {
            v,
            incident,
            person,
        }
    }

    /// `saksi ARGS` with `stdin` must fail with a message containing `needle`, and leave every
    /// byte of the vault as it was (a refused write is rolled back; nothing is even
    /// checkpointed).
    #[track_caller]
    fn refuse(&self, args: &[&str], stdin: &str, needle: &str) -> String {
        let before = tree_hash(&self.v.vault);
        let msg = self.v.run_stdin(args, stdin).expect_error(needle);
        assert_eq!(
            tree_hash(&self.v.vault),
            before,
            "a refused `saksi {}` must not change any byte of the vault",
            args.join(" ")
        );
        msg
    }
}

#[test]
fn malformed_json_names_the_problem_and_where() {
    let s = Seeded::new();
    let msg = s.refuse(
        &["incident", "add"],
        "{\"title\": \"x\",}",
        "invalid JSON in standard input",
    );
    assert!(
        msg.contains("line 1 column"),
        "the JSON error gives the position: {msg}"
    );
    s.refuse(&["person", "add"], "", "EOF while parsing");
    s.refuse(
        &["testimony", "add"],
        "\"just text\"",
        "invalid type: string \"just text\"",
    );
    let f = s.v.root().join("bad.json");
    std::fs::write(&f, "{\"title\": ").unwrap();
    let msg = s.refuse(
        &["incident", "add", f.to_str().unwrap()],
        "",
        "invalid JSON in",
    );
    assert!(msg.contains("bad.json"), "the error names the file: {msg}");
    s.refuse(
        &["incident", "add", "/nonexistent/in.json"],
        "",
        "cannot read /nonexistent/in.json",
    );
}

#[test]
fn unknown_fields_are_refused() {
    let s = Seeded::new();
    let msg = s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "titel": "typo"}"#,
        "unknown field `titel`",
    );
    assert!(
        msg.contains("expected one of"),
        "the error lists the known fields: {msg}"
    );
    s.refuse(
        &["person", "add"],
        r#"{"name": "n", "age": 3}"#,
        "unknown field `age`",
    );
    // Nested objects too.
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "place": {"name": "x", "village": "y"}}"#,
        "unknown field `village`",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "people": {"p": {"name": "n"}}, "involvements": [{"person": "p", "role": "victim", "weapon": "stick"}]}"#,
        "unknown field `weapon`",
    );
    s.refuse(
        &["testimony", "add"],
        &json!({"incident_id": s.incident, "body": "b", "consent": {"public": true}}).to_string(),
        "unknown field `public`",
    );
    s.refuse(
        &["proceeding", "add"],
        &json!({"person": s.person, "kind": "arrest", "judge": "x"}).to_string(),
        "unknown field `judge`",
    );
    s.refuse(
        &["intervention", "add"],
        r#"{"intervener": "x", "kind": "letter", "cost": 1}"#,
        "unknown field `cost`",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"description": "no title"}"#,
        "missing field `title`",
    );
}

#[test]
fn unknown_vocabulary_codes_are_refused() {
    let s = Seeded::new();
    let msg = s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "kinds": ["picnic"]}"#,
        "picnic",
    );
    assert!(
        msg.contains("arbitrary_arrest"),
        "the error lists the known codes: {msg}"
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "people": {"p": {"name": "n"}}, "involvements": [{"person": "p", "role": "bystander"}]}"#,
        "bystander",
    );
    s.refuse(
        &["proceeding", "add"],
        &json!({"person": s.person, "kind": "kidnapped"}).to_string(),
        "kidnapped",
    );
    s.refuse(
        &["intervention", "add"],
        r#"{"intervener": "x", "kind": "tweet"}"#,
        "tweet",
    );
    s.v.run(&["vocab", "colours"])
        .expect_error("unknown vocabulary 'colours'");
}

#[test]
fn bad_dates_are_refused() {
    let s = Seeded::new();
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "start": {"date": "2023-02-30"}}"#,
        "start: '2023-02-30' is not a date",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "start": {"date": "02/05/2023"}}"#,
        "is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "start": {"date": "2023", "precision": "day"}}"#,
        "does not match precision 'day'",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "start": {"precision": "before"}}"#,
        "precision 'before' needs a date",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "start": {"date": "2023", "precision": "roughly"}}"#,
        "unknown variant `roughly`",
    );
    s.refuse(
        &["person", "add"],
        r#"{"name": "n", "birth": {"date": "1990-13"}}"#,
        "birth: '1990-13' is not a date",
    );
    s.refuse(
        &["testimony", "add"],
        &json!({"incident_id": s.incident, "body": "b", "interviewed_at": "yesterday"}).to_string(),
        "interviewed_at: 'yesterday' is not a date",
    );
}

#[test]
fn other_invalid_values_are_refused() {
    let s = Seeded::new();
    s.refuse(
        &["incident", "add"],
        r#"{"title": "   "}"#,
        "title must not be empty",
    );
    s.refuse(
        &["person", "add"],
        r#"{"sex": "female"}"#,
        "a person needs at least one name",
    );
    s.refuse(
        &["person", "add"],
        r#"{"name": "n", "sex": "x"}"#,
        "unknown sex 'x'",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "place": {"latitude": 95.0, "longitude": 10.0}}"#,
        "place coordinates",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "involvements": [{"role": "perpetrator", "counting": {"unit": "group", "min": 7, "max": 4}}]}"#,
        "count minimum 7 is larger than maximum 4",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "t", "involvements": [{"role": "victim"}]}"#,
        "an act needs a person",
    );
    s.refuse(
        &["testimony", "add"],
        &json!({"incident_id": s.incident, "anonymous": true, "body": "b",
                "consent": {"publication": "named"}})
        .to_string(),
        "an anonymous testimony cannot have consent to publication with the name",
    );
    s.refuse(
        &["incident", "update", &s.incident],
        r#"{"title": "t", "people": {"p": {"name": "n"}}}"#,
        "an incident update changes its own fields only",
    );
}

#[test]
fn a_failing_incident_add_leaves_no_person_or_act_behind() {
    // The people are inserted before the bad act is reached: the transaction must undo them.
    let s = Seeded::new();
    s.refuse(
        &["incident", "add"],
        r#"{"title": "half", "people": {"a": {"name": "Orphan A"}, "b": {"name": "Orphan B"}},
            "involvements": [{"person": "a", "role": "victim"}, {"person": "b", "role": "nope"}]}"#,
        "nope",
    );
    s.refuse(
        &["incident", "add"],
        r#"{"title": "half", "people": {"a": {"name": "Orphan A"}},
            "involvements": [{"person": "a", "role": "victim"}],
            "proceedings": [{"person": "zz", "kind": "arrest"}]}"#,
        "person 'zz' is neither a key of \"people\" nor a person id",
    );
    assert!(
        s.v.json(&["search", "Orphan", "--json"])
            .as_array()
            .unwrap()
            .is_empty(),
        "a failed incident add must not leave people in the search index"
    );
    let log = s.v.json(&["log", "--json"]);
    assert_eq!(
        log.as_array().unwrap().len(),
        3,
        "a failed write must not append to the custody log"
    );
}

#[test]
fn nonexistent_and_malformed_ids() {
    let s = Seeded::new();
    let ghost = "01900000-0000-7000-8000-000000000000";
    for (what, args) in [
        ("incident", vec!["incident", "show", ghost]),
        ("person", vec!["person", "show", ghost, "--json"]),
        ("testimony", vec!["testimony", "show", ghost]),
        ("proceeding", vec!["proceeding", "show", ghost]),
    ] {
        s.v.run(&args)
            .expect_error(&format!("{what} {ghost} was not found"));
    }
    s.refuse(
        &["incident", "update", ghost],
        r#"{"title": "t"}"#,
        &format!("incident {ghost} was not found"),
    );
    s.refuse(
        &["person", "update", ghost],
        r#"{"name": "n"}"#,
        &format!("person {ghost} was not found"),
    );
    s.refuse(
        &["testimony", "add"],
        &json!({"incident_id": ghost, "body": "b"}).to_string(),
        "was not found",
    );
    s.refuse(
        &["proceeding", "add"],
        &json!({"person": ghost, "kind": "arrest"}).to_string(),
        &format!("person {ghost} was not found"),
    );
    s.refuse(
        &["incident", "add"],
        &json!({"title": "t", "related": [{"incident_id": ghost}]}).to_string(),
        "was not found",
    );
    s.refuse(
        &["incident", "add"],
        &json!({"title": "t", "involvements": [{"person": ghost, "role": "victim"}]}).to_string(),
        &format!("person {ghost} was not found"),
    );
    s.refuse(
        &["intervention", "add"],
        &json!({"person_id": ghost, "intervener": "x", "kind": "letter"}).to_string(),
        "was not found",
    );
    s.v.run(&["incident", "show", "42"]).expect_error("42");
    s.v.run(&["testimony", "list", "--incident", "nope"])
        .expect_error("nope");
}

#[test]
fn no_vault_is_a_clear_error_and_creates_nothing() {
    let v = TestVault::empty();
    for args in [
        vec!["incident", "list"],
        vec!["person", "add"],
        vec!["search", "x"],
        vec!["verify"],
        vec!["log"],
        vec!["device"],
        vec!["vocab", "role"],
        vec!["report", "detained"],
        vec!["passwd"],
    ] {
        let msg = v.run(&args).expect_error("no vault at");
        assert!(
            msg.contains("saksi init"),
            "the error says how to create one: {msg}"
        );
    }
    assert!(
        !v.vault.exists(),
        "a command on a missing vault must not create it"
    );
    // Without --vault nor SAKSI_VAULT: the per-user data folder (inside the test HOME).
    let mut c = v.cmd(&["incident", "list"]);
    c.env_remove("SAKSI_VAULT");
    let msg = crate::util::run_cmd(c, None).expect_error("no vault at");
    assert!(
        msg.contains(&v.root().join("home").display().to_string()),
        "the default vault lives in the user's data folder: {msg}"
    );
}

#[test]
fn missing_yes_and_bad_usage() {
    let v = TestVault::new();
    let before = tree_hash(&v.vault);
    v.run(&["wipe"]).expect_error("--yes");
    // Usage errors come from the argument parser: non-zero, nothing touched.
    let out = v.run(&["incident", "frobnicate"]);
    assert_eq!(out.code, Some(2), "a usage error exits 2: {out:?}");
    assert!(out.stderr.contains("unrecognized subcommand"), "{out:?}");
    let out = v.run(&["incident", "show"]);
    assert_eq!(
        out.code,
        Some(2),
        "a missing argument is a usage error: {out:?}"
    );
    assert_eq!(
        tree_hash(&v.vault),
        before,
        "refused commands change nothing"
    );
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let s = Seeded::new();
    let big = format!("{{\"title\": \"{}\"}}", "a".repeat(17 << 20));
    s.refuse(&["incident", "add"], &big, "larger than 16 MiB");
    let long = format!("{{\"title\": \"{}\"}}", "a".repeat((1 << 20) + 1));
    s.refuse(&["incident", "add"], &long, "title is longer than");
}

#[test]
fn regression_sqlcipher_log_lines_break_the_one_line_error() {
    // A database that does not match the key file (replaced, damaged, or restored beside
    // another vault's key): the error must be one line like every other, not preceded by
    // SQLCipher's internal "ERROR CORE sqlcipher_page_cipher: hmac check failed" log lines.
    let a = TestVault::new();
    let b = TestVault::new();
    for f in saksi_core::vault::DB_FILES {
        std::fs::copy(b.vault.join(f), a.vault.join(f)).unwrap();
    }
    a.run(&["incident", "list"])
        .expect_error("the database cannot be decrypted with this vault's key");
}

#[test]
fn regression_a_damaged_database_is_one_clear_line() {
    let v = TestVault::new();
    // Enough records that the middle of the file is a data page, whatever the schema's own
    // pages (which the vault reads at open) grow to as migrations are added.
    let long = "ការវាយដំ ".repeat(400);
    for i in 0..40 {
        v.add(
            "incident",
            &json!({"title": format!("t{i}"), "description": long}),
        );
    }
    let db = v.db();
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    // Page 1 is intact, so the vault opens; verify must find the damaged page and fail with
    // a message a monitor can act on (not "database error: SQL logic error").
    // verify prints its report on stdout, then fails with one line naming the first problem.
    let o = v.run(&["verify"]);
    assert_eq!(
        o.code,
        Some(1),
        "verify must fail on a damaged database: {o:?}"
    );
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "the failure is one line on stderr: {o:?}");
    assert!(
        lines[0].starts_with("saksi: error: verification failed")
            && (lines[0].contains("HMAC") || lines[0].contains("damaged")),
        "verify on a damaged database must say it is damaged: {o:?}"
    );
    assert!(
        o.stdout.contains("PROBLEM: "),
        "the report names the problem: {o:?}"
    );
}
