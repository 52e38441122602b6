//! Consent withdrawals: the operation's refusals, effective consent, and the journey of a
//! withdrawal from the monitor to HQ and back in a receipt (bundles: invariants 6, 9, 11).

use std::path::PathBuf;

use super::*;
use crate::bundle::keys;
use crate::bundle::{self, receipt, ExportOptions, ImportOutcome};
use crate::model::testimony::TestimonyInput;
use crate::testutil::{self, World};

/// A monitor that registered HQ from HQ's card (so that HQ's receipts are accepted), HQ trusting
/// the monitor.
fn card_world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let mut mon = testutil::named_vault(tmp.path(), "mon");
    let mut hq = testutil::named_vault(tmp.path(), "hq");
    keys::keygen(&mut hq).unwrap();
    let card = |v: &Vault| serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap();
    keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
    keys::trust_add(&mut hq, &card(&mon)).unwrap();
    World { tmp, mon, hq }
}

fn testimony(v: &mut Vault, incident: &Uuid, publication: &str) -> Uuid {
    v.testimonies_mut()
        .add(&TestimonyInput {
            incident_id: incident.to_string(),
            body: "ខ្ញុំបានឃើញប៉ូលិសវាយគាត់។".into(),
            consent: Consent {
                internal_use: true,
                share_with_hq: true,
                legal_proceedings: true,
                publication: publication.into(),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap()
}

fn withdrawal(purpose: &str) -> WithdrawalInput {
    WithdrawalInput {
        purpose: purpose.into(),
        withdrawn_at: Some("2026-12-01T10:30".into()),
        how: "phone call".into(),
        recorded_by: "Monitor 7".into(),
    }
}

fn export(dir: &std::path::Path, v: &mut Vault, n: &str, since_last: bool) -> PathBuf {
    let out = dir.join(format!("{n}.saksi"));
    bundle::export(
        v,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            since_last,
            ..Default::default()
        },
    )
    .unwrap();
    out
}

fn imported(v: &mut Vault, file: &std::path::Path) -> bundle::import::ImportSummary {
    match bundle::import(v, file, None).unwrap() {
        ImportOutcome::Imported(s) => s,
        other => panic!("expected an import, got {other:?}"),
    }
}

#[test]
fn a_withdrawal_narrows_effective_consent_and_is_a_signed_custody_entry() {
    let (_d, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "t");
    let t = testimony(&mut v, &inc, "named");
    let w = v.withdraw_consent(&t, &withdrawal("publication")).unwrap();
    assert_eq!(w.purpose, Purpose::Publication);
    assert_eq!(w.withdrawn_at, "2026-12-01T10:30");
    let state = v.consent_state(&t).unwrap();
    assert_eq!(
        state.effective.publication, "none",
        "a withdrawal of publication must make the effective consent 'none'"
    );
    assert!(state.effective.share_with_hq && state.effective.legal_proceedings);
    assert_eq!(
        v.testimonies().get(&t).unwrap().consent.publication,
        "named",
        "a withdrawal never edits the testimony record (no new version, no conflict)"
    );
    let entries = custody::entries_for(&v, &t.to_string()).unwrap();
    let e = entries
        .iter()
        .find(|e| e.action == "consent_withdrawn")
        .expect("the withdrawal must be a custody entry about the testimony");
    assert_eq!(e.id, w.id, "the withdrawal's id is its custody entry's id");
    e.check()
        .expect("the withdrawal entry must be signed by this device");
    check_entry(e).expect("the entry the operation writes must pass the import check");

    // Withdrawing sharing with HQ withdraws every use that goes through HQ.
    v.withdraw_consent(&t, &withdrawal("share-with-hq"))
        .unwrap();
    let state = v.consent_state(&t).unwrap();
    assert!(!state.effective.share_with_hq && !state.effective.legal_proceedings);
    assert!(
        state.effective.internal_use,
        "internal use stays with the monitor"
    );
    assert_eq!(state.withdrawals.len(), 2);
}

#[test]
fn bad_withdrawals_are_refused_with_their_own_kind_and_change_nothing() {
    let (_d, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "t");
    let t = testimony(&mut v, &inc, "anonymous");
    let log = custody::entries(&v).unwrap().len();
    let kind = |r: Result<Withdrawal>| r.unwrap_err().kind();
    assert_eq!(
        kind(v.withdraw_consent(&t, &withdrawal("the press"))),
        "consent_unknown_purpose"
    );
    let mut no_how = withdrawal("publication");
    no_how.how = "  ".into();
    assert_eq!(
        kind(v.withdraw_consent(&t, &no_how)),
        "consent_withdrawal_incomplete"
    );
    let mut no_by = withdrawal("publication");
    no_by.recorded_by = String::new();
    assert_eq!(
        kind(v.withdraw_consent(&t, &no_by)),
        "consent_withdrawal_incomplete"
    );
    let mut bad_date = withdrawal("publication");
    bad_date.withdrawn_at = Some("2026-02-30".into());
    assert_eq!(kind(v.withdraw_consent(&t, &bad_date)), "invalid_input");
    assert_eq!(
        kind(v.withdraw_consent(&Uuid::now_v7(), &withdrawal("publication"))),
        "not_found"
    );
    assert_eq!(
        custody::entries(&v).unwrap().len(),
        log,
        "a refused withdrawal must write no custody entry"
    );
    v.withdraw_consent(&t, &withdrawal("publication")).unwrap();
    assert_eq!(
        kind(v.withdraw_consent(&t, &withdrawal("publication"))),
        "consent_already_withdrawn"
    );
}

#[test]
fn a_read_only_vault_refuses_a_withdrawal() {
    let (dir, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "t");
    let t = testimony(&mut v, &inc, "anonymous");
    v.lock().unwrap();
    let mut ro = Vault::open_in(
        &dir.path().join("v"),
        &testutil::pass(),
        crate::vault::OpenMode::ReadOnly,
    )
    .unwrap();
    assert_eq!(
        ro.withdraw_consent(&t, &withdrawal("publication"))
            .unwrap_err()
            .kind(),
        "vault_read_only"
    );
}

/// The issue's journey, in the core: bundle 1 carries the testimony with consent to
/// publication; the withdrawal travels alone in bundle 2 (`--since-last`: nothing else
/// changed), HQ applies it (its Uwazi publication export and report drill-down lose the
/// testimony), re-importing changes nothing, and HQ's receipt confirms it to the monitor.
#[test]
fn a_withdrawal_after_the_first_bundle_reaches_hq_and_its_receipt_confirms_it() {
    let mut w = card_world();
    let inc = testutil::incident(&mut w.mon, "ការចាប់ខ្លួន");
    let t = testimony(&mut w.mon, &inc, "anonymous");
    let b1 = export(w.tmp.path(), &mut w.mon, "b1", false);
    imported(&mut w.hq, &b1);
    let counts = |hq: &Vault| {
        hq.report_counts(&crate::report::counts::CountsQuery::by(
            crate::report::counts::Dimension::Kind,
        ))
        .unwrap()
        .data
        .total
        .testimony_ids
    };
    assert_eq!(counts(&w.hq), vec![t.to_string()]);

    let wd = w
        .mon
        .withdraw_consent(&t, &withdrawal("publication"))
        .unwrap();
    let b2 = export(w.tmp.path(), &mut w.mon, "b2", true);
    let hq_before = crate::testutil::tree_hash(w.hq.dir());
    let s = imported(&mut w.hq, &b2);
    assert_eq!(s.consent_withdrawals, 1, "HQ must apply the withdrawal");
    assert!(s.added.is_empty() && s.updated.is_empty());
    assert_ne!(hq_before, crate::testutil::tree_hash(w.hq.dir()));
    let at_hq = w.hq.consent_state(&t).unwrap();
    assert_eq!(at_hq.effective.publication, "none");
    assert_eq!(at_hq.withdrawals[0].id, wd.id);
    assert_eq!(at_hq.withdrawals[0].device_id, w.mon.device().id());
    assert!(
        counts(&w.hq).is_empty(),
        "HQ's report drill-down must leave out a testimony whose publication was withdrawn"
    );
    assert!(
        matches!(
            bundle::import(&mut w.hq, &b2, None).unwrap(),
            ImportOutcome::AlreadyImported(_)
        ),
        "importing the same bundle again changes nothing (invariant 6)"
    );

    let r = w.tmp.path().join("r2.saksi");
    let sent = receipt::write_receipt(&mut w.hq, None, &r).unwrap();
    assert_eq!(sent.withdrawals, 1, "HQ's receipt must list the withdrawal");
    let got = match bundle::import(&mut w.mon, &r, None).unwrap() {
        ImportOutcome::Receipt(s) => s,
        other => panic!("expected a receipt, got {other:?}"),
    };
    assert_eq!(
        got.withdrawals, 1,
        "the monitor must record HQ's confirmation"
    );
    let mine = w.mon.consent_state(&t).unwrap();
    assert_eq!(mine.withdrawals[0].confirmed.len(), 1);
    assert_eq!(
        mine.withdrawals[0].confirmed[0].hq_device_id,
        w.hq.device().id()
    );

    // Confirmed: the next since-last bundle has nothing left to carry.
    let out = w.tmp.path().join("b3.saksi");
    let e = bundle::export(
        &mut w.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out,
            since_last: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        "bundle_nothing_to_export",
        "a confirmed withdrawal is not sent again"
    );
}

#[test]
fn withdrawn_sharing_keeps_the_testimony_out_of_every_later_bundle_and_says_why() {
    let mut w = testutil::world();
    let inc = testutil::incident(&mut w.mon, "t");
    let t = testimony(&mut w.mon, &inc, "anonymous");
    let b1 = export(w.tmp.path(), &mut w.mon, "b1", false);
    imported(&mut w.hq, &b1);
    w.mon
        .withdraw_consent(&t, &withdrawal("share_with_hq"))
        .unwrap();
    let out = w.tmp.path().join("b2.saksi");
    let s = bundle::export(
        &mut w.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!s.counts.contains_key("testimony"));
    assert_eq!(s.consent_withdrawals, 1);
    assert!(
        s.withheld
            .iter()
            .any(|x| x.code == "consent_withdrawn" && x.count == 1),
        "the manifest must say a testimony was left out because consent was withdrawn: {:?}",
        s.withheld
    );
    imported(&mut w.hq, &out);
    // HQ holds it, restricted: it must not pass it on.
    assert!(
        w.hq.testimonies().get(&t).is_ok(),
        "HQ restricts, it does not delete"
    );
    keys_for_forwarding(&mut w);
    let fwd = w.tmp.path().join("fwd.saksi");
    let s = bundle::export(
        &mut w.hq,
        &ExportOptions {
            to: vec!["lawyer".into()],
            out: fwd,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        !s.counts.contains_key("testimony"),
        "HQ must not pass on a testimony whose sharing was withdrawn"
    );
}

/// HQ registers a third vault as "lawyer" (by its age key), so that HQ can export.
fn keys_for_forwarding(w: &mut World) {
    let mut lawyer = testutil::named_vault(w.tmp.path(), "lawyer");
    let r = keys::keygen(&mut lawyer).unwrap();
    keys::recipient_add(&mut w.hq, "lawyer", &r).unwrap();
}

#[test]
fn a_withdrawal_entry_with_other_details_is_refused_by_the_import_check() {
    let (_d, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "t");
    let t = testimony(&mut v, &inc, "anonymous");
    v.withdraw_consent(&t, &withdrawal("legal")).unwrap();
    let e = custody::entries_for(&v, &t.to_string())
        .unwrap()
        .into_iter()
        .find(|e| e.action == "consent_withdrawn")
        .unwrap();
    let mut bad = e.clone();
    bad.details = Some(
        r#"{"purpose":"everything","withdrawn_at":"2026-12-01","how":"x","recorded_by":"y"}"#
            .into(),
    );
    assert!(
        check_entry(&bad).is_err(),
        "an unknown purpose must be refused"
    );
    let mut bad = e.clone();
    bad.details = Some(r#"{"purpose":"publication","withdrawn_at":"2026-12-01","how":"x","recorded_by":"y","widen":true}"#.into());
    assert!(check_entry(&bad).is_err(), "unknown fields must be refused");
    let mut bad = e.clone();
    bad.subject_type = Some("incident".into());
    assert!(
        check_entry(&bad).is_err(),
        "a withdrawal is about a testimony"
    );
    let mut bad = e;
    bad.subject_id = bad.subject_id.map(|s| s.to_uppercase());
    assert!(check_entry(&bad).is_err(), "ids are canonical");
}

#[test]
fn a_withdrawal_hq_received_reaches_the_lawyer_it_sent_the_testimony_to_and_its_case_files_respect_it(
) {
    let mut w = card_world();
    let inc = testutil::incident(&mut w.mon, "t");
    let t = testimony(&mut w.mon, &inc, "anonymous");
    let att = crate::evidence::intake_reader(
        &mut w.mon,
        crate::model::RecordType::Testimony,
        &t,
        "statement.txt",
        &b"signed statement"[..],
    )
    .unwrap();
    let att = Uuid::parse_str(&att.attachment.id).unwrap();
    let b1 = export(w.tmp.path(), &mut w.mon, "b1", false);
    imported(&mut w.hq, &b1);
    // A lawyer fed by HQ, trusting HQ only (never the monitor).
    let mut lawyer = testutil::named_vault(w.tmp.path(), "lawyer");
    keys::keygen(&mut lawyer).unwrap();
    let card = |v: &Vault| serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap();
    keys::recipient_add_card(&mut w.hq, "lawyer", &card(&lawyer)).unwrap();
    keys::trust_add(&mut lawyer, &card(&w.hq)).unwrap();
    let to_lawyer = |hq: &mut Vault, n: &str| {
        let out = w.tmp.path().join(format!("{n}.saksi"));
        bundle::export(
            hq,
            &ExportOptions {
                to: vec!["lawyer".into()],
                out: out.clone(),
                since_last: true,
                ..Default::default()
            },
        )
        .map(|s| (out, s))
    };
    let (f1, _) = to_lawyer(&mut w.hq, "f1").unwrap();
    imported(&mut lawyer, &f1);
    let case = lawyer.case_create("Case 1").unwrap();
    let case = Uuid::parse_str(&case.id).unwrap();

    // The witness withdraws legal use at the monitor; it reaches HQ, then the lawyer.
    w.mon.withdraw_consent(&t, &withdrawal("legal")).unwrap();
    let b2 = export(w.tmp.path(), &mut w.mon, "b2", true);
    imported(&mut w.hq, &b2);
    let (f2, s) = to_lawyer(&mut w.hq, "f2").unwrap();
    assert_eq!(
        s.consent_withdrawals, 1,
        "HQ's next bundle to the lawyer carries the withdrawal it received"
    );
    assert!(s.counts.is_empty(), "nothing else changed: {:?}", s.counts);
    let got = imported(&mut lawyer, &f2);
    assert_eq!(got.consent_withdrawals, 1);
    let state = lawyer.consent_state(&t).unwrap();
    assert!(
        !state.effective.legal_proceedings,
        "the lawyer's effective consent must follow the witness's withdrawal"
    );
    assert_eq!(
        state.withdrawals[0].device_id,
        w.mon.device().id(),
        "the lawyer holds the monitor's own signed withdrawal"
    );
    let e = lawyer.case_add(&case, &att, None).unwrap_err();
    assert_eq!(
        e.kind(),
        "consent_withdrawn_for_court",
        "the lawyer's case file refuses an item whose legal use was withdrawn"
    );
    assert!(lawyer.verify().unwrap().ok());

    // A withdrawal travels until the recipient confirms it (a witness's safety must not hang on
    // one lost bundle); the lawyer's receipt confirms it, and then it is not sent again.
    let r = w.tmp.path().join("lawyer-receipt.saksi");
    bundle::write_receipt(&mut lawyer, None, &r).unwrap();
    match bundle::import(&mut w.hq, &r, None).unwrap() {
        ImportOutcome::Receipt(_) => {}
        other => panic!("expected a receipt, got {other:?}"),
    }
    let e = to_lawyer(&mut w.hq, "f3").unwrap_err();
    assert_eq!(
        e.kind(),
        "bundle_nothing_to_export",
        "a withdrawal the lawyer confirmed is not forwarded again"
    );
}
