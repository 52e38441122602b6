//! `saksi verify`: everything that can be checked about a vault without trusting it. Each check
//! adds a line; any problem makes the report fail.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub schema_version: i64,
    pub custody_entries: usize,
    /// Entries of other devices' logs that came in bundles, re-checked one by one and chained.
    pub received_custody_entries: usize,
    pub attachments_checked: usize,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Human-readable summary lines.
    pub fn lines(&self) -> Vec<String> {
        let mut l = vec![
            format!("schema version {}", self.schema_version),
            format!("custody log: {} entries", self.custody_entries),
        ];
        if self.received_custody_entries > 0 {
            l.push(format!(
                "custody entries received from other devices: {} checked",
                self.received_custody_entries
            ));
        }
        l.push(format!("attachments: {} checked", self.attachments_checked));
        if self.ok() {
            l.push("OK: no problems found".into());
        } else {
            l.extend(self.problems.iter().map(|p| format!("PROBLEM: {p}")));
        }
        l
    }
}

impl Vault {
    /// SQLCipher integrity, schema version, foreign keys, the custody chain and every
    /// attachment's SHA-256. A database too damaged to read is itself a finding.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_with(&mut ())
    }

    /// [`Vault::verify`], reporting attachments checked; cancelling returns
    /// [`Error::Cancelled`] (verify changes nothing either way).
    pub fn verify_with(
        &self,
        progress: &mut dyn crate::progress::Progress,
    ) -> Result<VerifyReport> {
        let mut report = VerifyReport {
            schema_version: crate::vault::SCHEMA_VERSION,
            custody_entries: 0,
            received_custody_entries: 0,
            attachments_checked: 0,
            problems: Vec::new(),
        };
        let steps = (|| -> Result<()> {
            report.problems = self.check_database()?;
            if !report.problems.is_empty() {
                return Ok(());
            }
            report.custody_entries = crate::custody::entries(self)?.len();
            if let Some(p) = crate::custody::verify_chain(self)? {
                report.problems.push(p);
            }
            report.received_custody_entries =
                crate::custody::imported_entries(&self.conn, None)?.len();
            report
                .problems
                .append(&mut crate::custody::verify_imported(self)?);
            report
                .problems
                .append(&mut crate::model::person_merge::check(&self.conn)?);
            let (checked, mut att_problems) = crate::evidence::verify_all(self, progress)?;
            report.attachments_checked = checked;
            report.problems.append(&mut att_problems);
            Ok(())
        })();
        match steps {
            Ok(()) => Ok(report),
            // SQLCipher reports a page that fails its HMAC as a read error (sometimes as "out of
            // memory"): for verify, an unreadable database is the finding.
            Err(Error::Database(e)) => {
                report.problems.push(format!(
                    "the database cannot be read in full (damaged or tampered pages): {e}"
                ));
                Ok(report)
            }
            Err(Error::Corrupt(e)) => {
                report
                    .problems
                    .push(format!("the database is damaged: {e}"));
                Ok(report)
            }
            Err(e) => Err(e),
        }
    }
}
