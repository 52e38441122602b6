//! Field-by-field differences between two versions of a record: each change is a field path
//! (`title`, `place.name`, `involvements[<id>].role`, `names[0].name`) with its old and new
//! value. Lists of records with ids (acts, proceedings) are matched by id, so an act changed in
//! place is one change to it, not a shuffle; other lists are compared by position, and lists of
//! plain values (kinds, nationalities) as a whole.

use serde::Serialize;
use serde_json::{Map, Value};

/// Fields every version changes, shown as the version's who and when instead.
const BOOKKEEPING: &[&str] = &["updated_at", "device_id", "version"];

/// One field that changed: `old` is absent for a field added, `new` for one removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// The changes from `old` to `new` (`Value::Null` for "no version before").
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", old, new, &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn present(v: &Value) -> Option<Value> {
    (!v.is_null()).then(|| v.clone())
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => objects(path, a, b, out),
        (Value::Null, Value::Object(b)) if path.is_empty() => objects(path, &Map::new(), b, out),
        (Value::Array(a), Value::Array(b)) => arrays(path, a, b, out),
        _ => out.push(Change {
            path: path.to_string(),
            old: present(old),
            new: present(new),
        }),
    }
}

fn objects(path: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Change>) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if BOOKKEEPING.contains(&k.as_str()) {
            continue;
        }
        let null = Value::Null;
        let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
        walk(&join(path, k), x, y, out);
    }
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

fn arrays(path: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    let keyed = |xs: &[Value]| xs.iter().all(|x| id_of(x).is_some());
    let scalars = |xs: &[Value]| xs.iter().all(|x| !x.is_object() && !x.is_array());
    if keyed(a) && keyed(b) && !(a.is_empty() && b.is_empty()) {
        // Matched by id: removed, changed in place (in the old order), then added.
        for x in a {
            let id = id_of(x).unwrap_or("");
            let at = format!("{path}[{id}]");
            match b.iter().find(|y| id_of(y) == Some(id)) {
                Some(y) => walk(&at, x, y, out),
                None => out.push(Change {
                    path: at,
                    old: Some(x.clone()),
                    new: None,
                }),
            }
        }
        for y in b {
            let id = id_of(y).unwrap_or("");
            if !a.iter().any(|x| id_of(x) == Some(id)) {
                out.push(Change {
                    path: format!("{path}[{id}]"),
                    old: None,
                    new: Some(y.clone()),
                });
            }
        }
    } else if scalars(a) && scalars(b) {
        out.push(Change {
            path: path.to_string(),
            old: (!a.is_empty()).then(|| Value::Array(a.to_vec())),
            new: (!b.is_empty()).then(|| Value::Array(b.to_vec())),
        });
    } else {
        let null = Value::Null;
        for i in 0..a.len().max(b.len()) {
            walk(
                &format!("{path}[{i}]"),
                a.get(i).unwrap_or(&null),
                b.get(i).unwrap_or(&null),
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn acts_are_matched_by_id_and_bookkeeping_is_left_out() {
        let old = json!({"title": "a", "version": 1, "kinds": ["x"],
            "involvements": [{"id": "1", "role": "victim"}, {"id": "2", "role": "witness"}]});
        let new = json!({"title": "b", "version": 2, "kinds": ["x", "y"],
            "involvements": [{"id": "2", "role": "victim"}, {"id": "3", "role": "perpetrator"}]});
        let paths: Vec<(String, Option<Value>, Option<Value>)> = changes(&old, &new)
            .into_iter()
            .map(|c| (c.path, c.old, c.new))
            .collect();
        assert_eq!(
            paths,
            vec![
                (
                    "involvements[1]".into(),
                    Some(json!({"id": "1", "role": "victim"})),
                    None
                ),
                (
                    "involvements[2].role".into(),
                    Some(json!("witness")),
                    Some(json!("victim"))
                ),
                (
                    "involvements[3]".into(),
                    None,
                    Some(json!({"id": "3", "role": "perpetrator"}))
                ),
                ("kinds".into(), Some(json!(["x"])), Some(json!(["x", "y"]))),
                ("title".into(), Some(json!("a")), Some(json!("b"))),
            ],
            "acts are diffed by id (removed, changed, added); the version number is not a change"
        );
    }
}
