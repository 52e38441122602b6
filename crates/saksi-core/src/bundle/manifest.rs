//! The manifest (`manifest.json`): what a bundle is, who made it, for whom, and the SHA-256 and
//! size of every other file in it. It is signed in minisign format by the device key. Entry
//! names follow a fixed grammar ([`EntryName`]) and are never used as paths.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::BundleError;

pub const FORMAT: &str = "saksi-bundle";
pub const VERSION: u64 = 1;

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SIG: &str = "manifest.json.minisig";
pub const SUMS: &str = "SHA256SUMS";
pub const SUMS_SIG: &str = "SHA256SUMS.minisig";
pub const CUSTODY: &str = "custody.jsonl";

/// Record types a bundle can carry, in the order they are written (referenced before
/// referencing).
pub const RECORD_TYPES: &[&str] = &[
    "person",
    "incident",
    "involvement",
    "proceeding",
    "testimony",
    "intervention",
    "attachment",
    "annotation",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u64,
    pub bundle_id: String,
    pub device_id: String,
    pub device_name: String,
    /// This device's bundle counter: HQ refuses a second, different bundle with the same number.
    pub sequence: i64,
    pub created_at: String,
    /// Whom the bundle is for. Signed, so a recipient cannot re-encrypt it to someone else as if
    /// it had been meant for them.
    pub recipients: Vec<ManifestRecipient>,
    pub since_last: bool,
    /// What the device chose not to send, and why (counts only: no ids, no content).
    pub withheld: Vec<Withheld>,
    /// Every file of the bundle except the manifest and its signature, in archive order.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ManifestRecipient {
    pub recipient: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    pub record_type: String,
    pub count: u64,
    /// Stable, for programs and translations: `no_consent`, `witness_only`,
    /// `attachment_of_withheld`, `contacts`, `annotation_of_withheld`.
    pub code: String,
    /// For people reading the manifest.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// Just enough to tell the format and version apart before parsing strictly.
#[derive(Deserialize)]
struct Head {
    format: Option<String>,
    version: Option<u64>,
}

impl Manifest {
    /// Parses a manifest: the format and version first (an unknown version gets its own
    /// message), then strictly.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, BundleError> {
        let head: Head = serde_json::from_slice(bytes)
            .map_err(|e| BundleError::Malformed(MANIFEST.into(), e.to_string()))?;
        let format = head.format.unwrap_or_default();
        if format != FORMAT {
            return Err(BundleError::NotABundle(format!(
                "the manifest's format is '{format}'"
            )));
        }
        let version = head.version.unwrap_or(0);
        if version != VERSION {
            return Err(BundleError::UnknownVersion(format, version));
        }
        let m: Manifest = serde_json::from_slice(bytes)
            .map_err(|e| BundleError::Malformed(MANIFEST.into(), e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), BundleError> {
        let bad = |m: String| BundleError::Malformed(MANIFEST.into(), m);
        Uuid::parse_str(&self.bundle_id).map_err(|_| bad("bundle_id is not a UUID".into()))?;
        if self.sequence <= 0 {
            return Err(bad("sequence must be positive".into()));
        }
        if self.files.len() > super::limits::MAX_FILES {
            return Err(BundleError::TooLarge(format!(
                "{} files (at most {})",
                self.files.len(),
                super::limits::MAX_FILES
            )));
        }
        let mut total: u64 = 0;
        let mut seen = std::collections::HashSet::new();
        for f in &self.files {
            let name = EntryName::parse(&f.path)?;
            if matches!(name, EntryName::Manifest | EntryName::ManifestSig) {
                return Err(bad(format!("{} lists itself", f.path)));
            }
            if !seen.insert(f.path.as_str()) {
                return Err(bad(format!("{} is listed twice", f.path)));
            }
            if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(format!("{}: sha256 is not 64 hex digits", f.path)));
            }
            let max = name.max_size();
            if f.size > max {
                return Err(BundleError::TooLarge(format!(
                    "{} is {} bytes (at most {max})",
                    f.path, f.size
                )));
            }
            total = total.saturating_add(f.size);
        }
        if total > super::limits::MAX_TOTAL_BYTES {
            return Err(BundleError::TooLarge(format!(
                "{total} bytes in all (at most {})",
                super::limits::MAX_TOTAL_BYTES
            )));
        }
        Ok(())
    }

    /// The `SHA256SUMS` file: one `sha256  path` line per file (in `sha256sum -c` format), for
    /// every file except the two sums files themselves.
    pub fn sums_file(&self) -> String {
        let mut s = String::new();
        for f in &self.files {
            if f.path != SUMS && f.path != SUMS_SIG {
                s.push_str(&f.sha256);
                s.push_str("  ");
                s.push_str(&f.path);
                s.push('\n');
            }
        }
        s
    }

    /// The one-line trusted comment signed with the manifest.
    pub fn trusted_comment(&self) -> String {
        format!(
            "saksi-bundle v{} id {} device {} seq {} created {}",
            self.version, self.bundle_id, self.device_id, self.sequence, self.created_at
        )
    }
}

/// The name of a file inside a bundle. Only these shapes exist; anything else (`../x`,
/// absolute paths, backslashes, unknown folders, non-canonical UUIDs) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryName {
    Manifest,
    ManifestSig,
    Sums,
    SumsSig,
    Custody,
    Record { record_type: &'static str, id: Uuid },
    File { id: Uuid },
}

pub(crate) fn canonical_uuid(s: &str) -> Option<Uuid> {
    let u = Uuid::parse_str(s).ok()?;
    (u.to_string() == s).then_some(u)
}

impl EntryName {
    pub fn parse(name: &str) -> Result<EntryName, BundleError> {
        let bad = || {
            BundleError::BadEntryName(
                name.chars()
                    .take(120)
                    .collect::<String>()
                    .escape_default()
                    .to_string(),
            )
        };
        Ok(match name {
            MANIFEST => EntryName::Manifest,
            MANIFEST_SIG => EntryName::ManifestSig,
            SUMS => EntryName::Sums,
            SUMS_SIG => EntryName::SumsSig,
            CUSTODY => EntryName::Custody,
            _ => {
                let parts: Vec<&str> = name.split('/').collect();
                match parts.as_slice() {
                    ["records", ty, file] => {
                        let record_type = RECORD_TYPES
                            .iter()
                            .find(|t| **t == *ty)
                            .copied()
                            .ok_or_else(bad)?;
                        let id = file
                            .strip_suffix(".json")
                            .and_then(canonical_uuid)
                            .ok_or_else(bad)?;
                        EntryName::Record { record_type, id }
                    }
                    ["files", id] => EntryName::File {
                        id: canonical_uuid(id).ok_or_else(bad)?,
                    },
                    _ => return Err(bad()),
                }
            }
        })
    }

    pub fn path(&self) -> String {
        match self {
            EntryName::Manifest => MANIFEST.into(),
            EntryName::ManifestSig => MANIFEST_SIG.into(),
            EntryName::Sums => SUMS.into(),
            EntryName::SumsSig => SUMS_SIG.into(),
            EntryName::Custody => CUSTODY.into(),
            EntryName::Record { record_type, id } => format!("records/{record_type}/{id}.json"),
            EntryName::File { id } => format!("files/{id}"),
        }
    }

    /// The largest size accepted for this kind of file.
    pub fn max_size(&self) -> u64 {
        use super::limits::*;
        match self {
            EntryName::Manifest => MAX_MANIFEST_BYTES,
            EntryName::ManifestSig | EntryName::SumsSig => MAX_SIGNATURE_BYTES,
            EntryName::Sums => MAX_MANIFEST_BYTES,
            EntryName::Custody => MAX_CUSTODY_BYTES,
            EntryName::Record { .. } => MAX_RECORD_BYTES,
            EntryName::File { .. } => MAX_FILE_BYTES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_outside_the_grammar_are_refused() {
        let id = Uuid::now_v7();
        for good in [
            MANIFEST.to_string(),
            format!("records/incident/{id}.json"),
            format!("files/{id}"),
            CUSTODY.to_string(),
        ] {
            assert_eq!(EntryName::parse(&good).unwrap().path(), good);
        }
        for bad in [
            "../etc/passwd".to_string(),
            "/etc/passwd".to_string(),
            format!("records/../../{id}.json"),
            format!("records/incident/../{id}.json"),
            format!("files/{id}/x"),
            format!("files/{}", id.to_string().to_uppercase()),
            format!("files\\{id}"),
            format!("./files/{id}"),
            format!("records/secret/{id}.json"),
            "".to_string(),
        ] {
            assert!(
                EntryName::parse(&bad).is_err(),
                "an entry named {bad:?} must be refused"
            );
        }
    }
}
