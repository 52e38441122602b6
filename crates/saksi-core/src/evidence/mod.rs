//! Evidence: files attached to incidents, testimony or people.
//!
//! Intake reads the original once, in 64 KiB pieces: each piece updates the SHA-256, counts the
//! size and goes straight into an age encryptor writing `attachments/<random>.part`. Nothing
//! plaintext touches the disk. Then, in one transaction: the row (with the attachment's own age
//! identity, the original filename, hash, size, sniffed media type, EXIF and an encrypted-at-rest
//! thumbnail) is inserted, the custody log gets an `intake` entry, the file is renamed to its
//! final random name, and the transaction commits. A crash before the commit leaves only
//! ciphertext whose key was never stored, removed at the next unlock by [`clean_orphans`].
//!
//! Deleting an attachment deletes its row under `secure_delete`, destroying its key: the blob is
//! then undecryptable even to someone who later learns the passphrase.
//!
//! The module is cut by what each part does: `intake` (streaming a file in), `picture`
//! (thumbnails, EXIF and the decoding limits), `access` (open, show, extract, delete) and
//! `verify` (re-hashing every blob), `media` (audio and video: container, codec, duration,
//! waveform, and the capture sources for recording), `recording` (a voice testimony recorded
//! straight into an encrypted attachment) and `thumbnails` (imported photos' thumbnails, made
//! after the import commits, when first asked for). The blob format itself is `crypto::blob`.

mod access;
mod batch;
mod intake;
pub mod media;
mod picture;
mod provenance;
mod recording;
#[cfg(test)]
mod tests;
mod thumbnails;
// Fuzzing the image and media intake (issue 15 item 5).
#[cfg(test)]
mod fuzz_tests;
mod verify;

use crate::sql::Cached;
use std::path::PathBuf;
use std::str::FromStr;

use rusqlite::OptionalExtension;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::RecordType;
use crate::vault::Vault;

pub use access::{delete, extract, open_original, read_for_view, read_range};
pub use batch::{intake_paths, BatchIntake, IntakeFailure};
pub(crate) use intake::{clean_orphans, intake_then, prepare, Prepared};
pub use intake::{intake_path, intake_path_with, intake_reader, intake_reader_with};
#[doc(hidden)]
pub use intake::{preview_bytes, Preview};
pub use media::MediaInfo;
pub(crate) use picture::{decode_upright, is_thumbnailable, MAX_IMAGE_BYTES};
pub use provenance::{provenance, Origin, Step};
pub use recording::{check_recordable, record_testimony};
pub use thumbnails::{make_pending as make_pending_thumbnails, ThumbnailsMade};
pub(crate) use verify::verify_all;
pub use verify::verify_one;

/// Bytes read per step when streaming a blob out (extraction, verification).
const CHUNK: usize = 64 * 1024;

/// Metadata read from a photo's EXIF. GPS is sensitive: it can place a witness.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Default)]
pub struct ExifData {
    pub captured_at: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub orientation: Option<u32>,
    pub gps: Option<Gps>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude_m: Option<f64>,
    /// Always true: shown with a warning, never exported without the monitor's choice.
    pub sensitive: bool,
}

/// An attachment as listed and shown.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: String,
    pub record_type: String,
    pub record_id: String,
    pub original_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
    pub exif: Option<ExifData>,
    /// A thumbnail is stored, or is pending and made when first asked for ([`thumbnail`]).
    pub has_thumbnail: bool,
    /// An imported photo whose thumbnail is not made yet (see `evidence/thumbnails.rs`).
    pub thumbnail_pending: bool,
    /// Why there is no thumbnail (not an image, too large, corrupt…).
    pub thumbnail_note: Option<String>,
    pub created_at: String,
    pub device_id: String,
    /// For audio and video: container, codec, duration, waveform (see [`media`]).
    pub media: Option<MediaInfo>,
}

/// The result of one intake: the stored attachment, plus a warning when the file is an image that
/// could not be read (corrupt, truncated, a decompression bomb). The original is stored anyway.
#[derive(Debug, Clone, Serialize)]
pub struct Intake {
    #[serde(flatten)]
    pub attachment: Attachment,
    pub warning: Option<String>,
}

pub(super) fn record_exists(vault: &Vault, record_type: RecordType, id: &Uuid) -> Result<()> {
    if !record_type.holds_evidence() {
        return Err(Error::invalid(format!(
            "attachments belong to an incident, a testimony or a person, not '{record_type}'"
        )));
    }
    let table = record_type.table();
    let found: Option<i64> = vault
        .conn
        .row(
            &format!("SELECT 1 FROM {table} WHERE id = ?1"),
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or_else(|| Error::not_found(table, id))
}

/// Finds which kind of record `id` is.
pub fn record_type_of(vault: &Vault, id: &Uuid) -> Result<RecordType> {
    for t in RecordType::EVIDENCE_HOLDERS {
        if record_exists(vault, t, id).is_ok() {
            return Ok(t);
        }
    }
    Err(Error::not_found("record", id))
}

const COLUMNS: &str = "id, record_type, record_id, original_name, media_type, size, sha256,
    exif_json, thumbnail IS NOT NULL, thumbnail_note, created_at, device_id, media_json";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    let exif: Option<String> = r.get(7)?;
    let media_type: String = r.get(4)?;
    let stored: bool = r.get(8)?;
    let thumbnail_note: Option<String> = r.get(9)?;
    let thumbnail_pending = thumbnails::is_pending(&media_type, stored, thumbnail_note.as_deref());
    Ok(Attachment {
        id: r.get(0)?,
        record_type: r.get(1)?,
        record_id: r.get(2)?,
        original_name: r.get(3)?,
        media_type,
        size: r.get::<_, i64>(5)? as u64,
        sha256: r.get(6)?,
        exif: exif.and_then(|e| serde_json::from_str(&e).ok()),
        has_thumbnail: stored || thumbnail_pending,
        thumbnail_pending,
        thumbnail_note,
        created_at: r.get(10)?,
        device_id: r.get(11)?,
        media: r
            .get::<_, Option<String>>(12)?
            .and_then(|m| serde_json::from_str(&m).ok()),
    })
}

/// One attachment's metadata.
pub fn get(vault: &Vault, id: &Uuid) -> Result<Attachment> {
    vault
        .conn
        .row(
            &format!("SELECT {COLUMNS} FROM attachment WHERE id = ?1"),
            [id.to_string()],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("attachment", id))
}

/// All attachments, or those of one record, oldest first.
pub fn list(vault: &Vault, record_id: Option<&Uuid>) -> Result<Vec<Attachment>> {
    let mut stmt = vault.conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM attachment WHERE ?1 IS NULL OR record_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([record_id.map(|r| r.to_string())], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The encrypted-at-rest thumbnail (JPEG), if one could be made. An imported photo's thumbnail
/// is made here from the original the first time it is asked for, and stored.
pub fn thumbnail(vault: &Vault, id: &Uuid) -> Result<Option<Vec<u8>>> {
    thumbnails::get_or_make(vault, id)
}

pub(crate) fn blob_of(
    vault: &Vault,
    id: &Uuid,
) -> Result<(PathBuf, age::x25519::Identity, String)> {
    let (blob, ident, sha): (String, zeroize::Zeroizing<String>, String) = vault
        .conn
        .row(
            "SELECT blob_name, age_identity, sha256 FROM attachment WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, zeroize::Zeroizing::new(r.get(1)?), r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("attachment", id))?;
    let identity = age::x25519::Identity::from_str(&ident)
        .map_err(|_| Error::Corrupt(format!("attachment {id}: its key is damaged")))?;
    Ok((vault.attachments_dir().join(blob), identity, sha))
}
