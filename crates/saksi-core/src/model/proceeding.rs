//! Proceedings: the dated legal and detention steps of a person (arrest, warrant, charge,
//! detention, trial, sentence, release, acquittal, appeal, flight). Whether someone is detained
//! now is derived from them, never typed in.

use crate::sql::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocab::{check, Vocab};
use super::{opt_text, parse_id, FuzzyDate, Meta};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProceedingInput {
    /// In an incident edit only: the id of the stored proceeding this entry changes in place.
    /// Absent for a new proceeding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The person's id (or, inside an incident's JSON, the `ref` of a person in its `people`).
    /// Absent when the proceeding concerns a `group` of unnamed people.
    #[serde(default)]
    pub person: Option<String>,
    /// A group of unnamed people ("three bodyguards"), instead of a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    #[serde(default)]
    pub incident_id: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub date: FuzzyDate,
    #[serde(default)]
    pub authority: Option<String>,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub charges: Option<String>,
    #[serde(default)]
    pub law_cited: Option<String>,
    /// A number, or text in ASCII or Khmer digits.
    #[serde(default, deserialize_with = "super::typed::opt_number")]
    pub sentence_months: Option<i64>,
    #[serde(default)]
    pub in_absentia: bool,
    #[serde(default)]
    pub detention_place: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// Unnamed people a proceeding concerns, with their number when known (a range when sources
/// differ).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub description: String,
    #[serde(default, deserialize_with = "super::typed::opt_number")]
    pub size_min: Option<i64>,
    #[serde(default, deserialize_with = "super::typed::opt_number")]
    pub size_max: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Proceeding {
    pub id: String,
    /// `None` for a proceeding against a group of unnamed people.
    pub person_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    pub incident_id: Option<String>,
    pub kind: String,
    pub date: FuzzyDate,
    pub authority: Option<String>,
    pub case_number: Option<String>,
    pub charges: Option<String>,
    pub law_cited: Option<String>,
    pub sentence_months: Option<i64>,
    pub in_absentia: bool,
    pub detention_place: Option<String>,
    pub notes: String,
    #[serde(flatten)]
    pub meta: Meta,
}

/// A proceeding's own columns, checked and normalised: what is stored.
pub(crate) struct Checked {
    kind: String,
    date: Option<String>,
    precision: &'static str,
    authority: Option<String>,
    case_number: Option<String>,
    charges: Option<String>,
    law_cited: Option<String>,
    sentence_months: Option<i64>,
    in_absentia: bool,
    detention_place: Option<String>,
    notes: String,
    group: Option<Group>,
}

/// Checks a proceeding's own fields (kind, date, sentence, texts) without writing anything.
pub(crate) fn check_fields(conn: &Connection, p: &ProceedingInput) -> Result<Checked> {
    let kind = check(conn, Vocab::ProceedingKind, &p.kind)?;
    let (date, prec) = p.date.normalise("proceeding date")?;
    if let Some(m) = p.sentence_months {
        if !(0..=1200).contains(&m) {
            return Err(Error::invalid("sentence_months must be between 0 and 1200"));
        }
    }
    super::bounded("notes", p.notes.as_deref().unwrap_or(""))?;
    let group = check_group(p)?;
    Ok(Checked {
        kind,
        date,
        precision: prec.as_str(),
        authority: opt_text("authority", &p.authority)?,
        case_number: opt_text("case_number", &p.case_number)?,
        charges: opt_text("charges", &p.charges)?,
        law_cited: opt_text("law_cited", &p.law_cited)?,
        sentence_months: p.sentence_months,
        in_absentia: p.in_absentia,
        detention_place: opt_text("detention_place", &p.detention_place)?,
        notes: p.notes.as_deref().unwrap_or("").trim().to_string(),
        group,
    })
}

/// The person named by an input, if any (an empty string names no one).
pub(crate) fn person_ref(p: &ProceedingInput) -> Option<&str> {
    p.person.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A proceeding concerns exactly one person or one group of unnamed people.
fn check_group(p: &ProceedingInput) -> Result<Option<Group>> {
    match (person_ref(p), &p.group) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "a proceeding concerns either one person or a group of unnamed people, not both",
        )),
        (None, None) => Err(Error::invalid(
            "a proceeding needs a person or a group of unnamed people (a group description)",
        )),
        (Some(_), None) => Ok(None),
        (None, Some(g)) => {
            let description = super::required_text("group description", &g.description)?;
            for n in [g.size_min, g.size_max].into_iter().flatten() {
                if !(0..=1_000_000).contains(&n) {
                    return Err(Error::invalid(
                        "a group's size must be between 0 and 1000000",
                    ));
                }
            }
            if let (Some(lo), Some(hi)) = (g.size_min, g.size_max) {
                if lo > hi {
                    return Err(Error::invalid(format!(
                        "a group's minimum size ({lo}) is larger than its maximum ({hi})"
                    )));
                }
            }
            Ok(Some(Group {
                description,
                size_min: g.size_min,
                size_max: g.size_max,
            }))
        }
    }
}

/// Refuses an `id` where only new proceedings are possible.
pub(crate) fn refuse_id(p: &ProceedingInput) -> Result<()> {
    match &p.id {
        None => Ok(()),
        Some(id) => Err(Error::invalid(format!(
            "a new proceeding cannot carry an id ('{id}'): ids name stored proceedings in an incident edit only"
        ))),
    }
}

/// Inserts a proceeding whose person (and incident) ids are already resolved.
pub(crate) fn insert(
    conn: &Connection,
    device_id: &str,
    person_id: Option<&Uuid>,
    incident_id: Option<&Uuid>,
    p: &ProceedingInput,
) -> Result<Uuid> {
    refuse_id(p)?;
    if let Some(person_id) = person_id {
        super::person::exists(conn, person_id)?;
    }
    if let Some(i) = incident_id {
        super::incident::exists(conn, i)?;
    }
    let c = check_fields(conn, p)?;
    let id = Uuid::now_v7();
    write_checked(conn, device_id, &id, person_id, incident_id, &c)?;
    Ok(id)
}

/// Writes a proceeding: a new id is inserted (version 1, in `incident_id`); a stored id is
/// changed in place, and only a row that actually changes gets a new version, timestamp and
/// device id (so that bundles carry exactly the changed rows; its incident stays). Returns
/// whether a row was written.
pub(crate) fn write_checked(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    person_id: Option<&Uuid>,
    incident_id: Option<&Uuid>,
    c: &Checked,
) -> Result<bool> {
    check_subject(conn, person_id, c)?;
    if let Some(i) = incident_id {
        super::incident::exists(conn, i)?;
    }
    let g = c.group.as_ref();
    let n = conn.exec(
        "INSERT INTO proceeding (id, person_id, incident_id, kind, date, date_precision, authority,
            case_number, charges, law_cited, sentence_months, in_absentia, detention_place, notes,
            created_at, updated_at, device_id, version, group_description, group_size_min,
            group_size_max)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16, 1,
            ?17, ?18, ?19)
         ON CONFLICT(id) DO UPDATE SET person_id = excluded.person_id, kind = excluded.kind,
            date = excluded.date, date_precision = excluded.date_precision,
            authority = excluded.authority, case_number = excluded.case_number,
            charges = excluded.charges, law_cited = excluded.law_cited,
            sentence_months = excluded.sentence_months, in_absentia = excluded.in_absentia,
            detention_place = excluded.detention_place, notes = excluded.notes,
            updated_at = excluded.updated_at, device_id = excluded.device_id,
            version = version + 1, group_description = excluded.group_description,
            group_size_min = excluded.group_size_min, group_size_max = excluded.group_size_max
         WHERE person_id IS NOT excluded.person_id OR kind IS NOT excluded.kind
            OR date IS NOT excluded.date OR date_precision IS NOT excluded.date_precision
            OR authority IS NOT excluded.authority OR case_number IS NOT excluded.case_number
            OR charges IS NOT excluded.charges OR law_cited IS NOT excluded.law_cited
            OR sentence_months IS NOT excluded.sentence_months
            OR in_absentia IS NOT excluded.in_absentia
            OR detention_place IS NOT excluded.detention_place OR notes IS NOT excluded.notes
            OR group_description IS NOT excluded.group_description
            OR group_size_min IS NOT excluded.group_size_min
            OR group_size_max IS NOT excluded.group_size_max",
        params![
            id.to_string(),
            person_id.map(|p| p.to_string()),
            incident_id.map(|i| i.to_string()),
            c.kind,
            c.date,
            c.precision,
            c.authority,
            c.case_number,
            c.charges,
            c.law_cited,
            c.sentence_months,
            c.in_absentia as i64,
            c.detention_place,
            c.notes,
            super::now(),
            device_id,
            g.map(|g| g.description.as_str()),
            g.and_then(|g| g.size_min),
            g.and_then(|g| g.size_max)
        ],
    )?;
    Ok(n > 0)
}

/// The person exists, or (with no person) the checked fields carry a group.
fn check_subject(conn: &Connection, person_id: Option<&Uuid>, c: &Checked) -> Result<()> {
    match (person_id, &c.group) {
        (Some(p), None) => super::person::exists(conn, p),
        (None, Some(_)) => Ok(()),
        _ => Err(Error::invalid(
            "a proceeding concerns either one person or a group of unnamed people",
        )),
    }
}

/// Resolves the ids in a stand-alone proceeding input (not inside an incident).
pub(crate) fn insert_standalone(
    conn: &Connection,
    device_id: &str,
    p: &ProceedingInput,
) -> Result<Uuid> {
    let person = person_ref(p).map(|s| parse_id("person", s)).transpose()?;
    let incident = p
        .incident_id
        .as_deref()
        .map(|s| parse_id("incident", s))
        .transpose()?;
    insert(conn, device_id, person.as_ref(), incident.as_ref(), p)
}

const COLUMNS: &str = "id, person_id, incident_id, kind, date, date_precision, authority,
    case_number, charges, law_cited, sentence_months, in_absentia, detention_place, notes,
    created_at, updated_at, device_id, version, group_description, group_size_min, group_size_max";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Proceeding> {
    Ok(Proceeding {
        id: r.get(0)?,
        person_id: r.get(1)?,
        group: match r.get::<_, Option<String>>(18)? {
            Some(description) => Some(Group {
                description,
                size_min: r.get(19)?,
                size_max: r.get(20)?,
            }),
            None => None,
        },
        incident_id: r.get(2)?,
        kind: r.get(3)?,
        date: FuzzyDate::from_stored(r.get(4)?, &r.get::<_, String>(5)?),
        authority: r.get(6)?,
        case_number: r.get(7)?,
        charges: r.get(8)?,
        law_cited: r.get(9)?,
        sentence_months: r.get(10)?,
        in_absentia: r.get::<_, i64>(11)? != 0,
        detention_place: r.get(12)?,
        notes: r.get(13)?,
        meta: Meta {
            created_at: r.get(14)?,
            updated_at: r.get(15)?,
            device_id: r.get(16)?,
            version: r.get(17)?,
        },
    })
}

/// Chronological order: by date (unknown dates last, as the newest news), then by entry time.
const CHRONOLOGICAL: &str =
    "ORDER BY date IS NULL, substr(coalesce(date, '') || '-01-01', 1, 10), created_at, id";

pub(crate) fn for_person(conn: &Connection, person: &Uuid) -> Result<Vec<Proceeding>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proceeding WHERE person_id = ?1 {CHRONOLOGICAL}"
    ))?;
    let rows = stmt.query_map([person.to_string()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The proceedings of every person record of one identity (the `person_identity` view: merged
/// persons share one), oldest first.
pub(crate) fn for_identity(conn: &Connection, identity: &str) -> Result<Vec<Proceeding>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proceeding WHERE person_id IN
            (SELECT person_id FROM person_identity WHERE identity_id = ?1) {CHRONOLOGICAL}"
    ))?;
    let rows = stmt.query_map([identity], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn for_incident(conn: &Connection, incident: &Uuid) -> Result<Vec<Proceeding>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM proceeding WHERE incident_id = ?1 {CHRONOLOGICAL}"
    ))?;
    let rows = stmt.query_map([incident.to_string()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn load(conn: &Connection, id: &Uuid) -> Result<Proceeding> {
    conn.row(
        &format!("SELECT {COLUMNS} FROM proceeding WHERE id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::not_found("proceeding", id))
}

/// The step that put the person in custody, if they are in custody now: the latest step that
/// changes custody starts it (an arrest, a detention, a sentence not passed in absentia).
pub(crate) fn current_detention(conn: &Connection, person: &Uuid) -> Result<Option<Proceeding>> {
    let mut last: Option<(String, Proceeding)> = None;
    for p in for_person(conn, person)? {
        let custody: String = conn.row(
            "SELECT custody FROM vocab_proceeding_kind WHERE code = ?1",
            [&p.kind],
            |r| r.get(0),
        )?;
        let effect = match custody.as_str() {
            "starts"
                if p.kind == "sentenced" && (p.in_absentia || p.sentence_months == Some(0)) =>
            {
                continue
            }
            "starts" | "ends" => custody,
            _ => continue,
        };
        last = Some((effect, p));
    }
    Ok(last.and_then(|(effect, p)| (effect == "starts").then_some(p)))
}

pub(crate) fn is_detained(conn: &Connection, person: &Uuid) -> Result<bool> {
    Ok(current_detention(conn, person)?.is_some())
}
