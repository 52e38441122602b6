//! Keys: HQ recipients, trusted devices, this device's card and the HQ key. Card files are
//! chosen in a dialog here (paths never come from the webview) and read by the core.

use saksi_core::bundle::keys::{self, RecipientEntry};
use tauri::{AppHandle, State};

use crate::commands::evidence::dialog_title;
use crate::dialogs::{self, Filter};
use crate::error::{CmdError, CmdResult};
use crate::state::AppState;

const CARD_FILTER: Filter<'static> = Filter {
    name: "Saksi device card",
    extensions: &["json", "card"],
};

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
    filter: Option<String>,
) -> CmdResult<Option<RecipientEntry>> {
    state.unlocked()?;
    let chosen = dialogs::pick_one(
        &app,
        &dialog_title(&title),
        Some(CARD_FILTER.named(&filter)),
    )?;
    let Some(path) = chosen else {
        return Ok(None);
    };
    let bytes = keys::read_card_file(&path)?;
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
    let Some(out) = dialogs::save_replacing(&app, &dialog_title(&title), &suggested)? else {
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
    filter: Option<String>,
) -> CmdResult<Option<keys::TrustedDevice>> {
    state.unlocked()?;
    let chosen = dialogs::pick_one(
        &app,
        &dialog_title(&title),
        Some(CARD_FILTER.named(&filter)),
    )?;
    let Some(path) = chosen else {
        return Ok(None);
    };
    let bytes = keys::read_card_file(&path)?;
    state.with_vault(|v| keys::trust_add(v, &bytes)).map(Some)
}

#[tauri::command(async)]
pub fn trust_revoke(state: State<'_, AppState>, id: String) -> CmdResult<keys::TrustedDevice> {
    state.with_vault(|v| keys::trust_revoke(v, id.trim()))
}

/// Calls a trusted device by another name in this vault.
#[tauri::command(async)]
pub fn trust_rename(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> CmdResult<keys::TrustedDevice> {
    state.with_vault(|v| v.rename_trusted_device(&id, &name))
}

/// Names this device (its card and bundles carry the name).
#[tauri::command(async)]
pub fn device_rename(state: State<'_, AppState>, name: String) -> CmdResult<()> {
    state.with_vault(|v| v.rename_device(&name))
}
