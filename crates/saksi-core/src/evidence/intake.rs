//! Intake: a file or stream read once, hashed, sniffed and age-encrypted into a new blob; then,
//! in one transaction, its row, its custody entry and the blob's final name. Also the cleanup of
//! what an interrupted intake leaves behind.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use age::secrecy::ExposeSecret;
use rusqlite::params;
use uuid::Uuid;

use super::picture::{
    check_complete, is_thumbnailable, make_thumbnail, read_exif, MAX_IMAGE_BYTES,
};
use super::{get, media, record_exists, Intake};
use crate::crypto::blob;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::progress::Progress;
use crate::vault::Vault;

/// Attaches the file at `path` to a record. Only the file's name (not its folder) is kept.
pub fn intake_path(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    path: &Path,
) -> Result<Intake> {
    intake_path_with(vault, record_type, record_id, path, &mut ())
}

/// [`intake_path`], reporting bytes read of the file's size; cancelling leaves nothing behind.
pub fn intake_path_with(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Intake> {
    let file = fs::File::open(path)
        .map_err(|e| Error::invalid(format!("cannot read {}: {e}", path.display())))?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(Error::invalid(format!(
            "{} is a folder, not a file",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    let total = meta.len();
    intake_reader_with(
        vault,
        record_type,
        record_id,
        &name,
        file,
        Some(total),
        progress,
    )
}

/// Attaches the bytes read from `reader`, streaming, in constant memory.
pub fn intake_reader(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    original_name: &str,
    reader: impl Read,
) -> Result<Intake> {
    intake_reader_with(
        vault,
        record_type,
        record_id,
        original_name,
        reader,
        None,
        &mut (),
    )
}

/// [`intake_reader`] with progress (bytes read, of `total` when known) and cancellation.
pub fn intake_reader_with(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    original_name: &str,
    reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Intake> {
    intake_full(
        vault,
        record_type,
        record_id,
        original_name,
        reader,
        total,
        progress,
        None,
        |_, _, _, _| Ok(()),
    )
}

/// [`intake_reader_with`], running `after` in the same transaction as the row and its custody
/// entry (a derivative's link and its entries: one user action, one transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) fn intake_then(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    original_name: &str,
    reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
    after: impl FnOnce(&rusqlite::Connection, &crate::device::DeviceIdentity, &str, &str) -> Result<()>,
) -> Result<Intake> {
    intake_full(
        vault,
        record_type,
        record_id,
        original_name,
        reader,
        total,
        progress,
        None,
        after,
    )
}

/// The one intake: hashed and encrypted while read, previewed, one row and one custody entry (with
/// `origin`, e.g. `recording`, when the bytes were made here rather than read from a file), then
/// `after`, in one transaction.
#[allow(clippy::too_many_arguments)]
pub(super) fn intake_full(
    vault: &mut Vault,
    record_type: RecordType,
    record_id: &Uuid,
    original_name: &str,
    mut reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
    origin: Option<&str>,
    after: impl FnOnce(&rusqlite::Connection, &crate::device::DeviceIdentity, &str, &str) -> Result<()>,
) -> Result<Intake> {
    // The blob is written before the transaction that names it: refuse before either.
    vault.records_writable()?;
    record_exists(vault, record_type, record_id)?;
    let original_name = original_name.trim();
    if original_name.is_empty() || original_name.len() > 1024 {
        return Err(Error::invalid(
            "the attachment's file name must be 1 to 1024 bytes",
        ));
    }
    let dir = vault.blob_dir();
    let mut head = Vec::with_capacity(8192);
    let mut tail: Vec<u8> = Vec::with_capacity(32);
    let new_blob = blob::write(&dir, &mut reader, |piece, size| {
        if head.len() < 8192 {
            let take = (8192 - head.len()).min(piece.len());
            head.extend_from_slice(&piece[..take]);
        }
        tail.extend_from_slice(&piece[piece.len().saturating_sub(16)..]);
        if tail.len() > 16 {
            tail.drain(..tail.len() - 16);
        }
        crate::progress::check(progress, size, total)
    })?;
    let (sha256, size) = (new_blob.sha256.clone(), new_blob.size);
    let head = zeroize::Zeroizing::new(head);
    let media_type = sniff(&head);

    // EXIF and thumbnail from the encrypted copy (decrypted in memory, seekable).
    let mut exif = None;
    let mut thumbnail = None;
    let mut note = None;
    let mut warning = None;
    let mut media_info = None;
    if is_thumbnailable(&media_type) {
        if size > MAX_IMAGE_BYTES {
            note = Some(format!(
                "no thumbnail: image larger than {} MiB",
                MAX_IMAGE_BYTES >> 20
            ));
        } else {
            match blob::open(&new_blob.part_path(), &new_blob.identity) {
                Ok(mut r) => {
                    exif = read_exif(&mut r);
                    let orientation = exif.as_ref().and_then(|e| e.orientation);
                    let decoded = check_complete(&media_type, &tail)
                        .and_then(|_| r.seek(SeekFrom::Start(0)).map_err(Error::from))
                        .and_then(|_| make_thumbnail(r, size, orientation));
                    match decoded {
                        Ok(t) => thumbnail = Some(t),
                        Err(e) => {
                            let why = match e {
                                Error::InvalidInput(m) => m,
                                other => other.to_string(),
                            };
                            warning = Some(format!(
                                "{original_name}: stored, but the image cannot be read: {why}"
                            ));
                            note = Some(format!("no thumbnail: {why}"));
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
    } else if media::is_media(&media_type) {
        // Container header and waveform, from the encrypted copy (decrypted in memory).
        let r = blob::open(&new_blob.part_path(), &new_blob.identity)?;
        match media::probe(r, &media_type, size) {
            Ok(info) => media_info = Some(info),
            Err(e) => {
                warning = Some(format!("{original_name}: stored, but {e}"));
                note = Some(format!("no preview: {e}"));
            }
        }
    } else {
        note = Some(format!("no preview for {media_type}"));
    }
    let media_json = media_info
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Internal("media"))?;

    let id = Uuid::now_v7();
    let now = crate::model::now();
    let exif_json = exif
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Internal("exif"))?;
    let secret = new_blob.identity.to_string();
    let res = vault.write_records(|tx, dev| {
        tx.execute(
            "INSERT INTO attachment (id, record_type, record_id, blob_name, age_identity,
                original_name, media_type, size, sha256, exif_json, thumbnail, thumbnail_note,
                created_at, device_id, media_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                id.to_string(),
                record_type.as_str(),
                record_id.to_string(),
                new_blob.name,
                secret.expose_secret(),
                original_name,
                media_type,
                size as i64,
                sha256,
                exif_json,
                thumbnail,
                note,
                now,
                dev.id(),
                media_json
            ],
        )?;
        let mut details = serde_json::json!({
            "record_type": record_type.as_str(), "record_id": record_id.to_string(),
            "size": size, "media_type": media_type,
        });
        if let Some(origin) = origin {
            details["origin"] = origin.into();
        }
        let details = details.to_string();
        custody::append_on(
            tx,
            dev,
            Action::Intake,
            Some(("attachment", &id.to_string())),
            Some(&sha256),
            Some(&details),
        )?;
        after(tx, dev, &id.to_string(), &sha256)?;
        // The blob takes its final name inside the transaction: if the commit fails, dropping
        // it removes it; if the process dies, the orphan is cleaned at next unlock.
        new_blob.install()?;
        crate::vault::sync_dir(&dir.path)?;
        Ok(())
    });
    // On an error the blob is dropped, removing it under either name.
    res?;
    new_blob.keep();
    Ok(Intake {
        attachment: get(vault, &id)?,
        warning,
    })
}

fn sniff(head: &[u8]) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_string();
    }
    if head.is_empty() {
        return "application/x-empty".into();
    }
    // Valid UTF-8 (allowing a character cut at the end of the sniffed head) without NULs: text.
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() >= 8192,
    };
    if valid && !head.contains(&0) {
        "text/plain".into()
    } else {
        "application/octet-stream".into()
    }
}

/// Removes what an interrupted intake can leave in `attachments/`: partial files (`*.part`) and
/// blobs that no committed row names. Both are ciphertext under keys that were never stored.
pub(crate) fn clean_orphans(vault: &Vault) -> Result<()> {
    let dir = vault.attachments_dir();
    if !dir.is_dir() {
        crate::vault::private_dir(&dir)?;
        return Ok(());
    }
    let mut known = std::collections::HashSet::new();
    let mut stmt = vault.conn.prepare("SELECT blob_name FROM attachment")?;
    for name in stmt.query_map([], |r| r.get::<_, String>(0))? {
        known.insert(name?);
    }
    // The folder is shared with the vault's other database (vault/pair.rs): a blob no row here
    // names may be one of its blobs. Only this database's own names (see `BlobDir`) and `.part`
    // files (written before any row could name them, in either database) are orphans.
    let blobs = vault.blob_dir();
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let orphan = name.ends_with(".part") || (blobs.is_own(&name) && !known.contains(&name));
        if orphan {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
