//! The one error type that crosses the IPC bridge: a stable machine-readable `kind` plus a
//! message for people. The UI picks its translated text by `kind` and never matches messages.

use serde::Serialize;

#[derive(Debug, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CmdError {
    /// Stable identifier, e.g. "locked", "wrong_passphrase", "invalid_input" (see `ui/src/lib/api.ts`).
    pub kind: &'static str,
    pub message: String,
}

impl CmdError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn locked() -> Self {
        Self::new("locked", "the vault is locked: unlock it first")
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid_input", message)
    }
}

impl From<saksi_core::Error> for CmdError {
    fn from(e: saksi_core::Error) -> Self {
        Self::new(e.kind(), e.to_string())
    }
}

pub type CmdResult<T> = Result<T, CmdError>;
