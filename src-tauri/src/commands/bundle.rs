//! Bundles and keys: the export wizard (preview, then export to a file chosen in a save dialog),
//! import (open dialog), conflicts, HQ recipients, trusted devices, this device's card and the HQ
//! key. Long work reports progress and can be cancelled (see `jobs.rs`). Paths never come from
//! the webview: the dialogs are shown here.

use std::path::PathBuf;

use saksi_core::bundle::{
    self,
    export::{ExportOptions, ExportScope},
    keys, Conflict, RecipientEntry,
};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use super::evidence::dialog_title;
use super::parse_id;
use crate::dialogs::{self, Filter};
use crate::error::{CmdError, CmdResult};
use crate::jobs::{check_job_id, Jobs, ProgressMsg};
use crate::state::AppState;

const BUNDLE_FILTER: Filter<'static> = Filter {
    name: "Saksi bundle",
    extensions: &["saksi", "age"],
};
const CARD_FILTER: Filter<'static> = Filter {
    name: "Saksi device card",
    extensions: &["json", "card"],
};
/// A device card is small; anything larger is not one (the core checks again).
const MAX_CARD_BYTES: u64 = 64 << 10;

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

/// Why a group of records is left out, as a code the UI translates: the core's stable code
/// when it is one this UI knows, else "other" (and the UI shows the sentence).
pub fn reason_code(code: &str) -> &'static str {
    match code {
        "contacts" => "contacts",
        "witness_only" => "witness_only",
        "attachment_of_withheld" => "attachment_of_withheld",
        "no_consent" => "no_consent",
        _ => "other",
    }
}

#[derive(Debug, Serialize)]
pub struct WithheldOut {
    pub record_type: String,
    pub count: u64,
    pub reason: String,
    pub reason_code: &'static str,
}

fn withheld_out(w: &[bundle::manifest::Withheld]) -> Vec<WithheldOut> {
    w.iter()
        .map(|w| WithheldOut {
            record_type: w.record_type.clone(),
            count: w.count,
            reason_code: reason_code(&w.code),
            reason: w.reason.clone(),
        })
        .collect()
}

/// The consent summary shown before exporting: what will go, and what will be left out and why.
#[derive(Debug, Serialize)]
pub struct PreviewOut {
    pub counts: std::collections::BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<WithheldOut>,
}

#[tauri::command(async)]
pub fn export_preview(state: State<'_, AppState>, request: ExportRequest) -> CmdResult<PreviewOut> {
    let opts = options(&request, PathBuf::new())?;
    state.with_vault(|v| {
        let p = bundle::export::preview(v, &opts)?;
        Ok(PreviewOut {
            counts: p.counts,
            files: p.files,
            bytes: p.bytes,
            withheld: withheld_out(&p.withheld),
        })
    })
}

#[derive(Debug, Serialize)]
pub struct ExportOut {
    /// False when the save dialog was closed without choosing.
    pub saved: bool,
    pub file_name: String,
    pub bundle_id: String,
    pub sequence: i64,
    pub counts: std::collections::BTreeMap<String, u64>,
    pub files: usize,
    pub bytes: u64,
    pub withheld: Vec<WithheldOut>,
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
    if state.slot().is_none() {
        return Err(CmdError::locked());
    }
    let suggested = format!("saksi-{}.saksi", chrono_date());
    let Some(out) = dialogs::save_file(&app, &dialog_title(&title), &suggested)? else {
        return Ok(ExportOut {
            saved: false,
            file_name: String::new(),
            bundle_id: String::new(),
            sequence: 0,
            counts: Default::default(),
            files: 0,
            bytes: 0,
            withheld: Vec::new(),
        });
    };
    // The GTK dialog already asked before replacing; the core never overwrites.
    if out.is_file() {
        std::fs::remove_file(&out).map_err(|e| CmdError::new("io", e.to_string()))?;
    }
    let opts = options(&request, out.clone())?;
    let s = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| bundle::export::export_with(v, &opts, r))
    })?;
    Ok(ExportOut {
        saved: true,
        file_name: out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        bundle_id: s.bundle_id,
        sequence: s.sequence,
        counts: s.counts,
        files: s.files,
        bytes: s.bytes,
        withheld: withheld_out(&s.withheld),
    })
}

fn chrono_date() -> String {
    // The day is enough to tell bundles apart in a folder; no clock crate needed for it.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// What an import did, for the result screen.
#[derive(Debug, Serialize)]
pub struct ImportOut {
    /// False when the open dialog was closed without choosing.
    pub chosen: bool,
    /// "imported", "already_imported" or "receipt".
    pub outcome: &'static str,
    pub file_name: String,
    pub summary: Option<bundle::ImportSummary>,
    pub receipt: Option<bundle::ReceiptSummary>,
    pub withheld_by_sender: Vec<WithheldOut>,
}

/// Asks for a bundle (or receipt) file, then imports it with progress. All or nothing: on any
/// error the vault is unchanged and the error kind says why (translated by the UI).
#[tauri::command(async)]
pub fn import_run(
    app: AppHandle,
    state: State<'_, AppState>,
    jobs: State<'_, Jobs>,
    title: String,
    job: String,
    on_progress: Channel<ProgressMsg>,
) -> CmdResult<ImportOut> {
    check_job_id(&job)?;
    if state.slot().is_none() {
        return Err(CmdError::locked());
    }
    let none = || ImportOut {
        chosen: false,
        outcome: "",
        file_name: String::new(),
        summary: None,
        receipt: None,
        withheld_by_sender: Vec::new(),
    };
    let picked = dialogs::pick_files(&app, &dialog_title(&title), false, Some(BUNDLE_FILTER))?;
    let Some(path) = picked.and_then(|p| p.into_iter().next()) else {
        return Ok(none());
    };
    let outcome = jobs.run(&job, on_progress, |r| {
        state.with_vault(|v| bundle::import::import_with(v, &path, None, r))
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = ImportOut {
        chosen: true,
        file_name,
        ..none()
    };
    match outcome {
        bundle::ImportOutcome::Imported(s) => {
            out.outcome = "imported";
            out.withheld_by_sender = withheld_out(&s.withheld_by_sender);
            out.summary = Some(s);
        }
        bundle::ImportOutcome::AlreadyImported(s) => {
            out.outcome = "already_imported";
            out.withheld_by_sender = withheld_out(&s.withheld_by_sender);
            out.summary = Some(s);
        }
        bundle::ImportOutcome::Receipt(r) => {
            out.outcome = "receipt";
            out.receipt = Some(r);
        }
        _ => out.outcome = "imported",
    }
    Ok(out)
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
    let how = match resolution.as_str() {
        "keep_local" => bundle::conflict::Resolution::KeepLocal,
        "take_incoming" => bundle::conflict::Resolution::TakeIncoming,
        _ => {
            return Err(CmdError::invalid(
                "resolution must be keep_local or take_incoming",
            ))
        }
    };
    let id = parse_id(&id)?.to_string();
    state.with_vault(|v| bundle::conflict::resolve(v, &id, how))
}

// --- Keys -------------------------------------------------------------------------------------

#[tauri::command(async)]
pub fn recipient_list(state: State<'_, AppState>) -> CmdResult<Vec<RecipientEntry>> {
    state.with_vault(|v| keys::recipient_list(v))
}

#[tauri::command(async)]
pub fn recipient_add(
    state: State<'_, AppState>,
    name: String,
    recipient: String,
) -> CmdResult<RecipientEntry> {
    if name.len() > 256 || recipient.len() > 256 {
        return Err(CmdError::invalid("the name or the key is too long"));
    }
    state.with_vault(|v| keys::recipient_add(v, &name, recipient.trim()))
}

/// Asks for HQ's device card file and registers HQ under `name` from it: its bundle recipient
/// and its pinned signing key (the UI asks the person to compare the card fingerprint by phone).
/// Returns nothing when the dialog was cancelled.
#[tauri::command(async)]
pub fn recipient_add_card_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    title: String,
) -> CmdResult<Option<RecipientEntry>> {
    if name.len() > 256 {
        return Err(CmdError::invalid("the name is too long"));
    }
    if state.slot().is_none() {
        return Err(CmdError::locked());
    }
    let picked = dialogs::pick_files(&app, &dialog_title(&title), false, Some(CARD_FILTER))?;
    let Some(path) = picked.and_then(|p| p.into_iter().next()) else {
        return Ok(None);
    };
    let bytes = read_small(&path, MAX_CARD_BYTES)?;
    state
        .with_vault(|v| keys::recipient_add_card(v, &name, &bytes))
        .map(Some)
}

/// This vault's HQ recipient (`age1…`), or nothing when it has no HQ key yet.
#[tauri::command(async)]
pub fn hq_key_get(state: State<'_, AppState>) -> CmdResult<Option<String>> {
    state.with_vault(|v| match keys::hq_identity(v)? {
        Some(_) => keys::hq_recipient(v).map(Some),
        None => Ok(None),
    })
}

/// Generates this vault's HQ key; returns its recipient to give to monitors.
#[tauri::command(async)]
pub fn hq_keygen(state: State<'_, AppState>) -> CmdResult<String> {
    state.with_vault(keys::keygen)
}

#[tauri::command(async)]
pub fn device_card_get(state: State<'_, AppState>) -> CmdResult<keys::DeviceCard> {
    state.with_vault(|v| keys::device_card(v))
}

/// Asks where to save this device's card (it holds no secret), then writes it.
#[tauri::command(async)]
pub fn device_card_save(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> CmdResult<bool> {
    let card = state.with_vault(|v| keys::device_card(v))?;
    let json =
        serde_json::to_vec_pretty(&card).map_err(|e| CmdError::new("unknown", e.to_string()))?;
    let suggested = format!(
        "saksi-device-{}.json",
        &card.device_id[..card.device_id.len().min(8)]
    );
    let Some(out) = dialogs::save_file(&app, &dialog_title(&title), &suggested)? else {
        return Ok(false);
    };
    std::fs::write(&out, json).map_err(|e| CmdError::from(saksi_core::Error::from(e)))?;
    Ok(true)
}

#[tauri::command(async)]
pub fn trust_list(state: State<'_, AppState>) -> CmdResult<Vec<keys::TrustedDevice>> {
    state.with_vault(|v| keys::trust_list(v))
}

/// Asks for a device card file and trusts that device (after the person compared the
/// fingerprint, which the UI asks them to do). Returns nothing when the dialog was cancelled.
#[tauri::command(async)]
pub fn trust_add_pick(
    app: AppHandle,
    state: State<'_, AppState>,
    title: String,
) -> CmdResult<Option<keys::TrustedDevice>> {
    if state.slot().is_none() {
        return Err(CmdError::locked());
    }
    let picked = dialogs::pick_files(&app, &dialog_title(&title), false, Some(CARD_FILTER))?;
    let Some(path) = picked.and_then(|p| p.into_iter().next()) else {
        return Ok(None);
    };
    let bytes = read_small(&path, MAX_CARD_BYTES)?;
    state.with_vault(|v| keys::trust_add(v, &bytes)).map(Some)
}

fn read_small(path: &std::path::Path, max: u64) -> CmdResult<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .map_err(|e| CmdError::invalid(format!("cannot read the file: {e}")))?;
    let mut bytes = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CmdError::invalid(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(CmdError::new(
            "bundle_bad_card",
            "the device card is not valid: larger than 64 KiB",
        ));
    }
    Ok(bytes)
}

#[tauri::command(async)]
pub fn trust_revoke(state: State<'_, AppState>, id: String) -> CmdResult<keys::TrustedDevice> {
    let id = id.trim();
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CmdError::invalid("not a valid device id"));
    }
    state.with_vault(|v| keys::trust_revoke(v, id))
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
    fn every_reason_the_core_gives_has_a_code() {
        for code in [
            "no_consent",
            "witness_only",
            "attachment_of_withheld",
            "contacts",
        ] {
            assert_eq!(reason_code(code), code);
        }
        assert_eq!(reason_code("something new"), "other");
    }

    #[test]
    fn today_is_a_date() {
        let d = chrono_date();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"), "{d}");
    }
}
