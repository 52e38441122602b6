//! Incidents (ESF "events"): what happened, when, where, of what kinds, and who was involved in
//! which role (the "acts"), with the legal steps that followed.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::person::PersonInput;
use super::proceeding::{Proceeding, ProceedingInput};
use super::vocab::{check, Vocab};
use super::{opt_text, parse_id, required_text, FuzzyDate, Meta};
use crate::error::{Error, Result};

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
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
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
    conn.execute("DELETE FROM incident_kind WHERE incident_id = ?1", [&sid])?;
    for k in &i.kinds {
        let k = check(conn, Vocab::IncidentKind, k)?;
        conn.execute(
            "INSERT OR IGNORE INTO incident_kind (incident_id, kind) VALUES (?1, ?2)",
            params![sid, k],
        )?;
    }
    conn.execute("DELETE FROM incident_link WHERE from_id = ?1", [&sid])?;
    for l in &i.related {
        let to = parse_id("incident", &l.incident_id)?;
        if to == *id {
            return Err(Error::invalid("an incident cannot be related to itself"));
        }
        exists(conn, &to)?;
        conn.execute(
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
        let person = resolve(&p.person)?;
        super::proceeding::insert(conn, device_id, &person, Some(&id), p)?;
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
    conn.execute(
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
pub(crate) fn check_act(
    conn: &Connection,
    has_person: bool,
    inv: &InvolvementInput,
) -> Result<CheckedAct> {
    let role = check(conn, Vocab::Role, &inv.role)?;
    let c = inv.counting.clone().unwrap_or_default();
    if !matches!(c.unit.as_str(), "individual" | "group") {
        return Err(Error::invalid(format!(
            "unknown counting unit '{}' (individual, group)",
            c.unit
        )));
    }
    if c.unit == "individual" && !has_person {
        return Err(Error::invalid(
            "an act needs a person, or a counting unit of \"group\"",
        ));
    }
    if c.min.is_some_and(|m| m < 0) || c.max.is_some_and(|m| m < 0) {
        return Err(Error::invalid("counts cannot be negative"));
    }
    if c.min.is_some_and(|m| m > MAX_COUNT) || c.max.is_some_and(|m| m > MAX_COUNT) {
        return Err(Error::invalid(format!(
            "a count must be between 0 and {MAX_COUNT}"
        )));
    }
    if let (Some(a), Some(b)) = (c.min, c.max) {
        if a > b {
            return Err(Error::invalid(format!(
                "count minimum {a} is larger than maximum {b}"
            )));
        }
    }
    super::bounded("notes", inv.notes.as_deref().unwrap_or(""))?;
    Ok(CheckedAct {
        role,
        act_type: opt_text("act_type", &inv.act_type)?,
        method: opt_text("method", &inv.method)?,
        injuries: opt_text("injuries", &inv.injuries)?,
        perpetrator_type: opt_text("perpetrator_type", &inv.perpetrator_type)?,
        perpetrator_unit: opt_text("perpetrator_unit", &inv.perpetrator_unit)?,
        degree: opt_text("degree", &inv.degree)?,
        group_description: opt_text("group description", &c.description)?,
        unit: c.unit,
        min: c.min,
        max: c.max,
        notes: inv.notes.as_deref().unwrap_or("").trim().to_string(),
    })
}

fn refuse_act_id(inv: &InvolvementInput) -> Result<()> {
    match &inv.id {
        None => Ok(()),
        Some(id) => Err(Error::invalid(format!(
            "a new act cannot carry an id ('{id}'): ids name stored acts in an incident edit only"
        ))),
    }
}

pub(crate) fn insert_involvement(
    conn: &Connection,
    device_id: &str,
    incident: &Uuid,
    person: Option<&Uuid>,
    inv: &InvolvementInput,
) -> Result<Uuid> {
    exists(conn, incident)?;
    refuse_act_id(inv)?;
    let c = check_act(conn, person.is_some(), inv)?;
    let id = Uuid::now_v7();
    insert_act(conn, device_id, &id, incident, person, &c)?;
    Ok(id)
}

fn insert_act(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    incident: &Uuid,
    person: Option<&Uuid>,
    c: &CheckedAct,
) -> Result<()> {
    conn.execute(
        "INSERT INTO involvement (id, incident_id, person_id, role, act_type, method, injuries,
            perpetrator_type, perpetrator_unit, degree, counting_unit, group_description, count_min,
            count_max, notes, created_at, updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, 1)",
        params![
            id.to_string(),
            incident.to_string(),
            person.map(|p| p.to_string()),
            c.role,
            c.act_type,
            c.method,
            c.injuries,
            c.perpetrator_type,
            c.perpetrator_unit,
            c.degree,
            c.unit,
            c.group_description,
            c.min,
            c.max,
            c.notes,
            super::now(),
            device_id
        ],
    )?;
    Ok(())
}

/// Writes a stored act's new state in place. Only a row that actually changes gets a new
/// version, timestamp and device id. Returns whether it changed.
fn update_act(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    person: Option<&Uuid>,
    c: &CheckedAct,
) -> Result<bool> {
    let n = conn.execute(
        "UPDATE involvement SET person_id = ?2, role = ?3, act_type = ?4, method = ?5,
            injuries = ?6, perpetrator_type = ?7, perpetrator_unit = ?8, degree = ?9,
            counting_unit = ?10, group_description = ?11, count_min = ?12, count_max = ?13,
            notes = ?14, updated_at = ?15, device_id = ?16, version = version + 1
         WHERE id = ?1 AND (person_id IS NOT ?2 OR role IS NOT ?3 OR act_type IS NOT ?4
            OR method IS NOT ?5 OR injuries IS NOT ?6 OR perpetrator_type IS NOT ?7
            OR perpetrator_unit IS NOT ?8 OR degree IS NOT ?9 OR counting_unit IS NOT ?10
            OR group_description IS NOT ?11 OR count_min IS NOT ?12 OR count_max IS NOT ?13
            OR notes IS NOT ?14)",
        params![
            id.to_string(),
            person.map(|p| p.to_string()),
            c.role,
            c.act_type,
            c.method,
            c.injuries,
            c.perpetrator_type,
            c.perpetrator_unit,
            c.degree,
            c.unit,
            c.group_description,
            c.min,
            c.max,
            c.notes,
            super::now(),
            device_id
        ],
    )?;
    Ok(n > 0)
}

/// The whole edit of a stored incident: its own fields, kinds and links, and (when listed) the
/// full desired lists of its acts and proceedings. An entry with the `id` of a stored act or
/// proceeding of this incident changes it in place; one without an id is added; stored ones not
/// listed are removed. A list left out (`null` or absent) leaves the stored ones as they are.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncidentEdit {
    /// The incident's `version` this edit was made from. When given and the stored version
    /// differs (someone else saved in between), the edit is refused and nothing changes.
    #[serde(default)]
    pub version: Option<i64>,
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
    #[serde(default)]
    pub verification: Option<String>,
    #[serde(default)]
    pub sensitivity: Option<String>,
    #[serde(default)]
    pub related: Vec<Link>,
    /// New people created by this edit, by a local reference used in `involvements` and
    /// `proceedings` (only together with at least one of those lists).
    #[serde(default)]
    pub people: BTreeMap<String, PersonInput>,
    #[serde(default)]
    pub involvements: Option<Vec<InvolvementInput>>,
    #[serde(default)]
    pub proceedings: Option<Vec<ProceedingInput>>,
}

impl IncidentEdit {
    /// The incident's own fields, as an input without people, acts or proceedings.
    fn own(&self) -> IncidentInput {
        IncidentInput {
            title: self.title.clone(),
            description: self.description.clone(),
            kinds: self.kinds.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            place: self.place.clone(),
            verification: self.verification.clone(),
            sensitivity: self.sensitivity.clone(),
            related: self.related.clone(),
            ..Default::default()
        }
    }
}

/// Who an act or proceeding of an edit is about, before the edit's new people exist.
enum Who {
    New(String),
    Stored(Uuid),
}

fn check_people_refs(people: &BTreeMap<String, PersonInput>) -> Result<()> {
    for r in people.keys() {
        if r.trim().is_empty() || Uuid::parse_str(r).is_ok() {
            return Err(Error::invalid(format!(
                "people: '{r}' is not a usable local reference (use a short name like \"p1\")"
            )));
        }
    }
    Ok(())
}

/// The stored ids of `table`'s rows of the incident (acts or proceedings).
fn stored_ids(conn: &Connection, table: &str, incident: &Uuid) -> Result<Vec<Uuid>> {
    let rows: Vec<String> = conn
        .prepare(&format!("SELECT id FROM {table} WHERE incident_id = ?1"))?
        .query_map([incident.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter().map(|s| parse_id("record", s)).collect()
}

/// Parses the `id` of a listed entry and checks that it names a stored row of this incident,
/// listed once.
fn listed_id(
    what: &'static str,
    id: Option<&str>,
    stored: &[Uuid],
    seen: &mut Vec<Uuid>,
) -> Result<Option<Uuid>> {
    let Some(raw) = id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id = parse_id(what, raw)?;
    if !stored.contains(&id) {
        return Err(Error::invalid(format!(
            "{what} {id} is not part of this incident (leave out the id to add a new {what})"
        )));
    }
    if seen.contains(&id) {
        return Err(Error::invalid(format!("{what} {id} is listed twice")));
    }
    seen.push(id);
    Ok(Some(id))
}

/// Applies a whole [`IncidentEdit`] inside the caller's transaction: everything is checked
/// first, then written. The incident's version is bumped once; an act or proceeding row gets a
/// new version only when it changes. Returns the ids of the people the edit created.
pub(crate) fn edit(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    e: &IncidentEdit,
) -> Result<BTreeMap<String, Uuid>> {
    let stored: i64 = conn
        .query_row(
            "SELECT version FROM incident WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("incident", id))?;
    if let Some(edited) = e.version {
        if edited != stored {
            return Err(Error::StaleEdit {
                what: "incident",
                id: id.to_string(),
                edited,
                stored,
            });
        }
    }
    if !e.people.is_empty() && e.involvements.is_none() && e.proceedings.is_none() {
        return Err(Error::invalid(
            "an incident update changes its own fields only unless it lists its involvements or proceedings: \"people\" are created for those lists",
        ));
    }
    let own = e.own();
    let s = scalars(&own)?;
    check_people_refs(&e.people)?;
    let who = |r: &str| -> Result<Who> {
        if e.people.contains_key(r) {
            return Ok(Who::New(r.to_string()));
        }
        let pid = Uuid::parse_str(r.trim()).map_err(|_| {
            Error::invalid(format!(
                "person '{r}' is neither a key of \"people\" nor a person id"
            ))
        })?;
        super::person::exists(conn, &pid)?;
        Ok(Who::Stored(pid))
    };

    // 1. Check every act and proceeding before writing anything.
    let mut acts = Vec::new();
    let mut acts_gone: Vec<Uuid> = Vec::new();
    if let Some(list) = &e.involvements {
        let stored = stored_ids(conn, "involvement", id)?;
        let mut seen = Vec::new();
        for inv in list {
            let act_id = listed_id("act", inv.id.as_deref(), &stored, &mut seen)?;
            let person = inv.person.as_deref().map(who).transpose()?;
            let checked = check_act(conn, person.is_some(), inv)?;
            acts.push((act_id, person, checked));
        }
        acts_gone = stored.into_iter().filter(|s| !seen.contains(s)).collect();
    }
    let mut procs = Vec::new();
    let mut procs_gone: Vec<Uuid> = Vec::new();
    if let Some(list) = &e.proceedings {
        let stored = stored_ids(conn, "proceeding", id)?;
        let mut seen = Vec::new();
        for p in list {
            if let Some(other) = p.incident_id.as_deref().filter(|o| !o.trim().is_empty()) {
                if parse_id("incident", other)? != *id {
                    return Err(Error::invalid(
                        "a proceeding inside an incident must not name another incident_id",
                    ));
                }
            }
            let proc_id = listed_id("proceeding", p.id.as_deref(), &stored, &mut seen)?;
            let person = who(&p.person)?;
            let checked = super::proceeding::check_fields(conn, p)?;
            procs.push((proc_id, person, checked));
        }
        procs_gone = stored.into_iter().filter(|s| !seen.contains(s)).collect();
    }

    // 2. Write.
    upsert(conn, device_id, id, &s)?;
    write_kinds_and_links(conn, id, &own)?;
    let mut people = BTreeMap::new();
    for (r, p) in &e.people {
        people.insert(r.clone(), super::person::insert(conn, device_id, p)?);
    }
    let resolve = |w: &Who| -> Result<Uuid> {
        match w {
            Who::Stored(pid) => Ok(*pid),
            Who::New(r) => people
                .get(r)
                .copied()
                .ok_or_else(|| Error::invalid(format!("person '{r}' was not created"))),
        }
    };
    for gone in &acts_gone {
        conn.execute("DELETE FROM involvement WHERE id = ?1", [gone.to_string()])?;
    }
    for (act_id, person, c) in &acts {
        let person = person.as_ref().map(resolve).transpose()?;
        match act_id {
            Some(act_id) => {
                update_act(conn, device_id, act_id, person.as_ref(), c)?;
            }
            None => insert_act(conn, device_id, &Uuid::now_v7(), id, person.as_ref(), c)?,
        }
    }
    for gone in &procs_gone {
        conn.execute("DELETE FROM proceeding WHERE id = ?1", [gone.to_string()])?;
    }
    for (proc_id, person, c) in &procs {
        let person = resolve(person)?;
        match proc_id {
            Some(proc_id) => {
                super::proceeding::update_checked(conn, device_id, proc_id, &person, c)?;
            }
            None => {
                super::proceeding::insert_checked(
                    conn,
                    device_id,
                    &Uuid::now_v7(),
                    &person,
                    Some(id),
                    c,
                )?;
            }
        }
    }
    Ok(people)
}

pub(crate) fn exists(conn: &Connection, id: &Uuid) -> Result<()> {
    let found: Option<i64> = conn
        .query_row(
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
        .query_row(
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
        .prepare(
            "SELECT k.kind FROM incident_kind k JOIN vocab_incident_kind v ON v.code = k.kind
             WHERE k.incident_id = ?1 ORDER BY v.sort",
        )?
        .query_map([&sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    inc.related = conn
        .prepare("SELECT to_id, relation FROM incident_link WHERE from_id = ?1 ORDER BY to_id")?
        .query_map([&sid], |r| {
            Ok(Link {
                incident_id: r.get(0)?,
                relation: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    inc.involvements = conn
        .prepare(
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
        .prepare("SELECT id FROM testimony WHERE incident_id = ?1 ORDER BY id")?
        .query_map([&sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(inc)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<Incident>> {
    let ids: Vec<String> = conn
        .prepare(
            "SELECT id FROM incident
             ORDER BY start_date IS NULL, substr(coalesce(start_date, '') || '-01-01', 1, 10) DESC, id DESC",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| load(conn, &parse_id("incident", s)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custody;
    use crate::testutil;
    use crate::vault::Vault;

    /// An incident with two named victims, a group of perpetrators and an arrest of the first
    /// victim; returns its id.
    fn seeded(v: &mut Vault) -> Uuid {
        let input: IncidentInput = serde_json::from_value(serde_json::json!({
            "title": "Arrest at the gate",
            "kinds": ["arbitrary_arrest"],
            "people": {"a": {"name": "សុខ ដារា"}, "b": {"name": "Chan Sophea"}},
            "involvements": [
                {"person": "a", "role": "victim", "injuries": "bruises"},
                {"person": "b", "role": "victim"},
                {"role": "perpetrator", "counting": {"unit": "group", "min": 3, "max": 9}}
            ],
            "proceedings": [{"person": "a", "kind": "arrest", "date": {"date": "2024-01-10"}}]
        }))
        .unwrap();
        v.incidents_mut().add(&input).unwrap()
    }

    /// The edit that leaves `inc` exactly as it is (every act and proceeding listed by id).
    fn unchanged(inc: &Incident) -> IncidentEdit {
        IncidentEdit {
            version: Some(inc.meta.version),
            title: inc.title.clone(),
            description: inc.description.clone(),
            kinds: inc.kinds.clone(),
            start: inc.start.clone(),
            end: inc.end.clone(),
            place: inc.place.clone(),
            verification: Some(inc.verification.clone()),
            sensitivity: Some(inc.sensitivity.clone()),
            related: inc.related.clone(),
            people: BTreeMap::new(),
            involvements: Some(
                inc.involvements
                    .iter()
                    .map(|a| InvolvementInput {
                        id: Some(a.id.clone()),
                        person: a.person_id.clone(),
                        role: a.role.clone(),
                        act_type: a.act_type.clone(),
                        method: a.method.clone(),
                        injuries: a.injuries.clone(),
                        perpetrator_type: a.perpetrator_type.clone(),
                        perpetrator_unit: a.perpetrator_unit.clone(),
                        degree: a.degree.clone(),
                        counting: Some(a.counting.clone()),
                        notes: Some(a.notes.clone()),
                    })
                    .collect(),
            ),
            proceedings: Some(
                inc.proceedings
                    .iter()
                    .map(|p| ProceedingInput {
                        id: Some(p.id.clone()),
                        person: p.person_id.clone(),
                        incident_id: p.incident_id.clone(),
                        kind: p.kind.clone(),
                        date: p.date.clone(),
                        authority: p.authority.clone(),
                        case_number: p.case_number.clone(),
                        charges: p.charges.clone(),
                        law_cited: p.law_cited.clone(),
                        sentence_months: p.sentence_months,
                        in_absentia: p.in_absentia,
                        detention_place: p.detention_place.clone(),
                        notes: Some(p.notes.clone()),
                    })
                    .collect(),
            ),
        }
    }

    fn edits_of(v: &Vault, id: &Uuid) -> usize {
        custody::entries_for(v, &id.to_string())
            .unwrap()
            .iter()
            .filter(|e| e.action == "record_edited")
            .count()
    }

    #[test]
    fn an_act_is_changed_in_place_keeping_its_id_and_only_it_gets_a_new_version() {
        let (_d, mut v) = testutil::vault();
        let id = seeded(&mut v);
        let before = v.incidents().get(&id).unwrap();
        let mut e = unchanged(&before);
        let acts = e.involvements.as_mut().unwrap();
        let k = acts
            .iter()
            .position(|a| a.injuries.as_deref() == Some("bruises"))
            .unwrap();
        acts[k].injuries = Some("broken arm".into());
        let changed_id = acts[k].id.clone().unwrap();
        v.incidents_mut().edit(&id, &e).unwrap();

        let after = v.incidents().get(&id).unwrap();
        assert_eq!(
            after.meta.version,
            before.meta.version + 1,
            "one version bump of the incident"
        );
        assert_eq!(
            after.involvements.len(),
            3,
            "no act is added or removed by an in-place change"
        );
        for (b, a) in before.involvements.iter().zip(&after.involvements) {
            assert_eq!(a.id, b.id, "an act edited in place keeps its id");
            if a.id == changed_id {
                assert_eq!(a.injuries.as_deref(), Some("broken arm"));
                assert_eq!(
                    a.meta.version,
                    b.meta.version + 1,
                    "the changed act gets a new version"
                );
                assert_eq!(a.meta.created_at, b.meta.created_at);
            } else {
                assert_eq!(
                    a, b,
                    "an act that did not change is not rewritten (bundles carry only changes)"
                );
            }
        }
        assert_eq!(
            after.proceedings, before.proceedings,
            "an unchanged proceeding keeps its version"
        );
        assert_eq!(edits_of(&v, &id), 1, "one edit is one custody entry");
    }

    #[test]
    fn one_edit_adds_changes_and_removes_acts_and_proceedings_together() {
        let (_d, mut v) = testutil::vault();
        let id = seeded(&mut v);
        let before = v.incidents().get(&id).unwrap();
        let persons_before = v.persons().list().unwrap().len();
        let mut e = unchanged(&before);
        e.title = "Arrest at the factory gate".into();
        e.people.insert(
            "w".into(),
            serde_json::from_value(serde_json::json!({"name": "Keo Malis"})).unwrap(),
        );
        let acts = e.involvements.as_mut().unwrap();
        let removed = acts.remove(1).id.unwrap();
        acts[0].notes = Some("taken to Prey Sar".into());
        let changed = acts[0].id.clone().unwrap();
        acts.push(InvolvementInput {
            person: Some("w".into()),
            role: "witness".into(),
            ..Default::default()
        });
        let procs = e.proceedings.as_mut().unwrap();
        procs[0].authority = Some("Phnom Penh police".into());
        let victim = before.proceedings[0].person_id.clone();
        procs.push(ProceedingInput {
            person: victim,
            kind: "released".into(),
            date: FuzzyDate {
                date: Some("2024-02-01".into()),
                precision: None,
            },
            ..Default::default()
        });
        v.incidents_mut().edit(&id, &e).unwrap();

        let after = v.incidents().get(&id).unwrap();
        assert_eq!(after.title, "Arrest at the factory gate");
        assert_eq!(after.meta.version, before.meta.version + 1);
        let ids: Vec<&str> = after.involvements.iter().map(|a| a.id.as_str()).collect();
        assert!(
            !ids.contains(&removed.as_str()),
            "an act left out of the list is removed"
        );
        assert_eq!(after.involvements.len(), 3, "one act removed, one added");
        let c = after.involvements.iter().find(|a| a.id == changed).unwrap();
        assert_eq!(
            c.notes, "taken to Prey Sar",
            "a listed act is changed in place"
        );
        let w = after
            .involvements
            .iter()
            .find(|a| a.role == "witness")
            .unwrap();
        assert_eq!(
            w.person_name.as_deref(),
            Some("Keo Malis"),
            "a new person is created for a new act"
        );
        assert_eq!(v.persons().list().unwrap().len(), persons_before + 1);
        assert_eq!(after.proceedings.len(), 2);
        assert_eq!(after.proceedings[0].id, before.proceedings[0].id);
        assert_eq!(
            after.proceedings[0].authority.as_deref(),
            Some("Phnom Penh police")
        );
        assert_eq!(
            after.proceedings[0].meta.version, 2,
            "a changed proceeding gets a new version"
        );
        assert_eq!(after.proceedings[1].kind, "released");
        assert_eq!(
            edits_of(&v, &id),
            1,
            "the whole edit is one custody entry on the incident"
        );
        assert_eq!(
            custody::verify_chain(&v).unwrap(),
            None,
            "the custody chain verifies"
        );
    }

    #[test]
    fn an_edit_with_one_invalid_part_changes_nothing() {
        let (_d, mut v) = testutil::vault();
        let id = seeded(&mut v);
        let before = v.incidents().get(&id).unwrap();
        let persons = v.persons().list().unwrap();
        let log = custody::entries(&v).unwrap().len();
        type Spoil = Box<dyn Fn(&mut IncidentEdit)>;
        let bad_parts: Vec<(&str, Spoil)> = vec![
            (
                "role",
                Box::new(|e| {
                    e.involvements.as_mut().unwrap().last_mut().unwrap().role = "nope".into()
                }),
            ),
            (
                "count over the ceiling",
                Box::new(|e| {
                    e.involvements
                        .as_mut()
                        .unwrap()
                        .last_mut()
                        .unwrap()
                        .counting = Some(Counting {
                        unit: "group".into(),
                        min: Some(1),
                        max: Some(MAX_COUNT + 1),
                        description: None,
                    })
                }),
            ),
            (
                "proceeding date",
                Box::new(|e| {
                    e.proceedings.as_mut().unwrap()[0].date.date = Some("2024-02-30".into())
                }),
            ),
            (
                "act of another incident",
                Box::new(|e| {
                    e.involvements.as_mut().unwrap()[0].id = Some(Uuid::now_v7().to_string())
                }),
            ),
            (
                "new person without a name",
                Box::new(|e| {
                    e.people.insert("n".into(), PersonInput::default());
                    e.involvements.as_mut().unwrap().push(InvolvementInput {
                        person: Some("n".into()),
                        role: "witness".into(),
                        ..Default::default()
                    });
                }),
            ),
        ];
        for (what, spoil) in bad_parts {
            let mut e = unchanged(&before);
            e.title = "changed".into();
            e.involvements.as_mut().unwrap().remove(1);
            e.involvements.as_mut().unwrap()[0].notes = Some("changed".into());
            spoil(&mut e);
            assert!(
                v.incidents_mut().edit(&id, &e).is_err(),
                "{what}: the edit must be refused"
            );
            assert_eq!(
                v.incidents().get(&id).unwrap(),
                before,
                "{what}: a refused edit must leave the incident exactly as it was"
            );
            assert_eq!(
                v.persons().list().unwrap(),
                persons,
                "{what}: no person is left behind"
            );
            assert_eq!(
                custody::entries(&v).unwrap().len(),
                log,
                "{what}: no custody entry"
            );
        }
    }

    #[test]
    fn an_edit_made_from_an_older_version_is_refused() {
        let (_d, mut v) = testutil::vault();
        let id = seeded(&mut v);
        let base = v.incidents().get(&id).unwrap();
        let mut mine = unchanged(&base);
        let mut theirs = unchanged(&base);
        theirs.title = "Their title".into();
        v.incidents_mut().edit(&id, &theirs).unwrap();
        mine.title = "My title".into();
        let err = v.incidents_mut().edit(&id, &mine).unwrap_err();
        assert_eq!(
            err.kind(),
            "stale_edit",
            "a stale edit must be refused, not overwrite: {err}"
        );
        assert!(err.to_string().contains("version 1"), "{err}");
        assert_eq!(
            v.incidents().get(&id).unwrap().title,
            "Their title",
            "the newer edit stays"
        );
        mine.version = None;
        v.incidents_mut().edit(&id, &mine).unwrap();
    }

    #[test]
    fn an_edit_without_lists_keeps_the_acts_and_proceedings() {
        let (_d, mut v) = testutil::vault();
        let id = seeded(&mut v);
        let before = v.incidents().get(&id).unwrap();
        let mut e = unchanged(&before);
        e.involvements = None;
        e.proceedings = None;
        e.description = "more".into();
        v.incidents_mut().edit(&id, &e).unwrap();
        let after = v.incidents().get(&id).unwrap();
        assert_eq!(after.involvements, before.involvements);
        assert_eq!(after.proceedings, before.proceedings);
        assert_eq!(after.description, "more");
    }

    #[test]
    fn a_group_count_over_the_ceiling_is_refused_by_the_core() {
        // The ceiling used to live in the desktop shell only: the CLI could store any count.
        let (_d, mut v) = testutil::vault();
        let id = testutil::incident(&mut v, "t");
        let group = |min: Option<i64>, max: Option<i64>| InvolvementInput {
            role: "perpetrator".into(),
            counting: Some(Counting {
                unit: "group".into(),
                min,
                max,
                description: None,
            }),
            ..Default::default()
        };
        let mut m = v.incidents_mut();
        assert!(m
            .add_involvement(&id, None, &group(Some(10), Some(20)))
            .is_ok());
        assert!(m
            .add_involvement(&id, None, &group(Some(MAX_COUNT), None))
            .is_ok());
        assert!(
            m.add_involvement(&id, None, &group(Some(-1), None))
                .is_err(),
            "a negative count must be refused"
        );
        assert!(
            m.add_involvement(&id, None, &group(None, Some(i64::MAX)))
                .is_err(),
            "an absurd count must be refused by the core"
        );
    }

    #[test]
    fn a_person_edit_made_from_an_older_version_is_refused() {
        let (_d, mut v) = testutil::vault();
        let p: PersonInput = serde_json::from_value(serde_json::json!({"name": "Sok"})).unwrap();
        let id = v.persons_mut().add(&p).unwrap();
        let mut newer = p.clone();
        newer.occupation = Some("journalist".into());
        v.persons_mut().edit(&id, Some(1), &newer).unwrap();
        let err = v.persons_mut().edit(&id, Some(1), &p).unwrap_err();
        assert_eq!(
            err.kind(),
            "stale_edit",
            "a stale person edit must not overwrite: {err}"
        );
        assert_eq!(
            v.persons().get(&id).unwrap().occupation.as_deref(),
            Some("journalist")
        );
    }
}
