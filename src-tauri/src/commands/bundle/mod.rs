//! Bundles: the export wizard (preview, then export to a file chosen in a save dialog), import
//! (open dialog) and conflicts; keys in `keys.rs`, the shapes sent to the window in `views.rs`.
//! Long work reports progress and can be cancelled (see `jobs.rs`). Paths never come from the
//! webview: the dialogs are shown here.

pub mod keys;
pub mod views;

use std::path::PathBuf;

use saksi_core::bundle::{
    self,
    export::{ExportOptions, ExportScope},
    Conflict,
};
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::evidence::dialog_title;
use super::parse_id;
use crate::dialogs::{self, Filter};
use crate::error::CmdResult;
use crate::jobs::{check_job_id, Jobs, ProgressMsg};
use crate::state::AppState;
use views::{ExportOut, ImportOut, PreviewOut};

const BUNDLE_FILTER: Filter<'static> = Filter {
    name: "Saksi bundle",
    extensions: &["saksi", "age"],
};

/// The export scope as the wizard sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub to: Vec<String>,
    /// "all", "selected" or "since_last".
    pub scope: String,
    #[serde(default)]
    pub incidents: Vec<String>,
    #[serde(default)]
    pub include_contacts: bool,
}

/// The wizard's request as checked export options (the rules are the core's).
fn options(req: &ExportRequest, out: PathBuf) -> CmdResult<ExportOptions> {
    let scope = ExportScope::parse(&req.scope)?;
    Ok(ExportOptions::for_scope(
        &req.to,
        scope,
        &req.incidents,
        req.include_contacts,
        out,
    )?)
}

#[tauri::command(async)]
pub fn export_preview(state: State<'_, AppState>, request: ExportRequest) -> CmdResult<PreviewOut> {
    let opts = options(&request, PathBuf::new())?;
    state.with_vault(|v| bundle::export::preview(v, &opts).map(PreviewOut::from))
}

/// Asks where to save the bundle, then writes it with progress.
#[tauri::command(async)]
pub fn export_run(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    request: ExportRequest,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<ExportOut> {
    check_job_id(&job)?;
    options(&request, PathBuf::new())?;
    state.unlocked()?;
    let suggested = bundle::export::suggested_file_name();
    let Some(out) = dialogs::save_replacing(&app, &dialog_title(&title), &suggested)? else {
        return Ok(ExportOut::default());
    };
    let opts = options(&request, out.clone())?;
    let summary = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| bundle::export::export_with(v, &opts, r))
    })?;
    Ok(ExportOut::saved(&out, summary))
}

/// Asks for a bundle (or receipt) file, then imports it with progress. All or nothing: on any
/// error the vault is unchanged and the error kind says why (translated by the UI).
#[tauri::command(async)]
pub fn import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    title: String,
    filter: Option<String>,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<ImportOut> {
    check_job_id(&job)?;
    state.unlocked()?;
    let chosen = dialogs::pick_one(
        &app,
        &dialog_title(&title),
        Some(BUNDLE_FILTER.named(&filter)),
    )?;
    let Some(path) = chosen else {
        return Ok(ImportOut::default());
    };
    let outcome = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| bundle::import::import_with(v, &path, None, r))
    })?;
    Ok(ImportOut::imported(&path, outcome))
}

#[tauri::command(async)]
pub fn conflict_list(state: State<'_, AppState>) -> CmdResult<Vec<Conflict>> {
    state.with_vault(|v| bundle::conflicts(v))
}

/// Settles one conflict; `resolution` is "keep_local" or "take_incoming".
#[tauri::command(async)]
pub fn conflict_resolve(
    state: State<'_, AppState>,
    id: String,
    resolution: String,
) -> CmdResult<()> {
    let how = bundle::conflict::Resolution::parse(&resolution)?;
    let id = parse_id(&id)?.to_string();
    state.with_vault(|v| bundle::conflict::resolve(v, &id, how))
}

/// One conflict field by field (both values, what differs, who made each side and when).
#[tauri::command(async)]
pub fn conflict_detail(
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<bundle::conflict_view::ConflictDetail> {
    let id = parse_id(&id)?.to_string();
    state.with_vault(|v| bundle::conflict_view::conflict_detail(v, &id))
}

/// Settles one conflict with the fields named taken from the incoming version, every other
/// field kept as this vault has it.
#[tauri::command(async)]
pub fn conflict_resolve_fields(
    state: State<'_, AppState>,
    id: String,
    take: Vec<String>,
) -> CmdResult<()> {
    let id = parse_id(&id)?.to_string();
    state.with_vault(|v| bundle::conflict::resolve_fields(v, &id, &take))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(scope: &str, incidents: &[&str]) -> ExportRequest {
        ExportRequest {
            to: vec!["HQ".into()],
            scope: scope.into(),
            incidents: incidents.iter().map(|s| s.to_string()).collect(),
            include_contacts: false,
        }
    }

    #[test]
    fn export_scope_is_validated() {
        assert!(options(&req("all", &[]), PathBuf::new()).is_ok());
        assert!(
            options(&req("since_last", &[]), PathBuf::new())
                .expect("since last")
                .since_last
        );
        assert!(
            options(&req("selected", &[]), PathBuf::new()).is_err(),
            "a selected scope needs incidents"
        );
        assert!(options(&req("selected", &["not-a-uuid"]), PathBuf::new()).is_err());
        assert!(options(&req("everything", &[]), PathBuf::new()).is_err());
        let mut r = req("all", &[]);
        r.to.clear();
        assert!(
            options(&r, PathBuf::new()).is_err(),
            "a recipient is needed"
        );
    }

    #[test]
    fn the_suggested_bundle_name_is_the_day() {
        let n = bundle::export::suggested_file_name();
        assert_eq!(n.len(), "saksi-2026-12-02.saksi".len(), "{n}");
        assert!(n.starts_with("saksi-20") && n.ends_with(".saksi"), "{n}");
    }
}
