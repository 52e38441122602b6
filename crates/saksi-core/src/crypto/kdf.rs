//! Key derivation: Argon2id from a passphrase (the key-encryption key) and HKDF-SHA256 subkeys
//! from the master key. Every output is a zeroizing 32-byte key.

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Argon2id (version 0x13) of `passphrase` under `salt`: `memory_kib` KiB, `passes` passes,
/// `lanes` lanes, 32 bytes out. The caller range-checks the parameters first.
pub(crate) fn argon2id(
    passphrase: &[u8],
    salt: &[u8; 32],
    memory_kib: u32,
    passes: u32,
    lanes: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(memory_kib, passes, lanes, Some(32))
        .map_err(|_| Error::BadKeyFile("invalid key derivation parameters"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, out.as_mut())
        .map_err(|_| Error::Crypto("key derivation failed"))?;
    Ok(out)
}

/// The purpose-bound subkey of `master`: HKDF-SHA256, salt `saksi-v1`, info `purpose`.
pub(crate) fn subkey(master: &[u8; 32], purpose: &str) -> Zeroizing<[u8; 32]> {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"saksi-v1"), master);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is always a valid HKDF-SHA256 output length.
    hk.expand(purpose.as_bytes(), out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 length");
    out
}
