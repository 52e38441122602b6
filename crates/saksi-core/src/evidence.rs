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

use std::fs;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use rand::RngCore;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

/// Largest image we try to decode for a thumbnail (the original is stored whatever its size).
const MAX_IMAGE_BYTES: u64 = 128 << 20;
/// The most memory one thumbnail may take, for the whole operation: decoding, resizing,
/// orienting and encoding. Only the decoded picture is full size; everything after it works on
/// the 320-pixel thumbnail, whose buffers (at most 320 × 320 × 16 bytes each, a few of them) fit
/// in [`THUMB_RESERVE`].
const MAX_THUMBNAIL_ALLOC: u64 = 256 << 20;
/// Kept back from the decoder's allowance for the thumbnail's own buffers and the encoder.
const THUMB_RESERVE: u64 = 8 << 20;
/// Largest width or height decoded.
const MAX_IMAGE_EDGE: u32 = 16_384;
const THUMB_EDGE: u32 = 320;
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
    pub has_thumbnail: bool,
    /// Why there is no thumbnail (not an image, too large, corrupt…).
    pub thumbnail_note: Option<String>,
    pub created_at: String,
    pub device_id: String,
}

/// The result of one intake: the stored attachment, plus a warning when the file is an image that
/// could not be read (corrupt, truncated, a decompression bomb). The original is stored anyway.
#[derive(Debug, Clone, Serialize)]
pub struct Intake {
    #[serde(flatten)]
    pub attachment: Attachment,
    pub warning: Option<String>,
}

fn record_exists(vault: &Vault, record_type: &str, id: &Uuid) -> Result<()> {
    let table = match record_type {
        "incident" => "incident",
        "testimony" => "testimony",
        "person" => "person",
        other => {
            return Err(Error::invalid(format!(
                "attachments belong to an incident, a testimony or a person, not '{other}'"
            )))
        }
    };
    let found: Option<i64> = vault
        .conn
        .query_row(
            &format!("SELECT 1 FROM {table} WHERE id = ?1"),
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or_else(|| Error::not_found(table, id))
}

/// Finds which kind of record `id` is.
pub fn record_type_of(vault: &Vault, id: &Uuid) -> Result<&'static str> {
    for t in ["incident", "testimony", "person"] {
        if record_exists(vault, t, id).is_ok() {
            return Ok(t);
        }
    }
    Err(Error::not_found("record", id))
}

fn random_blob_name() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Attaches the file at `path` to a record. Only the file's name (not its folder) is kept.
pub fn intake_path(
    vault: &mut Vault,
    record_type: &str,
    record_id: &Uuid,
    path: &Path,
) -> Result<Intake> {
    intake_path_with(vault, record_type, record_id, path, &mut ())
}

/// [`intake_path`], reporting bytes read of the file's size; cancelling leaves nothing behind.
pub fn intake_path_with(
    vault: &mut Vault,
    record_type: &str,
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
    record_type: &str,
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
    record_type: &str,
    record_id: &Uuid,
    original_name: &str,
    mut reader: impl Read,
    total: Option<u64>,
    progress: &mut dyn Progress,
) -> Result<Intake> {
    record_exists(vault, record_type, record_id)?;
    let original_name = original_name.trim();
    if original_name.is_empty() || original_name.len() > 1024 {
        return Err(Error::invalid(
            "the attachment's file name must be 1 to 1024 bytes",
        ));
    }
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let dir = vault.attachments_dir();
    let blob_name = random_blob_name();
    let part = dir.join(format!("{blob_name}.part"));
    let final_path = dir.join(&blob_name);

    let streamed = (|| -> Result<(String, u64, Vec<u8>, Vec<u8>)> {
        let file = crate::vault::create_private(&part)?;
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("cannot set up attachment encryption"))?;
        let mut w = enc.wrap_output(std::io::BufWriter::new(file))?;
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(8192);
        let mut size = 0u64;
        let mut tail: Vec<u8> = Vec::with_capacity(32);
        let mut buf = zeroize::Zeroizing::new(vec![0u8; CHUNK]);
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::Io(e)),
            };
            hasher.update(&buf[..n]);
            if head.len() < 8192 {
                let take = (8192 - head.len()).min(n);
                head.extend_from_slice(&buf[..take]);
            }
            size += n as u64;
            tail.extend_from_slice(&buf[n.saturating_sub(16)..n]);
            if tail.len() > 16 {
                tail.drain(..tail.len() - 16);
            }
            w.write_all(&buf[..n])?;
            crate::progress::check(progress, size, total)?;
        }
        let bw = w.finish()?;
        let file = bw.into_inner().map_err(|e| Error::from(e.into_error()))?;
        file.sync_all()?;
        Ok((hex::encode(hasher.finalize()), size, head, tail))
    })();
    let (sha256, size, head, tail) = match streamed {
        Ok(v) => v,
        Err(e) => {
            let _ = fs::remove_file(&part);
            return Err(e);
        }
    };
    let head = zeroize::Zeroizing::new(head);
    let media_type = sniff(&head);

    // EXIF and thumbnail from the encrypted copy (decrypted in memory, seekable).
    let mut exif = None;
    let mut thumbnail = None;
    let mut note = None;
    let mut warning = None;
    if is_thumbnailable(&media_type) {
        if size > MAX_IMAGE_BYTES {
            note = Some(format!(
                "no thumbnail: image larger than {} MiB",
                MAX_IMAGE_BYTES >> 20
            ));
        } else {
            match open_blob(&part, &identity) {
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
                Err(e) => {
                    let _ = fs::remove_file(&part);
                    return Err(e);
                }
            }
        }
    } else {
        note = Some(format!("no preview for {media_type}"));
    }

    let id = Uuid::now_v7();
    let now = crate::model::now();
    let exif_json = exif
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Crypto("exif"))?;
    let secret = identity.to_string();
    let res = vault.write(|tx, dev| {
        tx.execute(
            "INSERT INTO attachment (id, record_type, record_id, blob_name, age_identity,
                original_name, media_type, size, sha256, exif_json, thumbnail, thumbnail_note,
                created_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                id.to_string(),
                record_type,
                record_id.to_string(),
                blob_name,
                secret.expose_secret(),
                original_name,
                media_type,
                size as i64,
                sha256,
                exif_json,
                thumbnail,
                note,
                now,
                dev.id()
            ],
        )?;
        let details = serde_json::json!({
            "record_type": record_type, "record_id": record_id.to_string(),
            "size": size, "media_type": media_type,
        })
        .to_string();
        custody::append_on(
            tx,
            dev,
            Action::Intake,
            Some(("attachment", &id.to_string())),
            Some(&sha256),
            Some(&details),
        )?;
        // The blob takes its final name inside the transaction: if the commit fails, the
        // rename is undone below; if the process dies, the orphan is cleaned at next unlock.
        fs::rename(&part, &final_path)?;
        crate::vault::sync_dir(&dir)?;
        Ok(())
    });
    if let Err(e) = res {
        let _ = fs::remove_file(&part);
        let _ = fs::remove_file(&final_path);
        return Err(e);
    }
    Ok(Intake {
        attachment: get(vault, &id)?,
        warning,
    })
}

/// EXIF-oriented thumbnail of an already stored blob (used for attachments that arrive in a
/// bundle, whose hash was verified on the way in). Returns the thumbnail or why there is none.
pub(crate) fn thumbnail_for_blob(
    path: &Path,
    identity: &str,
    media_type: &str,
    size: u64,
) -> std::result::Result<Vec<u8>, String> {
    if !is_thumbnailable(media_type) {
        return Err(format!("no preview for {media_type}"));
    }
    if size > MAX_IMAGE_BYTES {
        return Err(format!(
            "no thumbnail: image larger than {} MiB",
            MAX_IMAGE_BYTES >> 20
        ));
    }
    let identity = age::x25519::Identity::from_str(identity)
        .map_err(|_| "no thumbnail: the attachment key is damaged".to_string())?;
    let mut r = open_blob(path, &identity).map_err(|e| format!("no thumbnail: {e}"))?;
    let orientation = read_exif(&mut r).and_then(|e| e.orientation);
    r.seek(SeekFrom::Start(0))
        .map_err(|e| format!("no thumbnail: {e}"))
        .and_then(|_| {
            make_thumbnail(r, size, orientation).map_err(|e| match e {
                Error::InvalidInput(m) => format!("no thumbnail: {m}"),
                other => format!("no thumbnail: {other}"),
            })
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

/// Some decoders quietly fill a cut-off image with grey; a missing end marker is reported
/// instead, because a truncated photo is something a monitor must know about.
fn check_complete(media_type: &str, tail: &[u8]) -> Result<()> {
    let complete = match media_type {
        // JPEG ends with the EOI marker (some cameras pad after it with zeros).
        "image/jpeg" => {
            let t: Vec<u8> = tail
                .iter()
                .rev()
                .skip_while(|&&b| b == 0)
                .copied()
                .collect();
            t.len() >= 2 && t[0] == 0xD9 && t[1] == 0xFF
        }
        // PNG ends with the IEND chunk and its CRC.
        "image/png" => tail.len() >= 12 && &tail[tail.len() - 8..tail.len() - 4] == b"IEND",
        _ => true,
    };
    if complete {
        Ok(())
    } else {
        Err(Error::invalid(
            "the file is truncated (its end marker is missing)",
        ))
    }
}

fn is_thumbnailable(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/tiff"
    )
}

type BlobReader = age::stream::StreamReader<BufReader<fs::File>>;

fn open_blob(path: &Path, identity: &age::x25519::Identity) -> Result<BlobReader> {
    let f = fs::File::open(path)?;
    let d = age::Decryptor::new(BufReader::new(f))
        .map_err(|e| Error::Corrupt(format!("encrypted attachment is damaged: {e}")))?;
    d.decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| Error::Corrupt(format!("encrypted attachment cannot be decrypted: {e}")))
}

fn read_exif(r: &mut (impl Read + Seek)) -> Option<ExifData> {
    let mut br = BufReader::new(r);
    let exif = exif::Reader::new().read_from_container(&mut br).ok()?;
    let ascii = |tag| -> Option<String> {
        let f = exif.get_field(tag, exif::In::PRIMARY)?;
        match &f.value {
            exif::Value::Ascii(v) => v.first().map(|s| {
                String::from_utf8_lossy(s)
                    .trim_end_matches('\0')
                    .trim()
                    .to_string()
            }),
            _ => None,
        }
        .filter(|s| !s.is_empty())
    };
    let coord = |tag, reftag, neg: &str| -> Option<f64> {
        let f = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(v) = &f.value else {
            return None;
        };
        if v.len() < 3 {
            return None;
        }
        let deg = v[0].to_f64() + v[1].to_f64() / 60.0 + v[2].to_f64() / 3600.0;
        let sign = match ascii(reftag) {
            Some(r) if r.eq_ignore_ascii_case(neg) => -1.0,
            _ => 1.0,
        };
        deg.is_finite().then_some(sign * deg)
    };
    let gps = match (
        coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, "S"),
        coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, "W"),
    ) {
        (Some(lat), Some(lon)) => Some(Gps {
            latitude: lat,
            longitude: lon,
            altitude_m: exif
                .get_field(exif::Tag::GPSAltitude, exif::In::PRIMARY)
                .and_then(|f| match &f.value {
                    exif::Value::Rational(v) => v.first().map(|r| r.to_f64()),
                    _ => None,
                }),
            sensitive: true,
        }),
        _ => None,
    };
    Some(ExifData {
        captured_at: ascii(exif::Tag::DateTimeOriginal).or_else(|| ascii(exif::Tag::DateTime)),
        camera_make: ascii(exif::Tag::Make),
        camera_model: ascii(exif::Tag::Model),
        orientation: exif
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        gps,
    })
}

/// How many bytes decoding needs at most, beyond the decoded picture itself, per full-size
/// buffer: the number of full-size buffers (of the decoded picture's size) each decoder holds at
/// once. PNG writes rows straight into the picture; JPEG may keep 16-bit coefficients for every
/// sample (progressive files), two more pictures' worth; WebP, TIFF and GIF decode into a working
/// buffer at most the picture's size, then convert.
fn full_size_buffers(format: Option<image::ImageFormat>) -> u64 {
    match format {
        Some(image::ImageFormat::Png) => 1,
        Some(image::ImageFormat::Jpeg) => 3,
        _ => 2,
    }
}

/// The memory a thumbnail of this picture needs, by the rule in docs/vault-format.md: the file
/// itself (JPEG and WebP decoders read it whole), the decoder's full-size buffers, and the
/// thumbnail's reserve.
fn thumbnail_need(format: Option<image::ImageFormat>, picture_bytes: u64, file_bytes: u64) -> u64 {
    picture_bytes
        .saturating_mul(full_size_buffers(format))
        .saturating_add(file_bytes)
        .saturating_add(THUMB_RESERVE)
}

/// Decodes with bounded dimensions and allocation (so a decompression bomb is an error, not an
/// out-of-memory), shrinks, applies the EXIF orientation, and encodes a small JPEG.
///
/// The memory the whole operation needs is computed from the header before anything is decoded
/// ([`thumbnail_need`]) and must stay under [`MAX_THUMBNAIL_ALLOC`]. The orientation is applied
/// to the thumbnail, never to the full picture: rotating the decoded image would need one more
/// full-size buffer and double the memory.
fn make_thumbnail(
    r: impl Read + Seek,
    file_bytes: u64,
    orientation: Option<u32>,
) -> Result<Vec<u8>> {
    let too_large = |l: image::error::LimitError| {
        Error::invalid(format!("image too large to decode safely ({l})"))
    };
    let decode_error = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => too_large(l),
        other => Error::invalid(format!("corrupt or truncated image ({other})")),
    };
    let mut reader = image::ImageReader::new(BufReader::new(r))
        .with_guessed_format()
        .map_err(|e| Error::invalid(format!("unreadable image: {e}")))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_EDGE);
    limits.max_image_height = Some(MAX_IMAGE_EDGE);
    limits.max_alloc = Some(MAX_THUMBNAIL_ALLOC - THUMB_RESERVE);
    reader.limits(limits);
    let format = reader.format();
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let need = thumbnail_need(
        format,
        image::ImageDecoder::total_bytes(&decoder),
        file_bytes,
    );
    if need > MAX_THUMBNAIL_ALLOC {
        let (w, h) = image::ImageDecoder::dimensions(&decoder);
        return Err(Error::invalid(format!(
            "image too large to decode safely ({w} × {h} pixels would need about {} MiB, more \
             than the {} MiB allowed)",
            need >> 20,
            MAX_THUMBNAIL_ALLOC >> 20
        )));
    }
    let img = image::DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let mut thumb = img.thumbnail(THUMB_EDGE, THUMB_EDGE);
    drop(img);
    if let Some(o) = orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(image::metadata::Orientation::from_exif)
    {
        thumb.apply_orientation(o);
    }
    let thumb = thumb.into_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    thumb
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .map_err(|e| Error::invalid(format!("cannot encode the thumbnail: {e}")))?;
    Ok(out.into_inner())
}

const COLUMNS: &str = "id, record_type, record_id, original_name, media_type, size, sha256,
    exif_json, thumbnail IS NOT NULL, thumbnail_note, created_at, device_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Attachment> {
    let exif: Option<String> = r.get(7)?;
    Ok(Attachment {
        id: r.get(0)?,
        record_type: r.get(1)?,
        record_id: r.get(2)?,
        original_name: r.get(3)?,
        media_type: r.get(4)?,
        size: r.get::<_, i64>(5)? as u64,
        sha256: r.get(6)?,
        exif: exif.and_then(|e| serde_json::from_str(&e).ok()),
        has_thumbnail: r.get(8)?,
        thumbnail_note: r.get(9)?,
        created_at: r.get(10)?,
        device_id: r.get(11)?,
    })
}

/// One attachment's metadata.
pub fn get(vault: &Vault, id: &Uuid) -> Result<Attachment> {
    vault
        .conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM attachment WHERE id = ?1"),
            [id.to_string()],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("attachment", id))
}

/// All attachments, or those of one record, oldest first.
pub fn list(vault: &Vault, record_id: Option<&Uuid>) -> Result<Vec<Attachment>> {
    let mut stmt = vault.conn.prepare(&format!(
        "SELECT {COLUMNS} FROM attachment WHERE ?1 IS NULL OR record_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([record_id.map(|r| r.to_string())], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The encrypted-at-rest thumbnail (JPEG), if one could be made.
pub fn thumbnail(vault: &Vault, id: &Uuid) -> Result<Option<Vec<u8>>> {
    vault
        .conn
        .query_row(
            "SELECT thumbnail FROM attachment WHERE id = ?1",
            [id.to_string()],
            |r| r.get::<_, Option<Vec<u8>>>(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("attachment", id))
}

fn blob_of(vault: &Vault, id: &Uuid) -> Result<(PathBuf, age::x25519::Identity, String)> {
    let (blob, ident, sha): (String, zeroize::Zeroizing<String>, String) = vault
        .conn
        .query_row(
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

/// Streams the original bytes (decrypting). Integrity of each 64 KiB chunk is checked by age;
/// callers that need the end-to-end check compare the SHA-256 (as [`extract`] does).
pub fn open_original(vault: &Vault, id: &Uuid) -> Result<impl Read> {
    let (path, identity, _) = blob_of(vault, id)?;
    if !path.is_file() {
        return Err(Error::Corrupt(format!(
            "attachment {id}: its encrypted file is missing"
        )));
    }
    open_blob(&path, &identity)
}

/// The original bytes, decrypted into memory for display (never to disk), checked against the
/// intake hash; logs a custody `view`. Refuses files larger than `max_bytes`.
pub fn read_for_view(
    vault: &mut Vault,
    id: &Uuid,
    max_bytes: u64,
) -> Result<(String, zeroize::Zeroizing<Vec<u8>>)> {
    let att = get(vault, id)?;
    if att.size > max_bytes {
        return Err(Error::invalid(format!(
            "attachment {id} is too large to show ({} bytes): extract it instead",
            att.size
        )));
    }
    let mut r = open_original(vault, id)?;
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(att.size as usize));
    r.read_to_end(&mut bytes)
        .map_err(|e| Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})")))?;
    if hex::encode(Sha256::digest(bytes.as_slice())) != att.sha256 {
        return Err(Error::Corrupt(format!(
            "attachment {id}: does not match the SHA-256 recorded at intake"
        )));
    }
    custody::append(
        vault,
        Action::View,
        Some(("attachment", &att.id)),
        Some(&att.sha256),
        None,
    )?;
    Ok((att.media_type, bytes))
}

/// Decrypts the original to `out` (a path the user chose: this copy is plaintext), checks its
/// SHA-256 against the one recorded at intake, and logs the extraction. On a mismatch the
/// output is removed.
pub fn extract(vault: &mut Vault, id: &Uuid, out: &Path) -> Result<Attachment> {
    let att = get(vault, id)?;
    if out.exists() {
        return Err(Error::invalid(format!(
            "{} already exists: not overwriting it",
            out.display()
        )));
    }
    let mut r = open_original(vault, id)?;
    let result = (|| -> Result<String> {
        let mut f = crate::vault::create_private(out)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = r.read(&mut buf).map_err(|e| {
                Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})"))
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            f.write_all(&buf[..n])?;
        }
        f.sync_all()?;
        Ok(hex::encode(hasher.finalize()))
    })();
    match result {
        Ok(h) if h == att.sha256 => {}
        Ok(h) => {
            let _ = fs::remove_file(out);
            return Err(Error::Corrupt(format!(
                "attachment {id}: SHA-256 {h} does not match the {} recorded at intake",
                att.sha256
            )));
        }
        Err(e) => {
            let _ = fs::remove_file(out);
            return Err(e);
        }
    }
    custody::append(
        vault,
        Action::Extract,
        Some(("attachment", &att.id)),
        Some(&att.sha256),
        None,
    )?;
    Ok(att)
}

/// Deletes an attachment: its row (and so its key) under secure_delete, then its blob.
pub fn delete(vault: &mut Vault, id: &Uuid) -> Result<()> {
    let att = get(vault, id)?;
    let (path, _, _) = blob_of(vault, id)?;
    vault.write(|tx, dev| {
        tx.execute("DELETE FROM attachment WHERE id = ?1", [id.to_string()])?;
        custody::append_on(
            tx,
            dev,
            Action::Deletion,
            Some(("attachment", &att.id)),
            Some(&att.sha256),
            None,
        )
    })?;
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
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
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Re-hashes every attachment by streaming decryption. Returns how many were checked and the
/// problems found, each naming the attachment id.
pub(crate) fn verify_all(
    vault: &Vault,
    progress: &mut dyn Progress,
) -> Result<(usize, Vec<String>)> {
    let ids: Vec<String> = vault
        .conn
        .prepare("SELECT id FROM attachment ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for (i, sid) in ids.iter().enumerate() {
        crate::progress::check(progress, i as u64, Some(ids.len() as u64))?;
        let id = crate::model::parse_id("attachment", sid)?;
        if let Err(p) = verify_one(vault, &id) {
            problems.push(p);
        }
    }
    Ok((ids.len(), problems))
}

/// Checks one attachment against the hash recorded at intake.
pub fn verify_one(vault: &Vault, id: &Uuid) -> std::result::Result<(), String> {
    let (path, identity, sha) = blob_of(vault, id).map_err(|e| format!("attachment {id}: {e}"))?;
    if !path.is_file() {
        return Err(format!("attachment {id}: its encrypted file is missing"));
    }
    let mut r = open_blob(&path, &identity).map_err(|e| format!("attachment {id}: {e}"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) => return Err(format!("attachment {id}: encrypted file is damaged ({e})")),
        }
    }
    let h = hex::encode(hasher.finalize());
    if h != sha {
        return Err(format!(
            "attachment {id}: SHA-256 {h} does not match the {sha} recorded at intake"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32 (ISO-HDLC, as PNG uses), bit by bit: test data only.
    fn crc32(parts: &[&[u8]]) -> u32 {
        let mut c = !0u32;
        for b in parts.iter().flat_map(|p| p.iter()) {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    }

    /// A zlib stream of `n` zero bytes, written by hand (one fixed-Huffman block: a literal zero,
    /// then 258-byte copies at distance 1), so a huge picture costs a tiny file and no encoder.
    fn zlib_zeros(n: u64) -> Vec<u8> {
        struct Bits {
            out: Vec<u8>,
            acc: u64,
            len: u32,
        }
        impl Bits {
            fn put(&mut self, value: u64, len: u32) {
                self.acc |= value << self.len;
                self.len += len;
                while self.len >= 8 {
                    self.out.push(self.acc as u8);
                    self.acc >>= 8;
                    self.len -= 8;
                }
            }
            /// Huffman codes go most significant bit first.
            fn code(&mut self, code: u64, len: u32) {
                let rev = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
                self.put(rev, len);
            }
        }
        let mut b = Bits {
            out: vec![0x78, 0x01],
            acc: 0,
            len: 0,
        };
        b.put(1, 1); // final block
        b.put(1, 2); // fixed Huffman
        let mut left = n;
        b.code(0x30, 8); // literal 0
        left -= 1;
        while left >= 258 {
            b.code(0xC5, 8); // length 258 (symbol 285)
            b.code(0, 5); // distance 1
            left -= 258;
        }
        for _ in 0..left {
            b.code(0x30, 8);
        }
        b.code(0, 7); // end of block
        b.put(0, 7); // flush
        let mut out = b.out;
        let adler = ((n % 65521) << 16) | 1;
        out.extend_from_slice(&(adler as u32).to_be_bytes());
        out
    }

    /// An all-black RGB PNG of `w` × `h` with an EXIF orientation (eXIf chunk).
    fn black_png_with_orientation(w: u32, h: u32, orientation: u16) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        // Big-endian TIFF header, one IFD entry: Orientation (0x0112), SHORT, 1 value.
        let mut exif =
            b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
        exif.extend_from_slice(&orientation.to_be_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        chunk(&mut png, b"eXIf", &exif);
        let raw = u64::from(h) * (1 + u64::from(w) * 3);
        chunk(&mut png, b"IDAT", &zlib_zeros(raw));
        chunk(&mut png, b"IEND", &[]);
        png
    }

    fn proc_status_kib(field: &str) -> u64 {
        let status = fs::read_to_string("/proc/self/status").unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{field} missing from /proc/self/status"))
    }

    const CHILD_ENV: &str = "SAKSI_TEST_THUMBNAIL_PEAK_CHILD";

    /// Runs in a child process (see the test below): makes the thumbnail of a 9000 × 9000 photo
    /// that asks to be turned 90°, and prints how far the peak RSS rose above where it started.
    #[test]
    fn thumbnail_peak_child() {
        if std::env::var_os(CHILD_ENV).is_none() {
            return;
        }
        let png = black_png_with_orientation(9000, 9000, 6);
        let mut r = std::io::Cursor::new(png);
        let exif = read_exif(&mut r);
        let orientation = exif.as_ref().and_then(|e| e.orientation);
        assert_eq!(
            orientation,
            Some(6),
            "the test image must carry EXIF orientation 6"
        );
        r.seek(SeekFrom::Start(0)).unwrap();
        let before = proc_status_kib("VmRSS:");
        let len = r.get_ref().len() as u64;
        let thumb =
            make_thumbnail(r, len, orientation).expect("a 9000 × 9000 photo is within limits");
        let peak = proc_status_kib("VmHWM:");
        let img = image::load_from_memory(&thumb).unwrap();
        println!(
            "THUMBNAIL_PEAK_KIB={} THUMB={}x{}",
            peak.saturating_sub(before),
            img.width(),
            img.height()
        );
    }

    #[test]
    fn exif_rotated_photo_thumbnail_stays_under_the_documented_memory_cap() {
        if std::env::var_os(CHILD_ENV).is_some() {
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "evidence::tests::thumbnail_peak_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the child failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| {
                l.split_once("THUMBNAIL_PEAK_KIB=")
                    .map(|(_, v)| v.to_string())
            })
            .unwrap_or_else(|| panic!("the child printed no measurement: {stdout}"));
        let (peak, dims) = line.split_once(' ').unwrap();
        let peak_kib: u64 = peak.parse().unwrap();
        assert_eq!(
            dims, "THUMB=320x320",
            "the thumbnail of a square photo stays square after turning"
        );
        assert!(
            peak_kib * 1024 <= MAX_THUMBNAIL_ALLOC,
            "the whole thumbnail operation (decode, resize, EXIF rotation, encode) must stay \
             under the documented {} MiB cap; it rose by {} MiB",
            MAX_THUMBNAIL_ALLOC >> 20,
            peak_kib >> 10
        );
    }

    #[test]
    fn jpeg_whose_decode_would_pass_the_cap_is_refused_before_decoding() {
        // A real 8 × 8 JPEG whose header then claims 6000 × 6000: 103 MiB of picture, which a
        // JPEG decoder may need three times over. It must be refused from the header alone.
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::RgbImage::new(8, 8)
            .write_to(&mut jpeg, image::ImageFormat::Jpeg)
            .unwrap();
        let mut jpeg = jpeg.into_inner();
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a baseline JPEG has an SOF0 marker");
        jpeg[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&6000u16.to_be_bytes());
        let len = jpeg.len() as u64;
        let err = make_thumbnail(std::io::Cursor::new(jpeg), len, None).unwrap_err();
        assert!(
            err.to_string().contains("too large to decode safely"),
            "a JPEG whose decoding would need more than the {} MiB cap must be refused before \
             decoding, not tried: {err}",
            MAX_THUMBNAIL_ALLOC >> 20
        );
    }

    #[test]
    fn intake_leaves_no_unwiped_copy_of_the_attachment_key_in_freed_memory() {
        let (_tmp, mut v) = crate::testutil::vault();
        let id = crate::testutil::incident(&mut v, "arrest");
        let (intake, hits) = crate::testutil::freed::count_in_freed(&[b"AGE-SECRET-KEY-1"], || {
            intake_reader(&mut v, "incident", &id, "note.txt", &b"a witness"[..])
        });
        intake.unwrap();
        assert_eq!(
            hits, 0,
            "intake must not free any unwiped copy of the attachment's age identity"
        );
    }
}
