//! The audio and video readers (MP4 and Matroska/WebM header walkers, symphonia's WAV, MP3,
//! Ogg and FLAC), whatever the sniffed type: the first byte picks the type, the rest is the file.
use saksi_core::evidence::media;

const TYPES: &[&str] = &[
    "video/mp4",
    "audio/mp4",
    "video/webm",
    "audio/x-wav",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-flac",
];

fn main() {
    afl::fuzz(true, |data: &[u8]| {
        let Some((pick, file)) = data.split_first() else {
            return;
        };
        let media_type = TYPES[usize::from(*pick) % TYPES.len()];
        let r = std::io::Cursor::new(file.to_vec());
        // Every MediaError is specific; a panic or an unbounded allocation is the finding.
        let _ = media::probe(r, media_type, file.len() as u64);
    });
}
