-- Annotations (issue 11): a lawyer's or HQ's notes, legal-provision tags and "reviewed" marks on
-- any record or attachment. An annotation is a record of its own (it travels in bundles, has a
-- history and custody entries); it never changes the record it is about. See
-- docs/lawyers-guide.md, "Annotating", and docs/bundle-format.md.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- The legal provisions an annotation can be tagged with. Seeded below; users add their own
-- (user_added = 1). Codes are never renamed: annotations and bundles refer to them.
CREATE TABLE vocab_legal_provision (
    code       TEXT PRIMARY KEY,
    sort       INTEGER NOT NULL,
    label_en   TEXT NOT NULL,
    label_km   TEXT NOT NULL,
    label_fr   TEXT NOT NULL,
    user_added INTEGER NOT NULL DEFAULT 0 CHECK (user_added IN (0, 1))
);

-- subject_type/subject_id: the record annotated (no foreign key: the subject may be of any
-- type, and an annotation may arrive before its subject; see docs/bundle-format.md).
-- reviewed_at/reviewer: the "reviewed" mark (both set or both null).
CREATE TABLE annotation (
    id           TEXT PRIMARY KEY,
    subject_type TEXT NOT NULL CHECK (subject_type IN
        ('person', 'incident', 'involvement', 'proceeding', 'testimony', 'intervention', 'attachment')),
    subject_id   TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    reviewed_at  TEXT,
    reviewer     TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((reviewed_at IS NULL) = (reviewer IS NULL))
);
CREATE INDEX annotation_by_subject ON annotation (subject_type, subject_id);

-- Tags: codes of vocab_legal_provision when written here; no foreign key, because an annotation
-- from another vault may name a provision that vault's user added (shown by its code).
CREATE TABLE annotation_tag (
    annotation_id TEXT NOT NULL REFERENCES annotation(id) ON DELETE CASCADE,
    code          TEXT NOT NULL,
    PRIMARY KEY (annotation_id, code)
) WITHOUT ROWID;

-- ICCPR articles, the UN Declaration on Human Rights Defenders (A/RES/53/144), and articles of
-- the Cambodian Criminal Code (2009) commonly used against defenders. The Khmer labels need
-- review by a Khmer-speaking lawyer (docs/lawyers-guide.md).
INSERT INTO vocab_legal_provision (code, sort, label_en, label_km, label_fr) VALUES
 ('iccpr_7', 10, 'ICCPR art. 7: torture and cruel, inhuman or degrading treatment',
  'ICCPR មាត្រា ៧៖ ទារុណកម្ម និងការប្រព្រឹត្តដោយឃោរឃៅ អមនុស្សធម៌ ឬបន្ថោកបន្ទាប',
  'PIDCP art. 7 : torture et traitements cruels, inhumains ou dégradants'),
 ('iccpr_9', 20, 'ICCPR art. 9: liberty and security of person',
  'ICCPR មាត្រា ៩៖ សេរីភាព និងសន្តិសុខផ្ទាល់ខ្លួន',
  'PIDCP art. 9 : liberté et sécurité de la personne'),
 ('iccpr_14', 30, 'ICCPR art. 14: fair trial',
  'ICCPR មាត្រា ១៤៖ ការជំនុំជម្រះក្តីដោយយុត្តិធម៌',
  'PIDCP art. 14 : procès équitable'),
 ('iccpr_19', 40, 'ICCPR art. 19: freedom of opinion and expression',
  'ICCPR មាត្រា ១៩៖ សេរីភាពនៃមតិ និងការបញ្ចេញមតិ',
  'PIDCP art. 19 : liberté d''opinion et d''expression'),
 ('iccpr_21', 50, 'ICCPR art. 21: peaceful assembly',
  'ICCPR មាត្រា ២១៖ សិទ្ធិជួបប្រជុំដោយសន្តិវិធី',
  'PIDCP art. 21 : réunion pacifique'),
 ('iccpr_22', 60, 'ICCPR art. 22: freedom of association',
  'ICCPR មាត្រា ២២៖ សេរីភាពនៃការបង្កើតសមាគម',
  'PIDCP art. 22 : liberté d''association'),
 ('iccpr_25', 70, 'ICCPR art. 25: participation in public affairs',
  'ICCPR មាត្រា ២៥៖ ការចូលរួមក្នុងកិច្ចការសាធារណៈ',
  'PIDCP art. 25 : participation aux affaires publiques'),
 ('undhrd_1', 110, 'UN Declaration on Human Rights Defenders art. 1: right to promote and protect human rights',
  'សេចក្តីប្រកាសរបស់អង្គការសហប្រជាជាតិស្តីពីអ្នកការពារសិទ្ធិមនុស្ស មាត្រា ១៖ សិទ្ធិលើកកម្ពស់ និងការពារសិទ្ធិមនុស្ស',
  'Déclaration de l''ONU sur les défenseurs des droits de l''homme art. 1 : droit de promouvoir et de protéger les droits de l''homme'),
 ('undhrd_5', 120, 'UN Declaration on Human Rights Defenders art. 5: to meet, assemble, form associations and communicate',
  'សេចក្តីប្រកាសរបស់អង្គការសហប្រជាជាតិស្តីពីអ្នកការពារសិទ្ធិមនុស្ស មាត្រា ៥៖ សិទ្ធិជួបប្រជុំ បង្កើតសមាគម និងទំនាក់ទំនង',
  'Déclaration de l''ONU sur les défenseurs des droits de l''homme art. 5 : se réunir, s''associer et communiquer'),
 ('undhrd_6', 130, 'UN Declaration on Human Rights Defenders art. 6: to seek, hold and impart information on human rights',
  'សេចក្តីប្រកាសរបស់អង្គការសហប្រជាជាតិស្តីពីអ្នកការពារសិទ្ធិមនុស្ស មាត្រា ៦៖ សិទ្ធិស្វែងរក រក្សាទុក និងផ្សព្វផ្សាយព័ត៌មានអំពីសិទ្ធិមនុស្ស',
  'Déclaration de l''ONU sur les défenseurs des droits de l''homme art. 6 : rechercher, détenir et diffuser des informations sur les droits de l''homme'),
 ('undhrd_12', 140, 'UN Declaration on Human Rights Defenders art. 12: peaceful activities against violations, and State protection',
  'សេចក្តីប្រកាសរបស់អង្គការសហប្រជាជាតិស្តីពីអ្នកការពារសិទ្ធិមនុស្ស មាត្រា ១២៖ សកម្មភាពដោយសន្តិវិធីប្រឆាំងនឹងការរំលោភ និងការការពារពីរដ្ឋ',
  'Déclaration de l''ONU sur les défenseurs des droits de l''homme art. 12 : activités pacifiques contre les violations et protection par l''État'),
 ('kh_cc_305', 210, 'Cambodian Criminal Code art. 305: defamation',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៣០៥៖ ការបរិហារកេរ្តិ៍',
  'Code pénal cambodgien art. 305 : diffamation'),
 ('kh_cc_307', 220, 'Cambodian Criminal Code art. 307: public insult',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៣០៧៖ ការជេរប្រមាថជាសាធារណៈ',
  'Code pénal cambodgien art. 307 : injure publique'),
 ('kh_cc_437bis', 230, 'Cambodian Criminal Code art. 437 bis: insult of the King',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៤៣៧ ស្ទួន៖ ការប្រមាថព្រះមហាក្សត្រ',
  'Code pénal cambodgien art. 437 bis : offense au Roi'),
 ('kh_cc_453', 240, 'Cambodian Criminal Code art. 453: plotting',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៤៥៣៖ ការឃុបឃិត',
  'Code pénal cambodgien art. 453 : complot'),
 ('kh_cc_494', 250, 'Cambodian Criminal Code art. 494: incitement (means of incitement)',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៤៩៤៖ ការញុះញង់',
  'Code pénal cambodgien art. 494 : incitation (moyens)'),
 ('kh_cc_495', 260, 'Cambodian Criminal Code art. 495: incitement to commit a felony or to disturb social security',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៤៩៥៖ ការញុះញង់ឱ្យប្រព្រឹត្តបទឧក្រិដ្ឋ ឬបង្កភាពវឹកវរដល់សន្តិសុខសង្គម',
  'Code pénal cambodgien art. 495 : incitation à commettre un crime ou à troubler la sécurité sociale'),
 ('kh_cc_502', 270, 'Cambodian Criminal Code art. 502: insult of a public official',
  'ក្រមព្រហ្មទណ្ឌ មាត្រា ៥០២៖ ការប្រមាថមន្ត្រីសាធារណៈ',
  'Code pénal cambodgien art. 502 : outrage à un agent public');

-- Annotations are searchable: search_source (0010) gains an 'annotation' arm (the note and the
-- tag codes), with triggers written like 0010's. The other arms are unchanged.
DROP VIEW search_source;
CREATE VIEW search_source (record_type, record_id, title, body) AS
    SELECT 'incident', i.id, i.title,
           i.description || ' ' || coalesce(i.place_name, '') || ' ' || coalesce(i.admin_area, '')
    FROM incident i
    UNION ALL
    SELECT 'testimony', t.id, '', t.body FROM testimony t
    UNION ALL
    SELECT 'person', p.id, p.primary_name,
           coalesce((SELECT group_concat(n.name, ' ') FROM person_name n WHERE n.person_id = p.id), '')
    FROM person p
    UNION ALL
    SELECT 'annotation', a.id, '',
           a.note || ' ' ||
           coalesce((SELECT group_concat(g.code, ' ') FROM annotation_tag g WHERE g.annotation_id = a.id), '')
    FROM annotation a;

CREATE TRIGGER annotation_search_ai AFTER INSERT ON annotation BEGIN
    INSERT INTO search_row (record_type, record_id) VALUES ('annotation', new.id);
    INSERT INTO search_index (rowid, record_type, record_id, title, body)
        SELECT last_insert_rowid(), record_type, record_id, title, body
        FROM search_source WHERE record_type = 'annotation' AND record_id = new.id;
END;
CREATE TRIGGER annotation_search_au AFTER UPDATE ON annotation BEGIN
    UPDATE search_index SET (title, body) =
        (SELECT title, body FROM search_source WHERE record_type = 'annotation' AND record_id = new.id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = new.id);
END;
CREATE TRIGGER annotation_search_ad AFTER DELETE ON annotation BEGIN
    DELETE FROM search_index
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = old.id);
    DELETE FROM search_row WHERE record_type = 'annotation' AND record_id = old.id;
END;
CREATE TRIGGER annotation_tag_search_ai AFTER INSERT ON annotation_tag BEGIN
    UPDATE search_index SET body =
        (SELECT body FROM search_source WHERE record_type = 'annotation' AND record_id = new.annotation_id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = new.annotation_id);
END;
CREATE TRIGGER annotation_tag_search_ad AFTER DELETE ON annotation_tag BEGIN
    UPDATE search_index SET body =
        (SELECT body FROM search_source WHERE record_type = 'annotation' AND record_id = old.annotation_id)
    WHERE rowid = (SELECT id FROM search_row WHERE record_type = 'annotation' AND record_id = old.annotation_id);
END;
