//! Chains: this vault's own log recomputed end to end, other devices' entries followed per device
//! as they arrive (with gaps), and received entries checked against those already held.

use super::*;
use crate::sql::Cached;

/// Follows the chains of other devices' entries, which arrive with gaps (a bundle carries only
/// the entries about what it carries): per device, sequence numbers must rise; where two
/// entries are consecutive the second must name the first's hash; the first entry of a log
/// must start from [`GENESIS`].
#[derive(Default)]
pub(crate) struct Chains {
    last: HashMap<String, (i64, String)>,
}

impl Chains {
    /// Checks `e` against the entry seen before it from the same device.
    pub(crate) fn follow(&mut self, e: &Entry) -> std::result::Result<(), String> {
        let id = e.id.escape_default();
        if e.seq < 1 {
            return Err(format!(
                "entry {id}: sequence number {} is not positive",
                e.seq
            ));
        }
        if e.seq == 1 && e.prev_hash != GENESIS {
            return Err(format!(
                "entry {id} opens its log but names a previous entry"
            ));
        }
        if let Some((seq, hash)) = self.last.get(&e.device_id) {
            if e.seq <= *seq {
                return Err(format!(
                    "entry {id} (seq {}) of device {} does not come after seq {seq}",
                    e.seq, e.device_id
                ));
            }
            if e.seq == seq + 1 && &e.prev_hash != hash {
                return Err(format!(
                    "entry {id} (seq {}) of device {} does not follow the entry before it (chain broken)",
                    e.seq, e.device_id
                ));
            }
        }
        self.last
            .insert(e.device_id.clone(), (e.seq, e.entry_hash.clone()));
        Ok(())
    }
}

/// Checks an entry that claims to come from this device's own log (a bundle sent back here):
/// this vault must hold exactly that entry.
pub(crate) fn check_own(conn: &Connection, e: &Entry) -> Result<Option<String>> {
    let held: Option<String> = conn
        .row(
            "SELECT entry_hash FROM custody_log WHERE seq = ?1",
            [e.seq],
            |r| r.get(0),
        )
        .optional()?;
    Ok((held.as_deref() != Some(e.entry_hash.as_str())).then(|| {
        format!(
            "entry {} (seq {}) claims to be from this device's own log, which does not hold it",
            e.id.escape_default(),
            e.seq
        )
    }))
}

/// Checks an entry from another device against those of its entries this vault already holds
/// (`imported_custody`): the same sequence number must be the same entry, and its neighbours
/// must link to it. A device whose log was rewritten after it sent part of it is caught here.
pub(crate) fn check_against_held(conn: &Connection, e: &Entry) -> Result<Option<String>> {
    let held = |seq: i64| -> Result<Option<(String, String)>> {
        Ok(conn
            .row(
                "SELECT entry_hash, prev_hash FROM imported_custody WHERE device_id = ?1 AND seq = ?2",
                params![e.device_id, seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    };
    let id = e.id.escape_default();
    if let Some((hash, _)) = held(e.seq)? {
        if hash != e.entry_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} differs from the entry with that number received before: that device's custody log was rewritten",
                e.seq, e.device_id
            )));
        }
    }
    if let Some((hash, _)) = held(e.seq - 1)? {
        if hash != e.prev_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} does not follow the entry before it received earlier (chain broken)",
                e.seq, e.device_id
            )));
        }
    }
    if let Some((_, prev)) = held(e.seq + 1)? {
        if prev != e.entry_hash {
            return Ok(Some(format!(
                "entry {id} (seq {}) of device {} is not the entry the next one received earlier follows (chain broken)",
                e.seq, e.device_id
            )));
        }
    }
    Ok(None)
}

/// Recomputes the whole chain. Returns the first broken entry, described, or `None`.
pub fn verify_chain(vault: &Vault) -> Result<Option<String>> {
    let mut expected_prev = GENESIS.to_string();
    for (i, e) in entries(vault)?.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): an entry before it is missing (expected seq {expected_seq})",
                e.id, e.seq
            )));
        }
        if e.prev_hash != expected_prev {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): does not follow the previous entry (chain broken)",
                e.id, e.seq
            )));
        }
        if let Err(p) = e.check() {
            return Ok(Some(format!(
                "custody log entry {} (seq {}): {}",
                e.id,
                e.seq,
                p.describe()
            )));
        }
        expected_prev = e.entry_hash.clone();
    }
    Ok(None)
}

/// Re-checks every entry received from other devices: each on its own (hash, key, signature)
/// and each device's chain where consecutive entries are held. One line per problem.
pub fn verify_imported(vault: &Vault) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut chains = Chains::default();
    for e in imported_entries(&vault.conn, None)? {
        if let Err(p) = e.check() {
            problems.push(format!(
                "received custody entry {} (seq {} of device {}): {}",
                e.id,
                e.seq,
                e.device_id,
                p.describe()
            ));
            continue;
        }
        if let Err(p) = chains.follow(&e) {
            problems.push(format!("received custody {p}"));
        }
    }
    Ok(problems)
}
