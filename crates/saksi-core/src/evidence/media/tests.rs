//! Audio and video: the fixtures in tests/data/media read as what they are (made once with
//! ffmpeg, never at test time), the `fail_*` ones refused with the media error, the header limits
//! checked before anything is read, and recordings from the test tone stored encrypted with the
//! right hash and length.

use std::io::Cursor;
use std::ops::ControlFlow;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::record::{wav_header, CaptureSource, Captured, PcmFormat, TestTone, MAX_LIVE_SECONDS};
use super::*;
use crate::custody;
use crate::evidence;
use crate::model::RecordType;
use crate::testutil;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/media")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn probe_bytes(bytes: Vec<u8>, media_type: &str) -> Result<MediaInfo, MediaError> {
    let size = bytes.len() as u64;
    probe(Cursor::new(bytes), media_type, size)
}

struct Want {
    file: &'static str,
    media_type: &'static str,
    kind: MediaKind,
    container: &'static str,
    /// Milliseconds, within `slack`.
    duration_ms: u64,
    slack: u64,
    audio: Option<(&'static str, Option<u32>, Option<u32>)>,
    video: Option<(&'static str, u32, u32)>,
    waveform: bool,
}

#[test]
fn every_fixture_reads_as_what_it_is() {
    let table = [
        Want {
            file: "tone.wav",
            media_type: "audio/x-wav",
            kind: MediaKind::Audio,
            container: "wav",
            duration_ms: 1000,
            slack: 0,
            audio: Some(("PCM (s16le)", Some(8000), Some(1))),
            video: None,
            waveform: true,
        },
        Want {
            file: "tone.mp3",
            media_type: "audio/mpeg",
            kind: MediaKind::Audio,
            container: "mp3",
            duration_ms: 2000,
            slack: 120,
            audio: Some(("MP3", Some(8000), Some(1))),
            video: None,
            waveform: true,
        },
        Want {
            file: "tone.ogg",
            media_type: "audio/ogg",
            kind: MediaKind::Audio,
            container: "ogg",
            duration_ms: 2000,
            slack: 50,
            audio: Some(("Vorbis", Some(8000), Some(1))),
            video: None,
            waveform: true,
        },
        Want {
            file: "tone.flac",
            media_type: "audio/x-flac",
            kind: MediaKind::Audio,
            container: "flac",
            duration_ms: 1000,
            slack: 0,
            audio: Some(("FLAC", Some(8000), Some(1))),
            video: None,
            waveform: true,
        },
        Want {
            file: "clip.mp4",
            media_type: "video/mp4",
            kind: MediaKind::Video,
            container: "mp4",
            duration_ms: 1000,
            slack: 150,
            audio: Some(("AAC", Some(8000), Some(1))),
            video: Some(("H.264", 64, 48)),
            waveform: false,
        },
        Want {
            file: "clip.webm",
            media_type: "video/webm",
            kind: MediaKind::Video,
            container: "webm",
            duration_ms: 1000,
            slack: 50,
            audio: Some(("Opus", Some(48000), Some(1))),
            video: Some(("VP8", 64, 48)),
            waveform: false,
        },
    ];
    for w in table {
        let info = probe_bytes(fixture(w.file), w.media_type)
            .unwrap_or_else(|e| panic!("{} must be read: {e}", w.file));
        assert_eq!(info.kind, w.kind, "{}: kind", w.file);
        assert_eq!(info.container, w.container, "{}: container", w.file);
        let d = info
            .duration_ms
            .unwrap_or_else(|| panic!("{}: the duration must be read", w.file));
        assert!(
            d.abs_diff(w.duration_ms) <= w.slack,
            "{}: duration {d} ms, expected {} ± {}",
            w.file,
            w.duration_ms,
            w.slack
        );
        let audio = info
            .audio
            .as_ref()
            .map(|a| (a.codec.as_str(), a.sample_rate, a.channels));
        assert_eq!(audio, w.audio, "{}: sound", w.file);
        let video = info.video.as_ref().map(|v| {
            (
                v.codec.as_str(),
                v.width.unwrap_or(0),
                v.height.unwrap_or(0),
            )
        });
        assert_eq!(video, w.video, "{}: picture", w.file);
        assert_eq!(info.waveform.is_some(), w.waveform, "{}: waveform", w.file);
        if let Some(wave) = &info.waveform {
            assert_eq!(wave.len(), WAVEFORM_PEAKS, "{}: waveform length", w.file);
            // ffmpeg's sine is at an eighth of full scale (about 32 of 255), all along.
            assert!(
                wave.iter().filter(|&&p| p > 10).count() > WAVEFORM_PEAKS * 9 / 10,
                "{}: a continuous tone has a peak in nearly every slot: {wave:?}",
                w.file
            );
        }
    }
}

#[test]
fn damaged_media_is_a_media_error() {
    for (file, media_type) in [
        ("fail_truncated.mp4", "video/mp4"),
        ("fail_no_channels.wav", "audio/x-wav"),
    ] {
        match probe_bytes(fixture(file), media_type) {
            Err(e @ MediaError::Corrupt(_)) => assert_eq!(e.kind(), "media_corrupt"),
            other => panic!("{file} must be refused as damaged, got {other:?}"),
        }
    }
    // A WebM cut before its track list, and bytes that are no container at all.
    let webm = fixture("clip.webm");
    assert!(matches!(
        probe_bytes(webm[..40].to_vec(), "video/webm"),
        Err(MediaError::Corrupt(_))
    ));
    for t in ["video/mp4", "video/webm", "audio/mpeg", "audio/x-wav"] {
        assert!(
            matches!(
                probe_bytes(vec![0x55; 3000], t),
                Err(MediaError::Corrupt(_))
            ),
            "noise claimed to be {t} is damaged media"
        );
    }
}

#[test]
fn a_huge_movie_header_is_refused_before_it_is_read() {
    // ftyp, then a moov box declaring 64 MiB: the file is "that long" but nothing past the
    // header exists, so reading it would fail; the limit must refuse it first.
    let mut b = Vec::new();
    b.extend_from_slice(&16u32.to_be_bytes());
    b.extend_from_slice(b"ftypisom\0\0\0\0");
    b.extend_from_slice(&((64u32 << 20) + 8).to_be_bytes());
    b.extend_from_slice(b"moov");
    let declared = 16 + (64u64 << 20) + 8;
    match probe(Cursor::new(b), "video/mp4", declared) {
        Err(e @ MediaError::TooLarge(_)) => assert_eq!(e.kind(), "media_too_large"),
        other => panic!("a 64 MiB movie header must be refused, got {other:?}"),
    }
    // The same for a WebM track list.
    let mut w = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80]; // EBML header, empty
    w.extend_from_slice(&[
        0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    ]);
    w.extend_from_slice(&[0x16, 0x54, 0xAE, 0x6B, 0x14, 0, 0, 0]); // Tracks, 64 MiB
    match probe(Cursor::new(w), "video/webm", 1 << 30) {
        Err(MediaError::TooLarge(_)) => {}
        other => panic!("a 64 MiB track list must be refused, got {other:?}"),
    }
}

#[test]
fn peaks_reduce_to_two_hundred_and_keep_the_loudest() {
    let mut blocks = vec![0.0f32; 1000];
    blocks[503] = 1.0;
    let w = reduce_peaks(&blocks).unwrap();
    assert_eq!(w.len(), WAVEFORM_PEAKS);
    assert_eq!(w[100], 255, "the one loud block lands in its slot");
    assert_eq!(w.iter().filter(|&&p| p > 0).count(), 1);
    let few = reduce_peaks(&[0.5, 1.0]).unwrap();
    assert_eq!(
        few.len(),
        WAVEFORM_PEAKS,
        "short sounds still give 200 peaks"
    );
    assert_eq!(reduce_peaks(&[]), None);
}

/// The bytes of a WAV file of `seconds` of the test tone, made independently of the recorder.
fn tone_wav(seconds: u32) -> Vec<u8> {
    let n = u64::from(seconds) * u64::from(TestTone::SAMPLE_RATE);
    let mut pcm = Vec::new();
    for i in 0..n {
        pcm.extend_from_slice(&TestTone::sample(i).to_le_bytes());
    }
    let fmt = PcmFormat {
        sample_rate: TestTone::SAMPLE_RATE,
        channels: 1,
    };
    let mut wav = wav_header(fmt, pcm.len() as u32).to_vec();
    wav.extend_from_slice(&pcm);
    wav
}

fn testimony(v: &mut crate::vault::Vault) -> uuid::Uuid {
    let inc = testutil::incident(v, "recorded");
    v.testimonies_mut()
        .add(&crate::model::TestimonyInput {
            incident_id: inc.to_string(),
            body: "told aloud".into(),
            ..Default::default()
        })
        .unwrap()
}

fn contains(hay: &[u8], pat: &[u8]) -> bool {
    hay.windows(pat.len()).any(|w| w == pat)
}

#[test]
fn a_recording_lands_encrypted_with_its_hash_duration_and_custody() {
    let (dir, mut v) = testutil::vault();
    let t = testimony(&mut v);
    let mut tone = TestTone::new(3);
    let got = evidence::record_testimony(&mut v, &t, &mut tone, &mut ()).unwrap();
    let a = &got.attachment;
    let expected = tone_wav(3);
    assert_eq!(
        a.sha256,
        hex::encode(Sha256::digest(&expected)),
        "the hash recorded is the SHA-256 of the WAV file as a player reads it"
    );
    assert_eq!(a.size, expected.len() as u64);
    assert_eq!(a.media_type, "audio/x-wav");
    assert_eq!(a.record_type, "testimony");
    assert_eq!(a.record_id, t.to_string());
    assert!(a.original_name.starts_with("recording-") && a.original_name.ends_with(".wav"));
    let m = a
        .media
        .as_ref()
        .expect("a recording is probed like any audio");
    assert_eq!(m.duration_ms, Some(3000));
    assert_eq!(
        m.audio.as_ref().map(|a| (a.sample_rate, a.channels)),
        Some((Some(16_000), Some(1)))
    );
    assert_eq!(m.waveform.as_ref().map(Vec::len), Some(WAVEFORM_PEAKS));
    // Custody: one intake entry with the hash, noting that it was recorded here.
    let entries = custody::entries_for(&v, &a.id).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "intake");
    assert_eq!(entries[0].content_hash.as_deref(), Some(a.sha256.as_str()));
    assert!(
        entries[0]
            .details
            .as_deref()
            .is_some_and(|d| d.contains("\"origin\":\"recording\"")),
        "the custody entry says the sound was recorded in the vault"
    );
    // The original reads back exactly.
    let mut back = Vec::new();
    std::io::Read::read_to_end(
        &mut evidence::open_original(&v, &a.id.parse().unwrap()).unwrap(),
        &mut back,
    )
    .unwrap();
    assert_eq!(back, expected);
    // Only the final blob is left, and no file in the vault holds the tone's samples.
    let files: Vec<_> = std::fs::read_dir(v.attachments_dir()).unwrap().collect();
    assert_eq!(
        files.len(),
        1,
        "the scratch blob is removed after the intake"
    );
    let canary = &expected[44 + 2000..44 + 2064];
    for (path, _) in testutil::tree_hash(dir.path()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !contains(&bytes, canary),
            "{} holds plaintext audio",
            path.display()
        );
    }
    drop(v);
}

#[test]
fn a_live_recording_held_in_memory_lands_with_its_hash_and_duration() {
    // The desktop's path: samples arrive in uneven pieces (as a sound card delivers them), are
    // held in memory, and go into the vault in one intake at Stop.
    let (_dir, mut v) = testutil::vault();
    let t = testimony(&mut v);
    let fmt = PcmFormat {
        sample_rate: TestTone::SAMPLE_RATE,
        channels: 1,
    };
    let mut live = Captured::new(fmt).unwrap();
    let total = 2 * u64::from(TestTone::SAMPLE_RATE) + 4_000;
    let mut i = 0u64;
    for piece in [1usize, 441, 16_000, 7, 13_000].iter().cycle() {
        if i == total {
            break;
        }
        let n = (*piece as u64).min(total - i);
        let samples: Vec<i16> = (i..i + n).map(TestTone::sample).collect();
        assert!(
            live.push(&samples),
            "far below the limit, every sample is kept"
        );
        i += n;
    }
    assert_eq!(live.frames(), total);
    assert_eq!(live.duration_ms(), 2_250);
    let got = evidence::record_testimony(&mut v, &t, &mut live, &mut ()).unwrap();
    let mut pcm = Vec::new();
    for i in 0..total {
        pcm.extend_from_slice(&TestTone::sample(i).to_le_bytes());
    }
    let mut expected = wav_header(fmt, pcm.len() as u32).to_vec();
    expected.extend_from_slice(&pcm);
    assert_eq!(
        got.attachment.sha256,
        hex::encode(Sha256::digest(&expected)),
        "the recorded hash is the SHA-256 of the WAV file, samples in the order captured"
    );
    assert_eq!(
        got.attachment.media.as_ref().and_then(|m| m.duration_ms),
        Some(2_250)
    );
}

#[test]
fn a_live_recording_stops_taking_sound_at_its_limit() {
    let fmt = PcmFormat {
        sample_rate: 8_000,
        channels: 2,
    };
    let mut live = Captured::new(fmt).unwrap();
    let second = vec![1i16; 8_000 * 2];
    for _ in 1..MAX_LIVE_SECONDS {
        assert!(live.push(&second));
    }
    assert!(
        !live.push(&[1i16; 8_000 * 2 + 6]),
        "the last second fills the recording to its limit"
    );
    assert_eq!(
        live.duration_ms(),
        MAX_LIVE_SECONDS * 1000,
        "nothing past the limit is kept"
    );
    assert!(!live.push(&[2, 2]));
    assert_eq!(live.frames(), MAX_LIVE_SECONDS * 8_000);
    assert!(
        Captured::new(PcmFormat {
            sample_rate: 8_000,
            channels: 0
        })
        .is_err(),
        "a format Saksi does not record is refused before capturing"
    );
}

struct Stop(u64);
impl crate::progress::Progress for Stop {
    fn update(&mut self, done: u64, _total: Option<u64>) -> ControlFlow<()> {
        if done > self.0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

#[test]
fn a_cancelled_or_failed_recording_stores_nothing() {
    let (_dir, mut v) = testutil::vault();
    let t = testimony(&mut v);
    let mut tone = TestTone::new(5);
    let e = evidence::record_testimony(&mut v, &t, &mut tone, &mut Stop(50_000)).unwrap_err();
    assert_eq!(e.kind(), "cancelled");

    struct Broken;
    impl CaptureSource for Broken {
        fn format(&self) -> PcmFormat {
            PcmFormat {
                sample_rate: 16_000,
                channels: 1,
            }
        }
        fn read(&mut self, buf: &mut [i16]) -> Result<usize, MediaError> {
            if buf.is_empty() {
                return Ok(0);
            }
            Err(MediaError::Capture("the microphone was unplugged".into()))
        }
    }
    let e = evidence::record_testimony(&mut v, &t, &mut Broken, &mut ()).unwrap_err();
    assert_eq!(e.kind(), "media_capture", "{e}");

    struct Silent;
    impl CaptureSource for Silent {
        fn format(&self) -> PcmFormat {
            PcmFormat {
                sample_rate: 16_000,
                channels: 1,
            }
        }
        fn read(&mut self, _: &mut [i16]) -> Result<usize, MediaError> {
            Ok(0)
        }
    }
    let e = evidence::record_testimony(&mut v, &t, &mut Silent, &mut ()).unwrap_err();
    assert_eq!(
        e.kind(),
        "media_capture",
        "an empty recording is refused: {e}"
    );

    struct Weird;
    impl CaptureSource for Weird {
        fn format(&self) -> PcmFormat {
            PcmFormat {
                sample_rate: 16_000,
                channels: 0,
            }
        }
        fn read(&mut self, _: &mut [i16]) -> Result<usize, MediaError> {
            panic!("a source with no channels must be refused before it is read")
        }
    }
    let e = evidence::record_testimony(&mut v, &t, &mut Weird, &mut ()).unwrap_err();
    assert_eq!(e.kind(), "media_capture");

    // Not a testimony: refused before capturing.
    let inc = testutil::incident(&mut v, "other");
    let e = evidence::record_testimony(&mut v, &inc, &mut TestTone::new(1), &mut ()).unwrap_err();
    assert_eq!(e.kind(), "not_found");

    assert!(
        evidence::list(&v, None).unwrap().is_empty(),
        "nothing was stored"
    );
    assert_eq!(
        std::fs::read_dir(v.attachments_dir()).unwrap().count(),
        0,
        "no scratch or final blob is left behind"
    );
}

#[test]
fn intake_reads_audio_and_video_and_keeps_a_damaged_one_with_a_warning() {
    let (_dir, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "filmed");
    for (file, kind) in [
        ("clip.mp4", MediaKind::Video),
        ("tone.ogg", MediaKind::Audio),
    ] {
        let got = evidence::intake_reader(
            &mut v,
            RecordType::Incident,
            &inc,
            file,
            Cursor::new(fixture(file)),
        )
        .unwrap();
        assert!(got.warning.is_none(), "{file}: {:?}", got.warning);
        let m = got.attachment.media.expect("stored with what it is");
        assert_eq!(m.kind, kind);
        // And read back from the row.
        let again = evidence::get(&v, &got.attachment.id.parse().unwrap()).unwrap();
        assert_eq!(again.media.map(|m| m.duration_ms), Some(m.duration_ms));
    }
    let broken = fixture("fail_truncated.mp4");
    let got = evidence::intake_reader(
        &mut v,
        RecordType::Incident,
        &inc,
        "cut.mp4",
        Cursor::new(broken.clone()),
    )
    .unwrap();
    assert!(got.attachment.media.is_none());
    assert!(
        got.warning
            .as_deref()
            .is_some_and(|w| w.contains("damaged or truncated")),
        "a damaged video is stored, with a warning that says so: {:?}",
        got.warning
    );
    assert_eq!(got.attachment.sha256, hex::encode(Sha256::digest(&broken)));
    assert_eq!(evidence::list(&v, None).unwrap().len(), 3);
}

#[test]
fn ranges_decrypt_only_what_is_asked_and_log_playback_once() {
    let (_dir, mut v) = testutil::vault();
    let inc = testutil::incident(&mut v, "r");
    // Larger than one age chunk, so a range can start in the second.
    let wav = tone_wav(5);
    let a = evidence::intake_reader(
        &mut v,
        RecordType::Incident,
        &inc,
        "t.wav",
        Cursor::new(wav.clone()),
    )
    .unwrap()
    .attachment;
    let id: uuid::Uuid = a.id.parse().unwrap();
    let (_, bytes) = evidence::read_range(&mut v, &id, 70_000, 1000).unwrap();
    assert_eq!(&bytes[..], &wav[70_000..71_000]);
    let (_, tail) = evidence::read_range(&mut v, &id, wav.len() as u64 - 10, 1000).unwrap();
    assert_eq!(
        &tail[..],
        &wav[wav.len() - 10..],
        "a range is cut at the end"
    );
    let views = |v: &crate::vault::Vault| {
        custody::entries_for(v, &a.id)
            .unwrap()
            .iter()
            .filter(|e| e.action == "view")
            .count()
    };
    assert_eq!(views(&v), 0, "ranges inside the file are not each logged");
    let (_, head) = evidence::read_range(&mut v, &id, 0, 44).unwrap();
    assert_eq!(&head[..], &wav[..44]);
    assert_eq!(views(&v), 1, "playback from the start is logged as a view");
    let e = evidence::read_range(&mut v, &id, wav.len() as u64, 1).unwrap_err();
    assert_eq!(e.kind(), "invalid_input");
}
