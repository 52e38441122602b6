//! Writing a record's rows (and its child rows and links) as they came, inside the import's
//! transaction; a constraint failure names the table.

use crate::sql::Cached;
use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection, OptionalExtension, ToSql};
use serde_json::Value;

use super::*;
use crate::bundle::BundleError;
use crate::error::Result;

/// Inserts the row's known columns into `table`. Column names come from the schema.
fn insert_row(
    conn: &Connection,
    table: &str,
    cols: &[String],
    row: &BTreeMap<String, Value>,
    extra: &[(&str, &dyn ToSql)],
) -> Result<()> {
    let mut names: Vec<&str> = Vec::new();
    let mut vals: Vec<SqlValue> = Vec::new();
    for c in cols {
        if let Some(v) = row.get(c) {
            names.push(c);
            vals.push(to_sql(v).unwrap_or(SqlValue::Null));
        }
    }
    // Extra values are bound by reference, never copied: one is an attachment's secret key.
    names.extend(extra.iter().map(|(n, _)| *n));
    let vals: Vec<&dyn ToSql> = vals
        .iter()
        .map(|v| v as &dyn ToSql)
        .chain(extra.iter().map(|(_, v)| *v))
        .collect();
    let marks = vec!["?"; names.len()].join(", ");
    conn.exec(
        &format!(
            "INSERT INTO {table} ({}) VALUES ({marks})",
            names.join(", ")
        ),
        params_from_iter(vals),
    )
    .map_err(|e| apply_error(table, e))?;
    Ok(())
}

fn apply_error(table: &str, e: rusqlite::Error) -> crate::Error {
    match crate::Error::from(e) {
        crate::Error::Database(inner) => BundleError::Inconsistent(format!(
            "a {table} row was refused by the database ({inner})"
        ))
        .into(),
        other => other,
    }
}

/// Adds a new record (row and children). Links are returned for the caller to add last.
pub(crate) fn insert(
    conn: &Connection,
    spec: &Spec,
    rec: &RecordFile,
    extra: &[(&str, &dyn ToSql)],
) -> Result<Vec<BTreeMap<String, Value>>> {
    let cols = columns(conn, spec.table)?;
    insert_row(conn, spec.table, &cols, &rec.row, extra)?;
    insert_children(conn, spec, rec)
}

fn insert_children(
    conn: &Connection,
    spec: &Spec,
    rec: &RecordFile,
) -> Result<Vec<BTreeMap<String, Value>>> {
    let mut links = Vec::new();
    for c in spec.children {
        let Some(list) = rec.children.get(c.table) else {
            continue;
        };
        if c.table == LINKS {
            links.extend(list.iter().cloned());
            continue;
        }
        let ccols = columns(conn, c.table)?;
        for r in list {
            insert_row(conn, c.table, &ccols, r, &[])?;
        }
    }
    Ok(links)
}

/// Replaces an existing record's row and the child tables the incoming record carries.
pub(crate) fn update(
    conn: &Connection,
    spec: &Spec,
    rec: &RecordFile,
) -> Result<Vec<BTreeMap<String, Value>>> {
    let cols = columns(conn, spec.table)?;
    let mut sets = Vec::new();
    let mut vals = Vec::new();
    for c in &cols {
        if c == "id" {
            continue;
        }
        if let Some(v) = rec.row.get(c) {
            sets.push(format!("{c} = ?"));
            vals.push(to_sql(v).unwrap_or(SqlValue::Null));
        } else if is_late_column(spec.table, c) {
            sets.push(format!("{c} = ?"));
            vals.push(SqlValue::Null);
        }
    }
    vals.push(SqlValue::Text(rec.id.clone()));
    conn.exec(
        &format!("UPDATE {} SET {} WHERE id = ?", spec.table, sets.join(", ")),
        params_from_iter(vals),
    )
    .map_err(|e| apply_error(spec.table, e))?;
    for c in spec.children {
        if rec.children.contains_key(c.table) || is_late_child(c.table) {
            conn.exec(
                &format!("DELETE FROM {} WHERE {} = ?1", c.table, c.fk),
                [&rec.id],
            )?;
        }
    }
    insert_children(conn, spec, rec)
}

/// Adds a link between incidents if both exist (a link to an incident HQ does not hold is
/// dropped and counted).
pub(crate) fn insert_link(conn: &Connection, row: &BTreeMap<String, Value>) -> Result<bool> {
    let to = row.get("to_id").and_then(Value::as_str).unwrap_or_default();
    let exists = conn
        .row("SELECT 1 FROM incident WHERE id = ?1", [to], |_| Ok(()))
        .optional()?
        .is_some();
    if !exists {
        return Ok(false);
    }
    let cols = columns(conn, LINKS)?;
    let mut names = Vec::new();
    let mut vals = Vec::new();
    for c in &cols {
        if let Some(v) = row.get(c) {
            names.push(c.as_str());
            vals.push(to_sql(v).unwrap_or(SqlValue::Null));
        }
    }
    let marks = vec!["?"; names.len()].join(", ");
    conn.exec(
        &format!(
            "INSERT OR IGNORE INTO {LINKS} ({}) VALUES ({marks})",
            names.join(", ")
        ),
        params_from_iter(vals),
    )
    .map_err(|e| apply_error(LINKS, e))?;
    Ok(true)
}
