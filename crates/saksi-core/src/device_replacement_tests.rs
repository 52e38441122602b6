//! A vault restored with a new device identity (issue 16): HQ honours the replacement only from
//! the new, trusted device with the old device's pinned key's signature, then refuses the old
//! laptop's bundles and lets the new device carry on the old one's records.

use std::path::{Path, PathBuf};

use super::*;
use crate::backup::{self, BackupSecret, NewDevice};
use crate::bundle::{self, keys, ExportOptions, ImportOutcome};
use crate::model::IncidentInput;
use crate::testutil::{self, pass};
use crate::vault::KdfProfile;

fn card(v: &Vault) -> Vec<u8> {
    serde_json::to_vec(&keys::device_card(v).unwrap()).unwrap()
}

fn export(v: &mut Vault, out: PathBuf) -> PathBuf {
    bundle::export(
        v,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    out
}

fn add(v: &mut Vault, title: &str) -> uuid::Uuid {
    v.incidents_mut()
        .add(&IncidentInput {
            title: title.into(),
            description: "seen".into(),
            ..Default::default()
        })
        .unwrap()
}

fn retitle(v: &mut Vault, id: &uuid::Uuid, title: &str) {
    v.incidents_mut()
        .update(
            id,
            &IncidentInput {
                title: title.into(),
                description: "seen".into(),
                ..Default::default()
            },
        )
        .unwrap();
}

fn backup_secret() -> BackupSecret {
    BackupSecret::Passphrase(secrecy::SecretString::from(
        "a backup phrase of seven words here".to_string(),
    ))
}

/// A monitor whose incident `sent` HQ holds, and a backup of it; `unsent` was never exported.
fn setup(root: &Path) -> (testutil::World, PathBuf, uuid::Uuid, uuid::Uuid) {
    let mut w = testutil::world();
    let sent = add(&mut w.mon, "sent before the laptop was lost");
    let b = export(&mut w.mon, root.join("b1.saksi"));
    bundle::import(&mut w.hq, &b, None).unwrap();
    let unsent = add(&mut w.mon, "written before the backup, never sent");
    let file = root.join("backup.age");
    w.mon
        .backup(&file, &backup_secret(), KdfProfile::Minimum)
        .unwrap();
    (w, file, sent, unsent)
}

#[test]
fn a_restore_with_a_new_device_retires_the_old_one_at_hq() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut w, file, sent, unsent) = setup(tmp.path());
    let old_id = w.mon.device().id().to_string();

    let to = tmp.path().join("restored");
    let r = backup::restore_as(
        &file,
        &to,
        &backup_secret(),
        NewDevice::Take(&pass()),
        &mut (),
    )
    .unwrap();
    let n = r
        .new_device
        .clone()
        .expect("a new device identity was taken");
    assert_eq!(n.old_device, old_id);
    let mut new = Vault::open(&to, &pass()).unwrap();
    assert_eq!(new.device().id(), n.new_device);
    assert_ne!(n.new_device, old_id, "a new id, from a new key");
    assert_eq!(new.device().name(), w.mon.device().name(), "the same name");
    assert!(new.verify().unwrap().ok(), "the restored vault verifies");
    assert_eq!(new.former_devices().unwrap()[0].0, old_id);

    // The new device edits what the old one sent, and sends everything. HQ must trust its
    // card first: the statement alone never makes a device trusted.
    retitle(&mut new, &sent, "edited on the new laptop");
    let b = export(&mut new, tmp.path().join("b2.saksi"));
    let e = bundle::import(&mut w.hq, &b, None).unwrap_err();
    assert_eq!(e.kind(), "bundle_unknown_signer", "{e}");
    keys::trust_add(&mut w.hq, &card(&new)).unwrap();
    let ImportOutcome::Imported(s) = bundle::import(&mut w.hq, &b, None).unwrap() else {
        panic!("imported")
    };
    assert_eq!(s.conflicts.values().sum::<u64>(), 0, "no conflict: {s:?}");
    assert_eq!(
        w.hq.incidents().get(&sent).unwrap().title,
        "edited on the new laptop",
        "the new device carries on the old one's record as a fast-forward"
    );
    assert!(
        w.hq.incidents().get(&unsent).is_ok(),
        "a record the old device wrote and never sent is proven by the old key's attestation"
    );
    let old = keys::trust_list(&w.hq)
        .unwrap()
        .into_iter()
        .find(|d| d.id == old_id)
        .unwrap();
    assert_eq!(old.superseded_by.as_deref(), Some(n.new_device.as_str()));
    assert!(old.revoked_at.is_some(), "the old device is revoked at HQ");

    // The old laptop, in other hands, goes on signing as the old device: refused, nothing
    // changes at HQ.
    retitle(
        &mut w.mon,
        &sent,
        "rewritten by whoever holds the old laptop",
    );
    let b = export(&mut w.mon, tmp.path().join("b3.saksi"));
    let before = testutil::tree_hash(w.hq.dir());
    let e = bundle::import(&mut w.hq, &b, None).unwrap_err();
    assert_eq!(e.kind(), "bundle_superseded_signer", "{e}");
    assert!(e.to_string().contains(&n.new_device), "{e}");
    assert_eq!(
        testutil::tree_hash(w.hq.dir()),
        before,
        "nothing was imported"
    );
    assert_eq!(
        w.hq.incidents().get(&sent).unwrap().title,
        "edited on the new laptop"
    );

    // The same replacement again (every bundle carries it) changes nothing and is accepted.
    retitle(&mut new, &sent, "edited again");
    let b = export(&mut new, tmp.path().join("b4.saksi"));
    bundle::import(&mut w.hq, &b, None).unwrap();
    assert_eq!(w.hq.incidents().get(&sent).unwrap().title, "edited again");
}

#[test]
fn a_restore_that_keeps_the_device_keeps_its_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let (w, file, _, _) = setup(tmp.path());
    let to = tmp.path().join("restored");
    let r = backup::restore(&file, &to, &backup_secret()).unwrap();
    assert!(r.new_device.is_none());
    let v = Vault::open(&to, &pass()).unwrap();
    assert_eq!(v.device().id(), w.mon.device().id());
    assert!(v.former_devices().unwrap().is_empty());
}

#[test]
fn a_wrong_vault_passphrase_restores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (_w, file, _, _) = setup(tmp.path());
    let to = tmp.path().join("restored");
    let wrong = secrecy::SecretString::from("not the vault passphrase at all".to_string());
    let e = backup::restore_as(
        &file,
        &to,
        &backup_secret(),
        NewDevice::Take(&wrong),
        &mut (),
    )
    .unwrap_err();
    assert_eq!(e.kind(), "wrong_passphrase");
    assert!(!to.exists(), "nothing was restored");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".saksi-restore")
        })
        .collect();
    assert!(left.is_empty(), "no staging folder is left behind");
}

/// Another trusted device (a coerced insider) cannot retire a colleague's device: its statement
/// is not signed by the key HQ pinned for that device.
#[test]
fn a_trusted_device_cannot_retire_another() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut w, _, _, _) = setup(tmp.path());
    let victim = w.mon.device().id().to_string();
    let mut z = testutil::named_vault(tmp.path(), "insider");
    keys::recipient_add(&mut z, "hq", &keys::hq_recipient(&w.hq).unwrap()).unwrap();
    keys::trust_add(&mut w.hq, &card(&z)).unwrap();
    // Z forges "victim is replaced by Z", signing the old half with its own key.
    let mut st = Statement {
        old_device: victim.clone(),
        old_public_key: public_key_hex(&z.device().public_key()),
        new_device: z.device().id().to_string(),
        new_public_key: public_key_hex(&z.device().public_key()),
        at: crate::model::now(),
        old_signature: String::new(),
    };
    st.old_signature = hex::encode(z.device().sign(&st.message()));
    custody::append_on(
        &z.conn,
        &z.device,
        Action::DeviceReplaced,
        Some(("device", &victim)),
        None,
        Some(&serde_json::to_string(&st).unwrap()),
    )
    .unwrap();
    add(&mut z, "anything");
    let b = export(&mut z, tmp.path().join("z.saksi"));
    let e = bundle::import(&mut w.hq, &b, None).unwrap_err();
    assert_eq!(e.kind(), "bundle_bad_replacement", "{e}");
    let d = keys::trust_list(&w.hq)
        .unwrap()
        .into_iter()
        .find(|d| d.id == victim)
        .unwrap();
    assert!(
        d.superseded_by.is_none() && d.revoked_at.is_none(),
        "the colleague's device stays trusted"
    );
}
