//! Wrapping a 32-byte key under another (XChaCha20-Poly1305 with associated data): the master
//! key under the key-encryption key in `vault.key`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

/// A wrapped key: the 32-byte ciphertext and its 16-byte tag.
pub(crate) const WRAPPED_LEN: usize = 48;

/// Encrypts `key` under `kek` with `nonce`, authenticating `aad`. `None` only if the cipher
/// refuses, which it does not for these sizes.
pub(crate) fn wrap(
    kek: &[u8; 32],
    nonce: &[u8; 24],
    aad: &[u8],
    key: &[u8; 32],
) -> Option<[u8; WRAPPED_LEN]> {
    let ct = XChaCha20Poly1305::new(kek.into())
        .encrypt(XNonce::from_slice(nonce), Payload { msg: key, aad })
        .ok()?;
    ct.as_slice().try_into().ok()
}

/// Decrypts a wrapped key. `None` when the tag does not verify: a wrong key-encryption key and
/// tampered bytes (ciphertext, nonce or associated data) look the same.
pub(crate) fn unwrap(
    kek: &[u8; 32],
    nonce: &[u8; 24],
    aad: &[u8],
    wrapped: &[u8; WRAPPED_LEN],
) -> Option<Zeroizing<[u8; 32]>> {
    let pt = Zeroizing::new(
        XChaCha20Poly1305::new(kek.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: wrapped, aad })
            .ok()?,
    );
    let mut k = Zeroizing::new([0u8; 32]);
    if pt.len() != 32 {
        return None;
    }
    k.copy_from_slice(&pt);
    Some(k)
}
