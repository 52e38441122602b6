//! Thumbnails and EXIF: bounded decoding (a decompression bomb is an error, not an out-of-memory),
//! truncation checks, and the orientation applied to the small picture only.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{ExifData, Gps};
use crate::crypto::blob;
use crate::error::{Error, Result};

/// Largest image we try to decode for a thumbnail (the original is stored whatever its size).
pub(crate) const MAX_IMAGE_BYTES: u64 = 128 << 20;
/// The most memory one thumbnail may take, for the whole operation: decoding, resizing,
/// orienting and encoding. Only the decoded picture is full size; everything after it works on
/// the 320-pixel thumbnail, whose buffers (at most 320 × 320 × 16 bytes each, a few of them) fit
/// in [`THUMB_RESERVE`].
pub(super) const MAX_THUMBNAIL_ALLOC: u64 = 256 << 20;
/// Kept back from the decoder's allowance for the thumbnail's own buffers and the encoder.
const THUMB_RESERVE: u64 = 8 << 20;
/// Largest width or height decoded.
const MAX_IMAGE_EDGE: u32 = 16_384;
const THUMB_EDGE: u32 = 320;

/// EXIF-oriented thumbnail of an already stored blob (used for attachments that arrive in a
/// bundle, whose hash was verified on the way in). Returns the thumbnail or why there is none.
pub(crate) fn thumbnail_for_blob(
    path: &Path,
    identity: &age::x25519::Identity,
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
    let mut r = blob::open(path, identity).map_err(|e| format!("no thumbnail: {e}"))?;
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

/// Some decoders quietly fill a cut-off image with grey; a missing end marker is reported
/// instead, because a truncated photo is something a monitor must know about.
pub(super) fn check_complete(media_type: &str, tail: &[u8]) -> Result<()> {
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

pub(crate) fn is_thumbnailable(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/tiff"
    )
}

pub(super) fn read_exif(r: &mut (impl Read + Seek)) -> Option<ExifData> {
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
pub(super) fn make_thumbnail(
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

/// The most memory decoding a photo whole for a redacted copy may take (`derivative::photo`):
/// the file, the decoder's full-size buffers, and [`REDACT_EXTRA_BUFFERS`] more pictures' worth
/// for turning it upright, converting it to 8-bit RGB(A) and the encoded copy.
pub(crate) const MAX_REDACT_ALLOC: u64 = 512 << 20;
/// Full-size buffers a redaction holds beyond the decoder's own (see [`MAX_REDACT_ALLOC`]).
const REDACT_EXTRA_BUFFERS: u64 = 3;

/// Decodes a whole photo, held in memory, for redaction, bounded like a thumbnail (invariant 12):
/// the need is computed from the header before any pixel is decoded and must stay under
/// [`MAX_REDACT_ALLOC`]. The EXIF orientation is applied, so that the picture is the way up the
/// monitor sees it (regions are given in those coordinates; the copy carries no EXIF to turn it).
pub(crate) fn decode_upright(bytes: &[u8]) -> Result<image::DynamicImage> {
    let too_large = |l: image::error::LimitError| {
        Error::invalid(format!("image too large to decode safely ({l})"))
    };
    let decode_error = |e: image::ImageError| match e {
        image::ImageError::Limits(l) => too_large(l),
        other => Error::invalid(format!("corrupt or truncated image ({other})")),
    };
    let orientation = read_exif(&mut std::io::Cursor::new(bytes)).and_then(|e| e.orientation);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::invalid(format!("unreadable image: {e}")))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_EDGE);
    limits.max_image_height = Some(MAX_IMAGE_EDGE);
    limits.max_alloc = Some(MAX_REDACT_ALLOC);
    reader.limits(limits);
    let format = reader.format();
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let picture = image::ImageDecoder::total_bytes(&decoder);
    let need = picture
        .saturating_mul(full_size_buffers(format) + REDACT_EXTRA_BUFFERS)
        .saturating_add(bytes.len() as u64);
    if need > MAX_REDACT_ALLOC {
        let (w, h) = image::ImageDecoder::dimensions(&decoder);
        return Err(Error::invalid(format!(
            "image too large to redact safely ({w} × {h} pixels would need about {} MiB, more \
             than the {} MiB allowed)",
            need >> 20,
            MAX_REDACT_ALLOC >> 20
        )));
    }
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    if let Some(o) = orientation
        .and_then(|o| u8::try_from(o).ok())
        .and_then(image::metadata::Orientation::from_exif)
    {
        img.apply_orientation(o);
    }
    Ok(img)
}
