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
    reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
    origin: Option<&str>,
    after: impl FnOnce(&rusqlite::Connection, &crate::device::DeviceIdentity, &str, &str) -> Result<()>,
) -> Result<Intake> {
    // The blob is written before the transaction that names it: refuse before either.
    vault.records_writable()?;
    record_exists(vault, record_type, record_id)?;
    let Prepared {
        blob: new_blob,
        original_name,
        media_type,
        exif_json,
        thumbnail,
        note,
        warning,
        media_json,
    } = prepare(vault, original_name, reader, total, progress)?;
    let (sha256, size) = (new_blob.sha256.clone(), new_blob.size);
    let dir = vault.blob_dir();
    let id = Uuid::now_v7();
    let now = crate::model::now();
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
                original_name.as_str(),
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

/// An intake's bytes, read once: encrypted into a new blob (not yet installed, so dropping this
/// removes it), with what was learned from them. Nothing is written to the database yet.
pub(crate) struct Prepared {
    pub blob: blob::NewBlob,
    pub original_name: String,
    pub media_type: String,
    pub exif_json: Option<String>,
    pub thumbnail: Option<Vec<u8>>,
    pub note: Option<String>,
    pub warning: Option<String>,
    pub media_json: Option<String>,
}

/// Reads `reader` once into a new encrypted blob: hashed, sniffed, EXIF and thumbnail (or
/// container header and waveform) read back from the encrypted copy in memory.
pub(crate) fn prepare(
    vault: &Vault,
    original_name: &str,
    mut reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Prepared> {
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
    let size = new_blob.size;
    let head = zeroize::Zeroizing::new(head);
    let media_type = sniff(&head);

    // EXIF and thumbnail, or the container's header, from the encrypted copy (decrypted in
    // memory, seekable).
    let Preview {
        exif,
        thumbnail,
        note,
        problem,
        media: media_info,
    } = preview(&media_type, size, &tail, || {
        blob::open(&new_blob.part_path(), &new_blob.identity)
    })?;
    let warning = problem.map(|p| format!("{original_name}: stored, but {p}"));
    let media_json = media_info
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Internal("media"))?;
    let exif_json = exif
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Internal("exif"))?;
    Ok(Prepared {
        original_name: original_name.to_string(),
        blob: new_blob,
        media_type,
        exif_json,
        thumbnail,
        note,
        warning,
        media_json,
    })
}

/// What intake reads from a file's content besides its hash: EXIF, a thumbnail or why there is
/// none, and for audio and video the container's header.
#[doc(hidden)]
#[derive(Debug)]
pub struct Preview {
    pub exif: Option<super::ExifData>,
    pub thumbnail: Option<Vec<u8>>,
    /// Why there is no thumbnail or preview.
    pub note: Option<String>,
    /// What the monitor is warned of ("the image cannot be read: …"): the original is stored
    /// anyway.
    pub problem: Option<String>,
    pub media: Option<media::MediaInfo>,
}

/// The preview of `size` bytes of `media_type` (as sniffed) whose last bytes are `tail`, read
/// through `open` (the decrypting blob reader at intake). Images are decoded within the limits of
/// `picture`, audio and video headers within those of `media`; only an error of `open` itself is
/// an error, a file that cannot be read is a `problem`.
pub(super) fn preview<R>(
    media_type: &str,
    size: u64,
    tail: &[u8],
    open: impl FnOnce() -> Result<R>,
) -> Result<Preview>
where
    R: Read + Seek + Send + Sync + 'static,
{
    let mut p = Preview {
        exif: None,
        thumbnail: None,
        note: None,
        problem: None,
        media: None,
    };
    if is_thumbnailable(media_type) {
        if size > MAX_IMAGE_BYTES {
            p.note = Some(format!(
                "no thumbnail: image larger than {} MiB",
                MAX_IMAGE_BYTES >> 20
            ));
            return Ok(p);
        }
        let mut r = open()?;
        p.exif = read_exif(&mut r);
        let orientation = p.exif.as_ref().and_then(|e| e.orientation);
        let decoded = check_complete(media_type, tail)
            .and_then(|_| r.seek(SeekFrom::Start(0)).map_err(Error::from))
            .and_then(|_| make_thumbnail(r, size, orientation));
        match decoded {
            Ok(t) => p.thumbnail = Some(t),
            Err(e) => {
                let why = match e {
                    Error::InvalidInput(m) => m,
                    other => other.to_string(),
                };
                p.problem = Some(format!("the image cannot be read: {why}"));
                p.note = Some(format!("no thumbnail: {why}"));
            }
        }
    } else if media::is_media(media_type) {
        match media::probe(open()?, media_type, size) {
            Ok(info) => p.media = Some(info),
            Err(e) => {
                p.problem = Some(e.to_string());
                p.note = Some(format!("no preview: {e}"));
            }
        }
    } else {
        p.note = Some(format!("no preview for {media_type}"));
    }
    Ok(p)
}

/// Intake's reading of a file's content ([`sniff`] and [`preview`]), from plaintext bytes in
/// memory instead of a stored blob, with the sniffed media type: the entry point of the fuzzing suites
/// (docs/security-testing.md). Not part of the API.
#[doc(hidden)]
pub fn preview_bytes(bytes: &[u8]) -> Result<(String, Preview)> {
    let head = &bytes[..bytes.len().min(8192)];
    let tail = &bytes[bytes.len().saturating_sub(16)..];
    let media_type = sniff(head);
    let owned = bytes.to_vec();
    let p = preview(&media_type, bytes.len() as u64, tail, || {
        Ok(std::io::Cursor::new(owned))
    })?;
    Ok((media_type, p))
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
    // Photos waiting in a new incident's draft (capture) are named by their own rows.
    let mut stmt = vault
        .conn
        .prepare("SELECT blob_name FROM draft_attachment")?;
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
