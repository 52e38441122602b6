//! The court folder: the original files under their exhibit numbers (plaintext, by the user's
//! explicit choice, like an extraction), the exhibit list as CSV and HTML, the custody log of
//! those items with the devices' keys, `SHA256SUMS` signed in minisign's format, and
//! `VERIFY.txt`. Reproducible: the same selection gives the same bytes (ordered output, no
//! clock: the one time written is the case's creation time; Ed25519 signatures are
//! deterministic), so two lawyers compare their copies by the SHA-256 of `SHA256SUMS`.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::list::{self, DeviceKey, ExhibitRow};
use super::{case_file, html, verify_text, CaseError, CaseFile};
use crate::crypto::hash::{hex_digest, sha256_hex};
use crate::crypto::minisign;
use crate::custody::{self, Action, Entry};
use crate::error::{Error, Result};
use crate::evidence;
use crate::progress::Progress;
use crate::vault::Vault;

/// Names of the files beside `exhibits/`.
pub const SUMS: &str = "SHA256SUMS";
pub const SUMS_SIG: &str = "SHA256SUMS.minisig";

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct CourtFolder {
    pub case_id: String,
    pub out: String,
    pub exhibits: usize,
    /// Every file, relative to the folder, sorted.
    pub files: Vec<String>,
    /// The folder's one hash: the SHA-256 of `SHA256SUMS`, which lists every other file.
    pub sha256sums_sha256: String,
    /// The key `minisign -V -P` takes to check `SHA256SUMS.minisig`.
    pub minisign_public_key: String,
}

#[derive(Serialize)]
struct DevicesFile<'a> {
    format: &'static str,
    case_id: &'a str,
    /// The device that signed `SHA256SUMS`.
    signed_by: &'a str,
    devices: &'a [DeviceKey],
}

impl Vault {
    /// Writes the court folder of `case` into `out` (a new or empty folder); logs one
    /// `case_folder_extract` entry per exhibit, in one transaction after every file is written
    /// and checked. On any failure the files written are removed.
    pub fn case_court_folder(&mut self, case: &Uuid, out: &Path) -> Result<CourtFolder> {
        self.case_court_folder_with(case, out, &mut ())
    }

    /// [`Vault::case_court_folder`] reporting the exhibits' bytes written as they go (item by
    /// item); cancelling stops at the next piece, removes what was written (the folder too, when
    /// this made it) and logs nothing.
    pub fn case_court_folder_with(
        &mut self,
        case: &Uuid,
        out: &Path,
        progress: &mut dyn Progress,
    ) -> Result<CourtFolder> {
        self.writable()?;
        let case = case_file(self, case)?;
        let rows = list::rows_with_steps(self, &case)?;
        if rows.is_empty() {
            return Err(CaseError::NoExhibits.into());
        }
        // Consent withdrawn for legal use after the item became an exhibit (issue 13).
        let withdrawn = crate::consent::withdrawn_attachments(
            &self.conn,
            crate::consent::Purpose::LegalProceedings,
        )?;
        if let Some((r, _)) = rows
            .iter()
            .find(|(r, _)| withdrawn.contains(&r.attachment_id))
        {
            return Err(crate::consent::ConsentError::WithdrawnForCourt {
                item: r.attachment_id.clone(),
                exhibit: format!(" (exhibit {})", r.label),
            }
            .into());
        }
        let created = prepare(out)?;
        let written = write_all(self, &case, &rows, out, progress).and_then(|summary| {
            self.write(|tx, dev| {
                for (r, _) in &rows {
                    let details = serde_json::json!({
                        "case": case.id,
                        "exhibit": r.label,
                        "sha256sums": summary.sha256sums_sha256,
                    })
                    .to_string();
                    custody::append_on(
                        tx,
                        dev,
                        Action::CaseFolderExtract,
                        Some(("attachment", &r.attachment_id)),
                        Some(&r.sha256),
                        Some(&details),
                    )?;
                }
                Ok(())
            })?;
            Ok(summary)
        });
        if written.is_err() {
            remove(out, created);
        }
        written
    }
}

/// Refuses an existing non-empty folder; makes a missing one. Returns whether it was made.
fn prepare(out: &Path) -> Result<bool> {
    match fs::read_dir(out) {
        Ok(mut d) => {
            if d.next().is_some() {
                return Err(CaseError::FolderNotEmpty(out.to_path_buf()).into());
            }
            Ok(false)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out)?;
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes what a failed run wrote (the folder was empty or new before it).
fn remove(out: &Path, created: bool) {
    if created {
        let _ = fs::remove_dir_all(out);
    } else if let Ok(d) = fs::read_dir(out) {
        for e in d.flatten() {
            let p = e.path();
            let _ = if p.is_dir() {
                fs::remove_dir_all(&p)
            } else {
                fs::remove_file(&p)
            };
        }
    }
}

fn write_all(
    vault: &Vault,
    case: &CaseFile,
    rows: &[(ExhibitRow, Vec<evidence::Step>)],
    out: &Path,
    progress: &mut dyn Progress,
) -> Result<CourtFolder> {
    fs::create_dir(out.join("exhibits"))?;
    let mut sums: Vec<(String, String)> = Vec::new();
    let total: u64 = rows.iter().map(|(r, _)| r.size).sum();
    let mut done = 0u64;
    crate::progress::check(progress, 0, Some(total))?;
    for (i, (r, _)) in rows.iter().enumerate() {
        progress.item(i, rows.len());
        let sha = write_exhibit(vault, r, &out.join(&r.file), &mut done, total, progress)?;
        sums.push((r.file.clone(), sha));
    }
    let table: Vec<&ExhibitRow> = rows.iter().map(|(r, _)| r).collect();
    let entries = custody_entries(rows);
    let devices = list::devices(vault, rows.iter().flat_map(|(_, s)| s.iter()))?;
    let me = vault.device();
    let key = minisign::public_key_string(&me.public_key());
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("exhibits.csv", csv(&table)?),
        (
            "exhibits.html",
            html::page(case, me.id(), &table).into_bytes(),
        ),
        ("custody.jsonl", jsonl(&entries)?),
        ("devices.json", {
            let mut b = serde_json::to_vec_pretty(&DevicesFile {
                format: "saksi-court-folder-devices-1",
                case_id: &case.id,
                signed_by: me.id(),
                devices: &devices,
            })
            .map_err(|_| Error::Internal("devices.json"))?;
            b.push(b'\n');
            b
        }),
    ];
    let first = entries.first().map(|e| e.entry_hash.as_str());
    files.push((
        "VERIFY.txt",
        verify_text::text(case, &key, me.id(), first).into_bytes(),
    ));
    for (name, bytes) in &files {
        write_file(&out.join(name), bytes)?;
        sums.push((name.to_string(), sha256_hex(bytes)));
    }
    sums.sort_by(|a, b| a.0.cmp(&b.0));
    let sums_file: String = sums
        .iter()
        .map(|(path, sha)| format!("{sha}  {path}\n"))
        .collect();
    let sig = minisign::sign(
        me,
        sums_file.as_bytes(),
        &format!("saksi court folder, case {}, {SUMS}", case.id),
    );
    write_file(&out.join(SUMS), sums_file.as_bytes())?;
    write_file(&out.join(SUMS_SIG), sig.as_bytes())?;
    let mut all: Vec<String> = sums.into_iter().map(|(p, _)| p).collect();
    all.push(SUMS.into());
    all.push(SUMS_SIG.into());
    all.sort();
    fix_times(out, &all, &case.created_at)?;
    crate::vault::sync_dir(&out.join("exhibits"))?;
    crate::vault::sync_dir(out)?;
    Ok(CourtFolder {
        case_id: case.id.clone(),
        out: out.display().to_string(),
        exhibits: rows.len(),
        files: all,
        sha256sums_sha256: sha256_hex(sums_file.as_bytes()),
        minisign_public_key: key,
    })
}

/// Decrypts one exhibit to `path`, hashing as it writes; refuses a mismatch with the intake
/// hash. Returns the SHA-256.
fn write_exhibit(
    vault: &Vault,
    r: &ExhibitRow,
    path: &Path,
    done: &mut u64,
    total: u64,
    progress: &mut dyn Progress,
) -> Result<String> {
    let id = crate::model::parse_id("attachment", &r.attachment_id)?;
    let mut src = evidence::open_original(vault, &id)?;
    let mut f = crate::vault::create_private(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = src.read(&mut buf).map_err(|e| {
            Error::Corrupt(format!(
                "exhibit {}: its encrypted file is damaged ({e})",
                r.label
            ))
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        f.write_all(&buf[..n])?;
        *done += n as u64;
        crate::progress::check(progress, *done, Some(total))?;
    }
    f.sync_all()?;
    let sha = hex_digest(hasher);
    if sha != r.sha256 {
        return Err(CaseError::ExhibitAltered {
            exhibit: r.label.clone(),
            expected: r.sha256.clone(),
        }
        .into());
    }
    Ok(sha)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = crate::vault::create_private(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Every file's modification time is the case's creation time, so that copies compared by
/// tools that look at times (archivers, sync tools) agree too.
fn fix_times(out: &Path, files: &[String], created_at: &str) -> Result<()> {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(created_at) else {
        return Ok(());
    };
    let Ok(secs) = u64::try_from(t.timestamp()) else {
        return Ok(());
    };
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let mut paths: Vec<PathBuf> = files.iter().map(|f| out.join(f)).collect();
    paths.push(out.join("exhibits"));
    for p in paths {
        fs::File::options()
            .write(!p.is_dir())
            .read(p.is_dir())
            .open(&p)?
            .set_modified(when)?;
    }
    Ok(())
}

/// The custody entries of every exhibit, each once, in time order (then device, then its
/// sequence number): the same entries give the same file.
fn custody_entries(rows: &[(ExhibitRow, Vec<evidence::Step>)]) -> Vec<Entry> {
    let mut seen = BTreeSet::new();
    let mut entries: Vec<Entry> = rows
        .iter()
        .flat_map(|(_, steps)| steps.iter())
        .filter(|s| seen.insert((s.entry.device_id.clone(), s.entry.id.clone())))
        .map(|s| s.entry.clone())
        .collect();
    entries.sort_by(|a, b| {
        (a.at.as_str(), a.device_id.as_str(), a.seq).cmp(&(
            b.at.as_str(),
            b.device_id.as_str(),
            b.seq,
        ))
    });
    entries
}

/// One entry per line, exactly as a bundle's `custody.jsonl` carries them.
fn jsonl(entries: &[Entry]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut out, e).map_err(|_| Error::Internal("custody entry"))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// The exhibit list as CSV: UTF-8 with a byte-order mark (spreadsheets then keep Khmer),
/// RFC 4180 quoting, CRLF.
fn csv(rows: &[&ExhibitRow]) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::invalid(format!("the exhibit list could not be written: {e}"));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "exhibit",
        "description",
        "file",
        "original_name",
        "media_type",
        "sha256",
        "size_bytes",
        "captured_at_exif",
        "intake_at",
        "source_device_id",
        "source_device_name",
        "source_device_fingerprint",
        "custody",
        "custody_verified",
        "redactions",
    ])
    .map_err(err)?;
    for r in rows {
        w.write_record([
            r.label.clone(),
            r.description.clone(),
            r.file.clone(),
            r.original_name.clone(),
            r.media_type.clone(),
            r.sha256.clone(),
            r.size.to_string(),
            r.captured_at.clone().unwrap_or_default(),
            r.intake_at.clone(),
            r.source_device_id.clone(),
            r.source_device_name.clone().unwrap_or_default(),
            r.source_fingerprint.clone().unwrap_or_default(),
            custody_text(r),
            if r.custody_verified { "yes" } else { "NO" }.to_string(),
            r.redactions.join("\n"),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::invalid(format!("the exhibit list could not be written: {e}")))
}

/// The custody of one exhibit, one step a line: `time action device (id) verified`.
pub(super) fn custody_text(r: &ExhibitRow) -> String {
    r.custody
        .iter()
        .map(|s| {
            format!(
                "{} {} {} ({}){}",
                s.at,
                s.action,
                s.device_name.as_deref().unwrap_or("unknown device"),
                s.device_id,
                if s.verified { "" } else { " NOT VERIFIED" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
