//! Reading evidence back: the original streamed, shown in memory or extracted to a file the user
//! chose (each checked against the intake hash and logged), and deletion.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blob_of, get, Attachment, CHUNK};
use crate::crypto::blob;
use crate::crypto::hash::{hex_digest, sha256_hex};
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Streams the original bytes (decrypting). Integrity of each 64 KiB chunk is checked by age;
/// callers that need the end-to-end check compare the SHA-256 (as [`extract`] does).
pub fn open_original(vault: &Vault, id: &Uuid) -> Result<impl Read + Seek> {
    let (path, identity, _) = blob_of(vault, id)?;
    if !path.is_file() {
        return Err(Error::Corrupt(format!(
            "attachment {id}: its encrypted file is missing"
        )));
    }
    blob::open(&path, &identity)
}

/// The original bytes, decrypted into memory for display (never to disk), checked against the
/// intake hash; logs a custody `view`. Refuses files larger than `max_bytes`.
pub fn read_for_view(
    vault: &mut Vault,
    id: &Uuid,
    max_bytes: u64,
) -> Result<(String, zeroize::Zeroizing<Vec<u8>>)> {
    let att = get(vault, id)?;
    if att.size > max_bytes {
        return Err(Error::invalid(format!(
            "attachment {id} is too large to show ({} bytes): extract it instead",
            att.size
        )));
    }
    let mut r = open_original(vault, id)?;
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(att.size as usize));
    r.read_to_end(&mut bytes)
        .map_err(|e| Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})")))?;
    if sha256_hex(bytes.as_slice()) != att.sha256 {
        return Err(Error::Corrupt(format!(
            "attachment {id}: does not match the SHA-256 recorded at intake"
        )));
    }
    log_access(vault, Action::View, &att)?;
    Ok((att.media_type, bytes))
}

/// Bytes `start..start + len` of the original (cut at its end), decrypted into memory only:
/// the blob reader seeks, so only the 64 KiB age chunks that cover the range are read and
/// decrypted, each authenticated by age under the attachment's own key. This is how audio and
/// video play (a player asks for ranges as it seeks); the whole-file SHA-256 is checked by
/// [`read_for_view`], [`extract`] and verification, not per range. A custody `view` is logged
/// when a range starts at byte 0 (playback starting), not for every range. Returns the
/// attachment (its size and type) with the bytes.
pub fn read_range(
    vault: &mut Vault,
    id: &Uuid,
    start: u64,
    len: u64,
) -> Result<(Attachment, zeroize::Zeroizing<Vec<u8>>)> {
    let att = get(vault, id)?;
    if start >= att.size {
        return Err(Error::invalid(format!(
            "attachment {id} has {} bytes: no byte {start}",
            att.size
        )));
    }
    let len = len.min(att.size - start).min(super::media::MAX_RANGE_BYTES);
    let mut r = open_original(vault, id)?;
    let damaged = |e: std::io::Error| {
        Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})"))
    };
    r.seek(SeekFrom::Start(start)).map_err(damaged)?;
    let mut bytes = zeroize::Zeroizing::new(vec![0u8; len as usize]);
    r.read_exact(&mut bytes).map_err(damaged)?;
    if start == 0 {
        log_access(vault, Action::View, &att)?;
    }
    Ok((att, bytes))
}

/// Decrypts the original to `out` (a path the user chose: this copy is plaintext), checks its
/// SHA-256 against the one recorded at intake, and logs the extraction. On a mismatch the
/// output is removed.
pub fn extract(vault: &mut Vault, id: &Uuid, out: &Path) -> Result<Attachment> {
    let att = get(vault, id)?;
    if out.exists() {
        return Err(Error::invalid(format!(
            "{} already exists: not overwriting it",
            out.display()
        )));
    }
    let mut r = open_original(vault, id)?;
    let result = (|| -> Result<String> {
        let mut f = crate::vault::create_private(out)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = r.read(&mut buf).map_err(|e| {
                Error::Corrupt(format!("attachment {id}: encrypted file is damaged ({e})"))
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            f.write_all(&buf[..n])?;
        }
        f.sync_all()?;
        Ok(hex_digest(hasher))
    })();
    match result {
        Ok(h) if h == att.sha256 => {}
        Ok(h) => {
            let _ = fs::remove_file(out);
            return Err(Error::Corrupt(format!(
                "attachment {id}: SHA-256 {h} does not match the {} recorded at intake",
                att.sha256
            )));
        }
        Err(e) => {
            let _ = fs::remove_file(out);
            return Err(e);
        }
    }
    log_access(vault, Action::Extract, &att)?;
    Ok(att)
}

/// Logs a view or an extraction in the custody log; a vault opened read-only cannot record
/// anything, so there reading is not logged (the folder stays byte-identical: see
/// docs/lawyers-guide.md).
fn log_access(vault: &Vault, action: Action, att: &Attachment) -> Result<()> {
    if vault.mode() == crate::vault::OpenMode::ReadOnly {
        return Ok(());
    }
    custody::append(
        vault,
        action,
        Some(("attachment", &att.id)),
        Some(&att.sha256),
        None,
    )
}

/// Deletes an attachment with a signed tombstone (see [`crate::deletion`]): its row (and so
/// its key) under secure_delete, then its blob. `reason` is required.
pub fn delete(vault: &mut Vault, id: &Uuid, reason: &str) -> Result<()> {
    vault.delete_record(crate::model::RecordType::Attachment, id, reason)?;
    Ok(())
}
