//! Incidents, people, acts, proceedings, testimony and vocabularies. The input types are the
//! core's own (serde checks their shape, `deny_unknown_fields`); the core parses the ids and
//! validates the content; each command is one core operation. Every command refuses while the
//! vault is locked.

use saksi_core::model::vocab::{Term, Vocab};
use saksi_core::model::{
    Incident, IncidentEdit, IncidentInput, Person, PersonInput, Proceeding, ProceedingInput,
    Testimony, TestimonyInput,
};
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdError, CmdResult};

/// Record ids are parsed by the core's own rule, with the record's name in the message.
fn parse_id(what: &'static str, id: &str) -> CmdResult<Uuid> {
    Ok(saksi_core::model::parse_id(what, id)?)
}
use crate::state::AppState;

#[tauri::command(async)]
pub fn incident_list(state: State<'_, AppState>) -> CmdResult<Vec<Incident>> {
    state.with_vault(|v| v.incidents().list())
}

#[tauri::command(async)]
pub fn incident_get(state: State<'_, AppState>, id: String) -> CmdResult<Incident> {
    let id = parse_id("incident", &id)?;
    state.with_vault(|v| v.incidents().get(&id))
}

#[tauri::command(async)]
pub fn incident_add(state: State<'_, AppState>, input: IncidentInput) -> CmdResult<String> {
    state.with_vault(|v| v.incidents_mut().add(&input).map(|id| id.to_string()))
}

/// One whole edit of a stored incident (own fields, acts and proceedings changed in place, added
/// or removed, new people), applied by the core in one transaction. A stale `version` in the
/// edit is refused with kind "stale_edit".
#[tauri::command(async)]
pub fn incident_update(
    state: State<'_, AppState>,
    id: String,
    input: IncidentEdit,
) -> CmdResult<()> {
    let id = parse_id("incident", &id)?;
    state.with_vault(|v| v.incidents_mut().edit(&id, &input))
}

#[tauri::command(async)]
pub fn person_list(state: State<'_, AppState>) -> CmdResult<Vec<Person>> {
    state.with_vault(|v| v.persons().list())
}

#[tauri::command(async)]
pub fn person_get(state: State<'_, AppState>, id: String) -> CmdResult<Person> {
    let id = parse_id("person", &id)?;
    state.with_vault(|v| v.persons().get(&id))
}

#[tauri::command(async)]
pub fn person_add(state: State<'_, AppState>, input: PersonInput) -> CmdResult<String> {
    state.with_vault(|v| v.persons_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn person_update(
    state: State<'_, AppState>,
    id: String,
    version: Option<i64>,
    input: PersonInput,
) -> CmdResult<()> {
    let id = parse_id("person", &id)?;
    state.with_vault(|v| v.persons_mut().edit(&id, version, &input))
}

/// Every incident the person is involved in, with the role.
#[tauri::command(async)]
pub fn person_involvements(
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<Vec<saksi_core::PersonInvolvement>> {
    let id = parse_id("person", &id)?;
    state.with_vault(|v| v.persons().involvements(&id))
}

/// The person's proceedings, oldest first.
#[tauri::command(async)]
pub fn person_proceedings(state: State<'_, AppState>, id: String) -> CmdResult<Vec<Proceeding>> {
    let id = parse_id("person", &id)?;
    state.with_vault(|v| v.persons().proceedings(&id))
}

#[tauri::command(async)]
pub fn proceeding_add(state: State<'_, AppState>, input: ProceedingInput) -> CmdResult<String> {
    state.with_vault(|v| v.proceedings_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn testimony_list(
    state: State<'_, AppState>,
    incident_id: Option<String>,
) -> CmdResult<Vec<Testimony>> {
    let incident = incident_id
        .as_deref()
        .map(|i| parse_id("incident", i))
        .transpose()?;
    state.with_vault(|v| v.testimonies().list(incident.as_ref()))
}

#[tauri::command(async)]
pub fn testimony_get(state: State<'_, AppState>, id: String) -> CmdResult<Testimony> {
    let id = parse_id("testimony", &id)?;
    state.with_vault(|v| v.testimonies().get(&id))
}

#[tauri::command(async)]
pub fn testimony_add(state: State<'_, AppState>, input: TestimonyInput) -> CmdResult<String> {
    state.with_vault(|v| v.testimonies_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn testimony_update(
    state: State<'_, AppState>,
    id: String,
    version: Option<i64>,
    input: TestimonyInput,
) -> CmdResult<()> {
    let id = parse_id("testimony", &id)?;
    state.with_vault(|v| v.testimonies_mut().edit(&id, version, &input))
}

/// A controlled vocabulary (incident_kind, role, proceeding_kind, intervention_kind) with its
/// labels in English, Khmer and French.
#[tauri::command(async)]
pub fn vocabulary(state: State<'_, AppState>, name: String) -> CmdResult<Vec<Term>> {
    let vocab = Vocab::parse(name.trim()).map_err(CmdError::from)?;
    state.with_vault(|v| v.vocabulary(vocab))
}

/// Every version kept of a record (incident, person, testimony), who wrote each on which
/// device, whether the custody log agrees, and what changed field by field.
#[tauri::command(async)]
pub fn record_history(
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<saksi_core::history::History> {
    let id = parse_id("record", &id)?;
    state.with_vault(|v| saksi_core::history::history(v, &id))
}
