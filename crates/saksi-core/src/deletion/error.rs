//! Deleting records and deciding about deletions received: every refusal has its own kind, and
//! every message says that nothing was deleted.

/// What can stop a deletion, or a decision about a received one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeletionError {
    #[error("say why this is deleted: a deletion needs a reason, which its tombstone keeps (nothing was deleted)")]
    ReasonRequired,

    #[error("the reason for a deletion must be at most {max} characters (nothing was deleted)")]
    ReasonTooLong { max: usize },

    #[error("only an incident, a person, a testimony or an attachment can be deleted, not a {0} (nothing was deleted)")]
    NotDeletable(String),

    /// The record is still used where deleting it would silently change other records.
    #[error("{what} cannot be deleted while it is used: {}; remove it from there first (nothing was deleted)", uses.join("; "))]
    InUse { what: String, uses: Vec<String> },

    #[error("no received deletion waiting for a decision has the id {0}")]
    NotPending(String),

    /// An analyst asked to apply a received deletion that cannot be applied here.
    #[error("this deletion cannot be applied: {0}; it stays pending (nothing was deleted)")]
    CannotApply(String),

    #[error("the deletion policy is 'apply' or 'ask', not '{0}'")]
    BadPolicy(String),
}

impl DeletionError {
    pub fn kind(&self) -> &'static str {
        match self {
            DeletionError::ReasonRequired => "deletion_reason_required",
            DeletionError::ReasonTooLong { .. } => "deletion_reason_too_long",
            DeletionError::NotDeletable(_) => "deletion_not_deletable",
            DeletionError::InUse { .. } => "deletion_in_use",
            DeletionError::NotPending(_) => "deletion_not_pending",
            DeletionError::CannotApply(_) => "deletion_cannot_apply",
            DeletionError::BadPolicy(_) => "deletion_bad_policy",
        }
    }
}
