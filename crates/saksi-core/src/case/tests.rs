use std::path::Path;

use super::*;
use crate::crypto::minisign::SignatureFile;
use crate::testutil;

fn photo(v: &mut Vault, inc: &Uuid, name: &str, bytes: &'static [u8]) -> String {
    evidence::intake_reader(v, RecordType::Incident, inc, name, bytes)
        .unwrap()
        .attachment
        .id
}

fn id(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap()
}

fn actions(v: &Vault) -> Vec<String> {
    custody::entries(v)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[test]
fn exhibits_are_numbered_in_the_order_added_and_an_incident_brings_all_its_items() {
    let (_t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "arrest at the market");
    let a = photo(&mut v, &inc, "a.jpg", b"first photo");
    let b = photo(&mut v, &inc, "b.jpg", b"second photo");
    let other = testutil::incident(&mut v, "beating at the checkpoint");
    let c = photo(&mut v, &other, "c.jpg", b"third photo");
    let case = v.case_create("Prosecutor v. X").unwrap();
    let cid = id(&case.id);

    let first = v.case_add(&cid, &id(&c), Some("the checkpoint")).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].label, "E-001", "the first exhibit is E-001");
    let rest = v.case_add(&cid, &inc, None).unwrap();
    let labels: Vec<(&str, &str)> = rest
        .iter()
        .map(|e| (e.label.as_str(), e.attachment_id.as_str()))
        .collect();
    assert_eq!(
        labels,
        vec![("E-002", a.as_str()), ("E-003", b.as_str())],
        "an incident adds each of its items, oldest first, after the exhibits already given"
    );
    assert_eq!(
        rest[0].description, "arrest at the market",
        "without a description, an exhibit is described by its incident's title"
    );
    let shown = v.case_show(&cid).unwrap();
    assert_eq!(
        shown
            .exhibits
            .iter()
            .map(|e| e.label.as_str())
            .collect::<Vec<_>>(),
        ["E-001", "E-002", "E-003"]
    );
    assert_eq!(shown.exhibits[0].original_name, "c.jpg");
    assert!(
        shown.exhibits.iter().all(|e| e.custody_verified
            && e.custody.first().map(|s| s.action.as_str()) == Some("intake")),
        "each exhibit's custody starts at its intake and every step verifies"
    );
    let log = actions(&v);
    assert_eq!(
        log.iter().filter(|a| *a == "case_exhibit").count(),
        3,
        "each exhibit given is logged: {log:?}"
    );
    assert!(log.contains(&"case_created".to_string()));
}

#[test]
fn an_item_already_an_exhibit_is_refused_and_nothing_changes() {
    let (_t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "arrest");
    let a = photo(&mut v, &inc, "a.jpg", b"photo");
    let cid = id(&v.case_create("Case").unwrap().id);
    v.case_add(&cid, &id(&a), None).unwrap();
    let before = custody::entries(&v).unwrap().len();
    let err = v.case_add(&cid, &id(&a), None).unwrap_err();
    assert_eq!(err.kind(), "case_already_exhibit", "{err}");
    assert!(
        err.to_string().contains("E-001"),
        "the error names the exhibit: {err}"
    );
    let err = v.case_add(&cid, &inc, None).unwrap_err();
    assert_eq!(err.kind(), "case_nothing_to_add", "{err}");
    assert_eq!(
        custody::entries(&v).unwrap().len(),
        before,
        "a refused addition logs nothing"
    );
    assert_eq!(v.case_show(&cid).unwrap().exhibits.len(), 1);
}

fn folder_hash(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, String> {
    testutil::tree_hash(dir)
        .into_iter()
        .map(|(p, h)| (p.strip_prefix(dir).unwrap().to_path_buf(), h))
        .collect()
}

#[test]
fn the_same_case_gives_a_byte_identical_court_folder_with_signed_sums() {
    let (t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "ការចាប់ខ្លួន <script>");
    photo(&mut v, &inc, "../រូបថត 1.jpg", b"photo one");
    photo(&mut v, &inc, "doc.pdf", b"%PDF-1.4 two");
    let cid = id(&v.case_create("Case <b>&</b>").unwrap().id);
    v.case_add(&cid, &inc, None).unwrap();

    let one = t.path().join("one");
    let two = t.path().join("two");
    let f1 = v.case_court_folder(&cid, &one).unwrap();
    let f2 = v.case_court_folder(&cid, &two).unwrap();
    assert_eq!(
        folder_hash(&one),
        folder_hash(&two),
        "two court folders of the same case are byte-identical"
    );
    assert_eq!(f1.sha256sums_sha256, f2.sha256sums_sha256);
    assert!(
        one.join("exhibits/E-001-_រូបថត_1.jpg").is_file(),
        "exhibit files are named by number and a safe original name: {:?}",
        f1.files
    );
    let sums = std::fs::read(one.join("SHA256SUMS")).unwrap();
    let sig =
        SignatureFile::parse(&std::fs::read(one.join("SHA256SUMS.minisig")).unwrap()).unwrap();
    assert!(
        sig.verify(&v.device().public_key(), &sums).is_ok(),
        "SHA256SUMS is signed by this device's key"
    );
    let html = std::fs::read_to_string(one.join("exhibits.html")).unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<b>&"),
        "every value is escaped in the exhibit list"
    );
    assert!(html.contains("បញ្ជីវត្ថុតាង") && html.contains("Exhibit list"));
    let custody = std::fs::read_to_string(one.join("custody.jsonl")).unwrap();
    assert!(
        !custody.contains("case_folder_extract"),
        "making a folder does not change the next folder's custody log"
    );
    assert_eq!(
        actions(&v)
            .iter()
            .filter(|a| *a == "case_folder_extract")
            .count(),
        4,
        "each exhibit written into each folder is logged"
    );
    let err = v.case_court_folder(&cid, &one).unwrap_err();
    assert_eq!(
        err.kind(),
        "case_folder_not_empty",
        "a non-empty folder is refused: {err}"
    );
}

#[test]
fn case_entries_stay_in_this_vault_when_a_bundle_is_made() {
    let testutil::World {
        tmp,
        mut mon,
        mut hq,
    } = testutil::world();
    let inc = testutil::incident(&mut mon, "arrest");
    let a = photo(&mut mon, &inc, "a.jpg", b"photo");
    let cid = id(&mon.case_create("Case").unwrap().id);
    mon.case_add(&cid, &id(&a), None).unwrap();
    let out = tmp.path().join("b.saksi");
    crate::bundle::export::export(
        &mut mon,
        &crate::bundle::export::ExportOptions {
            to: vec!["hq".into()],
            out: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    crate::bundle::import::import(&mut hq, &out, None).unwrap();
    let received = custody::imported_entries(&hq.conn, None).unwrap();
    assert!(
        !received.is_empty() && received.iter().all(|e| !e.action.starts_with("case_")),
        "a lawyer's case entries are never carried in a bundle"
    );
}

#[test]
fn a_case_bundle_holds_the_incidents_of_its_exhibits_and_no_other() {
    let testutil::World {
        tmp,
        mut mon,
        mut hq,
    } = testutil::world();
    let inc = testutil::incident(&mut mon, "arrest");
    let a = photo(&mut mon, &inc, "a.jpg", b"photo");
    let other = testutil::incident(&mut mon, "not in the case");
    photo(&mut mon, &other, "b.jpg", b"other photo");
    let cid = id(&mon.case_create("Case").unwrap().id);
    let err = mon
        .case_export(&cid, &["hq".into()], tmp.path().join("empty.saksi"))
        .unwrap_err();
    assert_eq!(
        err.kind(),
        "case_no_exhibits",
        "an empty case exports nothing: {err}"
    );
    mon.case_add(&cid, &id(&a), None).unwrap();
    let out = tmp.path().join("case.saksi");
    mon.case_export(&cid, &["hq".into()], out.clone()).unwrap();
    crate::bundle::import::import(&mut hq, &out, None).unwrap();
    assert!(
        hq.incidents().get(&inc).is_ok(),
        "the case's incident travels in its bundle"
    );
    assert!(
        hq.incidents().get(&other).is_err(),
        "an incident with no exhibit in the case stays out of its bundle"
    );
    assert_eq!(
        evidence::get(&hq, &id(&a)).unwrap().sha256,
        evidence::get(&mon, &id(&a)).unwrap().sha256,
        "the exhibit's item arrives byte for byte"
    );
}

#[test]
fn every_case_write_is_refused_read_only_and_writes_no_folder() {
    let (t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "arrest");
    let a = photo(&mut v, &inc, "a.jpg", b"photo");
    let cid = id(&v.case_create("Case").unwrap().id);
    v.case_add(&cid, &id(&a), None).unwrap();
    let dir = v.dir().to_path_buf();
    v.lock().unwrap();
    let mut ro = Vault::open_read_only(&dir, &testutil::pass()).unwrap();
    assert_eq!(
        ro.case_create("Another").unwrap_err().kind(),
        "vault_read_only"
    );
    assert_eq!(
        ro.case_add(&cid, &inc, None).unwrap_err().kind(),
        "vault_read_only"
    );
    let out = t.path().join("court");
    assert_eq!(
        ro.case_court_folder(&cid, &out).unwrap_err().kind(),
        "vault_read_only",
        "a court folder is refused read-only: its extractions could not be logged"
    );
    assert!(!out.exists(), "a refused court folder writes nothing");
    assert_eq!(
        ro.case_show(&cid).unwrap().exhibits.len(),
        1,
        "a case can still be read"
    );
}

#[test]
fn items_and_incidents_chosen_together_are_numbered_once_each_in_one_transaction() {
    let (_t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "arrest at the market");
    let a = photo(&mut v, &inc, "a.jpg", b"first photo");
    let b = photo(&mut v, &inc, "b.jpg", b"second photo");
    let other = testutil::incident(&mut v, "beating at the checkpoint");
    let c = photo(&mut v, &other, "c.jpg", b"third photo");
    let cid = id(&v.case_create("Prosecutor v. X").unwrap().id);

    let added = v
        .case_add_many(&cid, &[id(&c), inc, id(&a)], Some("  "))
        .unwrap();
    let labels: Vec<(&str, &str)> = added
        .iter()
        .map(|e| (e.label.as_str(), e.attachment_id.as_str()))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("E-001", c.as_str()),
            ("E-002", a.as_str()),
            ("E-003", b.as_str())
        ],
        "choices are numbered in the order given, and an item named twice (itself and through \
         its incident) only once"
    );
    assert_eq!(
        added[0].description, "beating at the checkpoint",
        "a blank description is no description: the incident's title describes the exhibit"
    );

    let before = custody::entries(&v).unwrap().len();
    let d = testutil::incident(&mut v, "detention");
    let e = photo(&mut v, &d, "e.jpg", b"fresh photo");
    let logged = custody::entries(&v).unwrap().len();
    let err = v.case_add_many(&cid, &[id(&e), id(&b)], None).unwrap_err();
    assert_eq!(err.kind(), "case_already_exhibit", "{err}");
    assert_eq!(
        custody::entries(&v).unwrap().len(),
        logged,
        "one refused choice refuses them all: nothing is numbered or logged"
    );
    assert_eq!(v.case_show(&cid).unwrap().exhibits.len(), 3);
    assert!(logged > before);
    let err = v.case_add_many(&cid, &[], None).unwrap_err();
    assert_eq!(
        err.kind(),
        "case_nothing_to_add",
        "choosing nothing adds nothing: {err}"
    );
}

#[test]
fn a_court_folder_reports_its_bytes_and_a_cancel_leaves_no_folder_and_no_entry() {
    use std::ops::ControlFlow;
    let (t, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "strikers shot");
    static BIG: [u8; 300 * 1024] = [7u8; 300 * 1024];
    photo(&mut v, &inc, "a.jpg", &BIG);
    photo(&mut v, &inc, "b.jpg", b"second");
    let cid = id(&v.case_create("Strike").unwrap().id);
    v.case_add(&cid, &inc, None).unwrap();
    let total = (BIG.len() + 6) as u64;

    let before = actions(&v);
    let out = t.path().join("cancelled");
    let mut calls = 0;
    let mut cancel = |done: u64, all: Option<u64>| {
        assert_eq!(all, Some(total), "the total is the exhibits' bytes");
        assert!(done <= total);
        calls += 1;
        if done > 64 * 1024 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let err = v
        .case_court_folder_with(&cid, &out, &mut cancel)
        .unwrap_err();
    assert_eq!(err.kind(), "cancelled");
    assert!(calls >= 2);
    assert!(!out.exists(), "a cancelled folder is removed");
    assert_eq!(actions(&v), before, "a cancelled folder logs nothing");

    let done = t.path().join("done");
    let mut last = (0, None);
    let mut seen = |d: u64, all: Option<u64>| {
        assert!(d >= last.0, "progress never goes back");
        last = (d, all);
        ControlFlow::Continue(())
    };
    v.case_court_folder_with(&cid, &done, &mut seen).unwrap();
    assert_eq!(last, (total, Some(total)), "the last report is the whole");
    assert!(done.join("SHA256SUMS").exists());
}
