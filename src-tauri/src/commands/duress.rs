//! Settings → duress passphrase (issue 16): whether one is set, set it (a fresh decoy under it),
//! remove it. Thin adapters over `vault/duress.rs`. Like the recovery key's, each change asks for
//! the current passphrase first, so an unattended unlocked laptop is not enough. Nothing here
//! writes anything outside the core (invariant 13: the folder must not tell).

use tauri::State;

use saksi_core::vault::DuressOptions;

use crate::error::CmdResult;
use crate::secret;
use crate::state::AppState;

/// Whether this vault has a duress passphrase, as its own custody log says (the key file cannot
/// tell). In a session opened by the duress passphrase: no.
#[tauri::command(async)]
pub fn duress_status(state: State<'_, AppState>) -> CmdResult<bool> {
    state.with_vault(|v| v.has_duress())
}

/// Sets (or replaces) the duress passphrase `duress`: the core checks its strength, that it
/// opens nothing else, and makes a fresh decoy (an earlier decoy is lost).
#[tauri::command(async)]
pub fn duress_set(
    state: State<'_, AppState>,
    current: String,
    duress: String,
    erase_real_on_use: bool,
    starter: bool,
) -> CmdResult<()> {
    let current = secret::take(current)?;
    let duress = secret::take_new(duress)?;
    state.with_vault(|v| {
        v.check_passphrase(&current)?;
        v.set_duress(
            &duress,
            DuressOptions {
                erase_real_on_use,
                starter,
            },
        )
    })
}

/// Removes the duress passphrase: it opens nothing any more, and the decoy is random bytes.
#[tauri::command(async)]
pub fn duress_remove(state: State<'_, AppState>, current: String) -> CmdResult<()> {
    let current = secret::take(current)?;
    state.with_vault(|v| {
        v.check_passphrase(&current)?;
        v.remove_duress()
    })
}
