-- A record's search row is rewritten only when its indexed text changes (issue 14). Append-only:
-- never edit this file after release; add a new numbered file instead.
--
-- 0014's update triggers fired on any UPDATE of an incident or a testimony, so a change that
-- touches no indexed text (an incident's version bumped when an act is removed, a conflict's
-- resolution) rewrote the record's row in search_index, which with `secure-delete` (0015)
-- removes every token of the old text from the segment pages that hold it: 60-150 ms at HQ's
-- sizes for nothing. The triggers below are 0014's, limited to the columns `search_source`
-- reads (incident: title, description, place_name, admin_area; testimony: body, interviewer,
-- interview_place) and the id that search_row maps.

DROP TRIGGER incident_search_au;
CREATE TRIGGER incident_search_au
AFTER UPDATE OF id, title, description, place_name, admin_area ON incident BEGIN
    UPDATE search_index SET (record_id, title, body) =
        (SELECT record_id, title, body FROM search_source WHERE record_type = 'incident' AND record_id = new.id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'incident' AND record_id = old.id);
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'incident' AND record_id = old.id AND new.id <> old.id;
END;

DROP TRIGGER testimony_search_au;
CREATE TRIGGER testimony_search_au
AFTER UPDATE OF id, body, interviewer, interview_place ON testimony BEGIN
    UPDATE search_index SET (record_id, title, body) =
        (SELECT record_id, title, body FROM search_source WHERE record_type = 'testimony' AND record_id = new.id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'testimony' AND record_id = old.id);
    UPDATE search_row SET record_id = new.id
    WHERE record_type = 'testimony' AND record_id = old.id AND new.id <> old.id;
END;
