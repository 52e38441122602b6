//! People: victims, alleged perpetrators, witnesses, sources. One person may carry a name in
//! Khmer script, several romanisations and aliases; contact details are kept apart.

use crate::sql::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{opt_text, required_text, FuzzyDate, Meta};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NameInput {
    pub name: String,
    /// original | romanisation | alias (default: original for the first, romanisation after).
    #[serde(default)]
    pub kind: Option<String>,
    /// ISO 15924 script code, e.g. Khmr, Latn.
    #[serde(default)]
    pub script: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Affiliation {
    pub organisation: String,
    /// party, union, ngo, military_unit, police_unit, government, other
    #[serde(default)]
    pub org_type: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub kind: String,
    pub value: String,
}

/// A new person, or the new state of one.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Shorthand for a single original-script name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub names: Vec<NameInput>,
    /// female | male | other | unknown
    #[serde(default)]
    pub sex: Option<String>,
    #[serde(default)]
    pub birth: FuzzyDate,
    #[serde(default)]
    pub nationalities: Vec<String>,
    #[serde(default)]
    pub affiliations: Vec<Affiliation>,
    /// Codes of the `person_category` vocabulary (human_rights_defender, journalist, …).
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub occupation: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// A stored person.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Person {
    pub id: String,
    /// The first name given: what lists show.
    pub name: String,
    pub names: Vec<NameInput>,
    pub sex: Option<String>,
    pub birth: FuzzyDate,
    pub nationalities: Vec<String>,
    pub affiliations: Vec<Affiliation>,
    pub categories: Vec<String>,
    pub occupation: Option<String>,
    pub notes: String,
    pub contacts: Vec<Contact>,
    /// Derived from proceedings: in custody now.
    pub detained: bool,
    #[serde(flatten)]
    pub meta: Meta,
}

impl PersonInput {
    fn all_names(&self) -> Result<Vec<NameInput>> {
        let mut names = Vec::new();
        if let Some(n) = &self.name {
            names.push(NameInput {
                name: n.clone(),
                kind: Some("original".into()),
                script: None,
            });
        }
        names.extend(self.names.iter().cloned());
        if names.is_empty() {
            return Err(Error::invalid("a person needs at least one name"));
        }
        for (i, n) in names.iter_mut().enumerate() {
            n.name = required_text("person name", &n.name)?;
            let kind = n.kind.as_deref().map(str::trim).unwrap_or(if i == 0 {
                "original"
            } else {
                "romanisation"
            });
            if !matches!(kind, "original" | "romanisation" | "alias") {
                return Err(Error::invalid(format!(
                    "unknown name kind '{kind}' (original, romanisation, alias)"
                )));
            }
            n.kind = Some(kind.to_string());
            n.script = opt_text("name script", &n.script)?.or_else(|| Some(guess_script(&n.name)));
        }
        Ok(names)
    }
}

/// Khmer block U+1780–U+17FF (and Khmer symbols U+19E0–U+19FF) → Khmr, otherwise Latn.
fn guess_script(s: &str) -> String {
    if s.chars()
        .any(|c| ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c))
    {
        "Khmr".into()
    } else {
        "Latn".into()
    }
}

fn check_sex(s: &Option<String>) -> Result<Option<String>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v @ ("female" | "male" | "other" | "unknown")) => Ok(Some(v.to_string())),
        Some(v) => Err(Error::invalid(format!(
            "unknown sex '{v}' (female, male, other, unknown)"
        ))),
    }
}

/// Inserts a person (inside the caller's transaction).
pub(crate) fn insert(conn: &Connection, device_id: &str, p: &PersonInput) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = super::now();
    write(conn, &id, p, |conn, primary, sex, birth, prec| {
        conn.exec(
            "INSERT INTO person (id, primary_name, sex, birth_date, birth_precision, occupation,
                notes, created_at, updated_at, device_id, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, 1)",
            params![
                id.to_string(),
                primary,
                sex,
                birth,
                prec,
                opt_text("occupation", &p.occupation)?,
                p.notes.as_deref().unwrap_or("").trim(),
                now,
                device_id
            ],
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// Replaces a person's fields, bumping the version.
pub(crate) fn update(conn: &Connection, device_id: &str, id: &Uuid, p: &PersonInput) -> Result<()> {
    exists(conn, id)?;
    write(conn, id, p, |conn, primary, sex, birth, prec| {
        conn.exec(
            "UPDATE person SET primary_name = ?2, sex = ?3, birth_date = ?4, birth_precision = ?5,
                occupation = ?6, notes = ?7, updated_at = ?8, device_id = ?9,
                version = version + 1
             WHERE id = ?1",
            params![
                id.to_string(),
                primary,
                sex,
                birth,
                prec,
                opt_text("occupation", &p.occupation)?,
                p.notes.as_deref().unwrap_or("").trim(),
                super::now(),
                device_id
            ],
        )?;
        Ok(())
    })
}

fn write(
    conn: &Connection,
    id: &Uuid,
    p: &PersonInput,
    row: impl FnOnce(&Connection, &str, Option<String>, Option<String>, &str) -> Result<()>,
) -> Result<()> {
    let names = p.all_names()?;
    let sex = check_sex(&p.sex)?;
    let (birth, prec) = p.birth.normalise("birth")?;
    super::bounded("notes", p.notes.as_deref().unwrap_or(""))?;
    row(conn, &names[0].name, sex, birth, prec.as_str())?;
    let sid = id.to_string();
    for t in [
        "person_name",
        "person_nationality",
        "affiliation",
        "person_contact",
        "person_category",
    ] {
        conn.exec(&format!("DELETE FROM {t} WHERE person_id = ?1"), [&sid])?;
    }
    for (i, n) in names.iter().enumerate() {
        conn.exec(
            "INSERT INTO person_name (person_id, position, name, kind, script) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sid, i as i64, n.name, n.kind, n.script],
        )?;
    }
    for c in &p.nationalities {
        let c = crate::report::countries::check(&required_text("nationality", c)?)?;
        conn.exec(
            "INSERT OR IGNORE INTO person_nationality (person_id, country) VALUES (?1, ?2)",
            params![sid, c],
        )?;
    }
    for (i, a) in p.affiliations.iter().enumerate() {
        conn.exec(
            "INSERT INTO affiliation (person_id, position, organisation, org_type, role, start_date, end_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sid,
                i as i64,
                required_text("organisation", &a.organisation)?,
                opt_text("org_type", &a.org_type)?,
                opt_text("affiliation role", &a.role)?,
                opt_text("start_date", &a.start_date)?,
                opt_text("end_date", &a.end_date)?
            ],
        )?;
    }
    for c in &p.categories {
        let code = super::vocab::check(conn, super::vocab::Vocab::PersonCategory, c)?;
        conn.exec(
            "INSERT OR IGNORE INTO person_category (person_id, code) VALUES (?1, ?2)",
            params![sid, code],
        )?;
    }
    for (i, c) in p.contacts.iter().enumerate() {
        conn.exec(
            "INSERT INTO person_contact (person_id, position, kind, value) VALUES (?1, ?2, ?3, ?4)",
            params![
                sid,
                i as i64,
                required_text("contact kind", &c.kind)?,
                required_text("contact value", &c.value)?
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn exists(conn: &Connection, id: &Uuid) -> Result<()> {
    let found: Option<i64> = conn
        .row(
            "SELECT 1 FROM person WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| Error::not_found("person", id))
}

pub(crate) fn load(conn: &Connection, id: &Uuid) -> Result<Person> {
    let sid = id.to_string();
    let mut p = conn
        .row(
            "SELECT id, primary_name, sex, birth_date, birth_precision, occupation, notes,
                    created_at, updated_at, device_id, version
             FROM person WHERE id = ?1",
            [&sid],
            |r| {
                Ok(Person {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    names: Vec::new(),
                    sex: r.get(2)?,
                    birth: FuzzyDate::from_stored(r.get(3)?, &r.get::<_, String>(4)?),
                    nationalities: Vec::new(),
                    affiliations: Vec::new(),
                    categories: Vec::new(),
                    occupation: r.get(5)?,
                    notes: r.get(6)?,
                    contacts: Vec::new(),
                    detained: false,
                    meta: Meta {
                        created_at: r.get(7)?,
                        updated_at: r.get(8)?,
                        device_id: r.get(9)?,
                        version: r.get(10)?,
                    },
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found("person", id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT name, kind, script FROM person_name WHERE person_id = ?1 ORDER BY position",
    )?;
    p.names = stmt
        .query_map([&sid], |r| {
            Ok(NameInput {
                name: r.get(0)?,
                kind: r.get(1)?,
                script: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT country FROM person_nationality WHERE person_id = ?1 ORDER BY country",
    )?;
    p.nationalities = stmt
        .query_map([&sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT organisation, org_type, role, start_date, end_date FROM affiliation
         WHERE person_id = ?1 ORDER BY position",
    )?;
    p.affiliations = stmt
        .query_map([&sid], |r| {
            Ok(Affiliation {
                organisation: r.get(0)?,
                org_type: r.get(1)?,
                role: r.get(2)?,
                start_date: r.get(3)?,
                end_date: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    p.categories = categories(conn, &sid)?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, value FROM person_contact WHERE person_id = ?1 ORDER BY position",
    )?;
    p.contacts = stmt
        .query_map([&sid], |r| {
            Ok(Contact {
                kind: r.get(0)?,
                value: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    p.detained = super::proceeding::is_detained(conn, id)?;
    Ok(p)
}

/// A person's category codes, in vocabulary order.
pub(crate) fn categories(conn: &Connection, person_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.code FROM person_category c JOIN vocab_person_category v ON v.code = c.code
         WHERE c.person_id = ?1 ORDER BY v.sort, c.code",
    )?;
    let rows = stmt.query_map([person_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<Person>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM person ORDER BY primary_name COLLATE NOCASE, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| load(conn, &super::parse_id("person", s)?))
        .collect()
}
