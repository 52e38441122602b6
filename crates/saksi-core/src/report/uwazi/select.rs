//! What an Uwazi export may carry: the incidents in scope (restricted ones only when asked),
//! the testimonies whose consent allows the purpose, the attachments of what is carried, the
//! victims' names where the purpose and the incident's sensitivity allow them; and counts of
//! everything left out, with the reason.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::Connection;

use super::{Purpose, UwaziOptions};
use crate::bundle::manifest::Withheld;
use crate::derivative::{Derivative, DerivativeError, Replaced};
use crate::error::{Error, Result};

/// One incident as it is exported (one row of `import.csv`).
pub(super) struct IncidentRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kinds: Vec<String>,
    pub start: Option<String>,
    pub start_precision: String,
    pub end: Option<String>,
    pub end_precision: String,
    pub place: Option<String>,
    pub province: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub verification: String,
    pub sensitivity: String,
    /// Victims' names, when they may be given.
    pub victims: Vec<String>,
    /// Every victim counted (people, and the least size of each group).
    pub victim_count: i64,
    pub victim_categories: Vec<String>,
    pub perpetrator_types: Vec<String>,
    pub proceedings: Vec<Proceeding>,
    /// Testimony bodies that may be carried (with the witness's name when consent allows it).
    pub testimonies: Vec<String>,
    /// The zip names of the attachments carried for this incident (its own and its
    /// testimonies').
    pub attachments: Vec<String>,
}

/// (kind code, date, authority, charges) of one proceeding.
pub(super) type Proceeding = (String, Option<String>, Option<String>, Option<String>);

/// One attachment to copy into the zip.
pub(super) struct FileOut {
    pub id: String,
    pub original_name: String,
    pub sha256: String,
    pub size: u64,
}

pub(super) struct Selection {
    pub rows: Vec<IncidentRow>,
    pub files: Vec<FileOut>,
    pub withheld: Vec<Withheld>,
    /// Originals carried as their redacted copies (see `derivatives` below).
    pub replaced: Vec<Replaced>,
}

fn withheld(record_type: &str, count: u64, code: &str, reason: &str) -> Option<Withheld> {
    (count > 0).then(|| Withheld {
        record_type: record_type.into(),
        count,
        code: code.into(),
        reason: reason.into(),
    })
}

type Multi = HashMap<String, Vec<String>>;

fn multi(conn: &Connection, sql: &str) -> Result<Multi> {
    crate::report::facts::pairs(conn, sql)
}

/// `text_of` reads a pseudonymised copy's text (decrypted, hash-checked).
pub(super) fn select(
    conn: &Connection,
    opts: &UwaziOptions,
    text_of: &dyn Fn(&str) -> Result<String>,
) -> Result<Selection> {
    let wanted: Option<BTreeSet<String>> = if opts.incidents.is_empty() {
        None
    } else {
        let mut s = BTreeSet::new();
        for id in &opts.incidents {
            let id = id.to_string();
            let n: i64 =
                conn.query_row("SELECT count(*) FROM incident WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })?;
            if n == 0 {
                return Err(Error::not_found("incident", &id));
            }
            s.insert(id);
        }
        Some(s)
    };
    let kinds = multi(
        conn,
        "SELECT k.incident_id, k.kind FROM incident_kind k
         JOIN vocab_incident_kind v ON v.code = k.kind ORDER BY v.sort",
    )?;
    let perps = multi(
        conn,
        "SELECT incident_id, perpetrator_type FROM involvement
         WHERE role = 'perpetrator' AND perpetrator_type IS NOT NULL ORDER BY perpetrator_type",
    )?;
    let categories = multi(
        conn,
        "SELECT v.incident_id, c.code FROM involvement v
         JOIN person_category c ON c.person_id = v.person_id
         JOIN vocab_person_category t ON t.code = c.code
         WHERE v.role = 'victim' ORDER BY t.sort",
    )?;

    let mut rows = Vec::new();
    let mut restricted = 0u64;
    let mut stmt = conn.prepare(
        "SELECT id, title, description, start_date, start_precision, end_date, end_precision,
                place_name, admin_area, latitude, longitude, verification, sensitivity
         FROM incident ORDER BY coalesce(start_date, ''), id",
    )?;
    let found = stmt.query_map([], |r| {
        Ok(IncidentRow {
            id: r.get(0)?,
            title: r.get(1)?,
            description: r.get(2)?,
            kinds: Vec::new(),
            start: r.get(3)?,
            start_precision: r.get(4)?,
            end: r.get(5)?,
            end_precision: r.get(6)?,
            place: r.get(7)?,
            province: r.get(8)?,
            latitude: r.get(9)?,
            longitude: r.get(10)?,
            verification: r.get(11)?,
            sensitivity: r.get(12)?,
            victims: Vec::new(),
            victim_count: 0,
            victim_categories: Vec::new(),
            perpetrator_types: Vec::new(),
            proceedings: Vec::new(),
            testimonies: Vec::new(),
            attachments: Vec::new(),
        })
    })?;
    for row in found {
        let mut row = row?;
        if wanted.as_ref().is_some_and(|w| !w.contains(&row.id)) {
            continue;
        }
        if row.sensitivity == "restricted" && !opts.include_restricted {
            restricted += 1;
            continue;
        }
        row.kinds = kinds.get(&row.id).cloned().unwrap_or_default();
        row.perpetrator_types = perps.get(&row.id).cloned().unwrap_or_default();
        row.victim_categories = categories.get(&row.id).cloned().unwrap_or_default();
        rows.push(row);
    }
    drop(stmt);

    let mut names_withheld = 0u64;
    for row in &mut rows {
        let names_allowed = match opts.purpose {
            Purpose::Publication => row.sensitivity == "normal",
            Purpose::Legal => true,
        };
        let mut stmt = conn.prepare(
            "SELECT p.primary_name, v.counting_unit, v.count_min FROM involvement v
             LEFT JOIN person p ON p.id = v.person_id
             WHERE v.incident_id = ?1 AND v.role = 'victim' ORDER BY v.id",
        )?;
        let victims = stmt.query_map([&row.id], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
            ))
        })?;
        for v in victims {
            let (name, unit, min) = v?;
            if unit == "group" {
                row.victim_count += min.unwrap_or(0).max(0);
                continue;
            }
            row.victim_count += 1;
            match name {
                Some(n) if names_allowed && !row.victims.contains(&n) => row.victims.push(n),
                Some(_) if names_allowed => {}
                Some(_) => names_withheld += 1,
                None => {}
            }
        }
        let mut stmt = conn.prepare(
            "SELECT kind, date, authority, charges FROM proceeding
             WHERE incident_id = ?1 ORDER BY coalesce(date, ''), id",
        )?;
        let found = stmt.query_map([&row.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        row.proceedings = found.collect::<rusqlite::Result<_>>()?;
    }

    // Redacted copies (issue 11). A publication carries the redacted copy of every photo that
    // has one, in its place; a testimony whose witness consented to publication only
    // anonymously goes only as its pseudonymised text, its photos only as redacted copies, and
    // files Saksi cannot redact not at all. A copy never goes on its own, only in place of its
    // original, and a legal export carries the originals.
    let links = crate::derivative::all(conn)?;
    let copies: BTreeSet<&str> = links.iter().map(|l| l.derivative_id.as_str()).collect();
    let mut photo_copy: HashMap<&str, &Derivative> = HashMap::new();
    let mut text_copies: HashMap<&str, Vec<&Derivative>> = HashMap::new();
    for l in &links {
        match l.original_type.as_str() {
            // Oldest first: the latest copy wins.
            "attachment" => {
                photo_copy.insert(l.original_id.as_str(), l);
            }
            _ => text_copies
                .entry(l.original_id.as_str())
                .or_default()
                .push(l),
        }
    }
    let mut replaced = Vec::new();
    let mut anonymous_only = BTreeSet::new();

    // Testimonies: carried only with consent for the purpose.
    let mut carried_testimonies: BTreeMap<String, String> = BTreeMap::new();
    let mut withheld_testimonies = BTreeSet::new();
    let by_id: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    // Effective consent: the record's, narrowed by every withdrawal held (crate::consent).
    let mut withdrawn_testimonies = 0u64;
    let mut stmt = conn.prepare(
        "SELECT t.id, t.incident_id, t.body, c.legal_proceedings, c.publication, t.anonymous,
                p.primary_name, c.withdrawn
         FROM testimony t JOIN testimony_consent c ON c.testimony_id = t.id
         LEFT JOIN person p ON p.id = t.witness_id ORDER BY t.id",
    )?;
    let found = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, i64>(7)?,
        ))
    })?;
    for t in found {
        let (id, incident, body, legal, publication, anonymous, witness, withdrawn) = t?;
        let Some(&i) = by_id.get(&incident) else {
            continue;
        };
        let allowed = match opts.purpose {
            Purpose::Publication => publication == "anonymous" || publication == "named",
            Purpose::Legal => legal == 1,
        };
        if !allowed {
            // Counted apart when the record's own consent allowed it: a withdrawal took it away.
            let given = match opts.purpose {
                Purpose::Publication => conn.query_row(
                    "SELECT consent_publication <> 'none' FROM testimony WHERE id = ?1",
                    [&id],
                    |r| r.get::<_, bool>(0),
                )?,
                Purpose::Legal => conn.query_row(
                    "SELECT consent_legal = 1 FROM testimony WHERE id = ?1",
                    [&id],
                    |r| r.get::<_, bool>(0),
                )?,
            };
            if withdrawn != 0 && given {
                withdrawn_testimonies += 1;
            }
            withheld_testimonies.insert(id);
            continue;
        }
        let text = match witness {
            Some(w) if anonymous == 0 && publication == "named" => format!("{body}\n— {w}"),
            _ if opts.purpose == Purpose::Publication && publication == "anonymous" => {
                let current = crate::crypto::hash::sha256_hex(body.as_bytes());
                let made = text_copies.get(id.as_str()).ok_or_else(|| {
                    DerivativeError::TextCopyRequired {
                        testimony: id.clone(),
                    }
                })?;
                let copy = made
                    .iter()
                    .rev()
                    .find(|l| l.original_sha256 == current)
                    .ok_or_else(|| DerivativeError::TextCopyOutdated {
                        testimony: id.clone(),
                    })?;
                replaced.push(Replaced::of(copy));
                anonymous_only.insert(id.clone());
                text_of(&copy.derivative_id)?
            }
            _ => body,
        };
        rows[i].testimonies.push(text);
        carried_testimonies.insert(id, incident);
    }
    drop(stmt);

    let mut files = Vec::new();
    let mut of_withheld = 0u64;
    let mut of_persons = 0u64;
    let mut not_redactable = 0u64;
    let mut stmt = conn.prepare(
        "SELECT id, record_type, record_id, original_name, sha256, size, media_type FROM attachment
         ORDER BY id",
    )?;
    let found = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    for a in found {
        let (mut id, ty, rid, mut original_name, mut sha256, mut size, media_type) = a?;
        if copies.contains(id.as_str()) {
            continue;
        }
        let incident = match ty.as_str() {
            "incident" => by_id.get(&rid).copied(),
            "testimony" => match carried_testimonies.get(&rid) {
                Some(inc) => by_id.get(inc).copied(),
                None => {
                    if withheld_testimonies.contains(&rid) {
                        of_withheld += 1;
                    }
                    None
                }
            },
            _ => {
                if person_in_scope(conn, &rid, &by_id)? {
                    of_persons += 1;
                }
                None
            }
        };
        if let (Some(_), Purpose::Publication) = (incident, opts.purpose) {
            let anonymous = ty == "testimony" && anonymous_only.contains(&rid);
            let copy = photo_copy.get(id.as_str()).copied();
            match copy {
                Some(l) => {
                    replaced.push(Replaced::of(l));
                    (original_name, sha256, size) = conn.query_row(
                        "SELECT original_name, sha256, size FROM attachment WHERE id = ?1",
                        [&l.derivative_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )?;
                    id = l.derivative_id.clone();
                }
                None if anonymous && media_type.starts_with("image/") => {
                    return Err(DerivativeError::PhotoCopyRequired {
                        testimony: rid,
                        item: id,
                    }
                    .into());
                }
                None if anonymous => {
                    not_redactable += 1;
                    continue;
                }
                None => {}
            }
        }
        if let Some(i) = incident {
            rows[i]
                .attachments
                .push(super::columns::file_name(&id, &original_name));
            files.push(FileOut {
                id,
                original_name,
                sha256,
                size: size.max(0) as u64,
            });
        }
    }

    let contacts = contacts_of_victims(conn, &rows)?;
    let withheld = [
        withheld(
            "incident",
            restricted,
            "restricted",
            "the incident is marked restricted (export them only when asked)",
        ),
        withheld(
            "testimony",
            withdrawn_testimonies,
            "consent_withdrawn",
            match opts.purpose {
                Purpose::Publication => "the witness withdrew consent to publication",
                Purpose::Legal => "the witness withdrew consent to use in legal proceedings",
            },
        ),
        withheld(
            "testimony",
            withheld_testimonies.len() as u64 - withdrawn_testimonies,
            "no_consent",
            match opts.purpose {
                Purpose::Publication => "the witness did not consent to publication",
                Purpose::Legal => "the witness did not consent to use in legal proceedings",
            },
        ),
        withheld(
            "attachment",
            of_withheld,
            "attachment_of_withheld",
            "attached to a testimony that is withheld",
        ),
        withheld(
            "attachment",
            not_redactable,
            "no_redacted_copy",
            "attached to a testimony whose witness consented to publication only anonymously, \
             and not a photo Saksi can redact",
        ),
        withheld(
            "attachment",
            of_persons,
            "person_attachment",
            "attached to a person: people's files never go into an Uwazi export",
        ),
        withheld(
            "victim_name",
            names_withheld,
            "sensitivity",
            "the incident's sensitivity is high: victims are counted, not named, in a publication",
        ),
        withheld(
            "person_contact",
            contacts,
            "contacts",
            "contact details never go into an Uwazi export",
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Selection {
        rows,
        files,
        withheld,
        replaced,
    })
}

/// Whether a person takes part in an exported incident (so that their files count as left out).
fn person_in_scope(
    conn: &Connection,
    person: &str,
    by_id: &HashMap<String, usize>,
) -> Result<bool> {
    let mut stmt = conn.prepare("SELECT incident_id FROM involvement WHERE person_id = ?1")?;
    let found = stmt.query_map([person], |r| r.get::<_, String>(0))?;
    for inc in found {
        if by_id.contains_key(&inc?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many contact details the people of the exported incidents have (none is exported),
/// each person counted once.
fn contacts_of_victims(conn: &Connection, rows: &[IncidentRow]) -> Result<u64> {
    let mut people = BTreeSet::new();
    let mut stmt = conn.prepare(
        "SELECT person_id FROM involvement WHERE incident_id = ?1 AND person_id IS NOT NULL",
    )?;
    for r in rows {
        let found = stmt.query_map([&r.id], |row| row.get::<_, String>(0))?;
        for p in found {
            people.insert(p?);
        }
    }
    let mut n = 0u64;
    for p in &people {
        let c: i64 = conn.query_row(
            "SELECT count(*) FROM person_contact WHERE person_id = ?1",
            [p],
            |row| row.get(0),
        )?;
        n += c.max(0) as u64;
    }
    Ok(n)
}
