//! `saksi history ID`: every version kept of a record, who wrote it when on which device, whether
//! the custody log agrees, and what changed (field paths, old → new).

use saksi_core::history::{self, Custody, History};
use saksi_core::model::parse_id;
use serde_json::Value;

use super::Ctx;
use crate::output::{self, line};

fn compact(v: &Value) -> String {
    v.to_string()
}

fn custody(c: Custody) -> &'static str {
    match c {
        Custody::Agrees => "custody log agrees",
        Custody::SnapshotAltered => "ALTERED: this version no longer matches its custody entry",
        Custody::NoEntry => "no custody entry held here names this version",
        Custody::NotChecked => "made when history began (not checked)",
    }
}

pub fn history(ctx: &Ctx, id: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_id("record", id)?;
    let h = ctx.with_vault(|v| Ok(history::history(v, &id)?))?;
    output::show(json, &h, human)
}

fn human(h: &History) -> anyhow::Result<()> {
    line(format!(
        "{} {}: {} version{}",
        h.record_type,
        h.record_id,
        h.versions.len(),
        if h.versions.len() == 1 { "" } else { "s" }
    ))?;
    if let Some(n) = &h.note {
        line(format!("note: {n}"))?;
    }
    for v in &h.versions {
        let origin = serde_json::to_value(v.origin)?;
        line(format!(
            "version {}  {}  {}  by {} ({})",
            v.version,
            v.at,
            origin.as_str().unwrap_or(""),
            v.device_name.as_deref().unwrap_or("unknown device"),
            v.device_id
        ))?;
        line(format!(
            "  sha256 {}  {}",
            v.content_hash,
            custody(v.custody)
        ))?;
        for c in &v.changes {
            let text = match (&c.old, &c.new) {
                (None, Some(n)) => format!("  + {}: {}", c.path, compact(n)),
                (Some(o), None) => format!("  - {}: {}", c.path, compact(o)),
                (Some(o), Some(n)) => format!("  ~ {}: {} -> {}", c.path, compact(o), compact(n)),
                (None, None) => continue,
            };
            line(text)?;
        }
    }
    Ok(())
}
