//! A bundle's record JSON, checked against HQ's schema as pass 1 of an import does. The input is
//! the entry name, a newline, and the file's bytes.
use std::panic::AssertUnwindSafe;

fn main() {
    let hq = AssertUnwindSafe(saksi_fuzz::open("hq"));
    afl::fuzz(true, move |data: &[u8]| {
        let at = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
        let path = String::from_utf8_lossy(&data[..at]);
        let json = data.get(at + 1..).unwrap_or_default();
        if let Err(e) = saksi_core::bundle::import::check_record_file(&hq, &path, json) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
