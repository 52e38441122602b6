//! Records as they travel in a bundle: one JSON file per record, holding its row and its child
//! rows exactly as stored (column → value), so that HQ stores what the monitor stored, with the
//! same id, version, timestamps and device. Reading and applying go through a fixed table list;
//! names from a bundle only ever select from that list, never reach SQL.
//!
//! Here: the table list, the record file and reading; `validate.rs` checks an incoming record
//! against this vault's schema, `write.rs` inserts and updates rows.

use std::collections::BTreeMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;

#[cfg(test)]
mod tests_late;
mod validate;
mod write;

pub(crate) use validate::validate;
pub(crate) use write::{insert, insert_link, update};

/// A child table of a record: rows whose `fk` column names the record.
pub(crate) struct Child {
    pub table: &'static str,
    pub fk: &'static str,
    pub order: &'static str,
}

pub(crate) struct Spec {
    pub record_type: &'static str,
    pub table: &'static str,
    pub children: &'static [Child],
}

/// Contact details are withheld from bundles unless asked for.
pub(crate) const CONTACTS: &str = "person_contact";
/// Links between incidents are applied last, and only where both incidents exist.
pub(crate) const LINKS: &str = "incident_link";

pub(crate) const SPECS: &[Spec] = &[
    Spec {
        record_type: "person",
        table: "person",
        children: &[
            Child {
                table: "person_name",
                fk: "person_id",
                order: "position",
            },
            Child {
                table: "person_nationality",
                fk: "person_id",
                order: "country",
            },
            Child {
                table: "affiliation",
                fk: "person_id",
                order: "position",
            },
            Child {
                table: CONTACTS,
                fk: "person_id",
                order: "position",
            },
            Child {
                table: "person_category",
                fk: "person_id",
                order: "code",
            },
        ],
    },
    Spec {
        record_type: "incident",
        table: "incident",
        children: &[
            Child {
                table: "incident_kind",
                fk: "incident_id",
                order: "kind",
            },
            Child {
                table: LINKS,
                fk: "from_id",
                order: "to_id",
            },
        ],
    },
    Spec {
        record_type: "involvement",
        table: "involvement",
        children: &[],
    },
    Spec {
        record_type: "proceeding",
        table: "proceeding",
        children: &[],
    },
    Spec {
        record_type: "testimony",
        table: "testimony",
        children: &[],
    },
    Spec {
        record_type: "intervention",
        table: "intervention",
        children: &[],
    },
    Spec {
        record_type: "attachment",
        table: "attachment",
        children: &[],
    },
    // Issue 11: annotations (their subject is any record above; see annotation/).
    Spec {
        record_type: "annotation",
        table: "annotation",
        children: &[Child {
            table: "annotation_tag",
            fk: "annotation_id",
            order: "code",
        }],
    },
];

/// The attachment columns that travel (not the blob name, the per-attachment key or the
/// thumbnail, which are this vault's own).
const ATTACHMENT_COLS: &[&str] = &[
    "id",
    "record_type",
    "record_id",
    "original_name",
    "media_type",
    "size",
    "sha256",
    "exif_json",
    "created_at",
    "device_id",
];

/// Columns and child tables added after the first bundles were made. A record leaves them out
/// while they are null or empty, so that it keeps the bytes and hashes it had before (lineage
/// and receipts stay valid across the upgrade) and a vault that does not know them still reads
/// it; an importer reads their absence as null or empty.
const LATE_COLUMNS: &[(&str, &str)] = &[
    ("proceeding", "group_description"),
    ("proceeding", "group_size_min"),
    ("proceeding", "group_size_max"),
];
const LATE_CHILDREN: &[&str] = &["person_category"];

fn is_late_column(table: &str, column: &str) -> bool {
    LATE_COLUMNS.contains(&(table, column))
}

pub(crate) fn is_late_child(table: &str) -> bool {
    LATE_CHILDREN.contains(&table)
}

pub(crate) fn spec(record_type: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.record_type == record_type)
}

/// One record file (`records/<type>/<id>.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordFile {
    pub record_type: String,
    pub id: String,
    pub row: BTreeMap<String, Value>,
    #[serde(default)]
    pub children: BTreeMap<String, Vec<BTreeMap<String, Value>>>,
    /// The version hashes this version descends from, newest first (see
    /// [`super::lineage`]): what lets an importer tell a fast-forward from a concurrent edit.
    /// Not part of the record's content or of its hashes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<String>,
}

/// The part of a record file its hashes cover: everything but `ancestors`, in the same field
/// order, so that a file without ancestors hashes exactly as its bytes.
#[derive(Serialize)]
struct Content<'a> {
    record_type: &'a str,
    id: &'a str,
    row: &'a BTreeMap<String, Value>,
    children: &'a BTreeMap<String, Vec<BTreeMap<String, Value>>>,
}

fn pretty_line<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising maps of scalars cannot fail.
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

impl RecordFile {
    /// The file as it travels (with its ancestors).
    pub fn to_bytes(&self) -> Vec<u8> {
        pretty_line(self)
    }

    pub fn version(&self) -> Option<i64> {
        self.row.get("version").and_then(Value::as_i64)
    }

    pub fn device_id(&self) -> Option<&str> {
        self.text("device_id")
    }

    /// A text column of the row (`None` when absent or not text).
    pub fn text(&self, column: &str) -> Option<&str> {
        self.row.get(column).and_then(Value::as_str)
    }

    /// Equal, ignoring child tables the incoming side does not carry (withheld contacts); a
    /// late child table it does not carry is empty there.
    pub fn same_as(&self, incoming: &RecordFile) -> bool {
        self.record_type == incoming.record_type
            && self.id == incoming.id
            && self.row == incoming.row
            && incoming.children.iter().all(|(k, v)| {
                self.children.get(k).map(Vec::as_slice).unwrap_or(&[]) == v.as_slice()
            })
            && self.children.iter().all(|(k, v)| {
                !is_late_child(k) || v.is_empty() || incoming.children.contains_key(k)
            })
    }

    /// SHA-256 of the record's content as it is here (contact details included when present,
    /// ancestors never): what a receipt confirms and `purge` compares.
    pub fn sha256(&self) -> String {
        super::sha256_hex(&pretty_line(&Content {
            record_type: &self.record_type,
            id: &self.id,
            row: &self.row,
            children: &self.children,
        }))
    }

    /// The version hash: the content hash without contact details (which may be withheld from
    /// a bundle), so that sender and receiver name the same version by the same hash.
    pub fn version_hash(&self) -> String {
        if !self.children.contains_key(CONTACTS) {
            return self.sha256();
        }
        let mut children = self.children.clone();
        children.remove(CONTACTS);
        super::sha256_hex(&pretty_line(&Content {
            record_type: &self.record_type,
            id: &self.id,
            row: &self.row,
            children: &children,
        }))
    }
}

pub(crate) fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    if table == "attachment" {
        return Ok(ATTACHMENT_COLS.iter().map(|s| s.to_string()).collect());
    }
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let cols = stmt.query_map([], |r| r.get::<_, String>(1))?;
    Ok(cols.collect::<rusqlite::Result<_>>()?)
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(hex::encode(b)),
    }
}

fn to_sql(v: &Value) -> Option<SqlValue> {
    Some(match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64()?),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Array(_) | Value::Object(_) => return None,
    })
}

fn rows(
    conn: &Connection,
    table: &str,
    cols: &[String],
    where_col: &str,
    id: &str,
    order: &str,
) -> Result<Vec<BTreeMap<String, Value>>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {table} WHERE {where_col} = ?1 ORDER BY {order}",
        cols.join(", ")
    ))?;
    let mut q = stmt.query([id])?;
    let mut out = Vec::new();
    while let Some(r) = q.next()? {
        let mut m = BTreeMap::new();
        for (i, c) in cols.iter().enumerate() {
            m.insert(c.clone(), to_json(r.get_ref(i)?));
        }
        out.push(m);
    }
    Ok(out)
}

/// Loads a record as it would travel. `with_contacts` includes the person's contact details.
pub(crate) fn load(
    conn: &Connection,
    spec: &Spec,
    id: &str,
    with_contacts: bool,
) -> Result<Option<RecordFile>> {
    let cols = columns(conn, spec.table)?;
    let Some(mut row) = rows(conn, spec.table, &cols, "id", id, "id")?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    row.retain(|k, v| !(v.is_null() && is_late_column(spec.table, k)));
    let mut children = BTreeMap::new();
    for c in spec.children {
        if c.table == CONTACTS && !with_contacts {
            continue;
        }
        let ccols = columns(conn, c.table)?;
        let list = rows(conn, c.table, &ccols, c.fk, id, c.order)?;
        if list.is_empty() && is_late_child(c.table) {
            continue;
        }
        children.insert(c.table.to_string(), list);
    }
    Ok(Some(RecordFile {
        record_type: spec.record_type.to_string(),
        id: id.to_string(),
        row,
        children,
        ancestors: Vec::new(),
    }))
}
