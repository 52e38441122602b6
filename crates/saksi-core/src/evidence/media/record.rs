//! Recording a voice testimony straight into the vault: a [`CaptureSource`] yields PCM frames
//! (the desktop's microphone, or the deterministic [`TestTone`] for tests and diagnostics), and
//! [`crate::evidence::record_testimony`] streams them into an encrypted attachment.
//!
//! A WAV file starts with its length, unknown until the recording stops, and the attachment is
//! an age stream that cannot be rewritten. So the frames go first into an encrypted scratch blob
//! (`attachments/<random>.part`, under a key that only this process ever holds), and when the
//! source ends, the 44-byte WAV header with the exact length followed by the scratch blob,
//! decrypted in 64 KiB pieces, goes through the ordinary intake (hash, media probe, row, custody
//! entry). The scratch blob is then deleted; if the process dies first, it is ciphertext under a
//! lost key, removed at the next unlock. No plaintext audio is ever written to disk. (hound, the
//! WAV crate, needs a seekable writer to finish its header, which an age stream is not.)

use std::io::Read;

use super::MediaError;

/// Longest recording: four hours (16-bit WAV data must also stay under 4 GiB).
pub const MAX_RECORDING_SECONDS: u64 = 4 * 3600;
/// Most channels a capture source may give.
pub const MAX_CHANNELS: u16 = 8;

/// The shape of the frames a source gives: signed 16-bit samples, interleaved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PcmFormat {
    pub sample_rate: u32,
    pub channels: u16,
}

/// Where a recording's sound comes from.
pub trait CaptureSource {
    /// The frames' format; fixed for the whole recording.
    fn format(&self) -> PcmFormat;
    /// Fills `buf` with interleaved samples (a whole number of frames) and says how many
    /// samples it wrote; blocks until some are available; `0` means the recording has ended
    /// (the monitor pressed Stop, or the test tone is over).
    fn read(&mut self, buf: &mut [i16]) -> Result<usize, MediaError>;
}

/// A deterministic sine tone (tests and `saksi testimony record --test-tone`): 440 Hz at half
/// scale, 16 kHz mono, for a given number of seconds. Its samples are a known pattern that a
/// test can look for on disk.
pub struct TestTone {
    format: PcmFormat,
    total_frames: u64,
    at: u64,
}

impl TestTone {
    pub const SAMPLE_RATE: u32 = 16_000;
    pub const FREQUENCY: f64 = 440.0;

    pub fn new(seconds: u32) -> Self {
        TestTone {
            format: PcmFormat {
                sample_rate: Self::SAMPLE_RATE,
                channels: 1,
            },
            total_frames: u64::from(seconds) * u64::from(Self::SAMPLE_RATE),
            at: 0,
        }
    }

    /// Sample number `i` of the tone.
    pub fn sample(i: u64) -> i16 {
        let t = i as f64 / f64::from(Self::SAMPLE_RATE);
        ((2.0 * std::f64::consts::PI * Self::FREQUENCY * t).sin() * 16_000.0).round() as i16
    }
}

impl CaptureSource for TestTone {
    fn format(&self) -> PcmFormat {
        self.format
    }

    fn read(&mut self, buf: &mut [i16]) -> Result<usize, MediaError> {
        let left = self.total_frames - self.at;
        let n = (buf.len() as u64).min(left) as usize;
        for (k, s) in buf[..n].iter_mut().enumerate() {
            *s = Self::sample(self.at + k as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// The 44-byte header of a PCM WAV file holding `data_len` bytes of 16-bit samples.
pub(crate) fn wav_header(format: PcmFormat, data_len: u32) -> [u8; 44] {
    let block_align = format.channels * 2;
    let byte_rate = format.sample_rate * u32::from(block_align);
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&format.channels.to_le_bytes());
    h[24..28].copy_from_slice(&format.sample_rate.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&block_align.to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_len.to_le_bytes());
    h
}

/// Checks a source's format before anything is captured.
pub(crate) fn check_format(f: PcmFormat) -> Result<(), MediaError> {
    if f.channels == 0 || f.channels > MAX_CHANNELS {
        return Err(MediaError::Capture(format!(
            "the sound source gives {} channels (1 to {MAX_CHANNELS} are recorded)",
            f.channels
        )));
    }
    if !(8_000..=192_000).contains(&f.sample_rate) {
        return Err(MediaError::Capture(format!(
            "the sound source gives {} samples a second (8,000 to 192,000 are recorded)",
            f.sample_rate
        )));
    }
    Ok(())
}

/// Most data bytes a recording may hold: the time limit, and WAV's 32-bit length.
pub(crate) fn max_data_bytes(f: PcmFormat) -> u64 {
    let by_time = MAX_RECORDING_SECONDS * u64::from(f.sample_rate) * u64::from(f.channels) * 2;
    by_time.min(u64::from(u32::MAX - 36))
}

/// The source's samples as little-endian bytes, for the scratch blob. Buffers are zeroized.
pub(crate) struct PcmBytes<'a> {
    source: &'a mut dyn CaptureSource,
    samples: zeroize::Zeroizing<Vec<i16>>,
    bytes: zeroize::Zeroizing<Vec<u8>>,
    at: usize,
    limit: u64,
    written: u64,
    /// A source error, kept to be reported as itself (the Read interface carries io errors).
    pub error: Option<MediaError>,
}

impl<'a> PcmBytes<'a> {
    pub fn new(source: &'a mut dyn CaptureSource) -> Self {
        let f = source.format();
        // About a tenth of a second per read, a whole number of frames.
        let frames = (f.sample_rate / 10).max(1) as usize;
        PcmBytes {
            source,
            samples: zeroize::Zeroizing::new(vec![0; frames * usize::from(f.channels)]),
            bytes: zeroize::Zeroizing::new(Vec::new()),
            at: 0,
            limit: max_data_bytes(f),
            written: 0,
            error: None,
        }
    }
}

impl Read for PcmBytes<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.bytes.len() {
            let n = match self.source.read(&mut self.samples) {
                Ok(n) => n.min(self.samples.len()),
                Err(e) => {
                    self.error = Some(e);
                    return Err(std::io::Error::other("capture failed"));
                }
            };
            if n == 0 {
                return Ok(0);
            }
            self.bytes.clear();
            for s in &self.samples[..n] {
                self.bytes.extend_from_slice(&s.to_le_bytes());
            }
            self.at = 0;
            if self.written + self.bytes.len() as u64 > self.limit {
                self.error = Some(MediaError::TooLong(MAX_RECORDING_SECONDS));
                return Err(std::io::Error::other("recording too long"));
            }
            self.written += self.bytes.len() as u64;
        }
        let n = out.len().min(self.bytes.len() - self.at);
        out[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Longest recording a live source (the desktop's microphone) keeps in memory: one hour. At the
/// limit the source stops taking sound and the recording can still be stored. At 48 kHz mono
/// that is about 330 MiB of memory, the most a recording may hold before Stop.
pub const MAX_LIVE_SECONDS: u64 = 3600;

/// Sound captured live, held in memory until the monitor presses Stop, then read back as a
/// [`CaptureSource`] by [`crate::evidence::record_testimony`]. It never touches the disk: the
/// samples live in one-second chunks that are allocated at their full size (so no reallocation
/// leaves a copy of the sound behind in freed memory) and zeroized when dropped, as each is
/// read back or when the recording is thrown away.
pub struct Captured {
    format: PcmFormat,
    chunks: std::collections::VecDeque<zeroize::Zeroizing<Vec<i16>>>,
    chunk_len: usize,
    frames: u64,
    limit_frames: u64,
    /// Read position inside the first chunk.
    at: usize,
}

impl Captured {
    /// An empty recording of `format`, refused (before anything is captured) if the format
    /// is not one Saksi records.
    pub fn new(format: PcmFormat) -> Result<Self, MediaError> {
        check_format(format)?;
        Ok(Captured {
            format,
            chunks: std::collections::VecDeque::new(),
            chunk_len: format.sample_rate as usize * usize::from(format.channels),
            frames: 0,
            limit_frames: MAX_LIVE_SECONDS * u64::from(format.sample_rate),
            at: 0,
        })
    }

    /// Adds interleaved samples (whole frames; a trailing partial frame is dropped). Returns
    /// `false` once [`MAX_LIVE_SECONDS`] are held: what went past the limit was not kept.
    pub fn push(&mut self, samples: &[i16]) -> bool {
        let ch = usize::from(self.format.channels);
        let room = (self.limit_frames - self.frames) as usize;
        let frames = (samples.len() / ch).min(room);
        let mut rest = &samples[..frames * ch];
        while !rest.is_empty() {
            if self.chunks.back().is_none_or(|c| c.len() == self.chunk_len) {
                self.chunks
                    .push_back(zeroize::Zeroizing::new(Vec::with_capacity(self.chunk_len)));
            }
            let Some(last) = self.chunks.back_mut() else {
                break;
            };
            let n = rest.len().min(self.chunk_len - last.len());
            last.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        self.frames += frames as u64;
        self.frames < self.limit_frames
    }

    /// Frames held so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Length so far in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.frames * 1000 / u64::from(self.format.sample_rate)
    }
}

/// Shows the format and the length, never the sound.
impl std::fmt::Debug for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captured")
            .field("format", &self.format)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl CaptureSource for Captured {
    fn format(&self) -> PcmFormat {
        self.format
    }

    /// Hands the samples back in order; each chunk is zeroized and freed once read.
    fn read(&mut self, buf: &mut [i16]) -> Result<usize, MediaError> {
        let ch = usize::from(self.format.channels);
        let want = buf.len() / ch * ch;
        let mut n = 0;
        while n < want {
            let Some(first) = self.chunks.front() else {
                break;
            };
            let take = (want - n).min(first.len() - self.at);
            buf[n..n + take].copy_from_slice(&first[self.at..self.at + take]);
            n += take;
            self.at += take;
            if self.at == first.len() {
                self.chunks.pop_front();
                self.at = 0;
            }
        }
        Ok(n)
    }
}
