-- Search folds text as monitors type it (issue 12). Append-only: never edit this file after
-- release; add a new numbered file.
--
-- The indexed text is now the matching form of the records' text, `saksi_fold(...)`: Unicode
-- NFC, invisible characters (zero-width space, joiners, bidi marks, soft hyphen...) removed,
-- Khmer digits as ASCII digits, lower case, runs of white space as one space. It is the
-- application function `crate::text::fold` (the one the duplicate finder uses), registered on
-- every connection by `vault/db.rs`; the query is folded the same way (search::prepare_query_text).
-- The index is for matching only: what search shows is read from the records themselves.
--
-- Testimony rows now also hold the interviewer and the interview place; annotations (0012) keep
-- their arm of the view.

DROP TRIGGER incident_search_ai;
DROP TRIGGER incident_search_au;
DROP TRIGGER testimony_search_ai;
DROP TRIGGER testimony_search_au;
DROP TRIGGER person_search_ai;
DROP TRIGGER person_search_au;
DROP TRIGGER person_name_search_ai;
DROP TRIGGER person_name_search_ad;
DROP VIEW search_source;

CREATE VIEW search_source (record_type, record_id, title, body) AS
    SELECT 'incident', i.id, saksi_fold(i.title),
           saksi_fold(i.description || ' ' || coalesce(i.place_name, '') || ' ' || coalesce(i.admin_area, ''))
    FROM incident i
    UNION ALL
    SELECT 'testimony', t.id, '',
           saksi_fold(t.body || ' ' || coalesce(t.interviewer, '') || ' ' || coalesce(t.interview_place, ''))
    FROM testimony t
    UNION ALL
    SELECT 'person', p.id, saksi_fold(p.primary_name),
           saksi_fold(coalesce((SELECT group_concat(n.name, ' ') FROM person_name n WHERE n.person_id = p.id), ''))
    FROM person p
    UNION ALL
    -- Annotations (0012): the note and the tag codes; 0012's triggers read this view.
    SELECT 'annotation', a.id, '',
           saksi_fold(a.note || ' ' ||
           coalesce((SELECT group_concat(g.code, ' ') FROM annotation_tag g WHERE g.annotation_id = a.id), ''))
    FROM annotation a;

-- The rebuild: every row under its rowid (search_row is unchanged), now from the folded view.
DELETE FROM search_index;
INSERT INTO search_index (rowid, record_type, record_id, title, body)
    SELECT r.id, s.record_type, s.record_id, s.title, s.body
    FROM search_source s JOIN search_row r ON r.record_type = s.record_type AND r.record_id = s.record_id;

-- The same writes by rowid as 0010; every text now comes from search_source.
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

CREATE TRIGGER testimony_search_ai AFTER INSERT ON testimony BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('testimony', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'testimony' AND record_id = new.id;
END;
CREATE TRIGGER testimony_search_au AFTER UPDATE ON testimony BEGIN
    UPDATE search_index SET (record_id, title, body) =
        (SELECT record_id, title, body FROM search_source WHERE record_type = 'testimony' AND record_id = new.id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'testimony' AND record_id = old.id);
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'testimony' AND record_id = old.id AND new.id <> old.id;
END;

CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('person', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'person' AND record_id = new.id;
END;
CREATE TRIGGER person_search_au AFTER UPDATE OF primary_name ON person BEGIN
    UPDATE search_index SET title = saksi_fold(new.primary_name)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.id);
END;
CREATE TRIGGER person_name_search_ai AFTER INSERT ON person_name BEGIN
    UPDATE search_index
    SET body = saksi_fold(coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = new.person_id), ''))
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = new.person_id);
END;
CREATE TRIGGER person_name_search_ad AFTER DELETE ON person_name BEGIN
    UPDATE search_index
    SET body = saksi_fold(coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = old.person_id), ''))
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'person' AND record_id = old.person_id);
END;
