//! The search filters as SQL over `incident i`, written so that the indexes of migration 0010
//! (kind, role, person, start date) can drive them, and the scope they give text hits.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::{like_pattern, SearchQuery};
use crate::error::Result;
use crate::model::parse_id;
use crate::model::vocab::{check, Vocab};

/// The incidents that pass the filters: `conds` is a condition on `incident i`.
pub(super) struct IncidentFilter {
    pub conds: String,
    /// False when no filter is set (every incident passes, text hits are not scoped).
    pub active: bool,
    /// True when a date bound is set: every incident that passes has a start date, and `conds`
    /// says so in the form of the first column of `incident_newest`, so that the index is read
    /// from the upper bound down instead of from the newest incident (see [`Shape`]).
    pub dated: bool,
    /// What a person hit's involvement in a filtered incident must meet (role, category), as
    /// ` AND …` conditions on `involvement v`; empty when neither is set.
    person_cond: String,
}

/// Date filter bounds as stored text (ASCII digits, padded), whatever digits were typed.
fn lower_bound(d: &str, field: &str) -> Result<String> {
    crate::report::date_bound(d, field, true)
}

fn upper_bound(d: &str, field: &str) -> Result<String> {
    crate::report::date_bound(d, field, false)
}

/// How the filtered incidents are read: `Page` walks incidents newest first (index
/// `incident_newest`) and stops when the page is full, so a common kind or role is checked per
/// incident (`EXISTS`); `Set` selects them all (the scope of text hits), so each filter reads its
/// own index (`IN`). A person's incidents are few: always read from the person's index.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Shape {
    Page,
    Set,
}

pub(super) fn incident_filter(
    conn: &Connection,
    q: &SearchQuery,
    params: &mut Vec<Value>,
    shape: Shape,
) -> Result<IncidentFilter> {
    let mut conds: Vec<String> = Vec::new();
    let dated = q.date_from.is_some() || q.date_to.is_some();
    if dated {
        // Implied by either bound below; written as `incident_newest`'s first column so that
        // the planner can fix it and range over `start_date` (`start_date <= ?` from `date_to`).
        conds.push("(i.start_date IS NULL) = 0".into());
    }
    if let Some(k) = &q.kind {
        params.push(Value::Text(check(conn, Vocab::IncidentKind, k)?));
        let n = params.len();
        conds.push(match shape {
            Shape::Page => format!(
                "EXISTS (SELECT 1 FROM incident_kind k WHERE k.incident_id = i.id AND k.kind = ?{n})"
            ),
            Shape::Set => {
                format!("i.id IN (SELECT k.incident_id FROM incident_kind k WHERE k.kind = ?{n})")
            }
        });
    }
    if let Some(f) = &q.date_from {
        params.push(Value::Text(lower_bound(f, "date_from")?));
        conds.push(format!(
            "(i.start_date IS NOT NULL AND
              (CASE length(coalesce(i.end_date, i.start_date))
                 WHEN 4 THEN coalesce(i.end_date, i.start_date) || '-12-31'
                 WHEN 7 THEN coalesce(i.end_date, i.start_date) || '-31'
                 ELSE coalesce(i.end_date, i.start_date) END) >= ?{})",
            params.len()
        ));
    }
    if let Some(t) = &q.date_to {
        params.push(Value::Text(upper_bound(t, "date_to")?));
        // `start_date <= ?` is implied by the padded comparison (a date is a prefix of its
        // padding, so it sorts before it) and lets `incident_newest` narrow the scan.
        let n = params.len();
        conds.push(format!(
            "(i.start_date <= ?{n} AND substr(i.start_date || '-01-01', 1, 10) <= ?{n})"
        ));
    }
    // Place and area are matched folded, like search text (see the module documentation).
    let place = q.place.as_deref().map(super::prepare_query_text);
    if let Some(p) = place.filter(|p| !p.is_empty()) {
        params.push(Value::Text(like_pattern(&p)));
        let n = params.len();
        conds.push(format!(
            "(saksi_fold(i.place_name) LIKE ?{n} ESCAPE '\\'
              OR saksi_fold(i.admin_area) LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let role_param = match &q.role {
        Some(r) => {
            params.push(Value::Text(check(conn, Vocab::Role, r)?));
            Some(params.len())
        }
        None => None,
    };
    // The involvement conditions (on `involvement v`) that a person hit must meet too: the role,
    // and a person category held by the person or by anyone merged with them (a merged person
    // is one person with every category either record gives).
    let mut person_conds: Vec<String> = Vec::new();
    if let Some(n) = role_param {
        person_conds.push(format!("v.role = ?{n}"));
    }
    if let Some(c) = &q.category {
        params.push(Value::Text(check(conn, Vocab::PersonCategory, c)?));
        person_conds.push(format!(
            "v.person_id IN (SELECT pi.person_id FROM person_identity pi WHERE pi.identity_id IN
               (SELECT g.identity_id FROM person_identity g
                  JOIN person_category pc ON pc.person_id = g.person_id
                 WHERE pc.code = ?{}))",
            params.len()
        ));
    }
    let person_cond: String = person_conds.iter().map(|c| format!(" AND {c}")).collect();
    if let Some(p) = &q.person_id {
        let pid = parse_id("person", p)?;
        params.push(Value::Text(pid.to_string()));
        conds.push(format!(
            "i.id IN (SELECT v.incident_id FROM involvement v WHERE v.person_id = ?{}{person_cond})",
            params.len()
        ));
    } else if q.category.is_some() {
        // A category is held by few people: read their involvements (index
        // `person_category_code`, then the person's involvements), whatever the shape.
        conds.push(format!(
            "i.id IN (SELECT v.incident_id FROM involvement v WHERE 1{person_cond})"
        ));
    } else if let Some(n) = role_param {
        conds.push(match shape {
            Shape::Page => format!(
                "EXISTS (SELECT 1 FROM involvement v WHERE v.incident_id = i.id AND v.role = ?{n})"
            ),
            Shape::Set => {
                format!("i.id IN (SELECT v.incident_id FROM involvement v WHERE v.role = ?{n})")
            }
        });
    }
    let active = !conds.is_empty();
    Ok(IncidentFilter {
        conds: if active {
            conds.join(" AND ")
        } else {
            "1".into()
        },
        active,
        dated,
        person_cond,
    })
}

/// The condition on `search_row r` that keeps text hits inside the filtered incidents.
pub(super) fn scope(f: &IncidentFilter) -> String {
    format!(
        "((r.record_type = 'incident' AND r.record_id IN (SELECT i.id FROM incident i WHERE {f}))
          OR (r.record_type = 'testimony' AND r.record_id IN
               (SELECT t.id FROM testimony t WHERE t.incident_id IN
                 (SELECT i.id FROM incident i WHERE {f})))
          OR (r.record_type = 'person' AND r.record_id IN
               (SELECT v.person_id FROM involvement v WHERE v.incident_id IN
                 (SELECT i.id FROM incident i WHERE {f}){role})))",
        f = f.conds,
        role = f.person_cond
    )
}
