//! One custody entry: its fields, the part its hash covers, and the check of an entry on its own
//! (hash, key, signature).

use super::*;

/// One entry, as stored, as shown by `saksi log --json`, and as carried in a bundle's
/// `custody.jsonl` (one JSON object per line, the same fields).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub device_id: String,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub content_hash: Option<String>,
    pub details: Option<String>,
    pub prev_hash: String,
    pub entry_hash: String,
    #[serde(serialize_with = "hex_ser", deserialize_with = "hex_de")]
    pub public_key: Vec<u8>,
    #[serde(serialize_with = "hex_ser", deserialize_with = "hex_de")]
    pub signature: Vec<u8>,
}

fn hex_ser<S: serde::Serializer>(v: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v))
}

fn hex_de<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    hex::decode(s).map_err(serde::de::Error::custom)
}

/// Why one entry, taken on its own, is not what it claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryProblem {
    /// Its content does not match its `entry_hash`.
    Altered,
    /// Its public key is not an Ed25519 key, or is not the key of the device it names.
    WrongKey,
    /// The signature over `entry_hash` does not verify.
    BadSignature,
}

impl EntryProblem {
    pub fn describe(self) -> &'static str {
        match self {
            EntryProblem::Altered => "its content was altered (hash mismatch)",
            EntryProblem::WrongKey => "its key is not the key of the device it names",
            EntryProblem::BadSignature => "the signature is not valid",
        }
    }
}

/// The part of an entry that its hash covers, in a fixed field order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    id: &'a str,
    at: &'a str,
    device_id: &'a str,
    action: &'a str,
    subject_type: Option<&'a str>,
    subject_id: Option<&'a str>,
    content_hash: Option<&'a str>,
    details: Option<&'a str>,
    prev_hash: &'a str,
}

impl Entry {
    pub(crate) fn compute_hash(&self) -> String {
        let h = Hashed {
            seq: self.seq,
            id: &self.id,
            at: &self.at,
            device_id: &self.device_id,
            action: &self.action,
            subject_type: self.subject_type.as_deref(),
            subject_id: self.subject_id.as_deref(),
            content_hash: self.content_hash.as_deref(),
            details: self.details.as_deref(),
            prev_hash: &self.prev_hash,
        };
        // Serialising plain strings and integers cannot fail.
        let json = serde_json::to_vec(&h).unwrap_or_default();
        let mut d = Sha256::new();
        d.update(b"saksi-custody-v1\n");
        d.update(&json);
        hex::encode(d.finalize())
    }

    /// Checks the entry on its own: its hash recomputed from its content, its key against the
    /// device id it names (the id is a hash of the key), its signature. Returns the key.
    pub fn check(&self) -> std::result::Result<VerifyingKey, EntryProblem> {
        if self.compute_hash() != self.entry_hash {
            return Err(EntryProblem::Altered);
        }
        let key = <[u8; 32]>::try_from(self.public_key.as_slice())
            .ok()
            .and_then(|k| VerifyingKey::from_bytes(&k).ok())
            .filter(|k| crate::device::device_id(k) == self.device_id)
            .ok_or(EntryProblem::WrongKey)?;
        let sig = <[u8; 64]>::try_from(self.signature.as_slice())
            .map_err(|_| EntryProblem::BadSignature)?;
        key.verify(self.entry_hash.as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| EntryProblem::BadSignature)?;
        Ok(key)
    }
}
