//! Choosing what an export carries: the records in scope, with consent enforced (contact
//! details and people who did not consent to sharing are withheld), what `--since-last` leaves
//! out, and each record prepared as it travels (its lineage and its author's attestation).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rusqlite::{params, Connection};

use super::ExportOptions;
use crate::bundle::keys::{self, RecipientEntry};
use crate::bundle::lineage;
use crate::bundle::manifest::Withheld;
use crate::bundle::rows::{self, RecordFile, CONTACTS};
use crate::bundle::sha256_hex;
use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::model::RecordType;

/// One planned record file.
pub(super) struct Planned {
    pub(super) record_type: &'static str,
    pub(super) id: String,
    /// The record's content hash (what `--since-last` compares).
    pub(super) sha256: String,
    /// The record file as it travels, with its ancestors: hash, size, ancestors.
    pub(super) file_sha256: String,
    pub(super) file_size: u64,
    pub(super) ancestors: Vec<String>,
}

/// One planned attachment (its bytes go to `files/<id>`).
pub(super) struct PlannedFile {
    pub(super) id: String,
    pub(super) sha256: String,
    pub(super) size: u64,
}

fn ids(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn pairs(conn: &Connection, sql: &str) -> Result<Vec<(String, Option<String>)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The records chosen for a bundle, by type, plus what consent kept back.
pub(super) struct Selection {
    pub(super) by_type: BTreeMap<RecordType, BTreeSet<String>>,
    pub(super) withheld: Vec<Withheld>,
}

fn select(conn: &Connection, opts: &ExportOptions) -> Result<Selection> {
    let full = opts.incidents.is_empty();
    let incidents: BTreeSet<String> = if full {
        ids(conn, "SELECT id FROM incident")?.into_iter().collect()
    } else {
        let mut s = BTreeSet::new();
        for id in &opts.incidents {
            let id = id.to_string();
            let n: i64 =
                conn.query_row("SELECT count(*) FROM incident WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })?;
            if n == 0 {
                return Err(Error::not_found("incident", &id));
            }
            s.insert(id);
        }
        s
    };
    let in_scope =
        |inc: &Option<String>| full || inc.as_ref().is_some_and(|i| incidents.contains(i));

    let mut persons_referenced = BTreeSet::new();
    let mut involvements = BTreeSet::new();
    for (id, inc) in pairs(conn, "SELECT id, incident_id FROM involvement")? {
        if inc.as_ref().is_some_and(|i| incidents.contains(i)) {
            involvements.insert(id);
        }
    }
    for (id, p) in pairs(conn, "SELECT id, person_id FROM involvement")? {
        if involvements.contains(&id) {
            persons_referenced.extend(p);
        }
    }
    // Proceedings (person_id is None for one against a group of unnamed people) and
    // interventions of the incidents in scope, with the people they name.
    let mut proceedings = BTreeSet::new();
    let mut interventions = BTreeSet::new();
    for (table, chosen) in [
        ("proceeding", &mut proceedings),
        ("intervention", &mut interventions),
    ] {
        let mut stmt = conn.prepare(&format!("SELECT id, incident_id, person_id FROM {table}"))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, inc, person) = row?;
            if in_scope(&inc) {
                chosen.insert(id);
                persons_referenced.extend(person);
            }
        }
    }
    let mut testimonies = BTreeSet::new();
    let mut withheld_testimonies = BTreeSet::new();
    let mut withdrawn_testimonies = 0u64;
    let mut withheld_witnesses = BTreeSet::new();
    // Effective consent: the record's, narrowed by every withdrawal held (crate::consent).
    let mut stmt = conn.prepare(
        "SELECT t.id, t.incident_id, t.witness_id, c.share_with_hq, t.consent_share_hq
         FROM testimony t JOIN testimony_consent c ON c.testimony_id = t.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (id, inc, witness, consent, given) = row?;
        if !incidents.contains(&inc) {
            continue;
        }
        if consent == 1 {
            testimonies.insert(id);
            persons_referenced.extend(witness);
        } else {
            if given == 1 {
                withdrawn_testimonies += 1;
            }
            withheld_testimonies.insert(id);
            withheld_witnesses.extend(witness);
        }
    }
    let mut withheld_persons = BTreeSet::new();
    let persons: BTreeSet<String> = if full {
        let mut all: BTreeSet<String> = ids(conn, "SELECT id FROM person")?.into_iter().collect();
        for w in &withheld_witnesses {
            if !persons_referenced.contains(w) && all.remove(w) {
                withheld_persons.insert(w.clone());
            }
        }
        all
    } else {
        persons_referenced
    };

    let mut attachments = BTreeSet::new();
    let mut withheld_attachments = 0u64;
    let mut stmt = conn.prepare("SELECT id, record_type, record_id FROM attachment")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, ty, rid) = row?;
        let included = match ty.parse::<RecordType>() {
            Ok(RecordType::Incident) => incidents.contains(&rid),
            Ok(RecordType::Testimony) => testimonies.contains(&rid),
            Ok(RecordType::Person) => persons.contains(&rid),
            _ => false,
        };
        if included {
            attachments.insert(id);
        } else if withheld_testimonies.contains(&rid) || withheld_persons.contains(&rid) {
            withheld_attachments += 1;
        }
    }

    let mut withheld = Vec::new();
    let never_given = withheld_testimonies.len() as u64 - withdrawn_testimonies;
    if never_given > 0 {
        withheld.push(Withheld {
            record_type: "testimony".into(),
            count: never_given,
            code: "no_consent".into(),
            reason: "the witness did not consent to sharing with HQ".into(),
        });
    }
    if withdrawn_testimonies > 0 {
        withheld.push(Withheld {
            record_type: "testimony".into(),
            count: withdrawn_testimonies,
            code: "consent_withdrawn".into(),
            reason: "the witness withdrew consent to sharing with HQ".into(),
        });
    }
    if !withheld_persons.is_empty() {
        withheld.push(Withheld {
            record_type: "person".into(),
            count: withheld_persons.len() as u64,
            code: "witness_only".into(),
            reason: "known only as the witness of a testimony without consent to share with HQ"
                .into(),
        });
    }
    if withheld_attachments > 0 {
        withheld.push(Withheld {
            record_type: "attachment".into(),
            count: withheld_attachments,
            code: "attachment_of_withheld".into(),
            reason: "attached to a testimony or person that is withheld".into(),
        });
    }
    if !opts.include_contacts {
        let mut n = 0u64;
        for p in &persons {
            n += conn.query_row(
                &format!("SELECT count(*) FROM {CONTACTS} WHERE person_id = ?1"),
                [p],
                |r| r.get::<_, i64>(0),
            )? as u64;
        }
        if n > 0 {
            withheld.push(Withheld {
                record_type: "person_contact".into(),
                count: n,
                code: "contacts".into(),
                reason:
                    "contact details stay on this device unless the export is told to include them"
                        .into(),
            });
        }
    }

    let mut by_type = BTreeMap::new();
    by_type.insert(RecordType::Person, persons);
    by_type.insert(RecordType::Incident, incidents);
    by_type.insert(RecordType::Involvement, involvements);
    by_type.insert(RecordType::Proceeding, proceedings);
    by_type.insert(RecordType::Testimony, testimonies);
    by_type.insert(RecordType::Intervention, interventions);
    by_type.insert(RecordType::Attachment, attachments);
    let (annotations, withheld_annotations) = annotations_of(conn, &by_type)?;
    if full && withheld_annotations > 0 {
        withheld.push(Withheld {
            record_type: "annotation".into(),
            count: withheld_annotations,
            code: "annotation_of_withheld".into(),
            reason: "about a record that is withheld or not in this bundle".into(),
        });
    }
    by_type.insert(RecordType::Annotation, annotations);
    Ok(Selection { by_type, withheld })
}

/// The annotations about the records selected (issue 11): an annotation travels with its
/// subject; one about a record that does not travel stays (counted as withheld in a full
/// export, where that record was withheld or is not held here).
fn annotations_of(
    conn: &Connection,
    by_type: &BTreeMap<RecordType, BTreeSet<String>>,
) -> Result<(BTreeSet<String>, u64)> {
    let mut out = BTreeSet::new();
    let mut left = 0u64;
    let mut stmt = conn.prepare("SELECT id, subject_type, subject_id FROM annotation")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, ty, sid) = row?;
        let travels = ty
            .parse::<RecordType>()
            .ok()
            .and_then(|t| by_type.get(&t))
            .is_some_and(|set| set.contains(&sid));
        if travels {
            out.insert(id);
        } else {
            left += 1;
        }
    }
    Ok((out, left))
}

pub(super) fn load_record(
    conn: &Connection,
    record_type: &str,
    id: &str,
    with_contacts: bool,
) -> Result<RecordFile> {
    let spec = rows::spec(record_type)
        .ok_or_else(|| Error::invalid(format!("unknown record type {record_type}")))?;
    rows::load(conn, spec, id, with_contacts)?.ok_or_else(|| Error::not_found("record", id))
}

/// The custody entries about the exported subjects, one JSON object per line: this device's own
/// in log order, then those received from other devices (so that a forwarded record keeps its
/// author's signed entries), device by device in their order.
/// `withdrawals`: the ids of consent withdrawals that travel although their testimony does not
/// (see `crate::consent::to_send`). `tombstones`: the ids of the `record_deleted` entries that
/// travel (`crate::deletion::outgoing`); any other one about a subject stays here (a received
/// deletion this vault did not apply is not passed on).
pub(super) fn custody_lines(
    conn: &Connection,
    subjects: &HashSet<String>,
    withdrawals: &BTreeSet<String>,
    tombstones: &HashSet<String>,
    mut each: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    for log in [custody::Log::Own, custody::Log::Received] {
        custody::each_entry(conn, log, |e| {
            // Person merges are HQ's own analysis and stay here (see `Action::stays_local`).
            let about = e.subject_id.as_ref().is_some_and(|s| subjects.contains(s));
            // This vault's own replacement of its device identity travels in every bundle, so
            // that whichever reaches HQ first tells it (issue 16).
            let replaced =
                matches!(log, custody::Log::Own) && e.action == Action::DeviceReplaced.as_str();
            if !(about || replaced || withdrawals.contains(&e.id)) || Action::stays_local(&e.action)
            {
                return Ok(());
            }
            if e.action == Action::RecordDeleted.as_str() && !tombstones.contains(&e.id) {
                return Ok(());
            }
            let mut line = serde_json::to_vec(e).map_err(|_| Error::Internal("custody entry"))?;
            line.push(b'\n');
            each(&line)
        })?;
    }
    Ok(())
}

/// The author's signed statement that it wrote this version ([`Action::RecordVersion`]), made
/// once per version, when a version this device wrote first leaves it. A version written under
/// this vault's former device identity (before a restore gave it a new one) is attested by that
/// identity's key, the only one that can prove it.
fn attest(
    conn: &Connection,
    device: &DeviceIdentity,
    rec: &RecordFile,
    version_hash: &str,
) -> Result<()> {
    let former;
    let device = match rec.device_id() {
        Some(id) if id == device.id() => device,
        Some(id) => match DeviceIdentity::load_former(conn, id)? {
            Some(d) => {
                former = d;
                &former
            }
            None => return Ok(()),
        },
        None => return Ok(()),
    };
    let done: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM custody_log WHERE action = ?1 AND subject_id = ?2
                        AND content_hash = ?3)",
        params![Action::RecordVersion.as_str(), rec.id, version_hash],
        |r| r.get(0),
    )?;
    if done {
        return Ok(());
    }
    let details = serde_json::json!({ "version": rec.version() }).to_string();
    custody::append_on(
        conn,
        device,
        Action::RecordVersion,
        Some((&rec.record_type, &rec.id)),
        Some(version_hash),
        Some(&details),
    )
}

/// The named recipients, each key once (two names for one key count once).
pub(super) fn resolve_recipients(
    conn: &Connection,
    names: &[String],
) -> Result<Vec<RecipientEntry>> {
    let mut recipients: Vec<RecipientEntry> = Vec::new();
    for name in names {
        let r = keys::recipient_by_name(conn, name)?;
        if !recipients.iter().any(|x| x.recipient == r.recipient) {
            recipients.push(r);
        }
    }
    Ok(recipients)
}

/// Pass 1: selects and hashes every record (and decides what `since_last` keeps).
pub(super) fn plan(
    conn: &Connection,
    opts: &ExportOptions,
    recipients: &[RecipientEntry],
) -> Result<Plan> {
    let selection = select(conn, opts)?;
    let mut planned: Vec<Planned> = Vec::new();
    let mut planned_files: Vec<PlannedFile> = Vec::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (rt, set) in &selection.by_type {
        let ty = rt.as_str();
        for id in set {
            let rec = load_record(conn, ty, id, opts.include_contacts)?;
            let bytes = rec.to_bytes();
            let sha = sha256_hex(&bytes);
            if opts.since_last {
                let mut unchanged = true;
                for r in recipients {
                    let last: Option<String> = conn
                        .query_row(
                            "SELECT content_sha256 FROM export_state WHERE recipient = ?1 AND record_type = ?2 AND record_id = ?3",
                            params![r.recipient, ty, id],
                            |row| row.get(0),
                        )
                        .ok();
                    unchanged &= last.as_deref() == Some(sha.as_str());
                }
                if unchanged {
                    continue;
                }
            }
            if *rt == RecordType::Attachment {
                let (sha_a, size): (String, i64) = conn.query_row(
                    "SELECT sha256, size FROM attachment WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                planned_files.push(PlannedFile {
                    id: id.clone(),
                    sha256: sha_a,
                    size: size.max(0) as u64,
                });
            }
            *counts.entry(ty.to_string()).or_default() += 1;
            planned.push(Planned {
                record_type: ty,
                id: id.clone(),
                sha256: sha,
                file_sha256: String::new(),
                file_size: bytes.len() as u64,
                ancestors: Vec::new(),
            });
        }
    }
    Ok(Plan {
        selection,
        planned,
        planned_files,
        counts,
    })
}

pub(super) struct Plan {
    pub(super) selection: Selection,
    pub(super) planned: Vec<Planned>,
    pub(super) planned_files: Vec<PlannedFile>,
    pub(super) counts: BTreeMap<String, u64>,
}

/// Prepares each planned record as it travels: with its lineage (what an importer needs to tell
/// a fast-forward from a concurrent edit) and, where this device wrote the version, its signed
/// attestation.
pub(super) fn prepare(
    conn: &Connection,
    device: &DeviceIdentity,
    planned: &mut [Planned],
    include_contacts: bool,
) -> Result<()> {
    for p in planned.iter_mut() {
        let mut rec = load_record(conn, p.record_type, &p.id, include_contacts)?;
        let held = lineage::refresh(conn, &rec)?;
        attest(conn, device, &rec, &held.head)?;
        rec.ancestors = held.ancestors;
        let bytes = rec.to_bytes();
        p.file_sha256 = sha256_hex(&bytes);
        p.file_size = bytes.len() as u64;
        p.ancestors = rec.ancestors;
    }
    Ok(())
}
