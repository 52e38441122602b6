//! The search rewrite (migration 0010, pages) against the search as it was, on a generated corpus
//! in Khmer, English and French with edits and deletions.

use rusqlite::{params, Connection};
use uuid::Uuid;

use super::{
    count, legacy, page, page_ranking_at_most, page_sql, SearchHit, SearchQuery, RANK_AT_MOST,
};
use crate::text::fold;
use crate::vault::{migrate_to, SCHEMA_VERSION};

/// The schema before migration 0010.
const BEFORE: usize = 7;

const WORDS: &[&str] = &[
    "ការវាយដំ",
    "ប៉ូលិស",
    "ភូមិ",
    "ដីធ្លី",
    "សាក្សី",
    "ការចាប់ខ្លួន",
    "police",
    "arrested",
    "the",
    "village",
    "land",
    "soldiers",
    "beaten",
    "témoin",
    "arrêté",
    "manifestation",
    "expulsion",
    "forcée",
    "Phnom",
    "Penh",
    "a",
    "of",
    "50%",
    "under_score",
];
const NAMES: &[&str] = &[
    "សុខ ចាន់",
    "Sok Chan",
    "Li",
    "Chan Dara",
    "ស្រី មុំ",
    "Srey Mom",
    "Dupont",
    "Vann",
    "É",
];
const KINDS: &[&str] = &["arbitrary_arrest", "assault", "threat", "forced_eviction"];
const ROLES: &[&str] = &["victim", "witness", "perpetrator"];

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| WORDS[self.next(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn id(kind: u128, n: usize) -> String {
    Uuid::from_u128((kind << 64) | n as u128).to_string()
}

const INCIDENTS: usize = 200;
const PERSONS: usize = 80;
const TESTIMONIES: usize = 200;

fn conn_at(version: usize) -> Connection {
    let mut c = Connection::open_in_memory().unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    migrate_to(&mut c, version).unwrap();
    c
}

/// What Vault::write does before it commits: the noted search rows written (migration 0024).
fn settle(c: &Connection) {
    crate::search::pending::apply_now(c).unwrap();
}

/// The corpus: incidents with kinds and dates, persons with several names, involvements,
/// testimonies. Fewer than 500 records, so the old search (500 hits at most) returned every match.
fn add_corpus(c: &Connection) {
    let mut r = Rng(14);
    let t = "2026-01-01T00:00:00Z";
    for n in 0..INCIDENTS {
        let date = format!(
            "20{:02}-{:02}-{:02}",
            10 + r.next(15),
            1 + r.next(12),
            1 + r.next(28)
        );
        let date = match n % 5 {
            0 => None,
            1 => Some(date[..4].to_string()),
            2 => Some(date[..7].to_string()),
            _ => Some(date),
        };
        c.execute(
            "INSERT INTO incident (id, title, description, start_date, place_name, admin_area,
                                   created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'd')",
            params![
                id(1, n),
                r.words(3),
                r.words(12),
                date,
                ["Phnom Penh", "Battambang", "Kampot"][r.next(3)],
                (n % 3 == 0).then_some("ខេត្តកំពត"),
                t
            ],
        )
        .unwrap();
        c.execute(
            "INSERT INTO incident_kind (incident_id, kind) VALUES (?1, ?2)",
            params![id(1, n), KINDS[r.next(KINDS.len())]],
        )
        .unwrap();
    }
    for n in 0..PERSONS {
        c.execute(
            "INSERT INTO person (id, primary_name, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?3, 'd')",
            params![id(2, n), NAMES[r.next(NAMES.len())], t],
        )
        .unwrap();
        for pos in 0..1 + r.next(3) {
            c.execute(
                "INSERT INTO person_name (person_id, position, name, kind) VALUES (?1, ?2, ?3, 'alias')",
                params![id(2, n), pos as i64, NAMES[r.next(NAMES.len())]],
            )
            .unwrap();
        }
        for k in 0..1 + r.next(2) {
            c.execute(
                "INSERT INTO involvement (id, incident_id, person_id, role, created_at, updated_at, device_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 'd')",
                params![id(3, n * 4 + k), id(1, r.next(INCIDENTS)), id(2, n),
                        ROLES[r.next(ROLES.len())], t],
            )
            .unwrap();
        }
    }
    for n in 0..TESTIMONIES {
        c.execute(
            "INSERT INTO testimony (id, incident_id, body, created_at, updated_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?4, 'd')",
            params![id(4, n), id(1, r.next(INCIDENTS)), r.words(20), t],
        )
        .unwrap();
    }
}

/// Edits every kind of indexed text, and deletes (directly and by cascade).
fn edit_corpus(c: &Connection) {
    let mut r = Rng(41);
    for n in (0..INCIDENTS).step_by(7) {
        c.execute(
            "UPDATE incident SET title = ?2, description = ?3, version = version + 1 WHERE id = ?1",
            params![id(1, n), r.words(2), r.words(9)],
        )
        .unwrap();
    }
    for n in (0..TESTIMONIES).step_by(9) {
        c.execute(
            "UPDATE testimony SET body = ?2 WHERE id = ?1",
            params![id(4, n), r.words(15)],
        )
        .unwrap();
    }
    for n in (0..PERSONS).step_by(6) {
        c.execute(
            "UPDATE person SET primary_name = ?2 WHERE id = ?1",
            params![id(2, n), NAMES[r.next(NAMES.len())]],
        )
        .unwrap();
        c.execute(
            "DELETE FROM person_name WHERE person_id = ?1 AND position = 0",
            [id(2, n)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO person_name (person_id, position, name, kind) VALUES (?1, 9, ?2, 'alias')",
            params![id(2, n), NAMES[r.next(NAMES.len())]],
        )
        .unwrap();
    }
    for n in [3, 50, 77] {
        c.execute("DELETE FROM person WHERE id = ?1", [id(2, n)])
            .unwrap();
    }
    for n in [5, 120, 199] {
        c.execute("DELETE FROM incident WHERE id = ?1", [id(1, n)])
            .unwrap();
    }
    for n in [1, 2, 100] {
        c.execute("DELETE FROM testimony WHERE id = ?1", [id(4, n)])
            .unwrap();
    }
}

fn queries() -> Vec<SearchQuery> {
    let texts = [
        None,
        Some("ការវាយដំ"),
        Some("ប៉ូលិស ភូមិ"),
        Some("village"),
        Some("arrêté"),
        Some("VILLAGE the"),
        Some("Sok"),
        Some("សុខ"),
        Some("th"),
        Some("é"),
        Some("ភូ"),
        Some("a"),
        Some("of land"),
        Some("50%"),
        Some("%"),
        Some("_"),
        Some("Li"),
        Some("\"quoted\" police"),
        Some("nothinghere"),
    ];
    let filters: Vec<SearchQuery> = vec![
        SearchQuery::default(),
        SearchQuery {
            kind: Some("assault".into()),
            ..Default::default()
        },
        SearchQuery {
            date_from: Some("2018".into()),
            ..Default::default()
        },
        SearchQuery {
            date_to: Some("2016-06".into()),
            ..Default::default()
        },
        SearchQuery {
            date_from: Some("2012-03-04".into()),
            date_to: Some("2020".into()),
            ..Default::default()
        },
        SearchQuery {
            place: Some("kampot".into()),
            ..Default::default()
        },
        SearchQuery {
            person_id: Some(id(2, 10)),
            ..Default::default()
        },
        SearchQuery {
            role: Some("witness".into()),
            ..Default::default()
        },
        SearchQuery {
            person_id: Some(id(2, 11)),
            role: Some("victim".into()),
            ..Default::default()
        },
    ];
    let mut out = Vec::new();
    for t in texts {
        for f in &filters {
            out.push(SearchQuery {
                text: t.map(str::to_string),
                ..f.clone()
            });
        }
    }
    out
}

type Key = (String, String, String, Option<String>);
fn keys(hits: &[SearchHit]) -> Vec<Key> {
    let mut k: Vec<Key> = hits
        .iter()
        .map(|h| {
            (
                h.record_type.clone(),
                h.id.clone(),
                h.title.clone(),
                h.incident_id.clone(),
            )
        })
        .collect();
    k.sort();
    k
}

fn index_rows(c: &Connection) -> Vec<(String, String, String, String)> {
    let mut s = c
        .prepare("SELECT record_type, record_id, title, body FROM search_index ORDER BY 1, 2")
        .unwrap();
    let rows = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

/// What the search must find for `q`: what the old search found for it in lower case and in
/// upper case together. Folded text is lower case, so the search ignores the case of every
/// letter; the old one ignored it for ASCII letters only in short terms (SQL LIKE), so "é"
/// missed the person named "É". Any other difference is a failure.
fn old_search_any_case(c: &Connection, q: &SearchQuery) -> Vec<Key> {
    let mut want = keys(&legacy::search(c, q).unwrap());
    if let Some(t) = &q.text {
        for t in [t.to_lowercase(), t.to_uppercase()] {
            let q = SearchQuery {
                text: Some(t),
                ..q.clone()
            };
            want.extend(keys(&legacy::search(c, &q).unwrap()));
        }
    }
    want.sort();
    want.dedup();
    want
}

fn folded(rows: Vec<(String, String, String, String)>) -> Vec<(String, String, String, String)> {
    rows.into_iter()
        .map(|(t, id, title, body)| (t, id, fold(&title), fold(&body)))
        .collect()
}

#[test]
fn search_results_are_the_same_before_and_after_the_search_index_rewrite() {
    // Before: the old schema, its triggers and the old search.
    let old = conn_at(BEFORE);
    add_corpus(&old);
    edit_corpus(&old);
    let qs = queries();
    let before: Vec<Vec<Key>> = qs.iter().map(|q| old_search_any_case(&old, q)).collect();
    assert!(
        qs.iter()
            .zip(&before)
            .any(|(q, any_case)| keys(&legacy::search(&old, q).unwrap()) != *any_case),
        "the corpus must hold a non-ASCII capital the old search missed (or the case rule is untested)"
    );
    // Migration 0014 folds the indexed text (crate::text::fold); the old index, folded, is
    // what the new one must hold.
    let old_index = folded(index_rows(&old));
    let mut migrated = old;
    // After (1): the same vault migrated (the index rebuilt from the records).
    migrate_to(&mut migrated, SCHEMA_VERSION as usize).unwrap();
    // After (2): a new vault where every write went through the new triggers.
    // Its search rows are written once, after every insert, edit and deletion (0024): rows
    // noted, rewritten, and removed again before they were ever written.
    let fresh = conn_at(SCHEMA_VERSION as usize);
    add_corpus(&fresh);
    edit_corpus(&fresh);
    settle(&fresh);
    // After (3): migrated half-way, edited after the migration.
    let mut mid = conn_at(BEFORE);
    add_corpus(&mid);
    migrate_to(&mut mid, SCHEMA_VERSION as usize).unwrap();
    edit_corpus(&mid);
    settle(&mid);
    for (name, c) in [
        ("migrated", &migrated),
        ("fresh", &fresh),
        ("edited after migration", &mid),
    ] {
        assert_eq!(
            index_rows(c),
            old_index,
            "{name}: the index must hold exactly the text the old triggers indexed, folded"
        );
        for (q, old_hits) in qs.iter().zip(&before) {
            let got = keys(&page(c, q).unwrap());
            let want = old_hits;
            assert_eq!(
                &got, want,
                "{name}: a search must find what the old one found, in any letter case: {q:?}"
            );
            let n = count(c, q, 1_000).unwrap();
            assert_eq!(
                (n.count, n.capped),
                (want.len() as u64, false),
                "{name}: the count must be the number of matches: {q:?}"
            );
        }
    }
    let non_empty = before.iter().filter(|h| !h.is_empty()).count();
    assert!(
        non_empty > qs.len() / 2,
        "the corpus must make most queries match ({non_empty} of {})",
        qs.len()
    );
    assert!(
        before.iter().any(|h| h.len() > 100),
        "some query must match many records"
    );
}

#[test]
fn pages_of_a_search_add_up_to_the_whole_result_in_order() {
    let c = conn_at(SCHEMA_VERSION as usize);
    add_corpus(&c);
    settle(&c);
    for text in [Some("village"), Some("th"), None, Some("ភូមិ a")] {
        let q = SearchQuery {
            text: text.map(str::to_string),
            ..Default::default()
        };
        let all = page(&c, &q).unwrap();
        assert!(all.len() > 20, "{text:?} must match more than two pages");
        let paged = all_pages(&q, 10, |q| page(&c, q).unwrap());
        assert_eq!(
            paged, all,
            "pages of {text:?} must add up to the whole result, in the same order"
        );
        let capped = count(&c, &q, 5).unwrap();
        assert_eq!(
            (capped.count, capped.capped),
            (5, true),
            "a capped count stops at the cap and says so"
        );
    }
}

#[test]
fn an_edit_reads_the_index_by_rowid_not_by_scanning_it() {
    let c = conn_at(SCHEMA_VERSION as usize);
    let mut plans = Vec::new();
    let sql: String = c
        .query_row("SELECT group_concat(sql, ';') FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%search_index%'", [], |r| r.get(0))
        .unwrap();
    assert!(
        sql.contains("WHERE rowid ="),
        "the triggers write search_index by rowid"
    );
    for stmt in [
        "UPDATE search_index SET title = 'x' WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'incident' AND record_id = 'a')",
        "DELETE FROM search_index WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = 'a')",
    ] {
        let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {stmt}")).unwrap();
        let rows = s.query_map([], |r| r.get::<_, String>(3)).unwrap();
        plans.extend(rows.map(Result::unwrap));
    }
    assert!(
        plans
            .iter()
            .all(|p| !p.starts_with("SCAN search_row") && !p.ends_with("INDEX 0:")),
        "no step of an index write may scan a table: {plans:?}"
    );
}

/// Every page of `q` of `size` hits, one after the other, from `page_of`.
fn all_pages(
    q: &SearchQuery,
    size: u32,
    page_of: impl Fn(&SearchQuery) -> Vec<SearchHit>,
) -> Vec<SearchHit> {
    let mut all = Vec::new();
    for k in 0.. {
        let p = page_of(&SearchQuery {
            limit: Some(size),
            offset: Some(k * size),
            ..q.clone()
        });
        assert!(p.len() <= size as usize, "a page holds at most its size");
        if p.is_empty() {
            break;
        }
        all.extend(p);
    }
    all
}

/// The search_index rowid of each hit, in the page's order.
fn rowids(c: &Connection, hits: &[SearchHit]) -> Vec<i64> {
    hits.iter()
        .map(|h| {
            c.query_row(
                "SELECT id FROM search_row WHERE record_type = ?1 AND record_id = ?2",
                params![h.record_type, h.id],
                |r| r.get(0),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn a_query_with_more_matches_than_are_ranked_lists_the_newest_first() {
    let c = conn_at(SCHEMA_VERSION as usize);
    add_corpus(&c);
    settle(&c);
    for (text, kind) in [
        ("village", None),
        ("police", Some("assault")),
        ("the ភូមិ a", None),
    ] {
        let q = SearchQuery {
            text: Some(text.to_string()),
            kind: kind.map(str::to_string),
            ..Default::default()
        };
        let n = count(&c, &q, 1_000).unwrap();
        assert!(
            !n.capped && n.count > 20,
            "{text}: the corpus must match it often: {n:?}"
        );
        let n = n.count;
        let ranked = page_ranking_at_most(&c, &q, u64::MAX).unwrap();
        assert_eq!(ranked.len() as u64, n, "{text}: one page holds every match");
        assert_eq!(
            page_ranking_at_most(&c, &q, n).unwrap(),
            ranked,
            "{text}: a query with exactly as many matches as are ranked is ranked"
        );
        assert_eq!(
            page(&c, &q).unwrap(),
            ranked,
            "{text}: under {RANK_AT_MOST} matches, ranked"
        );
        let ranked_ids = rowids(&c, &ranked);
        assert!(
            ranked_ids.windows(2).any(|w| w[0] < w[1]),
            "{text}: the ranked order must differ from newest first (or the test proves nothing)"
        );
        let newest = page_ranking_at_most(&c, &q, n - 1).unwrap();
        let newest_ids = rowids(&c, &newest);
        assert!(
            newest_ids.windows(2).all(|w| w[0] > w[1]),
            "{text}: with more matches than are ranked, the newest come first: {newest_ids:?}"
        );
        let mut a = ranked_ids.clone();
        let mut b = newest_ids.clone();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "{text}: the same matches either way");
        // Its pages add up to the whole list: the order does not depend on the page.
        let paged = all_pages(&q, 7, |q| page_ranking_at_most(&c, q, n - 1).unwrap());
        assert_eq!(
            paged, newest,
            "{text}: pages of the newest-first list add up to it"
        );
    }
}

/// The query plan of `sql` with `params`, one line per step.
fn query_plan(c: &Connection, sql: &str, params: &[rusqlite::types::Value]) -> Vec<String> {
    let mut s = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = s
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            r.get::<_, String>(3)
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_dated_filter_page_walks_the_date_index_from_its_upper_bound() {
    let c = conn_at(SCHEMA_VERSION as usize);
    add_corpus(&c);
    settle(&c);
    let dated = [
        SearchQuery {
            kind: Some("assault".into()),
            date_from: Some("2012".into()),
            date_to: Some("2020".into()),
            ..Default::default()
        },
        SearchQuery {
            date_to: Some("2016-06".into()),
            ..Default::default()
        },
        SearchQuery {
            role: Some("witness".into()),
            date_from: Some("2018".into()),
            ..Default::default()
        },
    ];
    for q in &dated {
        let (sql, params) = page_sql(&c, q, RANK_AT_MOST).unwrap();
        let plan = query_plan(&c, &sql, &params);
        assert!(
            plan.iter().any(|p| p.starts_with("SEARCH i USING")
                && p.contains("incident_newest (<expr>=?")),
            "{q:?}: the page must be read from incident_newest, fixing its first column: {plan:?}"
        );
        if q.date_to.is_some() {
            assert!(
                plan.iter().any(|p| p.contains("start_date<?")),
                "{q:?}: the walk must start at the upper bound, not at the newest incident: {plan:?}"
            );
        }
        assert!(
            !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "{q:?}: a page must not sort the whole range: {plan:?}"
        );
        // The order is still newest first (start date, then id, both descending), and the
        // pages add up to the whole list.
        let all = page(&c, q).unwrap();
        assert!(all.len() > 10, "{q:?}: the corpus must match it often");
        let dates: Vec<(String, String)> = all
            .iter()
            .map(|h| {
                c.query_row(
                    "SELECT start_date, id FROM incident WHERE id = ?1",
                    [&h.id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
            })
            .collect();
        assert!(
            dates.windows(2).all(|w| w[0] > w[1]),
            "{q:?}: newest first: {dates:?}"
        );
        assert_eq!(all_pages(q, 7, |q| page(&c, q).unwrap()), all);
    }
}

#[test]
fn a_change_that_touches_no_indexed_text_leaves_the_search_row_alone() {
    // The same vault twice, one without the update triggers of the search index: a change that
    // touches no indexed text must make exactly the same changes in both (the trigger does not
    // rewrite the row, which with secure-delete costs an edit's work), and a text edit must make
    // more in the vault that has the triggers (or the comparison proves nothing).
    let with = conn_at(SCHEMA_VERSION as usize);
    let without = conn_at(SCHEMA_VERSION as usize);
    without
        .execute_batch("DROP TRIGGER incident_search_au; DROP TRIGGER testimony_search_au;")
        .unwrap();
    add_corpus(&with);
    add_corpus(&without);
    settle(&with);
    settle(&without);
    let changes = |c: &Connection, sql: &str, id: &str| {
        let before = c.total_changes();
        c.execute(sql, [id]).unwrap();
        c.total_changes() - before
    };
    let untouched = [
        (
            "UPDATE incident SET version = version + 1, updated_at = 'x', device_id = 'e' WHERE id = ?1",
            id(1, 3),
        ),
        (
            "UPDATE testimony SET version = version + 1, updated_at = 'x' WHERE id = ?1",
            id(4, 3),
        ),
    ];
    for (sql, rid) in &untouched {
        assert_eq!(
            changes(&with, sql, rid),
            changes(&without, sql, rid),
            "{sql}: no indexed text changed, so the search row must not be rewritten"
        );
    }
    let edits = [
        (
            "UPDATE incident SET title = 'ភ្លើង fire' WHERE id = ?1",
            id(1, 3),
        ),
        (
            "UPDATE incident SET admin_area = 'ខេត្តតាកែវ' WHERE id = ?1",
            id(1, 4),
        ),
        (
            "UPDATE testimony SET interviewer = 'Sophea' WHERE id = ?1",
            id(4, 3),
        ),
    ];
    for (sql, rid) in &edits {
        assert!(
            changes(&with, sql, rid) > changes(&without, sql, rid),
            "{sql}: an indexed text changed, so the search row must be rewritten"
        );
    }
    settle(&with);
    let found = |text: &str| {
        keys(
            &page(
                &with,
                &SearchQuery {
                    text: Some(text.into()),
                    ..Default::default()
                },
            )
            .unwrap(),
        )
        .into_iter()
        .map(|k| k.1)
        .collect::<Vec<_>>()
    };
    assert!(found("ភ្លើង").contains(&id(1, 3)));
    assert!(found("តាកែវ").contains(&id(1, 4)));
    assert!(found("sophea").contains(&id(4, 3)));
}

/// 0014's insert triggers, which wrote search_index in the statement that added the record.
const DIRECT_TRIGGERS: &str = "
DROP TRIGGER incident_search_ai;
CREATE TRIGGER incident_search_ai AFTER INSERT ON incident BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('incident', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'incident' AND record_id = new.id;
END;
DROP TRIGGER testimony_search_ai;
CREATE TRIGGER testimony_search_ai AFTER INSERT ON testimony BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('testimony', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'testimony' AND record_id = new.id;
END;
DROP TRIGGER person_search_ai;
CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'person' AND record_id = new.id;
END;
DROP TRIGGER person_name_search_ai;
CREATE TRIGGER person_name_search_ai AFTER INSERT ON person_name BEGIN
    UPDATE search_index
    SET body = saksi_fold(coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = new.person_id), ''))
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.person_id);
END;
";

#[test]
fn a_transaction_writes_the_search_index_once_not_once_per_statement() {
    // The same corpus added in one transaction to two vaults: one as shipped (0024: the triggers
    // note the rows, the index is written before the commit), one with 0014's triggers put back,
    // which wrote the index statement by statement. There, every later statement that opens a
    // statement journal made FTS5 flush what it had collected to a new segment (its
    // xSavepoint), and merge the segments again: many more rows written to its shadow tables.
    let deferred = conn_at(SCHEMA_VERSION as usize);
    let direct = conn_at(SCHEMA_VERSION as usize);
    direct.execute_batch(DIRECT_TRIGGERS).unwrap();
    let written = |c: &Connection| {
        let before = c.total_changes();
        let tx = c.unchecked_transaction().unwrap();
        add_corpus(c);
        crate::search::pending::apply(&tx).unwrap();
        tx.commit().unwrap();
        c.total_changes() - before
    };
    let (d, s) = (written(&deferred), written(&direct));
    assert!(
        d * 2 < s,
        "written once per transaction: {d} rows changed, against {s} statement by statement"
    );
    let pending: i64 = deferred
        .query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "nothing stays noted after the commit");
    assert_eq!(
        index_rows(&deferred),
        index_rows(&direct),
        "both ways must index the same text"
    );
    for q in queries() {
        assert_eq!(
            keys(&page(&deferred, &q).unwrap()),
            keys(&page(&direct, &q).unwrap()),
            "both ways must find the same: {q:?}"
        );
    }
}
