//! Adding many records in one transaction (HQ's migrations from spreadsheets, JSON Lines): each
//! record is added exactly as one `add` adds it, with its own custody entry; the first failure
//! rolls the whole batch back and says which record it was.

use uuid::Uuid;

use super::{add_incident, add_person, add_testimony, IncidentsMut, PersonsMut, TestimoniesMut};
use crate::error::Error;
use crate::model::{IncidentInput, PersonInput, TestimonyInput};

/// Why a batch was refused: the position (from 0) of the first record that failed, and its error.
/// Nothing of the batch was stored.
#[derive(Debug, thiserror::Error)]
#[error("record {} of the batch: {error} (nothing of the batch was stored)", index + 1)]
pub struct BatchFailure {
    pub index: usize,
    #[source]
    pub error: Error,
}

fn all_or_nothing<T>(
    vault: &crate::vault::Vault,
    inputs: &[T],
    add: fn(&rusqlite::Transaction<'_>, &crate::device::DeviceIdentity, &T) -> crate::Result<Uuid>,
) -> Result<Vec<Uuid>, BatchFailure> {
    let mut failed: Option<usize> = None;
    let out = vault.write_records(|tx, dev| {
        let mut ids = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            failed = Some(i);
            ids.push(add(tx, dev, input)?);
        }
        failed = None;
        Ok(ids)
    });
    // A failure after the last record (the commit itself) is charged to the batch's last record.
    out.map_err(|error| BatchFailure {
        index: failed.unwrap_or(inputs.len().saturating_sub(1)),
        error,
    })
}

impl IncidentsMut<'_> {
    /// Adds every incident of `inputs` in one transaction, all or nothing.
    pub fn add_many(&mut self, inputs: &[IncidentInput]) -> Result<Vec<Uuid>, BatchFailure> {
        all_or_nothing(self.0, inputs, add_incident)
    }
}

impl PersonsMut<'_> {
    /// Adds every person of `inputs` in one transaction, all or nothing.
    pub fn add_many(&mut self, inputs: &[PersonInput]) -> Result<Vec<Uuid>, BatchFailure> {
        all_or_nothing(self.0, inputs, add_person)
    }
}

impl TestimoniesMut<'_> {
    /// Adds every testimony of `inputs` in one transaction, all or nothing.
    pub fn add_many(&mut self, inputs: &[TestimonyInput]) -> Result<Vec<Uuid>, BatchFailure> {
        all_or_nothing(self.0, inputs, add_testimony)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::IncidentInput;
    use crate::testutil;

    fn custody_entries(v: &crate::vault::Vault) -> i64 {
        v.conn
            .query_row("SELECT count(*) FROM custody_log", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_batch_stores_each_record_with_its_own_custody_entry_or_nothing() {
        let (_t, mut v) = testutil::vault();
        let before = custody_entries(&v);
        let good: Vec<IncidentInput> = (0..5)
            .map(|i| IncidentInput {
                title: format!("batch {i}"),
                ..Default::default()
            })
            .collect();
        let ids = v.incidents_mut().add_many(&good).unwrap();
        assert_eq!(ids.len(), 5, "a batch returns one id per record");
        assert_eq!(
            custody_entries(&v) - before,
            5,
            "every record of a batch has its own custody entry"
        );
        let mut bad = good.clone();
        bad[3].kinds = vec!["no_such_kind".into()];
        let err = v.incidents_mut().add_many(&bad).unwrap_err();
        assert_eq!(err.index, 3, "the failure names the record that failed");
        assert_eq!(err.error.kind(), "invalid_input", "{err}");
        assert_eq!(
            v.incidents().list().unwrap().len(),
            5,
            "a refused batch stores none of its records"
        );
        assert_eq!(
            custody_entries(&v) - before,
            5,
            "a refused batch logs nothing"
        );
    }
}
