-- A restored vault that takes a new device identity (issue 16), and HQ's record of it. See
-- docs/bundle-format.md, "A device replaced after a restore", and docs/vault-format.md.
-- Append-only: never edit this file after release; add a new numbered file instead.

-- This vault's earlier identities: the one a restore with a new device identity replaced. Its
-- key stays (inside the encrypted database) only to attest, when they are first exported, the
-- record versions it wrote; it never signs a bundle or a new custody entry of this vault again.
CREATE TABLE device_former (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    signing_key BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    replaced_by TEXT NOT NULL
) WITHOUT ROWID;

-- At HQ: a trusted device that a signed statement (by its own key and by the trusted device
-- that replaces it) says was replaced. Its bundles are refused from then on (as a revoked
-- device's), and its records may be carried on by the device that replaced it.
ALTER TABLE trusted_device ADD COLUMN superseded_by TEXT;
ALTER TABLE trusted_device ADD COLUMN superseded_at TEXT;
