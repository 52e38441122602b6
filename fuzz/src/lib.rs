//! What the fuzz targets share: the monitor and HQ vaults made once by `fuzz-setup` (in
//! `fuzz/work/`), opened again by each target before AFL's fork server starts, and the rule every
//! target checks: an input is refused with a clear, specific error kind, never a generic one,
//! and never a panic (AFL records a panic or an abort as a crash).

use std::path::{Path, PathBuf};

use saksi_core::vault::Vault;
use saksi_core::SecretString;

/// The passphrase of the two fuzzing vaults (they hold nothing but the test world).
pub fn pass() -> SecretString {
    SecretString::from("fuzzing vault passphrase".to_string())
}

/// `fuzz/work/`, or `$SAKSI_FUZZ_WORK`.
pub fn work() -> PathBuf {
    std::env::var_os("SAKSI_FUZZ_WORK")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("work"))
}

/// Opens a private copy of one of the two vaults made by `fuzz-setup` (`mon` or `hq`). A vault
/// is opened exclusively, and afl-fuzz starts two copies of each target (the plain one and its
/// CmpLog twin): each process works on `work/copies/<name>-<pid>`.
pub fn open(name: &str) -> Vault {
    let made = work().join(name);
    let dir = work()
        .join("copies")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = copy_dir(&made, &dir) {
        panic!("run fuzz-setup first ({}: {e})", made.display());
    }
    match Vault::open(&dir, &pass()) {
        Ok(v) => v,
        Err(e) => panic!("run fuzz-setup first ({}: {e})", dir.display()),
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Error kinds that say nothing specific about the input: a refusal with one of them is a
/// finding (a database, I/O or internal error where the input should have been named).
pub const UNCLEAR_KINDS: &[&str] = &["internal", "io", "database", "crypto", "migration"];

/// Panics (a crash for AFL) if `kind` is not a clear refusal.
pub fn assert_clear(kind: &str, message: &str) {
    assert!(
        !UNCLEAR_KINDS.contains(&kind),
        "hostile input refused with the unclear error kind {kind}: {message}"
    );
}

/// Encrypts `plain` to `to` as a bundle or receipt file.
pub fn encrypt(plain: &[u8], to: &age::x25519::Recipient) -> Vec<u8> {
    use std::io::Write;
    let enc = age::Encryptor::with_recipients(std::iter::once(to as &dyn age::Recipient))
        .expect("one recipient");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("in memory");
    w.write_all(plain).expect("in memory");
    w.finish().expect("in memory");
    out
}
