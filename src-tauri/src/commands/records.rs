//! Incidents and persons. The input types are the core's own (serde checks their shape); the core
//! validates their content.

use saksi_core::model::{Incident, IncidentInput, Person, PersonInput};
use tauri::State;

use super::parse_id;
use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn incident_list(state: State<'_, AppState>) -> CmdResult<Vec<Incident>> {
    state.with_vault(|v| v.incidents().list())
}

#[tauri::command(async)]
pub fn incident_get(state: State<'_, AppState>, id: String) -> CmdResult<Incident> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.incidents().get(&id))
}

#[tauri::command(async)]
pub fn incident_add(state: State<'_, AppState>, input: IncidentInput) -> CmdResult<String> {
    state.with_vault(|v| v.incidents_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn incident_update(
    state: State<'_, AppState>,
    id: String,
    input: IncidentInput,
) -> CmdResult<()> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.incidents_mut().update(&id, &input))
}

#[tauri::command(async)]
pub fn person_list(state: State<'_, AppState>) -> CmdResult<Vec<Person>> {
    state.with_vault(|v| v.persons().list())
}

#[tauri::command(async)]
pub fn person_get(state: State<'_, AppState>, id: String) -> CmdResult<Person> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.persons().get(&id))
}

#[tauri::command(async)]
pub fn person_add(state: State<'_, AppState>, input: PersonInput) -> CmdResult<String> {
    state.with_vault(|v| v.persons_mut().add(&input).map(|id| id.to_string()))
}
