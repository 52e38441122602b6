//! A receipt file from HQ as the monitor imports it (the same outer reader as a bundle, then the
//! receipt's archive). The monitor already holds the seed receipt.
use std::panic::AssertUnwindSafe;

fn main() {
    let mut mon = AssertUnwindSafe(saksi_fuzz::open("mon"));
    let file = saksi_fuzz::work().join(format!("in-{}.saksi", std::process::id()));
    afl::fuzz(true, move |data: &[u8]| {
        std::fs::write(&file, data).expect("writable");
        if let Err(e) = saksi_core::bundle::import(&mut mon, &file, None) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
