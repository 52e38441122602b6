//! Voice and video evidence (issue 13) through the CLI: audio and video attach and `evidence
//! show` prints their duration and codecs; `testimony record --test-tone` stores an encrypted
//! WAV with the right hash and duration, and the tone's samples appear in no file under the
//! vault, HOME or TMPDIR (invariant 1).

use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::util::{contains_bytes, files_under, TestVault};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/media")
        .join(name)
}

fn testimony(v: &TestVault) -> String {
    let inc = v.add(
        "incident",
        &json!({"title": "recorded", "kinds": ["other"]}),
    );
    v.add(
        "testimony",
        &json!({"incident_id": inc, "body": "told aloud"}),
    )
}

/// The test tone's sample `i` (16 kHz, 440 Hz, amplitude 16,000), as the core makes it.
fn tone_sample(i: u64) -> i16 {
    let t = i as f64 / 16_000.0;
    ((2.0 * std::f64::consts::PI * 440.0 * t).sin() * 16_000.0).round() as i16
}

fn tone_wav(seconds: u64) -> Vec<u8> {
    let mut pcm = Vec::new();
    for i in 0..seconds * 16_000 {
        pcm.extend_from_slice(&tone_sample(i).to_le_bytes());
    }
    let n = pcm.len() as u32;
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + n).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&16_000u32.to_le_bytes());
    w.extend_from_slice(&32_000u32.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&n.to_le_bytes());
    w.extend_from_slice(&pcm);
    w
}

#[test]
fn audio_and_video_attach_and_show_their_duration_and_codecs() {
    let v = TestVault::new();
    let inc = v.add("incident", &json!({"title": "filmed", "kinds": ["other"]}));
    for (file, duration, codec_line) in [
        (
            "tone.wav",
            "duration 0:01.000",
            "audio PCM (s16le) 8000 Hz 1 ch",
        ),
        ("tone.mp3", "duration 0:0", "audio MP3 8000 Hz 1 ch"),
        ("clip.mp4", "duration 0:01.0", "video H.264 64x48"),
        ("clip.webm", "duration 0:01.0", "video VP8 64x48"),
    ] {
        let path = fixture(file);
        let att = v.json(&["attach", &inc, path.to_str().unwrap(), "--json"]);
        let id = att[0]["id"].as_str().unwrap().to_string();
        assert!(att[0]["warning"].is_null(), "{file}: {}", att[0]["warning"]);
        let shown = v.ok(&["evidence", "show", &id]);
        assert!(
            shown.contains(duration) && shown.contains(codec_line),
            "`evidence show` of {file} must print its duration ({duration}) and codec \
             ({codec_line}):\n{shown}"
        );
        let j = v.json(&["evidence", "show", &id, "--json"]);
        assert!(
            j["media"]["duration_ms"].as_u64().is_some(),
            "{file}: the JSON carries the duration"
        );
    }
    // A damaged video is still stored, with a warning naming the damage.
    let cut = fixture("fail_truncated.mp4");
    let att = v.json(&["attach", &inc, cut.to_str().unwrap(), "--json"]);
    assert!(
        att[0]["warning"]
            .as_str()
            .is_some_and(|w| w.contains("damaged or truncated")),
        "{}",
        att[0]
    );
}

#[test]
fn a_test_tone_recording_is_stored_encrypted_with_its_hash_and_no_plaintext_anywhere() {
    let v = TestVault::new();
    let t = testimony(&v);
    let got = v.json(&["testimony", "record", &t, "--test-tone", "3", "--json"]);
    let expected = tone_wav(3);
    assert_eq!(
        got["sha256"].as_str(),
        Some(hex::encode(Sha256::digest(&expected)).as_str()),
        "the hash recorded at intake is the WAV file's"
    );
    assert_eq!(got["media"]["duration_ms"].as_u64(), Some(3000));
    assert_eq!(got["record_id"].as_str(), Some(t.as_str()));
    let id = got["id"].as_str().unwrap();
    let shown = v.ok(&["evidence", "show", id]);
    assert!(shown.contains("duration 0:03.000"), "{shown}");
    assert!(shown.contains(" intake "), "custody intake entry: {shown}");

    // The human line: id, hash, duration, name.
    let line = v.ok(&["testimony", "record", &t, "--test-tone", "1"]);
    assert!(line.contains("  0:01.000  recording-"), "{line}");

    // Canary: 64 bytes of the tone's samples (a pattern that repeats nowhere else) in no file
    // under the test's folder: the vault, HOME and TMPDIR.
    let canaries = [
        &expected[44 + 4000..44 + 4064],
        &expected[44 + 30_000..44 + 30_064],
    ];
    let files = files_under(v.root());
    assert!(files.len() > 3, "the scan sees the vault's files");
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for c in canaries {
            assert!(
                !contains_bytes(&bytes, c),
                "{} holds plaintext audio of the recording",
                f.display()
            );
        }
    }
    // The tone really is what the vault holds: extracted (a plaintext copy the user asked for),
    // it is byte for byte the WAV file.
    let out = v.tmp().join("out.wav");
    v.ok(&["evidence", "extract", id, "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), expected);
}

#[test]
fn recording_refuses_bad_arguments_and_stores_nothing() {
    let v = TestVault::new();
    let t = testimony(&v);
    v.run(&["testimony", "record", &t, "--test-tone", "0"])
        .expect_error("1 to 14400 seconds");
    let inc = v.add("incident", &json!({"title": "x", "kinds": ["other"]}));
    v.run(&["testimony", "record", &inc, "--test-tone", "1"])
        .expect_error("not found");
    let list = v.json(&["evidence", "list", "--json"]);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "nothing was stored");
}
