//! One whole edit of a stored incident: its own fields, kinds and links, and its acts and
//! proceedings changed in place, added or removed, in one transaction.

use super::*;
use crate::sql::Cached;

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

pub(super) fn check_people_refs(people: &BTreeMap<String, PersonInput>) -> Result<()> {
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
pub(super) fn stored_ids(conn: &Connection, table: &str, incident: &Uuid) -> Result<Vec<Uuid>> {
    let rows: Vec<String> = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE incident_id = ?1"))?
        .query_map([incident.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter().map(|s| parse_id("record", s)).collect()
}

/// Parses the `id` of a listed entry and checks that it names a stored row of this incident,
/// listed once.
pub(super) fn listed_id(
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
        .row(
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
        crate::model::person::exists(conn, &pid)?;
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
            let checked = check_act(conn, person.is_some(), inv, act_id.as_ref())?;
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
            let person = crate::model::proceeding::person_ref(p)
                .map(who)
                .transpose()?;
            let checked = crate::model::proceeding::check_fields(conn, p)?;
            procs.push((proc_id, person, checked));
        }
        procs_gone = stored.into_iter().filter(|s| !seen.contains(s)).collect();
    }

    // 2. Write.
    upsert(conn, device_id, id, &s)?;
    write_kinds_and_links(conn, id, &own)?;
    let mut people = BTreeMap::new();
    for (r, p) in &e.people {
        people.insert(r.clone(), crate::model::person::insert(conn, device_id, p)?);
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
        conn.exec("DELETE FROM involvement WHERE id = ?1", [gone.to_string()])?;
    }
    for (act_id, person, c) in &acts {
        let person = person.as_ref().map(resolve).transpose()?;
        let act_id = act_id.unwrap_or_else(Uuid::now_v7);
        write_act(conn, device_id, &act_id, id, person.as_ref(), c)?;
    }
    for gone in &procs_gone {
        conn.exec("DELETE FROM proceeding WHERE id = ?1", [gone.to_string()])?;
    }
    for (proc_id, person, c) in &procs {
        let person = person.as_ref().map(resolve).transpose()?;
        let proc_id = proc_id.unwrap_or_else(Uuid::now_v7);
        crate::model::proceeding::write_checked(
            conn,
            device_id,
            &proc_id,
            person.as_ref(),
            Some(id),
            c,
        )?;
    }
    Ok(people)
}
