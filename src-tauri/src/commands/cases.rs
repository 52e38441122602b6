//! Case files: create a case, number chosen items and incidents as exhibits, show the exhibit
//! list, write the court folder (into a folder chosen in a native dialog) and export the case as
//! a bundle for another lawyer (save dialog, progress, cancel). Paths never come from the
//! webview; every rule is the core's.

use std::path::PathBuf;

use saksi_core::case::{CaseFile, CaseShow, Exhibit};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::bundle::views::ExportOut;
use super::evidence::dialog_title;
use super::parse_id;
use crate::dialogs::{self, file_name};
use crate::error::{CmdError, CmdResult};
use crate::jobs::{check_job_id, Jobs, ProgressMsg};
use crate::state::AppState;

/// The most choices one "add as exhibits" sends (far more checkboxes than a screen shows).
const MAX_CHOICES: usize = 10_000;

#[tauri::command(async)]
pub fn case_list(state: State<'_, AppState>) -> CmdResult<Vec<CaseFile>> {
    state.with_vault(|v| v.case_list())
}

#[tauri::command(async)]
pub fn case_create(state: State<'_, AppState>, title: String) -> CmdResult<CaseFile> {
    state.with_vault(|v| v.case_create(&title))
}

/// Numbers the chosen items and incidents as the case's next exhibits, all in one transaction.
#[tauri::command(async)]
pub fn case_add(
    state: State<'_, AppState>,
    case: String,
    ids: Vec<String>,
    description: Option<String>,
) -> CmdResult<Vec<Exhibit>> {
    if ids.len() > MAX_CHOICES {
        return Err(CmdError::invalid(format!(
            "at most {MAX_CHOICES} items can be added at once"
        )));
    }
    let case = parse_id(&case)?;
    let ids = ids
        .iter()
        .map(|i| parse_id(i))
        .collect::<CmdResult<Vec<_>>>()?;
    state.with_vault(|v| v.case_add_many(&case, &ids, description.as_deref()))
}

/// The case and its exhibit list (every column of the court folder's list).
#[tauri::command(async)]
pub fn case_show(state: State<'_, AppState>, case: String) -> CmdResult<CaseShow> {
    let case = parse_id(&case)?;
    state.with_vault(|v| v.case_show(&case))
}

/// What writing a court folder did; `chosen` is false when the dialog was closed.
#[derive(Debug, Default, Serialize)]
pub struct FolderOut {
    pub chosen: bool,
    /// The folder's own name (never its parents).
    pub folder_name: String,
    pub exhibits: usize,
    pub files: usize,
    /// The SHA-256 of `SHA256SUMS`: the one hash two copies of the folder are compared by.
    pub sha256sums_sha256: String,
    /// The key `minisign -V -P` checks `SHA256SUMS.minisig` with.
    pub minisign_public_key: String,
}

/// Asks for a new or empty folder, then writes the case's court folder into it, with progress
/// (the exhibits' bytes) and cancel (what was written is removed, nothing is logged).
#[tauri::command(async)]
pub fn case_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    case: String,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<FolderOut> {
    check_job_id(&job)?;
    let case = parse_id(&case)?;
    state.unlocked()?;
    let Some(out) = dialogs::pick_folder(&app, &dialog_title(&title))? else {
        return Ok(FolderOut::default());
    };
    let folder = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| v.case_court_folder_with(&case, &out, r))
    })?;
    Ok(FolderOut {
        chosen: true,
        folder_name: file_name(&out),
        exhibits: folder.exhibits,
        files: folder.files.len(),
        sha256sums_sha256: folder.sha256sums_sha256,
        minisign_public_key: folder.minisign_public_key,
    })
}

/// Asks where to save, then exports the case's incidents to `to` as one bundle, with progress.
#[tauri::command(async)]
#[allow(clippy::too_many_arguments)]
pub fn case_export(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    case: String,
    to: Vec<String>,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<ExportOut> {
    check_job_id(&job)?;
    let case = parse_id(&case)?;
    if to.is_empty() {
        return Err(CmdError::invalid("choose at least one recipient"));
    }
    // Refuse an empty case before the dialog opens.
    state.with_vault(|v| v.case_export_scope(&case).map(|_| ()))?;
    let suggested = saksi_core::bundle::export::suggested_file_name();
    let Some(out) = dialogs::save_replacing(&app, &dialog_title(&title), &suggested)? else {
        return Ok(ExportOut::default());
    };
    let path: PathBuf = out.clone();
    let summary = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| v.case_export_with(&case, &to, path, r))
    })?;
    Ok(ExportOut::saved(&out, summary))
}
