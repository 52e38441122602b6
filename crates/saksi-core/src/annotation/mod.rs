//! Annotations (issue 11): notes, legal-provision tags and a "reviewed" mark on any record or
//! attachment, written by a lawyer or by HQ.
//!
//! An annotation is a record of its own (type `annotation`): it has a version, an author device,
//! a history and custody entries, travels in bundles and merges like any record. It never
//! changes the record it is about: annotating writes only the `annotation` and `annotation_tag`
//! rows, the history and the custody log. Annotating is allowed in review mode ([`review`]),
//! where records and evidence cannot be changed.
//!
//! Here: the types, reading, and `Vault::annotate` / `Vault::edit_annotation`;
//! `review.rs` review mode; `provision.rs` the legal-provision vocabulary users extend.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::history;
use crate::model::vocab::{self, Vocab};
use crate::model::{self, RecordType};
use crate::vault::Vault;

mod provision;
pub mod review;
mod shown;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_bundle;

pub use provision::ProvisionInput;
pub use shown::AnnotationShown;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;
/// The most tags on one annotation.
pub const MAX_TAGS: usize = 32;

/// The record an annotation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub record_type: RecordType,
    pub id: Uuid,
}

impl Subject {
    /// Every record type can be annotated except an annotation.
    pub fn new(record_type: RecordType, id: Uuid) -> Result<Subject> {
        if record_type == RecordType::Annotation {
            return Err(Error::invalid(
                "an annotation is about a record or an attachment, not another annotation",
            ));
        }
        Ok(Subject { record_type, id })
    }
}

/// What the user writes. At least a note, a tag or the reviewed mark.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnnotationInput {
    #[serde(default)]
    pub note: String,
    /// Codes of the legal-provision vocabulary.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Marks the subject as reviewed (by `reviewer`, now; kept as it was if already marked).
    #[serde(default)]
    pub reviewed: bool,
    /// Who reviewed; this device's name when absent.
    #[serde(default)]
    pub reviewer: Option<String>,
}

/// An annotation as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Annotation {
    pub id: String,
    pub subject_type: String,
    pub subject_id: String,
    pub note: String,
    pub tags: Vec<String>,
    pub reviewed_at: Option<String>,
    pub reviewer: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub device_id: String,
    pub version: i64,
}

/// The record `subject` names must be held here.
fn check_subject(conn: &Connection, s: &Subject) -> Result<()> {
    let found: Option<i64> = conn
        .query_row(
            &format!("SELECT 1 FROM {} WHERE id = ?1", s.record_type.table()),
            [s.id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound {
            what: s.record_type.as_str(),
            id: s.id.to_string(),
        }),
    }
}

/// The input checked: trimmed note, known tags (sorted, once each), a reviewer name.
struct Checked {
    note: String,
    tags: Vec<String>,
    reviewer: Option<String>,
}

fn check_input(
    conn: &Connection,
    dev: &DeviceIdentity,
    input: &AnnotationInput,
) -> Result<Checked> {
    let note = input.note.trim().to_string();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(format!(
            "note: longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    if input.tags.len() > MAX_TAGS {
        return Err(Error::invalid(format!("tags: more than {MAX_TAGS}")));
    }
    let mut tags = Vec::new();
    for t in &input.tags {
        tags.push(vocab::check(conn, Vocab::LegalProvision, t)?);
    }
    tags.sort();
    tags.dedup();
    if note.is_empty() && tags.is_empty() && !input.reviewed {
        return Err(Error::invalid(
            "an annotation needs a note, a tag or the reviewed mark",
        ));
    }
    let reviewer = if input.reviewed {
        let name = input.reviewer.as_deref().map(str::trim).unwrap_or_default();
        let name = if name.is_empty() { dev.name() } else { name };
        if name.chars().count() > 200 {
            return Err(Error::invalid("reviewer: longer than 200 characters"));
        }
        Some(name.to_string())
    } else {
        None
    };
    Ok(Checked {
        note,
        tags,
        reviewer,
    })
}

fn write_tags(tx: &Transaction<'_>, id: &str, tags: &[String]) -> Result<()> {
    tx.execute("DELETE FROM annotation_tag WHERE annotation_id = ?1", [id])?;
    for t in tags {
        tx.execute(
            "INSERT INTO annotation_tag (annotation_id, code) VALUES (?1, ?2)",
            params![id, t],
        )?;
    }
    Ok(())
}

/// The version goes into the history and the custody entry names its hash, as for every record.
fn log_version(tx: &Transaction<'_>, dev: &DeviceIdentity, id: &str, action: Action) -> Result<()> {
    let a = load(tx, id)?;
    let snap = history::snapshot(&a)?;
    let origin = match action {
        Action::RecordCreated => history::Origin::Created,
        _ => history::Origin::Edited,
    };
    history::put(tx, "annotation", id, &snap, dev.id(), &a.updated_at, origin)?;
    custody::append_on(
        tx,
        dev,
        action,
        Some(("annotation", id)),
        Some(&snap.hash),
        None,
    )
}

/// One annotation, by id.
pub(crate) fn load(conn: &Connection, id: &str) -> Result<Annotation> {
    let a = conn
        .query_row(
            "SELECT id, subject_type, subject_id, note, reviewed_at, reviewer, created_at,
                    updated_at, device_id, version
             FROM annotation WHERE id = ?1",
            [id],
            |r| {
                Ok(Annotation {
                    id: r.get(0)?,
                    subject_type: r.get(1)?,
                    subject_id: r.get(2)?,
                    note: r.get(3)?,
                    tags: Vec::new(),
                    reviewed_at: r.get(4)?,
                    reviewer: r.get(5)?,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                    device_id: r.get(8)?,
                    version: r.get(9)?,
                })
            },
        )
        .optional()?;
    let mut a = a.ok_or_else(|| Error::not_found("annotation", id))?;
    let mut stmt =
        conn.prepare("SELECT code FROM annotation_tag WHERE annotation_id = ?1 ORDER BY code")?;
    let tags = stmt.query_map([id], |r| r.get(0))?;
    a.tags = tags.collect::<rusqlite::Result<_>>()?;
    Ok(a)
}

/// The annotations on one record, oldest first.
pub(crate) fn list_for(conn: &Connection, s: &Subject) -> Result<Vec<Annotation>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM annotation WHERE subject_type = ?1 AND subject_id = ?2
         ORDER BY created_at, id",
    )?;
    let ids = stmt
        .query_map(params![s.record_type.as_str(), s.id.to_string()], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|id| load(conn, id)).collect()
}

/// The type of the record `id` names, looked up in every table that can be annotated (for the
/// shells, which take a bare id).
pub(crate) fn subject_of(conn: &Connection, id: &Uuid) -> Result<Subject> {
    for t in RecordType::ALL {
        if t == RecordType::Annotation {
            continue;
        }
        let found: Option<i64> = conn
            .query_row(
                &format!("SELECT 1 FROM {} WHERE id = ?1", t.table()),
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_some() {
            return Subject::new(t, *id);
        }
    }
    Err(Error::not_found("record", id))
}

impl Vault {
    /// Adds an annotation on `subject` (which must be held here), in one transaction with its
    /// history version and custody entry. The subject is not changed. Allowed in review mode.
    pub fn annotate(&mut self, subject: &Subject, input: &AnnotationInput) -> Result<Uuid> {
        self.write(|tx, dev| {
            check_subject(tx, subject)?;
            let c = check_input(tx, dev, input)?;
            let id = Uuid::now_v7();
            let sid = id.to_string();
            let now = model::now();
            let reviewed_at = c.reviewer.as_ref().map(|_| now.clone());
            tx.execute(
                "INSERT INTO annotation (id, subject_type, subject_id, note, reviewed_at, reviewer,
                    created_at, updated_at, device_id, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, 1)",
                params![
                    sid,
                    subject.record_type.as_str(),
                    subject.id.to_string(),
                    c.note,
                    reviewed_at,
                    c.reviewer,
                    now,
                    dev.id()
                ],
            )?;
            write_tags(tx, &sid, &c.tags)?;
            log_version(tx, dev, &sid, Action::RecordCreated)?;
            Ok(id)
        })
    }

    /// Replaces an annotation's note, tags and reviewed mark (a mark already set keeps its
    /// reviewer and time), refusing when `version` (the version the edit was made from) is
    /// given and is no longer the stored one. One transaction, one `record_edited` entry.
    pub fn edit_annotation(
        &mut self,
        id: &Uuid,
        version: Option<i64>,
        input: &AnnotationInput,
    ) -> Result<()> {
        self.write(|tx, dev| {
            let sid = id.to_string();
            let old = load(tx, &sid)?;
            if let Some(edited) = version.filter(|v| *v != old.version) {
                return Err(Error::StaleEdit {
                    what: "annotation",
                    id: sid,
                    edited,
                    stored: old.version,
                });
            }
            let c = check_input(tx, dev, input)?;
            let now = model::now();
            let (reviewed_at, reviewer) = match (&old.reviewed_at, c.reviewer) {
                (_, None) => (None, None),
                (Some(at), Some(_)) => (Some(at.clone()), old.reviewer.clone()),
                (None, Some(who)) => (Some(now.clone()), Some(who)),
            };
            tx.execute(
                "UPDATE annotation SET note = ?2, reviewed_at = ?3, reviewer = ?4,
                    updated_at = ?5, device_id = ?6, version = version + 1
                 WHERE id = ?1",
                params![sid, c.note, reviewed_at, reviewer, now, dev.id()],
            )?;
            write_tags(tx, &sid, &c.tags)?;
            log_version(tx, dev, &sid, Action::RecordEdited)
        })
    }

    /// One annotation.
    pub fn annotation(&self, id: &Uuid) -> Result<Annotation> {
        load(&self.conn, &id.to_string())
    }

    /// The annotations on `subject`, oldest first (also those that arrived in a bundle before
    /// their subject did, once it is held or not).
    pub fn annotations_for(&self, subject: &Subject) -> Result<Vec<Annotation>> {
        list_for(&self.conn, subject)
    }

    /// The record `id` names, of whichever type can be annotated.
    pub fn annotation_subject(&self, id: &Uuid) -> Result<Subject> {
        subject_of(&self.conn, id)
    }
}
