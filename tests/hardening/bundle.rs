//! Issue 15, item 4, the part that can be driven from outside: a corpus of hostile bundle files
//! handed to `saksi import` at HQ. A real bundle (an incident with a Khmer title, a person, a
//! consented testimony, a 100 KB attachment) is damaged in every way a courier or a jammer can:
//! one byte flipped anywhere, truncated anywhere, junk of every size from 0 bytes to 4 MiB (full:
//! 64 MiB), an age header flooded with thousands of recipient stanzas, a huge header line, and the
//! real bundle with junk appended. Each must be refused with a clean one-line error while HQ's
//! vault stays byte-for-byte unchanged, within a time and memory bound (60 s, 5 GiB address space;
//! the maxima are reported). The real bundle then imports, and importing it again is a no-op.
//!
//! (Corpora that need a re-signed manifest, forged authorship or custody chains live in the
//! core's unit tests and the bundle suite, which can sign: this suite has only the binary.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::harness::{cases, full, run_measured, Run, Stats};
use crate::util::{tree_hash, Rng, TestVault};

const TIMEOUT: Duration = Duration::from_secs(60);

fn on(v: &TestVault, vault: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut c = v.cmd(args);
    c.env("SAKSI_VAULT", vault);
    run_measured(c, stdin.map(str::as_bytes), TIMEOUT)
}

fn ok(v: &TestVault, vault: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let r = on(v, vault, args, stdin);
    assert!(
        r.out.success(),
        "`saksi {}` must succeed: {:?}",
        args.join(" "),
        r.out
    );
    r.out.stdout
}

/// A monitor with one incident, testimony and attachment, an HQ that trusts it, and the bundle.
fn world(v: &TestVault) -> (PathBuf, PathBuf) {
    let (mon, hq) = (v.vault.clone(), v.root().join("hq"));
    ok(v, &hq, &["init", "--device-name", "HQ"], None);
    ok(v, &hq, &["keygen"], None);
    let key: serde_json::Value =
        serde_json::from_str(&ok(v, &hq, &["hq-key", "--json"], None)).expect("hq-key JSON");
    ok(
        v,
        &mon,
        &[
            "recipient",
            "add",
            "hq",
            key["recipient"].as_str().expect("recipient"),
        ],
        None,
    );
    let card = v.root().join("mon.card");
    ok(
        v,
        &mon,
        &["device", "card", "--out", card.to_str().unwrap()],
        None,
    );
    ok(v, &hq, &["trust", "add", card.to_str().unwrap()], None);
    let id = ok(
        v,
        &mon,
        &["incident", "add"],
        Some(
            &json!({
        "title": "ការវាយដំ bundle corpus", "people": {"a": {"name": "corpus person"}},
        "involvements": [{"person": "a", "role": "victim"}]})
            .to_string(),
        ),
    )
    .trim()
    .to_string();
    ok(
        v,
        &mon,
        &["testimony", "add"],
        Some(
            &json!({"incident_id": id, "body": "seen",
        "consent": {"internal_use": true, "share_with_hq": true}})
            .to_string(),
        ),
    );
    let photo = v.root().join("photo.bin");
    let mut rng = Rng::new(4);
    std::fs::write(
        &photo,
        (0..100_000)
            .map(|_| rng.below(256) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("write the photo");
    ok(v, &mon, &["attach", &id, photo.to_str().unwrap()], None);
    let bundle = v.root().join("real.saksi");
    ok(
        v,
        &mon,
        &["export", "--to", "hq", "--out", bundle.to_str().unwrap()],
        None,
    );
    (hq, bundle)
}

#[test]
fn hostile_bundle_files_are_refused_and_leave_hq_byte_for_byte_unchanged() {
    let v = TestVault::new();
    let (hq, bundle) = world(&v);
    let real = std::fs::read(&bundle).expect("read the bundle");
    let before = tree_hash(&hq);
    let n = cases("bundle", 40, 10_000);
    let mut stats = Stats::new("bundle-corpus");
    let mut rng = Rng::new(44);
    let file = v.root().join("case.saksi");
    let mut failures = Vec::new();
    let junk_max: u64 = if full() { 64 << 20 } else { 4 << 20 };
    for i in 0..n {
        let (class, bytes): (&str, Vec<u8>) = match i % 8 {
            0..=2 => {
                let mut b = real.clone();
                let at = if rng.below(4) == 0 {
                    rng.below(200)
                } else {
                    rng.below(b.len() as u64)
                };
                b[at as usize] ^= 1 + rng.below(255) as u8;
                ("flip", b)
            }
            3 | 4 => (
                "truncate",
                real[..rng.below(real.len() as u64) as usize].to_vec(),
            ),
            5 => {
                // Junk of every size: the list first (big and small interleaved, so that CI's
                // few cases cover both), then random sizes up to the maximum.
                const SIZES: [u64; 11] = [
                    0,
                    1 << 20,
                    7,
                    4 << 20,
                    64,
                    65_536,
                    512,
                    16 << 20,
                    4096,
                    64 << 20,
                    1,
                ];
                let k = (i / 8) as usize;
                let len = SIZES
                    .get(k)
                    .map_or_else(|| rng.below(junk_max), |s| (*s).min(junk_max));
                let start = rng.next_u64();
                (
                    "junk",
                    (0..len)
                        .map(|j| (start.wrapping_add(j).wrapping_mul(0x9E37_79B9) >> 24) as u8)
                        .collect(),
                )
            }
            6 => {
                let stanzas = 1 + rng.below(if full() { 200_000 } else { 20_000 });
                let mut b = b"age-encryption.org/v1\n".to_vec();
                for s in 0..stanzas {
                    b.extend_from_slice(format!("-> X25519 {s:043}\nAAAA{s:039}\n").as_bytes());
                }
                b.extend_from_slice(b"--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
                ("header-flood", b)
            }
            _ => {
                if rng.below(2) == 0 {
                    let mut b = b"age-encryption.org/v1\n-> X25519 ".to_vec();
                    b.extend(std::iter::repeat_n(
                        b'A',
                        (1 << 20) + rng.below(4 << 20) as usize,
                    ));
                    ("long-header-line", b)
                } else {
                    let mut b = real.clone();
                    b.extend((0..1 + rng.below(100_000)).map(|k| k as u8));
                    ("junk-appended", b)
                }
            }
        };
        std::fs::write(&file, &bytes).expect("write the case");
        let r = on(&v, &hq, &["import", file.to_str().unwrap()], None);
        stats.measure(&r);
        let unchanged = tree_hash(&hq) == before;
        let refused = r.clean_error() && r.out.stderr.contains("nothing was imported");
        let held = refused && unchanged && !r.timed_out;
        let outcome = match (refused, unchanged) {
            _ if r.timed_out => "TIMEOUT",
            _ if r.signal.is_some() || r.out.stderr.contains("panicked") => "CRASH",
            (true, true) => "refused",
            (false, true) if r.out.success() => "ACCEPTED",
            (false, true) => "UNCLEAR-ERROR",
            (_, false) => "HQ-CHANGED",
        };
        stats.case(&format!("{class}/{outcome}"), held);
        if !held {
            failures.push(format!(
                "case {i} ({class}, {} bytes): {outcome} ({} ms, {} KiB): {:?}",
                bytes.len(),
                r.elapsed.as_millis(),
                r.max_rss_kib,
                r.out
            ));
            eprintln!("bundle-corpus: {}", failures.last().unwrap());
        }
    }
    // The real bundle imports; importing it again changes no byte.
    let r = on(&v, &hq, &["import", bundle.to_str().unwrap()], None);
    assert!(r.out.success(), "the undamaged bundle imports: {:?}", r.out);
    let after = tree_hash(&hq);
    let again = on(&v, &hq, &["import", bundle.to_str().unwrap()], None);
    let noop = tree_hash(&hq) == after;
    stats.case("second-import/no-op", noop);
    stats.report();
    assert!(
        noop,
        "a second import of the same bundle changes nothing (invariant 6): {:?}",
        again.out
    );
    assert!(
        failures.is_empty(),
        "every damaged or hostile bundle must be refused with a clean error (`nothing was \
         imported`) in bounded time, leaving HQ byte-for-byte unchanged; {} of {n} were not:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}
