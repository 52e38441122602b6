//! A device replaced after a restore (issue 16). A vault restored on a new laptop may take a new
//! device identity, because the old laptop may be in hostile hands: a fresh signing key and id,
//! and a `device_replaced` custody entry that travels in every later bundle. The entry is signed
//! by the new key (as every entry of this vault from then on) and carries a statement signed by
//! the old key: "device OLD is replaced by device NEW (this public key), at T".
//!
//! At HQ the statement is honoured only when (a) the bundle carrying it is signed by NEW, which
//! HQ trusts from its own card (compared by phone, as any device: the statement never makes a
//! device trusted), and (b) the old key's signature verifies under the key HQ pinned for OLD.
//! Then OLD is marked replaced by NEW: OLD's bundles are refused from then on
//! (`bundle_superseded_signer`), and NEW may carry on OLD's records (its edits of them are
//! fast-forwards, OLD's attestations count in NEW's bundles). Who may revoke whom: only a
//! device's own key can retire it, and only in favour of a device HQ already trusts; no trusted
//! device can retire another. See docs/bundle-format.md, "A device replaced after a restore".

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::bundle::keys::trusted_by_id;
use crate::bundle::BundleError;
use crate::custody::{self, Action, Entry};
use crate::device::{device_id, public_key_hex, DeviceIdentity};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// The domain of the old key's signature.
const DOMAIN: &[u8] = b"saksi-device-replaced-v1\0";
/// The longest chain of replacements followed (a laptop restored again and again).
const MAX_CHAIN: usize = 32;

/// The statement in a `device_replaced` entry's `details`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub old_device: String,
    /// Hex.
    pub old_public_key: String,
    pub new_device: String,
    /// Hex.
    pub new_public_key: String,
    pub at: String,
    /// The old key's Ed25519 signature over [`Statement::message`], hex.
    pub old_signature: String,
}

impl Statement {
    fn message(&self) -> Vec<u8> {
        let mut m = DOMAIN.to_vec();
        for field in [
            &self.old_device,
            &self.old_public_key,
            &self.new_device,
            &self.new_public_key,
            &self.at,
        ] {
            m.extend_from_slice(field.as_bytes());
            m.push(0);
        }
        m
    }
}

/// What a replacement did, for the person who asked for it.
#[derive(Debug, Clone, Serialize)]
pub struct Replaced {
    pub old_device: String,
    pub new_device: String,
    /// The new device's fingerprint, to read to HQ over the phone.
    pub new_fingerprint: String,
}

impl Vault {
    /// Gives this vault a new device identity (after a restore on a new laptop), in one
    /// transaction: a fresh key pair under the same name, the old identity kept in
    /// `device_former` (to attest the versions it wrote when they are first exported), and the
    /// `device_replaced` custody entry, signed by the new key, carrying the old key's signed
    /// statement. From then on bundles are signed by the new device; HQ must trust its card.
    pub fn take_new_device_identity(&mut self) -> Result<Replaced> {
        self.writable()?;
        let tx = self.conn.unchecked_transaction()?;
        let new = DeviceIdentity::replace(&tx, &self.device)?;
        let mut st = Statement {
            old_device: self.device.id().to_string(),
            old_public_key: public_key_hex(&self.device.public_key()),
            new_device: new.id().to_string(),
            new_public_key: public_key_hex(&new.public_key()),
            at: crate::model::now(),
            old_signature: String::new(),
        };
        st.old_signature = hex::encode(self.device.sign(&st.message()));
        let details =
            serde_json::to_string(&st).map_err(|_| Error::Internal("device statement"))?;
        custody::append_on(
            &tx,
            &new,
            Action::DeviceReplaced,
            Some(("device", &st.old_device)),
            None,
            Some(&details),
        )?;
        tx.commit()?;
        let replaced = Replaced {
            old_device: st.old_device,
            new_device: new.id().to_string(),
            new_fingerprint: new.fingerprint(),
        };
        self.device = new;
        Ok(replaced)
    }

    /// The identities this vault had before (restored with a new device identity), oldest
    /// first: (id, replaced by, when).
    pub fn former_devices(&self) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, replaced_by, replaced_at FROM device_former ORDER BY replaced_at, id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A replacement HQ will record: `old` is replaced by `new` (the bundle's signer) at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replacement {
    pub old: String,
    pub new: String,
    pub at: String,
}

/// Checks a received `device_replaced` entry (already checked on its own: hash, key, signature
/// by the device it names). Only the bundle's signer may carry its own replacement (anyone
/// else's copy is kept as a custody entry and means nothing); its statement must be exactly
/// what the entry says, signed by the key this vault pinned for the old device. `None`: nothing
/// to honour (the old device is not one this vault knows, or the entry is not the signer's).
pub(crate) fn check_received(
    conn: &Connection,
    e: &Entry,
    signer_id: &str,
    signer_key: &VerifyingKey,
) -> Result<Option<Replacement>> {
    if e.device_id != signer_id {
        return Ok(None);
    }
    let bad = |why: &str| -> Error {
        BundleError::BadReplacement(format!("entry {}: {why}", e.id.escape_default())).into()
    };
    let st: Statement = e
        .details
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or_else(|| bad("its statement is not readable"))?;
    if st.new_device != signer_id
        || st.new_public_key != public_key_hex(signer_key)
        || e.subject_type.as_deref() != Some("device")
        || e.subject_id.as_deref() != Some(st.old_device.as_str())
    {
        return Err(bad("its statement does not name the device that signed it"));
    }
    let Some(old) = trusted_by_id(conn, &st.old_device)? else {
        return Ok(None);
    };
    let pinned = old
        .public_key
        .ok_or_else(|| Error::Corrupt(format!("trusted device {}: its key is damaged", old.id)))?;
    let old_key = hex::decode(&st.old_public_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    if old_key != Some(pinned) || device_id(&pinned) != st.old_device {
        return Err(bad(&format!(
            "its statement names another key for device {} than the one trusted here",
            st.old_device
        )));
    }
    let sig = hex::decode(&st.old_signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| bad("the old device's signature is not 64 bytes of hex"))?;
    pinned
        .verify(&st.message(), &Signature::from_bytes(&sig))
        .map_err(|_| {
            bad(&format!(
                "device {}'s signature is not valid",
                st.old_device
            ))
        })?;
    if let Some(by) = old.superseded_by.as_deref() {
        if by != signer_id {
            return Err(BundleError::BadReplacement(format!(
                "device {} was already replaced by device {by} (on {}); this bundle's device {signer_id} says it replaces it too: both hold the old key, so ask both monitors by phone before trusting either further",
                st.old_device,
                old.superseded_at.as_deref().unwrap_or("?")
            ))
            .into());
        }
    }
    Ok(Some(Replacement {
        old: st.old_device,
        new: signer_id.to_string(),
        at: st.at,
    }))
}

/// Records `r` at HQ (inside the import's transaction): the old device is marked replaced and
/// revoked (if it was not revoked already). Recording the same replacement again changes
/// nothing.
pub(crate) fn record(conn: &Connection, r: &Replacement) -> Result<()> {
    conn.execute(
        "UPDATE trusted_device SET superseded_by = ?2, superseded_at = ?3,
             revoked_at = coalesce(revoked_at, ?4)
         WHERE id = ?1 AND superseded_by IS NULL",
        params![r.old, r.new, r.at, crate::model::now()],
    )?;
    Ok(())
}

/// Whether `new` carries on `old`'s work: `old` was replaced by `new`, directly or through a
/// chain of replacements, as recorded here or in `pending` (this import's).
pub(crate) fn succeeds(
    conn: &Connection,
    old: &str,
    new: &str,
    pending: &[Replacement],
) -> Result<bool> {
    let mut at = old.to_string();
    for _ in 0..MAX_CHAIN {
        let next = match pending.iter().find(|r| r.old == at) {
            Some(r) => Some(r.new.clone()),
            None => conn
                .query_row(
                    "SELECT superseded_by FROM trusted_device WHERE id = ?1",
                    [&at],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten(),
        };
        match next {
            Some(n) if n == new => return Ok(true),
            Some(n) => at = n,
            None => return Ok(false),
        }
    }
    Ok(false)
}

#[cfg(test)]
#[path = "device_replacement_tests.rs"]
mod tests;
