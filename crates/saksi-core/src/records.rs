//! Read and write handles per record type. Reads borrow the vault; writes borrow it mutably, run
//! in one transaction and append a custody-log entry (with the SHA-256 of the record as stored)
//! in that same transaction.

use crate::sql::Cached;
use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;
use uuid::Uuid;

use crate::custody::{self, Action};
use crate::device::DeviceIdentity;
use crate::error::{Error, Result};
use crate::history;
use crate::model::{self, *};
use crate::vault::Vault;

mod batch;
pub use batch::BatchFailure;

impl Vault {
    /// Runs `f` in one immediate transaction (`BEGIN IMMEDIATE`), committed only if it succeeds
    /// and rolled back otherwise: the one transaction helper of the core. It borrows the vault
    /// shared, so the body may also use the vault itself (its folders, attachment blobs); a
    /// write inside a write fails, as nested transactions do in SQLite. A vault opened read-only
    /// refuses before the transaction begins.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>, &DeviceIdentity) -> Result<T>,
    ) -> Result<T> {
        self.writable()?;
        let tx = Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx, &self.device)?;
        // The search rows this write changed, once for the whole transaction (migration 0024).
        crate::search::pending::apply(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn incidents(&self) -> Incidents<'_> {
        Incidents(self)
    }
    pub fn incidents_mut(&mut self) -> IncidentsMut<'_> {
        IncidentsMut(self)
    }
    pub fn persons(&self) -> Persons<'_> {
        Persons(self)
    }
    pub fn persons_mut(&mut self) -> PersonsMut<'_> {
        PersonsMut(self)
    }
    pub fn testimonies(&self) -> Testimonies<'_> {
        Testimonies(self)
    }
    pub fn testimonies_mut(&mut self) -> TestimoniesMut<'_> {
        TestimoniesMut(self)
    }
    pub fn proceedings(&self) -> Proceedings<'_> {
        Proceedings(self)
    }
    pub fn proceedings_mut(&mut self) -> ProceedingsMut<'_> {
        ProceedingsMut(self)
    }
    pub fn interventions(&self) -> Interventions<'_> {
        Interventions(self)
    }
    pub fn interventions_mut(&mut self) -> InterventionsMut<'_> {
        InterventionsMut(self)
    }

    /// A controlled vocabulary with its labels.
    pub fn vocabulary(&self, v: model::vocab::Vocab) -> Result<Vec<model::vocab::Term>> {
        model::vocab::terms(&self.conn, v)
    }
}

fn log_created<T: Serialize>(
    tx: &Transaction<'_>,
    dev: &DeviceIdentity,
    what: &str,
    id: &Uuid,
    record: &T,
    action: Action,
) -> Result<()> {
    // The version goes into the history, and the custody entry names its hash (the SHA-256 of
    // the snapshot: the record as written, see history/mod.rs), so the two agree.
    let snap = history::snapshot(record)?;
    let origin = match action {
        Action::RecordCreated => history::Origin::Created,
        _ => history::Origin::Edited,
    };
    let id = id.to_string();
    let (_, at) = history::author(&snap);
    history::put(tx, what, &id, &snap, dev.id(), &at, origin)?;
    custody::append_on(tx, dev, action, Some((what, &id)), Some(&snap.hash), None)
}

/// One new incident (with its new people), and a custody entry for each record made.
pub(crate) fn add_incident(
    tx: &Transaction<'_>,
    dev: &DeviceIdentity,
    input: &IncidentInput,
) -> Result<Uuid> {
    Ok(add_incident_with_people(tx, dev, input)?.0)
}

/// As [`add_incident`], also giving the id of each new person by its local reference (the key
/// of `input.people`), for records saved in the same transaction that name them.
pub(crate) fn add_incident_with_people(
    tx: &Transaction<'_>,
    dev: &DeviceIdentity,
    input: &IncidentInput,
) -> Result<(Uuid, std::collections::BTreeMap<String, Uuid>)> {
    let (id, people) = model::incident::insert(tx, dev.id(), input)?;
    for pid in people.values() {
        let p = model::person::load(tx, pid)?;
        log_created(tx, dev, "person", pid, &p, Action::RecordCreated)?;
    }
    let inc = model::incident::load(tx, &id)?;
    log_created(tx, dev, "incident", &id, &inc, Action::RecordCreated)?;
    Ok((id, people))
}

fn add_person(tx: &Transaction<'_>, dev: &DeviceIdentity, input: &PersonInput) -> Result<Uuid> {
    let id = model::person::insert(tx, dev.id(), input)?;
    let p = model::person::load(tx, &id)?;
    log_created(tx, dev, "person", &id, &p, Action::RecordCreated)?;
    Ok(id)
}

pub(crate) fn add_testimony(
    tx: &Transaction<'_>,
    dev: &DeviceIdentity,
    input: &TestimonyInput,
) -> Result<Uuid> {
    let id = model::testimony::insert(tx, dev.id(), input)?;
    let t = model::testimony::load(tx, &id)?;
    log_created(tx, dev, "testimony", &id, &t, Action::RecordCreated)?;
    Ok(id)
}

/// The record types whose edits name the version they were made from.
#[derive(Clone, Copy)]
enum Stored {
    Person,
    Testimony,
}

/// Optimistic concurrency: refuses an edit made from another version than the stored one.
fn check_version(tx: &Transaction<'_>, what: Stored, id: &Uuid, edited: Option<i64>) -> Result<()> {
    let (name, sql) = match what {
        Stored::Person => ("person", "SELECT version FROM person WHERE id = ?1"),
        Stored::Testimony => ("testimony", "SELECT version FROM testimony WHERE id = ?1"),
    };
    let stored: i64 = tx
        .row(sql, [id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::not_found(name, id))?;
    match edited {
        Some(edited) if edited != stored => Err(Error::StaleEdit {
            what: name,
            id: id.to_string(),
            edited,
            stored,
        }),
        _ => Ok(()),
    }
}

pub struct Incidents<'a>(&'a Vault);
pub struct IncidentsMut<'a>(&'a mut Vault);

impl Incidents<'_> {
    pub fn get(&self, id: &Uuid) -> Result<Incident> {
        model::incident::load(&self.0.conn, id)
    }
    pub fn list(&self) -> Result<Vec<Incident>> {
        model::incident::list(&self.0.conn)
    }
}

impl IncidentsMut<'_> {
    /// Adds an incident with the people, acts and proceedings in `input`, all or nothing.
    pub fn add(&mut self, input: &IncidentInput) -> Result<Uuid> {
        self.0.write_records(|tx, dev| add_incident(tx, dev, input))
    }

    /// Applies a whole edit of a stored incident in one transaction: its own fields, kinds and
    /// links, and the acts and proceedings listed (changed in place, added or removed), with any
    /// new people. One `record_edited` custody entry for the incident (plus `record_created` for
    /// each new person) and one version bump; all or nothing. A stale `version` is refused.
    pub fn edit(&mut self, id: &Uuid, edit: &IncidentEdit) -> Result<()> {
        self.0.write_records(|tx, dev| {
            let people = model::incident::edit(tx, dev.id(), id, edit)?;
            for pid in people.values() {
                let p = model::person::load(tx, pid)?;
                log_created(tx, dev, "person", pid, &p, Action::RecordCreated)?;
            }
            let inc = model::incident::load(tx, id)?;
            log_created(tx, dev, "incident", id, &inc, Action::RecordEdited)
        })
    }

    /// Replaces the incident's own fields, kinds and links.
    pub fn update(&mut self, id: &Uuid, input: &IncidentInput) -> Result<()> {
        self.0.write_records(|tx, dev| {
            model::incident::update(tx, dev.id(), id, input)?;
            let inc = model::incident::load(tx, id)?;
            log_created(tx, dev, "incident", id, &inc, Action::RecordEdited)
        })
    }

    /// Removes an act from its incident (the person stays).
    pub fn remove_involvement(&mut self, involvement: &Uuid) -> Result<()> {
        self.0.write_records(|tx, dev| {
            let incident: Option<String> = tx
                .row(
                    "SELECT incident_id FROM involvement WHERE id = ?1",
                    [involvement.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let incident = incident.ok_or_else(|| Error::not_found("act", involvement))?;
            tx.exec(
                "DELETE FROM involvement WHERE id = ?1",
                [involvement.to_string()],
            )?;
            tx.exec(
                "UPDATE incident SET version = version + 1, updated_at = ?2, device_id = ?3 WHERE id = ?1",
                rusqlite::params![incident, model::now(), dev.id()],
            )?;
            let iid = model::parse_id("incident", &incident)?;
            let inc = model::incident::load(tx, &iid)?;
            log_created(tx, dev, "incident", &iid, &inc, Action::RecordEdited)
        })
    }

    /// Adds an act (person × role) to an incident.
    pub fn add_involvement(
        &mut self,
        incident: &Uuid,
        person: Option<&Uuid>,
        input: &InvolvementInput,
    ) -> Result<Uuid> {
        self.0.write_records(|tx, dev| {
            let id = model::incident::insert_involvement(tx, dev.id(), incident, person, input)?;
            let inc = model::incident::load(tx, incident)?;
            log_created(tx, dev, "incident", incident, &inc, Action::RecordEdited)?;
            Ok(id)
        })
    }
}

/// One act of a person, as the person page lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PersonInvolvement {
    pub involvement_id: String,
    pub incident_id: String,
    pub incident_title: String,
    pub role: String,
}

pub struct Persons<'a>(&'a Vault);
pub struct PersonsMut<'a>(&'a mut Vault);

impl Persons<'_> {
    pub fn get(&self, id: &Uuid) -> Result<Person> {
        model::person::load(&self.0.conn, id)
    }
    pub fn list(&self) -> Result<Vec<Person>> {
        model::person::list(&self.0.conn)
    }
    /// Every act the person is part of, with the incident's title.
    pub fn involvements(&self, id: &Uuid) -> Result<Vec<PersonInvolvement>> {
        model::person::exists(&self.0.conn, id)?;
        let mut stmt = self.0.conn.prepare_cached(
            "SELECT v.id, v.incident_id, i.title, v.role FROM involvement v
             JOIN incident i ON i.id = v.incident_id
             WHERE v.person_id = ?1
             ORDER BY i.start_date IS NULL, i.start_date DESC, i.id DESC",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok(PersonInvolvement {
                involvement_id: r.get(0)?,
                incident_id: r.get(1)?,
                incident_title: r.get(2)?,
                role: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The person's proceedings, oldest first.
    pub fn proceedings(&self, id: &Uuid) -> Result<Vec<Proceeding>> {
        model::person::exists(&self.0.conn, id)?;
        model::proceeding::for_person(&self.0.conn, id)
    }
}

impl PersonsMut<'_> {
    pub fn add(&mut self, input: &PersonInput) -> Result<Uuid> {
        self.0.write_records(|tx, dev| add_person(tx, dev, input))
    }
    pub fn update(&mut self, id: &Uuid, input: &PersonInput) -> Result<()> {
        self.edit(id, None, input)
    }

    /// Replaces all of the person's fields, refusing when `version` (the version the edit was
    /// made from) is given and is no longer the stored one.
    pub fn edit(&mut self, id: &Uuid, version: Option<i64>, input: &PersonInput) -> Result<()> {
        self.0.write_records(|tx, dev| {
            check_version(tx, Stored::Person, id, version)?;
            model::person::update(tx, dev.id(), id, input)?;
            let p = model::person::load(tx, id)?;
            log_created(tx, dev, "person", id, &p, Action::RecordEdited)
        })
    }
}

pub struct Testimonies<'a>(&'a Vault);
pub struct TestimoniesMut<'a>(&'a mut Vault);

impl Testimonies<'_> {
    pub fn get(&self, id: &Uuid) -> Result<Testimony> {
        model::testimony::load(&self.0.conn, id)
    }
    pub fn list(&self, incident: Option<&Uuid>) -> Result<Vec<Testimony>> {
        model::testimony::list(&self.0.conn, incident)
    }
}

impl TestimoniesMut<'_> {
    pub fn add(&mut self, input: &TestimonyInput) -> Result<Uuid> {
        self.0
            .write_records(|tx, dev| add_testimony(tx, dev, input))
    }

    /// Replaces the testimony's fields, consent included.
    pub fn update(&mut self, id: &Uuid, input: &TestimonyInput) -> Result<()> {
        self.edit(id, None, input)
    }

    /// Replaces the testimony's fields, refusing when `version` (the version the edit was made
    /// from) is given and is no longer the stored one.
    pub fn edit(&mut self, id: &Uuid, version: Option<i64>, input: &TestimonyInput) -> Result<()> {
        self.0.write_records(|tx, dev| {
            check_version(tx, Stored::Testimony, id, version)?;
            model::testimony::update(tx, dev.id(), id, input)?;
            let t = model::testimony::load(tx, id)?;
            log_created(tx, dev, "testimony", id, &t, Action::RecordEdited)
        })
    }
}

pub struct Proceedings<'a>(&'a Vault);
pub struct ProceedingsMut<'a>(&'a mut Vault);

impl Proceedings<'_> {
    pub fn get(&self, id: &Uuid) -> Result<Proceeding> {
        model::proceeding::load(&self.0.conn, id)
    }
}

impl ProceedingsMut<'_> {
    pub fn add(&mut self, input: &ProceedingInput) -> Result<Uuid> {
        self.0.write_records(|tx, dev| {
            let id = model::proceeding::insert_standalone(tx, dev.id(), input)?;
            let p = model::proceeding::load(tx, &id)?;
            log_created(tx, dev, "proceeding", &id, &p, Action::RecordCreated)?;
            Ok(id)
        })
    }
}

pub struct Interventions<'a>(&'a Vault);
pub struct InterventionsMut<'a>(&'a mut Vault);

impl Interventions<'_> {
    pub fn get(&self, id: &Uuid) -> Result<Intervention> {
        model::intervention::load(&self.0.conn, id)
    }
    pub fn list(&self) -> Result<Vec<Intervention>> {
        model::intervention::list(&self.0.conn)
    }
}

impl InterventionsMut<'_> {
    pub fn add(&mut self, input: &InterventionInput) -> Result<Uuid> {
        self.0.write_records(|tx, dev| {
            let id = model::intervention::insert(tx, dev.id(), input)?;
            let i = model::intervention::load(tx, &id)?;
            log_created(tx, dev, "intervention", &id, &i, Action::RecordCreated)?;
            Ok(id)
        })
    }
}
