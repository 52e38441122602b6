//! Test support for the memory-forensics e2e test (`tests/e2e/memory.test.mjs`), compiled only
//! with the `forensics` feature, which neither the desktop app nor the CLI enables: the keys that
//! a core dump of the running app must not hold after lock, unwrapped from the key file alone
//! (the app keeps the vault's exclusive lock, so the database is not opened here).

use std::path::Path;

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::keyfile::{self, Parsed};
use super::KEY_FILE;
use crate::error::Result;

/// The vault's master key and the subkeys derived from it that the unlocked app holds, each as
/// (name, raw 32 bytes). Reads only `dir/vault.key`.
pub fn keys(
    dir: &Path,
    passphrase: &SecretString,
) -> Result<Vec<(&'static str, Zeroizing<[u8; 32]>)>> {
    let parsed = Parsed::from_bytes(&keyfile::read_bytes(&dir.join(KEY_FILE))?)?;
    let (master, _, _) = parsed.open(passphrase)?;
    let m = master.expose();
    Ok(vec![
        ("master key", Zeroizing::new(*m)),
        (
            "SQLCipher key",
            crate::crypto::kdf::subkey(m, "sqlcipher-raw-key"),
        ),
        (
            "blob-name key",
            crate::crypto::kdf::subkey(m, "attachment blob names"),
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn forensic_keys_are_the_vaults_own() {
        let (_tmp, v) = crate::testutil::vault();
        let keys = super::keys(v.dir(), &crate::testutil::pass()).unwrap();
        assert_eq!(
            keys[1].1.as_ref(),
            v.subkey("sqlcipher-raw-key").as_ref(),
            "the helper must derive the same SQLCipher key the vault uses, or the dump search proves nothing"
        );
        assert!(
            super::keys(v.dir(), &secrecy::SecretString::from("not the passphrase")).is_err(),
            "a wrong passphrase unwraps nothing"
        );
    }
}
