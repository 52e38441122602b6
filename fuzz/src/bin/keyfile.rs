//! The key file parser (`vault.key`, formats 1 and 2): any bytes are a clear refusal, or a key
//! file whose bytes are exactly the input again.
use saksi_core::vault::keyfile::KeyFile;

fn main() {
    afl::fuzz(true, |data: &[u8]| match KeyFile::from_bytes(data) {
        Ok(k) => assert_eq!(k.to_bytes(), data, "a parsed key file writes back its own bytes"),
        Err(e) => saksi_fuzz::assert_clear(e.kind(), &e.to_string()),
    });
}
