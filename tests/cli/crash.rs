//! Crash safety (threat model: "kill -9 or power cut during any write"). A `saksi incident add`
//! carrying inline people, acts and a proceeding is SIGKILLed at a random moment, many times, on
//! one vault: while starting, deriving the key, recovering the previous victim's WAL, writing,
//! checkpointing or after it finished. Afterwards:
//! - every write whose id was printed (acknowledged) is present;
//! - nothing is half-applied: every incident that exists has exactly the acts and proceedings it
//!   was sent with, and no person exists without the incident that brought them;
//! - the custody log has exactly one entry per record and its chain verifies;
//! - `saksi verify` exits 0, and no `-shm` file ever appears.
//!
//! The kill moments come from a PRNG seeded by the iteration number, scaled to how long one
//! add takes on this machine; the assertions do not depend on where the kills land.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{files_under, is_uuid, Rng, TestVault};

const ITERATIONS: u64 = 50;

/// What one add sends: `n` people, each a victim, plus one group act, plus one proceeding when
/// there is at least one person. The counts are written into the title so that the check can
/// compare what is stored with what was sent, for acknowledged and unacknowledged adds alike.
fn incident(iter: u64, n: usize) -> Value {
    let mut people = serde_json::Map::new();
    let mut acts = vec![json!({"role": "perpetrator",
                               "counting": {"unit": "group", "min": 2, "max": 9}})];
    for k in 0..n {
        people.insert(
            format!("p{k}"),
            json!({"name": format!("crash person {iter}-{k}")}),
        );
        acts.push(json!({"person": format!("p{k}"), "role": "victim", "injuries": "bruises"}));
    }
    let proceedings: Vec<Value> = (0..n.min(1))
        .map(|_| json!({"person": "p0", "kind": "arrest", "date": {"date": "2024-01-01"}}))
        .collect();
    json!({
        "title": format!("crash {iter} people={n} acts={} proceedings={}", n + 1, proceedings.len()),
        "description": "written while being killed",
        "kinds": ["arbitrary_arrest"],
        "people": people,
        "involvements": acts,
        "proceedings": proceedings,
    })
}

/// Runs one add to completion; returns how long it took.
fn timed_add(v: &TestVault, input: &Value) -> (String, Duration) {
    let t = Instant::now();
    let id = v.add("incident", input);
    (id, t.elapsed())
}

/// Starts an add, kills it after `delay` (if still running); returns the id it printed, if any.
fn killed_add(v: &TestVault, input: &Value, delay: Duration) -> Option<String> {
    let mut c = v.cmd(&["incident", "add"]);
    c.stdin(std::process::Stdio::piped());
    let mut child = c.spawn().expect("start saksi");
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(input.to_string().as_bytes());
    drop(stdin);
    std::thread::sleep(delay);
    // SIGKILL on Unix; harmless if the child has already exited.
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout.lines().find(|l| is_uuid(l)).map(str::to_string);
    if out.status.success() {
        assert!(id.is_some(), "an add that exits 0 must have printed its id");
    }
    id
}

/// Checks every invariant of the vault after the crashes; returns the number of incidents.
fn check(v: &TestVault, acknowledged: &[String]) -> usize {
    let out = v.run(&["verify", "--json"]);
    assert!(
        out.success(),
        "the vault must verify clean after SIGKILLs: {out:?}"
    );
    let list = v.json(&["incident", "list", "--json"]);
    let incidents = list.as_array().unwrap();
    let by_id: BTreeMap<&str, &Value> = incidents
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i))
        .collect();
    for id in acknowledged {
        assert!(
            by_id.contains_key(id.as_str()),
            "every acknowledged write must survive a crash: {id} is missing"
        );
    }
    let mut expected_people = 0;
    for inc in incidents {
        let title = inc["title"].as_str().unwrap();
        let field = |name: &str| -> usize {
            let tail = title.split(&format!("{name}=")).nth(1).unwrap();
            tail.split(' ').next().unwrap().parse().unwrap()
        };
        let (people, acts, procs) = (field("people"), field("acts"), field("proceedings"));
        expected_people += people;
        let stored = inc["involvements"].as_array().unwrap();
        assert_eq!(
            stored.len(),
            acts,
            "an incident must never be half-applied: {title} has {} acts stored",
            stored.len()
        );
        assert_eq!(
            stored.iter().filter(|a| a["person_id"].is_string()).count(),
            people,
            "every inline person of {title} must be linked by its act"
        );
        assert_eq!(
            inc["proceedings"].as_array().unwrap().len(),
            procs,
            "an incident's proceedings are written with it or not at all: {title}"
        );
    }
    let persons = v.json(&["person", "list", "--json"]);
    assert_eq!(
        persons.as_array().unwrap().len(),
        expected_people,
        "no person may exist without the incident that brought them (a half-applied add)"
    );
    let log = v.json(&["log", "--json"]);
    assert_eq!(
        log.as_array().unwrap().len(),
        1 + incidents.len() + expected_people,
        "the custody log holds exactly one entry per record written, plus the vault's creation"
    );
    incidents.len()
}

#[test]
fn sigkill_during_writes_loses_no_acknowledged_write_and_half_applies_nothing() {
    let v = TestVault::new();
    // Calibrate: how long does one add take here (debug build, loaded CI machine...)?
    let (first, took) = timed_add(&v, &incident(0, 2));
    let mut acknowledged = vec![first];
    let span = took.as_micros() as u64 * 3 / 2 + 1;

    let mut killed_before_ack = 0;
    for iter in 1..=ITERATIONS {
        let mut rng = Rng::new(iter);
        let people = rng.below(4) as usize;
        let delay = Duration::from_micros(rng.below(span));
        match killed_add(&v, &incident(iter, people), delay) {
            Some(id) => acknowledged.push(id),
            None => killed_before_ack += 1,
        }
        // Check now and then (opening the vault also recovers the WAL, which the next victim
        // would otherwise do, and be killed doing).
        if iter % 10 == 0 {
            check(&v, &acknowledged);
        }
    }
    let n = check(&v, &acknowledged);
    assert!(
        n >= acknowledged.len(),
        "at least the acknowledged incidents are stored"
    );
    eprintln!(
        "crash test: {ITERATIONS} kills, {} acknowledged adds, {killed_before_ack} killed before \
         acknowledging, {n} incidents stored",
        acknowledged.len()
    );
    for f in files_under(&v.vault) {
        let f = f.to_string_lossy();
        assert!(
            !f.ends_with("-wal") && !f.ends_with("-shm") && !f.ends_with("-journal"),
            "after a clean close the WAL is checkpointed and removed, and nothing else remains: {f}"
        );
    }
}

#[test]
fn regression_no_shm_file_while_the_vault_is_open() {
    // The core promises "WAL in exclusive mode, so no -shm": the WAL index must live in the
    // process's memory, never in a `vault.db-shm` file, which a SIGKILL or power cut would
    // leave on disk. `saksi passwd` unlocks the vault and then reads the new passphrase from
    // its file: a FIFO that nobody writes to keeps it waiting with the vault open (JSON input
    // cannot: it is read before unlocking). While it waits (the WAL file exists), look.
    let v = TestVault::new();
    // Which database file is this vault's, asked before `passwd` holds the vault (the core opens
    // it to tell).
    let db = v.db_name();
    let fifo = v.root().join("new-passphrase.fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let mut c = v.cmd(&["passwd", "--new-passphrase-file", fifo.to_str().unwrap()]);
    let mut child = c.spawn().expect("start saksi");
    let wal = v.vault.join(format!("{db}-wal"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !wal.exists() {
        assert!(
            Instant::now() < deadline,
            "saksi passwd did not open the vault while waiting for the new passphrase"
        );
        assert!(child.try_wait().unwrap().is_none(), "saksi exited early");
        std::thread::sleep(Duration::from_millis(10));
    }
    let shm_while_open = v.vault.join(format!("{db}-shm")).exists();
    let _ = child.kill();
    let _ = child.wait();
    let shm_after_kill = v.vault.join(format!("{db}-shm")).exists();
    v.ok(&["verify"]);
    assert!(
        !shm_while_open && !shm_after_kill,
        "the WAL index must never be a -shm file on disk (open: {shm_while_open}, after \
         SIGKILL: {shm_after_kill})"
    );
}
