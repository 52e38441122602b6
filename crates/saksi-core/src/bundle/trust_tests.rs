//! Trust and receipts: card fingerprints over every key, "key changed" refusals, receipts only
//! from the pinned key of a recipient the bundle was sent to, and a purge that erases only what
//! HQ holds byte for byte (threat model: card swapper, coerced insider, invariant 10).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::receipt::{self, Receipt, ReceiptOutcome};
use super::*;
use crate::error::Error;
use crate::vault::Vault;

use crate::testutil::named_vault as vault;

fn card(v: &Vault) -> Vec<u8> {
    serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap()
}

/// The error's stable kind, for the bundle errors (keys, bundles, receipts) these tests expect;
/// "other" for anything else (a database or I/O error is never the refusal a test wants).
fn bundle_kind(e: &Error) -> &'static str {
    match e {
        Error::Bundle(_) | Error::Keys(_) | Error::Export(_) | Error::Receipt(_) => e.kind(),
        _ => "other",
    }
}

/// A monitor that registered HQ from HQ's card, HQ trusting the monitor, one incident with an
/// attachment, exported to HQ and imported there.
struct World {
    tmp: tempfile::TempDir,
    mon: Vault,
    hq: Vault,
    incident: uuid::Uuid,
    attachment: String,
    n: u32,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let mut mon = vault(tmp.path(), "mon");
        let mut hq = vault(tmp.path(), "hq");
        keys::keygen(&mut hq).unwrap();
        keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
        keys::trust_add(&mut hq, &card(&mon)).unwrap();
        let input: crate::model::IncidentInput =
            serde_json::from_str(r#"{"title": "ការចាប់ខ្លួន", "description": "arrest"}"#).unwrap();
        let incident = mon.incidents_mut().add(&input).unwrap();
        let att = crate::evidence::intake_reader(
            &mut mon,
            crate::model::RecordType::Incident,
            &incident,
            "note.txt",
            &b"what I saw"[..],
        )
        .unwrap();
        let mut w = World {
            tmp,
            mon,
            hq,
            incident,
            attachment: att.attachment.id.to_string(),
            n: 0,
        };
        let b = w.export(&["hq"], false);
        import(&mut w.hq, &b, None).unwrap();
        w
    }

    fn path(&mut self, what: &str) -> PathBuf {
        self.n += 1;
        self.tmp.path().join(format!("{what}{}.saksi", self.n))
    }

    fn export(&mut self, to: &[&str], since_last: bool) -> PathBuf {
        let out = self.path("b");
        export(
            &mut self.mon,
            &ExportOptions {
                to: to.iter().map(|s| s.to_string()).collect(),
                out: out.clone(),
                since_last,
                ..Default::default()
            },
        )
        .unwrap();
        out
    }

    fn receipt_from_hq(&mut self) -> PathBuf {
        let out = self.path("r");
        write_receipt(&mut self.hq, None, &out).unwrap();
        out
    }

    fn incident_exists(&self) -> bool {
        self.mon.incidents().get(&self.incident).is_ok()
    }

    fn attachment_exists(&self) -> bool {
        self.mon
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM attachment WHERE id = ?1)",
                [&self.attachment],
                |r| r.get::<_, bool>(0),
            )
            .unwrap()
    }
}

/// Decrypts a receipt with the monitor's device key and returns its JSON, parsed.
fn open_receipt(mon: &Vault, file: &Path) -> Receipt {
    let id = keys::device_identity(mon).unwrap();
    let bytes = std::fs::read(file).unwrap();
    let d = age::Decryptor::new(bytes.as_slice()).unwrap();
    let r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut a = tar::Archive::new(r);
    let mut e = a.entries().unwrap().next().unwrap().unwrap();
    let mut json = Vec::new();
    e.read_to_end(&mut json).unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// `signer` signs `r` and encrypts it to the monitor, as a forger holding that key would.
fn forge(signer: &Vault, mon: &Vault, r: &Receipt, out: &Path) {
    let to = keys::device_identity(mon).unwrap().to_public();
    receipt::seal(signer, r, &to, out, |_| Ok(())).unwrap();
}

#[test]
fn card_fingerprint_changes_when_the_age_recipient_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let v = vault(tmp.path(), "mon");
    let c = keys::device_card(&v).unwrap();
    let (_, key) = keys::DeviceCard::parse(&card(&v)).unwrap();
    let other = age::x25519::Identity::generate().to_public().to_string();
    assert_ne!(
        keys::card_fingerprint(&key, &other, None),
        c.fingerprint,
        "the fingerprint read over the phone must cover the card's age recipient"
    );
    assert_ne!(
        keys::card_fingerprint(&key, &c.age_recipient, Some(&other)),
        c.fingerprint,
        "the fingerprint must cover an HQ bundle recipient on the card"
    );
    // A card whose age recipient was swapped but whose fingerprint was kept does not parse.
    let mut swapped = c.clone();
    swapped.age_recipient = other;
    let err = keys::DeviceCard::parse(&serde_json::to_vec(&swapped).unwrap()).unwrap_err();
    assert_eq!(
        bundle_kind(&err),
        "bundle_bad_card",
        "a card whose keys do not match its fingerprint is refused: {err}"
    );
}

#[test]
fn old_version_card_is_refused_with_a_new_card_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hq = vault(tmp.path(), "hq");
    let mon = vault(tmp.path(), "mon");
    let mut old: serde_json::Value = serde_json::from_slice(&card(&mon)).unwrap();
    old["version"] = 1.into();
    old["fingerprint"] = mon.device().fingerprint().into();
    let err = keys::trust_add(&mut hq, &serde_json::to_vec(&old).unwrap()).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_bad_card", "{err}");
    assert!(
        err.to_string().contains("new card"),
        "an old card must be refused with a message asking for a new card: {err}"
    );
    assert!(keys::trust_list(&hq).unwrap().is_empty());
}

#[test]
fn swapped_card_with_the_same_device_id_and_another_age_recipient_is_refused_as_key_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut hq = vault(tmp.path(), "hq");
    let mon = vault(tmp.path(), "mon");
    let genuine = keys::trust_add(&mut hq, &card(&mon)).unwrap();
    // The swapper keeps the device's id and signing key but puts their own age recipient on it
    // (and a fingerprint that matches the swapped card).
    let (mut c, key) = keys::DeviceCard::parse(&card(&mon)).unwrap();
    c.age_recipient = age::x25519::Identity::generate().to_public().to_string();
    c.fingerprint = keys::card_fingerprint(&key, &c.age_recipient, None);
    let err = keys::trust_add(&mut hq, &serde_json::to_vec(&c).unwrap()).unwrap_err();
    assert_eq!(
        bundle_kind(&err),
        "bundle_key_changed",
        "a changed key for a known device id must be refused loudly: {err}"
    );
    assert!(err.to_string().contains("key changed"), "{err}");
    let now = keys::trust_list(&hq).unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(
        now[0].age_recipient, genuine.age_recipient,
        "the trusted age recipient must not be replaced"
    );
    // The same card again is fine; after revocation the device is never trusted again.
    keys::trust_add(&mut hq, &card(&mon)).unwrap();
    keys::trust_revoke(&mut hq, mon.device().id()).unwrap();
    let err = keys::trust_add(&mut hq, &card(&mon)).unwrap_err();
    assert_eq!(
        bundle_kind(&err),
        "bundle_revoked_signer",
        "a revoked signing key must never become trusted again: {err}"
    );
}

#[test]
fn recipient_re_registered_with_a_changed_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut mon = vault(tmp.path(), "mon");
    let mut hq = vault(tmp.path(), "hq");
    let mut fake = vault(tmp.path(), "fake");
    keys::keygen(&mut hq).unwrap();
    keys::keygen(&mut fake).unwrap();
    let first = keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
    assert!(first.signing_key.is_some() && first.card_fingerprint.is_some());
    assert_eq!(
        first.card_fingerprint.as_deref(),
        Some(keys::device_card(&hq).unwrap().fingerprint.as_str()),
        "the recipient shows the fingerprint of the card it was registered from"
    );
    // Same card again: unchanged.
    keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
    // Another HQ's card, or another age key, under the known name: refused.
    let err = keys::recipient_add_card(&mut mon, "hq", &card(&fake)).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_key_changed", "{err}");
    let other = keys::hq_recipient(&fake).unwrap();
    let err = keys::recipient_add(&mut mon, "hq", &other).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_key_changed", "{err}");
    // HQ's bundle key with a swapped signing key (a card that carries HQ's real age1… but the
    // swapper's Ed25519 key).
    let (mut c, _) = keys::DeviceCard::parse(&card(&fake)).unwrap();
    c.hq_recipient = Some(first.recipient.clone());
    let (_, fkey) = keys::DeviceCard::parse(&card(&fake)).unwrap();
    c.fingerprint = keys::card_fingerprint(&fkey, &c.age_recipient, c.hq_recipient.as_deref());
    let err =
        keys::recipient_add_card(&mut mon, "hq", &serde_json::to_vec(&c).unwrap()).unwrap_err();
    assert_eq!(
        bundle_kind(&err),
        "bundle_key_changed",
        "a changed signing key for a known recipient must be refused: {err}"
    );
    let list = keys::recipient_list(&mon).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].signing_key, first.signing_key,
        "the pin must not move"
    );
}

#[test]
fn receipt_signed_by_a_trusted_peer_laptop_is_refused_and_nothing_is_purged() {
    let mut w = World::new();
    let genuine = w.receipt_from_hq();
    // A peer laptop the monitor exchanges bundles with (trusted), seized and forced.
    let peer = vault(w.tmp.path(), "peer");
    keys::trust_add(&mut w.mon, &card(&peer)).unwrap();
    let mut r = open_receipt(&w.mon, &genuine);
    r.receipt_id = uuid::Uuid::now_v7().to_string();
    r.hq_device_id = peer.device().id().to_string();
    let forged = w.path("forged");
    forge(&peer, &w.mon, &r, &forged);
    let err = import(&mut w.mon, &forged, None).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_bad_receipt", "{err}");
    assert!(
        err.to_string().contains("trusted device but not an HQ"),
        "a receipt from a peer must be refused as such: {err}"
    );
    let s = purge_received(&mut w.mon).unwrap();
    assert!(
        s.purged.is_empty() && w.incident_exists() && w.attachment_exists(),
        "a coerced insider cannot make a monitor purge anything: {s:?}"
    );
}

#[test]
fn receipt_for_a_bundle_sent_to_hq_a_signed_by_hq_b_is_refused() {
    let mut w = World::new();
    let genuine = w.receipt_from_hq();
    let mut hq_b = vault(w.tmp.path(), "hq-b");
    keys::keygen(&mut hq_b).unwrap();
    keys::recipient_add_card(&mut w.mon, "hq-b", &card(&hq_b)).unwrap();
    let mut r = open_receipt(&w.mon, &genuine);
    r.receipt_id = uuid::Uuid::now_v7().to_string();
    r.hq_device_id = hq_b.device().id().to_string();
    let forged = w.path("forged");
    forge(&hq_b, &w.mon, &r, &forged);
    let err = import(&mut w.mon, &forged, None).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_bad_receipt", "{err}");
    assert!(
        err.to_string().contains("was not sent to 'hq-b'"),
        "only a recipient of the bundle can confirm it: {err}"
    );
    assert!(purge_received(&mut w.mon).unwrap().purged.is_empty());
    // The genuine receipt from HQ-A still works.
    import(&mut w.mon, &genuine, None).unwrap();
    let s = purge_received(&mut w.mon).unwrap();
    assert_eq!(s.purged.get("incident"), Some(&1), "{s:?}");
    assert!(!w.incident_exists());
}

#[test]
fn receipt_from_a_recipient_registered_by_age_key_alone_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut mon = vault(tmp.path(), "mon");
    let mut hq = vault(tmp.path(), "hq");
    let r = keys::keygen(&mut hq).unwrap();
    keys::recipient_add(&mut mon, "hq", &r).unwrap();
    keys::trust_add(&mut hq, &card(&mon)).unwrap();
    let input: crate::model::IncidentInput =
        serde_json::from_str(r#"{"title": "t", "description": "d"}"#).unwrap();
    mon.incidents_mut().add(&input).unwrap();
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
    let rc = tmp.path().join("r.saksi");
    write_receipt(&mut hq, None, &rc).unwrap();
    let err = import(&mut mon, &rc, None).unwrap_err();
    assert_eq!(bundle_kind(&err), "bundle_bad_receipt", "{err}");
    assert!(
        err.to_string().contains("registered from its device card"),
        "the message must say to register HQ from its card: {err}"
    );
    // Registering HQ from its card pins the signing key; the same receipt is then accepted.
    keys::recipient_add_card(&mut mon, "hq", &card(&hq)).unwrap();
    import(&mut mon, &rc, None).unwrap();
}

#[test]
fn attachment_hq_did_not_store_is_not_purged() {
    let mut w = World::new();
    // HQ holds other bytes under the attachment's id, so the next full bundle's attachment is a
    // conflict there: HQ never stores the monitor's file.
    w.hq.conn
        .execute(
            "UPDATE attachment SET sha256 = ?2 WHERE id = ?1",
            rusqlite::params![w.attachment, "0".repeat(64)],
        )
        .unwrap();
    let b = w.export(&["hq"], false);
    import(&mut w.hq, &b, None).unwrap();
    let rc = w.receipt_from_hq();
    let r = open_receipt(&w.mon, &rc);
    let item = r
        .items
        .iter()
        .find(|i| i.record_id == w.attachment)
        .unwrap();
    assert_eq!(
        item.outcome,
        ReceiptOutcome::Conflict,
        "HQ states it did not store it"
    );
    import(&mut w.mon, &rc, None).unwrap();
    let s = purge_received(&mut w.mon).unwrap();
    assert!(
        w.attachment_exists(),
        "an attachment HQ did not store must not be purged: {s:?}"
    );
    assert_eq!(s.conflict.get("attachment"), Some(&1), "{s:?}");
    assert_eq!(
        s.still_needed.get("incident"),
        Some(&1),
        "its incident stays while the attachment needs it: {s:?}"
    );
    assert_eq!(s.blobs_deleted, 0);
}

#[test]
fn stale_and_old_outcome_free_receipt_items_are_not_purged() {
    let mut w = World::new();
    let genuine = w.receipt_from_hq();
    import(&mut w.mon, &genuine, None).unwrap();
    // Mark what HQ said as stale (HQ holds a newer version): nothing may be erased.
    w.mon
        .conn
        .execute("UPDATE receipt_item SET outcome = 'stale'", [])
        .unwrap();
    let s = purge_received(&mut w.mon).unwrap();
    assert!(s.purged.is_empty(), "stale copies are never erased: {s:?}");
    assert_eq!(s.stale.get("incident"), Some(&1), "{s:?}");
    // Items recorded before receipts carried outcomes are not proof either.
    w.mon
        .conn
        .execute("UPDATE receipt_item SET outcome = NULL", [])
        .unwrap();
    let s = purge_received(&mut w.mon).unwrap();
    assert!(
        s.purged.is_empty(),
        "an outcome-free receipt is not proof: {s:?}"
    );
    assert_eq!(s.unconfirmed.get("attachment"), Some(&1), "{s:?}");
    assert!(w.incident_exists() && w.attachment_exists());
}

#[test]
fn a_receipt_id_in_capitals_is_the_same_receipt() {
    let mut w = World::new();
    let genuine = w.receipt_from_hq();
    let first = match import(&mut w.mon, &genuine, None).unwrap() {
        ImportOutcome::Receipt(r) => r,
        other => panic!("expected a receipt, got {other:?}"),
    };
    assert!(!first.already_received);
    // HQ's own key signs the same receipt with its ids in capitals.
    let mut r = open_receipt(&w.mon, &genuine);
    r.receipt_id = r.receipt_id.to_uppercase();
    r.bundle_id = r.bundle_id.to_uppercase();
    for it in r.items.iter_mut() {
        it.record_id = it.record_id.to_uppercase();
    }
    let out = w.path("r");
    forge(&w.hq, &w.mon, &r, &out);
    match import(&mut w.mon, &out, None).unwrap() {
        ImportOutcome::Receipt(again) => assert!(
            again.already_received,
            "the same receipt id in capitals is the same receipt, not a second one"
        ),
        other => panic!("expected a receipt, got {other:?}"),
    }
    let receipts: i64 = w
        .mon
        .conn
        .query_row("SELECT count(*) FROM receipt", [], |x| x.get(0))
        .unwrap();
    assert_eq!(receipts, 1);
}
