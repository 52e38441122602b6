-- Perpetrator types as a controlled vocabulary (issue 12), so that reports count "police",
-- "Police" and "ប៉ូលិស" as one. Append-only: never edit this file after release.
--
-- `involvement.perpetrator_type` keeps its free-text column and gets no foreign key: acts stored
-- before this migration, and acts in bundles from monitors on an older build, carry free text,
-- which stays readable, editable (an unchanged value is accepted) and counted under its own text.
-- A new value written by this build must be a code of this table (checked in the core).
CREATE TABLE vocab_perpetrator_type (code TEXT PRIMARY KEY, sort INTEGER NOT NULL,
    label_en TEXT NOT NULL, label_km TEXT NOT NULL, label_fr TEXT NOT NULL);

INSERT INTO vocab_perpetrator_type (code, sort, label_en, label_km, label_fr) VALUES
 ('police', 10, 'Police', 'ប៉ូលិស', 'Police'),
 ('military_police', 20, 'Military police', 'ប៉ូលិសយោធា', 'Police militaire'),
 ('military', 30, 'Military (RCAF)', 'កងយោធពលខេមរភូមិន្ទ (យោធា)', 'Armée (Forces armées royales cambodgiennes)'),
 ('gendarmerie', 40, 'Royal Gendarmerie', 'កងរាជអាវុធហត្ថ', 'Gendarmerie royale'),
 ('bodyguard_unit', 50, 'Bodyguard unit (e.g. the Prime Minister''s Bodyguard Headquarters)', 'កងអង្គរក្ស (ឧ. បញ្ជាការដ្ឋានអង្គរក្សនាយករដ្ឋមន្ត្រី)', 'Unité de gardes du corps (p. ex. le quartier général des gardes du corps du Premier ministre)'),
 ('prison_court_official', 60, 'Prison or court officials', 'មន្ត្រីពន្ធនាគារ ឬមន្ត្រីតុលាការ', 'Personnel pénitentiaire ou judiciaire'),
 ('local_authority', 70, 'Local authorities (commune or district)', 'អាជ្ញាធរមូលដ្ឋាន (ឃុំ/សង្កាត់ ឬស្រុក/ខណ្ឌ)', 'Autorités locales (commune ou district)'),
 ('party_agent', 80, 'Ruling-party or plain-clothes agents', 'ភ្នាក់ងារគណបក្សកាន់អំណាច ឬភ្នាក់ងារស្លៀកពាក់ស៊ីវិល', 'Agents du parti au pouvoir ou en civil'),
 ('private_security', 90, 'Private security or company guards', 'សន្តិសុខឯកជន ឬអ្នកយាមក្រុមហ៊ុន', 'Sécurité privée ou gardes d''entreprise'),
 ('unidentified', 100, 'Unidentified', 'មិនស្គាល់អត្តសញ្ញាណ', 'Non identifié'),
 ('other', 110, 'Other', 'ផ្សេងទៀត', 'Autre');
