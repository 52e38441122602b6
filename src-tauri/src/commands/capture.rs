//! One-screen capture (issue 12): photos taken into a new incident's draft before its first
//! save — chosen in a dialog, dropped on the window or pasted from the clipboard — and the save
//! of the incident with its testimonies and those photos as one core operation
//! (`saksi_core::capture`). Paths never come from the webview; pasted bytes go straight to the
//! core's encrypted intake, never to a file.

use saksi_core::capture::{self, BatchTakenIn, CaptureInput, Pending, Saved, TakenIn};
use serde::Serialize;
use tauri::ipc::{Channel, InvokeBody, Request};
use tauri::{AppHandle, State};

use super::evidence::dialog_title;
use crate::dialogs::{self, Drops};
use crate::error::{CmdError, CmdResult};
use crate::jobs::{Jobs, ProgressMsg};
use crate::state::AppState;

/// Largest pasted file (a photo from the clipboard; bigger files are attached from a dialog).
const MAX_PASTE_BYTES: usize = 64 << 20;

/// What taking files in did; `chosen` is false when the dialog was closed without choosing.
#[derive(Debug, Serialize)]
pub struct TakeResult {
    pub chosen: bool,
    #[serde(flatten)]
    pub batch: BatchTakenIn,
}

fn take_paths(
    state: &AppState,
    jobs: &Jobs,
    job: &str,
    on_progress: Channel<ProgressMsg>,
    draft: &str,
    paths: Vec<std::path::PathBuf>,
) -> CmdResult<TakeResult> {
    jobs.run(job, on_progress, |reporter| {
        let batch = state.with_vault(|v| capture::take_in_paths(v, draft, &paths, reporter))?;
        Ok(TakeResult {
            chosen: true,
            batch,
        })
    })
}

/// The files waiting in the draft, oldest first.
#[tauri::command(async)]
pub fn capture_pending(state: State<'_, AppState>, draft: String) -> CmdResult<Vec<Pending>> {
    state.with_vault(|v| capture::pending(v, &draft))
}

/// Shows the open dialog (several files) and takes what was chosen into the draft.
#[tauri::command(async)]
pub fn capture_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    draft: String,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<TakeResult> {
    crate::jobs::check_job_id(&job)?;
    state.unlocked()?;
    let Some(paths) = dialogs::pick_files(&app, &dialog_title(&title), true, None)? else {
        return Ok(TakeResult {
            chosen: false,
            batch: BatchTakenIn::default(),
        });
    };
    take_paths(&state, &jobs, &job, on_progress, &draft, paths)
}

/// Takes the files of drop `drop_id` (see `evidence_drop_subscribe`) into the draft.
#[tauri::command(async)]
pub fn capture_take_dropped(
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    drops: State<'_, Drops>,
    drop_id: u64,
    draft: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<TakeResult> {
    crate::jobs::check_job_id(&job)?;
    state.unlocked()?;
    let paths = drops.claim(drop_id)?;
    take_paths(&state, &jobs, &job, on_progress, &draft, paths)
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> CmdResult<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| CmdError::invalid(format!("a pasted file needs the {name} header")))
}

/// A file pasted from the clipboard: its bytes are the request's raw body (never a path), the
/// draft and the file name come in the `saksi-draft` and `saksi-name` headers (the name
/// percent-encoded, as a header is ASCII).
#[tauri::command(async)]
pub fn capture_paste(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<TakenIn> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CmdError::invalid("a pasted file is sent as raw bytes"));
    };
    if bytes.len() > MAX_PASTE_BYTES {
        return Err(CmdError::invalid(format!(
            "a pasted file is limited to {} MiB: attach it from a file instead",
            MAX_PASTE_BYTES >> 20
        )));
    }
    let draft = header(&request, "saksi-draft")?;
    let name = percent_decode(header(&request, "saksi-name")?)?;
    let total = Some(bytes.len() as u64);
    state.with_vault(|v| capture::take_in(v, draft, &name, &bytes[..], total, &mut ()))
}

/// Decodes `%XX` escapes (what `encodeURIComponent` makes) into UTF-8 text.
fn percent_decode(s: &str) -> CmdResult<String> {
    let bad = || CmdError::invalid("the pasted file's name is not valid");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Takes one file out of the draft before saving.
#[tauri::command(async)]
pub fn capture_remove(state: State<'_, AppState>, draft: String, id: String) -> CmdResult<()> {
    state.with_vault(|v| capture::remove(v, &draft, &id))
}

/// Saves the new incident, its testimonies and every file waiting in the draft: one core
/// operation, one transaction; the draft is gone afterwards.
#[tauri::command(async)]
pub fn capture_save(
    state: State<'_, AppState>,
    draft: String,
    input: CaptureInput,
) -> CmdResult<Saved> {
    state.with_vault(|v| capture::save(v, &draft, &input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_names_are_percent_decoded_and_bad_escapes_refused() {
        assert_eq!(
            percent_decode("r%C3%BBt%20a.png").ok().as_deref(),
            Some("rût a.png")
        );
        assert_eq!(
            percent_decode("%E1%9E%80.png").ok().as_deref(),
            Some("ក.png")
        );
        for bad in ["%", "%4", "%zz", "%FF"] {
            assert!(percent_decode(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
