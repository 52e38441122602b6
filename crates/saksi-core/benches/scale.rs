//! `cargo bench -p saksi-core --bench scale`: record writes and search at HQ's scale (issue 14),
//! each side by side with a reference measured in the same run on the same data.
//!
//! The corpus is generated from a seed (`BENCH_SEED`, default 14): `BENCH_RECORDS` incidents
//! (default 10,000; `BENCH_BIG=1`: 200,000) and as many testimonies, and a tenth as many
//! persons, in Khmer, English and French. The reference is a plain SQLite database (the same
//! linked SQLite, without a key, so the same compiler flags: the ratio is the cost of Saksi's
//! encryption, schema and queries) holding the same texts in one FTS5 trigram table, with an
//! index on the incidents' dates, and written one full-sync transaction per record.
//!
//! SQLCipher's `cipher_memory_security` is process-wide: the in-process reference pays the same
//! allocator cost as the vault. `BENCH_KEEP_REFERENCE=FILE` keeps the reference database, to time
//! its queries with the `sqlite3` CLI in another process (docs/benchmarks.md).
//!
//! `BENCH_BULK_ONLY=1` stops after the bulk line, to profile the writes alone.
//!
//! Prints markdown rows for docs/benchmarks.md: medians, min–max and p95 over `BENCH_RUNS`
//! (default 21) runs, and the ratio to the reference.

use std::time::{Duration, Instant};

use rusqlite::Connection;
use saksi_core::model::incident::Place;
use saksi_core::model::person::NameInput;
use saksi_core::model::{FuzzyDate, IncidentInput, PersonInput, TestimonyInput};
use saksi_core::search::{SearchQuery, RANK_AT_MOST};
use saksi_core::vault::{KdfProfile, Vault};
use saksi_core::SecretString;

const KM: &[&str] = &[
    "ប៉ូលិស",
    "បានវាយដំ",
    "អ្នកភូមិ",
    "ដីធ្លី",
    "ការចាប់ខ្លួន",
    "សាក្សី",
    "ទាហាន",
    "នៅមុខ",
    "ផ្សារ",
    "រោងចក្រ",
    "កម្មករ",
    "សហគមន៍",
    "បណ្តេញ",
    "គំរាមកំហែង",
    "ឃុំខ្លួន",
];
const EN: &[&str] = &[
    "police",
    "beat",
    "villagers",
    "land",
    "arrested",
    "witness",
    "soldiers",
    "in front of",
    "market",
    "factory",
    "workers",
    "community",
    "evicted",
    "threatened",
    "detained",
    "the",
    "and",
];
const FR: &[&str] = &[
    "police",
    "a frappé",
    "villageois",
    "terres",
    "arrêté",
    "témoin",
    "soldats",
    "devant le",
    "marché",
    "usine",
    "ouvriers",
    "communauté",
    "expulsés",
    "menacés",
    "détenus",
    "de",
    "la",
];
const NAMES: &[&str] = &[
    "សុខ",
    "ចាន់",
    "ដារា",
    "ស្រីមុំ",
    "Sok",
    "Chan",
    "Dara",
    "Srey",
    "Vann",
    "Thy",
    "Dupont",
];
const KINDS: &[&str] = &[
    "assault",
    "arbitrary_arrest",
    "threat",
    "forced_eviction",
    "detention",
];
/// In about one record in a thousand: the "rare Khmer" query.
const RARE: &str = "អគ្គិភ័យ";

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
    fn text(&mut self, words: usize) -> String {
        let lang = [KM, EN, FR][self.below(3)];
        let mut out: Vec<&str> = (0..words).map(|_| lang[self.below(lang.len())]).collect();
        if self.below(1000) == 0 {
            out.push(RARE);
        }
        out.join(" ")
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Stats {
    median: f64,
    min: f64,
    max: f64,
    p95: f64,
}

fn stats(mut xs: Vec<Duration>) -> Stats {
    xs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| ms(xs[((xs.len() as f64 - 1.0) * q).round() as usize]);
    Stats {
        median: at(0.5),
        min: ms(xs[0]),
        max: ms(xs[xs.len() - 1]),
        p95: at(0.95),
    }
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> Stats {
    f(); // warm the cache
    stats(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn row(what: &str, ours: &Stats, reference: &Stats) {
    println!(
        "| {what} | {:.2} ({:.2}–{:.2}) p95 {:.2} | {:.2} ({:.2}–{:.2}) p95 {:.2} | {:.2}× |",
        ours.median,
        ours.min,
        ours.max,
        ours.p95,
        reference.median,
        reference.min,
        reference.max,
        reference.p95,
        ours.p95 / reference.p95.max(1e-6)
    );
}

fn incident(r: &mut Rng) -> IncidentInput {
    IncidentInput {
        title: r.text(5),
        description: r.text(40),
        kinds: vec![KINDS[r.below(KINDS.len())].into()],
        start: FuzzyDate {
            date: Some(format!(
                "20{:02}-{:02}-{:02}",
                10 + r.below(16),
                1 + r.below(12),
                1 + r.below(28)
            )),
            precision: None,
        },
        place: Place {
            name: Some(["Phnom Penh", "Battambang", "Kampot", "Siem Reap"][r.below(4)].into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn person(r: &mut Rng) -> PersonInput {
    let names = (0..1 + r.below(3))
        .map(|_| NameInput {
            name: format!(
                "{} {}",
                NAMES[r.below(NAMES.len())],
                NAMES[r.below(NAMES.len())]
            ),
            kind: None,
            script: None,
        })
        .collect();
    PersonInput {
        names,
        ..Default::default()
    }
}

fn main() {
    let n = if std::env::var("BENCH_BIG").is_ok() {
        200_000
    } else {
        env("BENCH_RECORDS", 10_000)
    };
    let runs = env("BENCH_RUNS", 21);
    let mut r = Rng(env("BENCH_SEED", 14) as u64);
    let dir = tempfile::tempdir().expect("temp dir");
    let pass = SecretString::from("benchmark passphrase".to_string());
    let mut v =
        Vault::create(&dir.path().join("vault"), &pass, KdfProfile::Minimum).expect("create");
    let refdb = Connection::open(dir.path().join("reference.db")).expect("reference");
    refdb
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE VIRTUAL TABLE doc USING fts5(title, body, tokenize = 'trigram case_sensitive 0');
             CREATE TABLE inc (id INTEGER PRIMARY KEY, kind TEXT, start_date TEXT, title TEXT);
             CREATE INDEX inc_kind_date ON inc (kind, start_date);",
        )
        .expect("reference schema");
    let ref_add = |c: &Connection, inc: Option<&IncidentInput>, title: &str, body: &str| {
        c.execute(
            "INSERT INTO doc (title, body) VALUES (?1, ?2)",
            [title, body],
        )
        .expect("ref insert");
        if let Some(i) = inc {
            c.execute(
                "INSERT INTO inc (kind, start_date, title) VALUES (?1, ?2, ?3)",
                rusqlite::params![i.kinds[0], i.start.date, i.title],
            )
            .expect("ref insert");
        }
    };

    println!(
        "corpus: {n} incidents, {n} testimonies, {} persons (seed {})",
        n / 10,
        env("BENCH_SEED", 14)
    );
    println!("| work | Saksi ms: median (min–max) p95 | reference ms | ratio (p95) |");
    println!("|---|---|---|---|");
    let single = |v: &mut Vault, r: &mut Rng| {
        time(runs, || {
            v.incidents_mut().add(&incident(r)).expect("add");
        })
    };
    let single_ref = |c: &Connection, r: &mut Rng| {
        time(runs, || {
            let i = incident(r);
            ref_add(c, Some(&i), &i.title, &i.description);
        })
    };
    let edit_at = |v: &mut Vault, r: &mut Rng| {
        let id = v.incidents_mut().add(&incident(r)).expect("add");
        time(runs, || {
            v.incidents_mut().update(&id, &incident(r)).expect("edit");
        })
    };

    // Bulk: everything in batches of 1,000 per transaction; the first 1,000 timed apart.
    let mut incidents = Vec::with_capacity(n);
    let mut bulk = Duration::ZERO;
    let mut bulk_ref = Duration::ZERO;
    let mut bulk_records = 0usize;
    let mut small = None;
    let mut done = 0;
    while done < n {
        let k = 1000.min(n - done);
        let batch: Vec<IncidentInput> = (0..k).map(|_| incident(&mut r)).collect();
        let t = Instant::now();
        incidents.extend(v.incidents_mut().add_many(&batch).expect("bulk incidents"));
        bulk += t.elapsed();
        bulk_records += k;
        let t = Instant::now();
        refdb.execute_batch("BEGIN").expect("ref");
        for i in &batch {
            ref_add(&refdb, Some(i), &i.title, &i.description)
        }
        refdb.execute_batch("COMMIT").expect("ref");
        bulk_ref += t.elapsed();
        done += k;
        if small.is_none() {
            small = Some((
                single(&mut v, &mut r),
                single_ref(&refdb, &mut r),
                edit_at(&mut v, &mut r),
            ));
        }
    }
    let mut done = 0;
    while done < n {
        let k = 1000.min(n - done);
        let batch: Vec<TestimonyInput> = (0..k)
            .map(|_| TestimonyInput {
                incident_id: incidents[r.below(incidents.len())].to_string(),
                body: r.text(80),
                ..Default::default()
            })
            .collect();
        let t = Instant::now();
        v.testimonies_mut()
            .add_many(&batch)
            .expect("bulk testimonies");
        bulk += t.elapsed();
        bulk_records += k;
        let t = Instant::now();
        refdb.execute_batch("BEGIN").expect("ref");
        for b in &batch {
            ref_add(&refdb, None, "", &b.body)
        }
        refdb.execute_batch("COMMIT").expect("ref");
        bulk_ref += t.elapsed();
        done += k;
    }
    let persons: Vec<PersonInput> = (0..n / 10).map(|_| person(&mut r)).collect();
    for batch in persons.chunks(1000) {
        let t = Instant::now();
        v.persons_mut().add_many(batch).expect("bulk persons");
        bulk += t.elapsed();
        bulk_records += batch.len();
        let t = Instant::now();
        refdb.execute_batch("BEGIN").expect("ref");
        for p in batch {
            let all: Vec<&str> = p.names.iter().map(|x| x.name.as_str()).collect();
            ref_add(&refdb, None, all[0], &all.join(" "));
        }
        refdb.execute_batch("COMMIT").expect("ref");
        bulk_ref += t.elapsed();
    }
    println!(
        "| bulk writes, 1,000 per transaction | {:.0} records/s | {:.0} records/s | {:.2}× (time) |",
        bulk_records as f64 / bulk.as_secs_f64(),
        bulk_records as f64 / bulk_ref.as_secs_f64(),
        bulk.as_secs_f64() / bulk_ref.as_secs_f64()
    );
    if std::env::var("BENCH_BULK_ONLY").is_ok() {
        // For profiling the writes alone (`perf record … scale` with BENCH_BULK_ONLY=1).
        return;
    }
    let (single_small, ref_small, edit_small) = small.expect("at least one batch");
    let single_big = single(&mut v, &mut r);
    let ref_big = single_ref(&refdb, &mut r);
    let edit_big = edit_at(&mut v, &mut r);
    row(
        "add one incident (own transaction), at 1k incidents",
        &single_small,
        &ref_small,
    );
    row(
        &format!("add one incident, at {n} incidents"),
        &single_big,
        &ref_big,
    );
    println!(
        "| edit one incident: at {n} / at 1k (median) | {:.2}× | — | — |",
        edit_big.median / edit_small.median
    );
    row(
        &format!("edit one incident at {n} (vs reference insert)"),
        &edit_big,
        &ref_big,
    );

    let page = |text: Option<&str>| SearchQuery {
        text: text.map(str::to_string),
        limit: Some(50),
        ..Default::default()
    };
    let shapes: [(&str, SearchQuery, String, Vec<String>); 6] = [
        ("rare Khmer", page(Some(RARE)), "SELECT rowid, title FROM doc WHERE doc MATCH ?1 ORDER BY rank LIMIT 50".into(), vec![format!("\"{RARE}\"")]),
        ("person name", page(Some("Dara")), "SELECT rowid, title FROM doc WHERE doc MATCH ?1 ORDER BY rank LIMIT 50".into(), vec!["\"Dara\"".into()]),
        // More matches than Saksi ranks (search::RANK_AT_MOST): listed newest first, as the
        // reference on the first line; the second line is the reference ranking them all.
        ("common Latin word", page(Some("police")), "SELECT rowid, title FROM doc WHERE doc MATCH ?1 ORDER BY rowid DESC LIMIT 50".into(), vec!["\"police\"".into()]),
        ("common Latin word, against the reference ranking every match", page(Some("police")), "SELECT rowid, title FROM doc WHERE doc MATCH ?1 ORDER BY rank LIMIT 50".into(), vec!["\"police\"".into()]),
        ("2-character", page(Some("de")), "SELECT rowid, title FROM doc WHERE title LIKE ?1 OR body LIKE ?1 ORDER BY rowid DESC LIMIT 50".into(), vec!["%de%".into()]),
        ("filter-only page of 50", SearchQuery { kind: Some("assault".into()), date_from: Some("2015".into()), date_to: Some("2020".into()), limit: Some(50), ..Default::default() },
         "SELECT id, title FROM inc WHERE kind = ?1 AND start_date BETWEEN '2015' AND '2020-12-31~' ORDER BY start_date DESC LIMIT 50".into(), vec!["assault".into()]),
    ];
    for (name, q, sql, params) in shapes {
        let ours = time(runs, || {
            std::hint::black_box(v.search(&q).expect("search"));
        });
        let mut stmt = refdb.prepare(&sql).expect("ref query");
        let reference = time(runs, || {
            let rows: Vec<i64> = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))
                .expect("ref")
                .collect::<rusqlite::Result<_>>()
                .expect("ref");
            std::hint::black_box(rows);
        });
        row(&format!("search: {name}"), &ours, &reference);
    }
    // Where the common word's time goes: the count that decides whether it is ranked (it stops
    // after RANK_AT_MOST + 1 matches), against the same capped count in the reference.
    let common = page(Some("police"));
    let ours = time(runs, || {
        std::hint::black_box(v.search_count(&common, RANK_AT_MOST).expect("count"));
    });
    let mut stmt = refdb
        .prepare(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM doc WHERE doc MATCH ?1 LIMIT {})",
            RANK_AT_MOST + 1
        ))
        .expect("ref count");
    let reference = time(runs, || {
        let n: i64 = stmt.query_row(["\"police\""], |r| r.get(0)).expect("ref");
        std::hint::black_box(n);
    });
    row(
        "common Latin word: only the count that decides the order (up to 2,001)",
        &ours,
        &reference,
    );
    drop(stmt);
    v.lock().expect("lock");
    // SQLCipher's memory security is process-wide, so the reference above paid its allocator
    // cost too: keep the reference database for timing it in another process (sqlite3 CLI).
    if let Ok(keep) = std::env::var("BENCH_KEEP_REFERENCE") {
        refdb
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
        drop(refdb);
        std::fs::copy(dir.path().join("reference.db"), &keep).expect("keep the reference");
        println!("reference database kept at {keep}");
    }
}
