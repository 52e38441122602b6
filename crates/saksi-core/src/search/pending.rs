//! The search rows a transaction changed, written to the FTS5 index once, just before it
//! commits (migration 0024).
//!
//! The record triggers note the `search_row` id of every record whose indexed text may have
//! changed in `search_pending`; [`apply`] rewrites those rows of `search_index` from
//! `search_source` and empties the table. Writing the index from triggers, statement by
//! statement, made FTS5 flush its collected terms to a new segment at every later statement of
//! the transaction (its `xSavepoint`), a third of the time of a batch of records.

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::error::Result;
use crate::sql::Cached;

/// The indexed text of one record, per type (a literal type, so SQLite reads one arm of
/// `search_source`).
fn source_sql(record_type: &str) -> Option<&'static str> {
    Some(match record_type {
        "incident" => {
            "SELECT title, body FROM search_source WHERE record_type = 'incident' AND record_id = ?1"
        }
        "testimony" => {
            "SELECT title, body FROM search_source WHERE record_type = 'testimony' AND record_id = ?1"
        }
        "person" => {
            "SELECT title, body FROM search_source WHERE record_type = 'person' AND record_id = ?1"
        }
        "annotation" => {
            "SELECT title, body FROM search_source WHERE record_type = 'annotation' AND record_id = ?1"
        }
        _ => return None,
    })
}

/// Brings every row noted in `search_pending` up to date, in `tx`, and empties the table: a new
/// record's row is inserted, a changed one rewritten (left alone when its text is the same), the
/// row of a record removed since it was noted removed. Returns how many rows were written.
pub(crate) fn apply(tx: &Transaction<'_>) -> Result<usize> {
    let pending: Vec<i64> = {
        let mut stmt = tx.prepare_cached("SELECT row_id FROM search_pending ORDER BY row_id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if pending.is_empty() {
        return Ok(0);
    }
    let mut written = 0;
    for row in pending {
        let record: Option<(String, String)> = tx
            .row(
                "SELECT record_type, record_id FROM search_row WHERE id = ?1",
                [row],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // (type, id, title, body) as the record holds it now; None when it is gone or its type
        // is not indexed.
        let new: Option<(String, String, String, String)> = match record {
            Some((ty, id)) => match source_sql(&ty) {
                Some(sql) => tx
                    .row(sql, [&id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                    .map(|(title, body)| (ty, id, title, body)),
                None => None,
            },
            None => None,
        };
        let stored: Option<(String, String, String)> = tx
            .row(
                "SELECT record_id, title, body FROM search_index WHERE rowid = ?1",
                [row],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match (new, stored) {
            (Some((ty, id, title, body)), None) => {
                tx.exec(
                    "INSERT INTO search_index (rowid, record_type, record_id, title, body)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![row, ty, id, title, body],
                )?;
                written += 1;
            }
            (Some((_, id, title, body)), Some(old))
                if (&old.0, &old.1, &old.2) == (&id, &title, &body) => {}
            (Some((_, id, title, body)), Some(_)) => {
                tx.exec(
                    "UPDATE search_index SET record_id = ?2, title = ?3, body = ?4 WHERE rowid = ?1",
                    rusqlite::params![row, id, title, body],
                )?;
                written += 1;
            }
            // The record is gone (its delete trigger removed the row it had), or its type is
            // not indexed: no row may stay under this rowid.
            (None, Some(_)) => {
                tx.exec("DELETE FROM search_index WHERE rowid = ?1", [row])?;
                written += 1;
            }
            (None, None) => {}
        }
    }
    tx.exec("DELETE FROM search_pending", [])?;
    Ok(written)
}

/// [`apply`] in a transaction of its own, for writes made outside `Vault::write` (the unlock's
/// safety net, tests that write with plain SQL). Reads one empty table and writes nothing when
/// no row is noted.
pub(crate) fn apply_now(conn: &Connection) -> Result<usize> {
    let tx = conn.unchecked_transaction()?;
    let written = apply(&tx)?;
    tx.commit()?;
    Ok(written)
}
