//! One person across monitors and scripts: duplicate suggestions (scored, with reasons), merging
//! two records into one person and undoing it. The rules are the core's (`names`, and
//! `model::person_merge`); each command is one core call.

use saksi_core::model::person_merge::{MergeGroup, Merged, Unmerged};
use saksi_core::names::{Candidate, DuplicateOptions};
use tauri::State;

use super::parse_id;
use crate::error::CmdResult;
use crate::state::AppState;

/// Pairs of persons that may be one, best first. `min_score` defaults to the core's threshold.
#[tauri::command(async)]
pub fn person_duplicates(
    state: State<'_, AppState>,
    min_score: Option<f64>,
    limit: Option<usize>,
) -> CmdResult<Vec<Candidate>> {
    let mut opts = DuplicateOptions::default();
    if let Some(m) = min_score {
        opts.min_score = m;
    }
    opts.limit = limit.or(opts.limit);
    state.with_vault(|v| v.person_duplicates(&opts))
}

/// Counts records `a` and `b` as one person (neither record changes; custody-logged).
#[tauri::command(async)]
pub fn person_merge(
    state: State<'_, AppState>,
    a: String,
    b: String,
    reason: Option<String>,
) -> CmdResult<Merged> {
    let (a, b) = (parse_id(&a)?, parse_id(&b)?);
    state.with_vault(|v| v.merge_persons(&a, &b, reason.as_deref()))
}

/// Undoes the merge that linked `id` into another record.
#[tauri::command(async)]
pub fn person_unmerge(state: State<'_, AppState>, id: String) -> CmdResult<Unmerged> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.unmerge_person(&id))
}

/// The person's merge group (a person never merged is a group of one).
#[tauri::command(async)]
pub fn person_merge_group(state: State<'_, AppState>, id: String) -> CmdResult<MergeGroup> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.merge_group(&id))
}
