//! Deleting at the monitor, and deletions reaching HQ through bundles and coming back in
//! receipts (issue 13).

use std::path::PathBuf;

use uuid::Uuid;

use super::*;
use crate::bundle::{self, keys, ExportOptions, ImportOutcome};
use crate::model::{IncidentInput, TestimonyInput};
use crate::testutil::named_vault;

const CANARY: &str = "CANARY-7f3c-ស្លាកសញ្ញា";
const BYTES_CANARY: &[u8] = b"BLOBCANARY-91ae what the photo showed";

struct World {
    tmp: tempfile::TempDir,
    mon: Vault,
    hq: Vault,
    incident: Uuid,
    testimony: Uuid,
    attachment: Uuid,
    n: u32,
}

fn card(v: &Vault) -> Vec<u8> {
    serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap()
}

impl World {
    /// A monitor with one incident (an act, a testimony with an attachment), all sent to HQ.
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut mon = named_vault(tmp.path(), "mon");
        let mut hq = named_vault(tmp.path(), "hq");
        keys::keygen(&mut hq).unwrap();
        keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
        keys::trust_add(&mut hq, &card(&mon)).unwrap();
        let input: IncidentInput = serde_json::from_str(&format!(
            r#"{{"title": "arrest {CANARY}", "description": "{CANARY} at the market",
                "people": {{"a": {{"name": "Sok Dara"}}}},
                "involvements": [{{"person": "a", "role": "victim"}}]}}"#
        ))
        .unwrap();
        let incident = mon.incidents_mut().add(&input).unwrap();
        let testimony = mon
            .testimonies_mut()
            .add(&TestimonyInput {
                incident_id: incident.to_string(),
                witness_id: None,
                anonymous: true,
                interviewer: None,
                interviewed_at: None,
                interview_place: None,
                language: None,
                body: format!("I saw {CANARY} happen"),
                consent: serde_json::from_str(r#"{"share_with_hq": true}"#).unwrap(),
            })
            .unwrap();
        let att = crate::evidence::intake_reader(
            &mut mon,
            RecordType::Testimony,
            &testimony,
            "photo.txt",
            BYTES_CANARY,
        )
        .unwrap();
        let mut w = World {
            tmp,
            mon,
            hq,
            incident,
            testimony,
            attachment: Uuid::parse_str(&att.attachment.id).unwrap(),
            n: 0,
        };
        let b = w.export(false);
        bundle::import(&mut w.hq, &b, None).unwrap();
        w
    }

    fn path(&mut self, what: &str) -> PathBuf {
        self.n += 1;
        self.tmp.path().join(format!("{what}{}.saksi", self.n))
    }

    fn export(&mut self, since_last: bool) -> PathBuf {
        let out = self.path("b");
        bundle::export(
            &mut self.mon,
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

    /// Exports from the monitor and imports at HQ; the import's summary.
    fn send(&mut self) -> bundle::ImportSummary {
        let b = self.export(true);
        match bundle::import(&mut self.hq, &b, None).unwrap() {
            ImportOutcome::Imported(s) => s,
            other => panic!("expected an import, got {other:?}"),
        }
    }

    /// HQ's receipt for its last import, imported at the monitor.
    fn receipt_back(&mut self) -> bundle::ReceiptSummary {
        let r = self.path("r");
        bundle::write_receipt(&mut self.hq, None, &r).unwrap();
        match bundle::import(&mut self.mon, &r, None).unwrap() {
            ImportOutcome::Receipt(s) => s,
            other => panic!("expected a receipt, got {other:?}"),
        }
    }
}

fn exists(v: &Vault, table: &str, id: &Uuid) -> bool {
    v.conn
        .query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap()
}

fn blob_count(v: &Vault) -> usize {
    std::fs::read_dir(v.attachments_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .map(|e| !e.file_name().to_string_lossy().ends_with(".part"))
                .unwrap_or(false)
        })
        .count()
}

/// Every text and blob value of every table (search index shadow tables included) that
/// contains `needle`, as "table.column".
fn traces(v: &Vault, needle: &[u8]) -> Vec<String> {
    let tables: Vec<String> = {
        let mut stmt = v
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    let mut found = Vec::new();
    for t in tables {
        let mut stmt = v.conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for (i, name) in names.iter().enumerate().take(n) {
                let hay: Vec<u8> = match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        b.to_vec()
                    }
                    _ => continue,
                };
                if hay.windows(needle.len()).any(|w| w == needle) {
                    found.push(format!("{t}.{name}"));
                }
            }
        }
    }
    found
}

#[test]
fn deleting_an_incident_removes_it_with_its_acts_testimony_and_attachment_and_signs_tombstones() {
    let mut w = World::new();
    assert_eq!(blob_count(&w.mon), 1);
    assert!(
        !traces(&w.mon, CANARY.as_bytes()).is_empty(),
        "the canary is in the vault before"
    );
    let s = w
        .mon
        .delete_record(
            RecordType::Incident,
            &w.incident,
            "entered twice by mistake",
        )
        .unwrap();
    let types: Vec<&str> = s
        .tombstones
        .iter()
        .map(|t| t.record_type.as_str())
        .collect();
    assert_eq!(
        types,
        ["attachment", "testimony", "involvement", "incident"],
        "what refers to others is deleted first, the incident last"
    );
    assert_eq!(s.blobs_erased, 1, "the attachment's blob is removed");
    assert_eq!(blob_count(&w.mon), 0);
    assert!(!exists(&w.mon, "incident", &w.incident));
    assert!(!exists(&w.mon, "testimony", &w.testimony));
    assert!(!exists(&w.mon, "attachment", &w.attachment));
    let left: i64 = w
        .mon
        .conn
        .query_row(
            "SELECT (SELECT count(*) FROM involvement) + (SELECT count(*) FROM record_version
               WHERE record_type IN ('incident', 'testimony', 'involvement', 'attachment'))
               + (SELECT count(*) FROM record_lineage WHERE record_type <> 'person')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        left, 0,
        "acts, history snapshots and lineage go with the record"
    );
    assert_eq!(
        traces(&w.mon, CANARY.as_bytes()),
        Vec::<String>::new(),
        "no table (search index included) holds the deleted text"
    );
    let person: i64 = w
        .mon
        .conn
        .query_row("SELECT count(*) FROM person", [], |r| r.get(0))
        .unwrap();
    assert_eq!(person, 1, "people named in the incident stay");
    // The tombstones: listed, and each one a signed custody entry naming the version deleted.
    let list = w.mon.tombstones().unwrap();
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|t| t.reason == "entered twice by mistake"));
    let att = list.iter().find(|t| t.record_type == "attachment").unwrap();
    assert_eq!(
        att.content_sha256,
        crate::bundle::sha256_hex(BYTES_CANARY),
        "an attachment's tombstone keeps the hash of its original bytes"
    );
    let entries: i64 = w
        .mon
        .conn
        .query_row(
            "SELECT count(*) FROM custody_log c JOIN tombstone t ON t.entry_id = c.id
             WHERE c.action = 'record_deleted' AND c.content_hash = t.version_sha256",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        entries, 4,
        "every tombstone is a record_deleted custody entry"
    );
    assert!(
        w.mon.verify().unwrap().ok(),
        "the custody chain still verifies after a deletion"
    );
}

#[test]
fn a_deletion_needs_a_reason_and_a_deletable_record() {
    let mut w = World::new();
    for reason in ["", "   "] {
        let e = w
            .mon
            .delete_record(RecordType::Incident, &w.incident, reason)
            .unwrap_err();
        assert_eq!(e.kind(), "deletion_reason_required");
    }
    let e = w
        .mon
        .delete_record(
            RecordType::Incident,
            &w.incident,
            &"x".repeat(MAX_REASON_CHARS + 1),
        )
        .unwrap_err();
    assert_eq!(e.kind(), "deletion_reason_too_long");
    let e = w
        .mon
        .delete_record(RecordType::Involvement, &w.incident, "why")
        .unwrap_err();
    assert_eq!(e.kind(), "deletion_not_deletable");
    let e = w
        .mon
        .delete_record(RecordType::Incident, &Uuid::now_v7(), "why")
        .unwrap_err();
    assert_eq!(e.kind(), "not_found");
    assert!(
        exists(&w.mon, "incident", &w.incident),
        "a refused deletion deletes nothing"
    );
    assert!(w.mon.tombstones().unwrap().is_empty());
}

#[test]
fn a_person_named_in_an_incident_is_refused_with_where_it_is_used() {
    let mut w = World::new();
    let person: String = w
        .mon
        .conn
        .query_row("SELECT id FROM person", [], |r| r.get(0))
        .unwrap();
    let e = w
        .mon
        .delete_record(
            RecordType::Person,
            &Uuid::parse_str(&person).unwrap(),
            "mistake",
        )
        .unwrap_err();
    assert_eq!(e.kind(), "deletion_in_use");
    assert!(
        e.to_string().contains("1 act(s) in incidents"),
        "the error says where the person is used: {e}"
    );
    // Once the incident (and so the act) is gone, the person can go.
    w.mon
        .delete_record(RecordType::Incident, &w.incident, "mistake")
        .unwrap();
    w.mon
        .delete_record(
            RecordType::Person,
            &Uuid::parse_str(&person).unwrap(),
            "mistake",
        )
        .unwrap();
}

#[test]
fn deletion_is_refused_in_review_mode_and_nothing_changes() {
    let mut w = World::new();
    w.mon.set_review_mode(true).unwrap();
    let e = w
        .mon
        .delete_record(RecordType::Attachment, &w.attachment, "mistake")
        .unwrap_err();
    assert_eq!(e.kind(), "vault_review_mode");
    assert!(exists(&w.mon, "attachment", &w.attachment));
    assert_eq!(blob_count(&w.mon), 1);
}

#[test]
fn monitor_deletion_travels_to_hq_which_applies_it_and_the_receipt_says_applied() {
    let mut w = World::new();
    assert_eq!(blob_count(&w.hq), 1);
    w.mon
        .delete_record(RecordType::Incident, &w.incident, "entered by mistake")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("applied"), Some(&4), "{s:?}");
    assert!(!exists(&w.hq, "incident", &w.incident), "HQ deleted it too");
    assert!(!exists(&w.hq, "testimony", &w.testimony));
    assert!(!exists(&w.hq, "attachment", &w.attachment));
    assert_eq!(
        blob_count(&w.hq),
        0,
        "HQ's blob is crypto-erased and removed"
    );
    assert_eq!(
        traces(&w.hq, CANARY.as_bytes()),
        Vec::<String>::new(),
        "HQ keeps no trace of the deleted text"
    );
    let r = w.receipt_back();
    assert_eq!(r.deletions.get("applied"), Some(&4));
    let list = w.mon.tombstones().unwrap();
    assert!(
        list.iter()
            .all(|t| t.hq == vec![(w.hq.device().id().to_string(), "applied".to_string())]),
        "the monitor shows what HQ did with each tombstone: {list:?}"
    );
    // Re-import: nothing decided again (invariant 6).
    let b = w.tmp.path().join("b2.saksi");
    assert!(matches!(
        bundle::import(&mut w.hq, &b, None).unwrap(),
        ImportOutcome::AlreadyImported(_)
    ));
    let n: i64 =
        w.hq.conn
            .query_row("SELECT count(*) FROM incoming_deletion", [], |r| r.get(0))
            .unwrap();
    assert_eq!(n, 4);
    // A later bundle does not carry the same tombstones again (--since-last).
    w.mon
        .incidents_mut()
        .add(&IncidentInput {
            title: "another".into(),
            ..Default::default()
        })
        .unwrap();
    let s = w.send();
    assert!(
        s.deletions.is_empty(),
        "tombstones already sent are not sent again"
    );
}

#[test]
fn a_deletion_of_a_version_hq_has_edited_is_a_conflict_and_hq_keeps_it() {
    let mut w = World::new();
    // HQ corrects the incident.
    let input: IncidentInput = serde_json::from_value(serde_json::json!({
        "title": "arrest (corrected at HQ)", "description": "edited"
    }))
    .unwrap();
    w.hq.incidents_mut().update(&w.incident, &input).unwrap();
    w.mon
        .delete_record(RecordType::Incident, &w.incident, "mistake")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("conflict"), Some(&1), "{s:?}");
    assert!(
        exists(&w.hq, "incident", &w.incident),
        "HQ's edited record is never silently removed"
    );
    let open = w.hq.incoming_deletions(true).unwrap();
    let c = open.iter().find(|d| d.record_type == "incident").unwrap();
    assert_eq!(c.outcome, IncomingOutcome::Conflict);
    assert_eq!(c.why.as_deref(), Some("changed_here"));
    // Its acts and testimony were not edited at HQ, but the incident stays, so deleting them
    // would be fine; they were applied. The analyst keeps the incident.
    let kept = w.hq.keep_incoming_deletion(&c.entry_id).unwrap();
    assert_eq!(kept.outcome, IncomingOutcome::Kept);
    let e = w.hq.keep_incoming_deletion(&c.entry_id).unwrap_err();
    assert_eq!(e.kind(), "deletion_not_pending", "a decision is made once");
    let r = w.receipt_back();
    assert_eq!(r.deletions.get("kept"), Some(&1));
}

#[test]
fn a_deletion_of_a_record_hq_annotated_is_kept_pending_until_an_analyst_applies_it() {
    let mut w = World::new();
    let subject = crate::annotation::Subject::new(RecordType::Testimony, w.testimony).unwrap();
    w.hq.annotate(
        &subject,
        &serde_json::from_str(r#"{"note": "key testimony for the case"}"#).unwrap(),
    )
    .unwrap();
    w.mon
        .delete_record(RecordType::Testimony, &w.testimony, "witness withdrew")
        .unwrap();
    let s = w.send();
    assert_eq!(
        s.deletions.get("applied"),
        Some(&1),
        "the attachment goes: {s:?}"
    );
    assert_eq!(
        s.deletions.get("pending"),
        Some(&1),
        "the annotated testimony stays: {s:?}"
    );
    assert!(exists(&w.hq, "testimony", &w.testimony));
    let open = w.hq.incoming_deletions(true).unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].why.as_deref(), Some("annotated"));
    assert_eq!(open[0].reason, "witness withdrew");
    let done = w.hq.apply_incoming_deletion(&open[0].entry_id).unwrap();
    assert_eq!(done.outcome, IncomingOutcome::Applied);
    assert!(!exists(&w.hq, "testimony", &w.testimony));
    assert!(w.hq.incoming_deletions(true).unwrap().is_empty());
}

#[test]
fn policy_ask_keeps_every_deletion_pending_and_apply_refuses_while_others_refer_to_it() {
    let mut w = World::new();
    assert_eq!(w.hq.deletion_policy().unwrap(), Policy::Apply);
    w.hq.set_deletion_policy(Policy::Ask).unwrap();
    assert_eq!(
        "sometimes".parse::<Policy>().unwrap_err().kind(),
        "deletion_bad_policy"
    );
    w.mon
        .delete_record(RecordType::Incident, &w.incident, "mistake")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("pending"), Some(&4), "{s:?}");
    assert_eq!(
        blob_count(&w.hq),
        1,
        "nothing is deleted while the policy asks"
    );
    let inc =
        w.hq.incoming_deletions(true)
            .unwrap()
            .into_iter()
            .find(|d| d.record_type == "incident")
            .unwrap();
    let e = w.hq.apply_incoming_deletion(&inc.entry_id).unwrap_err();
    assert_eq!(
        e.kind(),
        "deletion_cannot_apply",
        "an incident whose testimony is still here cannot go first"
    );
    // Children first, then the incident.
    for ty in ["attachment", "testimony", "involvement", "incident"] {
        let d =
            w.hq.incoming_deletions(true)
                .unwrap()
                .into_iter()
                .find(|d| d.record_type == ty)
                .unwrap();
        w.hq.apply_incoming_deletion(&d.entry_id).unwrap();
    }
    assert!(!exists(&w.hq, "incident", &w.incident));
    assert_eq!(blob_count(&w.hq), 0);
    assert_eq!(traces(&w.hq, CANARY.as_bytes()), Vec::<String>::new());
}

#[test]
fn a_deletion_hq_never_held_says_not_held() {
    let mut w = World::new();
    // A testimony HQ never received: sent to nobody, so its tombstone does not travel…
    let t = w
        .mon
        .testimonies_mut()
        .add(&TestimonyInput {
            incident_id: w.incident.to_string(),
            witness_id: None,
            anonymous: true,
            interviewer: None,
            interviewed_at: None,
            interview_place: None,
            language: None,
            body: "never shared".into(),
            consent: Default::default(),
        })
        .unwrap();
    w.mon
        .delete_record(RecordType::Testimony, &t, "mistake")
        .unwrap();
    let b = w.path("b");
    let e = bundle::export(
        &mut w.mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: b,
            since_last: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.kind(),
        "bundle_nothing_to_export",
        "a deletion of something never sent tells nobody"
    );
    // …while HQ deleting first and then receiving the monitor's deletion answers not_held.
    let mut w = World::new();
    w.hq.delete_record(RecordType::Attachment, &w.attachment, "HQ removed it")
        .unwrap();
    w.mon
        .delete_record(RecordType::Attachment, &w.attachment, "mistake")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("not_held"), Some(&1), "{s:?}");
}

// ---- Monitor → HQ → lawyer: deletions HQ applied travel on (issue 13) ----

/// A lawyer's vault fed by HQ: HQ addresses it by its card, the lawyer trusts HQ only (not the
/// monitor). HQ sends it everything it holds.
fn lawyer(w: &mut World) -> Vault {
    let mut lawyer = named_vault(w.tmp.path(), "lawyer");
    keys::keygen(&mut lawyer).unwrap();
    keys::recipient_add_card(&mut w.hq, "lawyer", &card(&lawyer)).unwrap();
    keys::trust_add(&mut lawyer, &card(&w.hq)).unwrap();
    let b = hq_export(w, false).unwrap();
    bundle::import(&mut lawyer, &b, None).unwrap();
    assert!(exists(&lawyer, "testimony", &w.testimony));
    lawyer
}

fn hq_export(w: &mut World, since_last: bool) -> Result<PathBuf> {
    let out = w.path("hq");
    bundle::export(
        &mut w.hq,
        &ExportOptions {
            to: vec!["lawyer".into()],
            out: out.clone(),
            since_last,
            ..Default::default()
        },
    )?;
    Ok(out)
}

fn import_at(v: &mut Vault, b: &std::path::Path) -> bundle::ImportSummary {
    match bundle::import(v, b, None).unwrap() {
        ImportOutcome::Imported(s) => s,
        other => panic!("expected an import, got {other:?}"),
    }
}

#[test]
fn a_deletion_hq_applied_reaches_the_lawyer_hq_sent_the_record_to_and_only_once() {
    let mut w = World::new();
    let mut lawyer = lawyer(&mut w);
    assert!(!traces(&lawyer, CANARY.as_bytes()).is_empty());
    assert_eq!(blob_count(&lawyer), 1);
    w.mon
        .delete_record(RecordType::Testimony, &w.testimony, "wrong incident")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("applied"), Some(&2), "{s:?}");

    let b = hq_export(&mut w, true).unwrap();
    let got = import_at(&mut lawyer, &b);
    assert_eq!(
        got.deletions.get("applied"),
        Some(&2),
        "the lawyer applies, under its own policy, the deletions HQ applied and forwarded: {got:?}"
    );
    assert!(!exists(&lawyer, "testimony", &w.testimony));
    assert!(!exists(&lawyer, "attachment", &w.attachment));
    assert_eq!(blob_count(&lawyer), 0, "the attachment's blob is erased");
    assert!(
        !traces(&lawyer, CANARY.as_bytes())
            .iter()
            .any(|t| t.starts_with("testimony")),
        "the deleted testimony's text is gone from the lawyer's vault"
    );
    let seen = lawyer.incoming_deletions(false).unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter().all(|d| d.device_id == w.mon.device().id()),
        "the lawyer holds the monitor's own signed tombstone, not a copy"
    );
    assert!(lawyer.verify().unwrap().ok());
    assert!(
        exists(&lawyer, "incident", &w.incident),
        "only what was deleted goes"
    );

    // Nothing is forwarded twice.
    let e = hq_export(&mut w, true).unwrap_err();
    assert_eq!(
        e.kind(),
        "bundle_nothing_to_export",
        "a forwarded deletion is not sent again since the last bundle"
    );
}

#[test]
fn a_deletion_hq_kept_is_not_forwarded_until_an_analyst_applies_it() {
    let mut w = World::new();
    let mut lawyer = lawyer(&mut w);
    w.hq.set_deletion_policy(Policy::Ask).unwrap();
    w.mon
        .delete_record(RecordType::Attachment, &w.attachment, "wrong photo")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("pending"), Some(&1), "{s:?}");
    let e = hq_export(&mut w, true).unwrap_err();
    assert_eq!(
        e.kind(),
        "bundle_nothing_to_export",
        "a deletion HQ kept pending is not forwarded"
    );
    // Even a full bundle carrying the record does not carry the tombstone HQ did not apply.
    let b = hq_export(&mut w, false).unwrap();
    let got = import_at(&mut lawyer, &b);
    assert!(got.deletions.is_empty(), "{got:?}");
    assert!(lawyer.incoming_deletions(false).unwrap().is_empty());
    assert!(exists(&lawyer, "attachment", &w.attachment));

    let open = w.hq.incoming_deletions(true).unwrap();
    w.hq.apply_incoming_deletion(&open[0].entry_id).unwrap();
    let b = hq_export(&mut w, true).unwrap();
    let got = import_at(&mut lawyer, &b);
    assert_eq!(
        got.deletions.get("applied"),
        Some(&1),
        "once HQ's analyst applied it, it travels on: {got:?}"
    );
    assert!(!exists(&lawyer, "attachment", &w.attachment));
    assert_eq!(blob_count(&lawyer), 0);
}

#[test]
fn a_forwarded_deletion_meets_the_lawyers_own_work_and_policy_like_any_other() {
    let mut w = World::new();
    let mut lawyer = lawyer(&mut w);
    // The lawyer corrects the incident and annotates the testimony; its policy is "ask".
    let input: IncidentInput = serde_json::from_value(serde_json::json!({
        "title": "arrest (lawyer's reading)", "description": "edited"
    }))
    .unwrap();
    lawyer.incidents_mut().update(&w.incident, &input).unwrap();
    let subject = crate::annotation::Subject::new(RecordType::Testimony, w.testimony).unwrap();
    lawyer
        .annotate(
            &subject,
            &serde_json::from_str(r#"{"note": "exhibit candidate"}"#).unwrap(),
        )
        .unwrap();
    lawyer.set_deletion_policy(Policy::Ask).unwrap();
    w.mon
        .delete_record(RecordType::Incident, &w.incident, "entered twice")
        .unwrap();
    let s = w.send();
    assert_eq!(s.deletions.get("applied"), Some(&4), "{s:?}");
    let b = hq_export(&mut w, true).unwrap();
    let got = import_at(&mut lawyer, &b);
    let why = |ty: &str| {
        lawyer
            .incoming_deletions(false)
            .unwrap()
            .into_iter()
            .find(|d| d.record_type == ty)
            .map(|d| (d.outcome, d.why))
            .unwrap()
    };
    assert_eq!(
        why("incident"),
        (IncomingOutcome::Conflict, Some("changed_here".into())),
        "a deletion that races the lawyer's edit is a conflict: {got:?}"
    );
    assert_eq!(
        why("testimony"),
        (IncomingOutcome::Pending, Some("annotated".into())),
        "a record the lawyer annotated is kept pending"
    );
    assert_eq!(
        why("attachment"),
        (IncomingOutcome::Pending, Some("policy_ask".into())),
        "the lawyer's own policy applies, not HQ's"
    );
    assert!(exists(&lawyer, "incident", &w.incident));
    assert!(exists(&lawyer, "attachment", &w.attachment));
}

#[test]
fn a_forwarded_tombstone_without_the_forwarders_own_entry_deletes_nothing_at_the_lawyer() {
    use crate::bundle::manifest;
    use crate::bundle::tests::{pack, rebuild, unpack};
    let mut w = World::new();
    let mut lawyer = lawyer(&mut w);
    w.mon
        .delete_record(RecordType::Attachment, &w.attachment, "wrong photo")
        .unwrap();
    w.send();
    let b = hq_export(&mut w, true).unwrap();
    // HQ (the signer) strips its own `deletion` entry: the monitor's tombstone travels alone,
    // signed by a device the lawyer does not trust.
    let lawyer_id = keys::hq_identity(&lawyer).unwrap().unwrap();
    let mut e = unpack(&std::fs::read(&b).unwrap(), &lawyer_id);
    let custody = e
        .iter_mut()
        .find(|(n, _)| n == manifest::CUSTODY)
        .expect("the bundle carries custody entries");
    const NEEDLE: &[u8] = br#""action":"deletion""#;
    let before = custody.1.split(|c| *c == b'\n').count();
    custody.1 = custody
        .1
        .split_inclusive(|c| *c == b'\n')
        .filter(|l| !l.windows(NEEDLE.len()).any(|x| x == NEEDLE))
        .flatten()
        .copied()
        .collect();
    assert!(
        custody.1.split(|c| *c == b'\n').count() < before,
        "HQ's own deletion entry was in the bundle"
    );
    rebuild(&mut e, &w.hq);
    let stripped = w.path("stripped");
    std::fs::write(&stripped, pack(&e, &lawyer_id.to_public())).unwrap();
    let got = import_at(&mut lawyer, &stripped);
    assert_eq!(
        got.deletions.get("pending"),
        Some(&1),
        "a tombstone the signer did not vouch for is only pending: {got:?}"
    );
    let d = &lawyer.incoming_deletions(true).unwrap()[0];
    assert_eq!(d.why.as_deref(), Some("forwarded"));
    assert!(exists(&lawyer, "attachment", &w.attachment));
}
