//! A redacted copy of a photo: the original decrypted into memory and checked against its intake
//! hash, decoded within the limits of invariant 12 and turned upright, each region pixelated or
//! blurred, and the result encoded as a PNG that holds pixels and nothing else (no EXIF, XMP,
//! ICC profile, text chunks or GPS: the PNG encoder writes only IHDR, IDAT and IEND).
//!
//! Why PNG whatever the original: PNG is lossless, so every pixel outside the regions is exactly
//! the original's (decoded) pixel, which the tests check one by one. A JPEG would re-quantise the
//! whole picture and change pixels everywhere, and the copy could not be shown to differ only
//! where it was redacted.

use std::io::Read;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{record_link, Derivative, DerivativeError, Method};
use crate::crypto::hash::sha256_hex;
use crate::error::{Error, Result};
use crate::evidence::{self, Intake};
use crate::model::RecordType;
use crate::vault::Vault;

/// Most regions in one redaction.
pub const MAX_REGIONS: usize = 200;

/// A rectangle in pixels of the upright photo: top-left corner (x, y), width and height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Region {
    /// Parses `X,Y,W,H` (four whole numbers of pixels).
    pub fn parse(s: &str) -> Result<Region> {
        let bad = || {
            Error::invalid(format!(
                "region '{s}' must be X,Y,W,H: four whole numbers of pixels (the top-left corner, then the width and height)"
            ))
        };
        let parts: Vec<u32> = s
            .split(',')
            .map(|p| crate::text::khmer_digits_to_ascii(p.trim()).parse::<u32>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| bad())?;
        match parts[..] {
            [x, y, w, h] => Ok(Region { x, y, w, h }),
            _ => Err(bad()),
        }
    }

    fn label(&self) -> String {
        format!("{},{},{},{}", self.x, self.y, self.w, self.h)
    }

    /// Whether the region is non-empty and lies wholly inside a `width` × `height` picture.
    fn inside(&self, width: u32, height: u32) -> bool {
        self.w > 0
            && self.h > 0
            && self.x.checked_add(self.w).is_some_and(|r| r <= width)
            && self.y.checked_add(self.h).is_some_and(|b| b <= height)
    }
}

fn check_regions(regions: &[Region], width: u32, height: u32) -> Result<()> {
    if regions.is_empty() {
        return Err(DerivativeError::NoRegions.into());
    }
    if regions.len() > MAX_REGIONS {
        return Err(DerivativeError::TooManyRegions { max: MAX_REGIONS }.into());
    }
    for r in regions {
        if !r.inside(width, height) {
            return Err(DerivativeError::RegionOutside {
                region: r.label(),
                width,
                height,
            }
            .into());
        }
    }
    Ok(())
}

/// The side of a pixelation block: an eighth of the region's longer side, at least 8 pixels,
/// so that a face or a line of text becomes a few flat blocks, not a readable mosaic.
fn block_side(r: &Region) -> u32 {
    (r.w.max(r.h) / 8).max(8)
}

/// The blur's strength: a quarter of the region's longer side, at least 8 pixels.
fn blur_sigma(r: &Region) -> f32 {
    (r.w.max(r.h) as f32 / 4.0).max(8.0)
}

/// Applies `method` to each region of `img`, in place; pixels outside every region are not
/// touched. Pixelation replaces each block by its mean colour; the blur works on the region
/// alone (cropped out, blurred, written back), so nothing outside it is read or written.
pub(crate) fn apply(img: &mut image::RgbaImage, regions: &[Region], method: Method) {
    for r in regions {
        match method {
            Method::Blur => {
                let crop = image::imageops::crop_imm(img, r.x, r.y, r.w, r.h).to_image();
                let blurred = image::imageops::fast_blur(&crop, blur_sigma(r));
                image::imageops::replace(img, &blurred, i64::from(r.x), i64::from(r.y));
            }
            Method::Pixelate | Method::Pseudonymise => pixelate(img, r),
        }
    }
}

fn pixelate(img: &mut image::RgbaImage, r: &Region) {
    let side = block_side(r);
    let mut by = r.y;
    while by < r.y + r.h {
        let bh = side.min(r.y + r.h - by);
        let mut bx = r.x;
        while bx < r.x + r.w {
            let bw = side.min(r.x + r.w - bx);
            let mut sum = [0u64; 4];
            for y in by..by + bh {
                for x in bx..bx + bw {
                    let p = img.get_pixel(x, y).0;
                    for c in 0..4 {
                        sum[c] += u64::from(p[c]);
                    }
                }
            }
            let n = u64::from(bw) * u64::from(bh);
            let mean = image::Rgba(sum.map(|s| ((s + n / 2) / n) as u8));
            for y in by..by + bh {
                for x in bx..bx + bw {
                    img.put_pixel(x, y, mean);
                }
            }
            bx += bw;
        }
        by += bh;
    }
}

/// Encodes as PNG, RGB when the picture has no transparency, RGBA when it has: the encoder
/// writes no ancillary chunk at all.
pub(crate) fn encode_png(img: image::RgbaImage, had_alpha: bool) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    let res = if had_alpha {
        img.write_to(&mut out, image::ImageFormat::Png)
    } else {
        image::DynamicImage::ImageRgba8(img)
            .into_rgb8()
            .write_to(&mut out, image::ImageFormat::Png)
    };
    res.map_err(|e| Error::invalid(format!("cannot encode the redacted copy: {e}")))?;
    Ok(out.into_inner())
}

/// The redacted copy's file name: the original's, with `-redacted.png` for its extension.
fn copy_name(original: &str) -> String {
    let stem = match original.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => original,
    };
    let stem: String = stem.chars().take(200).collect();
    format!("{stem}-redacted.png")
}

/// Makes a redacted copy of photo `id` (see the module documentation) and takes it in as a new
/// attachment of the same record, linked to the original in one transaction. The original's
/// row and blob are not changed. Refused read-only and in review mode.
pub fn redact_photo(
    vault: &mut Vault,
    id: &Uuid,
    regions: &[Region],
    method: Method,
) -> Result<Intake> {
    if method == Method::Pseudonymise {
        return Err(DerivativeError::BadMethod(method.as_str().into()).into());
    }
    vault.records_writable()?;
    let att = evidence::get(vault, id)?;
    if let Some(link) = super::of_derivative(&vault.conn, &att.id)? {
        return Err(DerivativeError::AlreadyDerived {
            id: att.id,
            original: link.original_id,
        }
        .into());
    }
    let photo = matches!(
        att.media_type.as_str(),
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/tiff"
    );
    if !photo {
        return Err(DerivativeError::NotAPhoto {
            id: att.id,
            media_type: att.media_type,
        }
        .into());
    }
    if regions.is_empty() {
        return Err(DerivativeError::NoRegions.into());
    }
    if att.size > evidence::MAX_IMAGE_BYTES {
        return Err(Error::invalid(format!(
            "photo {id} is larger than {} MiB: too large to redact safely",
            evidence::MAX_IMAGE_BYTES >> 20
        )));
    }
    // The original, in memory only, checked against its intake hash before it is used.
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(att.size as usize));
    evidence::open_original(vault, id)?
        .take(evidence::MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})")))?;
    if sha256_hex(bytes.as_slice()) != att.sha256 {
        return Err(Error::Corrupt(format!(
            "attachment {id}: does not match the SHA-256 recorded at intake"
        )));
    }
    let decoded = evidence::decode_upright(&bytes)?;
    drop(bytes);
    check_regions(regions, decoded.width(), decoded.height())?;
    let had_alpha = decoded.color().has_alpha();
    let mut img = decoded.into_rgba8();
    apply(&mut img, regions, method);
    let png = zeroize::Zeroizing::new(encode_png(img, had_alpha)?);

    let record_type = RecordType::evidence_holder(&att.record_type)?;
    let record_id = crate::model::parse_id(record_type.as_str(), &att.record_id)?;
    let details = serde_json::json!({ "regions": regions });
    let original_sha = att.sha256.clone();
    let original_id = att.id.clone();
    evidence::intake_then(
        vault,
        record_type,
        &record_id,
        &copy_name(&att.original_name),
        png.as_slice(),
        Some(png.len() as u64),
        &mut (),
        move |tx, dev, new_id, _| {
            record_link(
                tx,
                dev,
                &Derivative {
                    derivative_id: new_id.to_string(),
                    original_type: "attachment".into(),
                    original_id,
                    original_sha256: original_sha,
                    method: method.as_str().into(),
                    details,
                    created_at: crate::model::now(),
                    device_id: dev.id().to_string(),
                },
            )
        },
    )
}
