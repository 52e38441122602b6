//! Recording a voice testimony from the desktop: Record opens a sound source on a capture thread
//! of its own, whose samples (mono, 16-bit) are held in memory only, in the core's zeroizing
//! [`Captured`] buffer, for at most [`MAX_LIVE_SECONDS`]; Stop ends the capture and hands the
//! buffer to the one core call, [`saksi_core::evidence::record_testimony`], which stores it as
//! an encrypted WAV attachment of the testimony in one transaction. Nothing is written to disk
//! before that, and the buffer is zeroized if the recording is thrown away or the vault locks.
//!
//! The sound source is a [`Microphone`]: the computer's default input device through cpal, or,
//! in debug builds only and only when `SAKSI_TEST_MICROPHONE=tone` is set, the core's 440 Hz
//! [`TestTone`] delivered in real time, so that the end-to-end tests run without a sound card.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use saksi_core::evidence::media::record::{Captured, PcmFormat, TestTone, MAX_LIVE_SECONDS};
use saksi_core::evidence::media::MediaError;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{CmdError, CmdResult};

/// How often a capture thread looks whether Stop was pressed.
const POLL: Duration = Duration::from_millis(20);
/// How long Record waits for the device to open before saying it could not.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Which sound source Record uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The default input device (cpal).
    Device,
    /// The core's test tone, in real time (tests only).
    Tone,
}

impl Source {
    /// The device, except in a debug build run with `SAKSI_TEST_MICROPHONE=tone` (the e2e tests):
    /// a release build always records from the microphone.
    pub fn from_env() -> Self {
        if cfg!(debug_assertions) && std::env::var("SAKSI_TEST_MICROPHONE").as_deref() == Ok("tone")
        {
            Source::Tone
        } else {
            Source::Device
        }
    }

    /// Made on the capture thread: a cpal stream may not move between threads.
    fn open(self) -> Box<dyn Microphone> {
        match self {
            Source::Device => Box::new(DeviceMic { stream: None }),
            Source::Tone => Box::new(ToneMic { sent: 0 }),
        }
    }
}

/// A source of sound for a live recording, run on the capture thread.
trait Microphone {
    /// Opens the source and says the format of the samples it will give to [`Live::push`].
    fn start(&mut self, live: &Arc<Live>) -> Result<PcmFormat, MediaError>;
    /// Captures until `live` is stopped (or full); then releases the device.
    fn run(&mut self, live: &Live);
}

/// What the capture thread and the commands share while a recording runs.
struct Live {
    buf: Mutex<Option<Captured>>,
    stop: AtomicBool,
    /// Peak of the latest block of samples, 0 to 32767.
    level: AtomicU32,
    full: AtomicBool,
    /// A device failure during the capture (unplugged): shown, and what was captured is kept.
    error: Mutex<Option<String>>,
}

impl Live {
    fn buf(&self) -> MutexGuard<'_, Option<Captured>> {
        self.buf.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.full.load(Ordering::Relaxed)
    }

    /// Takes mono samples from the source; past the limit they are dropped and the recording
    /// is marked full.
    fn push(&self, mono: &[i16]) {
        if self.stopped() {
            return;
        }
        let peak = mono.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        self.level
            .store(u32::from(peak.min(32767)), Ordering::Relaxed);
        if let Some(buf) = self.buf().as_mut() {
            if !buf.push(mono) {
                self.full.store(true, Ordering::Relaxed);
            }
        }
    }

    fn fail(&self, message: String) {
        let mut e = self.error.lock().unwrap_or_else(|p| p.into_inner());
        e.get_or_insert(message);
    }
}

/// The computer's default input device, through cpal (ALSA on Linux).
struct DeviceMic {
    stream: Option<cpal::Stream>,
}

fn mic_error(e: cpal::Error) -> MediaError {
    use cpal::ErrorKind as K;
    match e.kind() {
        K::DeviceNotAvailable | K::HostUnavailable => MediaError::NoMicrophone,
        _ => MediaError::Microphone(e.to_string()),
    }
}

impl DeviceMic {
    fn build<T>(
        device: &cpal::Device,
        config: cpal::StreamConfig,
        live: &Arc<Live>,
    ) -> Result<cpal::Stream, cpal::Error>
    where
        T: cpal::SizedSample,
        i16: cpal::FromSample<T>,
    {
        use cpal::traits::DeviceTrait;
        use cpal::Sample;
        let channels = usize::from(config.channels.max(1));
        let data = Arc::clone(live);
        let errors = Arc::clone(live);
        // Mixed down to mono in a buffer reused (and zeroized) by the callback.
        let mut mono = zeroize::Zeroizing::new(Vec::<i16>::new());
        device.build_input_stream(
            config,
            move |input: &[T], _: &cpal::InputCallbackInfo| {
                mono.clear();
                for frame in input.chunks_exact(channels) {
                    let sum: i32 = frame.iter().map(|s| i32::from(i16::from_sample(*s))).sum();
                    mono.push((sum / channels as i32) as i16);
                }
                data.push(&mono);
            },
            move |e: cpal::Error| {
                use cpal::ErrorKind as K;
                // Glitches and reroutes do not end a recording; a lost device does.
                if !matches!(e.kind(), K::Xrun | K::DeviceChanged | K::RealtimeDenied) {
                    errors.fail(e.to_string());
                }
            },
            None,
        )
    }
}

impl Microphone for DeviceMic {
    fn start(&mut self, live: &Arc<Live>) -> Result<PcmFormat, MediaError> {
        use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
        let host = cpal::default_host();
        let device = host
            .default_input_device()
            .ok_or(MediaError::NoMicrophone)?;
        let supported = device.default_input_config().map_err(mic_error)?;
        let format = PcmFormat {
            sample_rate: supported.sample_rate(),
            channels: 1,
        };
        // The format is checked (and the buffer made) before the first sample arrives.
        *live.buf() = Some(Captured::new(format)?);
        let config = supported.config();
        let stream = match supported.sample_format() {
            cpal::SampleFormat::I16 => Self::build::<i16>(&device, config, live),
            cpal::SampleFormat::I32 => Self::build::<i32>(&device, config, live),
            cpal::SampleFormat::U16 => Self::build::<u16>(&device, config, live),
            cpal::SampleFormat::F32 => Self::build::<f32>(&device, config, live),
            cpal::SampleFormat::I8 => Self::build::<i8>(&device, config, live),
            cpal::SampleFormat::U8 => Self::build::<u8>(&device, config, live),
            other => {
                return Err(MediaError::Microphone(format!(
                    "the microphone gives samples as {other}, which Saksi does not record"
                )))
            }
        }
        .map_err(mic_error)?;
        stream.play().map_err(mic_error)?;
        self.stream = Some(stream);
        Ok(format)
    }

    fn run(&mut self, live: &Live) {
        while !live.stopped() {
            std::thread::sleep(POLL);
        }
        // Dropping the stream closes the device.
        self.stream = None;
    }
}

/// The test tone, delivered at the pace a microphone would give it.
struct ToneMic {
    sent: u64,
}

impl Microphone for ToneMic {
    fn start(&mut self, live: &Arc<Live>) -> Result<PcmFormat, MediaError> {
        let format = PcmFormat {
            sample_rate: TestTone::SAMPLE_RATE,
            channels: 1,
        };
        *live.buf() = Some(Captured::new(format)?);
        Ok(format)
    }

    fn run(&mut self, live: &Live) {
        let began = Instant::now();
        let mut block = zeroize::Zeroizing::new(Vec::new());
        while !live.stopped() {
            std::thread::sleep(POLL);
            let due = began.elapsed().as_millis() as u64 * u64::from(TestTone::SAMPLE_RATE) / 1000;
            block.clear();
            block.extend((self.sent..due).map(TestTone::sample));
            self.sent = due;
            live.push(&block);
        }
    }
}

/// One recording under way.
struct Session {
    testimony: Uuid,
    live: Arc<Live>,
    thread: Option<JoinHandle<()>>,
    started: Instant,
    format: PcmFormat,
}

impl Session {
    /// Stops the capture and waits for the device to be released.
    fn end(mut self) -> (Uuid, Option<Captured>, Option<String>) {
        self.live.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let captured = self.live.buf().take();
        let error = self
            .live
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        (self.testimony, captured, error)
    }
}

/// What the Record panel shows while recording (polled a few times a second).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordingStatus {
    pub recording: bool,
    pub testimony_id: Option<String>,
    /// Length captured so far, in milliseconds.
    pub elapsed_ms: u64,
    /// Loudness of the latest sound, 0 (silence) to 1 (full scale).
    pub level: f32,
    /// The [`MAX_LIVE_SECONDS`] limit was reached: nothing more is captured, Stop stores it.
    pub full: bool,
    pub max_seconds: u64,
    pub sample_rate: u32,
    /// The microphone failed during the recording (what was captured before is kept).
    pub device_error: Option<String>,
}

/// The desktop's one recorder: at most one recording at a time.
#[derive(Default)]
pub struct Recorder {
    current: Mutex<Option<Session>>,
}

impl Recorder {
    fn current(&self) -> MutexGuard<'_, Option<Session>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens `source` and starts capturing for testimony `testimony`. Refused while another
    /// recording runs, and with the source's own error when it cannot be opened.
    pub fn start(&self, testimony: Uuid, source: Source) -> CmdResult<RecordingStatus> {
        let mut current = self.current();
        if current.is_some() {
            return Err(CmdError::new(
                "recording_busy",
                "a recording is already under way: stop it first",
            ));
        }
        let live = Arc::new(Live {
            buf: Mutex::new(None),
            stop: AtomicBool::new(false),
            level: AtomicU32::new(0),
            full: AtomicBool::new(false),
            error: Mutex::new(None),
        });
        let (opened_tx, opened_rx) = mpsc::sync_channel(1);
        let for_thread = Arc::clone(&live);
        let thread = std::thread::Builder::new()
            .name("saksi-capture".into())
            .spawn(move || {
                let mut mic = source.open();
                match mic.start(&for_thread) {
                    Ok(format) => {
                        let _ = opened_tx.send(Ok(format));
                        mic.run(&for_thread);
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| {
                CmdError::from(saksi_core::Error::from(MediaError::Microphone(
                    e.to_string(),
                )))
            })?;
        let format = match opened_rx.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(format)) => format,
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(saksi_core::Error::from(e).into());
            }
            Err(_) => {
                live.stop.store(true, Ordering::Relaxed);
                return Err(saksi_core::Error::from(MediaError::Microphone(
                    "the microphone did not open in time".into(),
                ))
                .into());
            }
        };
        *current = Some(Session {
            testimony,
            live,
            thread: Some(thread),
            started: Instant::now(),
            format,
        });
        drop(current);
        Ok(self.status())
    }

    pub fn status(&self) -> RecordingStatus {
        let current = self.current();
        let Some(s) = current.as_ref() else {
            return RecordingStatus {
                recording: false,
                testimony_id: None,
                elapsed_ms: 0,
                level: 0.0,
                full: false,
                max_seconds: MAX_LIVE_SECONDS,
                sample_rate: 0,
                device_error: None,
            };
        };
        let captured = s
            .live
            .buf()
            .as_ref()
            .map(Captured::duration_ms)
            .unwrap_or(0);
        let device_error = s
            .live
            .error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        RecordingStatus {
            recording: true,
            testimony_id: Some(s.testimony.to_string()),
            // The clock, not the samples: a silent or failed device still shows time passing.
            elapsed_ms: captured
                .max(s.started.elapsed().as_millis() as u64)
                .min(MAX_LIVE_SECONDS * 1000),
            level: s.live.level.load(Ordering::Relaxed) as f32 / 32767.0,
            full: s.live.full.load(Ordering::Relaxed),
            max_seconds: MAX_LIVE_SECONDS,
            sample_rate: s.format.sample_rate,
            device_error,
        }
    }

    /// Stops the recording under way and returns its testimony and its sound (still only in
    /// memory). Refused when nothing is being recorded.
    pub fn stop(&self) -> CmdResult<(Uuid, Captured)> {
        let session = self
            .current()
            .take()
            .ok_or_else(|| CmdError::new("recording_none", "nothing is being recorded"))?;
        let (testimony, captured, error) = session.end();
        match captured {
            Some(c) if c.frames() > 0 => Ok((testimony, c)),
            _ => Err(saksi_core::Error::from(MediaError::Microphone(
                error.unwrap_or_else(|| "the microphone gave no sound".into()),
            ))
            .into()),
        }
    }

    /// Ends the recording under way, if any, keeping nothing (Cancel, lock, quit): its sound is
    /// zeroized with the buffer.
    pub fn discard(&self) {
        let session = self.current().take();
        if let Some(s) = session {
            drop(s.end());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saksi_core::evidence;
    use saksi_core::model::{IncidentInput, TestimonyInput};
    use saksi_core::vault::{KdfProfile, Vault};
    use sha2::{Digest, Sha256};

    #[test]
    fn a_recording_from_the_tone_source_lands_with_the_hash_of_its_wav_bytes_and_its_duration() {
        let dir = tempfile::tempdir().unwrap();
        let pass = secrecy::SecretString::from("correct horse battery".to_string());
        let mut v = Vault::create(&dir.path().join("v"), &pass, KdfProfile::Minimum).unwrap();
        let inc = v
            .incidents_mut()
            .add(&IncidentInput {
                title: "recorded".into(),
                ..Default::default()
            })
            .unwrap();
        let t = v
            .testimonies_mut()
            .add(&TestimonyInput {
                incident_id: inc.to_string(),
                body: "told aloud".into(),
                ..Default::default()
            })
            .unwrap();

        let rec = Recorder::default();
        let status = rec.start(t, Source::Tone).unwrap();
        assert!(status.recording);
        assert_eq!(status.sample_rate, TestTone::SAMPLE_RATE);
        assert_eq!(
            rec.start(t, Source::Tone).unwrap_err().kind,
            "recording_busy",
            "one recording at a time"
        );
        std::thread::sleep(Duration::from_millis(1200));
        let during = rec.status();
        assert!(during.elapsed_ms >= 1000, "{during:?}");
        assert!(
            (0.45..=0.55).contains(&during.level),
            "the tone is at half scale: {during:?}"
        );
        let (tid, mut captured) = rec.stop().unwrap();
        assert_eq!(tid, t);
        assert!(!rec.status().recording);
        let frames = captured.frames();
        assert!(frames >= 16_000, "at least a second was captured: {frames}");

        let got = evidence::record_testimony(&mut v, &t, &mut captured, &mut ()).unwrap();
        // The expected WAV, built here from the tone's definition: header, then samples 0..n.
        let mut pcm = Vec::new();
        for i in 0..frames {
            pcm.extend_from_slice(&TestTone::sample(i).to_le_bytes());
        }
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes());
        wav.extend_from_slice(&1u16.to_le_bytes());
        wav.extend_from_slice(&16_000u32.to_le_bytes());
        wav.extend_from_slice(&32_000u32.to_le_bytes());
        wav.extend_from_slice(&2u16.to_le_bytes());
        wav.extend_from_slice(&16u16.to_le_bytes());
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
        wav.extend_from_slice(&pcm);
        let a = &got.attachment;
        assert_eq!(
            a.sha256,
            hex::encode(Sha256::digest(&wav)),
            "the hash at intake is the SHA-256 of the WAV bytes a player reads"
        );
        assert_eq!(a.size, wav.len() as u64);
        assert_eq!(a.record_id, t.to_string());
        assert_eq!(
            a.media.as_ref().and_then(|m| m.duration_ms),
            Some(frames * 1000 / 16_000),
            "the duration read back from the stored file is what was captured"
        );
        assert_eq!(
            rec.stop().unwrap_err().kind,
            "recording_none",
            "Stop with nothing under way is its own error"
        );
    }

    #[test]
    fn a_discarded_recording_keeps_nothing_and_frees_the_recorder() {
        let rec = Recorder::default();
        rec.start(Uuid::nil(), Source::Tone).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        rec.discard();
        assert!(!rec.status().recording);
        assert_eq!(rec.stop().unwrap_err().kind, "recording_none");
        rec.start(Uuid::nil(), Source::Tone).unwrap();
        rec.discard();
    }

    #[test]
    fn the_device_source_opens_or_says_why_in_its_own_error_kind() {
        // A machine with a microphone records; one without (CI) must give the microphone's
        // own error kinds, translated in the UI, and leave the recorder free.
        let rec = Recorder::default();
        match rec.start(Uuid::nil(), Source::Device) {
            Ok(status) => {
                assert!(status.recording && status.sample_rate > 0);
                rec.discard();
            }
            Err(e) => assert!(
                ["microphone_missing", "microphone_failed"].contains(&e.kind),
                "{}: {}",
                e.kind,
                e.message
            ),
        }
        assert!(!rec.status().recording);
    }

    #[test]
    fn the_tone_is_only_for_debug_builds_asked_for_by_name() {
        // This test binary is a debug build, so the variable is honoured here; release builds
        // compile `cfg!(debug_assertions)` to false and always use the device.
        std::env::set_var("SAKSI_TEST_MICROPHONE", "yes");
        assert_eq!(Source::from_env(), Source::Device);
        std::env::set_var("SAKSI_TEST_MICROPHONE", "tone");
        let expected = if cfg!(debug_assertions) {
            Source::Tone
        } else {
            Source::Device
        };
        assert_eq!(Source::from_env(), expected);
        std::env::remove_var("SAKSI_TEST_MICROPHONE");
        assert_eq!(Source::from_env(), Source::Device);
    }
}
