//! Evidence: attach files (chosen in a dialog or dropped on the window), list them, show one with
//! its custody entries, extract a plaintext copy. Images are shown through the `saksi:` scheme
//! (see `scheme.rs`), never through these commands. File paths never come from the webview.

use std::path::PathBuf;

use saksi_core::evidence::{self, Attachment, BatchIntake};
use saksi_core::model::RecordType;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::parse_id;
use crate::dialogs::{self, file_name, Drops};
use crate::error::CmdResult;
use crate::jobs::{Jobs, ProgressMsg};
use crate::state::AppState;

fn holder(t: &str) -> CmdResult<RecordType> {
    Ok(RecordType::evidence_holder(t)?)
}

#[tauri::command(async)]
pub fn evidence_list(state: State<'_, AppState>, record_id: String) -> CmdResult<Vec<Attachment>> {
    let id = parse_id(&record_id)?;
    state.with_vault(|v| evidence::list(v, Some(&id)))
}

/// One attachment with its whole chain of custody (the sender's entries received in bundles and
/// this vault's, each verified), for the viewer.
#[derive(Debug, Serialize)]
pub struct EvidenceDetail {
    pub attachment: Attachment,
    pub custody: Vec<evidence::Step>,
    /// The original it is a redacted copy of, and the copies made from it.
    pub redaction: saksi_core::derivative::Links,
}

#[tauri::command(async)]
pub fn evidence_get(state: State<'_, AppState>, id: String) -> CmdResult<EvidenceDetail> {
    let id = parse_id(&id)?;
    state.with_vault(|v| {
        let attachment = evidence::get(v, &id)?;
        let custody = evidence::provenance(v, &attachment.id)?;
        let redaction = saksi_core::derivative::links(v, &id)?;
        Ok(EvidenceDetail {
            attachment,
            custody,
            redaction,
        })
    })
}

/// What a batch intake did (see [`evidence::intake_paths`]); `chosen` is false when the dialog
/// was closed without choosing.
#[derive(Debug, Serialize)]
pub struct AttachResult {
    pub chosen: bool,
    #[serde(flatten)]
    pub batch: BatchIntake,
}

/// Attaches `paths` to the record as one cancellable job.
fn attach_all(
    state: &AppState,
    jobs: &Jobs,
    job: &str,
    on_progress: Channel<ProgressMsg>,
    record: (RecordType, uuid::Uuid),
    paths: Vec<PathBuf>,
) -> CmdResult<AttachResult> {
    jobs.run(job, on_progress, |reporter| {
        let batch = state
            .with_vault(|v| evidence::intake_paths(v, record.0, &record.1, &paths, reporter))?;
        Ok(AttachResult {
            chosen: true,
            batch,
        })
    })
}

/// Shows the open dialog (several files) and attaches what was chosen to the record.
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn evidence_pick_attach(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    record_type: String,
    record_id: String,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<AttachResult> {
    let record = (holder(&record_type)?, parse_id(&record_id)?);
    crate::jobs::check_job_id(&job)?;
    state.unlocked()?;
    let Some(paths) = dialogs::pick_files(&app, &dialog_title(&title), true, None)? else {
        return Ok(AttachResult {
            chosen: false,
            batch: BatchIntake::default(),
        });
    };
    attach_all(&state, &jobs, &job, on_progress, record, paths)
}

/// Attaches the files of drop `drop_id` (see `evidence_drop_subscribe`) to the record.
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn evidence_attach_dropped(
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    drops: State<'_, Drops>,
    drop_id: u64,
    record_type: String,
    record_id: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<AttachResult> {
    let record = (holder(&record_type)?, parse_id(&record_id)?);
    crate::jobs::check_job_id(&job)?;
    state.unlocked()?;
    let paths = drops.claim(drop_id)?;
    attach_all(&state, &jobs, &job, on_progress, record, paths)
}

/// The result of an extraction: the name of the file written (not its folder), or nothing when
/// the save dialog was cancelled.
#[derive(Debug, Serialize)]
pub struct Extracted {
    pub saved: bool,
    pub file_name: String,
}

/// Asks where to save, then writes a plaintext copy of the original there (checked against its
/// SHA-256 and logged in the custody log by the core).
#[tauri::command(async)]
pub fn evidence_extract(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> CmdResult<Extracted> {
    let id = parse_id(&id)?;
    let suggested = state.with_vault(|v| evidence::get(v, &id).map(|a| a.original_name))?;
    let suggested = sanitize_file_name(&suggested);
    let Some(out) = dialogs::save_replacing(&app, &dialog_title(&title), &suggested)? else {
        return Ok(Extracted {
            saved: false,
            file_name: String::new(),
        });
    };
    state.with_vault(|v| evidence::extract(v, &id, &out))?;
    Ok(Extracted {
        saved: true,
        file_name: file_name(&out),
    })
}

/// Dialog titles come from the UI's translations; keep them short and single-line.
pub(crate) fn dialog_title(title: &str) -> String {
    let t: String = title
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    if t.trim().is_empty() {
        "Saksi".into()
    } else {
        t
    }
}

/// A suggested file name for a save dialog: no folders, no control characters.
pub(crate) fn sanitize_file_name(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(200)
        .collect();
    let n = n.trim().trim_start_matches('.').to_string();
    if n.is_empty() {
        "attachment".into()
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_types_are_a_closed_list() {
        for ok in ["incident", "testimony", "person"] {
            assert_eq!(holder(ok).ok().map(RecordType::as_str), Some(ok));
        }
        for bad in ["", "attachment", "incident; DROP TABLE x", "Incident"] {
            assert!(holder(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn suggested_names_have_no_folders() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize_file_name("photo 1.jpg"), "photo 1.jpg");
        assert_eq!(sanitize_file_name("..."), "attachment");
        assert_eq!(sanitize_file_name("a\nb"), "a_b");
        assert_eq!(dialog_title("\n"), "Saksi");
    }
}

/// Makes a redacted copy of a photo (the regions in pixels of the upright photo, validated again
/// by the core against its size; `method` is `pixelate` or `blur`) and returns the new item.
#[tauri::command(async)]
pub fn evidence_redact(
    state: State<'_, AppState>,
    id: String,
    regions: Vec<saksi_core::derivative::Region>,
    method: String,
) -> CmdResult<Attachment> {
    let id = parse_id(&id)?;
    let method = saksi_core::derivative::Method::parse(&method)?;
    state.with_vault(|v| {
        saksi_core::derivative::redact_photo(v, &id, &regions, method).map(|i| i.attachment)
    })
}

/// What a pseudonymised copy of a testimony would read, before it is made: the text and how often
/// each replacement was used (a name used 0 times is likely misspelt). Nothing is written.
#[derive(Debug, Serialize)]
pub struct PseudonymPreview {
    pub text: String,
    pub counts: Vec<usize>,
}

#[tauri::command(async)]
pub fn testimony_pseudonymise_preview(
    state: State<'_, AppState>,
    id: String,
    replacements: Vec<saksi_core::derivative::Replacement>,
) -> CmdResult<PseudonymPreview> {
    let id = parse_id(&id)?;
    state.with_vault(|v| {
        let t = v.testimonies().get(&id)?;
        let (text, counts) = saksi_core::derivative::pseudonymise_preview(&t.body, &replacements)?;
        Ok(PseudonymPreview { text, counts })
    })
}

/// Makes a pseudonymised copy of a testimony's text: a new text item of the testimony, linked to
/// it and to the SHA-256 of its text, in one transaction; the testimony is not changed.
#[tauri::command(async)]
pub fn testimony_pseudonymise(
    state: State<'_, AppState>,
    id: String,
    replacements: Vec<saksi_core::derivative::Replacement>,
) -> CmdResult<Attachment> {
    let id = parse_id(&id)?;
    state.with_vault(|v| {
        saksi_core::derivative::pseudonymise_testimony(v, &id, &replacements).map(|i| i.attachment)
    })
}

/// Bytes of an audio or video attachment from `offset` (at most
/// [`saksi_core::evidence::media::MAX_RANGE_BYTES`], decrypted in memory), for the player:
/// WebKitGTK's media backend cannot read a custom scheme (`saksi:` answers MEDIA_ERR_SRC_NOT_SUPPORTED
/// there), so the viewer asks for the file piece by piece and plays it from an in-memory Blob.
/// An empty answer means the end of the file.
#[tauri::command(async)]
pub fn evidence_media_chunk(
    state: State<'_, AppState>,
    id: String,
    offset: u64,
) -> CmdResult<tauri::ipc::Response> {
    let id = parse_id(&id)?;
    state
        .with_vault(|v| {
            let att = evidence::get(v, &id)?;
            if !crate::scheme::PLAYABLE.contains(&att.media_type.as_str()) {
                return Err(saksi_core::Error::InvalidInput(format!(
                    "attachment {id} is not audio or video the window plays"
                )));
            }
            if offset >= att.size {
                return Ok(Vec::new());
            }
            let (_, mut bytes) =
                evidence::read_range(v, &id, offset, saksi_core::evidence::media::MAX_RANGE_BYTES)?;
            // Moved, not copied: the webview takes the buffer from here.
            Ok(std::mem::take(&mut *bytes))
        })
        .map(tauri::ipc::Response::new)
}
