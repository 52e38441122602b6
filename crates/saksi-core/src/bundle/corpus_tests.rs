//! The signed hostile-bundle corpus (issue 15 item 4; docs/security-testing.md "Bundle corpus
//! at HQ"): bundles made with the sender's real keys, so that every check after the signatures
//! is reached — what a coerced monitor, a stolen device key or a rogue HQ can send (threat model
//! invariants 3–6, 9–11). Generated in classes: record authorship, custody chains, SHA256SUMS
//! that disagree with a correctly signed manifest (at HQ), and receipts (at the monitor). Each
//! case must be refused with a clear bundle error and leave the receiving vault byte-for-byte
//! unchanged, or be a correct no-op; each in bounded time and heap (the kit's `Stats`). Sizes:
//! small by default, `SAKSI_HARDEN=full` for the full size, `SAKSI_HARDEN_<SUITE>=N` for one.

use rand::rngs::StdRng;
use rand::Rng;
use serde_json::Value;

use super::fuzz_tests::{
    hq_with_bundle, import_case, receipt_world, resign_loose, ReceiptWorld, HEAP, TIME,
};
use super::manifest::Manifest;
use super::receipt::{self, Receipt};
use super::tests::{pack, resign, set_file, snapshot, tar_of};
use super::*;
use crate::crypto::minisign;
use crate::custody;
use crate::testutil::fuzz::{self, cases, Stats};
use crate::vault::Vault;

fn card(v: &Vault) -> Vec<u8> {
    serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap()
}

fn random_hex(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap())
        .collect()
}

/// The devices a hostile record or custody entry can name.
struct Others {
    hq: String,
    /// Another monitor HQ trusts.
    peer: Vault,
    /// A monitor HQ trusted, then revoked.
    revoked: Vault,
    /// A device HQ never trusted.
    forger: Vault,
}

fn others(s: &mut super::tests::Setup) -> Others {
    let peer = crate::testutil::named_vault(s.tmp.path(), "peer");
    let revoked = crate::testutil::named_vault(s.tmp.path(), "revoked");
    let forger = crate::testutil::named_vault(s.tmp.path(), "forger");
    keys::trust_add(&mut s.hq, &card(&peer)).unwrap();
    keys::trust_add(&mut s.hq, &card(&revoked)).unwrap();
    keys::trust_revoke(&mut s.hq, revoked.device().id()).unwrap();
    Others {
        hq: s.hq.device().id().to_string(),
        peer,
        revoked,
        forger,
    }
}

/// One record of the real bundle with its author, type or path changed (signed by the monitor).
fn authorship(rng: &mut StdRng, e: &mut [(String, Vec<u8>)], o: &Others) -> &'static str {
    let records: Vec<usize> = (0..e.len())
        .filter(|i| e[*i].0.starts_with("records/"))
        .collect();
    let i = records[rng.gen_range(0..records.len())];
    let mut v: Value = serde_json::from_slice(&e[i].1).unwrap();
    let variant = rng.gen_range(0..7);
    let who = match variant {
        0 => o.hq.clone(),
        1 => o.peer.device().id().to_string(),
        2 => o.revoked.device().id().to_string(),
        3 => o.forger.device().id().to_string(),
        _ => random_hex(rng, 32),
    };
    let class = match variant {
        0..=4 => {
            v["row"]["device_id"] = Value::String(who);
            if rng.gen_bool(0.5) {
                // A newer version than anything HQ holds, claimed for the other device.
                v["row"]["version"] = Value::from(rng.gen_range(2..1_000_000i64));
            }
            ["as-hq", "as-peer", "as-revoked", "as-forger", "as-unknown"][variant]
        }
        5 => {
            let t = ["weapon", "custody_log", "sqlite_master", "Incident", ""][rng.gen_range(0..5)];
            v["record_type"] = Value::String(t.into());
            "unknown-record-type"
        }
        _ => {
            // The same record filed under a table that does not exist, listed in the manifest.
            let t = ["weapon", "custody_log", "sqlite_master", "..", "device"][rng.gen_range(0..5)];
            let new = format!("records/{t}/{}.json", uuid::Uuid::now_v7());
            let mut m: Manifest = serde_json::from_slice(&e[0].1).unwrap();
            if let Some(f) = m.files.iter_mut().find(|f| f.path == e[i].0) {
                f.path = new.clone();
            }
            e[0].1 = serde_json::to_vec_pretty(&m).unwrap();
            e[i].0 = new;
            "unknown-table"
        }
    };
    e[i].1 = serde_json::to_vec_pretty(&v).unwrap();
    class
}

fn sign_entry(x: &mut custody::Entry, by: &Vault) {
    x.device_id = by.device().id().to_string();
    x.public_key = by.device().public_key().to_bytes().to_vec();
    x.entry_hash = x.compute_hash();
    x.signature = by.device().sign(x.entry_hash.as_bytes()).to_vec();
}

/// Links `chain` again from its first entry (prev hashes, hashes, signatures by `by`): a chain
/// that is whole in itself.
fn rechain(chain: &mut [custody::Entry], by: &Vault) {
    for i in 0..chain.len() {
        if i > 0 {
            chain[i].prev_hash = chain[i - 1].entry_hash.clone();
            chain[i].seq = chain[i - 1].seq + 1;
        }
        sign_entry(&mut chain[i], by);
    }
}

/// The real custody log edited: an entry removed, reordered, forked, altered, signed by
/// another device, or the chain rewritten whole (signed by the monitor) over what HQ holds.
fn custody_case(
    rng: &mut StdRng,
    e: &mut [(String, Vec<u8>)],
    s: &Vault,
    o: &Others,
) -> &'static str {
    let at = e.iter().position(|(n, _)| n == manifest::CUSTODY).unwrap();
    let mut chain: Vec<custody::Entry> = e[at]
        .1
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let n = chain.len();
    let i = rng.gen_range(0..n);
    let class = match rng.gen_range(0..11) {
        0 => {
            chain.remove(i);
            "removed"
        }
        1 => {
            let j = (i + rng.gen_range(1..n.max(2))) % n;
            chain.swap(i, j.min(n - 1));
            if i == j.min(n - 1) {
                chain.remove(i);
            }
            "reordered"
        }
        2 => {
            let mut fork = chain[i].clone();
            fork.id = uuid::Uuid::now_v7().to_string();
            fork.details = Some(format!("fork {}", random_hex(rng, 8)));
            sign_entry(&mut fork, s);
            chain.insert(i + 1, fork);
            "forked"
        }
        3 => {
            chain[i].entry_hash = random_hex(rng, 64);
            "hash-altered"
        }
        4 => {
            let b = rng.gen_range(0..chain[i].signature.len().max(1));
            if let Some(x) = chain[i].signature.get_mut(b) {
                *x ^= 1 << rng.gen_range(0..8);
            }
            "signature-altered"
        }
        5 => {
            sign_entry(&mut chain[i], &o.forger);
            "signed-by-untrusted"
        }
        6 => {
            sign_entry(&mut chain[i], &o.revoked);
            "signed-by-revoked"
        }
        7 => {
            // Names HQ (or the peer) as its device, signed with the monitor's key.
            chain[i].device_id = if rng.gen_bool(0.5) {
                o.hq.clone()
            } else {
                o.peer.device().id().to_string()
            };
            chain[i].entry_hash = chain[i].compute_hash();
            chain[i].signature = s.device().sign(chain[i].entry_hash.as_bytes()).to_vec();
            "claims-another-device"
        }
        8 => {
            chain[i].details = Some(format!("rewritten {}", random_hex(rng, 8)));
            chain[i].at = "2020-01-01T00:00:00Z".into();
            rechain(&mut chain, s);
            "rewritten-whole"
        }
        9 => {
            // Neither the first nor the last entry: without one of those the rest, linked
            // again, is the same entries with a gap (the class above).
            chain.remove(if n >= 3 { 1 + i % (n - 2) } else { 0 });
            rechain(&mut chain, s);
            "removed-and-rechained"
        }
        _ => {
            chain.truncate(i);
            "truncated"
        }
    };
    let mut out = Vec::new();
    for x in &chain {
        out.extend_from_slice(&serde_json::to_vec(x).unwrap());
        out.push(b'\n');
    }
    e[at].1 = out;
    class
}

/// SHA256SUMS edited and signed again by the monitor, under a manifest that is itself correct
/// and signed: the two disagree.
fn sums_case(
    rng: &mut StdRng,
    e: &mut [(String, Vec<u8>)],
    s: &Vault,
    id: &str,
    seq: i64,
) -> &'static str {
    resign(e, s, |m| {
        m.bundle_id = id.to_string();
        m.sequence = seq;
    });
    let at = e.iter().position(|(n, _)| n == manifest::SUMS).unwrap();
    let text = String::from_utf8(e[at].1.clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len();
    let i = rng.gen_range(0..n);
    let class = match rng.gen_range(0..6) {
        0 => {
            let path = lines[i].split_once("  ").map(|x| x.1).unwrap_or("");
            lines[i] = format!("{}  {path}", random_hex(rng, 64));
            "hash-changed"
        }
        1 => {
            lines.remove(i);
            "line-dropped"
        }
        2 => {
            lines.push(format!(
                "{}  records/incident/{}.json",
                random_hex(rng, 64),
                uuid::Uuid::now_v7()
            ));
            "line-added"
        }
        3 => {
            let j = (i + 1) % n;
            let (a, b) = (lines[i].clone(), lines[j].clone());
            let (ha, pa) = a.split_once("  ").unwrap_or((&a, ""));
            let (hb, pb) = b.split_once("  ").unwrap_or((&b, ""));
            lines[i] = format!("{hb}  {pa}");
            lines[j] = format!("{ha}  {pb}");
            "hashes-swapped"
        }
        4 => {
            lines.insert(i, lines[i].clone());
            "line-duplicated"
        }
        _ => {
            let path = lines[i]
                .split_once("  ")
                .map(|x| x.1)
                .unwrap_or("")
                .to_string();
            lines[i] = format!(
                "{}  {}",
                lines[i].split_once("  ").map(|x| x.0).unwrap_or(""),
                if path.contains('/') {
                    path.replacen('/', "/../", 1)
                } else {
                    format!("./{path}")
                }
            );
            "path-changed"
        }
    };
    let mut sums = lines.join("\n");
    sums.push('\n');
    let sums = sums.into_bytes();
    let m: Manifest = serde_json::from_slice(&e[0].1).unwrap();
    let sums_sig = minisign::sign(
        s.device(),
        &sums,
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    for (name, bytes) in e.iter_mut() {
        if name == manifest::SUMS {
            *bytes = sums.clone();
        } else if name == manifest::SUMS_SIG {
            *bytes = sums_sig.clone();
        }
    }
    resign(e, s, |m| {
        set_file(m, manifest::SUMS, &sums);
        set_file(m, manifest::SUMS_SIG, &sums_sig);
    });
    class
}

/// Runs `n` cases of one class at HQ (which already holds the real bundle): every case is
/// re-signed by the monitor under a fresh bundle id and sequence, so that no replay check hides
/// the check under test. Nothing may be imported, except by a variant in `may_import` (named in
/// the class as `…->imported`): a gap in a chain is allowed by design (a bundle since the last
/// one starts mid-chain), and an entry another device signed with its own key is relayed as it
/// is (authorship still needs a trusted, unrevoked author: see the authorship class).
fn run_class(
    suite: &'static str,
    may_import: &[&str],
    ci: u64,
    full: u64,
    seq_base: i64,
    mut make: impl FnMut(
        &mut StdRng,
        &mut Vec<(String, Vec<u8>)>,
        &Vault,
        &Others,
        &str,
        i64,
    ) -> (&'static str, bool),
) {
    let (mut s, _real) = hq_with_bundle();
    let o = others(&mut s);
    let to = s.hq_identity.to_public();
    let file = s.tmp.path().join("case.saksi");
    let mut before = snapshot(s.hq.dir());
    let mut stats = Stats::new(suite);
    for n in 0..cases(suite, ci, full) {
        let mut rng = fuzz::rng(suite, n);
        let mut e = s.entries.clone();
        let id = uuid::Uuid::new_v4().to_string();
        let seq = seq_base + n as i64;
        let (variant, signed) = make(&mut rng, &mut e, &s.mon, &o, &id, seq);
        if !signed {
            resign_loose(&mut e, &s.mon, false, &id, seq);
        }
        let bytes = pack(&e, &to);
        let hq = &mut s.hq;
        stats.case(n, &bytes, TIME, HEAP, || {
            let class = import_case(hq, &file, &bytes, &mut before)?;
            let allowed = class == "imported" && may_import.contains(&variant);
            if (class == "imported" && !allowed) || class.starts_with("receipt") {
                return Err(format!(
                    "{variant}: {class}: a hostile signed bundle was accepted"
                ));
            }
            Ok(format!("{variant}->{class}"))
        });
    }
    stats.report();
}

#[test]
fn fuzz_corpus_signed_record_authorship_is_refused_and_hq_is_unchanged() {
    run_class(
        "corpus_authorship",
        &[],
        40,
        3_000,
        10_000,
        |rng, e, _s, o, _, _| (authorship(rng, e, o), false),
    );
}

#[test]
fn fuzz_corpus_signed_custody_chains_are_refused_and_hq_is_unchanged() {
    run_class(
        "corpus_custody",
        &[
            "removed",
            "truncated",
            "signed-by-untrusted",
            "signed-by-revoked",
        ],
        50,
        3_500,
        20_000,
        |rng, e, s, o, _, _| (custody_case(rng, e, s, o), false),
    );
}

#[test]
fn fuzz_corpus_signed_sums_disagreeing_with_the_manifest_are_refused() {
    run_class(
        "corpus_sums",
        &[],
        30,
        1_500,
        30_000,
        |rng, e, s, _o, id, seq| (sums_case(rng, e, s, id, seq), true),
    );
}

/// Receipts at the monitor (which already recorded HQ's real receipt): forged by an untrusted
/// device, signed by another HQ the monitor knows, for bytes HQ never held, for a bundle never
/// sent, naming another HQ device, or the real receipt replayed.
#[test]
fn fuzz_corpus_receipts_forged_or_replayed_are_refused_and_the_monitor_is_unchanged() {
    let ReceiptWorld {
        tmp,
        mut mon,
        hq,
        real,
        entries,
    } = receipt_world();
    let forger = crate::testutil::named_vault(tmp.path(), "forger");
    let mut hq_b = crate::testutil::named_vault(tmp.path(), "hq_b");
    keys::keygen(&mut hq_b).unwrap();
    keys::recipient_add_card(&mut mon, "hq-b", &card(&hq_b)).unwrap();
    let to = keys::device_identity(&mon).unwrap().to_public();
    let file = tmp.path().join("case.saksi");
    std::fs::write(&file, &real).unwrap();
    assert!(matches!(
        import(&mut mon, &file, None).unwrap(),
        ImportOutcome::Receipt(_)
    ));
    let genuine: Receipt = serde_json::from_slice(&entries[0].1).unwrap();
    let mut before = snapshot(mon.dir());
    let mut stats = Stats::new("corpus_receipt");
    for n in 0..cases("corpus_receipt", 40, 2_000) {
        let mut rng = fuzz::rng("corpus_receipt", n);
        let mut r = genuine.clone();
        let mut signer = &hq;
        let variant = match rng.gen_range(0..9) {
            0 => {
                signer = &forger;
                "forged-untrusted"
            }
            1 => {
                signer = &hq_b;
                "signed-by-the-wrong-hq"
            }
            2 => {
                signer = &hq_b;
                r.hq_device_id = hq_b.device().id().to_string();
                "wrong-hq-naming-itself"
            }
            3 => {
                for it in r.items.iter_mut() {
                    it.sha256 = random_hex(&mut rng, 64);
                }
                r.receipt_id = uuid::Uuid::now_v7().to_string();
                "bytes-hq-never-held"
            }
            4 => {
                for it in r.items.iter_mut() {
                    it.record_id = uuid::Uuid::now_v7().to_string();
                }
                r.receipt_id = uuid::Uuid::now_v7().to_string();
                "records-never-sent"
            }
            5 => {
                r.bundle_id = uuid::Uuid::now_v7().to_string();
                r.bundle_sequence = rng.gen_range(2..1_000_000);
                r.receipt_id = uuid::Uuid::now_v7().to_string();
                "bundle-never-sent"
            }
            6 => {
                r.bundle_device_id = random_hex(&mut rng, 32);
                r.receipt_id = uuid::Uuid::now_v7().to_string();
                "for-another-device"
            }
            7 => "replayed-resealed",
            _ => "replayed-file",
        };
        let bytes = if variant == "replayed-file" {
            real.clone()
        } else if variant == "replayed-resealed" {
            // The same signed entries in a new envelope.
            super::tests::encrypt_to(&tar_of(&entries), &to)
        } else {
            let out = tmp.path().join("sealed.saksi");
            receipt::seal(signer, &r, &to, &out, |_| Ok(())).unwrap();
            std::fs::read(&out).unwrap()
        };
        let replay = variant.starts_with("replayed");
        let signer_is_hq = std::ptr::eq(signer, &hq);
        let prior = before.clone();
        let m = &mut mon;
        stats.case(n, &bytes, TIME, HEAP, || {
            let class = import_case(m, &file, &bytes, &mut before)?;
            let ok = if replay {
                class == "receipt-already-received"
            } else if signer_is_hq {
                // Signed by the pinned HQ: recorded, but its items name bytes the monitor does
                // not hold, so they must never be erased (checked by the purge below).
                class == "receipt-recorded" || !class.starts_with("receipt")
            } else {
                !class.starts_with("receipt") && class != "imported"
            };
            if !ok {
                return Err(format!("{variant}: {class}: accepted"));
            }
            Ok(format!("{variant}->{class}"))
        });
        // A replay is a no-op: not one byte of the monitor's vault may change.
        if replay && snapshot(mon.dir()) != prior {
            panic!("{variant}: a replayed receipt changed the monitor's vault");
        }
    }
    // Invariant 10: the purge erases exactly what the genuine receipt confirmed, as in a world
    // that received the genuine receipt alone; none of the hostile receipts adds anything.
    let got = receipt::purge_received(&mut mon).unwrap();
    let mut control = receipt_world();
    let file = control.tmp.path().join("r.saksi");
    import(&mut control.mon, &file, None).unwrap();
    let want = receipt::purge_received(&mut control.mon).unwrap();
    assert_eq!(
        got.purged, want.purged,
        "hostile receipts changed what the monitor erases"
    );
    stats.report();
}
