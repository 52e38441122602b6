-- Controlled vocabularies, with labels in English, Khmer and French. Data, not code: later
-- migrations may add terms; codes are never renamed because records and bundles refer to them.

INSERT INTO vocab_incident_kind (code, sort, label_en, label_km, label_fr) VALUES
 ('arbitrary_arrest', 10, 'Arbitrary arrest', 'ការចាប់ខ្លួនដោយបំពាន', 'Arrestation arbitraire'),
 ('detention', 20, 'Detention', 'ការឃុំខ្លួន', 'Détention'),
 ('assault', 30, 'Assault / beating', 'ការវាយដំ', 'Agression / passage à tabac'),
 ('killing', 40, 'Killing', 'ការសម្លាប់', 'Meurtre'),
 ('torture', 50, 'Torture', 'ការធ្វើទារុណកម្ម', 'Torture'),
 ('judicial_harassment', 60, 'Judicial harassment', 'ការយាយីតាមផ្លូវតុលាការ', 'Harcèlement judiciaire'),
 ('threat', 70, 'Threat / intimidation', 'ការគំរាមកំហែង', 'Menace / intimidation'),
 ('enforced_disappearance', 80, 'Enforced disappearance', 'ការបាត់ខ្លួនដោយបង្ខំ', 'Disparition forcée'),
 ('forced_eviction', 90, 'Forced eviction / land grab', 'ការបណ្តេញចេញដោយបង្ខំ / ការរំលោភយកដីធ្លី', 'Expulsion forcée / accaparement de terres'),
 ('restriction_of_assembly', 100, 'Restriction of assembly', 'ការរឹតត្បិតសេរីភាពនៃការជួបប្រជុំ', 'Restriction de la liberté de réunion'),
 ('other', 1000, 'Other', 'ផ្សេងៗ', 'Autre');

INSERT INTO vocab_role (code, sort, label_en, label_km, label_fr) VALUES
 ('victim', 10, 'Victim', 'ជនរងគ្រោះ', 'Victime'),
 ('perpetrator', 20, 'Alleged perpetrator', 'ជនល្មើសដែលត្រូវបានចោទប្រកាន់', 'Auteur présumé'),
 ('witness', 30, 'Witness', 'សាក្សី', 'Témoin'),
 ('source', 40, 'Source', 'ប្រភព', 'Source'),
 ('intervener', 50, 'Intervener', 'អ្នកអន្តរាគមន៍', 'Intervenant');

-- custody: whether the step puts the person in custody ('starts'), ends it ('ends') or neither.
-- A sentence passed in absentia does not start custody (handled in code).
INSERT INTO vocab_proceeding_kind (code, sort, custody, label_en, label_km, label_fr) VALUES
 ('arrest', 10, 'starts', 'Arrest', 'ការចាប់ខ្លួន', 'Arrestation'),
 ('warrant', 20, 'none', 'Warrant issued', 'ដីកាបង្គាប់ឱ្យចាប់ខ្លួន', 'Mandat d''arrêt délivré'),
 ('charged', 30, 'none', 'Charged', 'ការចោទប្រកាន់', 'Inculpation'),
 ('detained', 40, 'starts', 'Detained', 'ការឃុំខ្លួន', 'Détention'),
 ('trial', 50, 'none', 'Trial', 'ការជំនុំជម្រះ', 'Procès'),
 ('sentenced', 60, 'starts', 'Sentenced', 'ការកាត់ទោស', 'Condamnation'),
 ('released', 70, 'ends', 'Released', 'ការដោះលែង', 'Libération'),
 ('acquitted', 80, 'ends', 'Acquitted', 'ការរួចខ្លួនពីបទចោទ', 'Acquittement'),
 ('appeal', 90, 'none', 'Appeal', 'បណ្តឹងឧទ្ធរណ៍', 'Appel'),
 ('fled', 100, 'ends', 'Fled', 'ការភៀសខ្លួន', 'Fuite / exil');

INSERT INTO vocab_intervention_kind (code, sort, label_en, label_km, label_fr) VALUES
 ('letter', 10, 'Letter', 'លិខិត', 'Lettre'),
 ('urgent_appeal', 20, 'Urgent appeal', 'ការអំពាវនាវបន្ទាន់', 'Appel urgent'),
 ('legal_aid', 30, 'Legal aid', 'ជំនួយផ្លូវច្បាប់', 'Aide juridique'),
 ('medical_aid', 40, 'Medical aid', 'ជំនួយវេជ្ជសាស្ត្រ', 'Aide médicale'),
 ('other', 1000, 'Other', 'ផ្សេងៗ', 'Autre');
