//! The vault key file (`vault.key`): Argon2id parameters and salt, and the master key wrapped
//! (XChaCha20-Poly1305, [`crate::crypto::wrap`]) under the key-encryption key derived from the
//! passphrase ([`super::kdf`]).
//!
//! Layout (all integers little-endian), 154 bytes:
//!
//! ```text
//! 0   8  magic "SAKSIKEY"
//! 8   2  format version (1)
//! 10  4  Argon2id memory in KiB
//! 14  4  Argon2id passes (t)
//! 18  4  Argon2id lanes (p)
//! 22  32 salt
//! 54  24 nonce
//! 78  48 wrapped master key (32) + Poly1305 tag (16)
//! 126 28 reserved, zero (authenticated)
//! ```
//!
//! Everything before the nonce and the reserved tail are the AEAD's associated data, so lowering
//! the work factor or swapping the salt makes unwrapping fail exactly as a wrong passphrase does.

use std::io::Read;
use std::path::Path;

use rand::RngCore;
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::kdf::derive_kek;
pub use super::kdf::{
    KdfParams, KdfProfile, CALIBRATED_MAX_MEMORY_KIB, CALIBRATED_MAX_PASSES, MAX_LANES,
    MAX_MEMORY_KIB, MAX_PASSES, MIN_LANES, MIN_MEMORY_KIB, MIN_PASSES,
};
use crate::crypto::wrap::{self, WRAPPED_LEN};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SAKSIKEY";
const VERSION: u16 = 1;
const LEN: usize = 154;
const HEADER_END: usize = 54;
const NONCE_END: usize = 78;
const WRAPPED_END: usize = 126;

/// The shortest passphrase Saksi accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// The vault's random 256-bit master key. Never cloned, printed or serialised; wiped on drop.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub(crate) fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::thread_rng().fill_bytes(k.as_mut());
        MasterKey(k)
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

/// The key file's bytes, reading at most one byte more than a key file holds: a key file replaced
/// by something huge is refused as the wrong length without being read in full.
pub(crate) fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(LEN + 1);
    std::fs::File::open(path)?
        .take(LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A parsed key file.
pub struct KeyFile {
    params: KdfParams,
    salt: [u8; 32],
    nonce: [u8; 24],
    wrapped: [u8; WRAPPED_LEN],
}

impl KeyFile {
    /// Wraps `master` under a key derived from `passphrase` with `params` and a fresh salt.
    pub(crate) fn seal(
        master: &MasterKey,
        passphrase: &SecretString,
        params: KdfParams,
    ) -> Result<Self> {
        params.validate()?;
        let mut rng = rand::thread_rng();
        let mut salt = [0u8; 32];
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut nonce);
        let mut kf = KeyFile {
            params,
            salt,
            nonce,
            wrapped: [0u8; WRAPPED_LEN],
        };
        let kek = derive_kek(passphrase, &salt, &params)?;
        kf.wrapped = wrap::wrap(&kek, &nonce, &kf.associated_data(), master.expose())
            .ok_or(Error::Crypto("wrapping the master key failed"))?;
        Ok(kf)
    }

    /// Unwraps the master key. A wrong passphrase and a tampered file look the same to the AEAD;
    /// both are reported as a wrong passphrase, and nothing is written.
    pub(crate) fn open(&self, passphrase: &SecretString) -> Result<MasterKey> {
        let kek = derive_kek(passphrase, &self.salt, &self.params)?;
        let k = wrap::unwrap(&kek, &self.nonce, &self.associated_data(), &self.wrapped)
            .ok_or(Error::WrongPassphrase)?;
        Ok(MasterKey(k))
    }

    pub fn params(&self) -> KdfParams {
        self.params
    }

    fn header(&self) -> [u8; HEADER_END] {
        let mut h = [0u8; HEADER_END];
        h[0..8].copy_from_slice(MAGIC);
        h[8..10].copy_from_slice(&VERSION.to_le_bytes());
        h[10..14].copy_from_slice(&self.params.memory_kib.to_le_bytes());
        h[14..18].copy_from_slice(&self.params.passes.to_le_bytes());
        h[18..22].copy_from_slice(&self.params.lanes.to_le_bytes());
        h[22..54].copy_from_slice(&self.salt);
        h
    }

    fn associated_data(&self) -> Vec<u8> {
        let mut aad = self.header().to_vec();
        aad.extend_from_slice(&[0u8; LEN - WRAPPED_END]);
        aad
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.extend_from_slice(&self.header());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.wrapped);
        out.extend_from_slice(&[0u8; LEN - WRAPPED_END]);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        if b.len() < 10 || &b[0..8] != MAGIC {
            return Err(Error::BadKeyFile("missing the SAKSIKEY header"));
        }
        let version = u16::from_le_bytes([b[8], b[9]]);
        if version != VERSION {
            return Err(Error::KeyFileTooNew(version));
        }
        if b.len() != LEN {
            return Err(Error::BadKeyFile("wrong length"));
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let params = KdfParams {
            memory_kib: u32_at(10),
            passes: u32_at(14),
            lanes: u32_at(18),
        };
        params.validate()?;
        if b[WRAPPED_END..].iter().any(|&x| x != 0) {
            return Err(Error::BadKeyFile("reserved bytes are not zero"));
        }
        let mut kf = KeyFile {
            params,
            salt: [0u8; 32],
            nonce: [0u8; 24],
            wrapped: [0u8; WRAPPED_LEN],
        };
        kf.salt.copy_from_slice(&b[22..HEADER_END]);
        kf.nonce.copy_from_slice(&b[HEADER_END..NONCE_END]);
        kf.wrapped.copy_from_slice(&b[NONCE_END..WRAPPED_END]);
        Ok(kf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let mk = MasterKey::generate();
        let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
        let parsed = KeyFile::from_bytes(&kf.to_bytes()).unwrap();
        let back = parsed.open(&pw("correct horse")).unwrap();
        assert_eq!(back.expose(), mk.expose());
        assert!(matches!(
            parsed.open(&pw("wrong horse")),
            Err(Error::WrongPassphrase)
        ));
    }

    #[test]
    fn lowering_the_work_factor_is_refused() {
        let mk = MasterKey::generate();
        let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
        let mut b = kf.to_bytes();
        b[14..18].copy_from_slice(&1u32.to_le_bytes());
        assert!(
            matches!(
                KeyFile::from_bytes(&b),
                Err(Error::KeyFileOutOfRange {
                    field: "Argon2id passes",
                    ..
                })
            ),
            "a key file with t=1 must be refused, not used"
        );
    }

    #[test]
    fn raising_the_work_factor_breaks_the_tag() {
        // An attacker who raises the parameters cannot make the file open with different ones:
        // the parameters are authenticated.
        let mk = MasterKey::generate();
        let kf = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM).unwrap();
        let mut b = kf.to_bytes();
        b[14..18].copy_from_slice(&4u32.to_le_bytes());
        let parsed = KeyFile::from_bytes(&b).unwrap();
        assert!(matches!(
            parsed.open(&pw("correct horse")),
            Err(Error::WrongPassphrase)
        ));
    }

    /// The key file's bytes with one little-endian u32 field replaced.
    fn with_field(b: &[u8], offset: usize, value: u32) -> Vec<u8> {
        let mut b = b.to_vec();
        b[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
        b
    }

    /// SHA-256 over every file's relative path and bytes, in path order.
    fn folder_hash(dir: &Path) -> String {
        use sha2::{Digest, Sha256};
        fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    let rel = p.strip_prefix(root).unwrap().display().to_string();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        let mut files = Vec::new();
        walk(dir, dir, &mut files);
        files.sort();
        let mut h = Sha256::new();
        for (name, bytes) in files {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(&bytes);
        }
        hex::encode(h.finalize())
    }

    #[test]
    fn key_file_asking_for_4_gib_and_64_passes_is_refused_before_argon2_runs() {
        let (tmp, v) = crate::testutil::vault();
        let dir = v.dir().to_path_buf();
        v.lock().unwrap();
        let key = dir.join("vault.key");
        let good = std::fs::read(&key).unwrap();
        let bad = with_field(&with_field(&good, 10, 4 * 1024 * 1024), 14, 64);
        std::fs::write(&key, &bad).unwrap();
        let before = folder_hash(&dir);
        let err = crate::vault::Vault::open(&dir, &crate::testutil::pass()).unwrap_err();
        assert_eq!(
            err.kind(),
            "key_file_out_of_range",
            "a key file asking Argon2id for 4 GiB must be refused as damaged, not tried: {err}"
        );
        assert!(
            err.to_string().contains("damaged"),
            "the message must say the key file is damaged: {err}"
        );
        assert_eq!(
            folder_hash(&dir),
            before,
            "refusing a damaged key file must not change any byte of the vault"
        );
        drop(tmp);
    }

    #[test]
    fn every_out_of_range_kdf_field_is_refused_as_damaged() {
        let mk = MasterKey::generate();
        let good = KeyFile::seal(&mk, &pw("correct horse"), KdfParams::MINIMUM)
            .unwrap()
            .to_bytes();
        let cases: [(&str, usize, u32); 7] = [
            ("Argon2id memory (KiB)", 10, MIN_MEMORY_KIB - 1),
            ("Argon2id memory (KiB)", 10, MAX_MEMORY_KIB + 1024),
            ("Argon2id memory (KiB)", 10, u32::MAX),
            ("Argon2id passes", 14, MAX_PASSES + 1),
            ("Argon2id passes", 14, 64),
            ("Argon2id lanes", 18, 0),
            ("Argon2id lanes", 18, MAX_LANES + 1),
        ];
        for (field, offset, value) in cases {
            let err = KeyFile::from_bytes(&with_field(&good, offset, value))
                .err()
                .unwrap_or_else(|| panic!("{field} = {value} must be refused"));
            assert_eq!(
                err.kind(),
                "key_file_out_of_range",
                "{field} = {value} is outside the accepted range and must be refused as damaged: {err}"
            );
            assert!(
                matches!(err, Error::KeyFileOutOfRange { field: f, value: got, .. } if f == field && got == value),
                "the error must name the field and value out of range: {err}"
            );
        }
    }

    #[test]
    fn wrong_passphrase_on_an_in_range_key_file_is_still_a_wrong_passphrase() {
        let (tmp, v) = crate::testutil::vault();
        let dir = v.dir().to_path_buf();
        v.lock().unwrap();
        // Raised, but inside the accepted range: the parameters are tried, and the tag fails.
        let key = dir.join("vault.key");
        let raised = with_field(&std::fs::read(&key).unwrap(), 14, MIN_PASSES + 1);
        for bytes in [std::fs::read(&key).unwrap(), raised] {
            std::fs::write(&key, &bytes).unwrap();
            let before = folder_hash(&dir);
            let err = crate::vault::Vault::open(&dir, &pw("not the passphrase")).unwrap_err();
            assert_eq!(
                err.kind(),
                "wrong_passphrase",
                "an in-range key file with the wrong passphrase must say wrong passphrase: {err}"
            );
            assert_eq!(
                folder_hash(&dir),
                before,
                "a wrong passphrase must not change any byte of the vault"
            );
        }
        drop(tmp);
    }

    #[test]
    fn a_huge_file_in_place_of_the_key_file_is_not_read_in_full() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("vault.key");
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(1 << 40).unwrap(); // sparse: 1 TiB that costs no disk
        let bytes = read_bytes(&path).unwrap();
        assert_eq!(
            bytes.len(),
            LEN + 1,
            "reading the key file must stop one byte past a key file's length"
        );
        assert!(matches!(
            KeyFile::from_bytes(&bytes),
            Err(Error::BadKeyFile(_))
        ));
    }
}
