//! SHA-256 as lowercase hex, the one form every hash takes in the vault, custody log and bundles.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex_digest(Sha256::new_with_prefix(bytes))
}

/// Finishes a streaming SHA-256 as lowercase hex.
pub(crate) fn hex_digest(hasher: Sha256) -> String {
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_hex_is_the_standard_lowercase_digest() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sha256_hex must be the FIPS 180-2 test vector in lowercase hex"
        );
    }
}
