//! Statements through the connection's statement cache.
//!
//! `Connection::execute` and `Connection::query_row` compile their SQL every time they are
//! called. With `cipher_memory_security = ON` every one of SQLite's allocations is locked into
//! RAM with `mlock` and wiped and unlocked with `munlock` when freed, and compiling a statement
//! that fires triggers (an incident's row keeps the search index, the history and the folded
//! text) makes hundreds of them: measured at about 1,700 `mlock` calls per incident added in
//! bulk, 82 % of them inside `sqlite3_prepare` (docs/benchmarks.md). The write paths therefore
//! go through these two methods, which compile each SQL text once per connection and reuse it.
//! A cached statement keeps no values: rusqlite resets it and clears its bindings when it goes
//! back to the cache, and the cache is emptied when the vault locks (the connection closes).

use rusqlite::{Connection, Params, Row};

/// How many compiled statements a connection keeps (rusqlite's default is 16, fewer than the
/// statements of one incident save).
pub(crate) const STATEMENT_CACHE: usize = 256;

pub(crate) trait Cached {
    /// As `Connection::execute`, through the statement cache.
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// As `Connection::query_row`, through the statement cache.
    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

#[cfg(test)]
mod tests {
    use super::Cached;

    #[test]
    fn a_cached_statement_goes_back_to_the_cache_without_its_values() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.set_prepared_statement_cache_capacity(super::STATEMENT_CACHE);
        conn.execute_batch("CREATE TABLE t (v TEXT)").unwrap();
        for v in ["a", "b", "c"] {
            conn.exec("INSERT INTO t (v) VALUES (?1)", [v]).unwrap();
        }
        let n: i64 = conn
            .row("SELECT count(*) FROM t WHERE v <> ?1", ["b"], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        // The statement went back to the cache with its value cleared: run again with no
        // value bound, `v <> NULL` matches no row, where a kept "b" would have counted two.
        let mut stmt = conn
            .prepare_cached("SELECT count(*) FROM t WHERE v <> ?1")
            .unwrap();
        let mut rows = stmt.raw_query();
        let unbound: i64 = rows.next().unwrap().unwrap().get(0).unwrap();
        assert_eq!(unbound, 0, "no value survives in the cache");
    }
}
