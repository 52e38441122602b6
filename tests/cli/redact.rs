//! Redacted copies through the binary (issue 11): `evidence redact` and `testimony pseudonymise`
//! make new items linked to sealed originals, `evidence show` and `case show` name the links,
//! and a publication export carries the copies in place of the originals where consent asks for
//! anonymity, or refuses and writes nothing.

use std::io::Read;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::util::{contains_bytes, TestVault};

const NAME: &str = "Sok Dara";

fn photo(v: &TestVault, name: &str) -> std::path::PathBuf {
    let p = v.root().join(name);
    image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, ((x * y) % 251) as u8])
    })
    .save(&p)
    .unwrap();
    p
}

/// An incident with one testimony consented for anonymous publication, and a photo on it.
fn fixture() -> (TestVault, String, String, String) {
    let v = TestVault::new();
    let incident = v.add("incident", &json!({"title": "Arrest at the market"}));
    let t = v.add(
        "testimony",
        &json!({"incident_id": incident, "anonymous": true,
                "body": format!("{NAME} was beaten. I saw {NAME} taken to the police post."),
                "consent": {"internal_use": true, "share_with_hq": true, "publication": "anonymous"}}),
    );
    let p = photo(&v, "face.png");
    let a = v.json(&["attach", &t, p.to_str().unwrap(), "--json"]);
    (v, incident, t, a[0]["id"].as_str().unwrap().to_string())
}

fn zip_entries(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).unwrap();
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            (e.name().unwrap().to_string(), b)
        })
        .collect()
}

#[test]
fn evidence_redact_makes_a_linked_copy_and_leaves_the_original_sealed() {
    let (v, _, _, item) = fixture();
    let before = v.json(&["evidence", "show", &item, "--json"]);
    let copy = v.json(&[
        "evidence",
        "redact",
        &item,
        "--region",
        "2,3,10,8",
        "--region",
        "20,10,15,15",
        "--method",
        "blur",
        "--json",
    ]);
    assert_eq!(copy["original_id"], item.as_str());
    assert_eq!(
        copy["original_sha256"], before["sha256"],
        "the link names the original's hash"
    );
    assert_eq!(copy["method"], "blur");
    let copy_id = copy["id"].as_str().unwrap();
    let after = v.json(&["evidence", "show", &item, "--json"]);
    assert_eq!(
        after["sha256"], before["sha256"],
        "the original's hash is unchanged"
    );
    assert_eq!(
        after["redaction"]["derivatives"][0]["derivative_id"],
        copy_id
    );
    let shown = v.ok(&["evidence", "show", copy_id]);
    assert!(
        shown.contains(&format!("redacted copy (blur) of attachment {item}")),
        "evidence show names the original: {shown}"
    );
    assert!(v
        .ok(&["evidence", "show", &item])
        .contains(&format!("redacted copy {copy_id} (blur)")));
    // Extracted, the copy is a PNG whose pixels outside the regions are the original's.
    let out = v.root().join("copy.png");
    v.ok(&[
        "evidence",
        "extract",
        copy_id,
        "--out",
        out.to_str().unwrap(),
    ]);
    let orig = image::open(v.root().join("face.png")).unwrap().into_rgb8();
    let red = image::open(&out).unwrap().into_rgb8();
    let inside = |x: u32, y: u32| {
        (2..12).contains(&x) && (3..11).contains(&y)
            || (20..35).contains(&x) && (10..25).contains(&y)
    };
    for (x, y, p) in red.enumerate_pixels() {
        if !inside(x, y) {
            assert_eq!(
                p,
                orig.get_pixel(x, y),
                "pixel ({x}, {y}) outside the regions"
            );
        }
    }
    assert_ne!(red, orig, "the regions are redacted");
    v.ok(&["verify"]);
    // Refusals: clear, their own kind, nothing stored.
    let n = v
        .json(&["evidence", "list", "--json"])
        .as_array()
        .unwrap()
        .len();
    v.run(&["evidence", "redact", &item, "--region", "30,20,11,5"])
        .expect_error("is not inside the photo, which is 40 × 30 pixels");
    v.run(&["evidence", "redact", &item, "--region", "1,2,3"])
        .expect_error("must be X,Y,W,H");
    v.run(&[
        "evidence", "redact", &item, "--region", "1,2,3,4", "--method", "swirl",
    ])
    .expect_error("unknown redaction method");
    v.run(&["evidence", "redact", copy_id, "--region", "1,2,3,4"])
        .expect_error("already a redacted copy");
    v.run(&[
        "--read-only",
        "evidence",
        "redact",
        &item,
        "--region",
        "1,2,3,4",
    ])
    .expect_error("read-only");
    assert_eq!(
        v.json(&["evidence", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        n
    );
}

#[test]
fn a_publication_export_carries_the_copies_of_an_anonymous_testimony_or_refuses() {
    let (v, incident, t, item) = fixture();
    let out = v.root().join("pub.zip");
    let export = |out: &std::path::Path| {
        v.run(&[
            "report",
            "uwazi",
            "--out",
            out.to_str().unwrap(),
            "--purpose",
            "publication",
            "--json",
        ])
    };
    // No pseudonymised text yet: refused, nothing written.
    export(&out).expect_error("has no pseudonymised copy");
    assert!(!out.exists(), "a refused export writes nothing");
    let o = export(&out);
    assert!(
        o.stderr.contains("saksi testimony pseudonymise"),
        "the CLI says what to type: {}",
        o.stderr
    );
    let text = v.json(&[
        "testimony",
        "pseudonymise",
        &t,
        "--replace",
        &format!("{NAME}=Witness A"),
        "--json",
    ]);
    assert_eq!(text["original_id"], t.as_str());
    // Then the photo has no redacted copy: refused too.
    export(&out).expect_error("has no redacted copy");
    assert!(!out.exists());
    let copy = v.json(&[
        "evidence",
        "redact",
        &item,
        "--region",
        "0,0,20,20",
        "--json",
    ]);
    let o = export(&out);
    assert!(o.success(), "{o:?}");
    let summary: Value = serde_json::from_str(&o.stdout).unwrap();
    let replaced = summary["replaced"].as_array().unwrap();
    assert_eq!(
        replaced.len(),
        2,
        "the consent check names both swaps: {summary}"
    );
    assert!(replaced.iter().any(|r| r["original_id"] == t.as_str()
        && r["derivative_id"] == text["id"]
        && r["method"] == "pseudonymise"));
    assert!(replaced.iter().any(|r| r["original_id"] == item.as_str()
        && r["derivative_id"] == copy["id"]
        && r["method"] == "pixelate"));
    let entries = zip_entries(&out);
    let raw = std::fs::read(&out).unwrap();
    assert!(
        !contains_bytes(&raw, NAME.as_bytes()),
        "the name is nowhere in the zip"
    );
    for (n, b) in &entries {
        assert!(
            !contains_bytes(b, NAME.as_bytes()),
            "{n} must not name the witness"
        );
    }
    let csv = String::from_utf8(entries[0].1.clone()).unwrap();
    assert!(
        csv.contains("Witness A was beaten"),
        "the pseudonymised text goes: {csv}"
    );
    let files: Vec<&(String, Vec<u8>)> = entries.iter().skip(1).collect();
    assert_eq!(
        files.len(),
        1,
        "one file: the redacted copy, not the original"
    );
    assert!(files[0].0.starts_with(copy["id"].as_str().unwrap()));
    assert_eq!(
        hex::encode(Sha256::digest(&files[0].1)),
        copy["sha256"].as_str().unwrap()
    );
    let human = v.ok(&[
        "report",
        "uwazi",
        "--out",
        v.root().join("h.zip").to_str().unwrap(),
        "--purpose",
        "publication",
    ]);
    assert!(
        human.contains(&format!(
            "replaced: attachment {item} by its pixelated copy"
        )),
        "{human}"
    );
    // A legal export carries the originals and no copy.
    let legal = v.root().join("legal.zip");
    v.ok(&[
        "report",
        "uwazi",
        "--out",
        legal.to_str().unwrap(),
        "--purpose",
        "legal",
    ]);
    // (consent for legal proceedings was not given: the testimony stays out of it entirely)
    assert!(!contains_bytes(
        &std::fs::read(&legal).unwrap(),
        NAME.as_bytes()
    ));
    let _ = incident;
}

#[test]
fn a_case_exhibit_list_shows_the_redactions_of_an_item() {
    let (v, _, _, item) = fixture();
    let copy = v.json(&["evidence", "redact", &item, "--region", "1,1,5,5", "--json"]);
    let case = v.ok(&["case", "new", "Prosecutor v. X"]).trim().to_string();
    v.ok(&["case", "add", &case, &item]);
    v.ok(&["case", "add", &case, copy["id"].as_str().unwrap()]);
    let shown = v.json(&["case", "show", &case, "--json"]);
    let r0 = shown["exhibits"][0]["redactions"].as_array().unwrap();
    assert_eq!(r0.len(), 1, "{shown}");
    assert!(r0[0].as_str().unwrap().contains(&format!(
        "redacted copy {} made (pixelate, 1 region(s)); this original is unchanged",
        copy["id"].as_str().unwrap()
    )));
    let r1 = shown["exhibits"][1]["redactions"][0].as_str().unwrap();
    assert!(
        r1.contains(&format!(
            "of attachment {item} (SHA-256 {})",
            copy["original_sha256"].as_str().unwrap()
        )),
        "{r1}"
    );
}
