//! The duplicate finder measured on real-style name pairs (`pairs.tsv`), and read from a vault.

use super::*;
use crate::model::PersonInput;

const PAIRS: &str = include_str!("pairs.tsv");

fn profile(name: &str) -> Profile {
    Profile {
        names: vec![NameKey::new(name)],
        ..Profile::default()
    }
}

#[test]
fn duplicate_detection_keeps_precision_and_recall_on_the_name_pairs() {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let mut errors = Vec::new();
    let mut all = Vec::new();
    for line in PAIRS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "pairs.tsv: four columns in {line:?}");
        let same = match cols[2] {
            "same" => true,
            "different" => false,
            other => panic!("pairs.tsv: 'same' or 'different', not {other:?}"),
        };
        let (a, b) = (profile(cols[0]), profile(cols[1]));
        let s = score::score(&a, &b);
        // A pair blocking never compares is never suggested: count it as scoring 0.
        let value = if blocks(&a).is_disjoint(&blocks(&b)) {
            0.0
        } else {
            s.value
        };
        let suggested = value >= DEFAULT_MIN_SCORE;
        all.push((same, value));
        match (same, suggested) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        if std::env::var_os("SAKSI_PAIRS_ALL").is_some() {
            println!(
                "{value:.3} {same} {} | {} {:?} {:?}",
                cols[0],
                cols[1],
                NameKey::new(cols[0]).words,
                NameKey::new(cols[1]).words
            );
        }
        if same != suggested {
            errors.push(format!(
                "  {value:.3}  {} | {} ({})",
                cols[0], cols[1], cols[2]
            ));
        }
    }
    for t in [0.75, 0.8, 0.85, 0.9] {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (same, v) in &all {
            match (*same, *v >= t) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
        println!(
            "threshold {t}: precision {:.3} recall {:.3}",
            tp as f64 / (tp + fp).max(1) as f64,
            tp as f64 / (tp + fn_).max(1) as f64
        );
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "name pairs: {} (same {}, different {}); threshold {DEFAULT_MIN_SCORE}\n\
         true positives {tp}, false positives {fp}, false negatives {fn_}, true negatives {tn}\n\
         precision {precision:.3}, recall {recall:.3}\nmisjudged:\n{}",
        tp + fp + fn_ + tn,
        tp + fn_,
        fp + tn,
        errors.join("\n")
    );
    assert!(
        tp + fp + fn_ + tn >= 60,
        "the measurement needs at least 60 name pairs"
    );
    assert!(
        precision >= 0.9,
        "duplicate suggestions must have precision of at least 0.9, got {precision:.3}"
    );
    assert!(
        recall >= 0.85,
        "duplicate suggestions must have recall of at least 0.85, got {recall:.3}"
    );
}

fn add(v: &mut Vault, names: &[&str], sex: &str, year: &str) -> String {
    let input: PersonInput = serde_json::from_value(serde_json::json!({
        "names": names.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
        "sex": sex,
        "birth": {"date": year},
    }))
    .expect("test person input");
    v.persons_mut().add(&input).expect("add person").to_string()
}

#[test]
fn every_stored_name_is_compared_and_a_shared_family_name_is_not_suggested() {
    let (_dir, mut v) = crate::testutil::vault();
    let a = add(&mut v, &["Nhay Chamroeun"], "male", "1975");
    let b = add(&mut v, &["ញ៉ែ ចំរើន", "Nhay Chamreun"], "male", "1976");
    add(&mut v, &["Kem Sokha"], "male", "1953");
    add(&mut v, &["Kem Monovithya"], "female", "1979");
    let found = v
        .person_duplicates(&DuplicateOptions::default())
        .expect("duplicates");
    assert_eq!(
        found.len(),
        1,
        "only the Nhay Chamroeun pair is suggested: {found:?}"
    );
    let ids = [found[0].a.id.as_str(), found[0].b.id.as_str()];
    assert!(ids.contains(&a.as_str()) && ids.contains(&b.as_str()));
    assert!(
        found[0].reasons.iter().any(|r| r.kind == "birth_year"),
        "birth years within a year are a reason: {:?}",
        found[0].reasons
    );
    let except = v
        .person_duplicates_except(&DuplicateOptions::default(), |x, y| {
            (x == a && y == b) || (x == b && y == a)
        })
        .expect("duplicates");
    assert!(except.is_empty(), "an excluded pair is not suggested");
}

#[test]
fn two_records_already_merged_are_not_suggested_again() {
    let (_dir, mut v) = crate::testutil::vault();
    let a = add(&mut v, &["Nhay Chamroeun"], "male", "1975");
    let b = add(&mut v, &["ញ៉ែ ចំរើន", "Nhay Chamreun"], "male", "1976");
    let found = v
        .person_duplicates(&DuplicateOptions::default())
        .expect("duplicates");
    assert_eq!(found.len(), 1, "before the merge the pair is suggested");
    let (ua, ub) = (a.parse().unwrap(), b.parse().unwrap());
    v.merge_persons(&ua, &ub, None).expect("merge");
    let found = v
        .person_duplicates(&DuplicateOptions::default())
        .expect("duplicates");
    assert!(
        found.is_empty(),
        "records merged into one person are one person, not a suggestion: {found:?}"
    );
}

#[test]
fn a_leading_vowel_spelt_differently_still_puts_two_names_in_one_block() {
    let a = profile("Ouk Kimseng");
    let b = profile("Uk Kim Seng");
    assert!(
        !blocks(&a).is_disjoint(&blocks(&b)),
        "Ouk Kimseng and Uk Kim Seng must be compared: {:?} {:?}",
        blocks(&a),
        blocks(&b)
    );
    let far = profile("Kem Monovithya");
    assert!(
        blocks(&profile("Kem Sokha")).is_disjoint(&blocks(&far)),
        "Kem Sokha and Kem Monovithya share only the family name and are not compared"
    );
}

#[test]
fn a_minimum_score_outside_0_to_1_is_refused() {
    let (_dir, v) = crate::testutil::vault();
    let err = v
        .person_duplicates(&DuplicateOptions {
            min_score: 1.5,
            limit: None,
        })
        .expect_err("1.5 is not a score");
    assert_eq!(err.kind(), "invalid_input");
}

/// Synthetic names from common Khmer name parts: 30 family names, given names of two
/// syllables, so many people share a family name and some share a whole name.
fn synthetic(n: usize) -> Vec<Stored> {
    let family = [
        "sok", "chea", "kem", "hun", "sam", "tep", "meas", "chhim", "ouk", "heng", "lim", "keo",
        "chan", "mao", "nuon", "pen", "prum", "seng", "soun", "touch", "ung", "vong", "yim",
        "long", "men", "noun", "phan", "ros", "sun", "thach",
    ];
    let syllables = [
        "so", "kha", "van", "ny", "mo", "ni", "da", "ra", "pi", "sey", "chan", "tha", "rith", "vu",
        "phal", "la", "sok", "srey", "mom", "bo", "pha", "kim", "seng", "na",
    ];
    // xorshift: a fixed pseudo-random sequence, the same on every run.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    (0..n)
        .map(|i| {
            let name = format!(
                "{} {}{}",
                family[next(family.len())],
                syllables[next(syllables.len())],
                syllables[next(syllables.len())]
            );
            Stored {
                id: format!("{i:05}"),
                names: vec![name.clone()],
                profile: profile(&name),
            }
        })
        .collect()
}

#[test]
fn blocking_compares_only_a_small_share_of_all_pairs() {
    let n = 2_000;
    let (_, compared) = candidates(&synthetic(n), &DuplicateOptions::default(), |_, _| false);
    let share = compared as f64 / (n * (n - 1) / 2) as f64;
    println!(
        "{n} people: {compared} pairs compared ({:.1}% of all pairs)",
        share * 100.0
    );
    assert!(
        share < 0.05,
        "blocking must leave out at least 95% of all pairs, compared {:.1}%",
        share * 100.0
    );
}

/// The figure in docs/matching.md: `cargo test -p saksi-core --lib names::tests::ten -- --ignored --nocapture`.
#[test]
#[ignore = "takes half a minute in a debug build"]
fn ten_thousand_people_take_seconds() {
    let people = synthetic(10_000);
    let t = std::time::Instant::now();
    let (found, compared) = candidates(&people, &DuplicateOptions::default(), |_, _| false);
    let took = t.elapsed();
    println!(
        "10,000 people: {compared} pairs compared, {} suggested, in {took:?}",
        found.len()
    );
    assert!(took < std::time::Duration::from_secs(120), "took {took:?}");
}
