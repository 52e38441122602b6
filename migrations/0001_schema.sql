-- Saksi schema v1: the HURIDOCS Events Standard Formats, made practical.
-- Append-only: never edit this file after release; add a new numbered file instead.
-- Every record table carries: id (UUIDv7 text), created_at/updated_at (RFC 3339 UTC),
-- device_id (the device that made the current version) and version (incremented on every edit;
-- HQ merge relies on it).

CREATE TABLE device_self (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    signing_key BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE vocab_incident_kind (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);
CREATE TABLE vocab_role (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);
CREATE TABLE vocab_proceeding_kind (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    custody TEXT NOT NULL CHECK (custody IN ('starts', 'ends', 'none')),
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);
CREATE TABLE vocab_intervention_kind (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);

CREATE TABLE incident (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    start_date      TEXT,
    start_precision TEXT NOT NULL DEFAULT 'unknown',
    end_date        TEXT,
    end_precision   TEXT NOT NULL DEFAULT 'unknown',
    place_name      TEXT,
    admin_area      TEXT,
    latitude        REAL,
    longitude       REAL,
    verification    TEXT NOT NULL DEFAULT 'alleged' CHECK (verification IN ('alleged', 'verified')),
    sensitivity     TEXT NOT NULL DEFAULT 'normal' CHECK (sensitivity IN ('normal', 'high', 'restricted')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE incident_kind (
    incident_id TEXT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL REFERENCES vocab_incident_kind(code),
    PRIMARY KEY (incident_id, kind)
) WITHOUT ROWID;

-- Chains of events: "the arrest followed the demonstration".
CREATE TABLE incident_link (
    from_id  TEXT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
    to_id    TEXT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
    relation TEXT NOT NULL DEFAULT 'related',
    PRIMARY KEY (from_id, to_id),
    CHECK (from_id <> to_id)
) WITHOUT ROWID;

CREATE TABLE person (
    id              TEXT PRIMARY KEY,
    primary_name    TEXT NOT NULL,
    sex             TEXT CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    birth_date      TEXT,
    birth_precision TEXT NOT NULL DEFAULT 'unknown',
    occupation      TEXT,
    notes           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);

-- A Khmer name and its Latin spellings are one person.
CREATE TABLE person_name (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('original', 'romanisation', 'alias')),
    script    TEXT,
    PRIMARY KEY (person_id, position)
) WITHOUT ROWID;

CREATE TABLE person_nationality (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    country   TEXT NOT NULL,
    PRIMARY KEY (person_id, country)
) WITHOUT ROWID;

CREATE TABLE affiliation (
    person_id    TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    organisation TEXT NOT NULL,
    org_type     TEXT,
    role         TEXT,
    start_date   TEXT,
    end_date     TEXT,
    PRIMARY KEY (person_id, position)
) WITHOUT ROWID;

-- Contact details live apart so that they can be withheld from exports and views.
CREATE TABLE person_contact (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (person_id, position)
) WITHOUT ROWID;

-- An act: incident x person x role, with the details of what was done.
CREATE TABLE involvement (
    id                TEXT PRIMARY KEY,
    incident_id       TEXT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
    person_id         TEXT REFERENCES person(id) ON DELETE CASCADE,
    role              TEXT NOT NULL REFERENCES vocab_role(code),
    act_type          TEXT,
    method            TEXT,
    injuries          TEXT,
    perpetrator_type  TEXT,
    perpetrator_unit  TEXT,
    degree            TEXT,
    counting_unit     TEXT NOT NULL DEFAULT 'individual' CHECK (counting_unit IN ('individual', 'group')),
    group_description TEXT,
    count_min         INTEGER CHECK (count_min IS NULL OR count_min >= 0),
    count_max         INTEGER CHECK (count_max IS NULL OR count_max >= 0),
    notes             TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    device_id         TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    CHECK (counting_unit = 'group' OR person_id IS NOT NULL),
    CHECK (count_min IS NULL OR count_max IS NULL OR count_min <= count_max)
);
CREATE INDEX involvement_incident ON involvement(incident_id);
CREATE INDEX involvement_person ON involvement(person_id);

CREATE TABLE proceeding (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    incident_id      TEXT REFERENCES incident(id) ON DELETE SET NULL,
    kind             TEXT NOT NULL REFERENCES vocab_proceeding_kind(code),
    date             TEXT,
    date_precision   TEXT NOT NULL DEFAULT 'unknown',
    authority        TEXT,
    case_number      TEXT,
    charges          TEXT,
    law_cited        TEXT,
    sentence_months  INTEGER CHECK (sentence_months IS NULL OR sentence_months >= 0),
    in_absentia      INTEGER NOT NULL DEFAULT 0 CHECK (in_absentia IN (0, 1)),
    detention_place  TEXT,
    notes            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX proceeding_person ON proceeding(person_id);

CREATE TABLE testimony (
    id                  TEXT PRIMARY KEY,
    incident_id         TEXT NOT NULL REFERENCES incident(id) ON DELETE CASCADE,
    witness_id          TEXT REFERENCES person(id) ON DELETE SET NULL,
    anonymous           INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    interviewer         TEXT,
    interviewed_at      TEXT,
    interview_place     TEXT,
    language            TEXT,
    body                TEXT NOT NULL,
    consent_internal    INTEGER NOT NULL DEFAULT 0 CHECK (consent_internal IN (0, 1)),
    consent_share_hq    INTEGER NOT NULL DEFAULT 0 CHECK (consent_share_hq IN (0, 1)),
    consent_legal       INTEGER NOT NULL DEFAULT 0 CHECK (consent_legal IN (0, 1)),
    consent_publication TEXT NOT NULL DEFAULT 'none' CHECK (consent_publication IN ('none', 'anonymous', 'named')),
    consent_method      TEXT,
    consent_given_at    TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    device_id           TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX testimony_incident ON testimony(incident_id);

CREATE TABLE intervention (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT REFERENCES incident(id) ON DELETE SET NULL,
    person_id    TEXT REFERENCES person(id) ON DELETE SET NULL,
    intervener   TEXT NOT NULL,
    addressee    TEXT,
    kind         TEXT NOT NULL REFERENCES vocab_intervention_kind(code),
    date         TEXT,
    response     TEXT,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('planned', 'open', 'answered', 'closed')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

-- Full-text search. The trigram tokenizer matches any substring of 3+ characters, which is what
-- Khmer (written without spaces between words) needs; shorter queries use LIKE on the same table.
-- Kept in sync by the triggers below, inside the writing transaction.
CREATE VIRTUAL TABLE search_index USING fts5(
    record_type UNINDEXED, record_id UNINDEXED, title, body,
    tokenize = 'trigram case_sensitive 0'
);

CREATE TRIGGER incident_search_ai AFTER INSERT ON incident BEGIN
    INSERT INTO search_index (record_type, record_id, title, body)
    VALUES ('incident', new.id, new.title,
            new.description || ' ' || coalesce(new.place_name, '') || ' ' || coalesce(new.admin_area, ''));
END;
CREATE TRIGGER incident_search_au AFTER UPDATE ON incident BEGIN
    DELETE FROM search_index WHERE record_type = 'incident' AND record_id = old.id;
    INSERT INTO search_index (record_type, record_id, title, body)
    VALUES ('incident', new.id, new.title,
            new.description || ' ' || coalesce(new.place_name, '') || ' ' || coalesce(new.admin_area, ''));
END;
CREATE TRIGGER incident_search_ad AFTER DELETE ON incident BEGIN
    DELETE FROM search_index WHERE record_type = 'incident' AND record_id = old.id;
END;

CREATE TRIGGER testimony_search_ai AFTER INSERT ON testimony BEGIN
    INSERT INTO search_index (record_type, record_id, title, body)
    VALUES ('testimony', new.id, '', new.body);
END;
CREATE TRIGGER testimony_search_au AFTER UPDATE ON testimony BEGIN
    DELETE FROM search_index WHERE record_type = 'testimony' AND record_id = old.id;
    INSERT INTO search_index (record_type, record_id, title, body)
    VALUES ('testimony', new.id, '', new.body);
END;
CREATE TRIGGER testimony_search_ad AFTER DELETE ON testimony BEGIN
    DELETE FROM search_index WHERE record_type = 'testimony' AND record_id = old.id;
END;

-- A person's row holds every name (original script, romanisations, aliases).
CREATE TRIGGER person_search_ai AFTER INSERT ON person BEGIN
    INSERT INTO search_index (record_type, record_id, title, body)
    VALUES ('person', new.id, new.primary_name, '');
END;
CREATE TRIGGER person_search_au AFTER UPDATE OF primary_name ON person BEGIN
    UPDATE search_index SET title = new.primary_name
    WHERE record_type = 'person' AND record_id = new.id;
END;
CREATE TRIGGER person_search_ad AFTER DELETE ON person BEGIN
    DELETE FROM search_index WHERE record_type = 'person' AND record_id = old.id;
END;
CREATE TRIGGER person_name_search_ai AFTER INSERT ON person_name BEGIN
    UPDATE search_index
    SET body = (SELECT group_concat(name, ' ') FROM person_name WHERE person_id = new.person_id)
    WHERE record_type = 'person' AND record_id = new.person_id;
END;
CREATE TRIGGER person_name_search_ad AFTER DELETE ON person_name BEGIN
    UPDATE search_index
    SET body = coalesce((SELECT group_concat(name, ' ') FROM person_name WHERE person_id = old.person_id), '')
    WHERE record_type = 'person' AND record_id = old.person_id;
END;
