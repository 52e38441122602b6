//! A bundle file as it arrives on a USB stick, imported at HQ: the size cap, the age header's
//! framing, decryption, the archive and everything pass 1 checks. HQ already holds the seed
//! bundle, so a refused or repeated import writes nothing to its database.
use std::panic::AssertUnwindSafe;

fn main() {
    let mut hq = AssertUnwindSafe(saksi_fuzz::open("hq"));
    let file = saksi_fuzz::work().join(format!("in-{}.saksi", std::process::id()));
    afl::fuzz(true, move |data: &[u8]| {
        std::fs::write(&file, data).expect("the work folder is writable");
        if let Err(e) = saksi_core::bundle::import(&mut hq, &file, None) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
