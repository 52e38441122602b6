//! Record lineage: which version of each record this vault holds, and which versions that one
//! descends from. It is what lets an import tell a fast-forward (the sender edited exactly the
//! version held here) from a concurrent edit, without ever trusting a version number
//! (threat-model invariant 9).
//!
//! A version is named by its *version hash* ([`RecordFile::version_hash`]). Lineage is kept
//! lazily: local edits do not touch it; whenever it is needed (export, import, conflict
//! resolution) [`refresh`] compares the rows with the hash they had when the head was last set,
//! and a difference is a local edit, which becomes the new head with the old head as its newest
//! ancestor. Versions edited several times between two bundles thus collapse into one, which is
//! all anyone else could have seen.

use rusqlite::{params, Connection, OptionalExtension};

use super::limits::MAX_ANCESTORS;
use super::rows::RecordFile;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lineage {
    /// The version hash of the version held here, as its author named it.
    pub head: String,
    /// The version hash of the rows as stored when `head` was set.
    pub stored: String,
    /// Older versions, newest first.
    pub ancestors: Vec<String>,
}

/// How an incoming version relates to the one held here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    /// The same version.
    Same,
    /// A version the one held here descends from: nothing to do.
    Older,
    /// Made from exactly the version held here (or from one of its descendants the sender saw).
    Descendant,
    /// Made from something else: a concurrent edit.
    Concurrent,
}

impl Lineage {
    pub(crate) fn relate(&self, incoming: &RecordFile) -> Relation {
        let v = incoming.version_hash();
        if v == self.head {
            Relation::Same
        } else if self.ancestors.contains(&v) {
            Relation::Older
        } else if incoming.ancestors.contains(&self.head) {
            Relation::Descendant
        } else {
            Relation::Concurrent
        }
    }
}

/// Newest first, no duplicates, at most [`MAX_ANCESTORS`], never the head itself.
pub(crate) fn tidy(head: &str, ancestors: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in ancestors {
        if a != head && !out.contains(&a) {
            out.push(a);
            if out.len() == MAX_ANCESTORS {
                break;
            }
        }
    }
    out
}

pub(crate) fn get(conn: &Connection, record_type: &str, id: &str) -> Result<Option<Lineage>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT head_sha256, stored_sha256, ancestors FROM record_lineage
             WHERE record_type = ?1 AND record_id = ?2",
            params![record_type, id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(head, stored, ancestors)| {
        let ancestors: Vec<String> = serde_json::from_str(&ancestors).map_err(|_| {
            Error::Corrupt(format!("the lineage of {record_type} {id} is unreadable"))
        })?;
        Ok(Lineage {
            head,
            stored,
            ancestors,
        })
    })
    .transpose()
}

/// Records `lineage` as the lineage of the record.
pub(crate) fn put(conn: &Connection, record_type: &str, id: &str, lineage: &Lineage) -> Result<()> {
    let ancestors = serde_json::to_string(&tidy(&lineage.head, lineage.ancestors.clone()))
        .map_err(|_| Error::Internal("lineage"))?;
    conn.execute(
        "INSERT INTO record_lineage (record_type, record_id, head_sha256, stored_sha256, ancestors)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (record_type, record_id) DO UPDATE SET head_sha256 = excluded.head_sha256,
            stored_sha256 = excluded.stored_sha256, ancestors = excluded.ancestors",
        params![record_type, id, lineage.head, lineage.stored, ancestors],
    )?;
    Ok(())
}

/// Brings the lineage of `local` (a record as stored here) up to date with its rows, and
/// returns it. A record seen for the first time starts a lineage whose ancestors are the
/// versions this vault last sent of it (from before lineage existed), so that an upgrade does
/// not turn every later edit into a conflict at HQ.
pub(crate) fn refresh(conn: &Connection, local: &RecordFile) -> Result<Lineage> {
    let now = local.version_hash();
    let lineage = match get(conn, &local.record_type, &local.id)? {
        Some(l) if l.stored == now => return Ok(l),
        Some(l) => Lineage {
            ancestors: tidy(
                &now,
                std::iter::once(l.head.clone()).chain(l.ancestors.iter().cloned()),
            ),
            head: now.clone(),
            stored: now,
        },
        None => {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT content_sha256 FROM export_state
                 WHERE record_type = ?1 AND record_id = ?2",
            )?;
            let sent = stmt
                .query_map(params![local.record_type, local.id], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Lineage {
                ancestors: tidy(&now, sent),
                head: now.clone(),
                stored: now,
            }
        }
    };
    put(conn, &local.record_type, &local.id, &lineage)?;
    Ok(lineage)
}
