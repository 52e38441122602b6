-- Record lineage: which version of each record this vault holds, and which versions it descends
-- from, so that an import applies an incoming version only as a fast-forward from exactly the
-- version held here (threat-model invariant 9). See docs/bundle-format.md, "Merging".
-- Append-only: never edit this file after release; add a new numbered file instead.

-- head_sha256:   the version hash of the current version, as its author named it.
-- stored_sha256: the version hash of the rows as stored here when head_sha256 was set; when the
--                rows hash differently later, they were edited here, and the edit becomes the
--                new head (the old head its first ancestor).
-- ancestors:     JSON array of version hashes, newest first, at most 1000.
CREATE TABLE record_lineage (
    record_type   TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    head_sha256   TEXT NOT NULL,
    stored_sha256 TEXT NOT NULL,
    ancestors     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (record_type, record_id)
) WITHOUT ROWID;
