use super::*;
use crate::evidence;
use crate::model::testimony::Consent;
use crate::model::{IncidentInput, TestimonyInput};
use crate::testutil;

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 16, |x, y| {
        image::Rgb([x as u8 ^ seed, y as u8, seed.wrapping_mul(7)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn input(title: &str, body: &str) -> CaptureInput {
    CaptureInput {
        incident: IncidentInput {
            title: title.into(),
            ..Default::default()
        },
        testimonies: vec![TestimonyInput {
            incident_id: String::new(),
            anonymous: true,
            language: Some("km".into()),
            body: body.into(),
            consent: Consent {
                internal_use: true,
                ..Default::default()
            },
            ..Default::default()
        }],
    }
}

fn blob_files(v: &Vault) -> usize {
    std::fs::read_dir(v.attachments_dir()).unwrap().count()
}

#[test]
fn a_new_incident_with_its_testimony_and_photos_is_saved_in_one_operation() {
    let (_dir, mut v) = testutil::vault();
    let a = png(1);
    let b = png(2);
    let ta = take_in(&mut v, "new", "one.png", &a[..], None, &mut ()).unwrap();
    take_in(&mut v, "new", "two.png", &b[..], None, &mut ()).unwrap();
    assert!(
        ta.pending.has_thumbnail,
        "a pending photo gets its thumbnail at take-in"
    );
    assert!(
        evidence::thumbnail(&v, &Uuid::parse_str(&ta.pending.id).unwrap())
            .unwrap()
            .is_some(),
        "the window can show a pending photo's thumbnail"
    );
    let saved = save(&mut v, "new", &input("ការវាយដំ", "គាត់បាននិយាយ")).unwrap();
    let inc = Uuid::parse_str(&saved.incident_id).unwrap();
    let got = v.incidents().get(&inc).unwrap();
    assert_eq!(
        got.testimony_ids, saved.testimony_ids,
        "the testimony belongs to the new incident"
    );
    let atts = evidence::list(&v, Some(&inc)).unwrap();
    assert_eq!(
        atts.len(),
        2,
        "every photo waiting in the draft is attached to the incident"
    );
    let want = [
        crate::crypto::hash::sha256_hex(&a),
        crate::crypto::hash::sha256_hex(&b),
    ];
    for att in &atts {
        assert!(
            want.contains(&att.sha256),
            "the SHA-256 taken at take-in is the original's"
        );
        evidence::verify_one(&v, &Uuid::parse_str(&att.id).unwrap()).expect("blob verifies");
        let intake = crate::custody::entries_for(&v, &att.id).unwrap();
        assert!(
            intake.iter().any(|e| e.action == "intake"),
            "each photo gets its intake custody entry when it becomes evidence"
        );
    }
    assert!(
        pending(&v, "new").unwrap().is_empty(),
        "nothing waits after the save"
    );
    assert_eq!(
        v.drafts().get("incident", "new").unwrap(),
        None,
        "the draft is gone"
    );
}

#[test]
fn a_refused_save_changes_nothing_and_keeps_the_draft_and_its_photos() {
    let (_dir, mut v) = testutil::vault();
    v.drafts_mut()
        .save("incident", "new", &serde_json::json!({"title": ""}))
        .unwrap();
    take_in(&mut v, "new", "one.png", &png(3)[..], None, &mut ()).unwrap();
    // The testimony is refused (no text) after the incident was written in the transaction.
    let err = save(&mut v, "new", &input("title", "  ")).unwrap_err();
    assert_eq!(err.kind(), "invalid_input", "{err}");
    assert!(
        v.incidents().list().unwrap().is_empty(),
        "a refused save must not leave the incident behind"
    );
    assert!(
        evidence::list(&v, None).unwrap().is_empty(),
        "nor an attachment"
    );
    assert_eq!(
        pending(&v, "new").unwrap().len(),
        1,
        "the photo still waits in the draft"
    );
    assert!(
        v.drafts().get("incident", "new").unwrap().is_some(),
        "the draft is kept"
    );
    let mut with_id = input("title", "text");
    with_id.testimonies[0].incident_id = Uuid::now_v7().to_string();
    assert_eq!(
        save(&mut v, "new", &with_id).unwrap_err().kind(),
        "invalid_input"
    );
}

#[test]
fn pending_photos_survive_a_lock_encrypted_and_the_unlock_cleanup_keeps_them() {
    let (dir, mut v) = testutil::vault();
    let canary = b"CANARY-pending-photo-bytes-7f3a".repeat(50);
    take_in(&mut v, "new", "note.txt", &canary[..], None, &mut ()).unwrap();
    v.lock().unwrap();
    let path = dir.path().join("v");
    for (file, _) in testutil::tree_hash(&path) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(31).any(|w| w == &canary[..31]),
            "a pending file's bytes must never be on disk in plaintext: {}",
            file.display()
        );
    }
    let mut v = Vault::open(&path, &testutil::pass()).unwrap();
    assert_eq!(
        pending(&v, "new").unwrap().len(),
        1,
        "a pending file survives a lock"
    );
    let saved = save(
        &mut v,
        "new",
        &CaptureInput {
            incident: IncidentInput {
                title: "t".into(),
                ..Default::default()
            },
            testimonies: vec![],
        },
    )
    .unwrap();
    let id = Uuid::parse_str(&saved.attachment_ids[0]).unwrap();
    evidence::verify_one(&v, &id).expect("the unlock's orphan cleanup must keep a pending blob");
}

#[test]
fn cancel_erases_the_pending_photos_and_their_encrypted_files() {
    let (_dir, mut v) = testutil::vault();
    let before = blob_files(&v);
    let t = take_in(&mut v, "new", "one.png", &png(4)[..], None, &mut ()).unwrap();
    take_in(&mut v, "new", "two.png", &png(5)[..], None, &mut ()).unwrap();
    assert_eq!(blob_files(&v), before + 2);
    remove(&mut v, "new", &t.pending.id).unwrap();
    assert_eq!(pending(&v, "new").unwrap().len(), 1);
    assert_eq!(
        blob_files(&v),
        before + 1,
        "a removed photo's encrypted file is removed"
    );
    assert_eq!(
        remove(&mut v, "new", &t.pending.id).unwrap_err().kind(),
        "not_found"
    );
    v.drafts_mut().discard("incident", "new").unwrap();
    assert!(
        pending(&v, "new").unwrap().is_empty(),
        "Cancel discards the draft's photos"
    );
    assert_eq!(blob_files(&v), before, "and their encrypted files");
}

#[test]
fn a_read_only_vault_takes_nothing_in() {
    let (dir, v) = testutil::vault();
    v.lock().unwrap();
    let path = dir.path().join("v");
    let mut ro = Vault::open_read_only(&path, &testutil::pass()).unwrap();
    let err = take_in(&mut ro, "new", "one.png", &png(6)[..], None, &mut ()).unwrap_err();
    assert_eq!(err.kind(), "vault_read_only", "{err}");
}

#[test]
fn a_witness_created_with_the_incident_is_named_by_its_local_reference() {
    let (_dir, mut v) = testutil::vault();
    let input: CaptureInput = serde_json::from_value(serde_json::json!({
        "incident": {
            "title": "ការវាយដំ",
            "people": { "p_a1": { "name": "សុខ វិចិត្រ" } },
            "involvements": [{ "person": "p_a1", "role": "victim" }],
        },
        "testimonies": [{
            "incident_id": "",
            "witness_id": "p_a1",
            "body": "គាត់បាននិយាយ",
            "consent": { "internal_use": true },
        }],
    }))
    .unwrap();
    let saved = save(&mut v, "new", &input).unwrap();
    let inc = v
        .incidents()
        .get(&Uuid::parse_str(&saved.incident_id).unwrap())
        .unwrap();
    let person = inc.involvements[0].person_id.clone();
    assert!(person.is_some(), "the victim is a stored person now");
    let t = v
        .testimonies()
        .get(&Uuid::parse_str(&saved.testimony_ids[0]).unwrap())
        .unwrap();
    assert_eq!(
        t.witness_id, person,
        "the testimony's witness is the person the same save created, not the reference"
    );
}

#[test]
fn a_witness_reference_that_names_nobody_is_refused_and_nothing_is_saved() {
    let (_dir, mut v) = testutil::vault();
    let mut input = input("ការវាយដំ", "គាត់បាននិយាយ");
    input.testimonies[0].anonymous = false;
    input.testimonies[0].witness_id = Some("p_nobody".into());
    assert!(save(&mut v, "new", &input).is_err());
    assert!(
        v.incidents().list().unwrap().is_empty(),
        "a refused capture must not leave an incident behind"
    );
}
