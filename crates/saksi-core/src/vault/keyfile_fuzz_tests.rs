//! Fuzzing the key file parser (issue 15 item 5; `Parsed::from_bytes`, formats 1 and 2): seeded
//! mutations of real key files of both formats. Every input is refused as a bad, out-of-range
//! or too new key file, or parses into a key file whose parameters are within the documented
//! ranges (invariant 12: Argon2id never runs outside them) and whose bytes are the input again;
//! one parsed case in eight is also unlocked with the right passphrase, which may only succeed
//! while the header and the passphrase slot are untouched.

use std::time::Duration;

use super::*;
use crate::testutil::fuzz::{self, cases, mutate_bytes, regressions, Stats};

const CLEAR: &[&str] = &["bad_key_file", "key_file_out_of_range", "key_file_too_new"];

fn check(bytes: &[u8], originals: &[Vec<u8>], unlock: bool) -> std::result::Result<String, String> {
    let parsed = match Parsed::from_bytes(bytes) {
        Err(e) if CLEAR.contains(&e.kind()) => return Ok(e.kind().to_string()),
        Err(e) => return Err(format!("refused with the unclear kind {}: {e}", e.kind())),
        Ok(p) => p,
    };
    let params = parsed.params();
    if params.validate().is_err() {
        return Err(format!("parameters out of range were accepted: {params:?}"));
    }
    let written = match &parsed {
        Parsed::V2(k) => k.to_bytes(),
        Parsed::V1(k) => k.to_bytes(),
    };
    if written != bytes {
        return Err("a parsed key file does not write back its own bytes".into());
    }
    if !unlock || params != KdfParams::MINIMUM {
        return Ok("parsed".into());
    }
    // The header and the passphrase slot as in one of the real files: only then may it open.
    let intact = originals.iter().any(|o| {
        o.len() == bytes.len() && o[..HEADER_END + SLOT_LEN] == bytes[..HEADER_END + SLOT_LEN]
    });
    match parsed.open(&SecretString::from(
        crate::testutil::pass().expose_secret().to_string(),
    )) {
        Ok(_) if intact => Ok("parsed-opened".into()),
        Ok(_) => Err("an altered header or passphrase slot still unlocked".into()),
        Err(Error::WrongPassphrase) => Ok("parsed-wrong-passphrase".into()),
        Err(e) => Err(format!("unlocking refused with {}: {e}", e.kind())),
    }
}

#[test]
fn fuzz_key_file_parser_refuses_clearly_and_keeps_its_bounds() {
    let mk = MasterKey::generate();
    let pass = crate::testutil::pass();
    let v2 = KeyFile::seal(&mk, &pass, KdfParams::MINIMUM)
        .unwrap()
        .to_bytes();
    let v1 = LegacyKeyFile::seal(&mk, &pass, KdfParams::MINIMUM).to_bytes();
    let originals = vec![v2, v1];
    let mut stats = Stats::new("fuzz_key_file");
    let time = Duration::from_secs(20);
    // Argon2id's own memory (the minimum parameters, 64 MiB) and a margin.
    let heap = (u64::from(KdfParams::MINIMUM.memory_kib) << 10) + (16 << 20);
    for (name, bytes) in regressions("keyfile") {
        stats.case(0, &bytes, time, heap, || {
            check(&bytes, &originals, true).map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_key_file", 3000, 300_000) {
        let mut rng = fuzz::rng("fuzz_key_file", n);
        let bytes = mutate_bytes(&mut rng, &originals[(n % 2) as usize]);
        stats.case(n, &bytes, time, heap, || {
            check(&bytes, &originals, n % 8 == 0)
        });
    }
    stats.report();
}
