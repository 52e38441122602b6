-- Bundles: keys, recipients, trusted devices, export and import bookkeeping, merge conflicts,
-- imported custody entries and receipts. See docs/bundle-format.md.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- age X25519 identities kept inside the encrypted database. 'hq': the identity monitors encrypt
-- bundles to (made by `saksi keygen`); 'device': this device's own, for receipts from HQ.
CREATE TABLE age_key (
    purpose    TEXT PRIMARY KEY CHECK (purpose IN ('hq', 'device')),
    identity   TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Where this device sends bundles, by name (`saksi recipient add NAME age1…`).
CREATE TABLE bundle_recipient (
    name      TEXT PRIMARY KEY,
    recipient TEXT NOT NULL UNIQUE,
    added_at  TEXT NOT NULL
);

-- Devices whose signed bundles (or receipts) this vault accepts (`saksi trust add CARD`).
-- A revoked device stays listed so that its bundles are refused with a precise message.
CREATE TABLE trusted_device (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    public_key    BLOB NOT NULL UNIQUE,
    age_recipient TEXT NOT NULL,
    added_at      TEXT NOT NULL,
    revoked_at    TEXT
);

-- Bundles this device wrote. sequence is this device's gap-free-ish counter (a failed export
-- burns no number; a bundle that was written and lost does).
CREATE TABLE bundle_export (
    bundle_id       TEXT PRIMARY KEY,
    sequence        INTEGER NOT NULL UNIQUE CHECK (sequence > 0),
    created_at      TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    summary         TEXT NOT NULL
);

-- For --since-last: the content hash of each record as last sent to each recipient.
CREATE TABLE export_state (
    recipient      TEXT NOT NULL,
    record_type    TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    bundle_id      TEXT NOT NULL,
    PRIMARY KEY (recipient, record_type, record_id)
) WITHOUT ROWID;

-- Bundles imported here. (device_id, sequence) is unique: a replayed sequence number with
-- different content is refused.
CREATE TABLE bundle_import (
    bundle_id       TEXT PRIMARY KEY,
    device_id       TEXT NOT NULL,
    sequence        INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    summary         TEXT NOT NULL,
    UNIQUE (device_id, sequence)
);

-- What each imported bundle carried and what became of it (for receipts).
CREATE TABLE bundle_import_item (
    bundle_id   TEXT NOT NULL REFERENCES bundle_import(bundle_id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('added', 'updated', 'unchanged', 'stale', 'conflict')),
    PRIMARY KEY (bundle_id, path)
) WITHOUT ROWID;

-- Provenance of every imported record: the device and bundle it last came from, the version,
-- and the hash of the record as stored here right after import (to notice local edits).
CREATE TABLE provenance (
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    bundle_id    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    local_sha256 TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id)
) WITHOUT ROWID;

-- Concurrent edits: the local record is kept, the incoming one is kept here, nothing is silently
-- overwritten. Resolved by a person, later.
CREATE TABLE record_conflict (
    id               TEXT PRIMARY KEY,
    record_type      TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    bundle_id        TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    local_version    INTEGER,
    incoming_version INTEGER,
    incoming_json    TEXT NOT NULL,
    detected_at      TEXT NOT NULL,
    resolved_at      TEXT
);
CREATE INDEX record_conflict_record ON record_conflict(record_type, record_id);

-- Custody entries carried by bundles from other devices (their own chains; this vault's chain
-- is custody_log).
CREATE TABLE imported_custody (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    content_hash TEXT,
    details      TEXT,
    prev_hash    TEXT NOT NULL,
    entry_hash   TEXT NOT NULL,
    public_key   BLOB NOT NULL,
    signature    BLOB NOT NULL,
    bundle_id    TEXT NOT NULL
);
CREATE INDEX imported_custody_subject ON imported_custody(subject_id);

-- Receipts from HQ: what HQ confirmed it holds, item by item, with the hash it holds.
CREATE TABLE receipt (
    receipt_id   TEXT PRIMARY KEY,
    bundle_id    TEXT NOT NULL,
    hq_device_id TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE TABLE receipt_item (
    receipt_id  TEXT NOT NULL REFERENCES receipt(receipt_id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (receipt_id, record_type, record_id)
) WITHOUT ROWID;
CREATE INDEX receipt_item_record ON receipt_item(record_type, record_id);
