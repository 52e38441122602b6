//! The decrypted stream of a bundle (or a receipt, if its first entry says so): the input is the
//! tar archive, encrypted here to HQ's key so that the age layer passes and the archive reader,
//! the entry grammar, the manifest, its signature and the limits are what is fuzzed.
use std::panic::AssertUnwindSafe;

fn main() {
    let mut hq = AssertUnwindSafe(saksi_fuzz::open("hq"));
    let to = saksi_core::bundle::keys::hq_identity(&hq)
        .expect("HQ's key")
        .expect("fuzz-setup made HQ's bundle key")
        .to_public();
    let file = saksi_fuzz::work().join(format!("in-{}.saksi", std::process::id()));
    afl::fuzz(true, move |data: &[u8]| {
        std::fs::write(&file, saksi_fuzz::encrypt(data, &to)).expect("writable");
        if let Err(e) = saksi_core::bundle::import(&mut hq, &file, None) {
            saksi_fuzz::assert_clear(e.kind(), &e.to_string());
        }
    });
}
