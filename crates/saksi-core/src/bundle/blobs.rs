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
    /// The age identity as a statement parameter, borrowed from its zeroizing string: binding
    /// it copies nothing on our side (SQLite's own copy is wiped by SQLCipher's memory
    /// security). Never turn it into a `rusqlite::types::Value`, which would be an unwiped copy.
    pub fn identity_param(&self) -> &dyn rusqlite::ToSql {
        &*self.identity
    }

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

#[cfg(test)]
mod tests {
    use crate::bundle::{export, import, keys, ExportOptions};
    use crate::testutil::{freed, incident, pass};
    use crate::vault::{KdfProfile, Vault};

    #[test]
    fn imported_attachment_key_is_never_left_unwiped_in_freed_memory() {
        let tmp = tempfile::tempdir().unwrap();
        let new = |name: &str| {
            Vault::create_named(
                &tmp.path().join(name),
                &pass(),
                KdfProfile::Minimum,
                Some(name),
            )
            .unwrap()
        };
        let (mut mon, mut hq) = (new("mon"), new("hq"));
        let r = keys::keygen(&mut hq).unwrap();
        keys::recipient_add(&mut mon, "hq", &r).unwrap();
        let card = serde_json::to_vec(&keys::device_card(&mon).unwrap()).unwrap();
        keys::trust_add(&mut hq, &card).unwrap();
        let id = incident(&mut mon, "arrest");
        crate::evidence::intake_reader(&mut mon, "incident", &id, "note.txt", &b"a witness"[..])
            .unwrap();
        let out = tmp.path().join("b.saksi");
        export(
            &mut mon,
            &ExportOptions {
                to: vec!["hq".into()],
                out: out.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        // Every age identity string starts so (upper case, as stored); age's own parsing works
        // on the lower-case form and on bytes, so any hit is a copy made by our code.
        let (imported, hits) =
            freed::count_in_freed(&[b"AGE-SECRET-KEY-1"], || import(&mut hq, &out, None));
        imported.unwrap();
        let stored: i64 = hq
            .conn
            .query_row("SELECT count(*) FROM attachment", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 1, "the attachment must have been imported");
        assert_eq!(
            hits, 0,
            "importing must not free any unwiped copy of an age identity (the attachment key)"
        );
    }
}
