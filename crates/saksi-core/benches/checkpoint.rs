//! `cargo bench -p saksi-core --bench checkpoint`: what `wal_autocheckpoint = 1` (every commit
//! copied into the main file before it returns, vault/db.rs) costs per commit, against SQLite's
//! default of 1,000 pages, on SQLCipher databases opened the way the vault opens its own
//! (`cipher_memory_security`, a raw key, exclusive locking, WAL, `synchronous = FULL`,
//! `secure_delete`). Two workloads, interleaved in rounds so that load on the machine falls on
//! both settings alike:
//!
//! - single commits: one ~1 KiB row per transaction into a table with an index and a trigram
//!   FTS5 table kept by a trigger (as the vault's records are), `BENCH_COMMITS` of them
//!   (default 300);
//! - bulk: 1,000 rows per transaction, `BENCH_BULK` transactions (default 10).
//!
//! Prints markdown rows: median and min–max per commit in milliseconds, rows per second.

use std::time::{Duration, Instant};

use rusqlite::Connection;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
        .max(1)
}

fn open(path: &std::path::Path, autocheckpoint: u32) -> Connection {
    let conn = Connection::open(path).expect("open");
    conn.execute_batch(
        "PRAGMA cipher_memory_security = ON;
         PRAGMA key = \"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\";
         PRAGMA locking_mode = EXCLUSIVE;",
    )
    .expect("key");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("wal");
    assert_eq!(mode, "wal");
    conn.execute_batch(&format!(
        "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = {autocheckpoint};
         PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON;
         CREATE TABLE IF NOT EXISTS rec (id INTEGER PRIMARY KEY, kind TEXT, at TEXT, body TEXT);
         CREATE INDEX IF NOT EXISTS rec_kind ON rec (kind, at);
         CREATE VIRTUAL TABLE IF NOT EXISTS rec_fts USING fts5 (body, tokenize = 'trigram');
         CREATE TRIGGER IF NOT EXISTS rec_ai AFTER INSERT ON rec BEGIN
             INSERT INTO rec_fts (rowid, body) VALUES (new.id, new.body);
         END;"
    ))
    .expect("schema");
    conn
}

/// A ~1 KiB text from a counter (varied, so the trigram index grows as with real text).
fn body(i: usize) -> String {
    let words = [
        "arrest",
        "detention",
        "village",
        "police",
        "witness",
        "ការចាប់ខ្លួន",
        "អគ្គិភ័យ",
        "tribunal",
        "province",
        "blessé",
        "témoin",
        "market",
        "night",
        "soldiers",
        "released",
        "beaten",
    ];
    let mut s = String::with_capacity(1100);
    let mut x = i.wrapping_mul(2_654_435_761) | 1;
    while s.len() < 1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(words[x % words.len()]);
        s.push(' ');
    }
    s
}

fn insert(conn: &Connection, i: usize) {
    conn.execute(
        "INSERT INTO rec (kind, at, body) VALUES (?1, ?2, ?3)",
        rusqlite::params![
            ["assault", "arrest", "detention"][i % 3],
            format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
            body(i)
        ],
    )
    .expect("insert");
}

fn ms(d: &[Duration]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let commits = env("BENCH_COMMITS", 300);
    let bulk = env("BENCH_BULK", 10);
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = [1u32, 1000];
    let conns: Vec<Connection> = settings
        .iter()
        .map(|&a| open(&dir.path().join(format!("ckpt-{a}.db")), a))
        .collect();
    // A starting corpus, so that commits touch a realistic tree depth.
    for c in &conns {
        c.execute_batch("BEGIN").expect("begin");
        for i in 0..5_000 {
            insert(c, i);
        }
        c.execute_batch("COMMIT").expect("commit");
    }
    let mut single: Vec<Vec<Duration>> = vec![Vec::new(); settings.len()];
    let rounds = commits.div_ceil(25);
    for r in 0..rounds {
        for (k, c) in conns.iter().enumerate() {
            for j in 0..25 {
                let t = Instant::now();
                c.execute_batch("BEGIN").expect("begin");
                insert(c, 10_000 + r * 25 + j);
                c.execute_batch("COMMIT").expect("commit");
                single[k].push(t.elapsed());
            }
        }
    }
    let mut bulk_t: Vec<Duration> = vec![Duration::ZERO; settings.len()];
    for r in 0..bulk {
        for (k, c) in conns.iter().enumerate() {
            let t = Instant::now();
            c.execute_batch("BEGIN").expect("begin");
            for j in 0..1000 {
                insert(c, 100_000 + r * 1000 + j);
            }
            c.execute_batch("COMMIT").expect("commit");
            bulk_t[k] += t.elapsed();
        }
    }
    println!(
        "\n{} single commits and {} bulk transactions of 1,000 rows per setting, 5,000 rows first\n",
        rounds * 25,
        bulk
    );
    println!("| wal_autocheckpoint | one row per commit: median (min–max) ms | single commits/s | bulk rows/s |");
    println!("|---|---|---|---|");
    for (k, a) in settings.iter().enumerate() {
        let (m, lo, hi) = ms(&single[k]);
        let total: Duration = single[k].iter().sum();
        println!(
            "| {a} | {m:.2} ({lo:.2}–{hi:.2}) | {:.0} | {:.0} |",
            single[k].len() as f64 / total.as_secs_f64(),
            (bulk * 1000) as f64 / bulk_t[k].as_secs_f64()
        );
    }
    let m1 = ms(&single[0]).0;
    let m2 = ms(&single[1]).0;
    println!(
        "\nper-commit cost of checkpointing every commit: {:+.2} ms median ({:.2}×); bulk {:.2}×",
        m1 - m2,
        m1 / m2,
        bulk_t[0].as_secs_f64() / bulk_t[1].as_secs_f64()
    );
}
