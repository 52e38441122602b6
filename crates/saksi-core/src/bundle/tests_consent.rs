//! Consent withdrawals in crafted bundles (issue 13; invariants 9 and 11): a withdrawal entry
//! altered in transit, or signed with details that are not the documented ones, refuses the
//! whole bundle and changes no byte; a genuine one signed by the coerced monitor is applied,
//! and it can only narrow consent (HQ's copy stays, restricted).

use super::manifest;
use super::tests::{expect_refused, pack, rebuild, setup, unpack, Setup};
use super::*;
use crate::consent::WithdrawalInput;
use crate::custody;
use crate::model::testimony::{Consent, TestimonyInput};

/// The monitor's second bundle, unpacked: a testimony with consent to publication and a
/// withdrawal of that consent. Gives the entries and the testimony's id.
fn withdrawn_bundle(s: &mut Setup) -> (Vec<(String, Vec<u8>)>, uuid::Uuid) {
    let inc = s.mon.incidents().list().unwrap()[0].id.clone();
    let t = s
        .mon
        .testimonies_mut()
        .add(&TestimonyInput {
            incident_id: inc,
            anonymous: true,
            body: "ខ្ញុំបានឃើញ".into(),
            consent: Consent {
                share_with_hq: true,
                publication: "anonymous".into(),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    s.mon
        .withdraw_consent(
            &t,
            &WithdrawalInput {
                purpose: "publication".into(),
                withdrawn_at: None,
                how: "phone call".into(),
                recorded_by: "Monitor 7".into(),
            },
        )
        .unwrap();
    let out = s.tmp.path().join("w.saksi");
    export(
        &mut s.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            since_last: true,
            ..Default::default()
        },
    )
    .unwrap();
    (unpack(&std::fs::read(&out).unwrap(), &s.hq_identity), t)
}

/// `entries` with the withdrawal entry changed by `edit`, re-packed (manifest and sums re-signed
/// by the monitor, as a coerced laptop would).
fn with_withdrawal(
    s: &Setup,
    entries: &[(String, Vec<u8>)],
    edit: impl Fn(&mut custody::Entry),
) -> Vec<u8> {
    let mut e = entries.to_vec();
    let pos = e.iter().position(|(n, _)| n == manifest::CUSTODY).unwrap();
    let mut jsonl = Vec::new();
    for line in e[pos].1.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let mut x: custody::Entry = serde_json::from_slice(line).unwrap();
        if x.action == "consent_withdrawn" {
            edit(&mut x);
        }
        jsonl.extend(serde_json::to_vec(&x).unwrap());
        jsonl.push(b'\n');
    }
    e[pos].1 = jsonl;
    rebuild(&mut e, &s.mon);
    pack(&e, &s.hq_identity.to_public())
}

#[test]
fn a_withdrawal_altered_or_signed_with_other_details_refuses_the_bundle() {
    let mut s = setup();
    let (entries, t) = withdrawn_bundle(&mut s);
    let first = s.tmp.path().join("b.saksi");
    import(&mut s.hq, &first, None).unwrap();

    // Changed in transit (a narrowing turned into another purpose): the entry's hash breaks.
    let bytes = with_withdrawal(&s, &entries, |e| {
        e.details = e
            .details
            .as_ref()
            .map(|d| d.replace("publication", "legal_proceedings"));
    });
    expect_refused(&mut s, "withdrawal_altered", bytes, "bundle_custody_broken");

    // Re-signed by the monitor's own key, but with a purpose Saksi does not know.
    let mon_key = s.mon.device().public_key();
    let bytes = with_withdrawal(&s, &entries, |e| {
        e.details = Some(
            r#"{"purpose":"everything","withdrawn_at":"2026-12-01","how":"x","recorded_by":"y"}"#
                .into(),
        );
        e.entry_hash = e.compute_hash();
        e.signature = s.mon.device().sign(e.entry_hash.as_bytes()).to_vec();
        assert_eq!(e.public_key, mon_key.to_bytes().to_vec());
    });
    expect_refused(&mut s, "withdrawal_bad_details", bytes, "bundle_malformed");

    // The genuine bundle: applied once; the same bundle again changes nothing.
    let genuine = pack(&entries, &s.hq_identity.to_public());
    let file = s.tmp.path().join("genuine.saksi");
    std::fs::write(&file, genuine).unwrap();
    match import(&mut s.hq, &file, None).unwrap() {
        ImportOutcome::Imported(sum) => assert_eq!(sum.consent_withdrawals, 1),
        other => panic!("expected an import, got {other:?}"),
    }
    let state = s.hq.consent_state(&t).unwrap();
    assert_eq!(state.effective.publication, "none");
    assert_eq!(
        s.hq.testimonies().get(&t).unwrap().consent.publication,
        "anonymous",
        "HQ's record is restricted through effective consent, never rewritten"
    );
    assert!(matches!(
        import(&mut s.hq, &file, None).unwrap(),
        ImportOutcome::AlreadyImported(_)
    ));
}
