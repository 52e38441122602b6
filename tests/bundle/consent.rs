//! Consent withdrawn after the first bundle (issue 13), through the real binary: the withdrawal
//! travels to HQ in the next bundle, HQ's next publication export and its report drill-down no
//! longer hold the testimony (nor its attachment), and HQ's receipt confirms the withdrawal.

use std::io::Read;

use super::*;

/// Every entry of an Uwazi zip, by name.
fn zip_entries(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = fs::File::open(path).expect("the Uwazi zip was written");
    let mut z = zip::ZipArchive::new(f).expect("the Uwazi export is a zip");
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn publication_export(hq: &Path, out: &Path) -> (serde_json::Value, String, usize) {
    let s = json(&ok(
        hq,
        &[
            "report",
            "uwazi",
            "--purpose",
            "publication",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    ));
    let entries = zip_entries(out);
    let csv = String::from_utf8(entries["import.csv"].clone()).unwrap();
    (s, csv, entries.len())
}

fn drill_down(hq: &Path) -> Vec<String> {
    let r = json(&ok(hq, &["report", "counts", "--by", "kind", "--json"]));
    r["total"]["testimony_ids"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn consent_withdrawn_after_the_first_bundle_leaves_hqs_next_publication_and_reports_and_is_confirmed(
) {
    let w = world();
    // A testimony with consent to publication (named: an anonymous one would need its
    // pseudonymised copy first, see tests/cli/redact.rs), and a recording attached to it.
    let body = "ខ្ញុំបានឃើញទាហានចាប់គាត់ — published testimony";
    let t = ok_stdin(
        &w.mon,
        &["testimony", "add"],
        &format!(
            r#"{{"incident_id": "{}", "anonymous": false, "language": "km", "body": "{body}",
                "consent": {{"internal_use": true, "share_with_hq": true,
                             "legal_proceedings": true, "publication": "named"}}}}"#,
            w.incident
        ),
    );
    let rec = w.root.join("recording.txt");
    fs::write(&rec, "the witness's voice, transcribed").unwrap();
    ok(&w.mon, &["attach", &t, rec.to_str().unwrap()]);
    let b1 = w.root.join("c1.saksi");
    ok(
        &w.mon,
        &["export", "--to", "hq", "--out", b1.to_str().unwrap()],
    );
    ok(&w.hq, &["import", b1.to_str().unwrap()]);

    // HQ's publication export and report drill-down hold it.
    let (s, csv, files1) = publication_export(&w.hq, &w.root.join("pub1.zip"));
    assert_eq!(s["testimonies"], 1, "{s}");
    assert_eq!(
        s["attachments"], 2,
        "the incident's photo and the testimony's recording: {s}"
    );
    assert!(
        csv.contains(body),
        "the first publication export must hold the testimony"
    );
    assert_eq!(drill_down(&w.hq), vec![t.clone()]);

    // The witness withdraws consent to publication (after an arrest); the monitor records it.
    let out = ok(
        &w.mon,
        &[
            "testimony",
            "withdraw",
            &t,
            "--purpose",
            "publication",
            "--how",
            "phone call from the witness's sister",
            "--by",
            "Monitor 7",
            "--when",
            "2026-12-01T18:30",
        ],
    );
    assert!(out.contains("consent withdrawn: publication"), "{out}");
    assert!(out.contains("not yet confirmed by HQ"), "{out}");
    let b2 = w.root.join("c2.saksi");
    let out = ok(
        &w.mon,
        &[
            "export",
            "--to",
            "hq",
            "--since-last",
            "--out",
            b2.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("consent withdrawals: 1"),
        "the next bundle must carry the withdrawal even though no record changed: {out}"
    );
    let out = ok(&w.hq, &["import", b2.to_str().unwrap()]);
    assert!(out.contains("consent withdrawals applied: 1"), "{out}");

    // HQ's next publication export and report drill-down no longer hold it.
    let (s, csv, files) = publication_export(&w.hq, &w.root.join("pub2.zip"));
    assert_eq!(s["testimonies"], 0, "{s}");
    assert!(
        !csv.contains(body),
        "HQ's next publication export must not hold a testimony whose publication was withdrawn"
    );
    assert_eq!(
        s["attachments"], 1,
        "nor its recording (the incident's photo stays): {s}"
    );
    assert_eq!(
        files,
        files1 - 1,
        "one file fewer in the zip: the recording"
    );
    assert!(
        s["withheld"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "consent_withdrawn" && x["count"] == 1),
        "the export must say a withdrawal left the testimony out: {s}"
    );
    assert!(
        drill_down(&w.hq).is_empty(),
        "HQ's report drill-down must not list the testimony any more"
    );
    let shown = json(&ok(&w.hq, &["testimony", "show", &t, "--json"]));
    assert_eq!(shown["effective_consent"]["publication"], "none");
    assert_eq!(
        shown["consent"]["publication"], "named",
        "the record is not edited"
    );
    assert_eq!(
        shown["withdrawals"][0]["how"],
        "phone call from the witness's sister"
    );

    // Importing bundle 2 again changes nothing (invariant 6).
    let before = snapshot(&w.hq);
    let out = ok(&w.hq, &["import", b2.to_str().unwrap()]);
    assert!(out.contains("already imported"), "{out}");
    assert_eq!(before, snapshot(&w.hq));

    // HQ's receipt confirms the withdrawal; the monitor's view shows it.
    let r = w.root.join("r2.saksi");
    ok(&w.hq, &["receipt", "--out", r.to_str().unwrap()]);
    let out = ok(&w.mon, &["import", r.to_str().unwrap()]);
    assert!(
        out.contains("consent withdrawals confirmed by HQ: 1"),
        "{out}"
    );
    let out = ok(&w.mon, &["testimony", "show", &t]);
    assert!(
        out.contains("confirmed by HQ"),
        "the monitor's view must show HQ's confirmation: {out}"
    );
    let shown = json(&ok(&w.mon, &["testimony", "show", &t, "--json"]));
    assert_eq!(
        shown["withdrawals"][0]["confirmed"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn consent_withdrawal_is_refused_in_read_only_mode_and_changes_no_byte() {
    let w = world();
    let before = snapshot(&w.mon);
    let o = saksi(
        &w.mon,
        &[
            "--read-only",
            "testimony",
            "withdraw",
            &w.consented,
            "--purpose",
            "publication",
            "--how",
            "phone call",
            "--by",
            "Monitor 7",
        ],
    );
    assert!(
        !o.status.success(),
        "a read-only vault must refuse a withdrawal"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("read-only"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        before,
        snapshot(&w.mon),
        "nothing changes in a read-only vault"
    );
}
