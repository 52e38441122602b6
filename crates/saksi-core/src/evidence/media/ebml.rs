//! Matroska and WebM: the EBML header, then the Segment's children walked by their declared
//! sizes (seeking over clusters) until `Info` (duration) and `Tracks` (codec, picture size,
//! sample rate, channels) are found. Each is read whole after its size is checked against
//! [`MAX_HEADER_BYTES`].

use std::io::{Read, Seek, SeekFrom};

use super::{
    codec_name, AudioTrack, MediaError, MediaInfo, MediaKind, VideoTrack, MAX_ELEMENTS,
    MAX_HEADER_BYTES,
};

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TRACKS: u32 = 0x1654_AE6B;
const CLUSTER: u32 = 0x1F43_B675;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const VIDEO: u32 = 0xE0;
const AUDIO: u32 = 0xE1;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const CHANNELS: u32 = 0x9F;

fn corrupt(why: impl Into<String>) -> MediaError {
    MediaError::Corrupt(why.into())
}

/// An element's id (marker bits kept, as the specification writes them) and its data size
/// (`None`: unknown, allowed for a live Segment or Cluster), from bytes.
fn vint(b: &[u8], id: bool) -> Option<(u64, usize)> {
    let first = *b.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > if id { 4 } else { 8 } {
        return None;
    }
    let bytes = b.get(..len)?;
    let mut v = if id {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> len)
    };
    for &x in &bytes[1..] {
        v = (v << 8) | u64::from(x);
    }
    Some((v, len))
}

/// The unknown-size marker: every data bit set.
fn unknown_size(v: u64, len: usize) -> bool {
    v == (1u64 << (7 * len)) - 1
}

/// Reads one element header from the stream: (id, size or None if unknown, header length).
fn read_header(r: &mut impl Read) -> std::io::Result<Option<(u32, Option<u64>, u64)>> {
    let mut b = [0u8; 12];
    if r.read(&mut b[..1])? == 0 {
        return Ok(None);
    }
    let id_len = b[0].leading_zeros() as usize + 1;
    if id_len > 4 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "bad element id",
        ));
    }
    r.read_exact(&mut b[1..id_len])?;
    r.read_exact(&mut b[id_len..id_len + 1])?;
    let size_len = b[id_len].leading_zeros() as usize + 1;
    if size_len > 8 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "bad element size",
        ));
    }
    r.read_exact(&mut b[id_len + 1..id_len + size_len])?;
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "bad element");
    let (id, _) = vint(&b[..id_len], true).ok_or_else(bad)?;
    let (size, _) = vint(&b[id_len..id_len + size_len], false).ok_or_else(bad)?;
    let size = (!unknown_size(size, size_len)).then_some(size);
    Ok(Some((id as u32, size, (id_len + size_len) as u64)))
}

/// Children of an element body read into memory: (id, body).
fn children(body: &[u8]) -> Result<Vec<(u32, &[u8])>, MediaError> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < body.len() {
        if out.len() as u32 >= MAX_ELEMENTS {
            return Err(corrupt("too many elements in the WebM header"));
        }
        let cut = || corrupt("an element of the WebM header is cut off");
        let (id, il) = vint(&body[i..], true).ok_or_else(cut)?;
        let (size, sl) = vint(body.get(i + il..).ok_or_else(cut)?, false).ok_or_else(cut)?;
        let start = i + il + sl;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|&e| e <= body.len())
            .ok_or_else(cut)?;
        out.push((id as u32, &body[start..end]));
        i = end;
    }
    Ok(out)
}

fn uint(b: &[u8]) -> Option<u64> {
    (b.len() <= 8).then(|| b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

fn float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        8 => Some(f64::from_be_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn read_body(r: &mut impl Read, size: Option<u64>, what: &str) -> Result<Vec<u8>, MediaError> {
    let size = size.ok_or_else(|| corrupt(format!("the WebM {what} has no size")))?;
    if size > MAX_HEADER_BYTES {
        return Err(MediaError::TooLarge(format!(
            "the WebM {what} is {size} bytes, more than the {} MiB read",
            MAX_HEADER_BYTES >> 20
        )));
    }
    let mut buf = vec![0u8; size as usize];
    r.read_exact(&mut buf)
        .map_err(|_| corrupt(format!("the WebM {what} is cut off (truncated file?)")))?;
    Ok(buf)
}

pub(super) fn probe(mut r: impl Read + Seek, size: u64) -> Result<MediaInfo, MediaError> {
    let io = |e: std::io::Error| corrupt(format!("cannot read the WebM file ({e})"));
    match read_header(&mut r).map_err(io)? {
        Some((EBML, Some(len), _)) if len <= 4096 => {
            r.seek(SeekFrom::Current(len as i64)).map_err(io)?;
        }
        _ => return Err(corrupt("no EBML header: not a WebM or Matroska file")),
    }
    let (mut pos, seg_end) = match read_header(&mut r).map_err(io)? {
        Some((SEGMENT, len, _)) => {
            let start = r.stream_position().map_err(io)?;
            (
                start,
                len.map_or(size, |l| start.saturating_add(l).min(size)),
            )
        }
        _ => return Err(corrupt("no Segment after the EBML header")),
    };
    let mut info = None;
    let mut tracks = None;
    let mut seen = 0u32;
    while pos < seg_end && (info.is_none() || tracks.is_none()) {
        seen += 1;
        if seen > MAX_ELEMENTS {
            return Err(corrupt("too many elements before the tracks"));
        }
        r.seek(SeekFrom::Start(pos)).map_err(io)?;
        let Some((id, len, header)) = read_header(&mut r).map_err(io)? else {
            break;
        };
        match id {
            INFO => info = Some(read_body(&mut r, len, "segment info")?),
            TRACKS => tracks = Some(read_body(&mut r, len, "track list")?),
            // Clusters hold the media; ffmpeg, browsers and mkvmerge write Info and Tracks first.
            CLUSTER => break,
            _ => {}
        }
        let Some(len) = len else { break };
        pos = pos.saturating_add(header).saturating_add(len);
    }
    let tracks = tracks.ok_or_else(|| corrupt("no track list before the media (truncated?)"))?;
    let mut duration_ms = None;
    if let Some(info) = &info {
        let mut scale = 1_000_000u64;
        let mut duration = None;
        for (id, b) in children(info)? {
            match id {
                TIMECODE_SCALE => scale = uint(b).filter(|&s| s > 0).unwrap_or(scale),
                DURATION => duration = float(b),
                _ => {}
            }
        }
        // Duration is in timecode-scale units (nanoseconds each by default).
        duration_ms = duration
            .map(|d| d * scale as f64 / 1e6)
            .filter(|d| *d >= 0.0 && *d < 1e15)
            .map(|d| d.round() as u64);
    }
    let mut audio = None;
    let mut video = None;
    for (id, entry) in children(&tracks)? {
        if id != TRACK_ENTRY {
            continue;
        }
        let mut kind = None;
        let mut codec = String::new();
        let mut v = VideoTrack::default();
        let mut a = AudioTrack::default();
        for (id, b) in children(entry)? {
            match id {
                TRACK_TYPE => kind = uint(b),
                CODEC_ID => codec = String::from_utf8_lossy(b).trim_end_matches('\0').into(),
                VIDEO => {
                    for (id, b) in children(b)? {
                        match id {
                            PIXEL_WIDTH => v.width = uint(b).and_then(|x| u32::try_from(x).ok()),
                            PIXEL_HEIGHT => v.height = uint(b).and_then(|x| u32::try_from(x).ok()),
                            _ => {}
                        }
                    }
                }
                AUDIO => {
                    for (id, b) in children(b)? {
                        match id {
                            SAMPLING_FREQUENCY => {
                                a.sample_rate = float(b)
                                    .filter(|f| *f > 0.0 && *f < 1e7)
                                    .map(|f| f.round() as u32)
                            }
                            CHANNELS => a.channels = uint(b).and_then(|x| u32::try_from(x).ok()),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        match kind {
            Some(1) if video.is_none() => {
                v.codec = codec_name(&codec);
                video = Some(v);
            }
            Some(2) if audio.is_none() => {
                a.codec = codec_name(&codec);
                // Matroska's default channel count is one.
                a.channels = a.channels.or(Some(1));
                audio = Some(a);
            }
            _ => {}
        }
    }
    if audio.is_none() && video.is_none() {
        return Err(corrupt("the track list names no audio or video track"));
    }
    Ok(MediaInfo {
        kind: if video.is_some() {
            MediaKind::Video
        } else {
            MediaKind::Audio
        },
        container: "webm".into(),
        duration_ms,
        audio,
        video,
        waveform: None,
        waveform_note: None,
    })
}
