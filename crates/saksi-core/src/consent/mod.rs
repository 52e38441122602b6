//! Consent withdrawn after a testimony was sent (issue 13): a witness withdraws consent for a
//! purpose; the monitor records it; it travels to HQ in the next bundle; HQ restricts the
//! testimony for that purpose and confirms it in its receipt.
//!
//! **The withdrawal is its own signed entry, never a new testimony version.** HQ may have edited
//! the testimony, so a new version from the monitor would be a conflict (invariant 9), and a
//! conflict must never block a witness's safety. A withdrawal is a custody entry (action
//! `consent_withdrawn`, subject the testimony, `details` the purpose, when, how and by whom as
//! JSON), signed and chained by the device that recorded it, carried in `custody.jsonl` and
//! verified like every entry (invariant 11). It only ever narrows consent: nothing can widen
//! consent again except a new testimony taken with fresh consent.
//!
//! **Effective consent** is the testimony's own consent minus every withdrawal held (the view
//! `testimony_consent`, migration 0016): withdrawing sharing with HQ also withdraws legal use and
//! publication, which reach others through HQ. Bundles, Uwazi exports, reports' drill-down and
//! case files read consent from there.
//!
//! **Who may withdraw**: any device, provided its entry verifies (signed by the key of the
//! device it names, that device not revoked here) and it arrives in a bundle from a trusted
//! device. A withdrawal cannot alter, replace or erase anything (HQ restricts, it does not
//! delete), so the worst a coerced laptop can do with one is keep a testimony out of HQ's
//! publications until someone asks the witness: recoverable. Refusing a real withdrawal because
//! the witness reached another monitor than the one who interviewed them, or because HQ forwarded
//! it to a lawyer, could get a witness hurt: not recoverable. Every withdrawal names its device.
//!
//! **At HQ, a testimony whose sharing was withdrawn is restricted, not removed**: its content
//! stays in the encrypted vault and is shown there marked as restricted, but it never leaves HQ
//! again (bundles, Uwazi, case files) and reports leave it out. Removing it would let any trusted
//! laptop destroy HQ's copy of evidence with one signed entry, possibly the last copy once the
//! monitor purged what HQ confirmed (invariant 10).
//!
//! `error.rs`: [`ConsentError`]; this file: the operation, reading, and what bundles and
//! receipts need.

use std::collections::{BTreeSet, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bundle::keys::RecipientEntry;
use crate::custody::{self, Action, Entry};
use crate::error::{Error, Result};
use crate::model::testimony::Consent;
use crate::vault::Vault;

mod error;
#[cfg(test)]
mod tests;

pub use error::ConsentError;

/// The longest `how` or `recorded_by` accepted, in characters.
pub const MAX_DETAIL_CHARS: usize = 500;

/// A purpose consent can be withdrawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Sharing with HQ (and so every use beyond the monitor's own).
    ShareWithHq,
    /// Use in legal proceedings.
    LegalProceedings,
    /// Publication, anonymous or named.
    Publication,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [
        Purpose::ShareWithHq,
        Purpose::LegalProceedings,
        Purpose::Publication,
    ];

    /// As typed by a user: the stored name, with `-` for `_`, or `hq` / `legal`.
    pub fn parse(s: &str) -> std::result::Result<Purpose, ConsentError> {
        match s.trim().to_lowercase().replace('-', "_").as_str() {
            "share_with_hq" | "hq" => Ok(Purpose::ShareWithHq),
            "legal_proceedings" | "legal" => Ok(Purpose::LegalProceedings),
            "publication" => Ok(Purpose::Publication),
            _ => Err(ConsentError::UnknownPurpose(s.trim().to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ShareWithHq => "share_with_hq",
            Purpose::LegalProceedings => "legal_proceedings",
            Purpose::Publication => "publication",
        }
    }

    fn from_stored(s: &str) -> Result<Purpose> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::Corrupt(format!("a consent withdrawal has the purpose '{s}'")))
    }
}

/// A withdrawal as a monitor records it (`saksi testimony withdraw`, the desktop form).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    /// `share_with_hq`, `legal_proceedings` or `publication`.
    pub purpose: String,
    /// When the witness withdrew (YYYY-MM-DD, YYYY-MM-DDTHH:MM or RFC 3339); default: now.
    #[serde(default)]
    pub withdrawn_at: Option<String>,
    /// How the witness withdrew: "phone call", "in person, signed note".
    pub how: String,
    /// Who took the withdrawal.
    pub recorded_by: String,
}

/// What the signed entry's `details` hold, exactly (unknown fields refuse the bundle).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Details {
    purpose: Purpose,
    withdrawn_at: String,
    how: String,
    recorded_by: String,
}

/// One withdrawal held in this vault (recorded here or received in a bundle).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Withdrawal {
    /// The id of the custody entry that is the withdrawal.
    pub id: String,
    pub testimony_id: String,
    pub purpose: Purpose,
    pub withdrawn_at: String,
    pub how: String,
    pub recorded_by: String,
    /// The device that recorded and signed it.
    pub device_id: String,
    /// When it was recorded (the entry's time, UTC).
    pub recorded_at: String,
    /// On the device that sent it: the HQs whose signed receipts confirmed they applied it.
    pub confirmed: Vec<Confirmation>,
}

/// An HQ's receipt saying it applied a withdrawal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Confirmation {
    pub hq_device_id: String,
    pub receipt_id: String,
    /// The receipt's time.
    pub confirmed_at: String,
}

/// A testimony's consent as it stands: the record's consent minus every withdrawal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConsentState {
    pub effective: Consent,
    pub withdrawals: Vec<Withdrawal>,
}

impl ConsentState {
    /// Whether any withdrawal is held.
    pub fn is_withdrawn(&self) -> bool {
        !self.withdrawals.is_empty()
    }
}

/// What HQ did with a withdrawal, in its receipt.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalOutcome {
    /// HQ holds the testimony and restricts it for the purpose.
    Applied,
    /// HQ does not hold the testimony: it keeps the withdrawal, which applies if it arrives.
    Held,
}

/// One withdrawal a receipt confirms.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptWithdrawal {
    /// The withdrawal's custody entry id.
    pub entry_id: String,
    pub testimony_id: String,
    pub purpose: Purpose,
    pub outcome: WithdrawalOutcome,
}

fn detail(field: &'static str, v: &str) -> Result<String> {
    let t = v.trim();
    if t.is_empty() {
        return Err(ConsentError::Incomplete(field).into());
    }
    if t.chars().count() > MAX_DETAIL_CHARS {
        return Err(Error::invalid(format!(
            "{field}: at most {MAX_DETAIL_CHARS} characters"
        )));
    }
    Ok(t.to_string())
}

fn check_input(input: &WithdrawalInput) -> Result<Details> {
    let purpose = Purpose::parse(&input.purpose)?;
    let how = detail("how the witness withdrew (how)", &input.how)?;
    let recorded_by = detail("who recorded it (recorded_by)", &input.recorded_by)?;
    let withdrawn_at = match input.withdrawn_at.as_deref().map(str::trim) {
        None | Some("") => crate::model::now(),
        Some(at) => crate::model::typed::timestamp("withdrawn_at", at)?,
    };
    Ok(Details {
        purpose,
        withdrawn_at,
        how,
        recorded_by,
    })
}

/// The entry's id, device and time: what a withdrawal row keeps of its entry.
struct EntryRef {
    id: String,
    device_id: String,
    at: String,
}

fn insert(conn: &Connection, e: &EntryRef, testimony: &str, d: &Details) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO consent_withdrawal (entry_id, testimony_id, purpose, withdrawn_at,
            how, recorded_by, device_id, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.id,
            testimony,
            d.purpose.as_str(),
            d.withdrawn_at,
            d.how,
            d.recorded_by,
            e.device_id,
            e.at
        ],
    )?;
    Ok(n == 1)
}

impl Vault {
    /// Records that the witness withdrew consent for one purpose: one transaction holding the
    /// signed custody entry (which is the withdrawal, and what travels) and its row. Refused in
    /// a read-only vault; allowed in review mode (it changes no record: it restricts one).
    pub fn withdraw_consent(
        &mut self,
        testimony: &Uuid,
        input: &WithdrawalInput,
    ) -> Result<Withdrawal> {
        self.writable()?;
        let d = check_input(input)?;
        let id = testimony.to_string();
        self.write(|tx, device| {
            crate::model::testimony::load(tx, testimony)?;
            let held: Option<String> = tx
                .query_row(
                    "SELECT withdrawn_at FROM consent_withdrawal
                     WHERE testimony_id = ?1 AND purpose = ?2 ORDER BY withdrawn_at LIMIT 1",
                    params![id, d.purpose.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(withdrawn_at) = held {
                return Err(ConsentError::AlreadyWithdrawn {
                    testimony: id.clone(),
                    purpose: d.purpose.as_str(),
                    withdrawn_at,
                }
                .into());
            }
            let details = serde_json::to_string(&d).map_err(|_| Error::Internal("withdrawal"))?;
            custody::append_on(
                tx,
                device,
                Action::ConsentWithdrawn,
                Some(("testimony", &id)),
                None,
                Some(&details),
            )?;
            let e = last_own_entry(tx)?;
            insert(tx, &e, &id, &d)?;
            load_one(tx, &e.id)
        })
    }

    /// A testimony's effective consent and every withdrawal held for it, oldest first.
    pub fn consent_state(&self, testimony: &Uuid) -> Result<ConsentState> {
        let t = crate::model::testimony::load(&self.conn, testimony)?;
        Ok(ConsentState {
            effective: effective(&self.conn, &t.id, &t.consent)?,
            withdrawals: withdrawals_of(&self.conn, &t.id)?,
        })
    }
}

/// The entry just appended in this transaction.
fn last_own_entry(conn: &Connection) -> Result<EntryRef> {
    Ok(conn.query_row(
        "SELECT id, device_id, at FROM custody_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| {
            Ok(EntryRef {
                id: r.get(0)?,
                device_id: r.get(1)?,
                at: r.get(2)?,
            })
        },
    )?)
}

/// The record's consent narrowed by the withdrawals held (from the view `testimony_consent`).
fn effective(conn: &Connection, testimony: &str, own: &Consent) -> Result<Consent> {
    let (internal, hq, legal, publication): (i64, i64, i64, String) = conn.query_row(
        "SELECT internal_use, share_with_hq, legal_proceedings, publication
         FROM testimony_consent WHERE testimony_id = ?1",
        [testimony],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    Ok(Consent {
        internal_use: internal != 0,
        share_with_hq: hq != 0,
        legal_proceedings: legal != 0,
        publication,
        method: own.method.clone(),
        given_at: own.given_at.clone(),
    })
}

const COLS: &str =
    "entry_id, testimony_id, purpose, withdrawn_at, how, recorded_by, device_id, recorded_at";

fn from_row(conn: &Connection, r: &rusqlite::Row<'_>) -> Result<Withdrawal> {
    let id: String = r.get(0)?;
    let mut stmt = conn.prepare(
        "SELECT hq_device_id, receipt_id, confirmed_at FROM consent_withdrawal_confirmed
         WHERE entry_id = ?1 ORDER BY confirmed_at, receipt_id",
    )?;
    let confirmed = stmt
        .query_map([&id], |c| {
            Ok(Confirmation {
                hq_device_id: c.get(0)?,
                receipt_id: c.get(1)?,
                confirmed_at: c.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Withdrawal {
        id,
        testimony_id: r.get(1)?,
        purpose: Purpose::from_stored(&r.get::<_, String>(2)?)?,
        withdrawn_at: r.get(3)?,
        how: r.get(4)?,
        recorded_by: r.get(5)?,
        device_id: r.get(6)?,
        recorded_at: r.get(7)?,
        confirmed,
    })
}

fn load_one(conn: &Connection, entry_id: &str) -> Result<Withdrawal> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM consent_withdrawal WHERE entry_id = ?1"
    ))?;
    let mut rows = stmt.query([entry_id])?;
    match rows.next()? {
        Some(r) => from_row(conn, r),
        None => Err(Error::not_found("consent withdrawal", entry_id)),
    }
}

fn withdrawals_of(conn: &Connection, testimony: &str) -> Result<Vec<Withdrawal>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM consent_withdrawal WHERE testimony_id = ?1
         ORDER BY withdrawn_at, entry_id"
    ))?;
    let mut rows = stmt.query([testimony])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(conn, r)?);
    }
    Ok(out)
}

// ---- Bundles: what travels, what is checked and applied on import ----

/// Import, pass 1: a `consent_withdrawn` entry must name a testimony by its canonical id and
/// hold exactly the documented details, valid. Gives the reason it is not.
pub(crate) fn check_entry(e: &Entry) -> std::result::Result<(), String> {
    if e.subject_type.as_deref() != Some("testimony") {
        return Err("a consent withdrawal must be about a testimony".into());
    }
    let canonical = e
        .subject_id
        .as_deref()
        .and_then(|s| Uuid::parse_str(s).ok().filter(|u| u.to_string() == s));
    if canonical.is_none() {
        return Err("a consent withdrawal must name its testimony by a canonical UUID".into());
    }
    let d: Details = serde_json::from_str(e.details.as_deref().unwrap_or_default())
        .map_err(|x| format!("a consent withdrawal's details are not as documented: {x}"))?;
    check_input(&WithdrawalInput {
        purpose: d.purpose.as_str().into(),
        withdrawn_at: Some(d.withdrawn_at.clone()),
        how: d.how.clone(),
        recorded_by: d.recorded_by.clone(),
    })
    .map_err(|x| format!("a consent withdrawal is not valid: {x}"))?;
    if d.how.trim() != d.how || d.recorded_by.trim() != d.recorded_by {
        return Err("a consent withdrawal's details are not as recorded".into());
    }
    Ok(())
}

/// Import, pass 2 (inside the import's transaction): stores a withdrawal entry checked in
/// pass 1, and notes the bundle it came in (for the receipt). Whether it was new here.
pub(crate) fn record_received(conn: &Connection, e: &Entry, bundle_id: &str) -> Result<bool> {
    let d: Details = serde_json::from_str(e.details.as_deref().unwrap_or_default())
        .map_err(|_| Error::Internal("a withdrawal checked in pass 1"))?;
    let testimony = e
        .subject_id
        .as_deref()
        .ok_or(Error::Internal("a withdrawal checked in pass 1"))?;
    let at = EntryRef {
        id: e.id.clone(),
        device_id: e.device_id.clone(),
        at: e.at.clone(),
    };
    let new = insert(conn, &at, testimony, &d)?;
    conn.execute(
        "INSERT OR IGNORE INTO consent_withdrawal_import (entry_id, bundle_id) VALUES (?1, ?2)",
        params![e.id, bundle_id],
    )?;
    Ok(new)
}

/// Export: the withdrawal entries to carry besides those about the records in the bundle:
/// every withdrawal held here about a testimony already sent to one of `recipients` that this
/// recipient has not confirmed in a receipt. (A testimony in the bundle carries its entries
/// anyway; one never sent needs none: its withdrawal travels with it if it ever goes.)
pub(crate) fn to_send(
    conn: &Connection,
    recipients: &[RecipientEntry],
    in_bundle: &HashSet<String>,
) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut stmt = conn.prepare("SELECT entry_id, testimony_id FROM consent_withdrawal")?;
    let all = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (entry, testimony) in all {
        if in_bundle.contains(&testimony) {
            continue;
        }
        for r in recipients {
            let sent: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM export_state WHERE recipient = ?1
                    AND record_type = 'testimony' AND record_id = ?2)",
                params![r.recipient, testimony],
                |x| x.get(0),
            )?;
            let confirmed: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM consent_withdrawal_confirmed
                    WHERE entry_id = ?1 AND hq_device_id = ?2)",
                params![entry, r.device_id],
                |x| x.get(0),
            )?;
            if sent && !confirmed {
                out.insert(entry.clone());
                break;
            }
        }
    }
    Ok(out)
}

/// HQ's receipt: every withdrawal the bundle carried, and whether HQ holds its testimony.
pub(crate) fn for_receipt(conn: &Connection, bundle_id: &str) -> Result<Vec<ReceiptWithdrawal>> {
    let mut stmt = conn.prepare(
        "SELECT w.entry_id, w.testimony_id, w.purpose,
                EXISTS (SELECT 1 FROM testimony t WHERE t.id = w.testimony_id)
         FROM consent_withdrawal_import i JOIN consent_withdrawal w ON w.entry_id = i.entry_id
         WHERE i.bundle_id = ?1 ORDER BY w.entry_id",
    )?;
    let rows = stmt
        .query_map([bundle_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(entry_id, testimony_id, purpose, held)| {
            Ok(ReceiptWithdrawal {
                entry_id,
                testimony_id,
                purpose: Purpose::from_stored(&purpose)?,
                outcome: if held {
                    WithdrawalOutcome::Applied
                } else {
                    WithdrawalOutcome::Held
                },
            })
        })
        .collect()
}

/// The monitor, accepting a verified receipt (inside its transaction): records HQ's
/// confirmation of each withdrawal this vault holds with that testimony and purpose. Gives how
/// many were confirmed.
pub(crate) fn confirm(
    conn: &Connection,
    receipt_id: &str,
    hq_device_id: &str,
    at: &str,
    items: &[ReceiptWithdrawal],
) -> Result<usize> {
    let mut n = 0;
    for w in items {
        n += conn.execute(
            "INSERT OR IGNORE INTO consent_withdrawal_confirmed
                (entry_id, receipt_id, hq_device_id, confirmed_at)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM consent_withdrawal
                WHERE entry_id = ?1 AND testimony_id = ?5 AND purpose = ?6)",
            params![
                w.entry_id,
                receipt_id,
                hq_device_id,
                at,
                w.testimony_id,
                w.purpose.as_str()
            ],
        )?;
    }
    Ok(n)
}

/// Checks a receipt's withdrawals are well formed (canonical ids), before anything is stored.
pub(crate) fn canonical_receipt_items(items: &mut [ReceiptWithdrawal]) -> Result<()> {
    for w in items.iter_mut() {
        for id in [&mut w.entry_id, &mut w.testimony_id] {
            *id = Uuid::parse_str(id).map(|u| u.to_string()).map_err(|_| {
                crate::bundle::BundleError::Malformed(
                    crate::bundle::receipt::RECEIPT.into(),
                    "a withdrawal's id is not a UUID".into(),
                )
            })?;
        }
    }
    Ok(())
}

// ---- Readers: what follows a testimony's consent ----

/// The attachments that follow a testimony whose consent for `purpose` was withdrawn: those
/// linked to it. This is the hook for things derived from a testimony: when redacted copies
/// carry `derived_from` links, the copies derived from these attachments join this set here,
/// keyed on the testimony, and every reader using it follows.
pub(crate) fn withdrawn_attachments(
    conn: &Connection,
    purpose: Purpose,
) -> Result<HashSet<String>> {
    let denied = match purpose {
        Purpose::ShareWithHq => "c.share_with_hq = 0",
        Purpose::LegalProceedings => "c.legal_proceedings = 0",
        Purpose::Publication => "c.publication = 'none'",
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT a.id FROM attachment a JOIN testimony_consent c ON c.testimony_id = a.record_id
         WHERE a.record_type = 'testimony' AND c.withdrawn AND {denied}"
    ))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
