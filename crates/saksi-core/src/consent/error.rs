//! What can go wrong recording a consent withdrawal, each with a message a monitor can act on
//! and a stable kind.

/// A consent withdrawal refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsentError {
    #[error("unknown consent purpose '{0}': say share_with_hq, legal_proceedings or publication; nothing was changed")]
    UnknownPurpose(String),

    #[error("consent for {purpose} of testimony {testimony} was already withdrawn (on {withdrawn_at}): nothing was changed")]
    AlreadyWithdrawn {
        testimony: String,
        purpose: &'static str,
        withdrawn_at: String,
    },

    #[error("a consent withdrawal must say {0}; nothing was changed")]
    Incomplete(&'static str),

    #[error("item {item}{exhibit} belongs to a testimony whose witness withdrew consent to use in legal proceedings: it cannot be an exhibit or go into a court folder; nothing was changed")]
    WithdrawnForCourt { item: String, exhibit: String },
}

impl ConsentError {
    /// A stable, machine-readable name for the error.
    pub fn kind(&self) -> &'static str {
        match self {
            ConsentError::UnknownPurpose(_) => "consent_unknown_purpose",
            ConsentError::AlreadyWithdrawn { .. } => "consent_already_withdrawn",
            ConsentError::Incomplete(_) => "consent_withdrawal_incomplete",
            ConsentError::WithdrawnForCourt { .. } => "consent_withdrawn_for_court",
        }
    }
}
