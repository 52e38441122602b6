//! The dated story of a person (every incident they were part of and every proceeding, across
//! all records of their identity) or of a chain of related incidents (arrest → charge → trial →
//! sentence, following incident links both ways), in date order with each date's precision.

use std::collections::{BTreeSet, VecDeque};

use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

use super::Report;
use crate::error::Result;
use crate::model::proceeding::{for_identity, Proceeding};
use crate::model::{incident, parse_id, FuzzyDate};
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TimelineEntry {
    pub date: FuzzyDate,
    /// incident | proceeding
    pub record_type: &'static str,
    pub record_id: String,
    /// Incident kinds, or the proceeding's kind.
    pub kind: String,
    /// The incident's title, or whom the proceeding concerns.
    pub title: String,
    /// Place, role, charges, authority, sentence, as known.
    pub detail: String,
    pub incident_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Timeline {
    /// person | incident
    pub subject: &'static str,
    pub id: String,
    pub name: String,
    pub entries: Vec<TimelineEntry>,
}

pub(crate) const RULES: &[&str] = &[
    "Entries are in date order; a date known only to the month or year sorts at its first day, and entries of unknown date come last.",
    "A person's timeline holds every incident they took part in (with their role) and every proceeding, across all records of their identity.",
    "An incident chain holds the incident and every incident linked to it, directly or through others, in either direction, with their proceedings.",
];

fn sort_key(d: &FuzzyDate) -> (bool, String) {
    match &d.date {
        Some(s) => (false, format!("{s}-01-01").chars().take(10).collect()),
        None => (true, String::new()),
    }
}

fn join(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("; ")
}

fn proceeding_entry(conn: &Connection, p: &Proceeding) -> Result<TimelineEntry> {
    let who = match (&p.person_id, &p.group) {
        (Some(id), _) => crate::model::person::load(conn, &parse_id("person", id)?)?.name,
        (None, Some(g)) => g.description.clone(),
        (None, None) => String::new(),
    };
    Ok(TimelineEntry {
        date: p.date.clone(),
        record_type: "proceeding",
        record_id: p.id.clone(),
        kind: p.kind.clone(),
        title: who,
        detail: join(&[
            p.authority.clone(),
            p.charges.clone(),
            p.sentence_months.map(|m| format!("{m} months")),
            p.detention_place.clone(),
        ]),
        incident_id: p.incident_id.clone(),
    })
}

fn incident_entry(i: &incident::Incident, role: Option<String>) -> TimelineEntry {
    TimelineEntry {
        date: i.start.clone(),
        record_type: "incident",
        record_id: i.id.clone(),
        kind: i.kinds.join(", "),
        title: i.title.clone(),
        detail: join(&[role, i.place.name.clone(), i.place.admin_area.clone()]),
        incident_id: Some(i.id.clone()),
    }
}

fn sorted(mut entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    entries.sort_by(|a, b| {
        sort_key(&a.date)
            .cmp(&sort_key(&b.date))
            .then_with(|| (a.record_type == "proceeding").cmp(&(b.record_type == "proceeding")))
            .then_with(|| a.record_id.cmp(&b.record_id))
    });
    entries
}

impl Vault {
    /// A person's timeline (through their identity).
    pub fn person_timeline(&self, id: &Uuid) -> Result<Report<Timeline>> {
        let conn = &self.conn;
        let person = crate::model::person::load(conn, id)?;
        let identity: String = conn.query_row(
            "SELECT identity_id FROM person_identity WHERE person_id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )?;
        let mut entries = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT v.incident_id, v.role, v.act_type FROM involvement v
             WHERE v.person_id IN (SELECT person_id FROM person_identity WHERE identity_id = ?1)
             ORDER BY v.incident_id, v.id",
        )?;
        let acts: Vec<(String, String, Option<String>)> = stmt
            .query_map([&identity], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (incident_id, role, act) in acts {
            let i = incident::load(conn, &parse_id("incident", &incident_id)?)?;
            let role = match act {
                Some(a) => format!("{role}: {a}"),
                None => role,
            };
            entries.push(incident_entry(&i, Some(role)));
        }
        for p in for_identity(conn, &identity)? {
            entries.push(proceeding_entry(conn, &p)?);
        }
        let data = Timeline {
            subject: "person",
            id: id.to_string(),
            name: person.name.clone(),
            entries: sorted(entries),
        };
        Report::new(
            self,
            "timeline",
            format!("Timeline of {}", person.name),
            vec![("person".into(), id.to_string())],
            RULES.iter().map(|s| s.to_string()).collect(),
            data,
        )
    }

    /// The timeline of an incident and every incident linked to it (either way, transitively).
    pub fn incident_timeline(&self, id: &Uuid) -> Result<Report<Timeline>> {
        let conn = &self.conn;
        let first = incident::load(conn, id)?;
        let mut seen = BTreeSet::from([id.to_string()]);
        let mut queue = VecDeque::from([id.to_string()]);
        let mut stmt = conn.prepare(
            "SELECT to_id FROM incident_link WHERE from_id = ?1
             UNION SELECT from_id FROM incident_link WHERE to_id = ?1",
        )?;
        while let Some(cur) = queue.pop_front() {
            let next: Vec<String> = stmt
                .query_map([&cur], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for n in next {
                if seen.insert(n.clone()) {
                    queue.push_back(n);
                }
            }
        }
        let mut entries = Vec::new();
        for sid in &seen {
            let i = incident::load(conn, &parse_id("incident", sid)?)?;
            for p in &i.proceedings {
                entries.push(proceeding_entry(conn, p)?);
            }
            entries.push(incident_entry(&i, None));
        }
        let data = Timeline {
            subject: "incident",
            id: id.to_string(),
            name: first.title.clone(),
            entries: sorted(entries),
        };
        Report::new(
            self,
            "timeline",
            format!("Timeline of the chain of “{}”", first.title),
            vec![("incident".into(), id.to_string())],
            RULES.iter().map(|s| s.to_string()).collect(),
            data,
        )
    }
}
