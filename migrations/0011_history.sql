-- Record history: every version of every record written in this vault (an edit here, an update
-- or a conflict resolution applied by an import), as a canonical JSON snapshot. See
-- docs/vault-format.md, "Record history".
-- Append-only: never edit this file after release; add a new numbered file instead.

-- version:      1, 2, 3… per record, in the order this vault came to hold them (not the
--               record's own `version` column, which the snapshot carries).
-- content_hash: SHA-256 (hex) of `snapshot`; the custody entry of the version names it.
-- device_id:    the device that wrote the version (this one, or the monitor whose bundle
--               brought it); at: when that device wrote it.
-- origin:       'created', 'edited', 'imported', 'resolved', or 'baseline' (a record that
--               existed before history was kept: its older versions are not known).
-- snapshot:     the record as written, without contact details and without fields derived
--               from other records (see history/mod.rs).
CREATE TABLE record_version (
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    content_hash TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    at           TEXT NOT NULL,
    origin       TEXT NOT NULL
        CHECK (origin IN ('created', 'edited', 'imported', 'resolved', 'baseline')),
    snapshot     TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id, version)
) WITHOUT ROWID;

-- Records that existed before this migration get a 'baseline' version at the next writable
-- unlock (the snapshot is made by the program, not in SQL); this row says it is still to do.
CREATE TABLE history_baseline_pending (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
INSERT INTO history_baseline_pending (id) VALUES (1);
