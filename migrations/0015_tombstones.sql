-- Deletions (issue 13): tombstones of records deleted here, what was sent of them and what HQ
-- answered, and deletions received from other devices with what this vault did about each.
-- A tombstone keeps only ids, hashes, devices, times and the reason: the content is gone.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- One per record deleted here; entry_id is the signed `record_deleted` custody entry that
-- carries the tombstone in bundles.
CREATE TABLE tombstone (
    entry_id       TEXT PRIMARY KEY,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    version        INTEGER,
    version_sha256 TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    deleted_at     TEXT NOT NULL,
    reason         TEXT NOT NULL
);
CREATE INDEX tombstone_record ON tombstone(record_type, record_id);

-- Which recipient was sent which tombstone, in which bundle (for --since-last).
CREATE TABLE tombstone_sent (
    recipient TEXT NOT NULL,
    entry_id  TEXT NOT NULL REFERENCES tombstone(entry_id) ON DELETE CASCADE,
    bundle_id TEXT NOT NULL,
    PRIMARY KEY (recipient, entry_id)
) WITHOUT ROWID;

-- What HQ said it did with each tombstone, per receipt.
CREATE TABLE tombstone_receipt (
    receipt_id TEXT NOT NULL REFERENCES receipt(receipt_id) ON DELETE CASCADE,
    entry_id   TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    PRIMARY KEY (receipt_id, entry_id)
) WITHOUT ROWID;

-- A deletion received in a bundle, and what this vault did: applied (deleted here too),
-- pending (kept and flagged: relied on here, or the policy says ask), conflict (this vault
-- holds another version than the one deleted), not_held, kept (an analyst chose to keep it).
CREATE TABLE incoming_deletion (
    entry_id       TEXT PRIMARY KEY,
    bundle_id      TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    version_sha256 TEXT NOT NULL,
    deleted_at     TEXT NOT NULL,
    reason         TEXT NOT NULL,
    outcome        TEXT NOT NULL
        CHECK (outcome IN ('applied', 'pending', 'conflict', 'not_held', 'kept')),
    why            TEXT,
    received_at    TEXT NOT NULL,
    decided_at     TEXT
);
CREATE INDEX incoming_deletion_bundle ON incoming_deletion(bundle_id);

-- Deleting from the search index removes the deleted text from the index itself, not only a
-- marker beside it (FTS5 secure-delete; with PRAGMA secure_delete the freed pages are zeroed).
INSERT INTO search_index (search_index, rank) VALUES ('secure-delete', 1);
