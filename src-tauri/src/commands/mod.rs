//! IPC commands: each one validates its arguments, calls one core function and maps the error.
//! Every command except `vault_status`, `vault_create`, `vault_unlock`, `vault_unlock_recovery`,
//! `recovery_key_check` and `restore_run` refuses with kind "locked" while the vault is locked
//! (see `AppState::with_vault`).

pub mod annotations;
pub mod bundle;
pub mod capture;
pub mod cases;
pub mod consent;
pub mod deletion;
pub mod duress;
pub mod evidence;
pub mod lifecycle;
pub mod persons;
pub mod recording;
pub mod records;
pub mod reports;
pub mod search;
pub mod settings;
pub mod vault;

use uuid::Uuid;

use crate::error::CmdResult;

/// Record ids are UUIDs; anything else is refused (by the core's rule) before it is used.
pub(crate) fn parse_id(id: &str) -> CmdResult<Uuid> {
    Ok(saksi_core::model::parse_id("record", id)?)
}
