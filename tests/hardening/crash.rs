//! Issue 15, item 1: the crash loop. A monitor's vault and an HQ vault that trust each other; a
//! loop of `saksi` writes, each SIGKILLed at a random moment (scaled to how long that kind of
//! write takes here): incident adds with inline people, acts and a proceeding; incident updates;
//! attachment intake; HQ's own edits; export + import of a bundle into HQ; conflict resolution at
//! HQ. After every few kills, both vaults are checked:
//! - `saksi verify` passes (SQLCipher and SQLite integrity, custody chain, every blob's hash);
//! - every write the child acknowledged (printed its id, exited 0) is present: each acknowledged
//!   incident exists with its latest acknowledged title (or the title of a later unacknowledged
//!   update), each acknowledged attachment is listed with its hash, each acknowledged import
//!   brought every incident its bundle held, each acknowledged resolve closed its conflict;
//! - nothing is half-applied: every incident has exactly the acts and proceedings it was sent
//!   with (the counts are in its title), every person belongs to an incident;
//! - no `.part` file and no orphan blob remains in `attachments/` after an unlock (the number of
//!   blobs equals the number of attachments), no `-shm` file ever.
//!
//! 30 kills in CI, 1,000 with `SAKSI_HARDEN=full`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{cases, run_measured, Run, Stats};
use crate::util::{files_under, is_uuid, Rng, TestVault};

const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `saksi ARGS` on `vault` (stdin optional), killed after `kill_after` if given.
fn start(
    v: &TestVault,
    vault: &Path,
    args: &[&str],
    stdin: Option<&str>,
    kill_after: Option<Duration>,
) -> Run {
    let mut c = v.cmd(args);
    c.env("SAKSI_VAULT", vault);
    run_measured(c, stdin.map(str::as_bytes), kill_after.unwrap_or(TIMEOUT))
}

fn json_of(v: &TestVault, vault: &Path, args: &[&str]) -> Value {
    let r = start(v, vault, args, None, None);
    assert!(
        r.out.success(),
        "`saksi {}` must succeed: {:?}",
        args.join(" "),
        r.out
    );
    serde_json::from_str(&r.out.stdout).expect("JSON output")
}

/// The incident sent by add number `iter`: `n` people (victims), a group act, a proceeding when
/// there is a person. The counts are in the title, which updates keep.
fn incident(iter: u64, n: usize) -> (String, Value) {
    let mut people = serde_json::Map::new();
    let mut acts =
        vec![json!({"role": "perpetrator", "counting": {"unit": "group", "min": 2, "max": 9}})];
    for k in 0..n {
        people.insert(
            format!("p{k}"),
            json!({"name": format!("crash person {iter}-{k}")}),
        );
        acts.push(json!({"person": format!("p{k}"), "role": "victim"}));
    }
    let procs: Vec<Value> = (0..n.min(1))
        .map(|_| json!({"person": "p0", "kind": "arrest", "date": {"date": "2024-01-01"}}))
        .collect();
    let counts = format!("people={n} acts={} proceedings={}", n + 1, procs.len());
    let v = json!({"title": format!("crash {iter} {counts} edit 0"), "kinds": ["arbitrary_arrest"],
                   "people": people, "involvements": acts, "proceedings": procs});
    (counts, v)
}

/// What the loop knows about one incident on the monitor.
struct Known {
    counts: String,
    /// The title of the last acknowledged write, and those of later unacknowledged updates.
    acked: String,
    maybe: Vec<String>,
}

#[derive(Default)]
struct World {
    incidents: BTreeMap<String, Known>,
    /// Acknowledged attachments and their SHA-256.
    attachments: BTreeMap<String, String>,
    /// Incidents HQ must hold (brought by acknowledged imports).
    at_hq: BTreeSet<String>,
    /// Conflicts whose resolution was acknowledged.
    resolved: BTreeSet<String>,
}

/// The ops of the loop.
const OPS: [&str; 6] = [
    "add",
    "update",
    "attach",
    "hq-edit",
    "export-import",
    "resolve",
];

/// Checks both vaults; panics with the broken rule.
fn check(v: &TestVault, mon: &Path, hq: &Path, w: &World, stats: &mut Stats) {
    for (name, vault) in [("monitor", mon), ("HQ", hq)] {
        let r = start(v, vault, &["verify", "--json"], None, None);
        stats.measure(&r);
        assert!(
            r.out.success(),
            "the {name} vault must verify clean after SIGKILLs: {:?}",
            r.out
        );
        let incidents = json_of(v, vault, &["incident", "list", "--json"]);
        let mut people_expected = 0;
        for inc in incidents.as_array().expect("an array") {
            let title = inc["title"].as_str().expect("a title");
            let field = |f: &str| -> usize {
                title
                    .split(&format!("{f}="))
                    .nth(1)
                    .and_then(|t| t.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("title {title:?} lost its counts"))
            };
            people_expected += field("people");
            assert_eq!(
                inc["involvements"].as_array().map(Vec::len),
                Some(field("acts")),
                "an incident is never half-applied: {title} on {name} has the wrong number of acts"
            );
            assert_eq!(
                inc["proceedings"].as_array().map(Vec::len),
                Some(field("proceedings")),
                "an incident's proceedings are written with it or not at all: {title} on {name}"
            );
            if name == "monitor" {
                if let Some(k) = w.incidents.get(inc["id"].as_str().unwrap_or_default()) {
                    assert!(title == k.acked || k.maybe.iter().any(|m| m == title),
                        "an acknowledged update survives: {title:?} is neither {:?} nor one of the later unacknowledged {:?}",
                        k.acked, k.maybe);
                    assert!(title.contains(&k.counts), "updates keep the counts");
                }
            }
        }
        let ids: BTreeSet<&str> = incidents
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["id"].as_str())
            .collect();
        let people = json_of(v, vault, &["person", "list", "--json"]);
        assert_eq!(
            people.as_array().map(Vec::len),
            Some(people_expected),
            "no person exists without the incident that brought them, on {name}"
        );
        if name == "monitor" {
            for id in w.incidents.keys() {
                assert!(
                    ids.contains(id.as_str()),
                    "every acknowledged add survives a crash: {id} is missing"
                );
            }
        } else {
            for id in &w.at_hq {
                assert!(
                    ids.contains(id.as_str()),
                    "every incident of an acknowledged import is at HQ: {id} is missing"
                );
            }
            let open = json_of(v, vault, &["conflict", "list", "--json"]);
            for c in open.as_array().into_iter().flatten() {
                let cid = c["id"].as_str().unwrap_or_default();
                assert!(
                    !w.resolved.contains(cid),
                    "an acknowledged resolve closed its conflict for good: {cid} is open again"
                );
            }
        }
        let evidence = json_of(v, vault, &["evidence", "list", "--json"]);
        let listed: BTreeMap<&str, &str> = evidence
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| Some((e["id"].as_str()?, e["sha256"].as_str()?)))
            .collect();
        if name == "monitor" {
            for (id, sha) in &w.attachments {
                assert_eq!(
                    listed.get(id.as_str()),
                    Some(&sha.as_str()),
                    "every acknowledged attachment survives with its hash: {id}"
                );
            }
        }
        let blobs = files_under(&vault.join("attachments"));
        for b in &blobs {
            assert!(
                !b.to_string_lossy().ends_with(".part"),
                "no partial blob remains after an unlock: {}",
                b.display()
            );
        }
        assert_eq!(blobs.len(), listed.len(),
            "after an unlock every blob belongs to an attachment and every attachment has its blob, on {name}");
        for f in files_under(vault) {
            assert!(
                !f.to_string_lossy().ends_with("-shm"),
                "no -shm file, ever: {}",
                f.display()
            );
        }
    }
}

/// Prepares a monitor and an HQ that trust each other.
fn pair(v: &TestVault) -> (PathBuf, PathBuf) {
    let (mon, hq) = (v.vault.clone(), v.root().join("hq"));
    let ok = |vault: &Path, args: &[&str]| -> String {
        let r = start(v, vault, args, None, None);
        assert!(r.out.success(), "`saksi {}`: {:?}", args.join(" "), r.out);
        r.out.stdout
    };
    ok(&hq, &["init", "--device-name", "HQ"]);
    ok(&hq, &["keygen"]);
    let recipient = json_of(v, &hq, &["hq-key", "--json"])["recipient"]
        .as_str()
        .expect("recipient")
        .to_string();
    ok(&mon, &["recipient", "add", "hq", &recipient]);
    let card = v.root().join("mon.card");
    ok(&mon, &["device", "card", "--out", card.to_str().unwrap()]);
    ok(&hq, &["trust", "add", card.to_str().unwrap()]);
    (mon, hq)
}

#[test]
fn crash_loop_over_every_kind_of_write_keeps_both_vaults_whole() {
    let v = TestVault::new();
    let (mon, hq) = pair(&v);
    let kills = cases("crash", 30, 1000);
    // `SAKSI_HARDEN_CRASH_SEED=K` gives the loop its own random stream, so that a full run can be
    // split over several processes (one per core) and their kills added up.
    let seed: u64 = std::env::var("SAKSI_HARDEN_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut w = World::default();
    let mut stats = Stats::new("crash");
    // How long each kind of write takes here, measured on its first, unkilled run.
    let mut span: BTreeMap<&str, u64> = BTreeMap::new();
    let file = v.root().join("evidence.bin");
    let bundle = v.root().join("out.saksi");
    let mut iter = 0u64;
    let mut killed = 0u64;
    let mut acked = 0u64;
    let started = Instant::now();
    while killed < kills {
        iter += 1;
        let mut rng = Rng::new(iter.wrapping_add(seed.wrapping_mul(1_000_000_007)));
        let op = if w.incidents.is_empty() {
            "add"
        } else {
            OPS[rng.below(OPS.len() as u64) as usize]
        };
        let delay = span.get(op).map(|s| Duration::from_micros(rng.below(*s)));
        let pick = |rng: &mut Rng, w: &World| -> String {
            let keys: Vec<&String> = w.incidents.keys().collect();
            keys[rng.below(keys.len() as u64) as usize].clone()
        };
        let t = Instant::now();
        let (r, ack) = match op {
            "add" => {
                let (counts, input) = incident(iter, rng.below(3) as usize);
                let r = start(
                    &v,
                    &mon,
                    &["incident", "add"],
                    Some(&input.to_string()),
                    delay,
                );
                // Acknowledged = its id was printed (even if the kill came before the exit).
                let id = r.out.stdout.trim().to_string();
                let ack = is_uuid(&id);
                if ack {
                    let title = input["title"].as_str().unwrap_or_default().to_string();
                    w.incidents.insert(
                        id,
                        Known {
                            counts,
                            acked: title,
                            maybe: vec![],
                        },
                    );
                }
                (r, ack)
            }
            "update" | "hq-edit" => {
                let id = pick(&mut rng, &w);
                let k = &w.incidents[&id];
                let title = format!("crash {iter} {} edit {op}", k.counts);
                let input = json!({"title": title, "kinds": ["arbitrary_arrest"]}).to_string();
                let vault = if op == "update" { &mon } else { &hq };
                if op == "hq-edit" && !w.at_hq.contains(&id) {
                    continue;
                }
                let r = start(&v, vault, &["incident", "update", &id], Some(&input), delay);
                let ack = r.out.stdout.trim() == id;
                if op == "update" {
                    let k = w.incidents.get_mut(&id).expect("known");
                    if ack {
                        k.acked = title;
                        k.maybe.clear();
                    } else {
                        k.maybe.push(title);
                    }
                }
                (r, ack)
            }
            "attach" => {
                let id = pick(&mut rng, &w);
                let bytes: Vec<u8> = (0..(1000 + rng.below(400_000)))
                    .map(|_| rng.below(256) as u8)
                    .collect();
                std::fs::write(&file, &bytes).expect("write the evidence file");
                let r = start(
                    &v,
                    &mon,
                    &["attach", &id, file.to_str().unwrap()],
                    None,
                    delay,
                );
                let ack = r.out.stdout.split_whitespace().count() >= 3;
                if ack {
                    let mut parts = r.out.stdout.split_whitespace();
                    if let (Some(aid), Some(sha)) = (parts.next(), parts.next()) {
                        w.attachments.insert(aid.to_string(), sha.to_string());
                    }
                }
                (r, ack)
            }
            "export-import" => {
                // The export runs to completion (it only reads the monitor's vault); the import
                // into HQ is what gets killed.
                let _ = std::fs::remove_file(&bundle);
                let e = start(
                    &v,
                    &mon,
                    &["export", "--to", "hq", "--out", bundle.to_str().unwrap()],
                    None,
                    None,
                );
                assert!(e.out.success(), "export: {:?}", e.out);
                let held: Vec<String> = w.incidents.keys().cloned().collect();
                let r = start(&v, &hq, &["import", bundle.to_str().unwrap()], None, delay);
                let ack = !r.out.stdout.trim().is_empty();
                if ack {
                    w.at_hq.extend(held);
                }
                (r, ack)
            }
            _ => {
                let open = json_of(&v, &hq, &["conflict", "list", "--json"]);
                let Some(cid) = open
                    .as_array()
                    .and_then(|a| a.first())
                    .and_then(|c| c["id"].as_str())
                    .map(str::to_string)
                else {
                    continue;
                };
                let side = if rng.below(2) == 0 {
                    "--keep-local"
                } else {
                    "--take-incoming"
                };
                let r = start(&v, &hq, &["conflict", "resolve", &cid, side], None, delay);
                let ack = !r.out.stdout.trim().is_empty();
                if ack {
                    w.resolved.insert(cid);
                }
                (r, ack)
            }
        };
        stats.measure(&r);
        if r.signal.is_none() && !r.out.success() {
            // A write refused on its merits (e.g. a fast-forward that became a conflict) is fine,
            // but it must be a clean error.
            assert!(
                r.clean_error(),
                "`{op}` failed without a clean error: {:?}",
                r.out
            );
        }
        if !span.contains_key(op) {
            span.insert(op, t.elapsed().as_micros() as u64 * 3 / 2 + 1);
            continue;
        }
        if r.timed_out {
            killed += 1;
            stats.case(
                &format!(
                    "{op}/killed-{}",
                    if ack { "after-ack" } else { "before-ack" }
                ),
                true,
            );
        } else {
            stats.case(&format!("{op}/completed"), true);
        }
        if ack {
            acked += 1;
        }
        if killed.is_multiple_of(5) && r.timed_out {
            check(&v, &mon, &hq, &w, &mut stats);
            // Long runs leave their figures as they go (a run cut short still counts).
            if killed.is_multiple_of(50) {
                stats.progress();
                eprintln!(
                    "crash: {killed} kills in {iter} writes ({acked} acknowledged) so far, {} s",
                    started.elapsed().as_secs()
                );
            }
        }
    }
    check(&v, &mon, &hq, &w, &mut stats);
    stats.report();
    eprintln!(
        "crash: {killed} kills in {iter} writes ({acked} acknowledged), {} incidents, {} attachments, \
         {} at HQ, {} conflicts resolved, {} s",
        w.incidents.len(), w.attachments.len(), w.at_hq.len(), w.resolved.len(), started.elapsed().as_secs()
    );
}
