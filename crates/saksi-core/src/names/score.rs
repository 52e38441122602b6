//! How alike two people are, with the reasons: the best-matching pair of their names (words
//! compared by Jaro-Winkler, `strsim`, in the best alignment), then birth year, sex and shared
//! affiliation. A name's weakest word weighs as much as all its words together, so two people
//! who share only a family name stay low.

use std::collections::HashMap;

use serde::Serialize;

use super::{khmer, latin};

/// One stored name, prepared for comparison.
#[derive(Debug, Clone)]
pub struct NameKey {
    pub original: String,
    /// The normalised Khmer spelling and its romanisation key, for a Khmer-script name.
    pub khmer: Option<(String, String)>,
    /// Matching keys, one per word.
    pub words: Vec<String>,
}

/// Bounded work (invariant 12): a stored name may be up to 1 MiB, but only its first
/// `MAX_NAME_CHARS` characters are compared, and each word key is cut at `MAX_WORD_CHARS`.
const MAX_NAME_CHARS: usize = 200;
const MAX_WORD_CHARS: usize = 32;

impl NameKey {
    pub fn new(name: &str) -> NameKey {
        let name = match name.char_indices().nth(MAX_NAME_CHARS) {
            Some((end, _)) => format!("{}…", &name[..end]),
            None => name.to_string(),
        };
        let mut key = NameKey::of(&name);
        for w in &mut key.words {
            if let Some((end, _)) = w.char_indices().nth(MAX_WORD_CHARS) {
                w.truncate(end);
            }
        }
        key
    }

    fn of(name: &str) -> NameKey {
        if khmer::is_khmer(name) {
            let romanised = khmer::romanise(name);
            NameKey {
                original: name.to_string(),
                words: latin::key(&romanised),
                khmer: Some((khmer::normalise(name), romanised)),
            }
        } else {
            NameKey {
                original: name.to_string(),
                words: latin::key(name),
                khmer: None,
            }
        }
    }

    fn describe(&self) -> String {
        match &self.khmer {
            Some((_, rom)) => format!("Khmer {} romanised {rom}", self.original),
            None => format!("Latin {}", self.original),
        }
    }
}

/// What is known of one person for matching.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub names: Vec<NameKey>,
    pub birth_year: Option<i32>,
    /// female | male | other | unknown
    pub sex: Option<String>,
    /// Organisation names as stored (compared folded, [`crate::text::fold`]).
    pub affiliations: Vec<String>,
}

/// One thing that raised or lowered a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// name | birth_year | sex | affiliation
    pub kind: &'static str,
    /// What matched and how, for a person to read.
    pub text: String,
    /// For `name`, the similarity of the two names; otherwise what was added to the score.
    pub effect: f64,
}

/// A score from 0 (different people) to 1 (surely the same), and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub value: f64,
    pub reasons: Vec<Reason>,
}

/// Similarity of two word keys: the mean of Jaro-Winkler and normalised Levenshtein (`strsim`),
/// raised to 0.9 when both have the same consonants in the same order and the same first letter
/// (vowels are where romanisations differ most: "sen" and "saen"). Jaro-Winkler alone rewards a
/// shared beginning too much ("vani" ~ "vanak" 0.85); the edit distance keeps such names apart.
pub fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let sim = (strsim::jaro_winkler(a, b) + strsim::normalized_levenshtein(a, b)) / 2.0;
    let consonant = |c: &char| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'ə');
    let same_skeleton = a.chars().filter(consonant).count() >= 2
        && a.chars().next() == b.chars().next()
        && a.chars().filter(consonant).eq(b.chars().filter(consonant));
    if same_skeleton {
        sim.max(0.9)
    } else {
        sim
    }
}

/// (mean + weakest) / 2 of word similarities: one word that does not match halves the name's
/// weight.
fn combine(sims: &[f64]) -> f64 {
    let mean = sims.iter().sum::<f64>() / sims.len() as f64;
    (mean + sims.iter().copied().fold(1.0, f64::min)) / 2.0
}

/// Best [`combine`]d similarity of two word lists of length `n`, `sim(i, j)` comparing word `i`
/// of the one with word `j` of the other, over every order (up to five words; longer names are
/// taken in the order written).
fn aligned(n: usize, mut sim: impl FnMut(usize, usize) -> f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if n > 5 {
        let diag: Vec<f64> = (0..n).map(|i| sim(i, i)).collect();
        return combine(&diag);
    }
    let matrix: Vec<f64> = (0..n * n).map(|k| sim(k / n, k % n)).collect();
    fn best(sim: &[f64], n: usize, order: &mut [usize], k: usize, top: &mut f64) {
        if k == n {
            let picked: Vec<f64> = (0..n).map(|i| sim[i * n + order[i]]).collect();
            *top = top.max(combine(&picked));
            return;
        }
        for j in k..n {
            order.swap(k, j);
            best(sim, n, order, k + 1, top);
            order.swap(k, j);
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut top = 0.0;
    best(&matrix, n, &mut order, 0, &mut top);
    top
}

/// Word similarities already computed in one run over many people (names repeat a lot).
#[derive(Default)]
pub struct Memo<'a>(HashMap<(&'a str, &'a str), f64>);

impl<'a> Memo<'a> {
    fn word(&mut self, a: &'a str, b: &'a str) -> f64 {
        let key = if a <= b { (a, b) } else { (b, a) };
        *self
            .0
            .entry(key)
            .or_insert_with(|| word_similarity(key.0, key.1))
    }
}

/// Every way of joining neighbouring words of `w` into `n` words ("kim seng" → "kimseng").
fn joinings(w: &[String], n: usize) -> Vec<Vec<String>> {
    if n == 0 || w.len() < n {
        return Vec::new();
    }
    if n == 1 {
        return vec![vec![w.concat()]];
    }
    let mut out = Vec::new();
    for first in 1..=w.len() - (n - 1) {
        for mut rest in joinings(&w[first..], n - 1) {
            rest.insert(0, w[..first].concat());
            out.push(rest);
        }
    }
    out
}

/// How alike two names are, from 0 to 1: the same Khmer spelling is 1; otherwise their word
/// keys in the best alignment, joining words where one name writes as two what the other
/// writes as one, or (at 0.85 of the value) leaving out the extra words of the longer name.
pub fn name_similarity(a: &NameKey, b: &NameKey) -> f64 {
    similar_names(a, b, &mut Memo::default())
}

fn similar_names<'a>(a: &'a NameKey, b: &'a NameKey, memo: &mut Memo<'a>) -> f64 {
    if let (Some((ka, _)), Some((kb, _))) = (&a.khmer, &b.khmer) {
        if ka == kb {
            return 1.0;
        }
    }
    let (short, long) = if a.words.len() <= b.words.len() {
        (&a.words, &b.words)
    } else {
        (&b.words, &a.words)
    };
    let n = short.len();
    if n == 0 || long.len() > 8 {
        return 0.0;
    }
    if long.len() == n {
        return aligned(n, |i, j| memo.word(&short[i], &long[j]));
    }
    let mut top: f64 = 0.0;
    for joined in joinings(long, n) {
        top = top.max(aligned(n, |i, j| word_similarity(&short[i], &joined[j])));
    }
    // A name with a word more (a second given name): the shorter one inside the longer.
    if n >= 2 && long.len() == n + 1 {
        for skip in 0..long.len() {
            let rest: Vec<&'a String> = long
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, w)| w)
                .collect();
            top = top.max(0.85 * aligned(n, |i, j| memo.word(&short[i], rest[j])));
        }
    }
    top
}

/// What a birth year, a sex and affiliations add: (reason kind, text, effect).
fn adjustments(a: &Profile, b: &Profile) -> Vec<Reason> {
    let mut out = Vec::new();
    if let (Some(ya), Some(yb)) = (a.birth_year, b.birth_year) {
        let (effect, how) = match (ya - yb).abs() {
            0 | 1 => (0.05, "agree"),
            2..=4 => (-0.1, "differ"),
            _ => (-0.3, "are far apart"),
        };
        out.push(Reason {
            kind: "birth_year",
            text: format!("birth years {ya} and {yb} {how}"),
            effect,
        });
    }
    let known = |s: &Option<String>| s.clone().filter(|s| s == "female" || s == "male");
    if let (Some(sa), Some(sb)) = (known(&a.sex), known(&b.sex)) {
        if sa != sb {
            out.push(Reason {
                kind: "sex",
                text: format!("recorded sex differs ({sa}, {sb})"),
                effect: -0.4,
            });
        }
    }
    let shared = a.affiliations.iter().find(|o| {
        let o = crate::text::fold(o);
        b.affiliations.iter().any(|p| crate::text::fold(p) == o)
    });
    if let Some(org) = shared {
        out.push(Reason {
            kind: "affiliation",
            text: format!("both affiliated with {org}"),
            effect: 0.05,
        });
    }
    out
}

/// How likely `a` and `b` are one person, with the reasons: the most similar pair of their
/// names, then the adjustments; the value is clamped to 0–1.
pub fn score(a: &Profile, b: &Profile) -> Score {
    score_at_least(a, b, 0.0, &mut Memo::default()).unwrap_or(Score {
        value: 0.0,
        reasons: Vec::new(),
    })
}

/// [`score`], or `None` as soon as it is clear the score stays below `min` (the reasons are
/// only written for pairs that may reach it).
pub fn score_at_least<'a>(
    a: &'a Profile,
    b: &'a Profile,
    min: f64,
    memo: &mut Memo<'a>,
) -> Option<Score> {
    let mut best: Option<(f64, &NameKey, &NameKey)> = None;
    for na in &a.names {
        for nb in &b.names {
            let s = similar_names(na, nb, memo);
            if best.is_none_or(|(t, _, _)| s > t) {
                best = Some((s, na, nb));
            }
        }
    }
    let (sim, na, nb) = best?;
    // Adjustments add at most 0.1 (birth year and affiliation).
    if sim + 0.1 < min {
        return None;
    }
    let mut reasons = vec![Reason {
        kind: "name",
        text: format!("{} ~ {}: {sim:.2}", na.describe(), nb.describe()),
        effect: sim,
    }];
    reasons.extend(adjustments(a, b));
    let value = reasons[1..]
        .iter()
        .fold(sim, |v, r| v + r.effect)
        .clamp(0.0, 1.0);
    (value >= min).then_some(Score { value, reasons })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(names: &[&str]) -> Profile {
        Profile {
            names: names.iter().map(|n| NameKey::new(n)).collect(),
            ..Profile::default()
        }
    }

    #[test]
    fn a_khmer_name_matches_its_latin_spelling_and_says_how() {
        let s = score(&person(&["ញ៉ែ ចំរើន"]), &person(&["Nhay Chamreun"]));
        assert!(
            s.value >= 0.9,
            "ញ៉ែ ចំរើន and Nhay Chamreun are one name: {s:?}"
        );
        assert!(
            s.reasons[0]
                .text
                .contains("Khmer ញ៉ែ ចំរើន romanised nhae chamreun ~ Latin Nhay Chamreun"),
            "the reason names both names and the romanisation: {}",
            s.reasons[0].text
        );
    }

    #[test]
    fn a_huge_name_is_compared_in_bounded_time() {
        let huge = "Sokha".repeat(200_000);
        let t = std::time::Instant::now();
        let s = score(&person(&[&huge, "x"]), &person(&[&huge]));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "a 1 MB name must not make the comparison quadratic in its length: {:?}",
            t.elapsed()
        );
        assert!(s.value > 0.9, "the same huge name still matches itself");
        assert!(
            s.reasons[0].text.len() < 1_000,
            "the reason quotes a bounded name"
        );
    }

    #[test]
    fn a_shared_family_name_alone_stays_low() {
        let s = score(&person(&["Kem Sokha"]), &person(&["Kem Monovithya"]));
        assert!(
            s.value < 0.7,
            "sharing the family name Kem is not being one person: {s:?}"
        );
    }

    #[test]
    fn word_order_and_joined_words_do_not_matter() {
        let s = score(&person(&["Ouk Kimseng"]), &person(&["Kim Seng Ouk"]));
        assert!(
            s.value >= 0.95,
            "Ouk Kimseng and Kim Seng Ouk are one name: {s:?}"
        );
    }

    #[test]
    fn birth_year_and_sex_move_the_score() {
        let mut a = person(&["Tep Vanny"]);
        let mut b = person(&["Tep Vanny"]);
        a.birth_year = Some(1980);
        b.birth_year = Some(1981);
        let near = score(&a, &b).value;
        b.birth_year = Some(1960);
        let far = score(&a, &b).value;
        assert!(
            far < near - 0.2,
            "birth years 20 years apart must lower the score strongly"
        );
        b.birth_year = Some(1980);
        a.sex = Some("female".into());
        b.sex = Some("male".into());
        assert!(
            score(&a, &b).value < super::super::DEFAULT_MIN_SCORE,
            "a different recorded sex must keep even one spelling below the suggestion threshold"
        );
    }
}
