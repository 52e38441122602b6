//! `saksi report uwazi`: the zip opens, `import.csv` follows Uwazi's CSV import conventions
//! (title, `|`-joined multiselects, `YYYY/MM/DD` dates, `from:to` ranges, `lat|lon`
//! geolocation, `Parent::Child` places, `__km` translations with Khmer intact), the files it
//! names are in the zip with the SHA-256 recorded at intake; and only what consent allows for
//! the purpose goes in (canaries scanned in every entry of the zip and in its raw bytes).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::util::{contains_bytes, TestVault};

const NO_PUBLICATION: &str = "CANARY-NO-PUBLICATION-91";
const NO_PUBLICATION_FILE: &str = "CANARY-FILE-NO-PUBLICATION-92";
const RESTRICTED: &str = "CANARY-RESTRICTED-93";
const CONTACT: &str = "CANARY-CONTACT-94";
const KHMER_TITLE: &str = "ការចាប់ខ្លួននៅផ្សារ";

struct Fixture {
    v: TestVault,
    incident: String,
    /// Attachment id → SHA-256 printed by `saksi attach`.
    hashes: BTreeMap<String, String>,
}

fn attach(v: &TestVault, record: &str, name: &str, content: &str) -> (String, String) {
    let file = v.root().join(name);
    std::fs::write(&file, content).unwrap();
    let a = v.json(&["attach", record, file.to_str().unwrap(), "--json"]);
    std::fs::remove_file(&file).unwrap();
    (
        a[0]["id"].as_str().unwrap().to_string(),
        a[0]["sha256"].as_str().unwrap().to_string(),
    )
}

/// An incident with a victim (with a phone number), two testimonies (one consented for
/// publication, anonymously, with its pseudonymised text and a photo with its redacted copy; one
/// only for legal proceedings), a file on each and one on the incident; and a restricted
/// incident.
fn fixture() -> Fixture {
    let v = TestVault::new();
    let incident = v.add(
        "incident",
        &json!({
            "title": KHMER_TITLE,
            "description": "Three people arrested, one beaten.",
            "kinds": ["assault", "arbitrary_arrest"],
            "start": {"date": "2024-03-08"},
            "end": {"date": "2024-03-10"},
            "place": {"name": "Ta Khmau", "admin_area": "Kandal",
                      "latitude": 11.55, "longitude": 104.92},
            "people": {"p1": {"name": "Sok Chea", "contacts": [{"kind": "phone", "value": CONTACT}]}},
            "involvements": [
                {"person": "p1", "role": "victim"},
                {"role": "perpetrator", "perpetrator_type": "police",
                 "counting": {"unit": "group", "min": 3, "description": "police officers"}}
            ],
            "proceedings": [{"person": "p1", "kind": "detained", "date": {"date": "2024-03-08"},
                             "authority": "Kandal police"}]
        }),
    );
    let public = v.add(
        "testimony",
        &json!({"incident_id": incident, "anonymous": true, "body": "I saw the arrest.",
                "consent": {"internal_use": true, "share_with_hq": true, "publication": "anonymous"}}),
    );
    let private = v.add(
        "testimony",
        &json!({"incident_id": incident, "anonymous": true, "body": NO_PUBLICATION,
                "consent": {"internal_use": true, "share_with_hq": true,
                            "legal_proceedings": true, "publication": "none"}}),
    );
    v.add(
        "incident",
        &json!({"title": RESTRICTED, "kinds": ["other"], "sensitivity": "restricted",
                "start": {"date": "2024-04-01"}}),
    );
    let mut hashes = BTreeMap::new();
    for (record, name, content) in [
        (&incident, "scene.jpg", "INCIDENT-FILE-BYTES"),
        (&private, "recording.txt", NO_PUBLICATION_FILE),
    ] {
        let (id, sha) = attach(&v, record, name, content);
        hashes.insert(id, sha);
    }
    // Anonymous publication: the statement (not a photo) stays out, the photo goes as its
    // redacted copy, the text as its pseudonymised copy (issue 11).
    attach(&v, &public, "statement.txt", "PUBLIC-STATEMENT-FILE");
    let photo = v.root().join("face.png");
    image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 9, y as u8 * 9, 7]))
        .save(&photo)
        .unwrap();
    let a = v.json(&["attach", &public, photo.to_str().unwrap(), "--json"]);
    let copy = v.json(&[
        "evidence",
        "redact",
        a[0]["id"].as_str().unwrap(),
        "--region",
        "0,0,8,8",
        "--json",
    ]);
    hashes.insert(
        copy["id"].as_str().unwrap().to_string(),
        copy["sha256"].as_str().unwrap().to_string(),
    );
    v.ok(&[
        "testimony",
        "pseudonymise",
        &public,
        "--replace",
        "arrest=detention",
    ]);
    Fixture {
        v,
        incident,
        hashes,
    }
}

/// Every entry of the zip by name, read back with the zip crate.
fn entries(zip_path: &Path) -> Vec<(String, Vec<u8>)> {
    let f = std::fs::File::open(zip_path).expect("the zip was written");
    let mut z = zip::ZipArchive::new(f).expect("the Uwazi export is a zip that opens");
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().expect("an entry name").to_string(), bytes)
        })
        .collect()
}

fn export(v: &TestVault, name: &str, extra: &[&str]) -> (Value, Vec<(String, Vec<u8>)>) {
    let out = v.root().join(name);
    let mut args = vec!["report", "uwazi", "--out", out.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let o = v.run(&args);
    assert!(o.success(), "`saksi report uwazi` must succeed: {o:?}");
    assert!(
        o.stderr.contains("not encrypted"),
        "the CLI must say the zip is plaintext: {:?}",
        o.stderr
    );
    let s: Value = serde_json::from_str(&o.stdout).unwrap();
    (s, entries(&out))
}

/// import.csv's rows as header → cell maps.
fn rows(csv_bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("import.csv parses as CSV");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The labels of `codes` in `lang`, in the vocabulary's own order (Uwazi lists a thesaurus's
/// values in its order), joined by `|`.
fn labels(v: &TestVault, vocab: &str, codes: &[&str], lang: &str) -> String {
    let terms = v.json(&["vocab", vocab, "--json"]);
    let found: Vec<String> = terms
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| codes.iter().any(|c| t["code"] == *c))
        .map(|t| t[format!("label_{lang}")].as_str().unwrap().to_string())
        .collect();
    assert_eq!(found.len(), codes.len(), "every code is a term of {vocab}");
    found.join("|")
}

#[test]
fn an_uwazi_zip_holds_import_csv_in_uwazi_conventions_and_the_files_it_names_as_stored() {
    let f = fixture();
    let (summary, zip) = export(&f.v, "publication.zip", &["--purpose", "publication"]);
    assert_eq!(
        zip[0].0, "import.csv",
        "import.csv must be the zip's first, root entry"
    );
    let text = std::str::from_utf8(&zip[0].1).expect("import.csv is UTF-8");
    assert!(
        text.starts_with("title,"),
        "import.csv must start with the title column (no BOM): {:?}",
        &text[..20.min(text.len())]
    );
    let rows = rows(&zip[0].1);
    assert_eq!(rows.len(), 1, "one row per exported incident: {rows:?}");
    let r = &rows[0];
    assert_eq!(r["title"], KHMER_TITLE, "a Khmer title must arrive intact");
    assert_eq!(r["saksi_id"], f.incident);
    assert_eq!(r["date"], "2024/03/08", "a date is YYYY/MM/DD");
    assert_eq!(
        r["period"], "2024/03/08:2024/03/10",
        "a date range is from:to"
    );
    let kinds = ["assault", "arbitrary_arrest"];
    assert_eq!(
        r["kinds__en"],
        labels(&f.v, "incident_kind", &kinds, "en"),
        "a multiselect is its thesaurus labels joined by |"
    );
    let km = labels(&f.v, "incident_kind", &kinds, "km");
    assert!(
        km.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c)),
        "the Khmer labels are Khmer"
    );
    assert_eq!(
        r["kinds__km"], km,
        "the __km column carries the Khmer labels intact"
    );
    assert_eq!(r["kinds__fr"], labels(&f.v, "incident_kind", &kinds, "fr"));
    assert!(
        !r.contains_key("kinds"),
        "a translated property must not also appear without a language suffix"
    );
    assert_eq!(
        r["location_geolocation"], "11.55|104.92",
        "geolocation is lat|lon"
    );
    assert_eq!(
        r["place"], "Kandal::Ta Khmau",
        "a grouped value is Parent::Child"
    );
    assert_eq!(
        r["victims"], "Sok Chea",
        "a victim of a normal incident is named"
    );
    assert_eq!(r["victim_count"], "1");
    assert_eq!(r["perpetrator_types"], "police");

    let listed: Vec<&str> = r["attachments"].split('|').collect();
    assert_eq!(
        listed.len(),
        2,
        "the incident's file and the consented testimony's photo are listed: {listed:?}"
    );
    for name in &listed {
        let (_, bytes) = zip
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is listed in import.csv but not in the zip"));
        let id = name.split('.').next().unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(bytes)),
            f.hashes[id],
            "{name} in the zip must hash as stored at intake"
        );
    }
    assert_eq!(
        zip.len(),
        3,
        "import.csv and the two files (the photo as its redacted copy), nothing else"
    );
    assert_eq!(summary["attachments"], 2);
    assert_eq!(summary["testimonies"], 1);

    let log = f.v.ok(&["log", "--json"]);
    assert!(
        log.contains("\"uwazi_export\"") && log.contains(summary["sha256"].as_str().unwrap()),
        "the export is custody-logged with the zip's SHA-256"
    );
}

fn scan(zip_path: &Path, zip: &[(String, Vec<u8>)], needle: &str) -> bool {
    contains_bytes(&std::fs::read(zip_path).unwrap(), needle.as_bytes())
        || zip
            .iter()
            .any(|(n, b)| n.contains(needle) || contains_bytes(b, needle.as_bytes()))
}

#[test]
fn a_publication_export_leaves_out_testimonies_without_publication_consent_and_their_files() {
    let f = fixture();
    let (summary, zip) = export(&f.v, "pub.zip", &["--purpose", "publication"]);
    let path = f.v.root().join("pub.zip");
    for canary in [NO_PUBLICATION, NO_PUBLICATION_FILE, CONTACT] {
        assert!(
            !scan(&path, &zip, canary),
            "{canary} must not be anywhere in a publication export"
        );
    }
    let withheld = summary["withheld"].as_array().unwrap();
    let count = |code: &str, ty: &str| {
        withheld
            .iter()
            .find(|w| w["code"] == code && w["record_type"] == ty)
            .map(|w| w["count"].as_u64().unwrap())
    };
    assert_eq!(count("no_consent", "testimony"), Some(1), "{withheld:?}");
    assert_eq!(count("attachment_of_withheld", "attachment"), Some(1));
    assert_eq!(count("contacts", "person_contact"), Some(1));
    assert_eq!(
        count("no_redacted_copy", "attachment"),
        Some(1),
        "the anonymous testimony's statement (not a photo) is left out: {withheld:?}"
    );
    assert!(
        !scan(&path, &zip, "PUBLIC-STATEMENT-FILE"),
        "a file Saksi cannot redact does not go with an anonymous testimony"
    );

    // The same testimony has consent for legal proceedings: there it goes (so the scan above
    // would have found it), but contact details still never do.
    let (_, zip) = export(&f.v, "legal.zip", &["--purpose", "legal"]);
    let path = f.v.root().join("legal.zip");
    assert!(
        scan(&path, &zip, NO_PUBLICATION),
        "a legal export carries the testimony"
    );
    assert!(scan(&path, &zip, NO_PUBLICATION_FILE), "and its file");
    assert!(
        !scan(&path, &zip, CONTACT),
        "contact details never go into an Uwazi export"
    );
}

#[test]
fn a_restricted_incident_is_left_out_unless_asked() {
    let f = fixture();
    let (summary, zip) = export(&f.v, "a.zip", &["--purpose", "legal"]);
    assert!(
        !scan(&f.v.root().join("a.zip"), &zip, RESTRICTED),
        "a restricted incident must not be in the zip"
    );
    assert!(
        summary["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "restricted" && w["count"] == 1),
        "the restricted incident is counted as left out: {summary}"
    );
    let (summary, zip) = export(
        &f.v,
        "b.zip",
        &["--purpose", "legal", "--include-restricted"],
    );
    assert_eq!(summary["incidents"], 2, "asked for, it is exported");
    assert!(scan(&f.v.root().join("b.zip"), &zip, RESTRICTED));
}

#[test]
fn one_language_writes_plain_columns_and_refusals_write_nothing() {
    let f = fixture();
    let (_, zip) = export(
        &f.v,
        "km.zip",
        &["--purpose", "publication", "--lang", "km"],
    );
    let r = &rows(&zip[0].1)[0];
    assert_eq!(
        r["kinds"],
        labels(
            &f.v,
            "incident_kind",
            &["assault", "arbitrary_arrest"],
            "km"
        ),
        "with one language, thesaurus values are in that language, in the plain column"
    );
    let out = f.v.root().join("km.zip");
    let before = std::fs::read(&out).unwrap();
    export(
        &f.v,
        "km2.zip",
        &["--purpose", "publication", "--lang", "km"],
    );
    assert_eq!(
        std::fs::read(f.v.root().join("km2.zip")).unwrap(),
        before,
        "the same records give the same zip, byte for byte (fixed order and timestamps)"
    );
    let o = f.v.run(&[
        "report",
        "uwazi",
        "--out",
        out.to_str().unwrap(),
        "--purpose",
        "publication",
    ]);
    o.expect_error("already exists");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "the existing zip is untouched"
    );
    f.v.run(&["report", "uwazi", "--out", "x.zip", "--purpose", "press"])
        .expect_error("unknown export purpose");
    // An export is custody-logged, so a vault opened read-only cannot make one.
    let ro = f.v.root().join("ro.zip");
    f.v.run(&[
        "--read-only",
        "report",
        "uwazi",
        "--out",
        ro.to_str().unwrap(),
        "--purpose",
        "legal",
    ])
    .expect_error("read-only");
    assert!(!ro.exists(), "a refused export leaves no file");
    // A plaintext partial left by an export killed mid-way is removed by the next export to
    // the same name.
    let stale =
        f.v.root()
            .join(format!(".again.zip.{}.partial", "0".repeat(32)));
    std::fs::write(&stale, NO_PUBLICATION).unwrap();
    export(&f.v, "again.zip", &["--purpose", "publication"]);
    assert!(
        !stale.exists(),
        "a stale plaintext partial must not outlive the next export"
    );
}

#[test]
fn victims_of_a_high_sensitivity_incident_are_counted_not_named_in_a_publication() {
    let v = TestVault::new();
    v.add(
        "incident",
        &json!({"title": "Night raid", "kinds": ["other"], "sensitivity": "high",
                "people": {"p1": {"name": "Chan Dara"}},
                "involvements": [{"person": "p1", "role": "victim"}]}),
    );
    let (summary, zip) = export(&v, "p.zip", &["--purpose", "publication"]);
    let r = &rows(&zip[0].1)[0];
    assert_eq!(
        r["victims"], "",
        "a high-sensitivity incident's victims are not named"
    );
    assert_eq!(r["victim_count"], "1", "but they are counted");
    assert!(
        !scan(&v.root().join("p.zip"), &zip, "Chan Dara"),
        "the name is nowhere in the zip"
    );
    assert!(
        summary["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["record_type"] == "victim_name" && w["count"] == 1),
        "the withheld name is counted: {summary}"
    );
    let (_, zip) = export(&v, "l.zip", &["--purpose", "legal"]);
    assert_eq!(
        rows(&zip[0].1)[0]["victims"],
        "Chan Dara",
        "for legal proceedings the victim is named"
    );
}
