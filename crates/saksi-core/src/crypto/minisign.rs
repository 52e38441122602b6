//! Minisign-format signatures made with the device's Ed25519 key, so that anyone can check a
//! bundle's manifest with the stock `minisign -V` tool. Only the encoding lives here: the
//! signature is ed25519-dalek's, the prehash is BLAKE2b-512 from RustCrypto.
//!
//! ```text
//! public key  = base64("Ed" || key_id[8] || ed25519_public[32])
//! signature   = untrusted comment line
//!               base64("ED" || key_id[8] || Ed25519(BLAKE2b-512(file))[64])
//!               trusted comment line
//!               base64(Ed25519(signature[64] || trusted_comment)[64])
//! ```
//! `key_id` is the first 8 bytes of SHA-256 of the public key (the start of the device id).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use sha2::Sha256;

use crate::device::DeviceIdentity;

const UNTRUSTED: &str = "untrusted comment: ";
const TRUSTED: &str = "trusted comment: ";

/// The minisign key id of an Ed25519 public key.
pub fn key_id(public: &VerifyingKey) -> [u8; 8] {
    let h = Sha256::digest(public.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&h[..8]);
    id
}

/// The key id as minisign prints it (the 8 bytes read as a little-endian number, in hex).
pub fn key_id_display(id: &[u8; 8]) -> String {
    format!("{:016X}", u64::from_le_bytes(*id))
}

/// The public key in minisign's format: what `minisign -P` takes.
pub fn public_key_string(public: &VerifyingKey) -> String {
    let mut b = Vec::with_capacity(42);
    b.extend_from_slice(b"Ed");
    b.extend_from_slice(&key_id(public));
    b.extend_from_slice(public.as_bytes());
    B64.encode(b)
}

/// The content of a minisign public key file (`minisign -p FILE`).
pub fn public_key_file(public: &VerifyingKey) -> String {
    format!(
        "{UNTRUSTED}minisign public key {}\n{}\n",
        key_id_display(&key_id(public)),
        public_key_string(public)
    )
}

/// Parses a minisign public key string (base64, `Ed` algorithm).
pub fn parse_public_key(s: &str) -> Option<VerifyingKey> {
    let b = B64.decode(s.trim()).ok()?;
    if b.len() != 42 || &b[..2] != b"Ed" {
        return None;
    }
    let pk: [u8; 32] = b[10..].try_into().ok()?;
    let key = VerifyingKey::from_bytes(&pk).ok()?;
    (b[2..10] == key_id(&key)).then_some(key)
}

/// Signs `message` (the whole file) in minisign's prehashed format. `trusted_comment` must be
/// one line; it is covered by the global signature.
pub(crate) fn sign(device: &DeviceIdentity, message: &[u8], trusted_comment: &str) -> String {
    let public = device.public_key();
    let id = key_id(&public);
    let prehash = Blake2b512::digest(message);
    let sig = device.sign(&prehash);
    let mut sig_bytes = Vec::with_capacity(74);
    sig_bytes.extend_from_slice(b"ED");
    sig_bytes.extend_from_slice(&id);
    sig_bytes.extend_from_slice(&sig);
    let comment = trusted_comment.replace(['\n', '\r'], " ");
    let global = device.sign(&[sig.as_slice(), comment.as_bytes()].concat());
    format!(
        "{UNTRUSTED}signature from saksi device {}\n{}\n{TRUSTED}{}\n{}\n",
        device.id(),
        B64.encode(sig_bytes),
        comment,
        B64.encode(global)
    )
}

/// A parsed signature file.
pub struct SignatureFile {
    pub key_id: [u8; 8],
    signature: [u8; 64],
    pub trusted_comment: String,
    global: [u8; 64],
}

/// Why a signature file was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SigError {
    /// Not a minisign signature file at all.
    Malformed,
    /// Well-formed, but the signature does not verify.
    Invalid,
}

impl SignatureFile {
    pub fn parse(text: &[u8]) -> Result<Self, SigError> {
        let text = std::str::from_utf8(text).map_err(|_| SigError::Malformed)?;
        let mut lines = text.lines();
        let l1 = lines.next().ok_or(SigError::Malformed)?;
        let l2 = lines.next().ok_or(SigError::Malformed)?;
        let l3 = lines.next().ok_or(SigError::Malformed)?;
        let l4 = lines.next().ok_or(SigError::Malformed)?;
        if lines.any(|l| !l.trim().is_empty()) || !l1.starts_with(UNTRUSTED) {
            return Err(SigError::Malformed);
        }
        let trusted_comment = l3
            .strip_prefix(TRUSTED)
            .ok_or(SigError::Malformed)?
            .to_string();
        let sig = B64.decode(l2.trim()).map_err(|_| SigError::Malformed)?;
        // Only the prehashed algorithm ("ED"); legacy "Ed" signatures are not produced by Saksi.
        if sig.len() != 74 || &sig[..2] != b"ED" {
            return Err(SigError::Malformed);
        }
        let global = B64.decode(l4.trim()).map_err(|_| SigError::Malformed)?;
        Ok(SignatureFile {
            key_id: sig[2..10].try_into().map_err(|_| SigError::Malformed)?,
            signature: sig[10..74].try_into().map_err(|_| SigError::Malformed)?,
            trusted_comment,
            global: global
                .as_slice()
                .try_into()
                .map_err(|_| SigError::Malformed)?,
        })
    }

    /// Verifies the signature over `message` and the trusted comment with `public`.
    pub fn verify(&self, public: &VerifyingKey, message: &[u8]) -> Result<(), SigError> {
        if self.key_id != key_id(public) {
            return Err(SigError::Invalid);
        }
        let prehash = Blake2b512::digest(message);
        public
            .verify(&prehash, &Signature::from_bytes(&self.signature))
            .map_err(|_| SigError::Invalid)?;
        let global_msg = [self.signature.as_slice(), self.trusted_comment.as_bytes()].concat();
        public
            .verify(&global_msg, &Signature::from_bytes(&self.global))
            .map_err(|_| SigError::Invalid)
    }
}
