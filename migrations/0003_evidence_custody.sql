-- Evidence (attachments) and the hash-chained, signed custody log.

-- An attachment belongs to exactly one record (incident, testimony or person). The original
-- bytes are stored age-encrypted under attachments/<blob_name>, where blob_name is random.
-- age_identity is the per-attachment age secret key: deleting this row (under secure_delete)
-- makes the blob undecryptable.
CREATE TABLE attachment (
    id             TEXT PRIMARY KEY,
    record_type    TEXT NOT NULL CHECK (record_type IN ('incident', 'testimony', 'person')),
    record_id      TEXT NOT NULL,
    blob_name      TEXT NOT NULL UNIQUE,
    age_identity   TEXT NOT NULL,
    original_name  TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size           INTEGER NOT NULL CHECK (size >= 0),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    exif_json      TEXT,
    thumbnail      BLOB,
    thumbnail_note TEXT,
    created_at     TEXT NOT NULL,
    device_id      TEXT NOT NULL
);
CREATE INDEX attachment_record ON attachment(record_type, record_id);

-- seq is gap-free and ordered; entry_hash = SHA-256 of the canonical entry including prev_hash;
-- signature = Ed25519 by the device over entry_hash.
CREATE TABLE custody_log (
    seq          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    content_hash TEXT,
    details      TEXT,
    prev_hash    TEXT NOT NULL,
    entry_hash   TEXT NOT NULL,
    public_key   BLOB NOT NULL,
    signature    BLOB NOT NULL
);
CREATE INDEX custody_subject ON custody_log(subject_id);
