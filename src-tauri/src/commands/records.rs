//! Incidents, people, acts, proceedings, testimony and vocabularies. The input types are the
//! core's own (serde checks their shape, `deny_unknown_fields`); ids are parsed here; the core
//! validates the content. Every command refuses while the vault is locked.

use saksi_core::model::incident::Counting;
use saksi_core::model::vocab::{Term, Vocab};
use saksi_core::model::{
    Incident, IncidentInput, InvolvementInput, Person, PersonInput, Proceeding, ProceedingInput,
    Testimony, TestimonyInput,
};
use tauri::State;

use super::parse_id;
use crate::error::{CmdError, CmdResult};
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

/// Adds an act to a stored incident. `person` is a stored person's id, or absent for a group.
/// The `person` field inside `input` is ignored in favour of the explicit argument, so the two
/// can never disagree.
#[tauri::command(async)]
pub fn involvement_add(
    state: State<'_, AppState>,
    incident_id: String,
    person_id: Option<String>,
    mut input: InvolvementInput,
) -> CmdResult<String> {
    let incident = parse_id(&incident_id)?;
    let person = person_id
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(parse_id)
        .transpose()?;
    input.person = None;
    check_counting(input.counting.as_ref())?;
    state.with_vault(|v| {
        v.incidents_mut()
            .add_involvement(&incident, person.as_ref(), &input)
            .map(|id| id.to_string())
    })
}

#[tauri::command(async)]
pub fn involvement_remove(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.incidents_mut().remove_involvement(&id))
}

/// Counts arrive as JSON numbers; the core checks their order, the shell their range, so an
/// absurd number never reaches the database.
fn check_counting(c: Option<&Counting>) -> CmdResult<()> {
    const MAX_COUNT: i64 = 10_000_000;
    if let Some(c) = c {
        for n in [c.min, c.max].into_iter().flatten() {
            if !(0..=MAX_COUNT).contains(&n) {
                return Err(CmdError::invalid(format!(
                    "a count must be between 0 and {MAX_COUNT}"
                )));
            }
        }
    }
    Ok(())
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

#[tauri::command(async)]
pub fn person_update(state: State<'_, AppState>, id: String, input: PersonInput) -> CmdResult<()> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.persons_mut().update(&id, &input))
}

/// Every incident the person is involved in, with the role.
#[tauri::command(async)]
pub fn person_involvements(
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<Vec<saksi_core::PersonInvolvement>> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.persons().involvements(&id))
}

/// The person's proceedings, oldest first.
#[tauri::command(async)]
pub fn person_proceedings(state: State<'_, AppState>, id: String) -> CmdResult<Vec<Proceeding>> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.persons().proceedings(&id))
}

#[tauri::command(async)]
pub fn proceeding_add(state: State<'_, AppState>, input: ProceedingInput) -> CmdResult<String> {
    parse_id(&input.person)?;
    if let Some(i) = &input.incident_id {
        parse_id(i)?;
    }
    state.with_vault(|v| v.proceedings_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn testimony_list(
    state: State<'_, AppState>,
    incident_id: Option<String>,
) -> CmdResult<Vec<Testimony>> {
    let incident = incident_id.as_deref().map(parse_id).transpose()?;
    state.with_vault(|v| v.testimonies().list(incident.as_ref()))
}

#[tauri::command(async)]
pub fn testimony_get(state: State<'_, AppState>, id: String) -> CmdResult<Testimony> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.testimonies().get(&id))
}

#[tauri::command(async)]
pub fn testimony_add(state: State<'_, AppState>, input: TestimonyInput) -> CmdResult<String> {
    check_testimony_ids(&input)?;
    state.with_vault(|v| v.testimonies_mut().add(&input).map(|id| id.to_string()))
}

#[tauri::command(async)]
pub fn testimony_update(
    state: State<'_, AppState>,
    id: String,
    input: TestimonyInput,
) -> CmdResult<()> {
    let id = parse_id(&id)?;
    check_testimony_ids(&input)?;
    state.with_vault(|v| v.testimonies_mut().update(&id, &input))
}

fn check_testimony_ids(input: &TestimonyInput) -> CmdResult<()> {
    parse_id(&input.incident_id)?;
    if let Some(w) = input.witness_id.as_deref().filter(|w| !w.trim().is_empty()) {
        parse_id(w)?;
    }
    Ok(())
}

/// A controlled vocabulary (incident_kind, role, proceeding_kind, intervention_kind) with its
/// labels in English, Khmer and French.
#[tauri::command(async)]
pub fn vocabulary(state: State<'_, AppState>, name: String) -> CmdResult<Vec<Term>> {
    let vocab = Vocab::parse(name.trim()).map_err(CmdError::from)?;
    state.with_vault(|v| v.vocabulary(vocab))
}

#[cfg(test)]
mod tests {
    use super::check_counting;
    use saksi_core::model::incident::Counting;

    fn group(min: Option<i64>, max: Option<i64>) -> Counting {
        Counting {
            unit: "group".into(),
            min,
            max,
            description: None,
        }
    }

    #[test]
    fn counts_are_bounded_before_they_reach_the_core() {
        assert!(check_counting(None).is_ok());
        assert!(check_counting(Some(&group(Some(10), Some(20)))).is_ok());
        assert!(
            check_counting(Some(&group(Some(-1), None))).is_err(),
            "a negative count must be refused"
        );
        assert!(
            check_counting(Some(&group(None, Some(i64::MAX)))).is_err(),
            "an absurd count must be refused"
        );
    }
}
