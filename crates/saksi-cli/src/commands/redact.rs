//! Redacted copies: `evidence redact` (a photo) and `testimony pseudonymise` (a testimony's
//! text), and the lines `evidence show` prints about an item's original or copies.

use saksi_core::derivative::{self, Links, Method, Region};
use saksi_core::model::parse_id;
use serde::Serialize;

use super::Ctx;
use crate::output::{self, line};

#[derive(Serialize)]
struct Made {
    id: String,
    sha256: String,
    original_name: String,
    original_id: String,
    original_sha256: String,
    method: String,
}

fn made(intake: &saksi_core::evidence::Intake, links: &Links) -> anyhow::Result<Made> {
    let link = links
        .original
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the redacted copy was stored without its link"))?;
    Ok(Made {
        id: intake.attachment.id.clone(),
        sha256: intake.attachment.sha256.clone(),
        original_name: intake.attachment.original_name.clone(),
        original_id: link.original_id.clone(),
        original_sha256: link.original_sha256.clone(),
        method: link.method.clone(),
    })
}

/// How a copy was made, as an adjective: "a blurred copy".
pub fn made_by(method: &str) -> &str {
    match method {
        "pixelate" => "pixelated",
        "blur" => "blurred",
        "pseudonymise" => "pseudonymised",
        other => other,
    }
}

fn print(m: &Made, json: bool) -> anyhow::Result<()> {
    output::show(json, m, |m| {
        line(format!("{}  {}  {}", m.id, m.sha256, m.original_name))?;
        line(format!(
            "  {} copy of {} (SHA-256 {}, unchanged)",
            made_by(&m.method),
            m.original_id,
            m.original_sha256
        ))
    })
}

pub fn redact(
    ctx: &Ctx,
    id: &str,
    regions: &[String],
    method: &str,
    json: bool,
) -> anyhow::Result<()> {
    let id = parse_id("attachment", id)?;
    let regions = regions
        .iter()
        .map(|r| Region::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    let method = Method::parse(method)?;
    let m = ctx.with_vault(|v| {
        let intake = derivative::redact_photo(v, &id, &regions, method)?;
        let links = derivative::links(v, &parse_id("attachment", &intake.attachment.id)?)?;
        made(&intake, &links)
    })?;
    print(&m, json)
}

pub fn pseudonymise(ctx: &Ctx, id: &str, replace: &[String], json: bool) -> anyhow::Result<()> {
    let id = parse_id("testimony", id)?;
    let replacements = replace
        .iter()
        .map(|r| derivative::parse_replacement(r))
        .collect::<Result<Vec<_>, _>>()?;
    let m = ctx.with_vault(|v| {
        let intake = derivative::pseudonymise_testimony(v, &id, &replacements)?;
        let links = derivative::links(v, &parse_id("attachment", &intake.attachment.id)?)?;
        made(&intake, &links)
    })?;
    print(&m, json)
}

/// `evidence show`'s lines about redaction: what the item is a copy of, and its copies.
pub fn print_links(l: &Links) -> anyhow::Result<()> {
    if let Some(o) = &l.original {
        line(format!(
            "redacted copy ({}) of {} {} (SHA-256 {}), made {}",
            o.method, o.original_type, o.original_id, o.original_sha256, o.created_at
        ))?;
    }
    for d in &l.derivatives {
        line(format!(
            "redacted copy {} ({}), made {}",
            d.derivative_id, d.method, d.created_at
        ))?;
    }
    Ok(())
}
