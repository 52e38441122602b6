//! An incoming record checked against this vault's schema before anything is applied: known
//! columns only, ids, hashes and device ids well formed.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde_json::Value;

use super::*;
use crate::bundle::BundleError;
use crate::error::Result;

/// Checks a record file from a bundle against this vault's schema. Returns nothing; the error
/// names the file and the problem.
pub(crate) fn validate(
    conn: &Connection,
    path: &str,
    spec: &Spec,
    id: &str,
    rec: &RecordFile,
) -> Result<()> {
    let bad = |m: String| crate::Error::from(BundleError::Malformed(path.to_string(), m));
    if rec.record_type != spec.record_type || rec.id != id {
        return Err(bad(
            "the type or id inside does not match the file name".into()
        ));
    }
    if rec.row.get("id").and_then(Value::as_str) != Some(id) {
        return Err(bad("row.id does not match the file name".into()));
    }
    let cols = columns(conn, spec.table)?;
    check_row(&rec.row, &cols).map_err(bad)?;
    if spec.table != "attachment" {
        if rec.version().filter(|v| *v > 0).is_none() {
            return Err(bad("row.version must be a positive integer".into()));
        }
        if rec.device_id().is_none() {
            return Err(bad("row.device_id is missing".into()));
        }
    } else {
        for c in [
            "sha256",
            "size",
            "record_type",
            "record_id",
            "original_name",
            "device_id",
        ] {
            if rec.row.get(c).is_none_or(Value::is_null) {
                return Err(bad(format!("row.{c} is missing")));
            }
        }
        let sha = rec
            .row
            .get("sha256")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad("row.sha256 is not 64 lowercase hex digits".into()));
        }
        if rec.row.get("size").and_then(Value::as_u64).is_none() {
            return Err(bad("row.size is not a size".into()));
        }
    }
    if spec.table == "annotation"
        && rec
            .text("subject_id")
            .and_then(crate::bundle::manifest::canonical_uuid)
            .is_none()
    {
        return Err(bad("row.subject_id is not a record id".into()));
    }
    if rec.device_id().is_none_or(|d| !is_device_id(d)) {
        return Err(bad("row.device_id is not a device id".into()));
    }
    if rec.ancestors.len() > crate::bundle::limits::MAX_ANCESTORS {
        return Err(bad(format!(
            "more than {} ancestors",
            crate::bundle::limits::MAX_ANCESTORS
        )));
    }
    if !rec.ancestors.iter().all(|a| is_sha256_hex(a)) {
        return Err(bad("an ancestor is not 64 lowercase hex digits".into()));
    }
    for (table, list) in &rec.children {
        let c = spec
            .children
            .iter()
            .find(|c| c.table == table)
            .ok_or_else(|| bad(format!("unknown child table {}", table.escape_default())))?;
        let ccols = columns(conn, c.table)?;
        for r in list {
            check_row(r, &ccols).map_err(bad)?;
            if r.get(c.fk).and_then(Value::as_str) != Some(id) {
                return Err(bad(format!("a {} row belongs to another record", c.table)));
            }
        }
    }
    Ok(())
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A device id as [`crate::device::device_id`] makes them: 32 lowercase hex digits.
fn is_device_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn check_row(row: &BTreeMap<String, Value>, cols: &[String]) -> std::result::Result<(), String> {
    for (k, v) in row {
        if !cols.iter().any(|c| c == k) {
            return Err(format!(
                "unknown field {}",
                k.chars().take(64).collect::<String>().escape_default()
            ));
        }
        if to_sql(v).is_none() {
            return Err(format!("field {k} is not a plain value"));
        }
    }
    Ok(())
}
