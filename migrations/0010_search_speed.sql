-- Search speed (issue 14): index writes that do not slow down as the vault grows, and indexes for
-- the search filters. Append-only: never edit this file after release; add a new numbered file.
--
-- Before: the triggers found a record's row in the FTS5 table by its UNINDEXED record_type and
-- record_id columns, which FTS5 cannot look up: every edit scanned the whole index
-- (EXPLAIN QUERY PLAN: SCAN search_index VIRTUAL TABLE). Now `search_row` maps each record to the
-- FTS rowid of its row, and the triggers write by rowid (a b-tree lookup). The text indexed for a
-- record is defined once, in the view `search_source`; the rebuild below and every trigger read
-- it, so what is indexed stays exactly what 0001 indexed.

DROP TRIGGER incident_search_ai;
DROP TRIGGER incident_search_au;
DROP TRIGGER incident_search_ad;
DROP TRIGGER testimony_search_ai;
DROP TRIGGER testimony_search_au;
DROP TRIGGER testimony_search_ad;
DROP TRIGGER person_search_ai;
DROP TRIGGER person_search_au;
DROP TRIGGER person_search_ad;
DROP TRIGGER person_name_search_ai;
DROP TRIGGER person_name_search_ad;
DROP TABLE search_index;

-- One row per indexed record; `id` is the rowid of the record's row in search_index.
CREATE TABLE search_row (
    id          INTEGER PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    UNIQUE (record_type, record_id)
);

-- Same columns and tokenizer as 0001, so queries and results are unchanged.
CREATE VIRTUAL TABLE search_index USING fts5(
    record_type UNINDEXED, record_id UNINDEXED, title, body,
    tokenize = 'trigram case_sensitive 0'
);

-- The indexed text of every record (the one place to change it, e.g. to fold Khmer spellings:
-- wrap title and body in a registered function in a later migration and rebuild).
CREATE VIEW search_source (record_type, record_id, title, body) AS
    SELECT 'incident', i.id, i.title,
           i.description || ' ' || coalesce(i.place_name, '') || ' ' || coalesce(i.admin_area, '')
    FROM incident i
    UNION ALL
    SELECT 'testimony', t.id, '', t.body FROM testimony t
    UNION ALL
    SELECT 'person', p.id, p.primary_name,
           coalesce((SELECT group_concat(n.name, ' ') FROM person_name n WHERE n.person_id = p.id), '')
    FROM person p;

INSERT INTO search_row (record_type, record_id)
    SELECT record_type, record_id FROM search_source;
INSERT INTO search_index (rowid, record_type, record_id, title, body)
    SELECT r.id, s.record_type, s.record_id, s.title, s.body
    FROM search_source s JOIN search_row r ON r.record_type = s.record_type AND r.record_id = s.record_id;

-- Writes by rowid. An update replaces the row's text under the same rowid.
CREATE TRIGGER incident_search_ai AFTER INSERT ON incident BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('incident', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'incident' AND record_id = new.id;
END;
CREATE TRIGGER incident_search_au AFTER UPDATE ON incident BEGIN
    UPDATE search_index SET (record_id, title, body) =
        (SELECT record_id, title, body FROM search_source WHERE record_type = 'incident' AND record_id = new.id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'incident' AND record_id = old.id);
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'incident' AND record_id = old.id AND new.id <> old.id;
END;
CREATE TRIGGER incident_search_ad AFTER DELETE ON incident BEGIN
    DELETE FROM search_index
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'incident' AND record_id = old.id);
    DELETE FROM search_row WHERE record_type = 'incident' AND record_id = old.id;
END;

CREATE TRIGGER testimony_search_ai AFTER INSERT ON testimony BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('testimony', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        VALUES (last_insert_rowid(), 'testimony', new.id, '', new.body);
END;
CREATE TRIGGER testimony_search_au AFTER UPDATE ON testimony BEGIN
    UPDATE search_index SET (record_id, title, body) = (new.id, '', new.body)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'testimony' AND record_id = old.id);
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'testimony' AND record_id = old.id AND new.id <> old.id;
END;
CREATE TRIGGER testimony_search_ad AFTER DELETE ON testimony BEGIN
    DELETE FROM search_index
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'testimony' AND record_id = old.id);
    DELETE FROM search_row WHERE record_type = 'testimony' AND record_id = old.id;
END;

-- A person's row holds every name (original script, romanisations, aliases).
CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'person' AND record_id = new.id;
END;
CREATE TRIGGER person_search_au AFTER UPDATE OF primary_name ON person BEGIN
    UPDATE search_index SET title = new.primary_name
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.id);
END;
CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN
    DELETE FROM search_index
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = old.id);
    DELETE FROM search_row WHERE record_type = 'person' AND record_id = old.id;
END;
CREATE TRIGGER person_name_search_ai AFTER INSERT ON person_name BEGIN
    UPDATE search_index
    SET body = coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = new.person_id), '')
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.person_id);
END;
CREATE TRIGGER person_name_search_ad AFTER DELETE ON person_name BEGIN
    UPDATE search_index
    SET body = coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = old.person_id), '')
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = old.person_id);
END;

-- Filters: incidents by kind, by role and person involved; pages of incidents newest first (the
-- order of a filter-only search, read from this index and stopped when the page is full). No
-- plain start_date index: without statistics the planner would prefer it to the ordered walk.
CREATE INDEX incident_kind_by_kind ON incident_kind (kind, incident_id);
CREATE INDEX involvement_by_role ON involvement (role, incident_id);
CREATE INDEX involvement_by_person_role ON involvement (person_id, role, incident_id);
CREATE INDEX incident_newest ON incident (start_date IS NULL, start_date DESC, id DESC);
