-- The search index is written once per transaction, not once per statement (issue 14).
-- Append-only: never edit this file after release; add a new numbered file instead.
--
-- Until now the triggers wrote search_index (FTS5) in the statement that changed the record.
-- Every later statement of the same transaction that opens a statement journal (any INSERT that
-- fires a trigger: the next record, its history row, its custody entry) then calls FTS5's
-- xSavepoint, which flushes the terms collected so far to a new segment on disk: one tiny
-- segment per statement, merged again and again. In a batch of 1,000 records that was 31 % of
-- the time (perf: fts5SavepointMethod -> sqlite3Fts5FlushToDisk, docs/benchmarks.md).
--
-- Now the insert and update triggers only note the record's search_row id in search_pending;
-- the core's one transaction helper (Vault::write, crate::search::apply_pending) rewrites the
-- noted rows from search_source just before it commits, in the same transaction, so a search
-- never sees a record without its row. Deletions still remove the row in the deleting statement
-- (rare, and with secure-delete the old text must go at once). search_source and search_row are
-- unchanged; what a search finds is unchanged.

CREATE TABLE search_pending (row_id INTEGER PRIMARY KEY);

DROP TRIGGER incident_search_ai;
CREATE TRIGGER incident_search_ai AFTER INSERT ON incident BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('incident', new.id);
    INSERT OR IGNORE INTO search_pending (row_id) VALUES (last_insert_rowid());
END;
DROP TRIGGER incident_search_au;
CREATE TRIGGER incident_search_au
AFTER UPDATE OF id, title, description, place_name, admin_area ON incident BEGIN
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'incident' AND record_id = old.id AND new.id <> old.id;
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'incident' AND record_id = new.id;
END;

DROP TRIGGER testimony_search_ai;
CREATE TRIGGER testimony_search_ai AFTER INSERT ON testimony BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('testimony', new.id);
    INSERT OR IGNORE INTO search_pending (row_id) VALUES (last_insert_rowid());
END;
DROP TRIGGER testimony_search_au;
CREATE TRIGGER testimony_search_au
AFTER UPDATE OF id, body, interviewer, interview_place ON testimony BEGIN
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'testimony' AND record_id = old.id AND new.id <> old.id;
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'testimony' AND record_id = new.id;
END;

DROP TRIGGER person_search_ai;
CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('person', new.id);
    INSERT OR IGNORE INTO search_pending (row_id) VALUES (last_insert_rowid());
END;
DROP TRIGGER person_search_au;
CREATE TRIGGER person_search_au AFTER UPDATE OF primary_name ON person BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.id;
END;
DROP TRIGGER person_name_search_ai;
CREATE TRIGGER person_name_search_ai AFTER INSERT ON person_name BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.person_id;
END;
DROP TRIGGER person_name_search_ad;
CREATE TRIGGER person_name_search_ad AFTER DELETE ON person_name BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'person' AND record_id = old.person_id;
END;

DROP TRIGGER annotation_search_ai;
CREATE TRIGGER annotation_search_ai AFTER INSERT ON annotation BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('annotation', new.id);
    INSERT OR IGNORE INTO search_pending (row_id) VALUES (last_insert_rowid());
END;
DROP TRIGGER annotation_search_au;
CREATE TRIGGER annotation_search_au AFTER UPDATE ON annotation BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = new.id;
END;
DROP TRIGGER annotation_tag_search_ai;
CREATE TRIGGER annotation_tag_search_ai AFTER INSERT ON annotation_tag BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = new.annotation_id;
END;
DROP TRIGGER annotation_tag_search_ad;
CREATE TRIGGER annotation_tag_search_ad AFTER DELETE ON annotation_tag BEGIN
    INSERT OR IGNORE INTO search_pending (row_id)
        SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = old.annotation_id;
END;
