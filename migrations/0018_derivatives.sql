-- Redacted derivatives (issue 11): a redacted copy of a photo, or a pseudonymised copy of a
-- testimony's text, is a new attachment; this table links it to the sealed original it was made
-- from. The original's row and blob are never changed. See docs/lawyers-guide.md, "Redacted
-- copies", and docs/vault-format.md.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- derivative_id:   the attachment holding the derived bytes (hashed at its own intake).
-- original_type:   'attachment' (a photo) or 'testimony' (its text).
-- original_id:     the item or testimony it was made from (no foreign key: a link may arrive in
--                  a bundle before, or without, its original).
-- original_sha256: the SHA-256 of the original's bytes (a photo) or of its text as UTF-8 (a
--                  testimony) when the derivative was made.
-- method:          'pixelate', 'blur' or 'pseudonymise'.
-- details:         JSON: the regions ({x, y, w, h} in pixels of the upright photo) or the
--                  pseudonyms used and how often (never the names they replace).
-- created_at, device_id: who made it, when (also in the signed custody entries).
CREATE TABLE derivative (
    derivative_id   TEXT PRIMARY KEY,
    original_type   TEXT NOT NULL CHECK (original_type IN ('attachment', 'testimony')),
    original_id     TEXT NOT NULL,
    original_sha256 TEXT NOT NULL CHECK (length(original_sha256) = 64),
    method          TEXT NOT NULL CHECK (method IN ('pixelate', 'blur', 'pseudonymise')),
    details         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    device_id       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX derivative_original ON derivative(original_id);
