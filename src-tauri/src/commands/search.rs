//! Full-text search with filters. The core bounds and checks the query (length, dates, ids).

use saksi_core::search::{SearchHit, SearchQuery};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, query: SearchQuery) -> CmdResult<Vec<SearchHit>> {
    state.with_vault(|v| v.search(&query))
}
