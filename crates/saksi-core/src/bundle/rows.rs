//! Records as they travel in a bundle: one JSON file per record, holding its row and its child
//! rows exactly as stored (column → value), so that HQ stores what the monitor stored, with the
//! same id, version, timestamps and device. Reading and applying go through a fixed table list;
//! names from a bundle only ever select from that list, never reach SQL.

use std::collections::BTreeMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::BundleError;
use crate::error::Result;

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

    /// Equal, ignoring child tables the incoming side does not carry (withheld contacts).
    pub fn same_as(&self, incoming: &RecordFile) -> bool {
        self.record_type == incoming.record_type
            && self.id == incoming.id
            && self.row == incoming.row
            && incoming.children.iter().all(|(k, v)| {
                self.children.get(k).map(Vec::as_slice).unwrap_or(&[]) == v.as_slice()
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

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
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
    let Some(row) = rows(conn, spec.table, &cols, "id", id, "id")?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let mut children = BTreeMap::new();
    for c in spec.children {
        if c.table == CONTACTS && !with_contacts {
            continue;
        }
        let ccols = columns(conn, c.table)?;
        children.insert(
            c.table.to_string(),
            rows(conn, c.table, &ccols, c.fk, id, c.order)?,
        );
    }
    Ok(Some(RecordFile {
        record_type: spec.record_type.to_string(),
        id: id.to_string(),
        row,
        children,
        ancestors: Vec::new(),
    }))
}

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
    if rec.device_id().is_none_or(|d| !is_device_id(d)) {
        return Err(bad("row.device_id is not a device id".into()));
    }
    if rec.ancestors.len() > super::limits::MAX_ANCESTORS {
        return Err(bad(format!(
            "more than {} ancestors",
            super::limits::MAX_ANCESTORS
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
    conn.execute(
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
        }
    }
    vals.push(SqlValue::Text(rec.id.clone()));
    conn.execute(
        &format!("UPDATE {} SET {} WHERE id = ?", spec.table, sets.join(", ")),
        params_from_iter(vals),
    )
    .map_err(|e| apply_error(spec.table, e))?;
    for c in spec.children {
        if rec.children.contains_key(c.table) {
            conn.execute(
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
        .query_row("SELECT 1 FROM incident WHERE id = ?1", [to], |_| Ok(()))
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
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO {LINKS} ({}) VALUES ({marks})",
            names.join(", ")
        ),
        params_from_iter(vals),
    )
    .map_err(|e| apply_error(LINKS, e))?;
    Ok(true)
}
