//! One person across monitors and scripts: pairs of stored persons that may be the same
//! person, ranked by a score that explains itself. `latin` and `khmer` make matching keys of
//! names, `score` compares two people; this module reads the vault and keeps the work below
//! O(n²) by comparing only people whose names share two word initials. docs/matching.md
//! describes the whole method and its measured precision and recall.

pub mod khmer;
pub mod latin;
pub mod score;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

pub use score::{NameKey, Profile, Reason, Score};

use crate::error::{Error, Result};
use crate::vault::Vault;

/// The score from which a pair is suggested unless the caller asks otherwise: the threshold at
/// which docs/matching.md reports precision and recall.
pub const DEFAULT_MIN_SCORE: f64 = 0.85;

/// What to look for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicateOptions {
    /// Pairs scoring below this (0–1) are left out.
    pub min_score: f64,
    /// At most this many pairs, best first.
    pub limit: Option<usize>,
}

impl Default for DuplicateOptions {
    fn default() -> Self {
        DuplicateOptions {
            min_score: DEFAULT_MIN_SCORE,
            limit: Some(100),
        }
    }
}

/// One side of a suggested pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidatePerson {
    pub id: String,
    /// Every stored name, in the order given.
    pub names: Vec<String>,
}

/// Two persons that may be one, with the score and its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub a: CandidatePerson,
    pub b: CandidatePerson,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

struct Stored {
    id: String,
    names: Vec<String>,
    profile: Profile,
}

/// A word key's first consonant (its first letter if it has none): romanisations disagree most on
/// a leading vowel ("Ouk" / "Uk", "Ieng" / "Eng").
fn initial(word: &str) -> Option<char> {
    word.chars()
        .find(|c| !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'ə'))
        .or_else(|| word.chars().next())
}

/// The blocking keys of a person: for each name, every pair of its words' initials
/// ([`initial`]), in alphabetical order (a one-word name gives its initial twice). Two people
/// are compared only if they share a key.
fn blocks(p: &Profile) -> BTreeSet<(char, char)> {
    let mut out = BTreeSet::new();
    for n in &p.names {
        let mut initials: Vec<char> = n.words.iter().filter_map(|w| initial(w)).collect();
        initials.sort_unstable();
        match initials.as_slice() {
            [] => {}
            [c] => {
                out.insert((*c, *c));
            }
            many => {
                for (i, &x) in many.iter().enumerate() {
                    for &y in &many[i + 1..] {
                        out.insert((x, y));
                    }
                }
            }
        }
    }
    out
}

/// The suggested pairs among `people`, best first, leaving out those `exclude` names; and how
/// many pairs were compared.
fn candidates(
    people: &[Stored],
    opts: &DuplicateOptions,
    exclude: impl Fn(&str, &str) -> bool,
) -> (Vec<Candidate>, usize) {
    let mut buckets: HashMap<(char, char), Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        for b in blocks(&p.profile) {
            buckets.entry(b).or_default().push(i);
        }
    }
    let mut seen = HashSet::new();
    let mut compared = 0usize;
    let mut memo = score::Memo::default();
    let mut out = Vec::new();
    for members in buckets.values() {
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                if !seen.insert((i, j)) {
                    continue;
                }
                let (a, b) = (&people[i], &people[j]);
                if exclude(&a.id, &b.id) {
                    continue;
                }
                compared += 1;
                if let Some(s) =
                    score::score_at_least(&a.profile, &b.profile, opts.min_score, &mut memo)
                {
                    let side = |p: &Stored| CandidatePerson {
                        id: p.id.clone(),
                        names: p.names.clone(),
                    };
                    let (a, b) = if a.id <= b.id { (a, b) } else { (b, a) };
                    out.push(Candidate {
                        a: side(a),
                        b: side(b),
                        score: s.value,
                        reasons: s.reasons,
                    });
                }
            }
        }
    }
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| (&x.a.id, &x.b.id).cmp(&(&y.a.id, &y.b.id)))
    });
    if let Some(n) = opts.limit {
        out.truncate(n);
    }
    (out, compared)
}

impl Vault {
    /// Pairs of persons that may be one person, best first: every stored name of each (Khmer and
    /// Latin), birth year, sex and affiliations compared as docs/matching.md describes. Two
    /// records already merged into one person are not suggested again.
    pub fn person_duplicates(&self, opts: &DuplicateOptions) -> Result<Vec<Candidate>> {
        let mut identity = std::collections::HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT person_id, identity_id FROM person_identity")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (p, i) = row?;
            identity.insert(p, i);
        }
        let same = |a: &str, b: &str| match (identity.get(a), identity.get(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        };
        self.person_duplicates_except(opts, same)
    }

    /// [`Vault::person_duplicates`], leaving out the pairs (by person id) `exclude` names, such
    /// as pairs already merged or marked as different people.
    pub fn person_duplicates_except(
        &self,
        opts: &DuplicateOptions,
        exclude: impl Fn(&str, &str) -> bool,
    ) -> Result<Vec<Candidate>> {
        if !(0.0..=1.0).contains(&opts.min_score) {
            return Err(Error::invalid(format!(
                "minimum score {} is outside 0 to 1",
                opts.min_score
            )));
        }
        Ok(candidates(&self.load_profiles()?, opts, exclude).0)
    }

    fn load_profiles(&self) -> Result<Vec<Stored>> {
        let mut people: Vec<Stored> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, sex, birth_date FROM person ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, sex, birth) = row?;
            let birth_year = birth
                .as_deref()
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse().ok());
            index.insert(id.clone(), people.len());
            people.push(Stored {
                id,
                names: Vec::new(),
                profile: Profile {
                    sex,
                    birth_year,
                    ..Profile::default()
                },
            });
        }
        let mut stmt = self
            .conn
            .prepare("SELECT person_id, name FROM person_name ORDER BY person_id, position")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (pid, name) = row?;
            if let Some(p) = index.get(&pid).map(|&i| &mut people[i]) {
                p.profile.names.push(NameKey::new(&name));
                p.names.push(name);
            }
        }
        let mut stmt = self
            .conn
            .prepare("SELECT person_id, organisation FROM affiliation")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (pid, org) = row?;
            if let Some(p) = index.get(&pid).map(|&i| &mut people[i]) {
                p.profile.affiliations.push(org);
            }
        }
        Ok(people)
    }
}

#[cfg(test)]
mod tests;
