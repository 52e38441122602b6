//! Redacted copies: pixels change only inside the regions, the copy carries no metadata, the
//! original stays sealed and linked; pseudonymisation is consistent and whole-word; the links
//! travel in bundles and are checked there.

use std::io::Read;

use super::*;
use crate::bundle::{self, ExportOptions, ImportOutcome};
use crate::evidence;
use crate::model::testimony::Consent;
use crate::model::{RecordType, TestimonyInput};
use crate::testutil::{self, incident, jpeg_with_exif, noise, world};

fn png(img: &image::RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn testimony(v: &mut Vault, incident: &Uuid, body: &str, publication: &str) -> Uuid {
    v.testimonies_mut()
        .add(&TestimonyInput {
            incident_id: incident.to_string(),
            anonymous: true,
            body: body.into(),
            consent: Consent {
                internal_use: true,
                share_with_hq: true,
                legal_proceedings: true,
                publication: publication.into(),
                method: None,
                given_at: None,
            },
            ..Default::default()
        })
        .unwrap()
}

fn attach(v: &mut Vault, ty: RecordType, record: &Uuid, name: &str, bytes: &[u8]) -> Uuid {
    let a = evidence::intake_reader(v, ty, record, name, bytes).unwrap();
    Uuid::parse_str(&a.attachment.id).unwrap()
}

fn read(v: &Vault, id: &Uuid) -> Vec<u8> {
    let mut out = Vec::new();
    evidence::open_original(v, id)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn blob_file(v: &Vault, id: &Uuid) -> Vec<u8> {
    let name: String = v
        .conn
        .query_row(
            "SELECT blob_name FROM attachment WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    std::fs::read(v.attachments_dir().join(name)).unwrap()
}

fn inside(x: u32, y: u32, regions: &[Region]) -> bool {
    regions
        .iter()
        .any(|r| x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)
}

#[test]
fn a_redacted_photo_differs_only_inside_its_regions_and_the_original_is_unchanged_and_linked() {
    for method in [Method::Pixelate, Method::Blur] {
        let (_d, mut v) = testutil::vault();
        let inc = incident(&mut v, "t");
        let original = noise(97, 61);
        let id = attach(
            &mut v,
            RecordType::Incident,
            &inc,
            "scene.png",
            &png(&original),
        );
        let before = evidence::get(&v, &id).unwrap();
        let blob_before = blob_file(&v, &id);
        let regions = [
            Region {
                x: 5,
                y: 6,
                w: 20,
                h: 17,
            },
            Region {
                x: 60,
                y: 30,
                w: 37,
                h: 31,
            },
        ];
        let copy = redact_photo(&mut v, &id, &regions, method).unwrap();
        let copy_id = Uuid::parse_str(&copy.attachment.id).unwrap();
        assert_eq!(copy.attachment.media_type, "image/png");
        assert_eq!(
            copy.attachment.record_id,
            inc.to_string(),
            "the copy belongs to the same record"
        );
        let bytes = read(&v, &copy_id);
        assert_eq!(
            crate::crypto::hash::sha256_hex(&bytes),
            copy.attachment.sha256,
            "the copy is hashed at intake like every item"
        );
        let out = image::load_from_memory(&bytes).unwrap().into_rgb8();
        assert_eq!(out.dimensions(), original.dimensions());
        let mut changed_inside = 0u32;
        let mut area = 0u32;
        for (x, y, p) in out.enumerate_pixels() {
            if inside(x, y, &regions) {
                area += 1;
                changed_inside += u32::from(p != original.get_pixel(x, y));
            } else {
                assert_eq!(
                    p,
                    original.get_pixel(x, y),
                    "{method:?}: pixel ({x}, {y}) outside every region must be the original's"
                );
            }
        }
        assert!(
            changed_inside * 10 >= area * 9,
            "{method:?}: the regions must be redacted ({changed_inside} of {area} pixels changed)"
        );
        // The original: same row, same blob file byte for byte, same hash, still verifies.
        let after = evidence::get(&v, &id).unwrap();
        assert_eq!(
            serde_json::to_value(&after).unwrap(),
            serde_json::to_value(&before).unwrap(),
            "the original's row must not change"
        );
        assert_eq!(
            blob_file(&v, &id),
            blob_before,
            "the original's blob must not change"
        );
        assert_eq!(read(&v, &id), png(&original));
        assert!(evidence::verify_one(&v, &id).is_ok());
        // Linked both ways, with the original's hash and what was done.
        let l = links(&v, &id).unwrap();
        assert!(l.original.is_none());
        assert_eq!(l.derivatives.len(), 1);
        let d = &l.derivatives[0];
        assert_eq!(d.derivative_id, copy.attachment.id);
        assert_eq!(
            d.original_sha256, before.sha256,
            "the link names the original's SHA-256"
        );
        assert_eq!(d.method, method.as_str());
        assert_eq!(d.details["regions"][1]["w"], 37);
        assert_eq!(d.device_id, v.device().id());
        assert_eq!(links(&v, &copy_id).unwrap().original.as_ref(), Some(d));
        // A signed redaction entry on each, naming the other.
        for (subject, other) in [(&id, &copy_id), (&copy_id, &id)] {
            let e: Vec<_> = crate::custody::entries_for(&v, &subject.to_string())
                .unwrap()
                .into_iter()
                .filter(|e| e.action == "redaction")
                .collect();
            assert_eq!(e.len(), 1, "one redaction entry on {subject}");
            assert!(e[0]
                .details
                .as_deref()
                .unwrap()
                .contains(&other.to_string()));
        }
        assert!(crate::custody::verify_chain(&v).is_ok());
    }
}

#[test]
fn a_redacted_copy_carries_no_metadata_and_is_upright() {
    let (_d, mut v) = testutil::vault();
    let inc = incident(&mut v, "t");
    const CANARY: &str = "CANARY-CAMERA-MAKE-77";
    let jpeg = jpeg_with_exif(64, 48, CANARY);
    let id = attach(&mut v, RecordType::Incident, &inc, "IMG_0001.jpg", &jpeg);
    let stored = evidence::get(&v, &id).unwrap();
    assert!(
        stored.exif.as_ref().and_then(|e| e.gps.as_ref()).is_some(),
        "the test photo must carry GPS, or this test proves nothing"
    );
    let copy = redact_photo(
        &mut v,
        &id,
        &[Region {
            x: 0,
            y: 0,
            w: 10,
            h: 10,
        }],
        Method::Blur,
    )
    .unwrap();
    assert_eq!(copy.attachment.original_name, "IMG_0001-redacted.png");
    assert!(
        copy.attachment.exif.is_none(),
        "intake finds no EXIF in the copy"
    );
    let bytes = read(&v, &Uuid::parse_str(&copy.attachment.id).unwrap());
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&bytes))
            .is_err(),
        "kamadak-exif must find no EXIF in the redacted copy"
    );
    for marker in [
        &b"Exif"[..],
        b"http://ns.adobe.com/xap",
        b"<x:xmpmeta",
        b"iCCP",
        b"eXIf",
        b"tEXt",
        b"zTXt",
        b"iTXt",
        b"tIME",
        CANARY.as_bytes(),
    ] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker),
            "the copy must not contain {:?}",
            String::from_utf8_lossy(marker)
        );
    }
    // Only the chunks that carry pixels: IHDR, IDAT…, IEND.
    let mut chunks = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        chunks.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        at += 12 + len;
    }
    chunks.dedup();
    assert_eq!(chunks, ["IHDR", "IDAT", "IEND"], "no ancillary PNG chunk");
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (48, 64),
        "EXIF orientation 6 is applied to the pixels, since the copy has no EXIF to turn it"
    );
}

#[test]
fn bad_regions_and_non_photos_are_refused_and_nothing_is_stored() {
    let (_d, mut v) = testutil::vault();
    let inc = incident(&mut v, "t");
    let id = attach(
        &mut v,
        RecordType::Incident,
        &inc,
        "a.png",
        &png(&noise(40, 30)),
    );
    let doc = attach(&mut v, RecordType::Incident, &inc, "a.txt", b"plain text");
    let count = |v: &Vault| {
        (
            evidence::list(v, None).unwrap().len(),
            crate::custody::entries(v).unwrap().len(),
        )
    };
    let before = count(&v);
    let r = |x, y, w, h| Region { x, y, w, h };
    for (regions, kind) in [
        (vec![], "derivative_no_regions"),
        (vec![r(30, 0, 11, 5)], "derivative_region_outside"),
        (vec![r(0, 25, 5, 6)], "derivative_region_outside"),
        (vec![r(0, 0, 0, 5)], "derivative_region_outside"),
        (vec![r(u32::MAX, 0, 2, 2)], "derivative_region_outside"),
    ] {
        let e = redact_photo(&mut v, &id, &regions, Method::Pixelate).unwrap_err();
        assert_eq!(e.kind(), kind, "{regions:?}: {e}");
    }
    let e = redact_photo(&mut v, &doc, &[r(0, 0, 1, 1)], Method::Pixelate).unwrap_err();
    assert_eq!(e.kind(), "derivative_not_a_photo");
    assert!(Region::parse("1,2,3").is_err() && Region::parse("1,2,3,x").is_err());
    assert_eq!(
        Region::parse(" ១,2, 3,4").unwrap(),
        r(1, 2, 3, 4),
        "Khmer digits are read"
    );
    assert_eq!(
        Method::parse("mosaic").unwrap_err().kind(),
        "derivative_bad_method"
    );
    assert_eq!(
        count(&v),
        before,
        "a refused redaction stores nothing and logs nothing"
    );
    // A copy of a copy is refused: redact the original with every region.
    let copy = redact_photo(&mut v, &id, &[r(0, 0, 4, 4)], Method::Pixelate).unwrap();
    let e = redact_photo(
        &mut v,
        &Uuid::parse_str(&copy.attachment.id).unwrap(),
        &[r(0, 0, 4, 4)],
        Method::Pixelate,
    )
    .unwrap_err();
    assert_eq!(e.kind(), "derivative_already_derived");
}

#[test]
fn redaction_is_refused_read_only_and_in_review_mode() {
    let (d, mut v) = testutil::vault();
    let inc = incident(&mut v, "t");
    let id = attach(
        &mut v,
        RecordType::Incident,
        &inc,
        "a.png",
        &png(&noise(20, 20)),
    );
    let t = testimony(&mut v, &inc, "Dara was there", "anonymous");
    let reg = [Region {
        x: 0,
        y: 0,
        w: 5,
        h: 5,
    }];
    let rep = [parse_replacement("Dara=A").unwrap()];
    v.set_review_mode(true).unwrap();
    assert_eq!(
        redact_photo(&mut v, &id, &reg, Method::Blur)
            .unwrap_err()
            .kind(),
        "vault_review_mode"
    );
    assert_eq!(
        pseudonymise_testimony(&mut v, &t, &rep).unwrap_err().kind(),
        "vault_review_mode"
    );
    v.set_review_mode(false).unwrap();
    let dir = v.dir().to_path_buf();
    drop(v);
    let before = testutil::tree_hash(&dir);
    let mut ro = Vault::open_read_only(&dir, &testutil::pass()).unwrap();
    assert_eq!(
        redact_photo(&mut ro, &id, &reg, Method::Blur)
            .unwrap_err()
            .kind(),
        "vault_read_only"
    );
    assert_eq!(
        pseudonymise_testimony(&mut ro, &t, &rep)
            .unwrap_err()
            .kind(),
        "vault_read_only"
    );
    drop(ro);
    assert_eq!(
        testutil::tree_hash(&dir),
        before,
        "read-only: no byte changed"
    );
    drop(d);
}

fn rep(pairs: &[(&str, &str)]) -> Vec<Replacement> {
    pairs
        .iter()
        .map(|(n, p)| Replacement {
            name: n.to_string(),
            pseudonym: p.to_string(),
        })
        .collect()
}

#[test]
fn pseudonymisation_replaces_every_whole_word_occurrence_consistently() {
    let text = "Sok Dara met DARA's brother in Takeo. dara said: Takeo!  Sok\nDara left. Darapong stayed; Adara too.";
    let (out, counts) = pseudonymise(
        text,
        &rep(&[
            ("Dara", "Witness A"),
            ("sok dara", "Witness A"),
            ("Takeo", "Village C"),
        ]),
    )
    .unwrap();
    assert_eq!(
        out,
        "Witness A met Witness A's brother in Village C. Witness A said: Village C!  Witness A left. Darapong stayed; Adara too."
    );
    assert_eq!(
        counts,
        [2, 2, 2],
        "each occurrence counted under its own name"
    );
    // Khmer: no spaces between words; a match never cuts a character (vowel sign after it,
    // coeng before it) and invisible characters inside the text are skipped.
    let km = "សុខ\u{200B}ដារា បាននិយាយថា ដារាមកពីតាកែវ។ ដារ";
    let (out, _) = pseudonymise(km, &rep(&[("ដារា", "សាក្សី ក"), ("តាកែវ", "ភូមិ គ")])).unwrap();
    assert_eq!(out, "សុខ\u{200B}សាក្សី ក បាននិយាយថា សាក្សី កមកពីភូមិ គ។ ដារ");
    let (out, _) = pseudonymise("ដារា ដារ", &rep(&[("ដារ", "X")])).unwrap();
    assert_eq!(
        out, "ដារា X",
        "ដារ inside ដារា (before its vowel sign) is not the name ដារ"
    );
    // Decomposed input is matched as the reader sees it (NFC).
    let (out, _) = pseudonymise("Ne\u{301}ry", &rep(&[("Néry", "B")])).unwrap();
    assert_eq!(out, "B");
}

#[test]
fn pseudonymisation_refuses_what_would_leave_a_name_behind() {
    let kind = |r: Vec<Replacement>| pseudonymise("Dara and Chea", &r).unwrap_err().kind();
    assert_eq!(kind(rep(&[("Vanna", "A")])), "derivative_name_not_found");
    assert_eq!(
        kind(rep(&[("Dar", "A")])),
        "derivative_name_not_found",
        "whole words only"
    );
    assert_eq!(
        kind(rep(&[("Dara", "A"), ("dara", "B")])),
        "derivative_bad_replacement"
    );
    assert_eq!(
        kind(rep(&[("Dara", "Dara K")])),
        "derivative_bad_replacement"
    );
    assert_eq!(kind(rep(&[("Dara", " ")])), "derivative_bad_replacement");
    assert_eq!(kind(vec![]), "derivative_bad_replacement");
    assert!(parse_replacement("no equals sign").is_err());
    assert_eq!(
        parse_replacement(" Sok Dara = Witness A ").unwrap(),
        Replacement {
            name: "Sok Dara".into(),
            pseudonym: "Witness A".into()
        }
    );
}

#[test]
fn a_preview_counts_a_missing_name_as_zero_and_otherwise_matches_the_copy() {
    let text = "Sok Dara met Chea at Prey Sar; sok  dara left.";
    let r = rep(&[("Sok Dara", "A"), ("Prey Sarr", "P"), ("Chea", "B")]);
    let (out, counts) = pseudonymise_preview(text, &r).unwrap();
    assert_eq!(counts, vec![2, 0, 1]);
    assert_eq!(out, "A met B at Prey Sar; A left.");
    // The copy itself refuses the typo; without it, preview and copy agree.
    assert_eq!(
        pseudonymise(text, &r).unwrap_err().kind(),
        "derivative_name_not_found"
    );
    let ok = rep(&[("Sok Dara", "A"), ("Chea", "B")]);
    assert_eq!(
        pseudonymise_preview(text, &ok).unwrap(),
        pseudonymise(text, &ok).unwrap()
    );
    // The checks of the replacements themselves are the copy's.
    assert_eq!(
        pseudonymise_preview(text, &rep(&[("Dara", "A"), ("dara", "B")]))
            .unwrap_err()
            .kind(),
        "derivative_bad_replacement"
    );
}

#[test]
fn a_pseudonymised_testimony_is_a_new_linked_text_and_the_testimony_is_unchanged() {
    let (_d, mut v) = testutil::vault();
    let inc = incident(&mut v, "t");
    let t = testimony(
        &mut v,
        &inc,
        "Chea saw Dara beaten in Takeo. Dara fell.",
        "anonymous",
    );
    let before = v.testimonies().get(&t).unwrap();
    let copy = pseudonymise_testimony(
        &mut v,
        &t,
        &rep(&[
            ("Dara", "Victim A"),
            ("Chea", "Witness B"),
            ("Takeo", "a town"),
        ]),
    )
    .unwrap();
    let copy_id = Uuid::parse_str(&copy.attachment.id).unwrap();
    assert_eq!(copy.attachment.record_type, "testimony");
    assert_eq!(copy.attachment.media_type, "text/plain");
    assert_eq!(
        String::from_utf8(read(&v, &copy_id)).unwrap(),
        "Witness B saw Victim A beaten in a town. Victim A fell."
    );
    assert_eq!(
        v.testimonies().get(&t).unwrap(),
        before,
        "the testimony is not changed"
    );
    let l = links(&v, &copy_id).unwrap().original.unwrap();
    assert_eq!(l.original_type, "testimony");
    assert_eq!(l.original_id, t.to_string());
    assert_eq!(
        l.original_sha256,
        crate::crypto::hash::sha256_hex(before.body.as_bytes())
    );
    let recorded = serde_json::to_string(&l.details).unwrap();
    for name in ["Dara", "Chea", "Takeo"] {
        assert!(
            !recorded.contains(name),
            "the link never records a replaced name"
        );
    }
    let log = serde_json::to_string(&crate::custody::entries(&v).unwrap()).unwrap();
    assert!(!log.contains("Takeo"), "nor does the custody log");
    assert_eq!(links(&v, &t).unwrap().derivatives, vec![l]);
}

#[test]
fn redacted_copies_travel_in_a_bundle_with_their_link_checked_against_the_original() {
    let w = world();
    let (tmp, mut mon, mut hq) = (w.tmp, w.mon, w.hq);
    let inc = incident(&mut mon, "t");
    let t = testimony(&mut mon, &inc, "Dara spoke.", "anonymous");
    let photo = attach(
        &mut mon,
        RecordType::Testimony,
        &t,
        "p.png",
        &png(&noise(30, 20)),
    );
    let copy = redact_photo(
        &mut mon,
        &photo,
        &[Region {
            x: 1,
            y: 1,
            w: 8,
            h: 8,
        }],
        Method::Pixelate,
    )
    .unwrap();
    let text = pseudonymise_testimony(&mut mon, &t, &rep(&[("Dara", "A")])).unwrap();
    let out = tmp.path().join("b.saksi");
    bundle::export(
        &mut mon,
        &ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let ImportOutcome::Imported(_) = bundle::import(&mut hq, &out, None).unwrap() else {
        panic!("the bundle must import");
    };
    let at_mon = links(&mon, &photo).unwrap();
    let at_hq = links(&hq, &photo).unwrap();
    assert_eq!(
        at_hq.derivatives, at_mon.derivatives,
        "HQ holds the same link"
    );
    let copy_id = Uuid::parse_str(&copy.attachment.id).unwrap();
    assert_eq!(
        evidence::get(&hq, &photo).unwrap().sha256,
        at_hq.derivatives[0].original_sha256,
        "the link's original hash is the original's"
    );
    assert_eq!(read(&hq, &copy_id), read(&mon, &copy_id));
    assert_eq!(
        links(&hq, &t).unwrap().derivatives.len(),
        1,
        "the text copy's link too"
    );
    assert_eq!(
        links(&hq, &t).unwrap().derivatives[0].derivative_id,
        text.attachment.id
    );
    // Importing again changes nothing (idempotent).
    let n = |v: &Vault| all(&v.conn).unwrap().len();
    let held = n(&hq);
    let _ = bundle::import(&mut hq, &out, None);
    assert_eq!(n(&hq), held);
    // A link naming a hash the original does not have is refused at import.
    let tx = hq.conn.unchecked_transaction().unwrap();
    tx.execute(
        "DELETE FROM derivative WHERE derivative_id = ?1",
        [copy_id.to_string()],
    )
    .unwrap();
    tx.execute(
        "UPDATE imported_custody SET details = replace(details, ?1, ?2)
         WHERE action = 'redaction' AND subject_id = ?3",
        rusqlite::params![
            at_hq.derivatives[0].original_sha256,
            "0".repeat(64),
            copy_id.to_string()
        ],
    )
    .unwrap();
    let e = link_imported(&tx).unwrap_err();
    assert_eq!(e.kind(), "bundle_inconsistent", "{e}");
}

#[test]
fn a_publication_export_refuses_a_pseudonymised_copy_older_than_the_testimony() {
    let (d, mut v) = testutil::vault();
    let inc = incident(&mut v, "t");
    let t = testimony(&mut v, &inc, "Dara spoke.", "anonymous");
    pseudonymise_testimony(&mut v, &t, &rep(&[("Dara", "A")])).unwrap();
    let opts = |name: &str| crate::report::UwaziOptions {
        out: d.path().join(name),
        purpose: crate::report::Purpose::Publication,
        langs: vec![],
        incidents: vec![],
        include_restricted: false,
    };
    let s = v.export_uwazi(&opts("a.zip")).unwrap();
    assert_eq!(s.replaced.len(), 1);
    assert_eq!(s.replaced[0].original_id, t.to_string());
    let mut input = TestimonyInput {
        incident_id: inc.to_string(),
        anonymous: true,
        body: "Dara spoke again, naming Chea.".into(),
        ..Default::default()
    };
    input.consent.publication = "anonymous".into();
    v.testimonies_mut().update(&t, &input).unwrap();
    let e = v.export_uwazi(&opts("b.zip")).unwrap_err();
    assert_eq!(e.kind(), "derivative_text_copy_outdated", "{e}");
    assert!(!d.path().join("b.zip").exists(), "nothing written");
    pseudonymise_testimony(&mut v, &t, &rep(&[("Dara", "A"), ("Chea", "B")])).unwrap();
    let s = v.export_uwazi(&opts("c.zip")).unwrap();
    assert_eq!(
        s.replaced.len(),
        1,
        "the newest copy, made from this text, goes"
    );
}
