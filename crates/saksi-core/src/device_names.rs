//! Devices by the names people give them: this device's own name (chosen at creation or later;
//! the hostname, "vm" on a test machine, is only the first guess) and, at HQ, the names of the
//! devices it trusts, which an analyst may change locally ("Sokha's laptop, Kampot"). The names
//! are shown wherever a device appears: history, conflicts, provenance, receipts, reports.

use rusqlite::params;

use crate::bundle::keys::{trusted_by_id, TrustedDevice};
use crate::bundle::KeyError;
use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// The longest device name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A device name as typed: trimmed, 1–64 characters, no control characters.
pub fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a device name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "a device name has at most {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a device name cannot hold control characters (tabs, line breaks)",
        ));
    }
    Ok(name.to_string())
}

impl Vault {
    /// Names this device, in one transaction with its custody entry. The new name goes into
    /// this device's card and the bundles it signs from now on; HQ keeps the name it gave the
    /// device when it trusted it, and may rename it (see [`Vault::rename_trusted_device`]).
    pub fn rename_device(&mut self, name: &str) -> Result<()> {
        let name = check_name(name)?;
        self.writable()?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE device_self SET name = ?1 WHERE id = ?2",
            params![name, self.device().id()],
        )?;
        let details = serde_json::json!({ "device": self.device().id(), "name": name }).to_string();
        custody::append_on(
            &tx,
            self.device(),
            Action::DeviceRenamed,
            None,
            None,
            Some(&details),
        )?;
        tx.commit()?;
        self.device_mut().set_name(name);
        Ok(())
    }

    /// Renames a trusted (or revoked) device here, in one transaction with its custody entry.
    pub fn rename_trusted_device(&mut self, id: &str, name: &str) -> Result<TrustedDevice> {
        let name = check_name(name)?;
        self.writable()?;
        let id = id.trim();
        let tx = self.conn.unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE trusted_device SET name = ?1 WHERE id = ?2",
            params![name, id],
        )?;
        if n == 0 {
            return Err(KeyError::UnknownDevice(id.to_string()).into());
        }
        let details = serde_json::json!({ "device": id, "name": name }).to_string();
        custody::append_on(
            &tx,
            self.device(),
            Action::DeviceRenamed,
            None,
            None,
            Some(&details),
        )?;
        tx.commit()?;
        trusted_by_id(&self.conn, id)?.ok_or_else(|| KeyError::UnknownDevice(id.to_string()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_shown_by_the_name_its_user_chose() {
        let crate::testutil::World {
            tmp: _tmp,
            mut mon,
            mut hq,
        } = crate::testutil::world();
        mon.rename_device("  Sokha's laptop, Kampot ").unwrap();
        assert_eq!(mon.device().name(), "Sokha's laptop, Kampot");
        let card = crate::bundle::keys::device_card(&mon).unwrap();
        assert_eq!(
            card.name, "Sokha's laptop, Kampot",
            "the card carries the new name"
        );
        let log = custody::entries(&mon).unwrap();
        assert_eq!(log.last().unwrap().action, "device_renamed");

        let id = mon.device().id().to_string();
        let renamed = hq.rename_trusted_device(&id, "Kampot monitor").unwrap();
        assert_eq!(renamed.name, "Kampot monitor");
        assert_eq!(
            crate::device::known_name(&hq, &id).unwrap().as_deref(),
            Some("Kampot monitor")
        );

        for bad in ["", "   ", "line\nbreak", &"x".repeat(65)] {
            let e = mon.rename_device(bad).unwrap_err();
            assert_eq!(e.kind(), "invalid_input", "{bad:?}: {e}");
        }
        assert_eq!(
            mon.device().name(),
            "Sokha's laptop, Kampot",
            "a refused name changes nothing"
        );
        let unknown = hq
            .rename_trusted_device("0123456789abcdef0123456789abcdef", "x")
            .unwrap_err();
        assert_eq!(unknown.kind(), "bundle_unknown_device");
    }
}
