//! The whole chain of custody of one item, as a court or an analyst reads it: the entries of the
//! device that took it in (its signed intake, its export), carried in bundles, and this vault's
//! own (import, views, extracts), in time order, each checked on its own (hash, key, signature)
//! and named by the device that signed it.

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::custody::{self, Entry};
use crate::error::Result;
use crate::vault::Vault;

/// Whose log an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// This vault's own log.
    ThisDevice,
    /// Another device's log, received in a bundle.
    Received,
}

/// One step of an item's custody.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    #[serde(flatten)]
    pub entry: Entry,
    pub origin: Origin,
    /// The signing device's name: this device's, or the name it is trusted under here.
    pub device_name: Option<String>,
    /// False when the device is neither this one nor trusted here (its entries still verify).
    pub trusted_device: bool,
    /// The entry's hash, key and signature hold.
    pub verified: bool,
    /// Why not, when not.
    pub problem: Option<&'static str>,
}

/// Every custody entry about `subject_id`, this vault's and those received, oldest first; with
/// this vault's import entry of every bundle that carried it.
pub fn provenance(vault: &Vault, subject_id: &str) -> Result<Vec<Step>> {
    let own_name: Option<String> = vault
        .conn
        .query_row("SELECT name FROM device_self LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let trusted_name = |id: &str| -> Result<Option<String>> {
        Ok(vault
            .conn
            .query_row("SELECT name FROM trusted_device WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    };
    // This vault's imports of the bundles that carried the item are logged once per bundle.
    let mut own = custody::entries_for(vault, subject_id)?;
    let bundles: Vec<String> = vault
        .conn
        .prepare("SELECT DISTINCT bundle_id FROM bundle_import_item WHERE record_id = ?1")?
        .query_map([subject_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for b in &bundles {
        own.extend(custody::entries_for(vault, b)?);
    }
    let received = custody::imported_entries(&vault.conn, Some(subject_id))?;
    let mut steps = Vec::new();
    for (origin, entries) in [(Origin::Received, received), (Origin::ThisDevice, own)] {
        for entry in entries {
            let (device_name, trusted_device) = match origin {
                Origin::ThisDevice => (own_name.clone(), true),
                Origin::Received => {
                    let name = trusted_name(&entry.device_id)?;
                    let trusted = name.is_some();
                    (name, trusted)
                }
            };
            let check = entry.check();
            steps.push(Step {
                verified: check.is_ok(),
                problem: check.err().map(|p| p.describe()),
                entry,
                origin,
                device_name,
                trusted_device,
            });
        }
    }
    // Timestamps are UTC RFC 3339 from every device; the same instant keeps the sender first.
    steps.sort_by(|a, b| a.entry.at.cmp(&b.entry.at));
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{self, export::ExportOptions};
    use crate::model::RecordType;

    #[test]
    fn hq_sees_the_monitors_signed_intake_and_its_own_import_of_a_photo_all_verified() {
        let crate::testutil::World {
            tmp,
            mut mon,
            mut hq,
        } = crate::testutil::world();
        let inc = crate::testutil::incident(&mut mon, "arrest at the market");
        let photo = crate::evidence::intake_reader(
            &mut mon,
            RecordType::Incident,
            &inc,
            "photo.jpg",
            &b"not really a jpeg"[..],
        )
        .unwrap()
        .attachment;
        let out = tmp.path().join("b.saksi");
        bundle::export::export(
            &mut mon,
            &ExportOptions {
                to: vec!["hq".into()],
                out: out.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        bundle::import::import(&mut hq, &out, None).unwrap();

        let steps = provenance(&hq, &photo.id).unwrap();
        let actions: Vec<(&str, Origin)> = steps
            .iter()
            .map(|s| (s.entry.action.as_str(), s.origin))
            .collect();
        assert_eq!(
            actions.first(),
            Some(&("intake", Origin::Received)),
            "the chain starts with the monitor's own intake entry, received in the bundle: {actions:?}"
        );
        assert!(
            actions.contains(&("import", Origin::ThisDevice)),
            "HQ's import of the item is part of the chain: {actions:?}"
        );
        assert!(
            steps.iter().all(|s| s.verified),
            "every step's hash and signature hold"
        );
        let intake = &steps[0];
        assert!(intake.trusted_device, "the monitor is trusted at HQ");
        assert_eq!(intake.device_name.as_deref(), Some("mon"));
        assert_eq!(
            steps.iter().map(|s| s.entry.at.clone()).collect::<Vec<_>>(),
            {
                let mut at: Vec<String> = steps.iter().map(|s| s.entry.at.clone()).collect();
                at.sort();
                at
            },
            "oldest first"
        );
    }
}
