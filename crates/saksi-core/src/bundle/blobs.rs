//! Writing imported attachments into `attachments/` in the at-rest format of `evidence`: an age
//! file under a fresh per-attachment X25519 identity, with a random name. The bytes are hashed
//! while they stream, and the blob is only kept if they match the signed manifest.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A blob written for an import, not yet named by a committed row. Dropping it without
/// [`StagedBlob::keep`] deletes the file.
pub(crate) struct StagedBlob {
    pub path: PathBuf,
    pub blob_name: String,
    pub identity: Zeroizing<String>,
    kept: bool,
}

impl StagedBlob {
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Encrypts everything `reader` yields into a new blob in `dir`; fails (leaving nothing) unless
/// it is exactly `size` bytes with SHA-256 `sha256`.
pub(crate) fn write(
    dir: &Path,
    mut reader: impl Read,
    sha256: &str,
    size: u64,
) -> Result<StagedBlob> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    let blob_name = hex::encode(b);
    let part = dir.join(format!("{blob_name}.part"));
    let path = dir.join(&blob_name);
    let result = (|| -> Result<(String, u64)> {
        let file = crate::vault::create_private(&part)?;
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|_| Error::Crypto("cannot set up attachment encryption"))?;
        let mut w = enc.wrap_output(std::io::BufWriter::new(file))?;
        let mut hasher = Sha256::new();
        let mut n_total = 0u64;
        let mut buf = Zeroizing::new(vec![0u8; 64 << 10]);
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            hasher.update(&buf[..n]);
            n_total += n as u64;
            w.write_all(&buf[..n])?;
        }
        let bw = w.finish()?;
        let file = bw.into_inner().map_err(|e| Error::from(e.into_error()))?;
        file.sync_all()?;
        Ok((hex::encode(hasher.finalize()), n_total))
    })();
    match result {
        Ok((h, n)) if h == sha256 && n == size => {
            fs::rename(&part, &path)?;
            Ok(StagedBlob {
                path,
                blob_name,
                identity: Zeroizing::new(identity.to_string().expose_secret().to_string()),
                kept: false,
            })
        }
        Ok(_) => {
            let _ = fs::remove_file(&part);
            Err(Error::Corrupt(
                "an attachment changed between verification and import".into(),
            ))
        }
        Err(e) => {
            let _ = fs::remove_file(&part);
            Err(e)
        }
    }
}
