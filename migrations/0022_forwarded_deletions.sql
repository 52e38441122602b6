-- Deletions forwarded (issue 13): a deletion received from another device and applied here
-- travels on to every recipient this vault had sent the record to, as the author's signed
-- `record_deleted` entry beside this vault's own signed `deletion` entry naming it. This table
-- says which recipient was sent which one, in which bundle (for --since-last), as
-- `tombstone_sent` does for deletions made here.
-- Append-only: never edit this file after release; add a new numbered file instead.
CREATE TABLE deletion_forwarded (
    recipient TEXT NOT NULL,
    entry_id  TEXT NOT NULL REFERENCES incoming_deletion(entry_id) ON DELETE CASCADE,
    bundle_id TEXT NOT NULL,
    PRIMARY KEY (recipient, entry_id)
) WITHOUT ROWID;
