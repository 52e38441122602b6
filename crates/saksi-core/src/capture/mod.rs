//! One-screen capture (issue 12): a new incident, its testimonies and its photos saved by one
//! operation in one transaction, so a monitor never has to save, find the incident again and
//! come back to add what the witness said or the pictures taken.
//!
//! Until the save, the incident is a draft (`prefs`, inside the encrypted database) and each
//! photo is a *pending attachment* of that draft: [`take_in`] reads it once into a new
//! age-encrypted blob, exactly as evidence intake does (nothing plaintext touches the disk, no
//! temporary file), and stores its key, hash, EXIF and thumbnail in `draft_attachment` (migration
//! 0019). It survives a crash or a lock like the draft does. [`save`] makes the incident (with
//! its people, acts and proceedings), each testimony and an `attachment` row for every pending
//! photo, with their custody entries, and removes the draft, all or nothing. [`discard`] (Cancel)
//! deletes the draft and its pending rows under secure_delete, which destroys the blobs' keys,
//! then removes the blob files.

use std::io::Read;
use std::path::PathBuf;

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::evidence::{IntakeFailure, Prepared};
use crate::model::{IncidentInput, TestimonyInput};
use crate::progress::Progress;
use crate::vault::Vault;

#[cfg(test)]
mod tests;

/// The draft kind of a new incident's editor (its key is `new`).
pub const DRAFT_KIND: &str = "incident";

/// How many photos one draft may hold before it is saved (a draft is not an archive).
pub const MAX_PENDING: usize = 500;

/// A photo (or any file) waiting in a draft for the incident's first save.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pending {
    pub id: String,
    pub original_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub has_thumbnail: bool,
    pub thumbnail_note: Option<String>,
    pub created_at: String,
}

/// One file taken in, and what intake noticed (e.g. a damaged image, stored anyway).
#[derive(Debug, Clone, Serialize)]
pub struct TakenIn {
    #[serde(flatten)]
    pub pending: Pending,
    pub warning: Option<String>,
}

/// What a batch of files did; files taken in before a failure or a cancel stay in the draft.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BatchTakenIn {
    pub taken: Vec<TakenIn>,
    pub failed: Vec<IntakeFailure>,
    pub cancelled: bool,
}

/// A new incident with what the monitor added before saving. The testimonies' `incident_id` is
/// left empty: it is the new incident's. A testimony's `witness_id` is a stored person's id or
/// the local reference (a key of `incident.people`) of a person created with the incident, who
/// has no id before the save. Every pending attachment of the draft is attached.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CaptureInput {
    pub incident: IncidentInput,
    #[serde(default)]
    pub testimonies: Vec<TestimonyInput>,
}

/// The ids the save gave.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Saved {
    pub incident_id: String,
    pub testimony_ids: Vec<String>,
    pub attachment_ids: Vec<String>,
}

fn check_draft(draft: &str) -> Result<()> {
    crate::prefs::check_draft_id(DRAFT_KIND, draft)
}

fn pending_count(conn: &Connection, draft: &str) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM draft_attachment WHERE draft = ?1",
        [draft],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// Reads `reader` into a new encrypted blob waiting in draft `draft`; one transaction writes its
/// row and gives the blob its final name.
pub fn take_in(
    vault: &mut Vault,
    draft: &str,
    original_name: &str,
    reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<TakenIn> {
    check_draft(draft)?;
    // The blob is written before the transaction that names it: refuse before either.
    vault.records_writable()?;
    if pending_count(&vault.conn, draft)? >= MAX_PENDING {
        return Err(Error::invalid(format!(
            "a draft holds at most {MAX_PENDING} files: save the incident, then attach more"
        )));
    }
    let p: Prepared = crate::evidence::prepare(vault, original_name, reader, total, progress)?;
    let id = Uuid::now_v7().to_string();
    let secret = p.blob.identity.to_string();
    let dir = vault.blob_dir();
    vault.write_records(|tx, _dev| {
        use age::secrecy::ExposeSecret;
        tx.execute(
            "INSERT INTO draft_attachment (id, draft, blob_name, age_identity, original_name,
                media_type, size, sha256, exif_json, thumbnail, thumbnail_note, media_json,
                created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id,
                draft,
                p.blob.name,
                secret.expose_secret(),
                p.original_name,
                p.media_type,
                p.blob.size as i64,
                p.blob.sha256,
                p.exif_json,
                p.thumbnail,
                p.note,
                p.media_json,
                crate::model::now(),
            ],
        )?;
        // As in intake: named inside the transaction; an orphan after a crash is cleaned at
        // the next unlock (clean_orphans knows this table's names).
        p.blob.install()?;
        crate::vault::sync_dir(&dir.path)?;
        Ok(())
    })?;
    let warning = p.warning.clone();
    p.blob.keep();
    let pending = pending(vault, draft)?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(Error::Internal("pending attachment"))?;
    Ok(TakenIn { pending, warning })
}

/// Takes in every file of `paths`, in order (each its own transaction, as a batch attach does);
/// a file that cannot be read is listed in `failed`, named by its file name only.
pub fn take_in_paths(
    vault: &mut Vault,
    draft: &str,
    paths: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<BatchTakenIn> {
    check_draft(draft)?;
    vault.records_writable()?;
    let mut out = BatchTakenIn::default();
    for (i, path) in paths.iter().enumerate() {
        progress.item(i, paths.len());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let opened = std::fs::File::open(path)
            .map_err(|e| Error::invalid(format!("cannot read {name}: {}", e.kind())))
            .and_then(|f| {
                let meta = f.metadata()?;
                if meta.is_dir() {
                    return Err(Error::invalid(format!("{name} is a folder, not a file")));
                }
                Ok((f, meta.len()))
            });
        let res =
            opened.and_then(|(f, size)| take_in(vault, draft, &name, f, Some(size), progress));
        match res {
            Ok(t) => out.taken.push(t),
            Err(Error::Cancelled) => {
                out.cancelled = true;
                break;
            }
            Err(e) => out.failed.push(IntakeFailure {
                name,
                kind: e.kind(),
                message: e.to_string(),
            }),
        }
    }
    Ok(out)
}

/// The files waiting in draft `draft`, oldest first.
pub fn pending(vault: &Vault, draft: &str) -> Result<Vec<Pending>> {
    check_draft(draft)?;
    let mut stmt = vault.conn.prepare(
        "SELECT id, original_name, media_type, size, sha256, thumbnail IS NOT NULL,
            thumbnail_note, created_at
         FROM draft_attachment WHERE draft = ?1 ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([draft], |r| {
        Ok(Pending {
            id: r.get(0)?,
            original_name: r.get(1)?,
            media_type: r.get(2)?,
            size: r.get::<_, i64>(3)? as u64,
            sha256: r.get(4)?,
            has_thumbnail: r.get(5)?,
            thumbnail_note: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A pending file's thumbnail (JPEG), for the `saksi:` scheme.
pub(crate) fn thumbnail(conn: &Connection, id: &Uuid) -> Result<Option<Option<Vec<u8>>>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT thumbnail FROM draft_attachment WHERE id = ?1",
            [id.to_string()],
            |r| r.get::<_, Option<Vec<u8>>>(0),
        )
        .optional()?)
}

/// Deletes pending rows (`id`, or every row of the draft) inside the caller's transaction and
/// returns their blob names, to be removed once the transaction has committed.
pub(crate) fn delete_pending(
    conn: &Connection,
    draft: &str,
    id: Option<&str>,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT blob_name FROM draft_attachment WHERE draft = ?1 AND (?2 IS NULL OR id = ?2)",
        )?;
        for n in stmt.query_map(params![draft, id], |r| r.get::<_, String>(0))? {
            names.push(n?);
        }
    }
    conn.execute(
        "DELETE FROM draft_attachment WHERE draft = ?1 AND (?2 IS NULL OR id = ?2)",
        params![draft, id],
    )?;
    Ok(names)
}

/// Removes blob files whose rows are gone (their keys died with the rows). A file that cannot
/// be removed now is an orphan the next unlock removes.
pub(crate) fn remove_blobs(vault: &Vault, names: &[String]) {
    let dir = vault.attachments_dir();
    for n in names {
        let _ = std::fs::remove_file(dir.join(n));
    }
}

/// Takes one file out of the draft (the monitor removed it before saving).
pub fn remove(vault: &mut Vault, draft: &str, id: &str) -> Result<()> {
    check_draft(draft)?;
    let uuid = crate::model::parse_id("pending attachment", id)?;
    let names = vault.write_records(|tx, _| delete_pending(tx, draft, Some(&uuid.to_string())))?;
    if names.is_empty() {
        return Err(Error::not_found("pending attachment", uuid));
    }
    remove_blobs(vault, &names);
    Ok(())
}

/// Cancel: the draft and every file waiting in it are gone (rows under secure_delete, then the
/// blob files).
pub fn discard(vault: &mut Vault, draft: &str) -> Result<()> {
    vault.drafts_mut().discard(DRAFT_KIND, draft)
}

/// Saves the new incident of draft `draft` with its testimonies and every file waiting in the
/// draft, in one transaction: the incident (people, acts, proceedings), each testimony, one
/// attachment row and `intake` custody entry per file, and the draft removed. Any refusal leaves
/// the vault, the draft and its files as they were.
pub fn save(vault: &mut Vault, draft: &str, input: &CaptureInput) -> Result<Saved> {
    check_draft(draft)?;
    for (n, t) in input.testimonies.iter().enumerate() {
        if !t.incident_id.trim().is_empty() {
            return Err(Error::invalid(format!(
                "testimony {}: leave incident_id empty, it is the new incident's",
                n + 1
            )));
        }
    }
    vault.write_records(|tx, dev| {
        let (incident, people) =
            crate::records::add_incident_with_people(tx, dev, &input.incident)?;
        let inc = incident.to_string();
        let mut testimony_ids = Vec::new();
        for t in &input.testimonies {
            let mut t = t.clone();
            t.incident_id = inc.clone();
            // A witness created with the incident is named by its local reference until now.
            if let Some(person) = t.witness_id.as_deref().and_then(|w| people.get(w)) {
                t.witness_id = Some(person.to_string());
            }
            testimony_ids.push(crate::records::add_testimony(tx, dev, &t)?.to_string());
        }
        let files: Vec<(String, String, String, i64, String)> = tx
            .prepare(
                "SELECT id, sha256, media_type, size, created_at FROM draft_attachment
                 WHERE draft = ?1 ORDER BY created_at, id",
            )?
            .query_map([draft], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut attachment_ids = Vec::new();
        for (id, sha256, media_type, size, taken_in_at) in files {
            // The row moves as it is: same blob, key, hash and intake time (when its bytes were
            // read and hashed); the custody entry is written now, when it becomes evidence.
            tx.execute(
                "INSERT INTO attachment (id, record_type, record_id, blob_name, age_identity,
                    original_name, media_type, size, sha256, exif_json, thumbnail,
                    thumbnail_note, created_at, device_id, media_json)
                 SELECT id, 'incident', ?2, blob_name, age_identity, original_name, media_type,
                    size, sha256, exif_json, thumbnail, thumbnail_note, created_at, ?3, media_json
                 FROM draft_attachment WHERE id = ?1",
                params![id, inc, dev.id()],
            )?;
            let details = serde_json::json!({
                "record_type": "incident", "record_id": inc,
                "size": size, "media_type": media_type, "taken_in_at": taken_in_at,
            })
            .to_string();
            custody::append_on(
                tx,
                dev,
                Action::Intake,
                Some(("attachment", &id)),
                Some(&sha256),
                Some(&details),
            )?;
            attachment_ids.push(id);
        }
        // The blobs now belong to attachment rows: only the pending rows go.
        tx.execute("DELETE FROM draft_attachment WHERE draft = ?1", [draft])?;
        tx.execute(
            "DELETE FROM draft WHERE kind = ?1 AND key = ?2",
            [DRAFT_KIND, draft],
        )?;
        Ok(Saved {
            incident_id: inc,
            testimony_ids,
            attachment_ids,
        })
    })
}
