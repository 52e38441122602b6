//! What can go wrong with a case file, each with a message a lawyer can act on and a stable kind.

/// A case file refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    #[error("a case title must be 1 to {max} characters")]
    BadTitle { max: usize },

    #[error("an exhibit description must be at most {max} characters")]
    DescriptionTooLong { max: usize },

    #[error("{id} is neither an item of evidence nor an incident: only items, or every item of an incident, can be exhibits")]
    NotAnItem { id: String },

    #[error("item {item} is already exhibit {exhibit} of this case: nothing was changed")]
    AlreadyExhibit { item: String, exhibit: String },

    #[error("{id} adds nothing to this case: it has no items, or they are all exhibits already; nothing was changed")]
    NothingToAdd { id: String },

    #[error("a case holds at most {max} exhibits")]
    TooManyExhibits { max: i64 },

    #[error("this case has no exhibits yet: add items to it first")]
    NoExhibits,

    #[error("no exhibit of this case belongs to an incident, so there is nothing to put in a bundle; nothing was written")]
    NoIncidents,

    #[error(
        "the folder {0} exists and is not empty: choose a new or empty folder; nothing was written"
    )]
    FolderNotEmpty(std::path::PathBuf),

    #[error("exhibit {exhibit}: its item {item} was deleted from this vault, so the court folder cannot hold it; nothing was kept")]
    ExhibitGone { exhibit: String, item: String },

    #[error("exhibit {exhibit}: the file decrypted does not match the SHA-256 recorded at intake ({expected}); the court folder was removed")]
    ExhibitAltered { exhibit: String, expected: String },
}

impl CaseError {
    /// A stable, machine-readable name for the error.
    pub fn kind(&self) -> &'static str {
        match self {
            CaseError::BadTitle { .. } => "case_bad_title",
            CaseError::DescriptionTooLong { .. } => "case_description_too_long",
            CaseError::NotAnItem { .. } => "case_not_an_item",
            CaseError::AlreadyExhibit { .. } => "case_already_exhibit",
            CaseError::NothingToAdd { .. } => "case_nothing_to_add",
            CaseError::TooManyExhibits { .. } => "case_too_many_exhibits",
            CaseError::NoExhibits => "case_no_exhibits",
            CaseError::NoIncidents => "case_no_incidents",
            CaseError::FolderNotEmpty(_) => "case_folder_not_empty",
            CaseError::ExhibitGone { .. } => "case_exhibit_gone",
            CaseError::ExhibitAltered { .. } => "case_exhibit_altered",
        }
    }
}
