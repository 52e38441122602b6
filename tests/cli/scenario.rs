//! The HQ scenario of `tests/data/hq-scenario.md`, built through the binary: two monitors'
//! vaults, their bundles imported at HQ, and every figure of the counts and detained reports
//! checked against the values computed by hand there; then again after a further incremental
//! import; between the two, HQ merges the two records of one man.

use serde_json::{json, Value};

use crate::util::TestVault;

struct Net {
    hq: TestVault,
    a: TestVault,
    b: TestVault,
}

fn link(hq: &TestVault, mon: &TestVault, name: &str) {
    let recipient = hq.json(&["hq-key", "--json"])["recipient"]
        .as_str()
        .unwrap()
        .to_string();
    mon.ok(&["recipient", "add", "hq", &recipient]);
    let card = mon.root().join(format!("{name}.card"));
    mon.ok(&["device", "card", "--out", card.to_str().unwrap()]);
    hq.ok(&["trust", "add", card.to_str().unwrap()]);
}

fn send(hq: &TestVault, mon: &TestVault, file: &str) {
    let b = mon.root().join(file);
    mon.ok(&[
        "export",
        "--to",
        "hq",
        "--since-last",
        "--out",
        b.to_str().unwrap(),
    ]);
    hq.ok(&["import", b.to_str().unwrap()]);
}

fn proceeding(v: &TestVault, body: Value) -> String {
    v.add("proceeding", &body)
}

fn victim(id: &str) -> Value {
    json!({"person": id, "role": "victim"})
}

/// The ids of the scenario's records.
struct Ids {
    p: [String; 5],
    /// I2, the march (a group proceeding), and I4, the first incident of the chain I4 → I5.
    i2: String,
    i4: String,
}

fn build() -> (Net, Ids) {
    let net = Net {
        hq: TestVault::new(),
        a: TestVault::new(),
        b: TestVault::new(),
    };
    net.hq.ok(&["keygen"]);
    link(&net.hq, &net.a, "a");
    link(&net.hq, &net.b, "b");
    let (a, b) = (&net.a, &net.b);
    let p1 = a.add(
        "person",
        &json!({"names": [{"name": "សុខ ដារា"}, {"name": "Sok Dara"}],
        "categories": ["human_rights_defender", "trade_unionist"], "nationalities": ["kh"],
        "affiliations": [{"organisation": "Free Trade Union"}]}),
    );
    let p2 = a.add(
        "person",
        &json!({"names": [{"name": "ជា វុទ្ធី"}, {"name": "Chea Vuthy"}],
        "categories": ["opposition_member", "member_of_parliament"], "nationalities": ["KH"],
        "affiliations": [{"organisation": "Candlelight Party"}]}),
    );
    let p3 = a.add(
        "person",
        &json!({"name": "Nguyen Van An", "categories": ["journalist"],
        "nationalities": ["VN"]}),
    );
    let i1 = a.add(
        "incident",
        &json!({"title": "Arrest at the factory gate",
        "start": {"date": "2023-05-02"}, "kinds": ["arbitrary_arrest"],
        "place": {"name": "Chaom Chau", "admin_area": "Phnom Penh"},
        "involvements": [victim(&p1), victim(&p2)]}),
    );
    let i2 = a.add(
        "incident",
        &json!({"title": "Beating during the march",
        "start": {"date": "2023-06-10"}, "kinds": ["assault"],
        "place": {"admin_area": "Phnom Penh"},
        "involvements": [
            {"person": p1, "role": "victim", "perpetrator_type": "military"},
            {"role": "victim", "counting": {"unit": "group", "min": 40, "max": 60,
             "description": "Marchers"}, "notes": "monitor's count"},
            {"role": "victim", "counting": {"unit": "group", "min": 120, "max": 120,
             "description": "marchers"}, "notes": "organiser's testimony"}],
        "proceedings": [{"group": {"description": "three bodyguards", "size_min": 3,
             "size_max": 3}, "kind": "charged", "date": {"date": "2023-07-01"},
             "charges": "aggravated assault"}]}),
    );
    a.add(
        "incident",
        &json!({"title": "Threats against a reporter",
        "start": {"date": "2023-06-20"}, "kinds": ["threat"],
        "place": {"admin_area": "Siem Reap"}, "involvements": [victim(&p3)]}),
    );
    for (kind, date, extra) in [
        (
            "arrest",
            "2023-05-02",
            json!({"detention_place": "Prey Sar", "incident_id": i1}),
        ),
        ("charged", "2023-05-04", json!({"charges": "incitement"})),
        ("released", "2023-08-01", json!({})),
        (
            "arrest",
            "2024-01-10",
            json!({"detention_place": "police commissariat"}),
        ),
        ("detained", "2024-01-12", json!({"detention_place": "CC1"})),
        (
            "sentenced",
            "2024-03-01",
            json!({"sentence_months": 24,
            "authority": "Phnom Penh Municipal Court",
            "charges": "incitement to commit a felony"}),
        ),
    ] {
        let mut body = json!({"person": p1, "kind": kind, "date": {"date": date}});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        proceeding(a, body);
    }
    proceeding(
        a,
        json!({"person": p2, "kind": "detained",
        "date": {"date": "2014", "precision": "approximate"}, "detention_place": "Prey Sar"}),
    );
    proceeding(
        a,
        json!({"person": p2, "kind": "trial", "date": {"date": "2015"}}),
    );
    proceeding(
        a,
        json!({"person": p3, "kind": "arrest", "date": {"date": "2023-06-21"}}),
    );
    proceeding(
        a,
        json!({"person": p3, "kind": "released", "date": {"date": "2023-06-22"}}),
    );

    let p4 = b.add(
        "person",
        &json!({"names": [{"name": "ស្រី មុំ"}, {"name": "Srey Mom"}],
        "categories": ["land_environment_defender", "human_rights_defender"],
        "nationalities": ["KH"],
        "affiliations": [{"organisation": "Prey Lang Community Network"}]}),
    );
    let p5 = b.add(
        "person",
        &json!({"name": "Sok Dara", "categories": ["human_rights_defender"],
        "nationalities": ["KH"]}),
    );
    let i4 = b.add(
        "incident",
        &json!({"title": "Forest patrol stopped",
        "start": {"date": "2023-07-15"}, "kinds": ["arbitrary_arrest", "threat"],
        "place": {"admin_area": "Preah Vihear"}, "involvements": [victim(&p4), victim(&p5)]}),
    );
    proceeding(
        b,
        json!({"person": p4, "kind": "arrest", "date": {"date": "2023-07-15"},
        "incident_id": i4}),
    );
    proceeding(
        b,
        json!({"person": p4, "kind": "released", "date": {"date": "2023-07-16"},
        "incident_id": i4}),
    );

    send(&net.hq, a, "a1.saksi");
    send(&net.hq, b, "b1.saksi");
    (
        net,
        Ids {
            p: [p1, p2, p3, p4, p5],
            i2,
            i4,
        },
    )
}

/// (incidents, acts, unique victims, group victims as text) of one row.
fn figures(row: &Value) -> (u64, u64, u64, String) {
    let g = &row["group_victims"];
    let groups = if g["reports"].as_array().unwrap().is_empty() {
        String::new()
    } else {
        format!("{}–{}", g["min"], g["max"])
    };
    (
        row["incidents"].as_u64().unwrap(),
        row["acts"].as_u64().unwrap(),
        row["victims"].as_u64().unwrap(),
        groups,
    )
}

fn counts(hq: &TestVault, args: &[&str]) -> Value {
    let mut a = vec!["report", "counts"];
    a.extend_from_slice(args);
    a.push("--json");
    hq.json(&a)
}

fn row<'a>(report: &'a Value, key: &str) -> &'a Value {
    if key == "total" {
        return &report["total"];
    }
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("a row '{key}' is expected in {report}"))
}

#[track_caller]
fn expect(report: &Value, key: &str, want: (u64, u64, u64, &str), rule: &str) {
    let got = figures(row(report, key));
    assert_eq!(
        got,
        (want.0, want.1, want.2, want.3.to_string()),
        "{key} (incidents, acts, unique victims, group victims): {rule}"
    );
}

fn detained(hq: &TestVault, args: &[&str]) -> Value {
    let mut a = vec!["report", "detained"];
    a.extend_from_slice(args);
    a.push("--json");
    hq.json(&a)
}

#[test]
fn every_figure_of_the_hq_scenario_matches_the_hand_computed_values() {
    let (net, ids) = build();
    let hq = &net.hq;
    let [p1, p2, _p3, p4, p5] = &ids.p;

    let by_kind = counts(hq, &["--by", "kind"]);
    expect(
        &by_kind,
        "arbitrary_arrest",
        (2, 4, 4, ""),
        "each person once per row",
    );
    expect(
        &by_kind,
        "assault",
        (1, 3, 1, "40–120"),
        "reports of one group by two sources give the range from the smallest to the largest count",
    );
    expect(
        &by_kind,
        "threat",
        (2, 3, 3, ""),
        "an incident of two kinds is in both rows",
    );
    expect(
        &by_kind,
        "total",
        (4, 8, 5, "40–120"),
        "the total counts every incident once; a person beaten twice is one victim, two acts",
    );
    let assault = row(&by_kind, "assault");
    let sources: Vec<&str> = assault["group_victims"]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["notes"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "which sources said what: {assault}");
    assert!(sources.contains(&"organiser's testimony"), "{sources:?}");
    let arrests = row(&by_kind, "arbitrary_arrest");
    let mut victims: Vec<&str> = arrests["victim_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    victims.sort();
    let mut want = vec![p1.as_str(), p2.as_str(), p4.as_str(), p5.as_str()];
    want.sort();
    assert_eq!(
        victims, want,
        "a figure lists the people it counts (drill-down)"
    );

    let by_cat = counts(hq, &["--by", "category"]);
    expect(
        &by_cat,
        "human_rights_defender",
        (3, 4, 3, ""),
        "categories count named victims",
    );
    expect(
        &by_cat,
        "land_environment_defender",
        (1, 1, 1, ""),
        "several categories per person",
    );
    expect(
        &by_cat,
        "trade_unionist",
        (2, 2, 1, ""),
        "one victim, two acts",
    );
    expect(
        &by_cat,
        "opposition_member",
        (1, 1, 1, ""),
        "several categories per person",
    );
    expect(
        &by_cat,
        "member_of_parliament",
        (1, 1, 1, ""),
        "several categories per person",
    );
    expect(
        &by_cat,
        "journalist",
        (1, 1, 1, ""),
        "categories count named victims",
    );
    expect(
        &by_cat,
        "(none)",
        (1, 2, 0, "40–120"),
        "group victims have no category",
    );

    let by_nat = counts(hq, &["--by", "nationality"]);
    expect(
        &by_nat,
        "KH",
        (3, 5, 4, ""),
        "nationalities are ISO codes (kh became KH)",
    );
    expect(&by_nat, "VN", (1, 1, 1, ""), "nationalities are ISO codes");
    assert_eq!(
        row(&by_nat, "KH")["label_km"],
        "កម្ពុជា",
        "countries are named in Khmer"
    );

    let hrd_years = counts(hq, &["--by", "year", "--category", "human_rights_defender"]);
    expect(
        &hrd_years,
        "2023",
        (3, 4, 3, ""),
        "a category filter keeps matching victims only",
    );
    assert_eq!(
        hrd_years["rows"].as_array().unwrap().len(),
        1,
        "{hrd_years}"
    );

    let d = detained(hq, &[]);
    assert_eq!(
        d["count"], 2,
        "P1 (re-arrested, sentenced) and P2 are detained; P3, P4 were released: {d}"
    );
    let dara = &d["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == *p1)
        .unwrap();
    assert_eq!(
        dara["since"], "2024-01-10",
        "since = the start of the present custody, not the latest step"
    );
    assert_eq!(dara["since_precision"], "day");
    assert_eq!(
        dara["place"], "CC1",
        "the last known place in the present custody"
    );
    assert_eq!(dara["sentence_months"], 24);
    assert_eq!(dara["charges"], "incitement to commit a felony");
    assert_eq!(dara["authority"], "Phnom Penh Municipal Court");
    assert_eq!(dara["nationalities"], json!(["KH"]));
    let vuthy = &d["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == *p2)
        .unwrap();
    assert_eq!(vuthy["since"], "2014");
    assert_eq!(
        vuthy["since_precision"], "approximate",
        "the date keeps its precision"
    );
    let hrd = detained(hq, &["--category", "human_rights_defender"]);
    assert_eq!(
        hrd["count"], 1,
        "--category keeps people of that category: {hrd}"
    );
    assert_eq!(hrd["people"][0]["id"], *p1);
    let mps = detained(hq, &["--category", "member_of_parliament"]);
    assert_eq!(mps["people"][0]["id"], *p2, "{mps}");
    assert_eq!(mps["count"], 1);

    let march = hq.json(&["report", "timeline", "--incident", &ids.i2, "--json"]);
    assert!(
        march["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["title"] == "three bodyguards"
                && e["kind"] == "charged"
                && e["detail"] == "aggravated assault"),
        "a proceeding against a group of unnamed perpetrators travels to HQ: {march}"
    );

    // HQ merges P5 ("Sok Dara", recorded by B) into P1 (A's record of the same man): both
    // records stay; every figure of unique people counts them once.
    hq.ok(&[
        "person",
        "merge",
        p5,
        p1,
        "--reason",
        "same man, two monitors",
    ]);
    let by_kind = counts(hq, &["--by", "kind"]);
    expect(
        &by_kind,
        "arbitrary_arrest",
        (2, 4, 3, ""),
        "a merged person counts once as a victim",
    );
    expect(
        &by_kind,
        "threat",
        (2, 3, 3, ""),
        "P5's act now counts for P1, who was not a threat victim: still three people",
    );
    expect(
        &by_kind,
        "total",
        (4, 8, 4, "40–120"),
        "a merge changes unique victims, never incidents or acts",
    );
    let by_cat = counts(hq, &["--by", "category"]);
    expect(
        &by_cat,
        "human_rights_defender",
        (3, 4, 2, ""),
        "P1 and P5 are one defender",
    );
    assert_eq!(
        detained(hq, &[])["count"],
        2,
        "a merge does not change who is detained"
    );

    // B's second, incremental bundle: a re-arrest linked to the first incident.
    let b = &net.b;
    let i5 = b.add(
        "incident",
        &json!({"title": "Re-arrest of the forest defender",
        "start": {"date": "2024-02-01"}, "kinds": ["arbitrary_arrest"],
        "place": {"admin_area": "Preah Vihear"}, "involvements": [victim(p4)],
        "related": [{"incident_id": ids.i4}]}),
    );
    proceeding(
        b,
        json!({"person": p4, "kind": "arrest", "date": {"date": "2024-02-01"},
        "incident_id": i5}),
    );
    proceeding(
        b,
        json!({"person": p4, "kind": "detained", "date": {"date": "2024-02-03"},
        "incident_id": i5, "detention_place": "Preah Vihear provincial prison"}),
    );
    send(hq, b, "b2.saksi");

    let by_kind = counts(hq, &["--by", "kind"]);
    expect(
        &by_kind,
        "arbitrary_arrest",
        (3, 5, 3, ""),
        "a person arrested twice is one victim, two acts; the merge holds after a new import",
    );
    expect(
        &by_kind,
        "total",
        (5, 9, 4, "40–120"),
        "an incremental import adds only what is new",
    );
    let d = detained(hq, &[]);
    assert_eq!(
        d["count"], 3,
        "the re-arrested defender is detained again: {d}"
    );
    let mom = d["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == *p4)
        .unwrap();
    assert_eq!(mom["since"], "2024-02-01");
    assert_eq!(mom["place"], "Preah Vihear provincial prison");
    assert_eq!(
        detained(hq, &["--category", "human_rights_defender"])["count"],
        2
    );

    let chain = hq.json(&["report", "timeline", "--incident", &ids.i4, "--json"]);
    let seq: Vec<String> = chain["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["date"]["date"].as_str().unwrap(),
                e["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        seq,
        vec![
            "2023-07-15 arbitrary_arrest, threat",
            "2023-07-15 arrest",
            "2023-07-16 released",
            "2024-02-01 arbitrary_arrest",
            "2024-02-01 arrest",
            "2024-02-03 detained",
        ],
        "the chain follows incident links, in date order"
    );
}
