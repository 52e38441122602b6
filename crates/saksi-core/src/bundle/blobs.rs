//! Writing imported attachments into `attachments/` with the blob writer intake uses
//! ([`crate::crypto::blob`]): an age file under a fresh per-attachment X25519 identity, with a
//! random name. The bytes are hashed while they stream, and the blob is only kept if they match
//! the signed manifest.

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use age::secrecy::ExposeSecret;
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
    dir: &crate::crypto::blob::BlobDir,
    reader: impl Read,
    sha256: &str,
    size: u64,
) -> Result<StagedBlob> {
    staged(
        crate::crypto::blob::write(dir, reader, |_, _| Ok(()))?,
        sha256,
        size,
    )
}

/// A blob already written (pass 1 writes each new attachment's blob while it verifies it),
/// named and handed over as a staged blob; fails (leaving nothing) unless it is exactly `size`
/// bytes with SHA-256 `sha256`.
pub(crate) fn staged(
    blob: crate::crypto::blob::NewBlob,
    sha256: &str,
    size: u64,
) -> Result<StagedBlob> {
    if blob.sha256 != sha256 || blob.size != size {
        return Err(Error::Corrupt(
            "an attachment changed between verification and import".into(),
        ));
    }
    blob.install()?;
    let staged = StagedBlob {
        path: blob.final_path(),
        blob_name: blob.name.clone(),
        identity: Zeroizing::new(blob.identity.to_string().expose_secret().to_string()),
        kept: false,
    };
    blob.keep();
    Ok(staged)
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
        crate::evidence::intake_reader(
            &mut mon,
            crate::model::RecordType::Incident,
            &id,
            "note.txt",
            &b"a witness"[..],
        )
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
