//! Deleting records (issue 13): an incident, a person, a testimony or an attachment with its
//! signed tombstone, the list of deletions (made here, and received with what was done), an
//! analyst's apply / keep of a pending received one, and the policy for received ones. Each
//! command is one core call (`deletion/`).

use serde::Serialize;
use tauri::State;

use saksi_core::deletion::{DeletionSummary, IncomingDeletion, Policy, Tombstone};
use saksi_core::model::{parse_id, RecordType};

use crate::error::{CmdError, CmdResult};
use crate::state::AppState;

/// Custody entry ids are UUIDs; anything longer is refused before it reaches the vault.
const MAX_ENTRY_ID_CHARS: usize = 64;

fn entry_id(id: &str) -> CmdResult<&str> {
    let id = id.trim();
    if id.is_empty() || id.chars().count() > MAX_ENTRY_ID_CHARS {
        return Err(CmdError::invalid("not the id of a received deletion"));
    }
    Ok(id)
}

/// Deletes the record (and what belongs to it) in one transaction, with a signed tombstone for
/// each record erased. `reason` is required (the tombstone keeps it).
#[tauri::command(async)]
pub fn record_delete(
    state: State<'_, AppState>,
    record_type: String,
    id: String,
    reason: String,
) -> CmdResult<DeletionSummary> {
    let ty: RecordType = record_type.trim().parse()?;
    let id = parse_id(ty.as_str(), &id)?;
    state.with_vault(|v| v.delete_record(ty, &id, &reason))
}

/// What the Deletions tab shows.
#[derive(Serialize)]
pub struct DeletionListing {
    pub deleted_here: Vec<Tombstone>,
    pub received: Vec<IncomingDeletion>,
    pub policy: Policy,
}

#[tauri::command(async)]
pub fn deletion_list(state: State<'_, AppState>) -> CmdResult<DeletionListing> {
    state.with_vault(|v| {
        Ok(DeletionListing {
            deleted_here: v.tombstones()?,
            received: v.incoming_deletions(false)?,
            policy: v.deletion_policy()?,
        })
    })
}

/// An analyst applies a received deletion that waits for a decision: the record goes here too.
#[tauri::command(async)]
pub fn deletion_apply(state: State<'_, AppState>, entry: String) -> CmdResult<IncomingDeletion> {
    let entry = entry_id(&entry)?;
    state.with_vault(|v| v.apply_incoming_deletion(entry))
}

/// An analyst keeps the record a received deletion names: nothing is deleted.
#[tauri::command(async)]
pub fn deletion_keep(state: State<'_, AppState>, entry: String) -> CmdResult<IncomingDeletion> {
    let entry = entry_id(&entry)?;
    state.with_vault(|v| v.keep_incoming_deletion(entry))
}

/// Sets what a received deletion does when nothing here relied on the record: "apply" or "ask".
#[tauri::command(async)]
pub fn deletion_policy_set(state: State<'_, AppState>, policy: String) -> CmdResult<Policy> {
    let p: Policy = policy.parse()?;
    state.with_vault(|v| {
        v.set_deletion_policy(p)?;
        v.deletion_policy()
    })
}

#[cfg(test)]
mod tests {
    use super::entry_id;

    #[test]
    fn an_entry_id_that_cannot_be_one_is_refused_before_the_vault() {
        assert!(entry_id("").is_err(), "an empty id must be refused");
        assert!(
            entry_id(&"x".repeat(65)).is_err(),
            "an id longer than any entry id must be refused"
        );
        assert_eq!(
            entry_id(" 0b1c ").ok(),
            Some("0b1c"),
            "spaces around a pasted id are not part of it"
        );
    }
}
