//! The vault key file (`vault.key`), format 2: Argon2id parameters and salt shared by four slots,
//! each an XChaCha20-Poly1305 wrap ([`crate::crypto::wrap`]) of the master key. Unused slots are
//! random bytes of the same shape, so nobody holding the file can tell how many are in use.
//!
//! Layout (all integers little-endian), 342 bytes:
//!
//! ```text
//! 0   8  magic "SAKSIKEY"
//! 8   2  format version (2)
//! 10  4  Argon2id memory in KiB
//! 14  4  Argon2id passes (t)
//! 18  4  Argon2id lanes (p)
//! 22  32 salt
//! 54  72 slot 0 (passphrase): nonce (24) + wrapped master key (32) + Poly1305 tag (16)
//! 126 72 slot 1 (recovery key)
//! 198 72 slot 2 (duress passphrase: wraps the decoy database's key, else random)
//! 270 72 slot 3 (duress passphrase that also erases slots 0 and 1 when used, else random)
//! ```
//!
//! One attempt runs Argon2id once (shared salt and parameters), derives one key per slot from its
//! output with HKDF (info `vault.key slot N ROLE`, so a secret put in two roles gives unrelated
//! keys) and tries the unwrap on every slot, always all four. Each slot's associated data is bytes
//! 0–53 followed by the slot's index: lowering the work factor, swapping the salt or moving a
//! slot makes unwrapping fail exactly as a wrong passphrase does.
//!
//! Format 1 (154 bytes, one wrap under the raw Argon2id output) is still read, and upgraded in
//! place at the next unlock (see [`super::Vault::open`]).

use std::io::Read;
use std::path::Path;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

pub use super::kdf::{
    KdfParams, KdfProfile, CALIBRATED_MAX_MEMORY_KIB, CALIBRATED_MAX_PASSES, MAX_LANES,
    MAX_MEMORY_KIB, MAX_PASSES, MIN_LANES, MIN_MEMORY_KIB, MIN_PASSES,
};
use crate::crypto::wrap::{self, WRAPPED_LEN};
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"SAKSIKEY";
const VERSION: u16 = 2;
const V1: u16 = 1;
const HEADER_END: usize = 54;
const NONCE_LEN: usize = 24;
/// The number of slots every format-2 key file has, used or not.
pub const SLOTS: usize = 4;
/// One slot: nonce and wrapped key.
pub const SLOT_LEN: usize = NONCE_LEN + WRAPPED_LEN;
/// A format-2 key file's length.
pub const LEN: usize = HEADER_END + SLOTS * SLOT_LEN;
const V1_LEN: usize = 154;
const V1_WRAPPED_END: usize = 126;

/// The shortest passphrase Saksi accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// What a slot holds. The position is fixed: slot N always has role N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRole {
    Passphrase = 0,
    Recovery = 1,
    Duress = 2,
    /// The duress passphrase with "erase the real vault on use": when it opens, slots 0 and 1
    /// are overwritten with random bytes (see `duress.rs`). Slot 3 was always random before.
    DuressErase = 3,
}

impl SlotRole {
    const ALL: [SlotRole; SLOTS] = [
        SlotRole::Passphrase,
        SlotRole::Recovery,
        SlotRole::Duress,
        SlotRole::DuressErase,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The HKDF info that binds a slot's key to its position and role.
    fn domain(self) -> &'static str {
        match self {
            SlotRole::Passphrase => "vault.key slot 0 passphrase",
            SlotRole::Recovery => "vault.key slot 1 recovery",
            SlotRole::Duress => "vault.key slot 2 duress",
            SlotRole::DuressErase => "vault.key slot 3 duress-erase",
        }
    }
}

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

/// The Argon2id output for one secret under a key file's salt and parameters: one per attempt.
pub(crate) struct Kek(Zeroizing<[u8; 32]>);

/// The key file's bytes, reading at most one byte more than a key file holds: a key file replaced
/// by something huge is refused as the wrong length without being read in full.
pub(crate) fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(LEN + 1);
    std::fs::File::open(path)?
        .take(LEN as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A parsed key file of either format.
#[allow(clippy::large_enum_variant)] // short-lived, on the stack once per unlock
pub(crate) enum Parsed {
    V1(LegacyKeyFile),
    V2(KeyFile),
}

impl Parsed {
    pub(crate) fn from_bytes(b: &[u8]) -> Result<Self> {
        let (version, params, salt) = parse_header(b)?;
        match version {
            VERSION => {
                if b.len() != LEN {
                    return Err(Error::BadKeyFile("wrong length"));
                }
                let mut slots = [[0u8; SLOT_LEN]; SLOTS];
                for (i, s) in slots.iter_mut().enumerate() {
                    let at = HEADER_END + i * SLOT_LEN;
                    s.copy_from_slice(&b[at..at + SLOT_LEN]);
                }
                Ok(Parsed::V2(KeyFile {
                    params,
                    salt,
                    slots,
                }))
            }
            _ => {
                if b.len() != V1_LEN {
                    return Err(Error::BadKeyFile("wrong length"));
                }
                if b[V1_WRAPPED_END..].iter().any(|&x| x != 0) {
                    return Err(Error::BadKeyFile("reserved bytes are not zero"));
                }
                let mut slot = [0u8; SLOT_LEN];
                slot.copy_from_slice(&b[HEADER_END..V1_WRAPPED_END]);
                Ok(Parsed::V1(LegacyKeyFile { params, salt, slot }))
            }
        }
    }

    /// Unwraps a master key with the passphrase (the vault's own or a duress one, see
    /// [`KeyFile::open_any`]) and says which slot took it; for a format-1 file, also the
    /// Argon2id output its upgrade needs.
    pub(crate) fn open(
        &self,
        passphrase: &SecretString,
    ) -> Result<(MasterKey, Option<Kek>, SlotRole)> {
        match self {
            Parsed::V1(k) => k
                .open(passphrase)
                .map(|(m, kek)| (m, Some(kek), SlotRole::Passphrase)),
            Parsed::V2(k) => k.open_any(passphrase).map(|(m, r)| (m, None, r)),
        }
    }

    pub(crate) fn legacy(&self) -> Option<&LegacyKeyFile> {
        match self {
            Parsed::V1(k) => Some(k),
            Parsed::V2(_) => None,
        }
    }

    pub(crate) fn params(&self) -> KdfParams {
        match self {
            Parsed::V1(k) => k.params,
            Parsed::V2(k) => k.params,
        }
    }
}

/// Magic, version (1 or 2, else refused as too new), range-checked parameters and salt.
fn parse_header(b: &[u8]) -> Result<(u16, KdfParams, [u8; 32])> {
    if b.len() < 10 || &b[0..8] != MAGIC {
        return Err(Error::BadKeyFile("missing the SAKSIKEY header"));
    }
    let version = u16::from_le_bytes([b[8], b[9]]);
    if version != VERSION && version != V1 {
        return Err(Error::KeyFileTooNew(version));
    }
    if b.len() < HEADER_END {
        return Err(Error::BadKeyFile("wrong length"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let params = KdfParams {
        memory_kib: u32_at(10),
        passes: u32_at(14),
        lanes: u32_at(18),
    };
    params.validate()?;
    let mut salt = [0u8; 32];
    salt.copy_from_slice(&b[22..HEADER_END]);
    Ok((version, params, salt))
}

fn header(version: u16, params: &KdfParams, salt: &[u8; 32]) -> [u8; HEADER_END] {
    let mut h = [0u8; HEADER_END];
    h[0..8].copy_from_slice(MAGIC);
    h[8..10].copy_from_slice(&version.to_le_bytes());
    h[10..14].copy_from_slice(&params.memory_kib.to_le_bytes());
    h[14..18].copy_from_slice(&params.passes.to_le_bytes());
    h[18..22].copy_from_slice(&params.lanes.to_le_bytes());
    h[22..54].copy_from_slice(salt);
    h
}

fn derive(secret: &[u8], salt: &[u8; 32], params: &KdfParams) -> Result<Kek> {
    Ok(Kek(crate::crypto::kdf::argon2id(
        secret,
        salt,
        params.memory_kib,
        params.passes,
        params.lanes,
    )?))
}

/// A format-1 key file: one wrap of the master key under the raw Argon2id output.
pub(crate) struct LegacyKeyFile {
    params: KdfParams,
    salt: [u8; 32],
    slot: [u8; SLOT_LEN],
}

impl LegacyKeyFile {
    /// Unwraps the master key, returning the Argon2id output too so that the upgrade to format 2
    /// needs no second derivation.
    pub(crate) fn open(&self, passphrase: &SecretString) -> Result<(MasterKey, Kek)> {
        let kek = derive(
            passphrase.expose_secret().as_bytes(),
            &self.salt,
            &self.params,
        )?;
        let mut aad = header(V1, &self.params, &self.salt).to_vec();
        aad.extend_from_slice(&[0u8; V1_LEN - V1_WRAPPED_END]);
        let (nonce, wrapped) = split_slot(&self.slot);
        let k = wrap::unwrap(&kek.0, &nonce, &aad, &wrapped).ok_or(Error::WrongPassphrase)?;
        Ok((MasterKey(k), kek))
    }

    /// The format-2 key file holding the same master key under the same passphrase, salt and
    /// parameters in slot 0; the other slots random.
    pub(crate) fn upgraded(&self, master: &MasterKey, kek: &Kek) -> Result<KeyFile> {
        let mut kf = KeyFile::empty(self.params, self.salt);
        kf.set_slot(SlotRole::Passphrase, kek, master)?;
        Ok(kf)
    }

    #[cfg(test)]
    pub(crate) fn seal(master: &MasterKey, passphrase: &SecretString, params: KdfParams) -> Self {
        let mut salt = [0u8; 32];
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut salt);
        rand::thread_rng().fill_bytes(&mut nonce);
        let kek = derive(passphrase.expose_secret().as_bytes(), &salt, &params).unwrap();
        let mut aad = header(V1, &params, &salt).to_vec();
        aad.extend_from_slice(&[0u8; V1_LEN - V1_WRAPPED_END]);
        let w = wrap::wrap(&kek.0, &nonce, &aad, master.expose()).unwrap();
        let mut slot = [0u8; SLOT_LEN];
        slot[..NONCE_LEN].copy_from_slice(&nonce);
        slot[NONCE_LEN..].copy_from_slice(&w);
        LegacyKeyFile { params, salt, slot }
    }

    #[cfg(test)]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = header(V1, &self.params, &self.salt).to_vec();
        out.extend_from_slice(&self.slot);
        out.extend_from_slice(&[0u8; V1_LEN - V1_WRAPPED_END]);
        out
    }
}

fn split_slot(slot: &[u8; SLOT_LEN]) -> ([u8; NONCE_LEN], [u8; WRAPPED_LEN]) {
    let mut nonce = [0u8; NONCE_LEN];
    let mut wrapped = [0u8; WRAPPED_LEN];
    nonce.copy_from_slice(&slot[..NONCE_LEN]);
    wrapped.copy_from_slice(&slot[NONCE_LEN..]);
    (nonce, wrapped)
}

/// A format-2 key file.
pub struct KeyFile {
    params: KdfParams,
    salt: [u8; 32],
    slots: [[u8; SLOT_LEN]; SLOTS],
}

impl KeyFile {
    /// A key file with these parameters and salt and every slot random (unused).
    fn empty(params: KdfParams, salt: [u8; 32]) -> Self {
        let mut slots = [[0u8; SLOT_LEN]; SLOTS];
        for s in slots.iter_mut() {
            rand::thread_rng().fill_bytes(s);
        }
        KeyFile {
            params,
            salt,
            slots,
        }
    }

    /// Wraps `master` in slot 0 under a key derived from `passphrase` with `params` and a fresh
    /// salt; every other slot random.
    pub(crate) fn seal(
        master: &MasterKey,
        passphrase: &SecretString,
        params: KdfParams,
    ) -> Result<Self> {
        params.validate()?;
        let mut salt = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut salt);
        let mut kf = KeyFile::empty(params, salt);
        let kek = kf.derive(passphrase.expose_secret().as_bytes())?;
        kf.set_slot(SlotRole::Passphrase, &kek, master)?;
        Ok(kf)
    }

    /// Argon2id of `secret` under this file's salt and parameters: once per attempt.
    pub(crate) fn derive(&self, secret: &[u8]) -> Result<Kek> {
        derive(secret, &self.salt, &self.params)
    }

    fn aad(&self, role: SlotRole) -> Vec<u8> {
        let mut aad = header(VERSION, &self.params, &self.salt).to_vec();
        aad.push(role.index() as u8);
        aad
    }

    fn slot_key(kek: &Kek, role: SlotRole) -> Zeroizing<[u8; 32]> {
        crate::crypto::kdf::subkey(&kek.0, role.domain())
    }

    /// Tries every slot with its own key from `kek`, always all of them, whichever matches: the
    /// work is the same for every slot and for none.
    pub(crate) fn try_all(&self, kek: &Kek) -> [Option<MasterKey>; SLOTS] {
        SlotRole::ALL.map(|role| {
            let key = Self::slot_key(kek, role);
            let (nonce, wrapped) = split_slot(&self.slots[role.index()]);
            wrap::unwrap(&key, &nonce, &self.aad(role), &wrapped).map(MasterKey)
        })
    }

    /// Unwraps the master key from the slot of `role` with `secret` (one Argon2id run, every
    /// slot tried). A wrong secret and a tampered file look the same to the AEAD; both are
    /// reported as a wrong passphrase, and nothing is written.
    pub(crate) fn open_as(&self, secret: &[u8], role: SlotRole) -> Result<MasterKey> {
        let kek = self.derive(secret)?;
        let [a, b, c, d] = self.try_all(&kek);
        let found = match role {
            SlotRole::Passphrase => a,
            SlotRole::Recovery => b,
            SlotRole::Duress => c,
            SlotRole::DuressErase => d,
        };
        found.ok_or(Error::WrongPassphrase)
    }

    /// Unwraps a master key with a typed passphrase: the vault's own (slot 0) or a duress
    /// passphrase (slot 2 or 3), whichever takes it, with the same work for each (one Argon2id
    /// run, all four slots tried). Which slot opened is returned for the session to know.
    pub(crate) fn open_any(&self, passphrase: &SecretString) -> Result<(MasterKey, SlotRole)> {
        let kek = self.derive(passphrase.expose_secret().as_bytes())?;
        let [a, _, c, d] = self.try_all(&kek);
        let hits = [
            (a, SlotRole::Passphrase),
            (c, SlotRole::Duress),
            (d, SlotRole::DuressErase),
        ];
        let mut found = None;
        for (m, role) in hits {
            if let (Some(m), None) = (m, &found) {
                found = Some((m, role));
            }
        }
        found.ok_or(Error::WrongPassphrase)
    }

    /// Which slot, if any, `secret` opens: the same work as an unlock's key-file step (one
    /// Argon2id run, all four slots tried), for measuring it (benches/unlock.rs). Anyone who
    /// holds the secret can learn this; nothing is unwrapped for the caller.
    pub fn opened_slot(&self, secret: &[u8]) -> Result<Option<SlotRole>> {
        let kek = self.derive(secret)?;
        let found = self.try_all(&kek);
        Ok(SlotRole::ALL
            .into_iter()
            .zip(found)
            .find_map(|(role, m)| m.map(|_| role)))
    }

    /// Unwraps the master key from the passphrase slot only (unlocking uses [`Self::open_any`]).
    #[cfg(test)]
    pub(crate) fn open(&self, passphrase: &SecretString) -> Result<MasterKey> {
        self.open_as(passphrase.expose_secret().as_bytes(), SlotRole::Passphrase)
    }

    /// Wraps `master` into the slot of `role` under its key from `kek`, with a fresh nonce. No
    /// other slot changes.
    pub(crate) fn set_slot(&mut self, role: SlotRole, kek: &Kek, master: &MasterKey) -> Result<()> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let key = Self::slot_key(kek, role);
        let w = wrap::wrap(&key, &nonce, &self.aad(role), master.expose())
            .ok_or(Error::Crypto("wrapping the master key failed"))?;
        let slot = &mut self.slots[role.index()];
        slot[..NONCE_LEN].copy_from_slice(&nonce);
        slot[NONCE_LEN..].copy_from_slice(&w);
        Ok(())
    }

    /// Fills the slot of `role` with fresh random bytes: whatever it held can no longer be
    /// unwrapped, and it looks like every unused slot.
    pub(crate) fn clear_slot(&mut self, role: SlotRole) {
        rand::thread_rng().fill_bytes(&mut self.slots[role.index()]);
    }

    pub fn params(&self) -> KdfParams {
        self.params
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.extend_from_slice(&header(VERSION, &self.params, &self.salt));
        for s in &self.slots {
            out.extend_from_slice(s);
        }
        out
    }

    /// Parses a format-2 key file (a format-1 file is refused here: see [`Parsed`]).
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        match Parsed::from_bytes(b)? {
            Parsed::V2(k) => Ok(k),
            Parsed::V1(_) => Err(Error::BadKeyFile(
                "format 1: unlock the vault once to upgrade it",
            )),
        }
    }
}

#[cfg(test)]
#[path = "keyfile_tests.rs"]
mod tests;

// Fuzzing the parser (issue 15 item 5).
#[cfg(test)]
#[path = "keyfile_fuzz_tests.rs"]
mod fuzz_tests;
