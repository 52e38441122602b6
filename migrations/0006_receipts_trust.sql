-- Pinned keys and receipts with outcomes (threat model: card swapper, invariant 10).
-- See docs/bundle-format.md. Append-only: never edit this file after release.

-- A recipient registered from HQ's device card pins HQ's device: its id, its Ed25519 signing key
-- (the only key whose receipts count for bundles sent to this recipient) and the device's own age
-- recipient (so the card fingerprint can be shown again). NULL: registered by its age key alone.
ALTER TABLE bundle_recipient ADD COLUMN device_id TEXT;
ALTER TABLE bundle_recipient ADD COLUMN signing_key BLOB;
ALTER TABLE bundle_recipient ADD COLUMN device_age_recipient TEXT;
CREATE UNIQUE INDEX bundle_recipient_signing_key ON bundle_recipient(signing_key)
    WHERE signing_key IS NOT NULL;

-- The HQ bundle recipient a trusted device's card carried (part of its fingerprint).
ALTER TABLE trusted_device ADD COLUMN hq_recipient TEXT;

-- Which registered recipient signed a receipt.
ALTER TABLE receipt ADD COLUMN recipient TEXT;

-- What HQ did with each item. NULL: a receipt recorded before outcomes existed; never purged.
ALTER TABLE receipt_item ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('stored', 'updated', 'already_held', 'conflict', 'stale', 'withheld'));

-- What the bundle's manifest said the sender withheld, as HQ saw it (counts, no ids).
CREATE TABLE receipt_withheld (
    receipt_id  TEXT NOT NULL REFERENCES receipt(receipt_id) ON DELETE CASCADE,
    record_type TEXT NOT NULL,
    code        TEXT NOT NULL,
    count       INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (receipt_id, record_type, code)
) WITHOUT ROWID;
