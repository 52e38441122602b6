//! Preferences (language, auto-lock time) and autosaved form drafts, both kept inside the
//! encrypted vault: the webview is incognito and stores nothing. The core validates keys, values
//! and draft sizes; the shell bounds what crosses the bridge first.

use std::collections::BTreeMap;

use saksi_core::prefs::Draft;
use tauri::State;

use crate::error::{CmdError, CmdResult};
use crate::state::AppState;

/// Every setting, e.g. `{"language": "km", "auto_lock_minutes": "15"}`. Unset ones are absent.
#[tauri::command(async)]
pub fn settings_get(state: State<'_, AppState>) -> CmdResult<BTreeMap<String, String>> {
    state.with_vault(|v| v.settings().all())
}

#[tauri::command(async)]
pub fn setting_set(state: State<'_, AppState>, key: String, value: String) -> CmdResult<()> {
    if key.len() > 64 || value.len() > 64 {
        return Err(CmdError::invalid(
            "a setting's key and value are short words",
        ));
    }
    state.with_vault(|v| v.settings_mut().set(&key, &value))
}

#[tauri::command(async)]
pub fn draft_get(
    state: State<'_, AppState>,
    kind: String,
    key: String,
) -> CmdResult<Option<serde_json::Value>> {
    state.with_vault(|v| v.drafts().get(&kind, &key))
}

#[tauri::command(async)]
pub fn draft_list(state: State<'_, AppState>) -> CmdResult<Vec<Draft>> {
    state.with_vault(|v| v.drafts().list())
}

/// Saves (replaces) a draft. Only a JSON object is a form's draft; anything else is refused.
#[tauri::command(async)]
pub fn draft_save(
    state: State<'_, AppState>,
    kind: String,
    key: String,
    value: serde_json::Value,
) -> CmdResult<()> {
    if !value.is_object() {
        return Err(CmdError::invalid(
            "a draft is a form's fields (a JSON object)",
        ));
    }
    state.with_vault(|v| v.drafts_mut().save(&kind, &key, &value))
}

#[tauri::command(async)]
pub fn draft_discard(state: State<'_, AppState>, kind: String, key: String) -> CmdResult<()> {
    state.with_vault(|v| v.drafts_mut().discard(&kind, &key))
}
