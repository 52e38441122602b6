//! Consent withdrawn after a testimony was taken (issue 13): a testimony's effective consent
//! with the withdrawals held, and recording a withdrawal (its own signed custody entry, which
//! travels in the next bundle). One core call each (`consent/`).

use tauri::State;

use saksi_core::consent::{ConsentState, Withdrawal, WithdrawalInput};
use saksi_core::model::parse_id;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn consent_state(state: State<'_, AppState>, id: String) -> CmdResult<ConsentState> {
    let id = parse_id("testimony", &id)?;
    state.with_vault(|v| v.consent_state(&id))
}

/// Records the witness's withdrawal of consent for one purpose (the core checks the purpose,
/// how, who and when).
#[tauri::command(async)]
pub fn consent_withdraw(
    state: State<'_, AppState>,
    id: String,
    input: WithdrawalInput,
) -> CmdResult<Withdrawal> {
    let id = parse_id("testimony", &id)?;
    state.with_vault(|v| v.withdraw_consent(&id, &input))
}
