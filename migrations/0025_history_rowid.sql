-- Record versions in a rowid table (issue 14). Append-only: never edit this file after release;
-- add a new numbered file instead.
--
-- 0011 made record_version a WITHOUT ROWID table: the whole row, the JSON snapshot with it, is
-- then the b-tree's key. A snapshot rarely fits in a page, and SQLite compares a key that
-- overflows by reading it whole (sqlite3BtreeIndexMoveto: one allocation, and every overflow
-- page decrypted) at each step of every seek: storing one version took 14 % of a batch of
-- records (perf, docs/benchmarks.md), more as the table grew. Now the key is the small unique
-- index (record_type, record_id, version) and the snapshot stays in its row until it is read.
-- Columns, what the constraints allow, and contents are unchanged; the check on `origin` is
-- written as comparisons, not as an IN list: SQLite checks an IN list of more than two
-- constants by building a temporary b-tree at every statement (see 0026).

CREATE TABLE record_version_rowid (
    id           INTEGER PRIMARY KEY,
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    content_hash TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    at           TEXT NOT NULL,
    origin       TEXT NOT NULL
        CHECK (origin = 'created' OR origin = 'edited' OR origin = 'imported'
               OR origin = 'resolved' OR origin = 'baseline'),
    snapshot     TEXT NOT NULL,
    UNIQUE (record_type, record_id, version)
);
INSERT INTO record_version_rowid
    (record_type, record_id, version, content_hash, device_id, at, origin, snapshot)
    SELECT record_type, record_id, version, content_hash, device_id, at, origin, snapshot
    FROM record_version ORDER BY record_type, record_id, version;
DROP TABLE record_version;
ALTER TABLE record_version_rowid RENAME TO record_version;
