//! Case files: a lawyer chooses items of evidence (one by one, or every item of an incident),
//! numbers them as exhibits (E-001, E-002… given once, never renumbered) and produces from them
//! an exhibit list and a court folder that anyone can check with standard tools.
//!
//! Here: the case and its exhibits (create, add, show), each write one transaction with its
//! custody entries. `list.rs`: the exhibit list (what each exhibit is, where it came from, its
//! whole custody); `folder.rs`: the court folder; `html.rs`: the printable exhibit list;
//! `verify_text.rs`: the folder's `VERIFY.txt`.

mod error;
mod export;
mod folder;
mod html;
mod list;
#[cfg(test)]
mod tests;
mod verify_text;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use crate::crypto::hash::sha256_hex;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::evidence::{self, Attachment};
use crate::model::RecordType;
use crate::vault::Vault;

pub use error::CaseError;
pub use folder::CourtFolder;
pub use list::{CustodyStep, ExhibitRow};

/// Most exhibits one case holds (exhibit numbers have room for six digits).
pub const MAX_EXHIBITS: i64 = 999_999;
/// Longest case title, in characters.
pub const MAX_TITLE: usize = 500;
/// Longest exhibit description, in characters.
pub const MAX_DESCRIPTION: usize = 2_000;

/// A case file as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseFile {
    pub id: String,
    pub title: String,
    pub created_at: String,
    pub device_id: String,
}

/// One exhibit: its number, the item and what the lawyer wrote about it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Exhibit {
    pub number: i64,
    /// `E-001`.
    pub label: String,
    pub attachment_id: String,
    pub description: String,
}

/// A case with its exhibits, in number order.
#[derive(Debug, Clone, Serialize)]
pub struct CaseShow {
    #[serde(flatten)]
    pub case: CaseFile,
    pub exhibits: Vec<ExhibitRow>,
}

/// `E-001` for 1: at least three digits, so that exhibits sort by name up to 999.
pub fn exhibit_label(number: i64) -> String {
    format!("E-{number:03}")
}

impl Vault {
    /// Makes a new, empty case file; logs `case_created`.
    pub fn case_create(&mut self, title: &str) -> Result<CaseFile> {
        self.writable()?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            return Err(CaseError::BadTitle { max: MAX_TITLE }.into());
        }
        let case = CaseFile {
            id: Uuid::now_v7().to_string(),
            title: title.to_string(),
            created_at: crate::model::now(),
            device_id: self.device().id().to_string(),
        };
        let hash = sha256_hex(
            &serde_json::to_vec(&case).map_err(|_| Error::Internal("case file as JSON"))?,
        );
        self.write(|tx, dev| {
            tx.execute(
                "INSERT INTO case_file (id, title, created_at, device_id) VALUES (?1, ?2, ?3, ?4)",
                params![case.id, case.title, case.created_at, case.device_id],
            )?;
            custody::append_on(
                tx,
                dev,
                Action::CaseCreated,
                Some(("case", &case.id)),
                Some(&hash),
                None,
            )
        })?;
        Ok(case)
    }

    /// Numbers `id` as the next exhibit of `case`: an item, or every item of an incident (its
    /// own and its testimonies', oldest first) not yet in the case. The description is the
    /// one given, else the title of the incident the item belongs to. One transaction; one
    /// `case_exhibit` custody entry per item. Returns the exhibits added.
    pub fn case_add(
        &mut self,
        case: &Uuid,
        id: &Uuid,
        description: Option<&str>,
    ) -> Result<Vec<Exhibit>> {
        self.case_add_many(case, std::slice::from_ref(id), description)
    }

    /// [`Vault::case_add`] for several items and incidents chosen at once (the desktop's
    /// checkboxes), in the order given, all in one transaction: either every one is numbered or
    /// none is. An item named twice (itself, and through its incident) is numbered once; an item
    /// named itself that is already an exhibit is refused ([`CaseError::AlreadyExhibit`]), and
    /// a choice that adds nothing at all is [`CaseError::NothingToAdd`].
    pub fn case_add_many(
        &mut self,
        case: &Uuid,
        ids: &[Uuid],
        description: Option<&str>,
    ) -> Result<Vec<Exhibit>> {
        self.writable()?;
        let case_id = case.to_string();
        case_file(self, case)?;
        let description = description
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
        {
            return Err(CaseError::DescriptionTooLong {
                max: MAX_DESCRIPTION,
            }
            .into());
        }
        // Consent withdrawn for legal use (issue 13): such an item is refused when named, and
        // left out of an incident's items.
        let withdrawn = crate::consent::withdrawn_attachments(
            &self.conn,
            crate::consent::Purpose::LegalProceedings,
        )?;
        let mut fresh: Vec<Attachment> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let mut items = items_of(self, id)?;
            if let Some(a) = items.iter().find(|a| a.id == id.to_string()) {
                if withdrawn.contains(&a.id) {
                    return Err(crate::consent::ConsentError::WithdrawnForCourt {
                        item: a.id.clone(),
                        exhibit: String::new(),
                    }
                    .into());
                }
            }
            items.retain(|a| !withdrawn.contains(&a.id));
            for att in items {
                match exhibit_of(self, &case_id, &att.id)? {
                    Some(n) if att.id == id.to_string() => {
                        return Err(CaseError::AlreadyExhibit {
                            item: att.id,
                            exhibit: exhibit_label(n),
                        }
                        .into())
                    }
                    Some(_) => {}
                    None => {
                        if seen.insert(att.id.clone()) {
                            fresh.push(att);
                        }
                    }
                }
            }
        }
        if fresh.is_empty() {
            let id = match ids {
                [one] => one.to_string(),
                _ => String::from("the items chosen"),
            };
            return Err(CaseError::NothingToAdd { id }.into());
        }
        let described: Vec<(Attachment, String)> = fresh
            .into_iter()
            .map(|a| {
                let d = match &description {
                    Some(d) => d.clone(),
                    None => incident_title_of(self, &a)?.unwrap_or_default(),
                };
                Ok((a, d))
            })
            .collect::<Result<_>>()?;
        self.write(|tx, dev| {
            let last: i64 = tx.query_row(
                "SELECT coalesce(max(number), 0) FROM case_exhibit WHERE case_id = ?1",
                [&case_id],
                |r| r.get(0),
            )?;
            let mut added = Vec::new();
            for (n, (att, description)) in (last + 1..).zip(described) {
                if n > MAX_EXHIBITS {
                    return Err(CaseError::TooManyExhibits { max: MAX_EXHIBITS }.into());
                }
                tx.execute(
                    "INSERT INTO case_exhibit (case_id, number, attachment_id, description)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![case_id, n, att.id, description],
                )?;
                let label = exhibit_label(n);
                let details = serde_json::json!({"case": case_id, "exhibit": label}).to_string();
                custody::append_on(
                    tx,
                    dev,
                    Action::CaseExhibit,
                    Some(("attachment", &att.id)),
                    Some(&att.sha256),
                    Some(&details),
                )?;
                added.push(Exhibit {
                    number: n,
                    label,
                    attachment_id: att.id,
                    description,
                });
            }
            Ok(added)
        })
    }

    /// The case with its exhibit list (every column of the court folder's list).
    pub fn case_show(&self, case: &Uuid) -> Result<CaseShow> {
        let case = case_file(self, case)?;
        let exhibits = list::rows(self, &case)?;
        Ok(CaseShow { case, exhibits })
    }

    /// Every case file, oldest first.
    pub fn case_list(&self) -> Result<Vec<CaseFile>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, title, created_at, device_id FROM case_file ORDER BY id")?;
        let rows = stmt.query_map([], case_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseFile> {
    Ok(CaseFile {
        id: r.get(0)?,
        title: r.get(1)?,
        created_at: r.get(2)?,
        device_id: r.get(3)?,
    })
}

pub(crate) fn case_file(vault: &Vault, id: &Uuid) -> Result<CaseFile> {
    vault
        .conn
        .query_row(
            "SELECT id, title, created_at, device_id FROM case_file WHERE id = ?1",
            [id.to_string()],
            case_from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("case", id))
}

/// The exhibits of a case, in number order.
pub(crate) fn exhibits(vault: &Vault, case_id: &str) -> Result<Vec<Exhibit>> {
    let mut stmt = vault.conn.prepare(
        "SELECT number, attachment_id, description FROM case_exhibit WHERE case_id = ?1
         ORDER BY number",
    )?;
    let rows = stmt.query_map([case_id], |r| {
        let number: i64 = r.get(0)?;
        Ok(Exhibit {
            number,
            label: exhibit_label(number),
            attachment_id: r.get(1)?,
            description: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn exhibit_of(vault: &Vault, case_id: &str, attachment_id: &str) -> Result<Option<i64>> {
    Ok(vault
        .conn
        .query_row(
            "SELECT number FROM case_exhibit WHERE case_id = ?1 AND attachment_id = ?2",
            [case_id, attachment_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The items `id` names: the item itself, or an incident's items and its testimonies'.
fn items_of(vault: &Vault, id: &Uuid) -> Result<Vec<Attachment>> {
    match evidence::get(vault, id) {
        Ok(a) => return Ok(vec![a]),
        Err(Error::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    if !matches!(
        evidence::record_type_of(vault, id),
        Ok(RecordType::Incident)
    ) {
        return Err(CaseError::NotAnItem { id: id.to_string() }.into());
    }
    let mut items = evidence::list(vault, Some(id))?;
    let testimonies: Vec<String> = vault
        .conn
        .prepare("SELECT id FROM testimony WHERE incident_id = ?1 ORDER BY id")?
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for t in testimonies {
        let t = crate::model::parse_id("testimony", &t)?;
        items.extend(evidence::list(vault, Some(&t))?);
    }
    // UUID v7 ids sort in intake order.
    items.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(items)
}

/// The title of the incident an item belongs to (directly, or through its testimony).
fn incident_title_of(vault: &Vault, att: &Attachment) -> Result<Option<String>> {
    let sql = match att.record_type.as_str() {
        "incident" => "SELECT title FROM incident WHERE id = ?1",
        "testimony" => {
            "SELECT i.title FROM testimony t JOIN incident i ON i.id = t.incident_id
             WHERE t.id = ?1"
        }
        _ => return Ok(None),
    };
    Ok(vault
        .conn
        .query_row(sql, [&att.record_id], |r| r.get(0))
        .optional()?)
}
