-- Case files: a lawyer's choice of evidence, numbered as exhibits for a court (issue 11).
-- See docs/lawyers-guide.md, "Building a case file", and docs/vault-format.md.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- id:         a UUID v7; created_at: when it was made (UTC RFC 3339), also the one time written
--             into a court folder, so that the same selection gives the same bytes.
-- device_id:  the device that made it. Case files stay in this vault: they are a lawyer's
--             work, never carried in a bundle to HQ (their custody entries stay local too).
CREATE TABLE case_file (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    created_at TEXT NOT NULL,
    device_id  TEXT NOT NULL
);

-- number:      1, 2, 3… per case, shown as E-001, E-002…; given once, in the order the items
--              were added, and never reused or renumbered.
-- attachment_id: the item (no foreign key: a deleted item stays numbered, and the court folder
--              then refuses with an error naming the exhibit).
CREATE TABLE case_exhibit (
    case_id       TEXT NOT NULL REFERENCES case_file(id),
    number        INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999),
    attachment_id TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, number),
    UNIQUE (case_id, attachment_id)
) WITHOUT ROWID;
