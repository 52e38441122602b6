-- Person merges: HQ's statement that two person records are one person. A merge is a link beside
-- the records, never a change to them: both person rows keep their author, versions and lineage,
-- so a later bundle carrying either monitor's record still fast-forwards onto it.
-- See docs/data-model.md, "Merged persons".
-- Append-only: never edit this file after release; add a new numbered file instead.

-- person_id:   the person linked (at most one link each).
-- into_id:     the person it was merged into (which may itself be merged into another).
-- identity_id: the final target of the chain (the group's one unlinked person), kept up to date
--              in the same transaction as every merge and unmerge, so that counting unique
--              persons is a plain join (measured on 20 000 persons with 5 000 links: one
--              person's identity in 7 us, against 62 ms through a recursive view).
CREATE TABLE person_merge (
    person_id        TEXT PRIMARY KEY REFERENCES person(id) ON DELETE CASCADE,
    into_id          TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    identity_id      TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    merged_at        TEXT NOT NULL,
    merged_by_device TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    CHECK (person_id <> into_id),
    CHECK (person_id <> identity_id)
) WITHOUT ROWID;
CREATE INDEX person_merge_into ON person_merge(into_id);
CREATE INDEX person_merge_identity ON person_merge(identity_id);

-- Every person and the identity it counts as (itself, unless merged). Reports count unique
-- persons by identity_id. Dropped first: migration 0008 may already have made it (as every
-- person being its own identity).
DROP VIEW IF EXISTS person_identity;
CREATE VIEW person_identity AS
    SELECT p.id AS person_id, coalesce(m.identity_id, p.id) AS identity_id
    FROM person p LEFT JOIN person_merge m ON m.person_id = p.id;
