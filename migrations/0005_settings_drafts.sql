-- Preferences kept inside the vault (never in the webview's storage), and autosaved drafts of
-- forms being edited, so an interrupted entry is not lost and never touches the disk in plaintext.

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE draft (
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    json       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
