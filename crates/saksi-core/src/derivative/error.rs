//! What can go wrong making or using a redacted copy, each with a message a monitor or lawyer
//! can act on and a stable kind.

/// A redaction, pseudonymisation or derivative-dependent export refused; nothing was stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DerivativeError {
    #[error("give at least one region to redact (X,Y,W,H in pixels); nothing was stored")]
    NoRegions,

    #[error("at most {max} regions can be redacted at once; nothing was stored")]
    TooManyRegions { max: usize },

    #[error("region {region} is not inside the photo, which is {width} × {height} pixels (X,Y is the top-left corner, W,H the width and height, all in pixels of the photo as shown upright); nothing was stored")]
    RegionOutside {
        region: String,
        width: u32,
        height: u32,
    },

    #[error("unknown redaction method '{0}' (pixelate, blur)")]
    BadMethod(String),

    #[error(
        "item {id} is {media_type}, not a photo Saksi can redact (JPEG, PNG, WebP, GIF, TIFF)"
    )]
    NotAPhoto { id: String, media_type: String },

    #[error("item {id} is already a redacted copy (of {original}): redact the original instead, with every region")]
    AlreadyDerived { id: String, original: String },

    #[error("{0}; nothing was stored")]
    BadReplacement(String),

    #[error("'{name}' does not occur in the testimony as a whole word: check its spelling; nothing was stored")]
    NameNotFound { name: String },

    #[error("testimony {testimony}: the witness consented to publication only anonymously, and its text has no pseudonymised copy; nothing was written")]
    TextCopyRequired { testimony: String },

    #[error("testimony {testimony}: its text changed after its pseudonymised copy was made, so that copy may name someone; make a new one; nothing was written")]
    TextCopyOutdated { testimony: String },

    #[error("photo {item} of testimony {testimony}: the witness consented to publication only anonymously, and the photo has no redacted copy; nothing was written")]
    PhotoCopyRequired { testimony: String, item: String },
}

impl DerivativeError {
    /// A stable, machine-readable name for the error.
    pub fn kind(&self) -> &'static str {
        match self {
            DerivativeError::NoRegions => "derivative_no_regions",
            DerivativeError::TooManyRegions { .. } => "derivative_too_many_regions",
            DerivativeError::RegionOutside { .. } => "derivative_region_outside",
            DerivativeError::BadMethod(_) => "derivative_bad_method",
            DerivativeError::NotAPhoto { .. } => "derivative_not_a_photo",
            DerivativeError::AlreadyDerived { .. } => "derivative_already_derived",
            DerivativeError::BadReplacement(_) => "derivative_bad_replacement",
            DerivativeError::NameNotFound { .. } => "derivative_name_not_found",
            DerivativeError::TextCopyRequired { .. } => "derivative_text_copy_required",
            DerivativeError::TextCopyOutdated { .. } => "derivative_text_copy_outdated",
            DerivativeError::PhotoCopyRequired { .. } => "derivative_photo_copy_required",
        }
    }
}
