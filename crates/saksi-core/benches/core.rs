//! `cargo bench -p saksi-core`: the core's speed as ratios against baselines measured in the same
//! run on the same machine (absolute times on these machines are noise):
//!
//! - intake: streaming hash + age encryption of a 256 MiB file, against plain SHA-256 of the same
//!   bytes (how much the encryption costs on top of the hashing we must do anyway);
//! - verify: decrypt + re-hash of that attachment, against plain SHA-256;
//! - unlock: the calibrated Argon2id unlock, against the 0.5–1 s band the design asks for;
//! - search: over 2,000 incidents, a rare Khmer term (trigram index), a term in every record,
//!   and a two-character query (LIKE scan).

use std::io::Read;
use std::time::{Duration, Instant};

use saksi_core::model::IncidentInput;
use saksi_core::search::SearchQuery;
use saksi_core::vault::{KdfProfile, Vault};
use saksi_core::SecretString;
use sha2::{Digest, Sha256};

const MIB: usize = 1 << 20;

fn best_of<F: FnMut()>(n: usize, mut f: F) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pass = SecretString::from("benchmark passphrase".to_string());

    // Unlock with the calibrated profile, as a user's vault would be made.
    let vpath = dir.path().join("vault");
    let v = Vault::create(&vpath, &pass, KdfProfile::DEFAULT).expect("create");
    let params = v.kdf_params();
    v.lock().expect("lock");
    let unlock = best_of(3, || {
        Vault::open(&vpath, &pass)
            .expect("open")
            .lock()
            .expect("lock");
    });
    println!(
        "unlock (calibrated Argon2id m={} MiB t={}): {:.2} s  [target band 0.5–1.0 s]",
        params.memory_kib / 1024,
        params.passes,
        unlock.as_secs_f64()
    );

    let mut v = Vault::open(&vpath, &pass).expect("open");
    let inc = v
        .incidents_mut()
        .add(&IncidentInput {
            title: "bench".into(),
            ..Default::default()
        })
        .expect("incident");

    // Intake vs SHA-256 alone.
    let size = 256 * MIB;
    let src = dir.path().join("big.bin");
    let mut data = vec![0u8; size];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3];
    }
    std::fs::write(&src, &data).expect("write source");
    drop(data);
    let sha_only = best_of(3, || {
        let mut f = std::fs::File::open(&src).expect("open");
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        std::hint::black_box(h.finalize());
    });
    let mut last = None;
    let intake = best_of(3, || {
        last = Some(
            saksi_core::evidence::intake_path(
                &mut v,
                saksi_core::model::RecordType::Incident,
                &inc,
                &src,
            )
            .expect("intake")
            .attachment,
        );
    });
    let mbps = |d: Duration| size as f64 / MIB as f64 / d.as_secs_f64();
    println!(
        "intake 256 MiB: {:.0} MiB/s; sha256 alone {:.0} MiB/s; ratio intake/sha256 = {:.2}x",
        mbps(intake),
        mbps(sha_only),
        intake.as_secs_f64() / sha_only.as_secs_f64()
    );
    let att = last.expect("an attachment");
    let id = saksi_core::model::parse_id("attachment", &att.id).expect("id");
    let verify = best_of(3, || {
        saksi_core::evidence::verify_one(&v, &id).expect("verify");
    });
    println!(
        "verify 256 MiB (decrypt + hash): {:.0} MiB/s; ratio verify/sha256 = {:.2}x",
        mbps(verify),
        verify.as_secs_f64() / sha_only.as_secs_f64()
    );

    // Search over 2,000 incidents: a rare Khmer term through the trigram index, a term every
    // incident holds (2,001 matches, more than search::RANK_AT_MOST: listed newest first, not
    // ranked), and a two-character query (a LIKE scan).
    for i in 0..2000 {
        v.incidents_mut()
            .add(&IncidentInput {
                title: format!("ព្រឹត្តិការណ៍ ភូមិ{i:04} ការវាយដំ"),
                description: "Detailed description of what happened at the scene ".repeat(8),
                ..Default::default()
            })
            .expect("incident");
    }
    let q = |t: &str| SearchQuery {
        text: Some(t.into()),
        ..Default::default()
    };
    let time = |t: &str| {
        best_of(5, || {
            let hits = v.search(&q(t)).expect("search");
            assert!(!hits.is_empty(), "{t} must match");
            std::hint::black_box(hits);
        })
    };
    let rare = time("ភូមិ1234");
    let common = time("វាយដំ");
    let scan = time("វា");
    println!(
        "search over 2,001 incidents: rare term {:.2} ms, term in every record {:.1} ms, 2-character scan {:.1} ms; ratio scan/rare = {:.1}x",
        rare.as_secs_f64() * 1e3,
        common.as_secs_f64() * 1e3,
        scan.as_secs_f64() * 1e3,
        scan.as_secs_f64() / rare.as_secs_f64()
    );
    v.lock().expect("lock");
}
