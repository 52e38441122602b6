//! Full-text search and filters, in pages.
//!
//! Text goes through the FTS5 `search_index` (trigram tokenizer, case-insensitive): every
//! whitespace-separated term must occur as a substring of the record's title or body. Khmer is
//! written without spaces, so substring matching is what makes it searchable at all.
//!
//! - Terms of 3+ characters use the index (`MATCH`); results are ranked by bm25 and only one page
//!   (`limit` hits from `offset`) is read back: FTS5 still scores every match (it has no
//!   top-k pruning), but the records' text is read for the page only. Ranking is what makes a
//!   common word slow (5–11 µs per match measured here: 0.7 s for 130,000 matches), so the matches are
//!   first counted, without scoring, up to [`RANK_AT_MOST`]: a query with more matches than
//!   that is not ranked but listed newest first, like a short term alone, and its page is read
//!   from the index in rowid order, stopping when it is full. Which of the two orders a query
//!   gets depends on the query and the vault only, never on the page, so its pages add up.
//! - One- and two-character terms (a Khmer consonant cluster, an initial) cannot use a trigram
//!   index. Beside a 3+ character term they only check the rows that term matched. Alone, the
//!   index is read newest first and the scan stops as soon as the page is full: a short term
//!   that matches often (the usual case) is fast; a rare one reads every row (see
//!   docs/benchmarks.md for the figures and the index design that would remove that scan).
//! - Filters (kind, date range, place, person, role, person category) select incidents through indexes
//!   (migration 0010); testimony hits must belong to a selected incident and person hits must be
//!   involved in one. With no text, a page of the newest matching incidents, read from the
//!   date index and stopped when full; a date bound starts that walk at its upper bound.
//! - [`Vault::search_count`] counts apart, up to a cap, so a page never waits for a full count.
//!
//! Normalisation: text is matched in its folded form ([`crate::text::fold`]: NFC, invisible
//! characters such as the zero-width space dropped, Khmer digits as ASCII, lower case). The SQL
//! view `search_source` (migration 0014) folds the indexed text with the application function
//! `saksi_fold`, and [`prepare_query_text`] folds what the user typed, with the same function:
//! "ការវាយ" finds "ការ\u{200B}វាយ", "2015" finds "២០១៥", and the other way round. The index
//! holds folded text only; the titles and snippets a search returns are read from the records.
//! Indexed: incident title, description, place and area; testimony text, interviewer and
//! interview place; every name of a person.

use rusqlite::types::Value;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vault::Vault;

#[cfg(test)]
mod category_tests;
mod filter;
#[cfg(test)]
mod fold_tests;
#[cfg(test)]
mod legacy;
pub(crate) mod pending;
#[cfg(test)]
mod tests;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    /// YYYY-MM-DD (or YYYY-MM, YYYY): incidents that overlap [date_from, date_to].
    #[serde(default)]
    pub date_from: Option<String>,
    #[serde(default)]
    pub date_to: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub person_id: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// A person category (vocabulary code): incidents naming a person who holds it (merged
    /// persons count as one), and only such persons among person hits.
    #[serde(default)]
    pub category: Option<String>,
    /// Page size: at most [`MAX_PAGE`]; [`MAX_PAGE`] when absent.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Hits to skip before the page.
    #[serde(default)]
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    pub id: String,
    #[serde(rename = "type")]
    pub record_type: String,
    /// The incident title, the person's first name, or the start of the testimony or of the
    /// annotation's note.
    pub title: String,
    /// For testimony: the incident it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<String>,
}

/// How many records match a query, counted up to a cap.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct SearchCount {
    /// The number of matches, or `cap` when `capped`.
    pub count: u64,
    /// True when there are more than `count` matches (counting stopped at the cap).
    pub capped: bool,
}

const MAX_QUERY_CHARS: usize = 256;
/// The largest page a search returns.
pub const MAX_PAGE: u32 = 500;
const MAX_TERMS: usize = 16;
const MAX_OFFSET: u32 = 100_000;
/// The most matches a search ranks by relevance; a query with more is listed newest first
/// (module documentation). At 5–11 µs to score a match, ranking this many stays within a
/// page's time budget (20 ms), and a ranking among more than this many records says little.
pub const RANK_AT_MOST: u64 = 2_000;

/// What the user typed, in the form the index holds (see the module documentation): the fold
/// `search_source` applies to indexed text.
pub fn prepare_query_text(text: &str) -> String {
    crate::text::fold(text)
}

pub(crate) fn like_pattern(term: &str) -> String {
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

/// A query as SQL: `core` selects `rid` (the search_index rowid, or incident id when
/// `incidents_only`) and `score`, ordered by `order`.
struct Plan {
    params: Vec<Value>,
    core: String,
    order: &'static str,
    /// `order` on the page's columns (`pg.`).
    outer_order: &'static str,
    incidents_only: bool,
}

/// `rank_at_most`: rank only when the query has at most this many matches (None: do not
/// decide, the order is not used, as in a count).
fn plan(conn: &Connection, q: &SearchQuery, rank_at_most: Option<u64>) -> Result<Plan> {
    if let Some(t) = q.text.as_deref() {
        if t.trim().chars().count() > MAX_QUERY_CHARS {
            return Err(Error::invalid(format!(
                "the search text is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
    }
    // Text that folds to nothing (only spaces or invisible characters) is no text.
    let folded = q.text.as_deref().map(prepare_query_text);
    let text = folded.as_deref().filter(|t| !t.is_empty());
    let mut params: Vec<Value> = Vec::new();
    let shape = if text.is_some() {
        filter::Shape::Set
    } else {
        filter::Shape::Page
    };
    let f = filter::incident_filter(conn, q, &mut params, shape)?;
    let Some(text) = text else {
        // Newest first, undated last. With a date bound every incident has a start date: the
        // order then leaves out `k1`, which the bound fixes, or SQLite would sort the whole
        // range instead of walking `incident_newest` from the upper bound down.
        let (order, outer_order) = if f.dated {
            ("k2 DESC, rid DESC", "pg.k2 DESC, pg.rid DESC")
        } else {
            ("k1, k2 DESC, rid DESC", "pg.k1, pg.k2 DESC, pg.rid DESC")
        };
        return Ok(Plan {
            core: format!(
                "SELECT i.id AS rid, 0 AS score, i.start_date IS NULL AS k1, i.start_date AS k2
                 FROM incident i WHERE {}",
                f.conds
            ),
            params,
            order,
            outer_order,
            incidents_only: true,
        });
    };
    let mut conds = Vec::new();
    let mut long_terms = Vec::new();
    for term in text.split_whitespace().take(MAX_TERMS) {
        if term.chars().count() >= 3 {
            long_terms.push(format!("\"{}\"", term.replace('"', "\"\"")));
        } else {
            params.push(Value::Text(like_pattern(term)));
            let n = params.len();
            conds.push(format!(
                "(s.title LIKE ?{n} ESCAPE '\\' OR s.body LIKE ?{n} ESCAPE '\\')"
            ));
        }
    }
    let indexed = !long_terms.is_empty();
    if indexed {
        params.push(Value::Text(long_terms.join(" AND ")));
        conds.push(format!("search_index MATCH ?{}", params.len()));
    }
    let join = if f.active {
        conds.push(filter::scope(&f));
        "JOIN search_row r ON r.id = s.rowid"
    } else {
        ""
    };
    let from = format!("FROM search_index s {join} WHERE {}", conds.join(" AND "));
    let ranked = match rank_at_most {
        Some(cap) if indexed => {
            !count_rows(conn, &format!("SELECT 1 {from}"), &params, cap)?.capped
        }
        _ => false,
    };
    Ok(Plan {
        core: format!(
            "SELECT s.rowid AS rid, {} AS score {from}",
            if ranked { "s.rank" } else { "0" },
        ),
        params,
        order: if ranked { "score" } else { "rid DESC" },
        outer_order: if ranked { "pg.score" } else { "pg.rid DESC" },
        incidents_only: false,
    })
}

/// How many rows `select` gives, counted up to `cap`: it stops reading after `cap + 1`.
fn count_rows(conn: &Connection, select: &str, params: &[Value], cap: u64) -> Result<SearchCount> {
    let cap = cap.min(i64::MAX as u64 - 1);
    let sql = format!("SELECT count(*) FROM ({select} LIMIT {})", cap + 1);
    let n: i64 = conn
        .prepare(&sql)?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    let n = u64::try_from(n).unwrap_or(0);
    Ok(SearchCount {
        count: n.min(cap),
        capped: n > cap,
    })
}

/// One page of hits for `q`.
pub(crate) fn page(conn: &Connection, q: &SearchQuery) -> Result<Vec<SearchHit>> {
    page_ranking_at_most(conn, q, RANK_AT_MOST)
}

/// [`page`], ranking by relevance only when `q` has at most `rank_at_most` matches.
pub(crate) fn page_ranking_at_most(
    conn: &Connection,
    q: &SearchQuery,
    rank_at_most: u64,
) -> Result<Vec<SearchHit>> {
    let (sql, params) = page_sql(conn, q, rank_at_most)?;
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

/// The SQL of one page of `q` and its parameters (the tests read its query plan).
fn page_sql(conn: &Connection, q: &SearchQuery, rank_at_most: u64) -> Result<(String, Vec<Value>)> {
    let mut p = plan(conn, q, Some(rank_at_most))?;
    let limit = q.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let offset = q.offset.unwrap_or(0).min(MAX_OFFSET);
    p.params.push(Value::Integer(limit.into()));
    let nl = p.params.len();
    p.params.push(Value::Integer(offset.into()));
    let no = p.params.len();
    let page = format!("{} ORDER BY {} LIMIT ?{nl} OFFSET ?{no}", p.core, p.order);
    let sql = if p.incidents_only {
        format!(
            "SELECT 'incident', i.id, i.title, NULL
             FROM ({page}) pg JOIN incident i ON i.id = pg.rid ORDER BY {}",
            p.outer_order
        )
    } else {
        format!(
            "SELECT r.record_type, r.record_id,
                    CASE r.record_type
                        WHEN 'incident' THEN (SELECT i.title FROM incident i WHERE i.id = r.record_id)
                        WHEN 'testimony' THEN (SELECT substr(t.body, 1, 120) FROM testimony t
                                               WHERE t.id = r.record_id)
                        WHEN 'annotation' THEN (SELECT substr(a.note, 1, 120) FROM annotation a
                                                WHERE a.id = r.record_id)
                        ELSE (SELECT p.primary_name FROM person p WHERE p.id = r.record_id) END,
                    (SELECT t.incident_id FROM testimony t
                     WHERE r.record_type = 'testimony' AND t.id = r.record_id)
             FROM ({page}) pg JOIN search_row r ON r.id = pg.rid
             ORDER BY {}",
            p.outer_order
        )
    };
    Ok((sql, p.params))
}

/// The number of matches of `q` (ignoring its page), counted up to `cap`.
pub(crate) fn count(conn: &Connection, q: &SearchQuery, cap: u64) -> Result<SearchCount> {
    let p = plan(conn, q, None)?;
    count_rows(conn, &p.core, &p.params, cap)
}

impl Vault {
    /// One page of search results; see the module documentation.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        page(&self.conn, q)
    }

    /// How many records match `q` (its page is ignored), counted up to `cap`.
    pub fn search_count(&self, q: &SearchQuery, cap: u64) -> Result<SearchCount> {
        count(&self.conn, q, cap)
    }
}
