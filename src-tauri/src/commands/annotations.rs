//! Annotations (notes, legal-provision tags, the "reviewed" mark) on any record or attachment,
//! and the review-mode switch. Each command is one core call; the core checks the subject, the
//! tags against the vocabulary, the sizes, and refuses while read-only.

use saksi_core::annotation::{Annotation, AnnotationInput, AnnotationShown, ProvisionInput};
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

/// Replaces an annotation's note, tags and reviewed mark; `version` is the version the edit was
/// made from (a newer one stored, e.g. merged from a bundle meanwhile, is a clear refusal).
#[tauri::command(async)]
pub fn annotation_edit(
    state: State<'_, AppState>,
    id: String,
    version: i64,
    input: AnnotationInput,
) -> CmdResult<()> {
    let id = parse_id(&id)?;
    state.with_vault(|v| v.edit_annotation(&id, Some(version), &input))
}

/// Adds a legal provision to the vocabulary (a new code and its labels, one logged write).
#[tauri::command(async)]
pub fn provision_add(state: State<'_, AppState>, input: ProvisionInput) -> CmdResult<()> {
    state.with_vault(|v| v.add_legal_provision(&input))
}

/// Switches review mode on or off (one custody-logged write); returns whether it changed.
#[tauri::command(async)]
pub fn review_mode_set(state: State<'_, AppState>, on: bool) -> CmdResult<bool> {
    state.with_vault(|v| v.set_review_mode(on))
}
