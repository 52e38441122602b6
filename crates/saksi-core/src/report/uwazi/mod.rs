//! The Uwazi export (issue 10): a zip holding `import.csv` (one row per incident, written to
//! Uwazi's CSV import conventions: see `columns.rs` and docs/uwazi.md) and, beside it, the
//! attachments the rows name, decrypted from the vault straight into their zip entries.
//!
//! The zip is plaintext: the user chose to make it, for the purpose they named. Only what
//! consent allows for that purpose goes in (`select.rs`), contact details never, restricted
//! incidents only when asked; what was left out is counted with its reason. The zip is written
//! beside the output under a temporary name, its SHA-256 recorded in the custody log in the same
//! transaction that read the records, and renamed into place only once that is committed. Its
//! entries are in a fixed order with fixed timestamps, so the same records give the same bytes.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zip::write::SimpleFileOptions;

use crate::bundle::manifest::Withheld;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::model::vocab::{terms, Vocab};
use crate::report::Lang;
use crate::vault::Vault;

mod columns;
mod select;
#[cfg(test)]
mod tests;

/// What the export is for: it decides which testimonies (and their files) consent lets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Testimonies whose witness consented to publication (anonymous or named).
    Publication,
    /// Testimonies whose witness consented to use in legal proceedings.
    Legal,
}

impl Purpose {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "publication" => Ok(Purpose::Publication),
            "legal" => Ok(Purpose::Legal),
            other => Err(Error::invalid(format!(
                "unknown export purpose '{other}' (publication, legal)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Publication => "publication",
            Purpose::Legal => "legal",
        }
    }
}

#[derive(Debug, Clone)]
pub struct UwaziOptions {
    /// The zip to write (must not exist).
    pub out: PathBuf,
    pub purpose: Purpose,
    /// The languages of the Uwazi collection, its default first. One language: thesaurus values
    /// in plain columns; several: one `<property>__<language>` column per language.
    pub langs: Vec<Lang>,
    /// Only these incidents (all when empty).
    pub incidents: Vec<Uuid>,
    /// Also export incidents marked `restricted` (left out by default).
    pub include_restricted: bool,
}

/// What the export wrote, and what it left out.
#[derive(Debug, Clone, Serialize)]
pub struct UwaziSummary {
    pub out: String,
    pub purpose: Purpose,
    pub langs: Vec<&'static str>,
    pub incidents: usize,
    pub testimonies: usize,
    pub attachments: usize,
    /// Size of the zip in bytes, and its SHA-256 (also in the custody log).
    pub bytes: u64,
    pub sha256: String,
    pub withheld: Vec<Withheld>,
    /// What the consent check put in place of an original: its redacted or pseudonymised copy.
    pub replaced: Vec<crate::derivative::Replaced>,
}

fn labels(conn: &rusqlite::Connection, v: Vocab) -> Result<columns::Labels> {
    Ok(terms(conn, v)?
        .into_iter()
        .map(|t| (t.code, [t.label_en, t.label_km, t.label_fr]))
        .collect())
}

/// The zip's temporary name beside the output, removed unless it was renamed into place.
struct Partial(PathBuf);

impl Partial {
    fn beside(out: &Path) -> Partial {
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "uwazi.zip".into());
        sweep(parent, &name);
        Partial(parent.join(format!(".{name}.{}.partial", Uuid::new_v4().simple())))
    }
}

/// Removes what an export to the same name left when it was killed before it could clean up
/// (`.NAME.<32 hex>.partial`): unlike a bundle's, an Uwazi partial is plaintext.
fn sweep(parent: &Path, name: &str) {
    let Ok(dir) = fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in dir.flatten() {
        let file = entry.file_name();
        let Some(file) = file.to_str() else {
            continue;
        };
        let stale = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".partial"))
            .is_some_and(|id| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()));
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Formats that are compressed already: deflating them again costs time and saves nothing.
const STORED: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "mp4", "m4v", "mov", "mkv", "webm", "3gp",
    "mp3", "m4a", "aac", "ogg", "opus", "amr", "zip", "gz", "7z", "rar", "xz", "docx", "xlsx",
    "pptx", "odt",
];

/// Every entry has the same fixed time (1980-01-01, the zip epoch) and permissions; deflated
/// unless its name says it is compressed already.
fn entry_options(name: &str, size: u64) -> SimpleFileOptions {
    let stored = name
        .rsplit_once('.')
        .is_some_and(|(_, ext)| STORED.contains(&ext));
    SimpleFileOptions::default()
        .compression_method(if stored {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        })
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(size >= u64::from(u32::MAX))
}

fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(e) => Error::Io(e),
        other => Error::invalid(format!("the zip could not be written: {other}")),
    }
}

impl Vault {
    /// Writes the Uwazi zip (see the module documentation). One operation: the records are read,
    /// the zip written and its custody entry (purpose, counts, SHA-256) recorded in one
    /// transaction; each exported attachment also gets an entry naming the zip.
    pub fn export_uwazi(&mut self, opts: &UwaziOptions) -> Result<UwaziSummary> {
        self.writable()?;
        if opts.out.exists() {
            return Err(Error::invalid(format!(
                "{} already exists: not overwriting it",
                opts.out.display()
            )));
        }
        let mut langs: Vec<Lang> = Vec::new();
        for l in &opts.langs {
            if !langs.contains(l) {
                langs.push(*l);
            }
        }
        if langs.is_empty() {
            langs = vec![Lang::En, Lang::Km, Lang::Fr];
        }
        let vault = &*self;
        let partial = Partial::beside(&opts.out);
        let summary = vault.write(|conn, device| {
            let sel = select::select(conn, opts, &|id| crate::derivative::read_text(vault, id))?;
            if sel.rows.is_empty() {
                return Err(Error::invalid(
                    "no incident may go into this export (none in scope, or all restricted)",
                ));
            }
            let vocab = columns::Vocabularies {
                kinds: labels(conn, Vocab::IncidentKind)?,
                categories: labels(conn, Vocab::PersonCategory)?,
                proceedings: labels(conn, Vocab::ProceedingKind)?,
            };
            let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
            csv.write_record(columns::header(&langs))
                .map_err(|e| Error::invalid(format!("import.csv: {e}")))?;
            for r in &sel.rows {
                csv.write_record(columns::row(r, &vocab, &langs)?)
                    .map_err(|e| Error::invalid(format!("import.csv: {e}")))?;
            }
            let csv = csv
                .into_inner()
                .map_err(|e| Error::invalid(format!("import.csv: {e}")))?;

            let file = crate::vault::create_private(&partial.0)?;
            let mut zip = zip::ZipWriter::new(file);
            zip.start_file("import.csv", entry_options("import.csv", csv.len() as u64))
                .map_err(zip_error)?;
            zip.write_all(&csv)?;
            let mut files: Vec<(String, &select::FileOut)> = sel
                .files
                .iter()
                .map(|f| (columns::file_name(&f.id, &f.original_name), f))
                .collect();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, f) in &files {
                zip.start_file(name.as_str(), entry_options(name, f.size))
                    .map_err(zip_error)?;
                copy_checked(vault, f, &mut zip)?;
            }
            let mut file = zip.finish().map_err(zip_error)?;
            file.flush()?;
            file.sync_all()?;
            drop(file);
            let (bytes, sha256) = hash_file(&partial.0)?;

            let testimonies = sel.rows.iter().map(|r| r.testimonies.len()).sum();
            let details = serde_json::json!({
                "purpose": opts.purpose.as_str(),
                "incidents": sel.rows.len(),
                "testimonies": testimonies,
                "attachments": files.len(),
                "withheld": &sel.withheld,
                "replaced": &sel.replaced,
            })
            .to_string();
            custody::append_on(
                conn,
                device,
                Action::UwaziExport,
                None,
                Some(&sha256),
                Some(&details),
            )?;
            let zip_ref = serde_json::json!({ "zip_sha256": &sha256 }).to_string();
            for (_, f) in &files {
                custody::append_on(
                    conn,
                    device,
                    Action::UwaziExport,
                    Some(("attachment", &f.id)),
                    Some(&f.sha256),
                    Some(&zip_ref),
                )?;
            }
            Ok(UwaziSummary {
                out: opts.out.display().to_string(),
                purpose: opts.purpose,
                langs: langs.iter().map(|l| l.as_str()).collect(),
                incidents: sel.rows.len(),
                testimonies,
                attachments: files.len(),
                bytes,
                sha256,
                withheld: sel.withheld,
                replaced: sel.replaced,
            })
        })?;
        if opts.out.exists() {
            return Err(Error::invalid(format!(
                "{} appeared while the export was written: not overwriting it",
                opts.out.display()
            )));
        }
        fs::rename(&partial.0, &opts.out)?;
        if let Some(parent) = opts.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::vault::sync_dir(parent)?;
        }
        Ok(summary)
    }
}

/// Streams one attachment, decrypting, into the open zip entry, and checks it against the
/// SHA-256 recorded at intake.
fn copy_checked(vault: &Vault, f: &select::FileOut, out: &mut impl Write) -> Result<()> {
    let id = Uuid::parse_str(&f.id)
        .map_err(|_| Error::Corrupt(format!("attachment id '{}' is not a UUID", f.id)))?;
    let mut r = crate::evidence::open_original(vault, &id)?;
    let mut hasher = Sha256::new();
    let mut buf = zeroize::Zeroizing::new(vec![0u8; 64 * 1024]);
    loop {
        let n = r.read(&mut buf).map_err(|e| {
            Error::Corrupt(format!(
                "attachment {}: encrypted file is damaged ({e})",
                f.id
            ))
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
    }
    let got = hex::encode(hasher.finalize());
    if got != f.sha256 {
        return Err(Error::Corrupt(format!(
            "attachment {}: SHA-256 {got} does not match the {} recorded at intake",
            f.id, f.sha256
        )));
    }
    Ok(())
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut f, &mut hasher)?;
    Ok((bytes, hex::encode(hasher.finalize())))
}
