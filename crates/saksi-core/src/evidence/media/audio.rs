//! Audio files (WAV, MP3, Ogg, FLAC) through symphonia: the container's codec, sample rate,
//! channels and length, then, for files up to [`MAX_WAVEFORM_BYTES`], the whole sound decoded
//! in memory, a packet at a time, for the waveform and the exact length.

use std::io::{Read, Seek, SeekFrom};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::{
    millis, reduce_peaks, AudioTrack, MediaError, MediaInfo, MediaKind, MAX_ELEMENTS,
    MAX_HEADER_BYTES, MAX_WAVEFORM_BYTES, MAX_WAVEFORM_SECONDS, MAX_WAVEFORM_TIME,
};

/// Most packets that may fail to decode before the sound counts as damaged.
const MAX_BAD_PACKETS: u32 = 64;

/// The decrypting reader as a symphonia source (seekable, of known length).
struct Source<R> {
    inner: R,
    len: u64,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Source<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read + Seek + Send + Sync> MediaSource for Source<R> {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

fn corrupt(container: &str, e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(format!(
        "cannot read the {} sound ({e})",
        container.to_uppercase()
    ))
}

pub(super) fn probe<R>(mut reader: R, container: &str, size: u64) -> Result<MediaInfo, MediaError>
where
    R: Read + Seek + Send + Sync + 'static,
{
    precheck(&mut reader, container, size)?;
    let source = Source {
        inner: reader,
        len: size,
    };
    let mss = MediaSourceStream::new(Box::new(source), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(container);
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            // Gapless: an MP3's encoder delay and padding are not counted in its length.
            &FormatOptions {
                enable_gapless: true,
                ..Default::default()
            },
            &MetadataOptions::default(),
        )
        .map_err(|e| corrupt(container, e))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| corrupt(container, "no sound track"))?;
    let track_id = track.id;
    let params = track.codec_params.clone();
    let channels = params.channels.map(|c| c.count() as u32);
    if channels == Some(0) {
        return Err(corrupt(container, "the header says it has no channels"));
    }
    let codecs = symphonia::default::get_codecs();
    let codec = codecs
        .get_codec(params.codec)
        .map(|d| codec_label(d.short_name))
        .unwrap_or_else(|| "unknown".into());
    let header_ms = match (params.n_frames, params.time_base, params.sample_rate) {
        (Some(n), Some(tb), _) => {
            millis(n.saturating_mul(u64::from(tb.numer)), u64::from(tb.denom))
        }
        (Some(n), None, Some(rate)) => millis(n, u64::from(rate)),
        _ => None,
    };
    let mut info = MediaInfo {
        kind: MediaKind::Audio,
        container: container.into(),
        duration_ms: header_ms,
        audio: Some(AudioTrack {
            codec,
            sample_rate: params.sample_rate,
            channels,
        }),
        video: None,
        waveform: None,
        waveform_note: None,
    };
    if size > MAX_WAVEFORM_BYTES {
        info.waveform_note = Some(format!(
            "no waveform: larger than {} MiB",
            MAX_WAVEFORM_BYTES >> 20
        ));
        return Ok(info);
    }
    if header_ms.is_some_and(|ms| ms / 1000 > MAX_WAVEFORM_SECONDS) {
        info.waveform_note = Some(format!(
            "no waveform: longer than {} hours",
            MAX_WAVEFORM_SECONDS / 3600
        ));
        return Ok(info);
    }
    let mut decoder = match codecs.make(&params, &DecoderOptions::default()) {
        Ok(d) => d,
        Err(_) => {
            info.waveform_note = Some("no waveform: this codec is not decoded here".into());
            return Ok(info);
        }
    };
    // Peaks of 20 ms blocks, reduced to WAVEFORM_PEAKS at the end: at most 180,000 per hour.
    let rate = params.sample_rate.unwrap_or(8000).max(1);
    let block = u64::from(rate / 50).max(1);
    let mut blocks: Vec<f32> = Vec::new();
    let (mut in_block, mut peak) = (0u64, 0f32);
    let mut frames = 0u64;
    let mut bad = 0u32;
    let mut good = 0u32;
    let started = std::time::Instant::now();
    loop {
        if started.elapsed() > MAX_WAVEFORM_TIME {
            info.waveform_note = Some(format!(
                "no waveform: decoding took longer than {} seconds",
                MAX_WAVEFORM_TIME.as_secs()
            ));
            return Ok(info);
        }
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(corrupt(container, e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            Err(SymError::DecodeError(_)) => {
                bad += 1;
                if bad > MAX_BAD_PACKETS && good == 0 {
                    return Err(corrupt(container, "no part of the sound decodes"));
                }
                continue;
            }
            Err(e) => return Err(corrupt(container, e)),
        };
        good += 1;
        let spec = *decoded.spec();
        let n = decoded.frames() as u64;
        let ch = spec.channels.count().max(1);
        let mut buf = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks(ch) {
            for s in frame {
                peak = peak.max(s.abs());
            }
            in_block += 1;
            if in_block == block {
                blocks.push(peak);
                in_block = 0;
                peak = 0.0;
            }
        }
        frames += n;
    }
    if in_block > 0 {
        blocks.push(peak);
    }
    if good == 0 && bad > 0 {
        return Err(corrupt(container, "no part of the sound decodes"));
    }
    // The decoded length is exact; a header's can be an estimate (MP3 without a Xing header).
    if frames > 0 {
        info.duration_ms = millis(frames, u64::from(rate));
    }
    info.waveform = reduce_peaks(&blocks);
    Ok(info)
}

/// What symphonia 0.5 would trust unchecked, checked first (found by fuzzing, issue 15): a WAV
/// or FLAC header whose sample rate is 0 makes it panic (`TimeBase::new(1, 0)`), which aborts a
/// release build; a FLAC Vorbis comment whose declared length exceeds its block makes it allocate
/// that length (up to 4 GiB) before reading it. Both are refused here as damaged files, having
/// read at most [`MAX_HEADER_BYTES`] of headers. Seeks back to the start.
fn precheck(r: &mut (impl Read + Seek), container: &str, size: u64) -> Result<(), MediaError> {
    let bad = |why: &str| corrupt(container, why);
    match container {
        "wav" => {
            let head = read_at(r, container, 0, 12)?;
            if head.len() == 12 && &head[..4] == b"RIFF" && &head[8..] == b"WAVE" {
                let mut at = 12u64;
                for _ in 0..MAX_ELEMENTS {
                    let h = read_at(r, container, at, 8)?;
                    if h.len() < 8 {
                        break;
                    }
                    let len = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
                    if &h[..4] == b"fmt " {
                        let body = read_at(r, container, at + 8, 16)?;
                        if body.len() >= 8
                            && u32::from_le_bytes([body[4], body[5], body[6], body[7]]) == 0
                        {
                            return Err(bad("the header says its sample rate is 0"));
                        }
                        break;
                    }
                    at = at.saturating_add(8).saturating_add(len + (len & 1));
                    if at >= size {
                        break;
                    }
                }
            }
        }
        "flac" => {
            let magic = read_at(r, container, 0, 4)?;
            if magic == b"fLaC" {
                let mut at = 4u64;
                for _ in 0..MAX_ELEMENTS {
                    let h = read_at(r, container, at, 4)?;
                    if h.len() < 4 {
                        break;
                    }
                    let kind = h[0] & 0x7f;
                    let len = u64::from(u32::from_be_bytes([0, h[1], h[2], h[3]]));
                    if at + 4 + len > size {
                        return Err(bad("a metadata block runs past the end of the file"));
                    }
                    if kind == 0 {
                        let b = read_at(r, container, at + 4, 18)?;
                        if b.len() == 18
                            && (u32::from(b[10]) << 12
                                | u32::from(b[11]) << 4
                                | u32::from(b[12]) >> 4)
                                == 0
                        {
                            return Err(bad("the header says its sample rate is 0"));
                        }
                    }
                    if kind == 4 {
                        if len > MAX_HEADER_BYTES {
                            return Err(MediaError::TooLarge("a FLAC comment block".into()));
                        }
                        let body = read_at(r, container, at + 4, len as usize)?;
                        if !vorbis_comment_fits(&body) {
                            return Err(bad("a comment is longer than its block"));
                        }
                    }
                    at += 4 + len;
                    if h[0] & 0x80 != 0 {
                        break;
                    }
                }
            }
        }
        _ => {}
    }
    r.seek(SeekFrom::Start(0))
        .map_err(|e| corrupt(container, e))?;
    Ok(())
}

/// At most `n` bytes from `at`.
fn read_at(
    r: &mut (impl Read + Seek),
    container: &str,
    at: u64,
    n: usize,
) -> Result<Vec<u8>, MediaError> {
    let io = |e: std::io::Error| corrupt(container, e);
    r.seek(SeekFrom::Start(at)).map_err(io)?;
    let mut v = Vec::with_capacity(n.min(1 << 16));
    r.take(n as u64).read_to_end(&mut v).map_err(io)?;
    Ok(v)
}

/// Whether every length inside a Vorbis comment block (vendor string, count, each comment) fits
/// in the block.
fn vorbis_comment_fits(b: &[u8]) -> bool {
    let u32_at = |at: usize| -> Option<usize> {
        let s = b.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
    };
    let Some(vendor) = u32_at(0) else {
        return false;
    };
    let mut at = match 4usize.checked_add(vendor) {
        Some(a) if a <= b.len() => a,
        _ => return false,
    };
    let Some(count) = u32_at(at) else {
        return false;
    };
    at += 4;
    for _ in 0..count {
        let Some(n) = u32_at(at) else { return false };
        at = match (at + 4).checked_add(n) {
            Some(a) if a <= b.len() => a,
            _ => return false,
        };
    }
    true
}

/// symphonia's short codec names as a person reads them.
fn codec_label(short: &str) -> String {
    match short {
        "mp3" => "MP3".into(),
        "vorbis" => "Vorbis".into(),
        "flac" => "FLAC".into(),
        "opus" => "Opus".into(),
        s if s.starts_with("pcm_") => format!("PCM ({})", &s[4..]),
        other => other.into(),
    }
}
