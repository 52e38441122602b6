//! Interventions: who acted, towards whom, how (letter, urgent appeal, legal or medical aid),
//! when, and what came of it.

use crate::sql::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vocab::{check, Vocab};
use super::{opt_text, parse_id, required_text, FuzzyDate, Meta};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InterventionInput {
    #[serde(default)]
    pub incident_id: Option<String>,
    #[serde(default)]
    pub person_id: Option<String>,
    pub intervener: String,
    #[serde(default)]
    pub addressee: Option<String>,
    pub kind: String,
    #[serde(default)]
    pub date: FuzzyDate,
    #[serde(default)]
    pub response: Option<String>,
    /// planned | open | answered | closed
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Intervention {
    pub id: String,
    pub incident_id: Option<String>,
    pub person_id: Option<String>,
    pub intervener: String,
    pub addressee: Option<String>,
    pub kind: String,
    pub date: Option<String>,
    pub response: Option<String>,
    pub status: String,
    #[serde(flatten)]
    pub meta: Meta,
}

pub(crate) fn insert(conn: &Connection, device_id: &str, i: &InterventionInput) -> Result<Uuid> {
    let incident = i
        .incident_id
        .as_deref()
        .map(|s| parse_id("incident", s))
        .transpose()?;
    if let Some(x) = &incident {
        super::incident::exists(conn, x)?;
    }
    let person = i
        .person_id
        .as_deref()
        .map(|s| parse_id("person", s))
        .transpose()?;
    if let Some(x) = &person {
        super::person::exists(conn, x)?;
    }
    let kind = check(conn, Vocab::InterventionKind, &i.kind)?;
    let status = match i.status.as_deref().map(str::trim) {
        None | Some("") => "open".to_string(),
        Some(s @ ("planned" | "open" | "answered" | "closed")) => s.to_string(),
        Some(s) => {
            return Err(Error::invalid(format!(
                "unknown intervention status '{s}' (planned, open, answered, closed)"
            )))
        }
    };
    let (date, _) = i.date.normalise("intervention date")?;
    let id = Uuid::now_v7();
    let now = super::now();
    conn.exec(
        "INSERT INTO intervention (id, incident_id, person_id, intervener, addressee, kind, date,
            response, status, created_at, updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, 1)",
        params![
            id.to_string(),
            incident.map(|x| x.to_string()),
            person.map(|x| x.to_string()),
            required_text("intervener", &i.intervener)?,
            opt_text("addressee", &i.addressee)?,
            kind,
            date,
            opt_text("response", &i.response)?,
            status,
            now,
            device_id
        ],
    )?;
    Ok(id)
}

pub(crate) fn load(conn: &Connection, id: &Uuid) -> Result<Intervention> {
    conn.row(
        "SELECT id, incident_id, person_id, intervener, addressee, kind, date, response, status,
            created_at, updated_at, device_id, version
         FROM intervention WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok(Intervention {
                id: r.get(0)?,
                incident_id: r.get(1)?,
                person_id: r.get(2)?,
                intervener: r.get(3)?,
                addressee: r.get(4)?,
                kind: r.get(5)?,
                date: r.get(6)?,
                response: r.get(7)?,
                status: r.get(8)?,
                meta: Meta {
                    created_at: r.get(9)?,
                    updated_at: r.get(10)?,
                    device_id: r.get(11)?,
                    version: r.get(12)?,
                },
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::not_found("intervention", id))
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<Intervention>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM intervention ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| load(conn, &parse_id("intervention", s)?))
        .collect()
}
