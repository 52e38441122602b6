-- Photos taken in while a new incident is still a draft (issue 12, one-screen capture).
-- Append-only: never edit this file after release; add a new numbered file.
--
-- The bytes are an age-encrypted blob under attachments/, written exactly like an attachment's,
-- and this row holds its key, hash and what intake learned (EXIF, thumbnail, media header).
-- Nothing here is evidence yet: no custody entry, no bundle carries it. Saving the incident turns
-- each row into an `attachment` row, with its `intake` custody entry, in the incident's own
-- transaction; discarding the draft deletes the rows (under secure_delete), which destroys the
-- blobs' keys, and then the blob files. `draft` is the key of the incident draft ('new').
CREATE TABLE draft_attachment (
    id             TEXT PRIMARY KEY,
    draft          TEXT NOT NULL,
    blob_name      TEXT NOT NULL UNIQUE,
    age_identity   TEXT NOT NULL,
    original_name  TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size           INTEGER NOT NULL CHECK (size >= 0),
    sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
    exif_json      TEXT,
    thumbnail      BLOB,
    thumbnail_note TEXT,
    media_json     TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX draft_attachment_draft ON draft_attachment(draft, created_at);
