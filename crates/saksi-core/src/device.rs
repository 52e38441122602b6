//! This device's identity: an Ed25519 signing key made at vault creation and kept only inside the
//! encrypted database. The device id is derived from the public key, so it cannot be claimed by
//! another key.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The device's key pair. Neither Clone nor Debug: the secret half stays in here and is wiped on
/// drop (ed25519-dalek's `zeroize` feature).
pub struct DeviceIdentity {
    id: String,
    name: String,
    signing: SigningKey,
}

impl DeviceIdentity {
    pub(crate) fn create(conn: &Connection, name: &str) -> Result<()> {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = signing.verifying_key();
        let id = device_id(&public);
        conn.execute(
            "INSERT INTO device_self (id, name, public_key, signing_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                name,
                public.to_bytes().to_vec(),
                zeroize::Zeroizing::new(signing.to_bytes().to_vec()).as_slice(),
                crate::model::now()
            ],
        )?;
        Ok(())
    }

    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        let row: Option<(String, String, Vec<u8>)> = conn
            .query_row(
                "SELECT id, name, signing_key FROM device_self LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (id, name, sk) =
            row.ok_or_else(|| Error::Corrupt("the device key is missing".into()))?;
        Self::from_row(id, name, sk)
    }

    /// An identity this vault had before a restore gave it a new one (`device_former`), if
    /// `id` is one.
    pub(crate) fn load_former(conn: &Connection, id: &str) -> Result<Option<Self>> {
        let row: Option<(String, String, Vec<u8>)> = conn
            .query_row(
                "SELECT id, name, signing_key FROM device_former WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(id, name, sk)| Self::from_row(id, name, sk))
            .transpose()
    }

    /// Replaces this vault's identity with a fresh key pair of the same name, inside `conn`'s
    /// transaction: the current one moves to `device_former` (kept to attest the versions it
    /// wrote; see `device_replacement`). Gives the new identity.
    pub(crate) fn replace(conn: &Connection, old: &DeviceIdentity) -> Result<DeviceIdentity> {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = signing.verifying_key();
        let id = device_id(&public);
        let now = crate::model::now();
        conn.execute(
            "INSERT INTO device_former (id, name, public_key, signing_key, created_at, replaced_at, replaced_by)
             SELECT id, name, public_key, signing_key, created_at, ?2, ?3 FROM device_self WHERE id = ?1",
            params![old.id, now, id],
        )?;
        conn.execute("DELETE FROM device_self WHERE id = ?1", [&old.id])?;
        conn.execute(
            "INSERT INTO device_self (id, name, public_key, signing_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                old.name,
                public.to_bytes().to_vec(),
                zeroize::Zeroizing::new(signing.to_bytes().to_vec()).as_slice(),
                now
            ],
        )?;
        Ok(DeviceIdentity {
            id,
            name: old.name.clone(),
            signing,
        })
    }

    fn from_row(id: String, name: String, sk: Vec<u8>) -> Result<Self> {
        let sk = zeroize::Zeroizing::new(sk);
        let bytes: [u8; 32] = sk
            .as_slice()
            .try_into()
            .map_err(|_| Error::Corrupt("the device key has the wrong length".into()))?;
        let signing = SigningKey::from_bytes(&bytes);
        if device_id(&signing.verifying_key()) != id {
            return Err(Error::Corrupt(
                "the device id does not match its key".into(),
            ));
        }
        Ok(DeviceIdentity { id, name, signing })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// After the stored name changed (see `device_names`).
    pub(crate) fn set_name(&mut self, name: String) {
        self.name = name;
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// A fingerprint to read aloud over a phone line: 30 digits in groups of five.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key())
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }
}

/// The device id: the first 16 bytes of SHA-256 of the public key, hex.
pub fn device_id(public: &VerifyingKey) -> String {
    let h = Sha256::digest(public.as_bytes());
    hex::encode(&h[..16])
}

/// Digits in groups of five, derived from the public key; easy to compare by voice in any
/// language.
pub fn fingerprint(public: &VerifyingKey) -> String {
    crate::crypto::fingerprint::spoken(b"saksi-fingerprint-v1", public.as_bytes())
}

/// The public key as lowercase hex.
pub fn public_key_hex(public: &VerifyingKey) -> String {
    hex::encode(public.as_bytes())
}

/// The name a device is known by in `vault`: this device's own, or a trusted device's; `None`
/// for a device this vault does not know.
pub(crate) fn known_name(vault: &crate::vault::Vault, device_id: &str) -> Result<Option<String>> {
    if device_id == vault.device().id() {
        return Ok(Some(vault.device().name().to_string()));
    }
    let former: Option<String> = vault
        .conn
        .query_row(
            "SELECT name FROM device_former WHERE id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?;
    if former.is_some() {
        return Ok(former);
    }
    Ok(vault
        .conn
        .query_row(
            "SELECT name FROM trusted_device WHERE id = ?1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?)
}
