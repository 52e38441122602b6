//! Annotations as the shells list them: each with the name of the device that wrote it, when
//! this vault knows that device (this one, or a trusted one), so a reader sees who wrote what.

use serde::Serialize;

use super::{list_for, Annotation, Subject};
use crate::error::Result;
use crate::history;
use crate::vault::Vault;

/// An annotation with its author device's name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnnotationShown {
    #[serde(flatten)]
    pub annotation: Annotation,
    /// The name of `device_id`, when this vault knows the device.
    pub device_name: Option<String>,
}

impl Vault {
    /// The annotations on `subject`, oldest first, each with its author device's name.
    pub fn annotations_shown(&self, subject: &Subject) -> Result<Vec<AnnotationShown>> {
        list_for(&self.conn, subject)?
            .into_iter()
            .map(|annotation| {
                let device_name = history::device_name(self, &annotation.device_id)?;
                Ok(AnnotationShown {
                    annotation,
                    device_name,
                })
            })
            .collect()
    }
}
