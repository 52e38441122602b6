//! IPC commands: each one validates its arguments, calls one core function and maps the error.
//! Every command except `vault_status`, `vault_create` and `vault_unlock` refuses with kind
//! "locked" while the vault is locked (see `AppState::with_vault`).

pub mod bundle;
pub mod evidence;
pub mod records;
pub mod search;
pub mod settings;
pub mod vault;

use uuid::Uuid;

use crate::error::{CmdError, CmdResult};

/// Record ids are UUIDs; anything else is refused before it reaches the core.
pub(crate) fn parse_id(id: &str) -> CmdResult<Uuid> {
    Uuid::parse_str(id.trim()).map_err(|_| CmdError::invalid("not a valid record id"))
}
