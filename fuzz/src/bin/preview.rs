//! Intake's reading of a file: the media type sniffed, then EXIF and a thumbnail within the
//! decoding limits for images, the container header and waveform for audio and video.
fn main() {
    afl::fuzz(true, |data: &[u8]| {
        if let Err(e) = saksi_core::evidence::preview_bytes(data) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
