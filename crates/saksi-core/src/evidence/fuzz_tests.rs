//! Fuzzing the image and media intake (issue 15 item 5): seeded mutations of a JPEG with EXIF
//! (orientation, camera, GPS), a PNG and real MP4, WebM, WAV, MP3, Ogg and FLAC files, read the
//! way intake reads them ([`super::preview_bytes`]: sniffing, EXIF, the bounded thumbnail, the
//! container header and waveform) and, for audio and video, through [`media::probe`] with the
//! original's type whatever the sniffing says. Every case must end in a preview or a clear note,
//! never a panic, within the time and memory bounds of docs/vault-format.md (invariant 12).

use std::time::Duration;

use rand::Rng;

use super::media;
use super::picture::MAX_THUMBNAIL_ALLOC;
use crate::testutil::fuzz::{self, cases, mutate_bytes, regressions, test_data, Stats};

/// The types the AFL++ `media` target picks from by an input's first byte (`fuzz/src/bin/media.rs`),
/// so that its kept inputs replay here as they ran there.
const TYPES: &[&str] = &[
    "video/mp4",
    "audio/mp4",
    "video/webm",
    "audio/x-wav",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-flac",
];

/// The originals, by the media type intake sniffs for them.
fn originals() -> Vec<(&'static str, Vec<u8>)> {
    let mut png = std::io::Cursor::new(Vec::new());
    crate::testutil::noise(40, 30)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let mut out = vec![
        (
            "image/jpeg",
            crate::testutil::jpeg_with_exif(64, 48, "Saksi fuzz camera"),
        ),
        ("image/png", png.into_inner()),
    ];
    for (ty, file) in [
        ("video/mp4", "clip.mp4"),
        ("video/webm", "clip.webm"),
        ("audio/x-wav", "tone.wav"),
        ("audio/mpeg", "tone.mp3"),
        ("audio/ogg", "tone.ogg"),
        ("audio/x-flac", "tone.flac"),
    ] {
        out.push((ty, test_data(&format!("media/{file}"))));
    }
    out
}

/// A preview must be a small JPEG thumbnail, media information, or a note saying why not.
fn check_preview(bytes: &[u8]) -> std::result::Result<String, String> {
    let (media_type, p) = super::preview_bytes(bytes).map_err(|e| format!("{}: {e}", e.kind()))?;
    if let Some(t) = &p.thumbnail {
        let img = image::load_from_memory_with_format(t, image::ImageFormat::Jpeg)
            .map_err(|e| format!("the thumbnail is not a JPEG: {e}"))?;
        if img.width() > 320 || img.height() > 320 {
            return Err(format!("a thumbnail of {} × {}", img.width(), img.height()));
        }
        return Ok(format!("thumbnail:{media_type}"));
    }
    if p.media.is_some() {
        return Ok(format!("media:{media_type}"));
    }
    match (&p.note, &p.problem) {
        (Some(note), _) if !note.trim().is_empty() => {
            // The class is the note's first words ("no thumbnail: corrupt or truncated image").
            let short: String = note.split(['(', ':']).take(2).collect::<Vec<_>>().join(":");
            Ok(short.trim().to_string())
        }
        _ => Err(format!("{media_type}: neither a preview nor a note")),
    }
}

#[test]
fn fuzz_intake_preview_of_images_and_media_is_bounded_and_clear() {
    let originals = originals();
    let mut stats = Stats::new("fuzz_intake_preview");
    let time = Duration::from_secs(30);
    // The thumbnail's whole allowance (checked before decoding), the file, and a margin.
    let heap = MAX_THUMBNAIL_ALLOC + (16 << 20);
    for (name, bytes) in regressions("preview") {
        stats.case(0, &bytes, time, heap, || {
            check_preview(&bytes).map_err(|e| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_intake_preview", 600, 60_000) {
        let mut rng = fuzz::rng("fuzz_intake_preview", n);
        let (_, original) = &originals[rng.gen_range(0..originals.len())];
        let bytes = mutate_bytes(&mut rng, original);
        stats.case(n, &bytes, time, heap, || check_preview(&bytes));
    }
    stats.report();
}

#[test]
fn fuzz_media_probe_of_every_container_is_bounded_and_clear() {
    let originals: Vec<_> = originals().into_iter().skip(2).collect();
    let mut stats = Stats::new("fuzz_media_probe");
    // The waveform's own safety net and a margin; the header limit (16 MiB) and the decoder's
    // buffers bound the memory.
    let time = media::MAX_WAVEFORM_TIME + Duration::from_secs(10);
    let heap = media::MAX_HEADER_BYTES + (48 << 20);
    let check = |media_type: &str, bytes: &[u8]| {
        let r = std::io::Cursor::new(bytes.to_vec());
        match media::probe(r, media_type, bytes.len() as u64) {
            Ok(info) => Ok(format!("read:{}", info.container)),
            Err(e) => Ok(e.kind().to_string()),
        }
    };
    for (name, bytes) in regressions("media") {
        let Some((pick, file)) = bytes.split_first() else {
            continue;
        };
        let ty = TYPES[usize::from(*pick) % TYPES.len()];
        stats.case(0, &bytes, time, heap, || {
            check(ty, file).map_err(|e: String| format!("{name}: {e}"))
        });
    }
    for n in 0..cases("fuzz_media_probe", 600, 60_000) {
        let mut rng = fuzz::rng("fuzz_media_probe", n);
        let pick = rng.gen_range(0..originals.len());
        let (ty, original) = &originals[pick];
        let bytes = mutate_bytes(&mut rng, original);
        let index = TYPES.iter().position(|t| t == ty).unwrap_or_default();
        let mut kept = vec![index as u8];
        kept.extend_from_slice(&bytes);
        stats.case(n, &kept, time, heap, || check(ty, &bytes));
    }
    stats.report();
}
