-- Consent withdrawn after a testimony was sent (issue 13): a witness withdraws consent for a
-- purpose; the withdrawal travels to HQ in the next bundle, HQ restricts the testimony for that
-- purpose and confirms it in its receipt. See docs/data-model.md, "Withdrawn consent", and
-- docs/bundle-format.md, "Consent withdrawals".
-- Append-only: never edit this file after release; add a new numbered file instead.

-- One row per withdrawal held here. The withdrawal itself is a signed custody entry (action
-- `consent_withdrawn`, subject the testimony, `details` the fields below as JSON): this vault's
-- own in `custody_log`, other devices' in `imported_custody`. This table is what the readers
-- query; it is written in the same transaction as the entry.
-- entry_id:     the custody entry's id (a UUID v7).
-- testimony_id: no foreign key: a withdrawal may arrive before its testimony, or outlive it,
--               and it must hold whenever the testimony is (or comes) here.
-- purpose:      share_with_hq | legal_proceedings | publication.
-- withdrawn_at: when the witness withdrew (as the monitor typed it, checked, ASCII digits).
-- how:          how the witness withdrew ("phone call", "in person, signed note").
-- recorded_by:  who took the withdrawal (a monitor's name or role).
-- device_id:    the device that signed the entry; recorded_at: the entry's time.
CREATE TABLE consent_withdrawal (
    entry_id     TEXT PRIMARY KEY,
    testimony_id TEXT NOT NULL,
    purpose      TEXT NOT NULL
                 CHECK (purpose IN ('share_with_hq', 'legal_proceedings', 'publication')),
    withdrawn_at TEXT NOT NULL,
    how          TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX consent_withdrawal_by_testimony ON consent_withdrawal (testimony_id, purpose);

-- HQ: the bundles each withdrawal arrived in (a withdrawal is sent again until it is
-- confirmed), so that the receipt for a bundle confirms every withdrawal it carried.
CREATE TABLE consent_withdrawal_import (
    entry_id  TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    PRIMARY KEY (entry_id, bundle_id)
) WITHOUT ROWID;

-- The monitor: an HQ's signed receipt confirmed that it applied the withdrawal.
CREATE TABLE consent_withdrawal_confirmed (
    entry_id     TEXT NOT NULL,
    receipt_id   TEXT NOT NULL,
    hq_device_id TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, receipt_id)
) WITHOUT ROWID;

-- Effective consent: the testimony's own consent minus every withdrawal held. Withdrawing
-- sharing with HQ also withdraws legal use and publication, which reach others through HQ.
-- Every export, report and case file reads consent from here, never from the testimony row.
CREATE VIEW testimony_consent AS
SELECT id AS testimony_id,
       consent_internal AS internal_use,
       CASE WHEN hq THEN 0 ELSE consent_share_hq END AS share_with_hq,
       CASE WHEN hq OR legal THEN 0 ELSE consent_legal END AS legal_proceedings,
       CASE WHEN hq OR publication THEN 'none' ELSE consent_publication END AS publication,
       (hq OR legal OR publication) AS withdrawn
FROM (SELECT t.id, t.consent_internal, t.consent_share_hq, t.consent_legal, t.consent_publication,
             EXISTS (SELECT 1 FROM consent_withdrawal c
                     WHERE c.testimony_id = t.id AND c.purpose = 'share_with_hq') AS hq,
             EXISTS (SELECT 1 FROM consent_withdrawal c
                     WHERE c.testimony_id = t.id AND c.purpose = 'legal_proceedings') AS legal,
             EXISTS (SELECT 1 FROM consent_withdrawal c
                     WHERE c.testimony_id = t.id AND c.purpose = 'publication') AS publication
      FROM testimony t);
