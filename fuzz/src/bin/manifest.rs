//! The bundle manifest's JSON (`Manifest::parse`, format and version first, then strictly).
use saksi_core::bundle::manifest::Manifest;

fn main() {
    afl::fuzz(true, |data: &[u8]| {
        if let Err(e) = Manifest::parse(data) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
