//! `cargo bench -p saksi-core --bench unlock`: unlock time for every key slot (issue 16). A
//! duress unlock must cost what a normal one does, so that a stopwatch cannot tell them apart:
//!
//! - the key-file step alone (one Argon2id run, all four slots tried) for the passphrase, the
//!   recovery key, the duress passphrase and a wrong passphrase;
//! - the whole unlock (`Vault::open` then lock) for the passphrase, the duress passphrase and a
//!   wrong one (which stops after the key-file step).
//!
//! Each is timed `BENCH_RUNS` times (default 7), interleaved so that load on the machine falls
//! on every case alike; the table gives the median and min–max in milliseconds.

use std::time::{Duration, Instant};

use saksi_core::vault::keyfile::KeyFile;
use saksi_core::vault::{DuressOptions, KdfProfile, Vault};
use saksi_core::SecretString;

fn ms(d: &[Duration]) -> (f64, f64, f64) {
    let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed(), r)
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7)
        .max(1);
    let profile = match std::env::var("SAKSI_KDF").as_deref() {
        Ok("minimum") => KdfProfile::Minimum,
        _ => KdfProfile::DEFAULT,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vault");
    let pass = SecretString::from("benchmark passphrase one".to_string());
    let duress = SecretString::from("benchmark duress phrase two".to_string());
    let wrong = SecretString::from("not the benchmark phrase".to_string());
    let mut v = Vault::create(&path, &pass, profile).expect("create");
    let params = v.kdf_params();
    let rk = v.add_recovery_key(false).expect("recovery key");
    v.set_duress(&duress, DuressOptions::default())
        .expect("duress");
    v.lock().expect("lock");
    let kf = KeyFile::from_bytes(&std::fs::read(path.join("vault.key")).expect("read key file"))
        .expect("key file");

    let secrets: [(&str, &[u8], bool); 4] = [
        ("passphrase", pass_bytes(&pass), true),
        ("recovery key", rk.secret(), true),
        ("duress passphrase", pass_bytes(&duress), true),
        ("wrong passphrase", pass_bytes(&wrong), false),
    ];
    let mut step = vec![Vec::new(); secrets.len()];
    let opens = [
        ("passphrase", &pass),
        ("duress passphrase", &duress),
        ("wrong passphrase", &wrong),
    ];
    let mut whole = vec![Vec::new(); opens.len()];
    for _ in 0..runs {
        for (i, (name, secret, opens_a_slot)) in secrets.iter().enumerate() {
            let (d, r) = timed(|| kf.opened_slot(secret).expect("derive"));
            assert_eq!(r.is_some(), *opens_a_slot, "{name}");
            step[i].push(d);
        }
        for (i, (name, p)) in opens.iter().enumerate() {
            let (d, r) = timed(|| Vault::open(&path, p).map(|v| v.lock()));
            assert_eq!(r.is_ok(), *name != "wrong passphrase", "{name}");
            whole[i].push(d);
        }
    }
    println!(
        "unlock per slot, Argon2id m={} MiB t={}, {runs} runs each (median, min–max ms)",
        params.memory_kib / 1024,
        params.passes
    );
    println!("| what | secret | median | min–max |");
    println!("|---|---|---|---|");
    for (i, (name, ..)) in secrets.iter().enumerate() {
        let (m, lo, hi) = ms(&step[i]);
        println!("| key-file step | {name} | {m:.0} | {lo:.0}–{hi:.0} |");
    }
    for (i, (name, _)) in opens.iter().enumerate() {
        let (m, lo, hi) = ms(&whole[i]);
        println!("| whole unlock + lock | {name} | {m:.0} | {lo:.0}–{hi:.0} |");
    }
}

fn pass_bytes(p: &SecretString) -> &[u8] {
    use secrecy::ExposeSecret;
    p.expose_secret().as_bytes()
}
