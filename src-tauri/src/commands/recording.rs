//! Recording a voice testimony (issue 13): Record opens the microphone for a testimony, Stop
//! stores what was heard as one encrypted attachment of it (one core call, one transaction),
//! Cancel throws it away. See `crate::recorder` for where the sound is kept meanwhile.

use saksi_core::evidence::{self, Intake};
use tauri::State;

use super::parse_id;
use crate::error::CmdResult;
use crate::recorder::{RecordingStatus, Source};
use crate::state::AppState;

/// Starts recording for testimony `testimony_id`, once the core has said a recording could be
/// attached to it (so that nobody records only to be refused at Stop).
#[tauri::command(async)]
pub fn recording_start(
    state: State<'_, AppState>,
    testimony_id: String,
) -> CmdResult<RecordingStatus> {
    let id = parse_id(&testimony_id)?;
    state.with_vault(|v| evidence::check_recordable(v, &id))?;
    state.recorder.start(id, Source::from_env())
}

/// Elapsed time and level of the recording under way (or `recording: false`).
#[tauri::command(async)]
pub fn recording_status(state: State<'_, AppState>) -> CmdResult<RecordingStatus> {
    Ok(state.recorder.status())
}

/// Stops the recording and attaches it to its testimony.
#[tauri::command(async)]
pub fn recording_stop(state: State<'_, AppState>) -> CmdResult<Intake> {
    state.unlocked()?;
    let (testimony, mut captured) = state.recorder.stop()?;
    state.with_vault(|v| evidence::record_testimony(v, &testimony, &mut captured, &mut ()))
}

/// Stops the recording and keeps nothing.
#[tauri::command(async)]
pub fn recording_cancel(state: State<'_, AppState>) -> CmdResult<()> {
    state.recorder.discard();
    Ok(())
}
