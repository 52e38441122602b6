//! A conflict as a person decides it: both versions field by field, who made each and when, and
//! the merge of chosen fields that [`super::conflict::resolve_fields`] writes.
//!
//! A field is a column of the record, or a few columns that only mean something together (a
//! date and its precision, a latitude and its longitude), or one of the record's child tables
//! as a whole (an incident's kinds, a person's names). Bookkeeping columns (id, version, times,
//! device) are not fields: the merged record is a new version made here.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

use super::rows::{self, RecordFile, Spec};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Columns every record has that say which version it is, not what it says.
const BOOKKEEPING: &[&str] = &["id", "version", "created_at", "updated_at", "device_id"];

/// The prefix of a child-table field's name: `children.incident_kind`.
const CHILD: &str = "children.";

/// Who made one side of a conflict, and when.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConflictSide {
    pub device_id: Option<String>,
    /// The name that device is known by here (this device's own, or the trusted device's).
    pub device_name: Option<String>,
    /// When that version was written (RFC 3339, UTC).
    pub updated_at: Option<String>,
    pub version: Option<i64>,
}

/// One field of a conflict: both values, and whether they differ.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConflictField {
    /// What [`super::conflict::resolve_fields`] takes: a column name (the first of a group) or
    /// `children.TABLE`.
    pub field: String,
    /// The columns (or the child table) the field stands for.
    pub columns: Vec<String>,
    /// A column's value; an object of the columns of a group; a child table's rows.
    pub local: Value,
    pub incoming: Value,
    pub differs: bool,
}

/// A conflict, field by field.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConflictDetail {
    pub id: String,
    pub record_type: String,
    pub record_id: String,
    /// The record's title (or the person's first name), to say what it is about.
    pub title: Option<String>,
    pub local: ConflictSide,
    pub incoming: ConflictSide,
    pub fields: Vec<ConflictField>,
    /// An attachment cannot be merged (its bytes never change): only keeping this vault's
    /// version settles it.
    pub mergeable: bool,
}

/// The fields of a record type in column order: (name, columns) for the row, then the child
/// tables the incoming version carries.
fn fields(
    conn: &Connection,
    spec: &Spec,
    incoming: &RecordFile,
) -> Result<Vec<(String, Vec<String>)>> {
    let cols: Vec<String> = rows::columns(conn, spec.table)?
        .into_iter()
        .filter(|c| !BOOKKEEPING.contains(&c.as_str()))
        .collect();
    let mut grouped: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for c in &cols {
        if grouped.contains(&c.as_str()) {
            continue;
        }
        let partner = if let Some(prefix) = c.strip_suffix("_date") {
            Some(format!("{prefix}_precision"))
        } else if c == "latitude" {
            Some("longitude".to_string())
        } else {
            None
        };
        match partner.and_then(|p| cols.iter().find(|x| **x == p)) {
            Some(p) => {
                grouped.push(p);
                out.push((c.clone(), vec![c.clone(), p.clone()]));
            }
            None => out.push((c.clone(), vec![c.clone()])),
        }
    }
    // Only the child tables the incoming version carries can be taken from it (a vault may keep
    // some to itself, such as contacts); a late one it leaves out is empty.
    for child in spec.children {
        if incoming.children.contains_key(child.table) || rows::is_late_child(child.table) {
            out.push((
                format!("{CHILD}{}", child.table),
                vec![child.table.to_string()],
            ));
        }
    }
    Ok(out)
}

fn value_of(rec: &RecordFile, field: &str, columns: &[String]) -> Value {
    if field.starts_with(CHILD) {
        let rows = rec.children.get(&columns[0]).cloned().unwrap_or_default();
        return Value::Array(
            rows.into_iter()
                .map(|r| Value::Object(r.into_iter().collect()))
                .collect(),
        );
    }
    let get = |c: &String| rec.row.get(c).cloned().unwrap_or(Value::Null);
    match columns {
        [one] => get(one),
        many => Value::Object(
            many.iter()
                .map(|c| (c.clone(), get(c)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn side(vault: &Vault, rec: &RecordFile) -> Result<ConflictSide> {
    let device_id = rec.device_id().map(str::to_string);
    let device_name = match &device_id {
        Some(d) => crate::device::known_name(vault, d)?,
        None => None,
    };
    Ok(ConflictSide {
        device_id,
        device_name,
        updated_at: rec.text("updated_at").map(str::to_string),
        version: rec.version(),
    })
}

fn incoming_of(
    conflict_id: &str,
    json: &str,
    record_type: &str,
    record_id: &str,
) -> Result<RecordFile> {
    let incoming: RecordFile = serde_json::from_str(json).map_err(|e| {
        Error::Corrupt(format!(
            "conflict {conflict_id}: incoming record unreadable: {e}"
        ))
    })?;
    if incoming.id != record_id || incoming.record_type != record_type {
        return Err(Error::Corrupt(format!(
            "conflict {conflict_id}: the incoming record is not the conflicting one"
        )));
    }
    Ok(incoming)
}

/// One open conflict, field by field.
pub fn conflict_detail(vault: &Vault, conflict_id: &str) -> Result<ConflictDetail> {
    let row: Option<(String, String, String)> = vault
        .conn
        .query_row(
            "SELECT record_type, record_id, incoming_json FROM record_conflict
             WHERE id = ?1 AND resolved_at IS NULL",
            [conflict_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (record_type, record_id, json) =
        row.ok_or_else(|| Error::not_found("open conflict", conflict_id))?;
    let spec = rows::spec(&record_type)
        .ok_or_else(|| Error::Corrupt(format!("conflict {conflict_id}: unknown record type")))?;
    let incoming = incoming_of(conflict_id, &json, &record_type, &record_id)?;
    let local = rows::load(&vault.conn, spec, &record_id, true)?
        .ok_or_else(|| Error::not_found("record", &record_id))?;
    let fields = fields(&vault.conn, spec, &incoming)?
        .into_iter()
        .map(|(field, columns)| {
            let (l, i) = (
                value_of(&local, &field, &columns),
                value_of(&incoming, &field, &columns),
            );
            ConflictField {
                differs: l != i,
                field,
                columns,
                local: l,
                incoming: i,
            }
        })
        .collect();
    let title = local
        .text("title")
        .or_else(|| local.text("name"))
        .or_else(|| local.text("original_name"))
        .map(str::to_string)
        .or_else(|| {
            local
                .children
                .get("person_name")
                .and_then(|n| n.first())
                .and_then(|n| n.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    Ok(ConflictDetail {
        id: conflict_id.to_string(),
        mergeable: spec.table != "attachment",
        title,
        local: side(vault, &local)?,
        incoming: side(vault, &incoming)?,
        fields,
        record_type,
        record_id,
    })
}

/// This vault's record with the named fields taken from the incoming one. Unknown names are a
/// clear error that lists the fields there are.
pub(crate) fn merge(
    conn: &Connection,
    spec: &Spec,
    local: &RecordFile,
    incoming: &RecordFile,
    take: &[String],
) -> Result<RecordFile> {
    let known = fields(conn, spec, incoming)?;
    let mut merged = local.clone();
    // rows::update replaces the child tables the record names, and the late ones whether named
    // or not: so the merged record names the taken tables and this vault's late ones, and every
    // other table stays as it is.
    merged.children.retain(|t, _| {
        rows::is_late_child(t) || take.iter().any(|f| f.strip_prefix(CHILD) == Some(t))
    });
    for name in take {
        let Some((_, columns)) = known.iter().find(|(f, _)| f == name) else {
            let names: Vec<&str> = known.iter().map(|(f, _)| f.as_str()).collect();
            return Err(Error::invalid(format!(
                "'{name}' is not a field of this {} (fields: {})",
                spec.record_type,
                names.join(", ")
            )));
        };
        if name.starts_with(CHILD) {
            let table = &columns[0];
            merged.children.insert(
                table.clone(),
                incoming.children.get(table).cloned().unwrap_or_default(),
            );
        } else {
            for c in columns {
                merged.row.insert(
                    c.clone(),
                    incoming.row.get(c).cloned().unwrap_or(Value::Null),
                );
            }
        }
    }
    Ok(merged)
}
