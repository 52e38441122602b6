//! Opening the SQLCipher database with the right settings, and its schema migrations.
//!
//! Migrations are the numbered SQL files in the repository's `migrations/` folder, embedded at
//! compile time, applied by rusqlite_migration in one transaction. They are append-only: a
//! released file is never edited.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use zeroize::Zeroizing;

use super::keyfile::MasterKey;
use crate::error::{Error, Result};

const MIGRATION_SQL: &[&str] = &[
    include_str!("../../../../migrations/0001_schema.sql"),
    include_str!("../../../../migrations/0002_vocabularies.sql"),
    include_str!("../../../../migrations/0003_evidence_custody.sql"),
    include_str!("../../../../migrations/0004_bundles.sql"),
    include_str!("../../../../migrations/0005_settings_drafts.sql"),
    include_str!("../../../../migrations/0006_receipts_trust.sql"),
    include_str!("../../../../migrations/0007_lineage.sql"),
    include_str!("../../../../migrations/0008_categories_reports.sql"),
    include_str!("../../../../migrations/0009_person_merge.sql"),
    include_str!("../../../../migrations/0010_search_speed.sql"),
    include_str!("../../../../migrations/0011_history.sql"),
    // Issue 11 (annotations).
    include_str!("../../../../migrations/0012_annotations.sql"),
    // Case files (issue 11).
    include_str!("../../../../migrations/0013_cases.sql"),
    include_str!("../../../../migrations/0014_search_fold.sql"),
    // Deletions and tombstones (issue 13).
    include_str!("../../../../migrations/0015_tombstones.sql"),
    // Consent withdrawn after sending (issue 13).
    include_str!("../../../../migrations/0016_consent_withdrawal.sql"),
    // Voice and video evidence (issue 13).
    include_str!("../../../../migrations/0017_media.sql"),
    // Redacted derivatives linked to sealed originals (issue 11).
    include_str!("../../../../migrations/0018_derivatives.sql"),
    // Photos taken in before a new incident's first save (issue 12).
    include_str!("../../../../migrations/0019_draft_attachments.sql"),
    // A restored vault's new device identity, and HQ's record of a replaced device (issue 16).
    include_str!("../../../../migrations/0020_device_replacement.sql"),
    // Perpetrator types as a controlled vocabulary (issue 12).
    include_str!("../../../../migrations/0021_perpetrator_types.sql"),
    // Received deletions applied here, forwarded to whoever was sent the record (issue 13).
    include_str!("../../../../migrations/0022_forwarded_deletions.sql"),
    // Search rows rewritten only when their indexed text changes (issue 14).
    include_str!("../../../../migrations/0023_search_reindex_on_text.sql"),
    // The search index written once per transaction, not once per statement (issue 14).
    include_str!("../../../../migrations/0024_search_deferred.sql"),
    // Record versions keyed by a small index, not by their snapshots (issue 14).
    include_str!("../../../../migrations/0025_history_rowid.sql"),
    // Checks without IN lists, which SQLite checks with a temporary b-tree (issue 14).
    include_str!("../../../../migrations/0026_checks_without_in_lists.sql"),
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATION_SQL.len() as i64;

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect())
}

/// How the database is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Create a new database file.
    Create,
    /// Open an existing one for reading and writing.
    ReadWrite,
    /// Open an existing one so that no byte of the folder changes: a read-only, immutable
    /// connection with `query_only`, no journal-mode switch, no lock, no checkpoint on close.
    ReadOnly,
}

/// The write-ahead log SQLite keeps beside the database at `path` (`<path>-wal`).
pub(super) fn log_path(path: &Path) -> std::path::PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

/// Opens (or, with [`Access::Create`], creates) the database at `path` keyed from `master`.
pub(super) fn open(path: &Path, master: &MasterKey, access: Access) -> Result<Connection> {
    let create = access == Access::Create;
    let base = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match access {
        Access::Create => Connection::open_with_flags(
            path,
            base | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )?,
        Access::ReadWrite => {
            Connection::open_with_flags(path, base | OpenFlags::SQLITE_OPEN_READ_WRITE)?
        }
        // See read_only.rs for why `immutable`.
        Access::ReadOnly => Connection::open_with_flags(
            super::read_only::immutable_uri(path)?,
            base | OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )?,
    };
    #[cfg(unix)]
    if create {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    // Must come before the key: SQLCipher then wipes and locks its key material in memory.
    conn.execute_batch("PRAGMA cipher_memory_security = ON;")?;
    let pragma = key_pragma(master)?;
    conn.execute_batch(&pragma)?;
    drop(pragma);
    // Exclusive locking must be set before the first read: a WAL database opened in shared mode
    // creates its `-shm` index file on disk, which exclusive mode keeps in process memory.
    // SQLCipher logs page HMAC failures to stderr by default (reset when the key is set): our
    // errors say it once, clearly, instead.
    conn.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA locking_mode = EXCLUSIVE;")?;
    // The key is only tried on first access: read the schema to verify it now.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| match Error::from(e) {
        Error::Corrupt(_) => Error::Corrupt(
            "the database cannot be decrypted with this vault's key (damaged or replaced)".into(),
        ),
        other => other,
    })?;
    conn.busy_timeout(Duration::from_secs(2))?;
    conn.set_prepared_statement_cache_capacity(crate::sql::STATEMENT_CACHE);
    register_functions(&conn)?;
    // EXCLUSIVE locking keeps the WAL index in process memory (no -shm file on disk) and stops a
    // second process from opening the vault while it is in use.
    conn.execute_batch(
        "PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;",
    )?;
    if access == Access::ReadOnly {
        // Every vault is in WAL mode already (its header says so); asking again would be a
        // write. `query_only` makes SQLite refuse any write this connection is asked for.
        conn.execute_batch("PRAGMA query_only = ON;")?;
        return Ok(conn);
    }
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Corrupt(format!(
            "could not switch the database to WAL (got {mode})"
        )));
    }
    // `wal_autocheckpoint = 1`: every commit is copied into the main file before the commit
    // returns (a passive checkpoint, which nothing blocks in exclusive mode). The log then
    // holds nothing the main file lacks, so a damaged or deleted `-wal` cannot silently take
    // the last acknowledged change away (SQLite drops a log tail whose checksum fails); only a
    // crash inside that window can leave a commit in the log alone (docs/security-testing.md).
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1;")?;
    // Take the exclusive lock now, so a second program gets a clear "in use" error at unlock.
    conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")?;
    Ok(conn)
}

/// Registers the application SQL functions the schema's views and triggers call (migration
/// 0014): `saksi_fold(text)` is [`crate::text::fold`], the matching form of search text
/// (NULL stays NULL). Every connection needs them before it writes a record.
pub(crate) fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "saksi_fold",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            use rusqlite::types::ValueRef;
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(b) => Some(crate::text::fold(&String::from_utf8_lossy(b))),
                ValueRef::Integer(i) => Some(i.to_string()),
                ValueRef::Real(f) => Some(f.to_string()),
                ValueRef::Null | ValueRef::Blob(_) => None,
            })
        },
    )?;
    Ok(())
}

/// The `PRAGMA key` statement for `master`'s SQLCipher key. The hex digits go straight from a
/// wiped buffer into a string allocated at its final size, so no unwiped copy of the key (a
/// `hex::encode` string, a reallocation while formatting) is left behind in freed memory.
fn key_pragma(master: &MasterKey) -> Result<Zeroizing<String>> {
    const HEAD: &str = "PRAGMA key = \"x'";
    const TAIL: &str = "'\";";
    let key = crate::crypto::kdf::subkey(master.expose(), "sqlcipher-raw-key");
    let mut digits = Zeroizing::new([0u8; 64]);
    hex::encode_to_slice(key.as_ref(), digits.as_mut())
        .map_err(|_| Error::Crypto("formatting the database key failed"))?;
    let digits = std::str::from_utf8(digits.as_ref())
        .map_err(|_| Error::Crypto("formatting the database key failed"))?;
    let mut pragma = Zeroizing::new(String::with_capacity(HEAD.len() + 64 + TAIL.len()));
    pragma.push_str(HEAD);
    pragma.push_str(digits);
    pragma.push_str(TAIL);
    Ok(pragma)
}

/// Applies pending migrations, all or nothing; refuses a database newer than this build.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_with(conn, &migrations(), SCHEMA_VERSION)
}

/// For a read-only open: the schema must already be this build's (upgrading it would write).
pub(super) fn check_current(conn: &Connection) -> Result<()> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        return Err(Error::ReadOnlyNeedsUpgrade {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn migrate_with(conn: &mut Connection, migs: &Migrations, supported: i64) -> Result<()> {
    // Migrations (0014) call the application functions; a connection not made by `open` (tests,
    // tools) gets them here.
    register_functions(conn)?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    if found < supported {
        migs.to_latest(conn).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => match Error::from(err) {
                Error::Database(inner) => Error::Migration(inner.to_string()),
                other => other,
            },
            other => Error::Migration(other.to_string()),
        })?;
    }
    // Records older than the history table get their baseline version, once (0011_history).
    if supported == SCHEMA_VERSION {
        crate::history::baseline_pending(conn)?;
        // Search rows noted by a write that did not go through Vault::write (none should):
        // written now rather than missing from every search (migration 0024).
        crate::search::pending::apply_now(conn)?;
    }
    Ok(())
}

/// Checkpoints the WAL into the main file (and truncates it), then closes. A read-only
/// connection only closes: a checkpoint would write.
pub(super) fn close(conn: Connection) -> Result<()> {
    if !conn.is_readonly(rusqlite::MAIN_DB)? {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    conn.close().map_err(|(_, e)| Error::from(e))
}

pub(super) fn integrity_problems(conn: &Connection) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    // A page that fails its HMAC makes the check itself fail: that is a finding, not an error.
    let unreadable = |e: rusqlite::Error| {
        format!("the database cannot be read in full (damaged or tampered pages): {e}")
    };
    type Finding = fn(String) -> Option<String>;
    let checks: [(&str, Finding); 3] = [
        ("PRAGMA cipher_integrity_check", |row| {
            Some(format!("encryption: {row}"))
        }),
        ("PRAGMA integrity_check", |row| {
            (row != "ok").then(|| format!("database: {row}"))
        }),
        ("PRAGMA foreign_key_check", |row| {
            Some(format!("dangling reference in table {row}"))
        }),
    ];
    for (sql, finding) in checks {
        let rows: rusqlite::Result<Vec<String>> = conn.prepare(sql).and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        });
        match rows {
            Ok(rows) => problems.extend(rows.into_iter().filter_map(finding)),
            Err(e) => {
                problems.push(unreadable(e));
                return Ok(problems);
            }
        }
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != SCHEMA_VERSION {
        problems.push(format!(
            "schema version {version}, expected {SCHEMA_VERSION}"
        ));
    }
    Ok(problems)
}

/// Tests: applies the first `version` migrations (e.g. to build a vault as an older build made it).
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut Connection, version: usize) -> Result<()> {
    let migs = Migrations::new(
        MIGRATION_SQL[..version]
            .iter()
            .map(|sql| M::up(sql))
            .collect(),
    );
    migrate_with(conn, &migs, version as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_conn() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn all_migrations_apply_to_an_empty_database() {
        let mut c = plain_conn();
        migrate(&mut c).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_applied() {
        let mut c = plain_conn();
        let migs = Migrations::new(vec![
            M::up(MIGRATION_SQL[0]),
            M::up("CREATE TABLE half_done (x); THIS IS NOT SQL;"),
        ]);
        let err = migrate_with(&mut c, &migs, 2).unwrap_err();
        assert_eq!(err.kind(), "migration", "{err}");
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            v, 0,
            "a failed migration run must leave the schema version unchanged"
        );
        let tables: i64 = c
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            tables, 0,
            "a failed migration run must not leave any table behind"
        );
    }

    #[test]
    fn checks_are_comparisons_that_refuse_what_they_refused_and_need_no_temporary_tree() {
        // A vault with records at schema 25, then migrated: 0026 edits four table definitions
        // in place and 0025 rebuilt record_version; the rows stay and still satisfy them.
        let mut c = plain_conn();
        migrate_to(&mut c, 25).unwrap();
        c.execute_batch(
            "INSERT INTO incident (id, title, description, sensitivity, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000001', 'kept', '', 'high', 't', 't', 'd');
             INSERT INTO person (id, primary_name, sex, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000003', 'Sokha', 'female', 't', 't', 'd');
             INSERT INTO person_name (person_id, position, name, kind) VALUES ('00000000-0000-4000-8000-000000000003', 0, 'សុខា', 'original');
             INSERT INTO testimony (id, incident_id, body, consent_publication, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000001', 'body', 'anonymous', 't', 't', 'd');
             INSERT INTO record_version (record_type, record_id, version, content_hash, device_id, at, origin, snapshot)
                 VALUES ('incident', '00000000-0000-4000-8000-000000000001', 1, 'h', 'd', 't', 'created', '{}');",
        )
        .unwrap();
        migrate(&mut c).unwrap();
        let ok: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let kept: i64 = c
            .query_row(
                "SELECT (SELECT count(*) FROM incident WHERE sensitivity = 'high')
                      + (SELECT count(*) FROM person WHERE sex = 'female')
                      + (SELECT count(*) FROM person_name WHERE kind = 'original')
                      + (SELECT count(*) FROM testimony WHERE consent_publication = 'anonymous')
                      + (SELECT count(*) FROM record_version WHERE origin = 'created')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 5, "every row survives the migrations unchanged");
        for table in [
            "incident",
            "person",
            "person_name",
            "testimony",
            "record_version",
        ] {
            let sql: String = c
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(
                !sql.contains("sensitivity IN")
                    && !sql.contains("sex IN")
                    && !sql.contains("kind IN")
                    && !sql.contains("consent_publication IN")
                    && !sql.contains("origin IN"),
                "{table}: a check on a list of more than two values must be comparisons: {sql}"
            );
        }
        let inserts = [
            "INSERT INTO incident (id, title, description, sensitivity, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000002', 'x', '', ?1, 't', 't', 'd')",
            "INSERT INTO person (id, primary_name, sex, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000004', 'x', ?1, 't', 't', 'd')",
            "INSERT INTO person_name (person_id, position, name, kind) VALUES ('00000000-0000-4000-8000-000000000003', 1, 'x', ?1)",
            "INSERT INTO testimony (id, incident_id, body, consent_publication, created_at, updated_at, device_id)
                 VALUES ('00000000-0000-4000-8000-000000000006', '00000000-0000-4000-8000-000000000001', 'x', ?1, 't', 't', 'd')",
            "INSERT INTO record_version (record_type, record_id, version, content_hash, device_id, at, origin, snapshot)
                 VALUES ('incident', '00000000-0000-4000-8000-000000000001', 9, 'h', 'd', 't', ?1, '{}')",
        ];
        for sql in inserts {
            let mut plan = c.prepare(&format!("EXPLAIN {sql}")).unwrap();
            let ops: Vec<String> = plan
                .query_map(["x"], |r| r.get(1))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                !ops.iter().any(|o| o == "OpenEphemeral"),
                "checking a row must not build a temporary b-tree: {sql}"
            );
            let err = c.execute(sql, ["not-a-value"]).unwrap_err();
            assert!(
                err.to_string().contains("CHECK constraint failed"),
                "a value outside the list must still be refused: {sql}: {err}"
            );
        }
        for (sql, good) in
            inserts
                .iter()
                .zip(["restricted", "unknown", "alias", "named", "baseline"])
        {
            c.execute(sql, [good])
                .unwrap_or_else(|e| panic!("{good} must still be allowed: {sql}: {e}"));
        }
    }

    #[test]
    fn a_newer_schema_is_refused_without_change() {
        let mut c = plain_conn();
        migrate(&mut c).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut c).unwrap_err();
        assert!(matches!(err, Error::SchemaTooNew { .. }), "{err}");
    }

    #[test]
    fn sqlcipher_key_is_not_left_unwiped_in_freed_memory() {
        let (_tmp, v) = crate::testutil::vault();
        let dir = v.dir().to_path_buf();
        let key_hex = hex::encode(v.subkey("sqlcipher-raw-key").as_ref());
        v.lock().unwrap();
        let (opened, hits) =
            crate::testutil::freed::count_in_freed(&[key_hex.as_bytes(), b"PRAGMA key"], || {
                crate::vault::Vault::open(&dir, &crate::testutil::pass())
            });
        opened.unwrap();
        assert_eq!(
            hits, 0,
            "unlocking must wipe every copy of the SQLCipher key (hex or PRAGMA text) before freeing it"
        );
    }
}
