//! Writing a bundle: choose the records (consent enforced), hash everything, sign the manifest,
//! then stream the age-encrypted tar to a temporary file that is renamed into place only once
//! the bundle is complete and the export is recorded.
//!
//! Memory stays bounded: records are serialised one at a time (twice: once to hash, once to
//! write, inside one transaction so both passes see the same data), attachments are streamed
//! from their encrypted blobs and re-hashed against the SHA-256 recorded at intake.
//!
//! Here: the options and summaries, the order of the steps (in one transaction), the signed
//! manifest and what is recorded. Selection and consent: `plan.rs`; the archive: `write.rs`.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use rusqlite::{params, Connection};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::bundle::keys::{self, RecipientEntry};
use crate::bundle::manifest::{self, EntryName, FileEntry, Manifest, ManifestRecipient, Withheld};
use crate::bundle::sha256_hex;
use crate::crypto::minisign;
use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::vault::Vault;

mod plan;
mod write;

use crate::bundle::ExportError;
use plan::{custody_lines, plan, resolve_recipients, Plan, Planned, PlannedFile};

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Recipient names (see `saksi recipient add`).
    pub to: Vec<String>,
    pub out: PathBuf,
    /// Only records that changed since the last bundle to these recipients.
    pub since_last: bool,
    /// Only these incidents (and their acts, testimony, proceedings, interventions, people and
    /// attachments); empty for everything.
    pub incidents: Vec<Uuid>,
    /// Also send people's contact details (withheld by default).
    pub include_contacts: bool,
}

/// What to export, as a person chooses it (the desktop's export wizard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Everything that may be shared.
    All,
    /// Only what changed since the last bundle to these recipients.
    SinceLast,
    /// Only the chosen incidents (with what belongs to them).
    Selected,
}

/// Most incidents one export of chosen incidents names.
pub const MAX_SELECTED_INCIDENTS: usize = 10_000;

impl ExportScope {
    /// `all`, `since_last` or `selected`.
    pub fn parse(s: &str) -> Result<ExportScope> {
        match s.trim() {
            "all" => Ok(ExportScope::All),
            "since_last" => Ok(ExportScope::SinceLast),
            "selected" => Ok(ExportScope::Selected),
            _ => Err(Error::invalid("unknown export scope")),
        }
    }
}

impl ExportOptions {
    /// Checked options for a scope: at least one recipient and no more than importers accept,
    /// each name 1 to 64 characters; a chosen-incidents scope names 1 to
    /// [`MAX_SELECTED_INCIDENTS`] incidents, each by its id; other scopes name none.
    pub fn for_scope(
        to: &[String],
        scope: ExportScope,
        incidents: &[String],
        include_contacts: bool,
        out: PathBuf,
    ) -> Result<ExportOptions> {
        if to.is_empty() {
            return Err(Error::invalid("choose at least one recipient"));
        }
        if to.len() >= crate::bundle::limits::MAX_HEADER_STANZAS {
            return Err(Error::invalid("too many recipients"));
        }
        let to: Vec<String> = to.iter().map(|n| n.trim().to_string()).collect();
        if to.iter().any(|n| n.is_empty() || n.chars().count() > 64) {
            return Err(Error::invalid("a recipient name is not valid"));
        }
        let incidents = match scope {
            ExportScope::Selected if incidents.is_empty() => {
                return Err(Error::invalid("choose at least one incident"))
            }
            ExportScope::Selected if incidents.len() > MAX_SELECTED_INCIDENTS => {
                return Err(Error::invalid("too many incidents"))
            }
            ExportScope::Selected => incidents
                .iter()
                .map(|i| crate::model::parse_id("incident", i))
                .collect::<Result<Vec<Uuid>>>()?,
            ExportScope::All | ExportScope::SinceLast => Vec::new(),
        };
        Ok(ExportOptions {
            to,
            out,
            since_last: scope == ExportScope::SinceLast,
            incidents,
            include_contacts,
        })
    }
}

/// What was exported and what was left out.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub bundle_id: String,
    pub sequence: i64,
    pub out: String,
    pub device_id: String,
    pub minisign_public_key: String,
    pub recipients: Vec<RecipientEntry>,
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<Withheld>,
    pub manifest_sha256: String,
    /// Tombstones carried (records deleted here that a recipient was sent).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deletions: usize,
    /// Consent withdrawals carried for testimonies sent before (not counted in `counts`).
    #[serde(skip_serializing_if = "is_zero")]
    pub consent_withdrawals: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What an export would contain, without writing anything: for the consent summary shown
/// before the monitor confirms.
#[derive(Debug, Clone, Serialize)]
pub struct ExportPreview {
    pub counts: BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<Withheld>,
}

/// The file name offered for a new bundle: the day it was made is enough to tell bundles apart
/// in a folder (UTC, so that it reveals no time zone).
pub fn suggested_file_name() -> String {
    chrono::Utc::now()
        .format("saksi-%Y-%m-%d.saksi")
        .to_string()
}

/// Plans an export (same selection and consent rules) and says what it would hold.
pub fn preview(vault: &Vault, opts: &ExportOptions) -> Result<ExportPreview> {
    if opts.to.is_empty() {
        return Err(Error::invalid("choose at least one recipient"));
    }
    let conn = &vault.conn;
    let recipients = resolve_recipients(conn, &opts.to)?;
    let p = plan(conn, opts, &recipients)?;
    Ok(ExportPreview {
        files: p.planned_files.len(),
        bytes: p.planned.iter().map(|x| x.file_size).sum::<u64>()
            + p.planned_files.iter().map(|x| x.size).sum::<u64>(),
        counts: p.counts,
        withheld: p.selection.withheld,
    })
}

/// Writes one bundle. See the module documentation.
pub fn export(vault: &mut Vault, opts: &ExportOptions) -> Result<ExportSummary> {
    export_with(vault, opts, &mut ())
}

/// [`export`], reporting bytes written (of an estimate: the plaintext size); cancelling removes
/// the partial file and records nothing.
pub fn export_with(
    vault: &mut Vault,
    opts: &ExportOptions,
    progress: &mut dyn Progress,
) -> Result<ExportSummary> {
    // An export is recorded (custody, export state): a read-only vault cannot make one.
    vault.writable()?;
    if opts.to.is_empty() {
        return Err(Error::invalid(
            "name at least one recipient to send the bundle to",
        ));
    }
    if opts.out.exists() {
        return Err(ExportError::OutputExists(opts.out.display().to_string()).into());
    }
    let vault = &*vault;
    let partial = write::Partial::beside(&opts.out);
    // One transaction from the plan to the record of the export, so that hashing and writing
    // see the same data; the bundle is renamed into place only once that is committed.
    let summary = vault.write(|conn, device| {
        let recipients = resolve_recipients(conn, &opts.to)?;
        // Importers refuse a header with more stanzas than this (age adds one "grease" stanza).
        if recipients.len() >= crate::bundle::limits::MAX_HEADER_STANZAS {
            return Err(Error::invalid(format!(
                "a bundle can be addressed to at most {} recipients",
                crate::bundle::limits::MAX_HEADER_STANZAS - 1
            )));
        }
        let age_recipients = recipients
            .iter()
            .map(|r| keys::parse_recipient(&r.recipient))
            .collect::<Result<Vec<_>>>()?;

        let Plan {
            selection,
            mut planned,
            planned_files,
            counts,
        } = plan(conn, opts, &recipients)?;
        plan::prepare(conn, device, &mut planned, opts.include_contacts)?;
        // Deletions travel to whoever was sent the deleted record, as its signed tombstone
        // entry in custody.jsonl (deletion/mod.rs); so do deletions received and applied here,
        // beside this vault's own signed entry naming them.
        let to: Vec<&str> = recipients.iter().map(|r| r.recipient.as_str()).collect();
        let tombstones = crate::deletion::outgoing(conn, &to, opts.since_last)?;
        let mut subjects: HashSet<String> = planned.iter().map(|p| p.id.clone()).collect();
        // Consent withdrawals travel until confirmed, even when nothing else changed.
        let withdrawals = crate::consent::to_send(conn, &recipients, &subjects)?;
        if planned.is_empty() && tombstones.is_empty() && withdrawals.is_empty() {
            return Err(ExportError::NothingToExport(if opts.since_last {
                "nothing changed since the last bundle to these recipients".into()
            } else {
                "the vault holds no records that may be shared".into()
            })
            .into());
        }
        subjects.extend(tombstones.iter().map(|d| d.record_id.clone()));
        // Only the tombstones chosen here travel: a received deletion this vault kept (pending,
        // conflict, kept) is not passed on, even when the record it names is.
        let tombstone_ids: HashSet<String> =
            tombstones.iter().map(|d| d.entry_id.clone()).collect();
        let mut custody_hash = Sha256::new();
        let mut custody_size = 0u64;
        custody_lines(conn, &subjects, &withdrawals, &tombstone_ids, |line| {
            custody_hash.update(line);
            custody_size += line.len() as u64;
            Ok(())
        })?;
        let custody = (custody_size > 0).then(|| FileEntry {
            path: manifest::CUSTODY.into(),
            sha256: hex::encode(custody_hash.finalize()),
            size: custody_size,
        });

        let bundle_id = Uuid::now_v7().to_string();
        let sequence: i64 = conn.query_row(
            "SELECT coalesce(max(sequence), 0) + 1 FROM bundle_export",
            [],
            |r| r.get(0),
        )?;
        let created_at = crate::model::now();
        let m = Manifest {
            format: manifest::FORMAT.into(),
            version: manifest::VERSION,
            bundle_id: bundle_id.clone(),
            device_id: device.id().to_string(),
            device_name: device.name().to_string(),
            sequence,
            created_at: created_at.clone(),
            recipients: recipients
                .iter()
                .map(|r| ManifestRecipient {
                    recipient: r.recipient.clone(),
                    fingerprint: r.fingerprint.clone(),
                })
                .collect(),
            since_last: opts.since_last,
            withheld: selection.withheld.clone(),
            files: file_list(&planned, &planned_files, custody.clone())?,
        };
        let signed = sign(device, m)?;

        // Pass 2: stream the archive into a temporary file beside the output.
        let contents = write::Contents {
            signed: &signed,
            planned: &planned,
            files: &planned_files,
            subjects: &subjects,
            withdrawals: &withdrawals,
            tombstones: &tombstone_ids,
            custody: custody.is_some(),
            include_contacts: opts.include_contacts,
        };
        let bytes = write::write_archive(
            vault,
            conn,
            &partial.path,
            &age_recipients,
            &contents,
            progress,
        )?;

        let summary = ExportSummary {
            bundle_id: bundle_id.clone(),
            sequence,
            out: opts.out.display().to_string(),
            device_id: device.id().to_string(),
            minisign_public_key: minisign::public_key_string(&device.public_key()),
            recipients: recipients.clone(),
            counts,
            files: signed.m.files.len() + 2,
            bytes,
            withheld: signed.m.withheld.clone(),
            manifest_sha256: signed.manifest_sha256.clone(),
            deletions: tombstones.len(),
            consent_withdrawals: withdrawals.len(),
        };
        record(conn, device, &summary, &created_at, &planned)?;
        crate::deletion::mark_sent(conn, &to, &tombstones, &bundle_id)?;
        Ok(summary)
    })?;
    partial.publish(&opts.out)?;
    Ok(summary)
}

/// The manifest's file list, in archive order after the signatures: records, the custody log
/// (if any), attachments.
fn file_list(
    planned: &[Planned],
    planned_files: &[PlannedFile],
    custody: Option<FileEntry>,
) -> Result<Vec<FileEntry>> {
    let mut files: Vec<FileEntry> = Vec::new();
    for p in planned {
        files.push(FileEntry {
            path: EntryName::Record {
                record_type: p.record_type,
                id: parse_uuid(&p.id)?,
            }
            .path(),
            sha256: p.file_sha256.clone(),
            size: p.file_size,
        });
    }
    files.extend(custody);
    for f in planned_files {
        files.push(FileEntry {
            path: EntryName::File {
                id: parse_uuid(&f.id)?,
            }
            .path(),
            sha256: f.sha256.clone(),
            size: f.size,
        });
    }
    Ok(files)
}

/// A manifest with its SHA256SUMS, both signed by the device key.
struct Signed {
    m: Manifest,
    manifest_bytes: Vec<u8>,
    manifest_sig: Vec<u8>,
    manifest_sha256: String,
    sums: Vec<u8>,
    sums_sig: Vec<u8>,
}

/// Signs SHA256SUMS (listed first in the manifest, then its signature) and the manifest.
fn sign(device: &DeviceIdentity, mut m: Manifest) -> Result<Signed> {
    let sums = m.sums_file().into_bytes();
    let sums_sig = minisign::sign(
        device,
        &sums,
        &format!("{} SHA256SUMS", m.trusted_comment()),
    )
    .into_bytes();
    m.files.insert(
        0,
        FileEntry {
            path: manifest::SUMS_SIG.into(),
            sha256: sha256_hex(&sums_sig),
            size: sums_sig.len() as u64,
        },
    );
    m.files.insert(
        0,
        FileEntry {
            path: manifest::SUMS.into(),
            sha256: sha256_hex(&sums),
            size: sums.len() as u64,
        },
    );
    let mut manifest_bytes =
        serde_json::to_vec_pretty(&m).map_err(|_| Error::Internal("manifest"))?;
    manifest_bytes.push(b'\n');
    let manifest_sig = minisign::sign(device, &manifest_bytes, &m.trusted_comment()).into_bytes();
    let manifest_sha256 = sha256_hex(&manifest_bytes);
    Ok(Signed {
        m,
        manifest_bytes,
        manifest_sig,
        manifest_sha256,
        sums,
        sums_sig,
    })
}

/// Records the export (what `--since-last` compares next time) and its custody entry.
fn record(
    conn: &Connection,
    device: &DeviceIdentity,
    summary: &ExportSummary,
    created_at: &str,
    planned: &[Planned],
) -> Result<()> {
    let (bundle_id, sequence, recipients) =
        (&summary.bundle_id, summary.sequence, &summary.recipients);
    let manifest_sha256 = &summary.manifest_sha256;
    let summary_json = serde_json::to_string(summary).map_err(|_| Error::Internal("summary"))?;
    let recipients_json =
        serde_json::to_string(&recipients.iter().map(|r| &r.recipient).collect::<Vec<_>>())
            .map_err(|_| Error::Internal("recipients"))?;
    conn.execute(
        "INSERT INTO bundle_export (bundle_id, sequence, created_at, recipients, manifest_sha256, summary)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![bundle_id, sequence, created_at, recipients_json, manifest_sha256, summary_json],
    )?;
    for r in recipients {
        for p in planned {
            conn.execute(
                "INSERT INTO export_state (recipient, record_type, record_id, content_sha256, bundle_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (recipient, record_type, record_id)
                 DO UPDATE SET content_sha256 = excluded.content_sha256, bundle_id = excluded.bundle_id",
                params![r.recipient, p.record_type, p.id, p.sha256, bundle_id],
            )?;
        }
    }
    let details = serde_json::json!({
        "sequence": sequence,
        "recipients": recipients.iter().map(|r| &r.fingerprint).collect::<Vec<_>>(),
        "counts": &summary.counts,
        "withheld": &summary.withheld,
    })
    .to_string();
    custody::append_on(
        conn,
        device,
        Action::Export,
        Some(("bundle", bundle_id)),
        Some(manifest_sha256),
        Some(&details),
    )
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::Corrupt(format!("record id {s} is not a UUID")))
}

#[cfg(test)]
mod scope_tests {
    use super::*;

    fn opts(scope: &str, to: &[&str], incidents: &[&str]) -> Result<ExportOptions> {
        let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
        let incidents: Vec<String> = incidents.iter().map(|s| s.to_string()).collect();
        ExportOptions::for_scope(
            &to,
            ExportScope::parse(scope)?,
            &incidents,
            false,
            PathBuf::new(),
        )
    }

    #[test]
    fn export_scope_rules_live_in_the_core() {
        assert!(opts("all", &["HQ"], &[]).is_ok());
        assert!(opts("since_last", &["HQ"], &[]).unwrap().since_last);
        let id = Uuid::now_v7().to_string();
        assert_eq!(
            opts("selected", &["HQ"], &[&id]).unwrap().incidents.len(),
            1
        );
        for (scope, to, incidents, why) in [
            (
                "selected",
                vec!["HQ"],
                vec![],
                "a chosen-incidents scope needs incidents",
            ),
            (
                "selected",
                vec!["HQ"],
                vec!["not-a-uuid"],
                "incidents are named by id",
            ),
            ("everything", vec!["HQ"], vec![], "only known scopes"),
            ("all", vec![], vec![], "a recipient is needed"),
            ("all", vec![" "], vec![], "a recipient name is not empty"),
        ] {
            assert_eq!(
                opts(scope, &to, &incidents).err().map(|e| e.kind()),
                Some("invalid_input"),
                "{why}"
            );
        }
        let many: Vec<String> = (0..crate::bundle::limits::MAX_HEADER_STANZAS)
            .map(|i| format!("r{i}"))
            .collect();
        assert!(
            ExportOptions::for_scope(&many, ExportScope::All, &[], false, PathBuf::new()).is_err(),
            "no more recipients than an importer accepts"
        );
    }
}
