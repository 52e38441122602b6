//! Annotations (notes, legal-provision tags, the "reviewed" mark) on any record or attachment,
//! and the review-mode switch. Each command is one core call; the core checks the subject, the
//! tags against the vocabulary, the sizes, and refuses while read-only.

use saksi_core::annotation::{Annotation, AnnotationInput, AnnotationShown};
use tauri::State;

use super::parse_id;
use crate::error::CmdResult;
use crate::state::AppState;

/// The annotations on the record or attachment `id`, oldest first, with their authors' names.
#[tauri::command(async)]
pub fn annotation_list(state: State<'_, AppState>, id: String) -> CmdResult<Vec<AnnotationShown>> {
    let id = parse_id(&id)?;
    state.with_vault(|v| {
        let subject = v.annotation_subject(&id)?;
        v.annotations_shown(&subject)
    })
}

/// One annotation (a search hit names it; the window then opens what it is about).
#[tauri::command(async)]
pub fn annotation_get(state: State<'_, AppState>, id: String) -> CmdResult<Annotation> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.annotation(&id))
}

/// Annotates the record or attachment `id`; returns the new annotation's id.
#[tauri::command(async)]
pub fn annotation_add(
    state: State<'_, AppState>,
    id: String,
    input: AnnotationInput,
) -> CmdResult<String> {
    let id = parse_id(&id)?;
    state.with_vault(|v| {
        let subject = v.annotation_subject(&id)?;
        Ok(v.annotate(&subject, &input)?.to_string())
    })
}

/// Switches review mode on or off (one custody-logged write); returns whether it changed.
#[tauri::command(async)]
pub fn review_mode_set(state: State<'_, AppState>, on: bool) -> CmdResult<bool> {
    state.with_vault(|v| v.set_review_mode(on))
}
