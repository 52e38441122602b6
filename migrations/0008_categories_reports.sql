-- HQ analysis (issue 10c): person categories, new incident kinds, proceedings against groups of
-- unnamed perpetrators, and the identity view every count of unique people goes through.

CREATE TABLE vocab_person_category (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);

INSERT INTO vocab_person_category (code, sort, label_en, label_km, label_fr) VALUES
 ('human_rights_defender', 10, 'Human rights defender', 'អ្នកការពារសិទ្ធិមនុស្ស', 'Défenseur·e des droits humains'),
 ('land_environment_defender', 20, 'Land and environmental rights defender', 'អ្នកការពារសិទ្ធិដីធ្លី និងបរិស្ថាន', 'Défenseur·e des droits fonciers et environnementaux'),
 ('journalist', 30, 'Journalist', 'អ្នកសារព័ត៌មាន', 'Journaliste'),
 ('trade_unionist', 40, 'Trade unionist', 'សកម្មជនសហជីព', 'Syndicaliste'),
 ('opposition_member', 50, 'Opposition party member or supporter', 'សមាជិក ឬអ្នកគាំទ្រគណបក្សប្រឆាំង', 'Membre ou sympathisant·e d''un parti d''opposition'),
 ('member_of_parliament', 60, 'Member of parliament', 'សមាជិកសភា', 'Parlementaire'),
 ('elected_official', 70, 'Elected local official', 'មន្ត្រីជាប់ឆ្នោតថ្នាក់មូលដ្ឋាន', 'Élu·e local·e'),
 ('lawyer', 80, 'Lawyer', 'មេធាវី', 'Avocat·e'),
 ('student', 90, 'Student', 'និស្សិត', 'Étudiant·e'),
 ('religious_figure', 100, 'Religious figure', 'អ្នកដឹកនាំសាសនា', 'Personnalité religieuse'),
 ('community_representative', 110, 'Community representative', 'តំណាងសហគមន៍', 'Représentant·e de communauté'),
 ('indigenous_person', 120, 'Indigenous person', 'ជនជាតិដើមភាគតិច', 'Personne autochtone'),
 ('artist', 130, 'Artist or writer', 'សិល្បករ ឬអ្នកនិពន្ធ', 'Artiste ou écrivain·e'),
 ('other', 1000, 'Other', 'ផ្សេងៗ', 'Autre');

-- Several categories per person; they travel in bundles as a child table of the person.
CREATE TABLE person_category (
    person_id TEXT NOT NULL REFERENCES person(id) ON DELETE CASCADE,
    code      TEXT NOT NULL REFERENCES vocab_person_category(code),
    PRIMARY KEY (person_id, code)
) WITHOUT ROWID;
CREATE INDEX person_category_code ON person_category(code);

-- Acts against political participation that the HURIDOCS "types of acts" thesaurus names and the
-- founding letter needed.
INSERT INTO vocab_incident_kind (code, sort, label_en, label_km, label_fr) VALUES
 ('removal_from_office', 110, 'Removal from office', 'ការដកចេញពីតំណែង', 'Révocation de ses fonctions'),
 ('removal_from_parliament', 120, 'Removal from parliament (loss of seat)', 'ការដកចេញពីសភា (បាត់បង់អាសនៈ)', 'Déchéance du mandat parlementaire'),
 ('stripping_of_immunity', 130, 'Stripping of parliamentary immunity', 'ការដកអភ័យឯកសិទ្ធិសភា', 'Levée de l''immunité parlementaire'),
 ('dissolution_of_party', 140, 'Dissolution of a party or association', 'ការរំលាយគណបក្ស ឬសមាគម', 'Dissolution d''un parti ou d''une association'),
 ('ban_from_political_activity', 150, 'Ban from political activity', 'ការហាមឃាត់មិនឱ្យធ្វើសកម្មភាពនយោបាយ', 'Interdiction d''activité politique'),
 ('dismissal_from_employment', 160, 'Dismissal from employment', 'ការបណ្តេញចេញពីការងារ', 'Licenciement');

-- A proceeding may concern a group of unnamed people ("three bodyguards charged with aggravated
-- assault"): person_id becomes optional, and then a group description (with its size, if known)
-- is required. SQLite cannot relax NOT NULL in place: the table is rebuilt with its rows and index.
CREATE TABLE proceeding_new (
    id               TEXT PRIMARY KEY,
    person_id        TEXT REFERENCES person(id) ON DELETE CASCADE,
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
    version          INTEGER NOT NULL DEFAULT 1,
    group_description TEXT,
    group_size_min   INTEGER CHECK (group_size_min IS NULL OR group_size_min >= 0),
    group_size_max   INTEGER CHECK (group_size_max IS NULL OR group_size_max >= 0),
    CHECK ((person_id IS NULL) <> (group_description IS NULL)),
    CHECK (group_size_min IS NULL OR group_size_max IS NULL OR group_size_min <= group_size_max)
);
INSERT INTO proceeding_new (id, person_id, incident_id, kind, date, date_precision, authority,
    case_number, charges, law_cited, sentence_months, in_absentia, detention_place, notes,
    created_at, updated_at, device_id, version)
SELECT id, person_id, incident_id, kind, date, date_precision, authority,
    case_number, charges, law_cited, sentence_months, in_absentia, detention_place, notes,
    created_at, updated_at, device_id, version
FROM proceeding;
DROP TABLE proceeding;
ALTER TABLE proceeding_new RENAME TO proceeding;
CREATE INDEX proceeding_person ON proceeding(person_id);
CREATE INDEX proceeding_incident ON proceeding(incident_id);

-- Every count of unique people goes through this view: one identity per person here; a later
-- migration lets merged persons share one identity.
CREATE VIEW person_identity AS SELECT id AS person_id, id AS identity_id FROM person;
