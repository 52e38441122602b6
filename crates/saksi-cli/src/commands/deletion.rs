//! `saksi incident|person|testimony|evidence delete` and `saksi deletions` (issue 13): one core
//! call each, printed.

use saksi_core::deletion::{IncomingDeletion, Policy, Tombstone};
use saksi_core::model::{parse_id, RecordType};
use serde::Serialize;

use super::Ctx;
use crate::cli::{DeleteArgs, DeletionsCmd};
use crate::output::{self, line};

/// Deletes a record of type `ty` with its tombstone(s).
pub fn delete(ctx: &Ctx, ty: RecordType, a: &DeleteArgs) -> anyhow::Result<()> {
    let id = parse_id(ty.as_str(), &a.id)?;
    let s = ctx.with_vault(|v| Ok(v.delete_record(ty, &id, &a.reason)?))?;
    output::show(a.json, &s, |s| {
        for t in &s.tombstones {
            line(format!("deleted {} {}", t.record_type, t.record_id))?;
        }
        line(format!(
            "{} tombstone(s) signed; {} attachment file(s) erased; the next bundle to whoever was sent them carries the tombstones",
            s.tombstones.len(),
            s.blobs_erased
        ))
    })
}

#[derive(Serialize)]
struct Listing {
    deleted_here: Vec<Tombstone>,
    received: Vec<IncomingDeletion>,
    policy: Policy,
}

fn tombstone_line(t: &Tombstone) -> anyhow::Result<()> {
    let hq = if t.hq.is_empty() {
        "HQ: no receipt yet".to_string()
    } else {
        t.hq.iter()
            .map(|(dev, outcome)| format!("HQ {dev}: {outcome}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    line(format!(
        "{}  {} {}  {}  reason: {}  ({hq})",
        t.deleted_at, t.record_type, t.record_id, t.device_id, t.reason
    ))
}

fn incoming_line(d: &IncomingDeletion) -> anyhow::Result<()> {
    line(format!(
        "{}  {}  {} {}  from {}  reason: {}  {}{}",
        d.entry_id,
        d.outcome.as_str(),
        d.record_type,
        d.record_id,
        d.device_id,
        d.reason,
        d.why
            .as_deref()
            .map(|w| format!("({w})"))
            .unwrap_or_default(),
        if d.outcome.open() {
            "  → `saksi deletions apply ID` or `keep ID`"
        } else {
            ""
        }
    ))
}

pub fn run(ctx: &Ctx, sub: Option<&DeletionsCmd>, json: bool) -> anyhow::Result<()> {
    match sub {
        None => {
            let l = ctx.with_vault(|v| {
                Ok(Listing {
                    deleted_here: v.tombstones()?,
                    received: v.incoming_deletions(false)?,
                    policy: v.deletion_policy()?,
                })
            })?;
            output::show(json, &l, |l| {
                line(format!("deleted here: {}", l.deleted_here.len()))?;
                for t in &l.deleted_here {
                    tombstone_line(t)?;
                }
                line(format!(
                    "received: {} (policy: {})",
                    l.received.len(),
                    l.policy.as_str()
                ))?;
                for d in &l.received {
                    incoming_line(d)?;
                }
                Ok(())
            })
        }
        Some(DeletionsCmd::Apply { id, json }) => {
            let d = ctx.with_vault(|v| Ok(v.apply_incoming_deletion(id)?))?;
            output::show(*json, &d, incoming_line)
        }
        Some(DeletionsCmd::Keep { id, json }) => {
            let d = ctx.with_vault(|v| Ok(v.keep_incoming_deletion(id)?))?;
            output::show(*json, &d, incoming_line)
        }
        Some(DeletionsCmd::Policy { policy, json }) => {
            let p = ctx.with_vault(|v| {
                if let Some(p) = policy {
                    v.set_deletion_policy(p.parse()?)?;
                }
                Ok(v.deletion_policy()?)
            })?;
            #[derive(Serialize)]
            struct Shown {
                policy: Policy,
            }
            output::show(*json, &Shown { policy: p }, |s| {
                line(format!("deletion policy: {}", s.policy.as_str()))
            })
        }
    }
}
