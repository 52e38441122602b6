//! Verification: every attachment re-hashed by streaming decryption against its intake hash.

use std::io::Read;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blob_of, CHUNK};
use crate::crypto::blob;
use crate::crypto::hash::hex_digest;
use crate::error::Result;
use crate::progress::Progress;
use crate::vault::Vault;

/// Re-hashes every attachment by streaming decryption. Returns how many were checked and the
/// problems found, each naming the attachment id.
pub(crate) fn verify_all(
    vault: &Vault,
    progress: &mut dyn Progress,
) -> Result<(usize, Vec<String>)> {
    let ids: Vec<String> = vault
        .conn
        .prepare("SELECT id FROM attachment ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for (i, sid) in ids.iter().enumerate() {
        crate::progress::check(progress, i as u64, Some(ids.len() as u64))?;
        let id = crate::model::parse_id("attachment", sid)?;
        if let Err(p) = verify_one(vault, &id) {
            problems.push(p);
        }
    }
    Ok((ids.len(), problems))
}

/// Checks one attachment against the hash recorded at intake.
pub fn verify_one(vault: &Vault, id: &Uuid) -> std::result::Result<(), String> {
    let (path, identity, sha) = blob_of(vault, id).map_err(|e| format!("attachment {id}: {e}"))?;
    if !path.is_file() {
        return Err(format!("attachment {id}: its encrypted file is missing"));
    }
    let mut r = blob::open(&path, &identity).map_err(|e| format!("attachment {id}: {e}"))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) => return Err(format!("attachment {id}: encrypted file is damaged ({e})")),
        }
    }
    let h = hex_digest(hasher);
    if h != sha {
        return Err(format!(
            "attachment {id}: SHA-256 {h} does not match the {sha} recorded at intake"
        ));
    }
    Ok(())
}
