-- The same checks, written as comparisons (issue 14). Append-only: never edit this file after
-- release; add a new numbered file instead.
--
-- SQLite checks `x IN (a, b, c)` with more than two constants by building a temporary b-tree of
-- the list (with its own page cache) at every statement that checks it: at every insert and
-- update of an incident (sensitivity), a person (sex), a person's name (kind) and a testimony
-- (consent to publication). With every SQLite allocation locked in memory
-- (cipher_memory_security) that was about a fifth of a batch of records (perf: sqlite3BtreeOpen
-- and sqlite3BtreeClose under OP_OpenEphemeral; docs/benchmarks.md).
--
-- What each check allows is unchanged, so the stored rows already satisfy the new text and no
-- table needs rebuilding: the table definitions are edited in place, the change SQLite's
-- documentation gives for constraints that leave the file format alone (ALTER TABLE, "Making
-- Other Kinds Of Table Schema Changes"). A table whose text does not hold the old check exactly
-- is left alone; migration tests check that every one was changed and that each check still
-- refuses what it refused.

PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (sensitivity IN (''normal'', ''high'', ''restricted''))',
    'CHECK (sensitivity = ''normal'' OR sensitivity = ''high'' OR sensitivity = ''restricted'')')
WHERE type = 'table' AND name = 'incident';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (sex IN (''female'', ''male'', ''other'', ''unknown''))',
    'CHECK (sex = ''female'' OR sex = ''male'' OR sex = ''other'' OR sex = ''unknown'')')
WHERE type = 'table' AND name = 'person';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (kind IN (''original'', ''romanisation'', ''alias''))',
    'CHECK (kind = ''original'' OR kind = ''romanisation'' OR kind = ''alias'')')
WHERE type = 'table' AND name = 'person_name';
UPDATE sqlite_schema SET sql = replace(sql,
    'CHECK (consent_publication IN (''none'', ''anonymous'', ''named''))',
    'CHECK (consent_publication = ''none'' OR consent_publication = ''anonymous'' OR consent_publication = ''named'')')
WHERE type = 'table' AND name = 'testimony';
-- A schema change of the ordinary kind moves the schema cookie on, so any other connection
-- reads the schema again; RESET makes this one read it again now.
CREATE TABLE schema_reload (x);
DROP TABLE schema_reload;
PRAGMA writable_schema = RESET;
