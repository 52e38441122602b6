//! Fuzzing the bundle and receipt readers (issue 15 item 5): seeded structured mutations of a
//! real bundle and a real receipt, at every layer a courier, a jammer or a rogue signer reaches:
//! the outer file, the decrypted tar stream, the manifest's and the records' JSON alone, and
//! entries re-signed by the trusted monitor itself (so that the checks after the signatures are
//! reached). Every case must be refused with a clear bundle error and leave the vault
//! byte-for-byte unchanged, or be a correct import (a no-op for the real bundle; a signed record
//! that is valid is stored, after which the vault must still verify); each in bounded time and
//! heap. Kept inputs in `tests/fuzz-regressions/` are replayed first. The AFL++ targets over the
//! same entry points are in `fuzz/` (`scripts/fuzz.sh`).

use std::io::Read;
use std::time::Duration;

use rand::Rng;

use super::manifest::Manifest;
use super::tests::{pack, setup, snapshot, unpack, Setup};
use super::*;
use crate::crypto::minisign;
use crate::error::Error;
use crate::testutil::fuzz::{
    self, cases, mutate_bytes, mutate_json, regressions, Stats, UNCLEAR_KINDS,
};
use crate::vault::Vault;

pub(super) const TIME: Duration = Duration::from_secs(20);
/// Heap one case may hold: the largest single read is the manifest (32 MiB) and a record
/// (8 MiB); these inputs are far smaller, so anything near this is a finding.
pub(super) const HEAP: u64 = 96 << 20;

/// The kind of a refusal, or why it is not a clear one.
pub(super) fn refusal(e: &Error) -> std::result::Result<String, String> {
    let kind = e.kind();
    if UNCLEAR_KINDS.contains(&kind) {
        return Err(format!("refused with the unclear kind {kind}: {e}"));
    }
    if !e.to_string().contains("nothing was imported") && matches!(e, Error::Bundle(_)) {
        return Err(format!(
            "{kind}: the message does not say nothing was imported: {e}"
        ));
    }
    Ok(kind.to_string())
}

/// Imports `bytes` into `vault`; refused: the vault must be unchanged. Gives the class.
pub(super) fn import_case(
    vault: &mut Vault,
    file: &std::path::Path,
    bytes: &[u8],
    before: &mut std::collections::BTreeMap<std::path::PathBuf, String>,
) -> std::result::Result<String, String> {
    std::fs::write(file, bytes).map_err(|e| e.to_string())?;
    let out = import(vault, file, None);
    let after = snapshot(vault.dir());
    match out {
        Err(e) => {
            let class = refusal(&e)?;
            if after != *before {
                return Err(format!(
                    "{class}: a refused import changed the vault's files"
                ));
            }
            Ok(class)
        }
        Ok(outcome) => {
            let class = match &outcome {
                ImportOutcome::Imported(_) => "imported",
                ImportOutcome::AlreadyImported(_) => "already-imported",
                ImportOutcome::Receipt(r) if r.already_received => "receipt-already-received",
                ImportOutcome::Receipt(_) => "receipt-recorded",
            };
            if after != *before {
                let report = vault
                    .verify()
                    .map_err(|e| format!("{class}: verify failed: {e}"))?;
                if !report.ok() {
                    return Err(format!(
                        "{class}: the vault no longer verifies: {:?}",
                        report.lines()
                    ));
                }
                *before = after;
            }
            Ok(class.to_string())
        }
    }
}

/// HQ with the real bundle already imported (so the real bundle again is a no-op).
pub(super) fn hq_with_bundle() -> (Setup, Vec<u8>) {
    let mut s = setup();
    let real = std::fs::read(s.tmp.path().join("b.saksi")).unwrap();
    import(&mut s.hq, &s.tmp.path().join("b.saksi"), None).unwrap();
    (s, real)
}

#[test]
fn fuzz_bundle_file_mutations_are_refused_and_hq_is_unchanged() {
    let (mut s, real) = hq_with_bundle();
    let file = s.tmp.path().join("case.saksi");
    let mut before = snapshot(s.hq.dir());
    let mut stats = Stats::new("fuzz_bundle_file");
    for (name, bytes) in regressions("bundle_file") {
        let hq = &mut s.hq;
        stats.case(0, &bytes, TIME, HEAP, || {
            import_case(hq, &file, &bytes, &mut before)
                .map(|c| format!("regression-{c}"))
                .map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_bundle_file", 150, 20_000) {
        let mut rng = fuzz::rng("fuzz_bundle_file", n);
        let bytes = mutate_bytes(&mut rng, &real);
        let hq = &mut s.hq;
        let same = bytes == real;
        stats.case(n, &bytes, TIME, HEAP, || {
            let class = import_case(hq, &file, &bytes, &mut before)?;
            if class == "imported" || (class == "already-imported" && !same) {
                return Err(format!("{class}: an altered bundle file was accepted"));
            }
            Ok(class)
        });
    }
    stats.report();
}

#[test]
fn fuzz_bundle_plain_tar_mutations_are_refused_and_hq_is_unchanged() {
    let (mut s, real) = hq_with_bundle();
    let to = s.hq_identity.to_public();
    let plain = {
        let d = age::Decryptor::new(real.as_slice()).unwrap();
        let mut r = d
            .decrypt(std::iter::once(&s.hq_identity as &dyn age::Identity))
            .unwrap();
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        v
    };
    let file = s.tmp.path().join("case.saksi");
    let mut before = snapshot(s.hq.dir());
    let mut stats = Stats::new("fuzz_bundle_plain");
    for (name, bytes) in regressions("bundle_plain") {
        let hq = &mut s.hq;
        let enc = super::tests::encrypt_to(&bytes, &to);
        stats.case(0, &bytes, TIME, HEAP, || {
            import_case(hq, &file, &enc, &mut before)
                .map(|c| format!("regression-{c}"))
                .map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_bundle_plain", 150, 20_000) {
        let mut rng = fuzz::rng("fuzz_bundle_plain", n);
        let bytes = mutate_bytes(&mut rng, &plain);
        let enc = super::tests::encrypt_to(&bytes, &to);
        let hq = &mut s.hq;
        stats.case(n, &bytes, TIME, HEAP, || {
            let class = import_case(hq, &file, &enc, &mut before)?;
            // The same signed manifest with other bytes around it may only be the real bundle
            // again (a no-op): anything stored from an altered archive is a finding.
            if class == "imported" {
                return Err("an altered archive was imported".into());
            }
            Ok(class)
        });
    }
    stats.report();
}

#[test]
fn fuzz_manifest_json_is_parsed_or_refused_clearly() {
    let s = setup();
    let manifest = s.entries[0].1.clone();
    let mut stats = Stats::new("fuzz_manifest_json");
    let check = |bytes: &[u8]| match Manifest::parse(bytes) {
        Ok(m) => {
            // What parses is within the limits the parser promises.
            if m.files.len() > limits::MAX_FILES || m.sequence <= 0 {
                return Err("a manifest over its limits was accepted".to_string());
            }
            Ok("parsed".to_string())
        }
        Err(e) => {
            let e = Error::from(e);
            Ok(e.kind().to_string())
        }
    };
    for (name, bytes) in regressions("manifest") {
        stats.case(0, &bytes, TIME, HEAP, || {
            check(&bytes).map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_manifest_json", 1500, 200_000) {
        let mut rng = fuzz::rng("fuzz_manifest_json", n);
        let bytes = mutate_json(&mut rng, &manifest);
        stats.case(n, &bytes, TIME, HEAP, || check(&bytes));
    }
    stats.report();
}

#[test]
fn fuzz_record_json_is_validated_or_refused_clearly() {
    let s = setup();
    let records: Vec<(String, Vec<u8>)> = s
        .entries
        .iter()
        .filter(|(n, _)| n.starts_with("records/"))
        .cloned()
        .collect();
    let mut stats = Stats::new("fuzz_record_json");
    let hq = &s.hq;
    let check = |path: &str, bytes: &[u8]| match import::check_record_file(hq, path, bytes) {
        Ok(()) => Ok("valid".to_string()),
        Err(e) => refusal(&e),
    };
    for (name, bytes) in regressions("record") {
        let at = bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len());
        let path = String::from_utf8_lossy(&bytes[..at]).into_owned();
        let json = bytes.get(at + 1..).unwrap_or_default().to_vec();
        stats.case(0, &bytes, TIME, HEAP, || {
            check(&path, &json).map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_record_json", 1500, 200_000) {
        let mut rng = fuzz::rng("fuzz_record_json", n);
        let (path, json) = &records[rng.gen_range(0..records.len())];
        let bytes = mutate_json(&mut rng, json);
        let mut kept = path.clone().into_bytes();
        kept.push(b'\n');
        kept.extend_from_slice(&bytes);
        stats.case(n, &kept, TIME, HEAP, || check(path, &bytes));
    }
    stats.report();
}

/// One entry of the real bundle mutated (a record, the custody log, SHA256SUMS or the manifest),
/// then the bundle rebuilt and re-signed by the trusted monitor under a new id and sequence: what
/// a stolen device key or a rogue monitor can send. The checks after the signatures must hold.
#[test]
fn fuzz_signed_bundle_entries_from_a_trusted_signer_are_checked_clearly() {
    let (mut s, _real) = hq_with_bundle();
    let to = s.hq_identity.to_public();
    let file = s.tmp.path().join("case.saksi");
    let mut before = snapshot(s.hq.dir());
    let mut stats = Stats::new("fuzz_bundle_signed");
    for n in 0..cases("fuzz_bundle_signed", 120, 10_000) {
        let mut rng = fuzz::rng("fuzz_bundle_signed", n);
        let mut e = s.entries.clone();
        let pick = rng.gen_range(0..e.len());
        let (name, bytes) = &e[pick];
        let mutated = match name.as_str() {
            manifest::MANIFEST_SIG | manifest::SUMS_SIG => mutate_bytes(&mut rng, bytes),
            manifest::CUSTODY => {
                let lines: Vec<&[u8]> = bytes
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.is_empty())
                    .collect();
                let i = rng.gen_range(0..lines.len().max(1));
                let mut out = Vec::new();
                for (j, l) in lines.iter().enumerate() {
                    if j == i {
                        out.extend_from_slice(
                            &mutate_json(&mut rng, l)
                                .into_iter()
                                .filter(|b| *b != b'\n')
                                .collect::<Vec<u8>>(),
                        );
                    } else {
                        out.extend_from_slice(l);
                    }
                    out.push(b'\n');
                }
                out
            }
            _ => mutate_json(&mut rng, bytes),
        };
        e[pick].1 = mutated;
        let fresh_id = uuid::Uuid::new_v4().to_string();
        let seq = 1000 + n as i64;
        resign_loose(&mut e, &s.mon, pick == 0, &fresh_id, seq);
        let bytes = pack(&e, &to);
        let hq = &mut s.hq;
        stats.case(n, &bytes, TIME, HEAP, || {
            import_case(hq, &file, &bytes, &mut before)
        });
    }
    stats.report();
}

/// [`super::tests::rebuild`] for possibly broken entries: a manifest that still parses gets the
/// fresh id and sequence, every listed hash and size, SHA256SUMS and both signatures; a manifest
/// that no longer parses (it was the mutated entry) is signed as it is.
pub(super) fn resign_loose(
    e: &mut [(String, Vec<u8>)],
    signer: &Vault,
    manifest_mutated: bool,
    id: &str,
    seq: i64,
) {
    let parsed: Option<Manifest> = serde_json::from_slice(&e[0].1).ok();
    let Some(mut m) = parsed else {
        let comment = "saksi-bundle v1 unparsable".to_string();
        e[1].1 = minisign::sign(signer.device(), &e[0].1, &comment).into_bytes();
        return;
    };
    if !manifest_mutated {
        m.bundle_id = id.to_string();
        m.sequence = seq;
    }
    for (name, bytes) in e.iter().skip(2) {
        if name != manifest::SUMS && name != manifest::SUMS_SIG {
            if let Some(f) = m.files.iter_mut().find(|f| &f.path == name) {
                f.sha256 = sha256_hex(bytes);
                f.size = bytes.len() as u64;
            }
        }
    }
    let sums = m.sums_file().into_bytes();
    let sums_sig = minisign::sign(
        signer.device(),
        &sums,
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    for f in m.files.iter_mut() {
        if f.path == manifest::SUMS {
            f.sha256 = sha256_hex(&sums);
            f.size = sums.len() as u64;
        } else if f.path == manifest::SUMS_SIG {
            f.sha256 = sha256_hex(&sums_sig);
            f.size = sums_sig.len() as u64;
        }
    }
    for (name, bytes) in e.iter_mut() {
        if name == manifest::SUMS {
            *bytes = sums.clone();
        } else if name == manifest::SUMS_SIG {
            *bytes = sums_sig.clone();
        }
    }
    let bytes = if manifest_mutated {
        e[0].1.clone()
    } else {
        let mut b = serde_json::to_vec_pretty(&m).unwrap();
        b.push(b'\n');
        b
    };
    e[1].1 = minisign::sign(signer.device(), &bytes, &m.trusted_comment()).into_bytes();
    e[0].1 = bytes;
}

/// The monitor (HQ registered from its card), HQ holding the monitor's bundle, and HQ's receipt
/// for it, unpacked with the monitor's device key.
pub(super) struct ReceiptWorld {
    pub tmp: tempfile::TempDir,
    pub mon: Vault,
    pub hq: Vault,
    pub real: Vec<u8>,
    pub entries: Vec<(String, Vec<u8>)>,
}

pub(super) fn receipt_world() -> ReceiptWorld {
    let tmp = tempfile::tempdir().unwrap();
    let mut mon = crate::testutil::named_vault(tmp.path(), "mon");
    let mut hq = crate::testutil::named_vault(tmp.path(), "hq");
    let card = |v: &Vault| serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap();
    keys::keygen(&mut hq).unwrap();
    keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
    keys::trust_add(&mut hq, &card(&mon)).unwrap();
    crate::testutil::incident(&mut mon, "ការចាប់ខ្លួន");
    let b = tmp.path().join("b.saksi");
    export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: b.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    import(&mut hq, &b, None).unwrap();
    let r = tmp.path().join("r.saksi");
    write_receipt(&mut hq, None, &r).unwrap();
    let real = std::fs::read(&r).unwrap();
    let entries = unpack(&real, &keys::device_identity(&mon).unwrap());
    ReceiptWorld {
        tmp,
        mon,
        hq,
        real,
        entries,
    }
}

#[test]
fn fuzz_receipts_outer_and_signed_are_refused_clearly_and_the_monitor_is_unchanged() {
    let mut w = receipt_world();
    let to = keys::device_identity(&w.mon).unwrap().to_public();
    let file = w.tmp.path().join("case.saksi");
    let mut before = snapshot(w.mon.dir());
    let mut stats = Stats::new("fuzz_receipt");
    for (name, bytes) in regressions("receipt_file") {
        let mon = &mut w.mon;
        stats.case(0, &bytes, TIME, HEAP, || {
            import_case(mon, &file, &bytes, &mut before)
                .map(|c| format!("regression-{c}"))
                .map_err(|e| format!("{name}: {e}"))
        });
    }
    let json = w.entries[0].1.clone();
    let comment = minisign::SignatureFile::parse(&w.entries[1].1)
        .unwrap()
        .trusted_comment;
    for n in 0..cases("fuzz_receipt", 200, 20_000) {
        let mut rng = fuzz::rng("fuzz_receipt", n);
        let bytes = match n % 3 {
            // The file as it arrives (a courier's damage).
            0 => mutate_bytes(&mut rng, &w.real),
            // The archive inside, re-encrypted to the monitor.
            1 => {
                let e = w.entries.clone();
                super::tests::encrypt_to(&mutate_bytes(&mut rng, &super::tests::tar_of(&e)), &to)
            }
            // The receipt's JSON, signed again by HQ's own key: the checks after the signature.
            _ => {
                let mutated = mutate_json(&mut rng, &json);
                let v: Option<serde_json::Value> = serde_json::from_slice(&mutated).ok();
                let field = |k: &str| {
                    v.as_ref().and_then(|v| v.get(k)).map(|x| match x {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                };
                let comment = match (
                    field("version"),
                    field("receipt_id"),
                    field("bundle_id"),
                    field("bundle_device_id"),
                    field("bundle_sequence"),
                ) {
                    (Some(ver), Some(id), Some(b), Some(d), Some(seq)) => {
                        format!("saksi-receipt v{ver} id {id} bundle {b} device {d} seq {seq}")
                    }
                    _ => comment.clone(),
                };
                let sig = minisign::sign(w.hq.device(), &mutated, &comment).into_bytes();
                let e = vec![
                    (receipt::RECEIPT.to_string(), mutated),
                    (receipt::RECEIPT_SIG.to_string(), sig),
                ];
                pack(&e, &to)
            }
        };
        let mon = &mut w.mon;
        let real = &w.real;
        stats.case(n, &bytes, TIME, HEAP, || {
            let class = import_case(mon, &file, &bytes, &mut before)?;
            if n % 3 == 0 && class == "receipt-recorded" && bytes != *real {
                return Err("an altered receipt file was recorded".into());
            }
            Ok(class)
        });
    }
    stats.report();
}
