//! Full-text search with filters. The core bounds and checks the query (length, dates, ids).

use saksi_core::search::{SearchCount, SearchHit, SearchQuery};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, query: SearchQuery) -> CmdResult<Vec<SearchHit>> {
    state.with_vault(|v| v.search(&query))
}

/// How many records match `query` (its page ignored), counted up to `cap`: the list shows it
/// when a page is full ("500 of more than 10,000").
#[tauri::command(async)]
pub fn search_count(
    state: State<'_, AppState>,
    query: SearchQuery,
    cap: u64,
) -> CmdResult<SearchCount> {
    state.with_vault(|v| v.search_count(&query, cap))
}
