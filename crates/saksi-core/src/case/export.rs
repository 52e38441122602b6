//! A case for another lawyer: a signed, encrypted bundle of the incidents the case's exhibits
//! belong to (directly, or through their testimony), made by the ordinary export with its
//! scope limited to those incidents. The bundle therefore holds those incidents whole (their
//! acts, people, testimony and every item attached to them, exhibits or not) under the usual
//! consent rules; exhibits attached to a person rather than an incident are not in it.

use std::path::PathBuf;

use uuid::Uuid;

use super::{case_file, exhibits, CaseError};
use crate::bundle::export::{self, ExportOptions, ExportSummary};
use crate::error::Result;
use crate::evidence;
use crate::progress::Progress;
use crate::vault::Vault;

impl Vault {
    /// The incidents of the case's exhibits, in id order.
    pub fn case_incidents(&self, case: &Uuid) -> Result<Vec<Uuid>> {
        let case = case_file(self, case)?;
        let mut out = std::collections::BTreeSet::new();
        for ex in exhibits(self, &case.id)? {
            let id = crate::model::parse_id("attachment", &ex.attachment_id)?;
            let att = evidence::get(self, &id)?;
            let incident: Option<String> = match att.record_type.as_str() {
                "incident" => Some(att.record_id.clone()),
                "testimony" => self
                    .conn
                    .query_row(
                        "SELECT incident_id FROM testimony WHERE id = ?1",
                        [&att.record_id],
                        |r| r.get(0),
                    )
                    .ok(),
                _ => None,
            };
            if let Some(i) = incident {
                out.insert(crate::model::parse_id("incident", &i)?);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The incidents a bundle of the case would hold; refused when there are none
    /// ([`CaseError::NoExhibits`], [`CaseError::NoIncidents`]), so that a shell can say so
    /// before it asks where to save.
    pub fn case_export_scope(&self, case: &Uuid) -> Result<Vec<Uuid>> {
        let incidents = self.case_incidents(case)?;
        if incidents.is_empty() {
            return Err(if exhibits(self, &case.to_string())?.is_empty() {
                CaseError::NoExhibits
            } else {
                CaseError::NoIncidents
            }
            .into());
        }
        Ok(incidents)
    }

    /// Exports the case's incidents to `to` as one bundle at `out` (see the module doc).
    pub fn case_export(
        &mut self,
        case: &Uuid,
        to: &[String],
        out: PathBuf,
    ) -> Result<ExportSummary> {
        self.case_export_with(case, to, out, &mut ())
    }

    /// [`Vault::case_export`] reporting progress as the ordinary export does (cancelling
    /// removes the partial file and records nothing).
    pub fn case_export_with(
        &mut self,
        case: &Uuid,
        to: &[String],
        out: PathBuf,
        progress: &mut dyn Progress,
    ) -> Result<ExportSummary> {
        let incidents = self.case_export_scope(case)?;
        let opts = ExportOptions {
            to: to.to_vec(),
            out,
            since_last: false,
            incidents,
            include_contacts: false,
        };
        export::export_with(self, &opts, progress)
    }
}
