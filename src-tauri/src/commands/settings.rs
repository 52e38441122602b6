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

/// The person chose the screens' language: stored in the vault and, unless it is `system` (the
/// system locale's), in the plain file read before unlock (saksi_core::vault::language).
#[tauri::command(async)]
pub fn language_set(
    state: State<'_, AppState>,
    code: String,
    system: Option<String>,
) -> CmdResult<()> {
    if code.len() > 8 || system.as_ref().is_some_and(|s| s.len() > 8) {
        return Err(CmdError::invalid("a language is a two-letter code"));
    }
    state.with_vault(|v| v.set_language(&code, system.as_deref()))
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
