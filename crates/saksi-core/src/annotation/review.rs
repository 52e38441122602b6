//! Review mode: a vault setting under which records and evidence cannot be changed; only
//! annotations and custody entries (and the vocabulary of legal provisions) are written. Meant
//! for a lawyer who reviews, in their own vault, what HQ sent: nothing they do can alter the
//! evidence. Switching it on or off is itself one custody-logged write.
//!
//! Enforced in the core where records and evidence are written: every record handle, batch
//! adds, person merges, evidence intake and deletion, bundle import, conflict resolution and
//! purging call [`Vault::records_writable`] (or [`Vault::write_records`]) first and fail with
//! [`Error::ReviewMode`] (`vault_review_mode`) before anything is written.

use rusqlite::{OptionalExtension, Transaction};

use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::vault::Vault;

const KEY: &str = "review_mode";

impl Vault {
    /// Whether this vault is in review mode.
    pub fn review_mode(&self) -> Result<bool> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [KEY], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.as_deref() == Some("on"))
    }

    /// Switches review mode on or off: one transaction with a `review_mode` custody entry.
    /// Returns whether anything changed (switching to the mode already set writes nothing).
    pub fn set_review_mode(&mut self, on: bool) -> Result<bool> {
        if self.review_mode()? == on {
            self.writable()?;
            return Ok(false);
        }
        self.write(|tx, dev| {
            tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [KEY, if on { "on" } else { "off" }],
            )?;
            let details = serde_json::json!({ "on": on }).to_string();
            custody::append_on(tx, dev, Action::ReviewMode, None, None, Some(&details))?;
            Ok(true)
        })
    }

    /// The guard of every write to records or evidence: refuses in a read-only vault and in
    /// review mode, before anything is written.
    pub(crate) fn records_writable(&self) -> Result<()> {
        self.writable()?;
        if self.review_mode()? {
            return Err(Error::ReviewMode);
        }
        Ok(())
    }

    /// [`Vault::write`] for writes to records or evidence: refused in review mode.
    pub(crate) fn write_records<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &DeviceIdentity) -> Result<T>,
    ) -> Result<T> {
        self.records_writable()?;
        self.write(f)
    }
}
