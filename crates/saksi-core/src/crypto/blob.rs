//! Attachment blobs at rest: an age file under a fresh per-attachment X25519 identity, with a
//! random 128-bit name, in the vault's `attachments/` folder. Intake and import both write them
//! with [`write`]; reading is [`open`].

use std::fs;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Bytes read, hashed, encrypted and written per step.
const CHUNK: usize = 64 * 1024;

/// The attachments folder, shared by a vault's two databases (see `vault/pair.rs`), with the
/// key that marks a blob name as this database's.
///
/// A name is 64 random bits followed by a 64-bit tag, HKDF of the random part under a key from
/// the database's master key: to anyone else it is 128 random bits that say nothing about the
/// file, but the database that made it can recognise it, so orphan clean-up removes only its
/// own orphans and never the other database's blobs.
pub(crate) struct BlobDir {
    pub path: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

impl BlobDir {
    pub(crate) fn new(path: PathBuf, key: Zeroizing<[u8; 32]>) -> Self {
        BlobDir { path, key }
    }

    fn tag(&self, random: &[u8]) -> [u8; 8] {
        let t = super::kdf::subkey(
            &self.key,
            &format!("attachment blob name {}", hex::encode(random)),
        );
        let mut out = [0u8; 8];
        out.copy_from_slice(&t[..8]);
        out
    }

    /// A fresh blob name: 32 hex digits, random to anyone without this database's key.
    pub(crate) fn new_name(&self) -> String {
        let mut b = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut b[..8]);
        let tag = self.tag(&b[..8]);
        b[8..].copy_from_slice(&tag);
        hex::encode(b)
    }

    /// Whether `name` was made by [`BlobDir::new_name`] under this database's key.
    pub(crate) fn is_own(&self, name: &str) -> bool {
        let Ok(b) = hex::decode(name) else {
            return false;
        };
        b.len() == 16 && self.tag(&b[..8]) == b[8..]
    }
}

/// A blob just written as `<dir>/<name>.part`, not yet named by a committed row. Dropping it
/// without [`NewBlob::keep`] deletes the file under both its names.
pub(crate) struct NewBlob {
    dir: PathBuf,
    pub name: String,
    pub identity: age::x25519::Identity,
    /// SHA-256 of the plaintext, hex.
    pub sha256: String,
    /// Plaintext bytes.
    pub size: u64,
    kept: bool,
}

impl NewBlob {
    /// Where the blob is until [`NewBlob::install`].
    pub fn part_path(&self) -> PathBuf {
        self.dir.join(format!("{}.part", self.name))
    }

    /// Where the blob is once installed.
    pub fn final_path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// Gives the blob its final name.
    pub fn install(&self) -> std::io::Result<()> {
        fs::rename(self.part_path(), self.final_path())
    }

    /// Keeps the file: a committed row names it now.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for NewBlob {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(self.part_path());
            let _ = fs::remove_file(self.final_path());
        }
    }
}

/// Encrypts everything `reader` yields into a new blob in `dir`, streaming in 64 KiB pieces
/// (nothing plaintext touches the disk), hashing and counting as it goes; encryption and writing
/// run on a second thread ([`super::pipe::WriteBehind`]). `each` sees every
/// piece after it is written, with the bytes so far; an error from it (a cancel) or from the
/// reader stops the write and leaves nothing behind.
pub(crate) fn write(
    dir: &BlobDir,
    mut reader: impl Read,
    mut each: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<NewBlob> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let mut blob = NewBlob {
        dir: dir.path.clone(),
        name: dir.new_name(),
        identity,
        sha256: String::new(),
        size: 0,
        kept: false,
    };
    let file = crate::vault::create_private(&blob.part_path())?;
    let enc = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|_| Error::Crypto("cannot set up attachment encryption"))?;
    let w = enc.wrap_output(std::io::BufWriter::new(file))?;
    // Encrypted, written and synced on a second thread while this one reads and hashes.
    let mut w = super::pipe::WriteBehind::new(w, |w| {
        let bw = w.finish()?;
        let file = bw.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })?;
    let mut hasher = Sha256::new();
    let mut buf = Zeroizing::new(vec![0u8; CHUNK]);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        hasher.update(&buf[..n]);
        blob.size += n as u64;
        w.write_all(&buf[..n])?;
        each(&buf[..n], blob.size)?;
    }
    w.finish()?;
    blob.sha256 = super::hash::hex_digest(hasher);
    Ok(blob)
}

/// A decrypting reader over a blob.
pub(crate) type BlobReader = age::stream::StreamReader<BufReader<fs::File>>;

/// Opens the blob at `path` for reading under its identity. Integrity of each 64 KiB chunk is
/// checked by age as it is read.
pub(crate) fn open(path: &Path, identity: &age::x25519::Identity) -> Result<BlobReader> {
    let f = fs::File::open(path)?;
    let d = age::Decryptor::new(BufReader::new(f))
        .map_err(|e| Error::Corrupt(format!("encrypted attachment is damaged: {e}")))?;
    d.decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| Error::Corrupt(format!("encrypted attachment cannot be decrypted: {e}")))
}
