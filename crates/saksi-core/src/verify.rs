//! `saksi verify`: everything that can be checked about a vault without trusting it. Each check
//! adds a line; any problem makes the report fail.

use serde::Serialize;

use crate::error::Result;
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub schema_version: i64,
    pub custody_entries: usize,
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
            format!("attachments: {} checked", self.attachments_checked),
        ];
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
    /// attachment's SHA-256.
    pub fn verify(&self) -> Result<VerifyReport> {
        let mut problems = self.check_database()?;
        let custody_entries = crate::custody::entries(self)?.len();
        if let Some(p) = crate::custody::verify_chain(self)? {
            problems.push(p);
        }
        let (attachments_checked, mut att_problems) = crate::evidence::verify_all(self)?;
        problems.append(&mut att_problems);
        Ok(VerifyReport {
            schema_version: crate::vault::SCHEMA_VERSION,
            custody_entries,
            attachments_checked,
            problems,
        })
    }
}
