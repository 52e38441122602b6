//! Voice and video evidence: what an audio or video attachment is (container, codec, duration,
//! sample rate and channels or picture size) read from the container at intake, and a waveform
//! of the sound computed in-process. Nothing here runs an external program and nothing writes
//! plaintext: every reader is the decrypting, seekable blob reader.
//!
//! Audio files (WAV, MP3, Ogg, FLAC) are read with symphonia, which also decodes them for the
//! waveform. MP4/QuickTime and Matroska/WebM are read by two small header walkers here
//! ([`mp4`], [`ebml`]) that read only the movie header or the segment's Info and Tracks, each
//! bounded by [`MAX_HEADER_BYTES`] and [`MAX_ELEMENTS`], and never allocate by a size the file
//! declares before checking it against those limits (invariant 12; docs/vault-format.md
//! "Audio and video"). Recording a testimony from a capture source is [`record`].

mod audio;
mod ebml;
mod mp4;
pub mod record;
#[cfg(test)]
mod tests;

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

/// Largest container header read into memory (an MP4 `moov` box, a Matroska `Info` or `Tracks`
/// element). Checked against the size the file declares before anything is read.
pub const MAX_HEADER_BYTES: u64 = 16 << 20;
/// Most container elements (boxes) walked in one file before giving up.
pub const MAX_ELEMENTS: u32 = 100_000;
/// Largest audio file decoded for a waveform (its metadata is read whatever its size).
pub const MAX_WAVEFORM_BYTES: u64 = 256 << 20;
/// Longest audio decoded for a waveform, when the header says how long it is.
pub const MAX_WAVEFORM_SECONDS: u64 = 4 * 3600;
/// Most bytes of an original decrypted for one playback range ([`crate::evidence::read_range`]).
pub const MAX_RANGE_BYTES: u64 = 4 << 20;
/// Longest the waveform's decoding may run: past it the file keeps its header's length and gets
/// no waveform (a safety net; the size and length limits above bound it already).
pub const MAX_WAVEFORM_TIME: std::time::Duration = std::time::Duration::from_secs(30);
/// Peaks in a waveform.
pub const WAVEFORM_PEAKS: usize = 200;

/// Audio or video.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Audio,
    Video,
}

/// The sound of a file: its codec, sample rate and channels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct AudioTrack {
    pub codec: String,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
}

/// The picture of a video: its codec and size in pixels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct VideoTrack {
    pub codec: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// What an audio or video attachment is, read from its container at intake.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MediaInfo {
    pub kind: MediaKind,
    /// `wav`, `mp3`, `ogg`, `flac`, `mp4` or `webm` (Matroska included).
    pub container: String,
    /// Length in milliseconds, when the container says (a live WebM may not).
    pub duration_ms: Option<u64>,
    pub audio: Option<AudioTrack>,
    pub video: Option<VideoTrack>,
    /// [`WAVEFORM_PEAKS`] peaks of the sound, 0 (silence) to 255 (full scale), for audio files
    /// small enough to decode ([`MAX_WAVEFORM_BYTES`]).
    pub waveform: Option<Vec<u8>>,
    /// Why there is no waveform, when there could have been one.
    pub waveform_note: Option<String>,
}

/// Audio and video that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The container or its sound is damaged, truncated or not what its type says.
    #[error("the audio or video file is damaged or truncated: {0}")]
    Corrupt(String),
    /// A header larger than the limits stated in docs/vault-format.md: not read.
    #[error("the audio or video file's header is too large to read safely: {0}")]
    TooLarge(String),
    /// The capture source (microphone or test tone) failed or gave nothing.
    #[error("the recording failed: {0}")]
    Capture(String),
    /// A recording longer than [`record::MAX_RECORDING_SECONDS`].
    #[error("the recording is longer than the {0} seconds allowed: it was stopped and nothing was stored")]
    TooLong(u64),
    /// The computer has no microphone (no input device), or none is switched on.
    #[error("no microphone was found: plug one in or switch it on, then record again")]
    NoMicrophone,
    /// The microphone is there but could not be opened or stopped working (in use by another
    /// program, access refused by the system, unplugged).
    #[error("the microphone could not be used: {0}")]
    Microphone(String),
}

impl MediaError {
    pub fn kind(&self) -> &'static str {
        match self {
            MediaError::Corrupt(_) => "media_corrupt",
            MediaError::TooLarge(_) => "media_too_large",
            MediaError::Capture(_) => "media_capture",
            MediaError::TooLong(_) => "media_too_long",
            MediaError::NoMicrophone => "microphone_missing",
            MediaError::Microphone(_) => "microphone_failed",
        }
    }
}

/// Whether `media_type` (as sniffed at intake) is audio or video this module reads.
pub fn is_media(media_type: &str) -> bool {
    container_of(media_type).is_some()
}

fn container_of(media_type: &str) -> Option<&'static str> {
    Some(match media_type {
        "audio/x-wav" | "audio/wav" => "wav",
        "audio/mpeg" => "mp3",
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/x-flac" | "audio/flac" => "flac",
        "video/mp4" | "video/x-m4v" | "video/quicktime" | "audio/m4a" | "audio/mp4" => "mp4",
        "video/webm" | "video/x-matroska" | "audio/webm" => "webm",
        _ => return None,
    })
}

/// Reads what an audio or video file is: its container header, and for audio files up to
/// [`MAX_WAVEFORM_BYTES`] a waveform (decoding the whole sound). `size` is the file's length.
pub fn probe<R>(reader: R, media_type: &str, size: u64) -> Result<MediaInfo, MediaError>
where
    R: Read + Seek + Send + Sync + 'static,
{
    let Some(container) = container_of(media_type) else {
        return Err(MediaError::Corrupt(format!(
            "{media_type} is not audio or video"
        )));
    };
    match container {
        "mp4" => mp4::probe(reader, size, media_type.starts_with("audio/")),
        "webm" => ebml::probe(reader, size),
        other => audio::probe(reader, other, size),
    }
}

/// [`probe`] of an already stored blob (an attachment that arrived in a bundle, whose hash was
/// verified on the way in), as the JSON kept in `attachment.media_json`; `None` for what is not
/// audio or video, or cannot be read (the original is kept either way).
pub(crate) fn media_json_for_blob(
    path: &std::path::Path,
    identity: &str,
    media_type: &str,
    size: u64,
) -> Option<String> {
    if !is_media(media_type) {
        return None;
    }
    let identity = std::str::FromStr::from_str(identity).ok()?;
    let r = crate::crypto::blob::open(path, &identity).ok()?;
    let info = probe(r, media_type, size).ok()?;
    serde_json::to_string(&info).ok()
}

/// Decoder-facing name of a codec fourcc or Matroska codec id.
pub(super) fn codec_name(code: &str) -> String {
    let name = match code {
        "avc1" | "avc3" | "V_MPEG4/ISO/AVC" => "H.264",
        "hvc1" | "hev1" | "V_MPEGH/ISO/HEVC" => "H.265",
        "vp08" | "V_VP8" => "VP8",
        "vp09" | "V_VP9" => "VP9",
        "av01" | "V_AV1" => "AV1",
        "mp4v" => "MPEG-4 Visual",
        "mp4a" | "A_AAC" => "AAC",
        "Opus" | "opus" | "A_OPUS" => "Opus",
        "A_VORBIS" => "Vorbis",
        "fLaC" | "A_FLAC" => "FLAC",
        "ac-3" | "A_AC3" => "AC-3",
        ".mp3" | "A_MPEG/L3" => "MP3",
        "sowt" | "twos" | "lpcm" | "A_PCM/INT/LIT" => "PCM",
        other => {
            return other
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(32)
                .collect()
        }
    };
    name.to_string()
}

/// Reduces peaks of short blocks to [`WAVEFORM_PEAKS`] bytes.
pub(super) fn reduce_peaks(blocks: &[f32]) -> Option<Vec<u8>> {
    if blocks.is_empty() {
        return None;
    }
    let n = WAVEFORM_PEAKS;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let from = i * blocks.len() / n;
        let to = ((i + 1) * blocks.len() / n).max(from + 1).min(blocks.len());
        let peak = blocks
            .get(from..to)
            .unwrap_or(&[])
            .iter()
            .fold(0f32, |m, &v| m.max(v));
        out.push((peak.clamp(0.0, 1.0) * 255.0).round() as u8);
    }
    Some(out)
}

/// Milliseconds in `units` of `1/scale` seconds, without overflow.
pub(super) fn millis(units: u64, scale: u64) -> Option<u64> {
    if scale == 0 {
        return None;
    }
    u64::try_from(u128::from(units) * 1000 / u128::from(scale)).ok()
}
