//! Incidents (ESF "events"): what happened, when, where, of what kinds, and who was involved in
//! which role (the "acts"), with the legal steps that followed.

use crate::sql::Cached;
use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::person::PersonInput;
use super::proceeding::{Proceeding, ProceedingInput};
use super::vocab::{check, Vocab};
use super::{opt_text, parse_id, required_text, FuzzyDate, Meta};
use crate::error::{Error, Result};

mod acts;
mod edit;
#[cfg(test)]
mod tests;

pub(crate) use acts::{check_act, insert_involvement};
use acts::{refuse_act_id, write_act};
pub(crate) use edit::edit;
pub use edit::IncidentEdit;

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Place {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub admin_area: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub incident_id: String,
    #[serde(default = "related")]
    pub relation: String,
}

fn related() -> String {
    "related".into()
}

/// How many people an act counts: one person, or a group ("3 soldiers", "between 4 and 7
/// strikers").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Counting {
    /// individual | group
    #[serde(default = "individual")]
    pub unit: String,
    /// A number, or text in ASCII or Khmer digits.
    #[serde(default, deserialize_with = "crate::model::typed::opt_number")]
    pub min: Option<i64>,
    #[serde(default, deserialize_with = "crate::model::typed::opt_number")]
    pub max: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
}

fn individual() -> String {
    "individual".into()
}

impl Default for Counting {
    fn default() -> Self {
        Counting {
            unit: individual(),
            min: None,
            max: None,
            description: None,
        }
    }
}

/// A reference to a person from inside an incident: a key of the incident's `people` (a person
/// created with it) or the id of a stored person.
pub type PersonRef = String;

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InvolvementInput {
    /// In an incident edit only: the id of the stored act this entry changes in place. Absent
    /// for a new act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Absent for an unnamed group ("a unit of about 20 bodyguards").
    #[serde(default)]
    pub person: Option<PersonRef>,
    pub role: String,
    #[serde(default)]
    pub act_type: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub injuries: Option<String>,
    #[serde(default)]
    pub perpetrator_type: Option<String>,
    #[serde(default)]
    pub perpetrator_unit: Option<String>,
    #[serde(default)]
    pub degree: Option<String>,
    #[serde(default)]
    pub counting: Option<Counting>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A new incident (with, optionally, the people, acts and proceedings that belong to it).
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub start: FuzzyDate,
    #[serde(default)]
    pub end: FuzzyDate,
    #[serde(default)]
    pub place: Place,
    /// alleged | verified
    #[serde(default)]
    pub verification: Option<String>,
    /// normal | high | restricted
    #[serde(default)]
    pub sensitivity: Option<String>,
    #[serde(default)]
    pub related: Vec<Link>,
    /// People created together with the incident, by a local reference used in `involvements`
    /// and `proceedings`.
    #[serde(default)]
    pub people: BTreeMap<String, PersonInput>,
    #[serde(default)]
    pub involvements: Vec<InvolvementInput>,
    #[serde(default)]
    pub proceedings: Vec<ProceedingInput>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Involvement {
    pub id: String,
    pub person_id: Option<String>,
    pub person_name: Option<String>,
    pub role: String,
    pub act_type: Option<String>,
    pub method: Option<String>,
    pub injuries: Option<String>,
    pub perpetrator_type: Option<String>,
    pub perpetrator_unit: Option<String>,
    pub degree: Option<String>,
    pub counting: Counting,
    pub notes: String,
    #[serde(flatten)]
    pub meta: Meta,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kinds: Vec<String>,
    pub start: FuzzyDate,
    pub end: FuzzyDate,
    pub place: Place,
    pub verification: String,
    pub sensitivity: String,
    pub related: Vec<Link>,
    pub involvements: Vec<Involvement>,
    pub proceedings: Vec<Proceeding>,
    pub testimony_ids: Vec<String>,
    #[serde(flatten)]
    pub meta: Meta,
}

struct Scalars {
    title: String,
    description: String,
    start: (Option<String>, &'static str),
    end: (Option<String>, &'static str),
    place_name: Option<String>,
    admin_area: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    verification: String,
    sensitivity: String,
}

fn scalars(i: &IncidentInput) -> Result<Scalars> {
    let title = required_text("title", &i.title)?;
    super::bounded("description", &i.description)?;
    let (sd, sp) = i.start.normalise("start")?;
    let (ed, ep) = i.end.normalise("end")?;
    let verification = match i.verification.as_deref().map(str::trim) {
        None | Some("") => "alleged".to_string(),
        Some(v @ ("alleged" | "verified")) => v.to_string(),
        Some(v) => {
            return Err(Error::invalid(format!(
                "unknown verification status '{v}' (alleged, verified)"
            )))
        }
    };
    let sensitivity = match i.sensitivity.as_deref().map(str::trim) {
        None | Some("") => "normal".to_string(),
        Some(v @ ("normal" | "high" | "restricted")) => v.to_string(),
        Some(v) => {
            return Err(Error::invalid(format!(
                "unknown sensitivity '{v}' (normal, high, restricted)"
            )))
        }
    };
    match (i.place.latitude, i.place.longitude) {
        (None, None) => {}
        (Some(la), Some(lo)) if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) => {}
        _ => {
            return Err(Error::invalid(
                "place coordinates need both latitude (-90..90) and longitude (-180..180)",
            ))
        }
    }
    Ok(Scalars {
        title,
        description: i.description.trim().to_string(),
        start: (sd, sp.as_str()),
        end: (ed, ep.as_str()),
        place_name: opt_text("place name", &i.place.name)?,
        admin_area: opt_text("administrative area", &i.place.admin_area)?,
        lat: i.place.latitude,
        lon: i.place.longitude,
        verification,
        sensitivity,
    })
}

fn write_kinds_and_links(conn: &Connection, id: &Uuid, i: &IncidentInput) -> Result<()> {
    let sid = id.to_string();
    conn.exec("DELETE FROM incident_kind WHERE incident_id = ?1", [&sid])?;
    for k in &i.kinds {
        let k = check(conn, Vocab::IncidentKind, k)?;
        conn.exec(
            "INSERT OR IGNORE INTO incident_kind (incident_id, kind) VALUES (?1, ?2)",
            params![sid, k],
        )?;
    }
    conn.exec("DELETE FROM incident_link WHERE from_id = ?1", [&sid])?;
    for l in &i.related {
        let to = parse_id("incident", &l.incident_id)?;
        if to == *id {
            return Err(Error::invalid("an incident cannot be related to itself"));
        }
        exists(conn, &to)?;
        conn.exec(
            "INSERT OR REPLACE INTO incident_link (from_id, to_id, relation) VALUES (?1, ?2, ?3)",
            params![sid, to.to_string(), required_text("relation", &l.relation)?],
        )?;
    }
    Ok(())
}

/// Inserts an incident with its people, acts and proceedings (inside the caller's transaction).
/// Returns the incident id and the ids given to the new people, by their local reference.
pub(crate) fn insert(
    conn: &Connection,
    device_id: &str,
    i: &IncidentInput,
) -> Result<(Uuid, BTreeMap<String, Uuid>)> {
    let s = scalars(i)?;
    let id = Uuid::now_v7();
    upsert(conn, device_id, &id, &s)?;
    write_kinds_and_links(conn, &id, i)?;
    let mut people = BTreeMap::new();
    for (r, p) in &i.people {
        if r.trim().is_empty() || Uuid::parse_str(r).is_ok() {
            return Err(Error::invalid(format!(
                "people: '{r}' is not a usable local reference (use a short name like \"p1\")"
            )));
        }
        people.insert(r.clone(), super::person::insert(conn, device_id, p)?);
    }
    let resolve = |r: &str| -> Result<Uuid> {
        match people.get(r) {
            Some(id) => Ok(*id),
            None => {
                let id = Uuid::parse_str(r.trim()).map_err(|_| {
                    Error::invalid(format!(
                        "person '{r}' is neither a key of \"people\" nor a person id"
                    ))
                })?;
                super::person::exists(conn, &id)?;
                Ok(id)
            }
        }
    };
    for inv in &i.involvements {
        refuse_act_id(inv)?;
        let person = inv.person.as_deref().map(resolve).transpose()?;
        insert_involvement(conn, device_id, &id, person.as_ref(), inv)?;
    }
    for p in &i.proceedings {
        if p.incident_id.is_some() {
            return Err(Error::invalid(
                "a proceeding inside an incident must not name another incident_id",
            ));
        }
        let person = super::proceeding::person_ref(p).map(resolve).transpose()?;
        super::proceeding::insert(conn, device_id, person.as_ref(), Some(&id), p)?;
    }
    Ok((id, people))
}

/// Replaces an incident's own fields, kinds and links; bumps its version.
pub(crate) fn update(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    i: &IncidentInput,
) -> Result<()> {
    exists(conn, id)?;
    if !i.people.is_empty() || !i.involvements.is_empty() || !i.proceedings.is_empty() {
        return Err(Error::invalid(
            "an incident update changes its own fields only: add people, acts and proceedings separately",
        ));
    }
    let s = scalars(i)?;
    upsert(conn, device_id, id, &s)?;
    write_kinds_and_links(conn, id, i)
}

/// Writes the incident's own columns in one statement for both cases: a new row starts at
/// version 1; an existing one keeps its `created_at` and gets `version + 1`.
fn upsert(conn: &Connection, device_id: &str, id: &Uuid, s: &Scalars) -> Result<()> {
    conn.exec(
        "INSERT INTO incident (id, title, description, start_date, start_precision, end_date,
            end_precision, place_name, admin_area, latitude, longitude, verification, sensitivity,
            created_at, updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, 1)
         ON CONFLICT (id) DO UPDATE SET
            title = excluded.title, description = excluded.description,
            start_date = excluded.start_date, start_precision = excluded.start_precision,
            end_date = excluded.end_date, end_precision = excluded.end_precision,
            place_name = excluded.place_name, admin_area = excluded.admin_area,
            latitude = excluded.latitude, longitude = excluded.longitude,
            verification = excluded.verification, sensitivity = excluded.sensitivity,
            updated_at = excluded.updated_at, device_id = excluded.device_id,
            version = incident.version + 1",
        params![
            id.to_string(),
            s.title,
            s.description,
            s.start.0,
            s.start.1,
            s.end.0,
            s.end.1,
            s.place_name,
            s.admin_area,
            s.lat,
            s.lon,
            s.verification,
            s.sensitivity,
            super::now(),
            device_id
        ],
    )?;
    Ok(())
}

/// The largest count a group act may carry ("between 4 and 7 strikers"; a crowd of millions is
/// still below it). Anything larger is a typing error.
pub const MAX_COUNT: i64 = 10_000_000;

/// An act's own columns, checked and normalised: what is stored.
pub(crate) struct CheckedAct {
    role: String,
    act_type: Option<String>,
    method: Option<String>,
    injuries: Option<String>,
    perpetrator_type: Option<String>,
    perpetrator_unit: Option<String>,
    degree: Option<String>,
    unit: String,
    group_description: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    notes: String,
}

/// Checks an act's own fields (role, counting, texts) without writing anything. `has_person`:
/// whether the act names a person (an individual act must).
pub(crate) fn exists(conn: &Connection, id: &Uuid) -> Result<()> {
    let found: Option<i64> = conn
        .row(
            "SELECT 1 FROM incident WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::not_found("incident", id))
}

pub(crate) fn load(conn: &Connection, id: &Uuid) -> Result<Incident> {
    let sid = id.to_string();
    let mut inc = conn
        .row(
            "SELECT id, title, description, start_date, start_precision, end_date, end_precision,
                place_name, admin_area, latitude, longitude, verification, sensitivity,
                created_at, updated_at, device_id, version
             FROM incident WHERE id = ?1",
            [&sid],
            |r| {
                Ok(Incident {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    description: r.get(2)?,
                    kinds: Vec::new(),
                    start: FuzzyDate::from_stored(r.get(3)?, &r.get::<_, String>(4)?),
                    end: FuzzyDate::from_stored(r.get(5)?, &r.get::<_, String>(6)?),
                    place: Place {
                        name: r.get(7)?,
                        admin_area: r.get(8)?,
                        latitude: r.get(9)?,
                        longitude: r.get(10)?,
                    },
                    verification: r.get(11)?,
                    sensitivity: r.get(12)?,
                    related: Vec::new(),
                    involvements: Vec::new(),
                    proceedings: Vec::new(),
                    testimony_ids: Vec::new(),
                    meta: Meta {
                        created_at: r.get(13)?,
                        updated_at: r.get(14)?,
                        device_id: r.get(15)?,
                        version: r.get(16)?,
                    },
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found("incident", id))?;
    inc.kinds = conn
        .prepare_cached(
            "SELECT k.kind FROM incident_kind k JOIN vocab_incident_kind v ON v.code = k.kind
             WHERE k.incident_id = ?1 ORDER BY v.sort",
        )?
        .query_map([&sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    inc.related = conn
        .prepare_cached(
            "SELECT to_id, relation FROM incident_link WHERE from_id = ?1 ORDER BY to_id",
        )?
        .query_map([&sid], |r| {
            Ok(Link {
                incident_id: r.get(0)?,
                relation: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    inc.involvements = conn
        .prepare_cached(
            "SELECT i.id, i.person_id, p.primary_name, i.role, i.act_type, i.method, i.injuries,
                i.perpetrator_type, i.perpetrator_unit, i.degree, i.counting_unit,
                i.group_description, i.count_min, i.count_max, i.notes, i.created_at,
                i.updated_at, i.device_id, i.version
             FROM involvement i LEFT JOIN person p ON p.id = i.person_id
             WHERE i.incident_id = ?1 ORDER BY i.id",
        )?
        .query_map([&sid], |r| {
            Ok(Involvement {
                id: r.get(0)?,
                person_id: r.get(1)?,
                person_name: r.get(2)?,
                role: r.get(3)?,
                act_type: r.get(4)?,
                method: r.get(5)?,
                injuries: r.get(6)?,
                perpetrator_type: r.get(7)?,
                perpetrator_unit: r.get(8)?,
                degree: r.get(9)?,
                counting: Counting {
                    unit: r.get(10)?,
                    description: r.get(11)?,
                    min: r.get(12)?,
                    max: r.get(13)?,
                },
                notes: r.get(14)?,
                meta: Meta {
                    created_at: r.get(15)?,
                    updated_at: r.get(16)?,
                    device_id: r.get(17)?,
                    version: r.get(18)?,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    inc.proceedings = super::proceeding::for_incident(conn, id)?;
    inc.testimony_ids = conn
        .prepare_cached("SELECT id FROM testimony WHERE incident_id = ?1 ORDER BY id")?
        .query_map([&sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(inc)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<Incident>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM incident
             ORDER BY start_date IS NULL, substr(coalesce(start_date, '') || '-01-01', 1, 10) DESC, id DESC",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| load(conn, &parse_id("incident", s)?))
        .collect()
}
