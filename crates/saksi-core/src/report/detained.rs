//! Who is in custody now. The present custody of a person is the unbroken run of steps since the
//! first step that put them in custody after their last release; it says since when (with the
//! precision the date is known to), where they were last known to be held, and on what charges.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use serde::Serialize;

use super::{given, Report};
use crate::error::Result;
use crate::model::proceeding::{for_identity, Proceeding};
use crate::model::vocab::{check, Vocab};
use crate::model::Person;
use crate::vault::Vault;

#[derive(Debug, Clone, Default)]
pub struct DetainedQuery {
    /// Members of an organisation whose name contains this (case-insensitive).
    pub affiliation: Option<String>,
    /// A `person_category` code.
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetainedPerson {
    /// The person's identity (one per person; merged persons share one).
    pub id: String,
    pub name: String,
    /// The person records of this identity.
    pub person_ids: Vec<String>,
    /// The start of the present, continuous custody (YYYY-MM-DD, YYYY-MM or YYYY)…
    pub since: Option<String>,
    /// …and the precision it is known to (day, month, year, approximate, before, after, unknown).
    pub since_precision: String,
    /// The step that started it (arrest, detained, sentenced).
    pub since_kind: String,
    /// The last known place of detention in the present custody.
    pub place: Option<String>,
    pub charges: Option<String>,
    pub sentence_months: Option<i64>,
    pub authority: Option<String>,
    pub affiliations: Vec<String>,
    pub categories: Vec<String>,
    pub nationalities: Vec<String>,
    /// The proceedings of the present custody, oldest first (drill-down).
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetainedReport {
    pub count: usize,
    pub affiliation_filter: Option<String>,
    pub category_filter: Option<String>,
    pub people: Vec<DetainedPerson>,
}

pub(crate) const RULES: &[&str] = &[
    "A person is detained now when the latest of their proceedings that changes custody puts them in custody: an arrest, a detention, or a sentence (not one passed in absentia or of zero months). A release, an acquittal or flight ends custody. Steps of unknown date count as the most recent.",
    "'Since' is the start of the present, continuous custody: the first step that put the person in custody after their last release, with the precision its date is known to.",
    "'Place' is the last known place of detention among the steps of the present custody.",
    "Charges and authority are the latest given in the present custody, else the latest given in any earlier proceeding; the sentence is the latest passed in the present custody.",
    "Each person counts once, however many records describe them (merged records share one identity).",
];

/// How each proceeding kind changes custody: Some(true) starts, Some(false) ends.
pub(crate) fn effects(conn: &Connection) -> Result<HashMap<String, Option<bool>>> {
    let mut stmt = conn.prepare("SELECT code, custody FROM vocab_proceeding_kind")?;
    let rows = stmt.query_map([], |r| {
        let c: String = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            match c.as_str() {
                "starts" => Some(true),
                "ends" => Some(false),
                _ => None,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The steps of the present custody (oldest first), or `None` when not in custody.
pub(crate) fn present_custody<'a>(
    effects: &HashMap<String, Option<bool>>,
    steps: &'a [Proceeding],
) -> Option<Vec<&'a Proceeding>> {
    let mut current: Option<Vec<&Proceeding>> = None;
    for p in steps {
        let mut effect = effects.get(&p.kind).copied().flatten();
        if effect == Some(true)
            && p.kind == "sentenced"
            && (p.in_absentia || p.sentence_months == Some(0))
        {
            effect = None;
        }
        match effect {
            Some(true) => current.get_or_insert_with(Vec::new).push(p),
            Some(false) => current = None,
            None => {
                if let Some(c) = current.as_mut() {
                    c.push(p)
                }
            }
        }
    }
    current
}

/// The person records of an identity, the identity's own record first.
pub(crate) fn identity_people(conn: &Connection, identity: &str) -> Result<Vec<Person>> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT person_id FROM person_identity WHERE identity_id = ?1
             ORDER BY person_id <> identity_id, person_id",
        )?
        .query_map([identity], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| crate::model::person::load(conn, &crate::model::parse_id("person", s)?))
        .collect()
}

fn latest<T: Clone>(
    custody: &[&Proceeding],
    all: &[Proceeding],
    f: impl Fn(&Proceeding) -> Option<T>,
) -> Option<T> {
    custody
        .iter()
        .rev()
        .find_map(|p| f(p))
        .or_else(|| all.iter().rev().find_map(&f))
}

fn union(people: &[Person], f: impl Fn(&Person) -> Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in people {
        for v in f(p) {
            if seen.insert(v.clone()) {
                out.push(v);
            }
        }
    }
    out
}

impl Vault {
    /// Everyone in custody now, by their proceedings (see [`RULES`]).
    pub fn detained_report(&self, q: &DetainedQuery) -> Result<Report<DetainedReport>> {
        let needle = given(&q.affiliation).map(str::to_lowercase);
        let category = given(&q.category)
            .map(|c| check(&self.conn, Vocab::PersonCategory, c))
            .transpose()?;
        let effects = effects(&self.conn)?;
        let identities: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT pi.identity_id FROM proceeding p
                 JOIN person_identity pi ON pi.person_id = p.person_id ORDER BY 1",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut people = Vec::new();
        for identity in identities {
            let all = for_identity(&self.conn, &identity)?;
            let Some(custody) = present_custody(&effects, &all) else {
                continue;
            };
            let records = identity_people(&self.conn, &identity)?;
            let Some(first) = records.first() else {
                continue;
            };
            let affiliations = union(&records, |p| {
                p.affiliations
                    .iter()
                    .map(|a| a.organisation.clone())
                    .collect()
            });
            let categories = union(&records, |p| p.categories.clone());
            if let Some(n) = &needle {
                if !affiliations.iter().any(|a| a.to_lowercase().contains(n)) {
                    continue;
                }
            }
            if let Some(c) = &category {
                if !categories.contains(c) {
                    continue;
                }
            }
            let start = custody[0];
            people.push(DetainedPerson {
                id: identity.clone(),
                name: first.name.clone(),
                person_ids: records.iter().map(|p| p.id.clone()).collect(),
                since: start.date.date.clone(),
                since_precision: start
                    .date
                    .precision
                    .map_or("unknown", |p| p.as_str())
                    .to_string(),
                since_kind: start.kind.clone(),
                place: custody.iter().rev().find_map(|p| p.detention_place.clone()),
                charges: latest(&custody, &all, |p| p.charges.clone()),
                sentence_months: custody.iter().rev().find_map(|p| p.sentence_months),
                authority: latest(&custody, &all, |p| p.authority.clone()),
                affiliations,
                categories,
                nationalities: union(&records, |p| p.nationalities.clone()),
                steps: custody.iter().map(|p| p.id.clone()).collect(),
            });
        }
        people.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        let mut filters = Vec::new();
        if let Some(a) = given(&q.affiliation) {
            filters.push(("affiliation".into(), a.to_string()));
        }
        if let Some(c) = &category {
            filters.push(("category".into(), c.clone()));
        }
        let data = DetainedReport {
            count: people.len(),
            affiliation_filter: given(&q.affiliation).map(str::to_string),
            category_filter: category,
            people,
        };
        Report::new(
            self,
            "detained",
            "Currently detained".into(),
            filters,
            RULES.iter().map(|s| s.to_string()).collect(),
            data,
        )
    }
}
