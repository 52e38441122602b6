//! Merged persons: HQ's statement that two person records are one person (two monitors each
//! recorded the same victim). A merge is a link in `person_merge` beside the records, never a
//! change to either of them: both keep their author, versions and lineage, so a later bundle
//! carrying a new version of either monitor's record fast-forwards onto that record as before,
//! and the merge still holds. Links chain (A into B, B into C); every person counts as the
//! identity at the end of its chain (`identity_id`, kept up to date in the same transaction, and
//! the `person_identity` view reports count by). A merge and an unmerge are each one transaction
//! with one custody entry; merges stay in this vault (their entries do not travel in bundles:
//! see docs/bundle-format.md, "Merging").

use crate::sql::Cached;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use uuid::Uuid;

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

#[cfg(test)]
mod tests;

/// Why a merge or an unmerge was refused. Nothing was changed in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    #[error("a person cannot be merged with itself ({0}): nothing was changed")]
    SelfMerge(String),

    #[error("persons {a} and {b} are already merged (one person, counted as {identity}): nothing was changed")]
    AlreadyMerged {
        a: String,
        b: String,
        identity: String,
    },

    #[error("merging person {person} into {into} would make a loop ({into} is already merged into {person}): nothing was changed")]
    Cycle { person: String, into: String },

    #[error("persons {a} and {b} are each already merged into another person: to join the two groups, merge {a_identity} and {b_identity}; nothing was changed")]
    BothInGroups {
        a: String,
        b: String,
        a_identity: String,
        b_identity: String,
    },

    #[error("person {0} is not merged into another person: there is no merge of it to undo")]
    NotMerged(String),
}

impl MergeError {
    /// A stable, machine-readable name for the error.
    pub fn kind(&self) -> &'static str {
        match self {
            MergeError::SelfMerge(_) => "merge_self",
            MergeError::AlreadyMerged { .. } => "merge_already_merged",
            MergeError::Cycle { .. } => "merge_cycle",
            MergeError::BothInGroups { .. } => "merge_both_in_groups",
            MergeError::NotMerged(_) => "merge_not_merged",
        }
    }
}

/// One link: `person_id` was merged into `into_id`, and counts as `identity_id`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MergeLink {
    pub person_id: String,
    pub into_id: String,
    pub identity_id: String,
    pub merged_at: String,
    pub merged_by_device: String,
    pub reason: String,
}

/// One person of a merge group, as `person show` lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupMember {
    pub id: String,
    pub name: String,
    /// The device that wrote the record's current version (its author).
    pub device_id: String,
    /// The link that merged this record into another, if any (the identity has none).
    pub merged: Option<MergeLink>,
}

/// A person's merge group: the identity it counts as and every record counted as it, the
/// identity first, then in the order they were merged. A person never merged is a group of one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MergeGroup {
    pub identity_id: String,
    pub members: Vec<GroupMember>,
}

/// What a merge did: which record was linked into which (after `merge_persons(a, b)` that is
/// `a` into `b`, unless `a` was already merged and `b` was not: then `b` into `a`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Merged {
    pub link: MergeLink,
    /// Every record now counted as `link.identity_id`.
    pub group: Vec<String>,
}

/// What an unmerge did: the link removed, and the two groups it leaves.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unmerged {
    pub removed: MergeLink,
    /// The unmerged person's group now (itself, and whatever was merged into it).
    pub group: Vec<String>,
    /// The group it left.
    pub left_group: Vec<String>,
}

/// A person as `person list` shows it: the record and, when merged, its group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ListedPerson {
    #[serde(flatten)]
    pub person: super::Person,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge: Option<Membership>,
}

/// Where a merged person belongs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Membership {
    /// The identity it counts as (itself, for the group's identity).
    pub identity_id: String,
    /// How many records count as that identity (at least 2).
    pub group_size: usize,
}

/// Upper bound on a merge reason: a sentence or two, not a document.
const MAX_REASON_BYTES: usize = 4096;

fn link_of(conn: &Connection, id: &str) -> Result<Option<MergeLink>> {
    Ok(conn
        .row(
            "SELECT person_id, into_id, identity_id, merged_at, merged_by_device, reason
             FROM person_merge WHERE person_id = ?1",
            [id],
            |r| {
                Ok(MergeLink {
                    person_id: r.get(0)?,
                    into_id: r.get(1)?,
                    identity_id: r.get(2)?,
                    merged_at: r.get(3)?,
                    merged_by_device: r.get(4)?,
                    reason: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// The identity `id` counts as (itself unless merged). The person must exist.
pub(crate) fn identity(conn: &Connection, id: &Uuid) -> Result<String> {
    super::person::exists(conn, id)?;
    let sid = id.to_string();
    Ok(link_of(conn, &sid)?.map_or(sid, |l| l.identity_id))
}

/// Every record counted as `identity`: the identity first, then in merge order.
fn group_ids(conn: &Connection, identity: &str) -> Result<Vec<String>> {
    let mut ids = vec![identity.to_string()];
    let mut stmt = conn.prepare_cached(
        "SELECT person_id FROM person_merge WHERE identity_id = ?1 ORDER BY merged_at, person_id",
    )?;
    let rows = stmt.query_map([identity], |r| r.get::<_, String>(0))?;
    for r in rows {
        ids.push(r?);
    }
    Ok(ids)
}

/// `id`'s merge group.
pub(crate) fn group(conn: &Connection, id: &Uuid) -> Result<MergeGroup> {
    let identity_id = identity(conn, id)?;
    let mut members = Vec::new();
    for mid in group_ids(conn, &identity_id)? {
        let (name, device_id): (String, String) = conn.row(
            "SELECT primary_name, device_id FROM person WHERE id = ?1",
            [&mid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        members.push(GroupMember {
            merged: link_of(conn, &mid)?,
            id: mid,
            name,
            device_id,
        });
    }
    Ok(MergeGroup {
        identity_id,
        members,
    })
}

/// Links `a` and `b` (inside the caller's transaction): `a` into `b` when `a` is not merged yet,
/// else `b` into `a` when `b` is not; refuses a self-merge, a pair already one person, a loop,
/// and two records each already merged into others.
fn link(conn: &Connection, device: &str, a: &Uuid, b: &Uuid, reason: &str) -> Result<MergeLink> {
    if a == b {
        return Err(MergeError::SelfMerge(a.to_string()).into());
    }
    let (sa, sb) = (a.to_string(), b.to_string());
    let (ia, ib) = (identity(conn, a)?, identity(conn, b)?);
    let (person, into, identity) = if ia == ib {
        // `a` is the identity of the group `b` is in: a link from it would close a loop.
        if ia == sa {
            return Err(MergeError::Cycle {
                person: sa,
                into: sb,
            }
            .into());
        }
        return Err(MergeError::AlreadyMerged {
            a: sa,
            b: sb,
            identity: ia,
        }
        .into());
    } else if ia == sa {
        (sa, sb, ib)
    } else if ib == sb {
        (sb, sa, ia)
    } else {
        return Err(MergeError::BothInGroups {
            a: sa,
            b: sb,
            a_identity: ia,
            b_identity: ib,
        }
        .into());
    };
    // Whatever counted as `person` (merged into it before) now counts as the new identity.
    conn.exec(
        "UPDATE person_merge SET identity_id = ?2 WHERE identity_id = ?1",
        params![person, identity],
    )?;
    let l = MergeLink {
        person_id: person,
        into_id: into,
        identity_id: identity,
        merged_at: super::now(),
        merged_by_device: device.to_string(),
        reason: reason.to_string(),
    };
    conn.exec(
        "INSERT INTO person_merge (person_id, into_id, identity_id, merged_at, merged_by_device, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![l.person_id, l.into_id, l.identity_id, l.merged_at, l.merged_by_device, l.reason],
    )?;
    Ok(l)
}

/// Removes `id`'s own link (inside the caller's transaction): whatever was merged into `id`,
/// directly or through others, stays with it and now counts as `id`.
fn unlink(conn: &Connection, id: &Uuid) -> Result<MergeLink> {
    super::person::exists(conn, id)?;
    let sid = id.to_string();
    let l = link_of(conn, &sid)?.ok_or_else(|| MergeError::NotMerged(sid.clone()))?;
    conn.exec("DELETE FROM person_merge WHERE person_id = ?1", [&sid])?;
    // UNION (not UNION ALL) stops at a person seen before, so even a damaged table cannot loop.
    conn.exec(
        "WITH RECURSIVE below(id) AS (
             SELECT person_id FROM person_merge WHERE into_id = ?1
             UNION SELECT m.person_id FROM person_merge m JOIN below ON m.into_id = below.id)
         UPDATE person_merge SET identity_id = ?1 WHERE person_id IN below",
        [&sid],
    )?;
    Ok(l)
}

/// `saksi verify`: every link's stored identity is the end of its chain of links, and no chain
/// loops. One line per problem.
pub(crate) fn check(conn: &Connection) -> Result<Vec<String>> {
    let mut into = HashMap::<String, (String, String)>::new();
    let mut stmt =
        conn.prepare_cached("SELECT person_id, into_id, identity_id FROM person_merge")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    for r in rows {
        let (p, i, id) = r?;
        into.insert(p, (i, id));
    }
    let mut problems = Vec::new();
    for (person, (next, stored)) in &into {
        let mut end = next;
        let mut steps = 0;
        while let Some((n, _)) = into.get(end) {
            steps += 1;
            if steps > into.len() {
                break;
            }
            end = n;
        }
        if steps > into.len() {
            problems.push(format!(
                "the person merges through person {person} form a loop"
            ));
        } else if end != stored {
            problems.push(format!(
                "person {person} is stored as counted as {stored}, but its merges lead to {end}"
            ));
        }
    }
    problems.sort();
    Ok(problems)
}

fn details(l: &MergeLink) -> String {
    serde_json::json!({
        "person_id": l.person_id, "into_id": l.into_id, "identity_id": l.identity_id,
        "reason": l.reason,
    })
    .to_string()
}

impl Vault {
    /// Merges persons `a` and `b` into one person, for counting and review: one transaction, one
    /// `person_merge` custody entry (both ids and the reason). Neither record is changed. See
    /// `link` for which record is linked into which, and what is refused.
    pub fn merge_persons(&mut self, a: &Uuid, b: &Uuid, reason: Option<&str>) -> Result<Merged> {
        let reason = reason.map(str::trim).unwrap_or("");
        if reason.len() > MAX_REASON_BYTES {
            return Err(Error::invalid(format!(
                "the merge reason is longer than {MAX_REASON_BYTES} bytes"
            )));
        }
        self.write_records(|tx, dev| {
            let link = link(tx, dev.id(), a, b, reason)?;
            custody::append_on(
                tx,
                dev,
                Action::PersonMerge,
                Some(("person", &link.person_id)),
                None,
                Some(&details(&link)),
            )?;
            let group = group_ids(tx, &link.identity_id)?;
            Ok(Merged { link, group })
        })
    }

    /// Undoes the merge that linked `id` into another person: one transaction, one
    /// `person_unmerge` custody entry. Records merged into `id` stay merged with it.
    pub fn unmerge_person(&mut self, id: &Uuid) -> Result<Unmerged> {
        self.write_records(|tx, dev| {
            let removed = unlink(tx, id)?;
            custody::append_on(
                tx,
                dev,
                Action::PersonUnmerge,
                Some(("person", &removed.person_id)),
                None,
                Some(&details(&removed)),
            )?;
            Ok(Unmerged {
                group: group_ids(tx, &removed.person_id)?,
                left_group: group_ids(tx, &removed.identity_id)?,
                removed,
            })
        })
    }

    /// The identity person `id` counts as: itself, unless merged (then the final merge target).
    pub fn person_identity(&self, id: &Uuid) -> Result<String> {
        identity(&self.conn, id)
    }

    /// Every record counted as the same person as `id` (`id` included): the identity first.
    pub fn merged_group(&self, id: &Uuid) -> Result<Vec<String>> {
        let identity = identity(&self.conn, id)?;
        group_ids(&self.conn, &identity)
    }

    /// `id`'s merge group with each member's name, author and link.
    pub fn merge_group(&self, id: &Uuid) -> Result<MergeGroup> {
        group(&self.conn, id)
    }

    /// Every person (as [`crate::Persons::list`]), each merged one with its group.
    pub fn person_list_with_identity(&self) -> Result<Vec<ListedPerson>> {
        let mut sizes = HashMap::<String, usize>::new();
        let mut ids = HashMap::<String, String>::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT person_id, identity_id FROM person_merge")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for r in rows {
            let (p, i) = r?;
            // The identity itself has no link: count it once here.
            *sizes.entry(i.clone()).or_insert(1) += 1;
            ids.insert(p, i);
        }
        Ok(super::person::list(&self.conn)?
            .into_iter()
            .map(|person| {
                let identity_id = ids.get(&person.id).unwrap_or(&person.id).clone();
                let merge = sizes.get(&identity_id).map(|&group_size| Membership {
                    identity_id,
                    group_size,
                });
                ListedPerson { person, merge }
            })
            .collect())
    }
}
