//! MP4 and QuickTime: the top-level boxes are walked by their declared sizes (seeking over the
//! media data) until the movie header `moov`, which is read whole after its size is checked
//! against [`MAX_HEADER_BYTES`]; then duration (`mvhd`), and per track its handler (`hdlr`),
//! picture size (`tkhd`) and first sample entry (`stsd`: codec, channels, sample rate).

use std::io::{Read, Seek, SeekFrom};

use super::{
    codec_name, millis, AudioTrack, MediaError, MediaInfo, MediaKind, VideoTrack, MAX_ELEMENTS,
    MAX_HEADER_BYTES,
};

fn corrupt(why: impl Into<String>) -> MediaError {
    MediaError::Corrupt(why.into())
}

pub(super) fn probe(
    mut r: impl Read + Seek,
    size: u64,
    audio_type: bool,
) -> Result<MediaInfo, MediaError> {
    let io = |e: std::io::Error| corrupt(format!("cannot read the MP4 file ({e})"));
    let mut pos = 0u64;
    let mut boxes = 0u32;
    let moov = loop {
        boxes += 1;
        if boxes > MAX_ELEMENTS {
            return Err(corrupt("too many boxes before the movie header"));
        }
        if pos + 8 > size {
            return Err(corrupt(
                "no movie header (moov box): the file is truncated or is not an MP4",
            ));
        }
        r.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut h = [0u8; 16];
        r.read_exact(&mut h[..8]).map_err(io)?;
        let mut len = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        let kind = [h[4], h[5], h[6], h[7]];
        let mut header = 8u64;
        if len == 1 {
            r.read_exact(&mut h[8..16]).map_err(io)?;
            len = u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
            header = 16;
        } else if len == 0 {
            len = size - pos;
        }
        if len < header || pos.saturating_add(len) > size {
            return Err(corrupt(format!(
                "the {} box at byte {pos} claims {len} bytes, past the end of the file (truncated?)",
                String::from_utf8_lossy(&kind)
            )));
        }
        if &kind == b"moov" {
            let body = len - header;
            if body > MAX_HEADER_BYTES {
                return Err(MediaError::TooLarge(format!(
                    "the movie header is {body} bytes, more than the {} MiB read",
                    MAX_HEADER_BYTES >> 20
                )));
            }
            let mut buf = vec![0u8; body as usize];
            r.read_exact(&mut buf).map_err(io)?;
            break buf;
        }
        pos += len;
    };
    parse_moov(&moov, audio_type)
}

/// A box inside the movie header: its type and body.
type Child<'a> = ([u8; 4], &'a [u8]);

/// Children of a box body, as (type, body) pairs.
fn children(body: &[u8]) -> Result<Vec<Child<'_>>, MediaError> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 8 <= body.len() {
        if out.len() as u32 >= MAX_ELEMENTS {
            return Err(corrupt("too many boxes in the movie header"));
        }
        let len = u32::from_be_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]) as usize;
        let kind = [body[i + 4], body[i + 5], body[i + 6], body[i + 7]];
        let (len, header) = match len {
            0 => (body.len() - i, 8),
            1 => {
                let b = body
                    .get(i + 8..i + 16)
                    .ok_or_else(|| corrupt("a box in the movie header is cut off"))?;
                let l = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                (usize::try_from(l).unwrap_or(usize::MAX), 16)
            }
            l => (l, 8),
        };
        if len < header || i.saturating_add(len) > body.len() {
            return Err(corrupt(format!(
                "the {} box in the movie header runs past its parent",
                String::from_utf8_lossy(&kind)
            )));
        }
        out.push((kind, &body[i + header..i + len]));
        i += len;
    }
    Ok(out)
}

fn child<'a>(body: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>, MediaError> {
    Ok(children(body)?
        .into_iter()
        .find(|(k, _)| k == kind)
        .map(|(_, b)| b))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .map(|s| u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

/// (timescale, duration) of an `mvhd` or `mdhd` body (full boxes, version 0 or 1).
fn header_time(b: &[u8]) -> Option<(u64, u64)> {
    match b.first()? {
        0 => Some((u64::from(be32(b, 12)?), u64::from(be32(b, 16)?))),
        1 => Some((u64::from(be32(b, 20)?), be64(b, 24)?)),
        _ => None,
    }
}

/// One MPEG-4 descriptor at `i`: (tag, body).
fn descriptor(b: &[u8], i: usize) -> Option<(u8, &[u8])> {
    let tag = *b.get(i)?;
    let mut len = 0usize;
    let mut at = i + 1;
    for _ in 0..4 {
        let x = *b.get(at)?;
        at += 1;
        len = (len << 7) | usize::from(x & 0x7F);
        if x & 0x80 == 0 {
            break;
        }
    }
    Some((tag, b.get(at..at.checked_add(len)?)?))
}

/// The channel count in an AAC `esds` box (the children of an `mp4a` sample entry): ES
/// descriptor, decoder configuration, then the AudioSpecificConfig's channel configuration.
fn esds_channels(children_of_entry: &[u8]) -> Option<u32> {
    let esds = child(children_of_entry, b"esds").ok()??;
    let (tag, es) = descriptor(esds, 4)?;
    if tag != 0x03 {
        return None;
    }
    let flags = *es.get(2)?;
    let mut at = 3;
    if flags & 0x80 != 0 {
        at += 2;
    }
    if flags & 0x40 != 0 {
        at += 1 + usize::from(*es.get(at)?);
    }
    if flags & 0x20 != 0 {
        at += 2;
    }
    let (tag, config) = descriptor(es, at)?;
    if tag != 0x04 {
        return None;
    }
    let (tag, asc) = descriptor(config, 13)?;
    if tag != 0x05 || asc.len() < 2 {
        return None;
    }
    let freq_index = ((asc[0] & 0x07) << 1) | (asc[1] >> 7);
    if freq_index == 15 {
        return None;
    }
    match (asc[1] >> 3) & 0x0F {
        c @ 1..=6 => Some(u32::from(c)),
        7 => Some(8),
        _ => None,
    }
}

fn parse_moov(moov: &[u8], audio_type: bool) -> Result<MediaInfo, MediaError> {
    let mut duration_ms = child(moov, b"mvhd")?
        .and_then(header_time)
        .and_then(|(scale, d)| millis(d, scale))
        .filter(|&d| d > 0);
    let mut audio = None;
    let mut video = None;
    let mut longest_track = None::<u64>;
    for (kind, trak) in children(moov)? {
        if &kind != b"trak" {
            continue;
        }
        let Some(mdia) = child(trak, b"mdia")? else {
            continue;
        };
        let handler = child(mdia, b"hdlr")?
            .and_then(|h| h.get(8..12))
            .map(|h| [h[0], h[1], h[2], h[3]]);
        if let Some(d) = child(mdia, b"mdhd")?
            .and_then(header_time)
            .and_then(|(s, d)| millis(d, s))
        {
            longest_track = Some(longest_track.map_or(d, |l| l.max(d)));
        }
        let entry = match child(mdia, b"minf")? {
            Some(minf) => match child(minf, b"stbl")? {
                Some(stbl) => child(stbl, b"stsd")?
                    .and_then(|s| s.get(8..))
                    .map(|e| e.to_vec()),
                None => None,
            },
            None => None,
        };
        let Some(entry) = entry else { continue };
        let fourcc = entry
            .get(4..8)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .unwrap_or_default();
        match &handler {
            Some(h) if h == b"vide" && video.is_none() => {
                let (mut width, mut height) = (
                    be16(&entry, 32).map(u32::from),
                    be16(&entry, 34).map(u32::from),
                );
                // The track header's size (16.16 fixed point) is what a player shows.
                if let Some(t) = child(trak, b"tkhd")? {
                    if let (Some(w), Some(h)) = (
                        be32(t, t.len().saturating_sub(8)),
                        be32(t, t.len().saturating_sub(4)),
                    ) {
                        if w >> 16 > 0 && h >> 16 > 0 {
                            width = Some(w >> 16);
                            height = Some(h >> 16);
                        }
                    }
                }
                video = Some(VideoTrack {
                    codec: codec_name(&fourcc),
                    width,
                    height,
                });
            }
            Some(h) if h == b"soun" && audio.is_none() => {
                // For AAC the sample entry's channel count is often a placeholder (2); the
                // decoder configuration in `esds` has the real one.
                let aac_channels = if fourcc == "mp4a" {
                    entry.get(36..).and_then(esds_channels)
                } else {
                    None
                };
                audio = Some(AudioTrack {
                    codec: codec_name(&fourcc),
                    channels: aac_channels
                        .or_else(|| be16(&entry, 24).map(u32::from))
                        .filter(|&c| c > 0),
                    sample_rate: be32(&entry, 32).map(|r| r >> 16).filter(|&r| r > 0),
                });
            }
            _ => {}
        }
    }
    if duration_ms.is_none() {
        duration_ms = longest_track;
    }
    if audio.is_none() && video.is_none() {
        return Err(corrupt("the movie header names no audio or video track"));
    }
    Ok(MediaInfo {
        kind: if video.is_some() && !audio_type {
            MediaKind::Video
        } else {
            MediaKind::Audio
        },
        container: "mp4".into(),
        duration_ms,
        audio,
        video,
        waveform: None,
        waveform_note: None,
    })
}
