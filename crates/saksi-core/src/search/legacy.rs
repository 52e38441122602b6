//! The search as it was before migration 0010 (issue 14), kept for the tests only: the new search
//! must return what this one returned, on the same data.

#![allow(clippy::all)]

use rusqlite::types::Value;

use crate::error::{Error, Result};
use crate::model::parse_id;
use rusqlite::Connection;

use super::{SearchHit, SearchQuery};

const MAX_QUERY_CHARS: usize = 256;
const MAX_HITS: i64 = 500;

fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn lower_bound(d: &str, field: &str) -> Result<String> {
    let fd = crate::model::FuzzyDate {
        date: Some(d.to_string()),
        precision: None,
    };
    let (Some(d), _) = fd.normalise(field)? else {
        return Err(Error::invalid(format!("{field} is empty")));
    };
    Ok(match d.len() {
        4 => format!("{d}-01-01"),
        7 => format!("{d}-01"),
        _ => d,
    })
}

fn upper_bound(d: &str, field: &str) -> Result<String> {
    let lb = lower_bound(d, field)?;
    Ok(match d.trim().len() {
        4 => format!("{}-12-31", &lb[..4]),
        7 => format!("{}-31", &lb[..7]),
        _ => lb,
    })
}

pub(super) fn search(conn: &Connection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = text {
        if t.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::invalid(format!(
                "the search text is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
    }
    let filtered = q.kind.is_some()
        || q.date_from.is_some()
        || q.date_to.is_some()
        || q.place.is_some()
        || q.person_id.is_some()
        || q.role.is_some();

    // The incidents that pass the filters, as a SQL sub-select with its parameters.
    let mut params: Vec<Value> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    if let Some(k) = &q.kind {
        let k = crate::model::vocab::check(&conn, crate::model::vocab::Vocab::IncidentKind, k)?;
        params.push(Value::Text(k));
        conds.push(format!(
            "EXISTS (SELECT 1 FROM incident_kind k WHERE k.incident_id = i.id AND k.kind = ?{})",
            params.len()
        ));
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
        conds.push(format!(
            "(i.start_date IS NOT NULL AND substr(i.start_date || '-01-01', 1, 10) <= ?{})",
            params.len()
        ));
    }
    if let Some(p) = q.place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        params.push(Value::Text(like_pattern(p)));
        let n = params.len();
        conds.push(format!(
            "(i.place_name LIKE ?{n} ESCAPE '\\' OR i.admin_area LIKE ?{n} ESCAPE '\\')"
        ));
    }
    let role = match &q.role {
        Some(r) => Some(crate::model::vocab::check(
            &conn,
            crate::model::vocab::Vocab::Role,
            r,
        )?),
        None => None,
    };
    if let Some(p) = &q.person_id {
        let pid = parse_id("person", p)?;
        params.push(Value::Text(pid.to_string()));
        let n = params.len();
        let role_cond = match &role {
            Some(r) => {
                params.push(Value::Text(r.clone()));
                format!(" AND v.role = ?{}", params.len())
            }
            None => String::new(),
        };
        conds.push(format!(
                "EXISTS (SELECT 1 FROM involvement v WHERE v.incident_id = i.id AND v.person_id = ?{n}{role_cond})"
            ));
    } else if let Some(r) = &role {
        params.push(Value::Text(r.clone()));
        conds.push(format!(
            "EXISTS (SELECT 1 FROM involvement v WHERE v.incident_id = i.id AND v.role = ?{})",
            params.len()
        ));
    }
    let incident_filter = format!(
        "SELECT i.id FROM incident i WHERE {}",
        if conds.is_empty() {
            "1".to_string()
        } else {
            conds.join(" AND ")
        }
    );

    let Some(text) = text else {
        // No text: the incidents that pass the filters.
        let sql = format!(
            "SELECT i.id, i.title FROM incident i WHERE i.id IN ({incident_filter})
                 ORDER BY i.start_date IS NULL, i.start_date DESC, i.id DESC LIMIT {MAX_HITS}"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
            Ok(SearchHit {
                id: r.get(0)?,
                record_type: "incident".into(),
                title: r.get(1)?,
                incident_id: None,
            })
        })?;
        return Ok(rows.collect::<rusqlite::Result<_>>()?);
    };

    let mut text_conds = Vec::new();
    let mut long_terms = Vec::new();
    for term in text.split_whitespace().take(16) {
        if term.chars().count() >= 3 {
            long_terms.push(format!("\"{}\"", term.replace('"', "\"\"")));
        } else {
            params.push(Value::Text(like_pattern(term)));
            let n = params.len();
            text_conds.push(format!(
                "(s.title LIKE ?{n} ESCAPE '\\' OR s.body LIKE ?{n} ESCAPE '\\')"
            ));
        }
    }
    let ranked = !long_terms.is_empty();
    if ranked {
        params.push(Value::Text(long_terms.join(" AND ")));
        text_conds.push(format!("search_index MATCH ?{}", params.len()));
    }
    let scope = if filtered {
        format!(
                "AND ((s.record_type = 'incident' AND s.record_id IN ({f}))
                   OR (s.record_type = 'testimony' AND s.record_id IN
                        (SELECT t.id FROM testimony t WHERE t.incident_id IN ({f})))
                   OR (s.record_type = 'person' AND s.record_id IN
                        (SELECT v.person_id FROM involvement v WHERE v.incident_id IN ({f}){role})))",
                f = incident_filter,
                role = role
                    .as_ref()
                    .map(|r| format!(" AND v.role = '{}'", r.replace('\'', "''")))
                    .unwrap_or_default()
            )
    } else {
        String::new()
    };
    let sql = format!(
            "SELECT s.record_type, s.record_id,
                    CASE s.record_type WHEN 'testimony' THEN substr(s.body, 1, 120) ELSE s.title END,
                    (SELECT t.incident_id FROM testimony t WHERE s.record_type = 'testimony' AND t.id = s.record_id)
             FROM search_index s
             WHERE {} {scope}
             ORDER BY {} LIMIT {MAX_HITS}",
            text_conds.join(" AND "),
            if ranked { "rank" } else { "s.record_type, s.title" }
        );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| {
        Ok(SearchHit {
            record_type: r.get(0)?,
            id: r.get(1)?,
            title: r.get(2)?,
            incident_id: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
