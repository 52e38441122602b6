//! Evidence: attach files, list, show and extract attachments.

use std::path::PathBuf;

use saksi_core::evidence;
use saksi_core::model::parse_id;
use serde::Serialize;

use super::Ctx;
use crate::cli::EvidenceCmd;
use crate::output::{self, line};

pub fn attach(ctx: &Ctx, record_id: &str, files: &[PathBuf], json: bool) -> anyhow::Result<()> {
    let rid = parse_id("record", record_id)?;
    #[derive(Serialize)]
    struct Attached {
        id: String,
        sha256: String,
        file: String,
        warning: Option<String>,
    }
    let mut attached = Vec::new();
    // Each file is its own transaction: its line is printed as soon as it is stored, so that a
    // later failure does not hide what was already attached.
    ctx.with_vault(|v| {
        let rtype = evidence::record_type_of(v, &rid)?;
        for f in files {
            let intake = evidence::intake_path(v, rtype, &rid, f)?;
            if let Some(w) = &intake.warning {
                output::note("warning", w);
            }
            let a = Attached {
                id: intake.attachment.id.clone(),
                sha256: intake.attachment.sha256.clone(),
                file: f.display().to_string(),
                warning: intake.warning.clone(),
            };
            if !json {
                line(format!("{}  {}  {}", a.id, a.sha256, a.file))?;
            }
            attached.push(a);
        }
        Ok(())
    })?;
    if json {
        output::json(&attached)?;
    }
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: &EvidenceCmd) -> anyhow::Result<()> {
    match cmd {
        EvidenceCmd::List { record_id, json } => {
            let rid = record_id
                .as_deref()
                .map(|r| parse_id("record", r))
                .transpose()?;
            let list = ctx.with_vault(|v| Ok(evidence::list(v, rid.as_ref())?))?;
            output::show(*json, &list, |list| {
                for a in list {
                    line(format!(
                        "{}  {}  {:>12}  {:<24} {}",
                        a.id, a.sha256, a.size, a.media_type, a.original_name
                    ))?;
                }
                Ok(())
            })
        }
        EvidenceCmd::Delete(a) => {
            super::deletion::delete(ctx, saksi_core::model::RecordType::Attachment, a)
        }
        EvidenceCmd::Show { id, json } => {
            let id = parse_id("attachment", id)?;
            #[derive(Serialize)]
            struct Shown {
                #[serde(flatten)]
                attachment: evidence::Attachment,
                /// The whole chain: the sender's entries received in bundles and this vault's.
                custody: Vec<evidence::Step>,
            }
            let shown = ctx.with_vault(|v| {
                let attachment = evidence::get(v, &id)?;
                let custody = evidence::provenance(v, &attachment.id)?;
                Ok(Shown {
                    attachment,
                    custody,
                })
            })?;
            output::show(*json, &shown, |s| {
                let a = &s.attachment;
                line(&a.id)?;
                line(&a.original_name)?;
                line(format!("sha256 {}", a.sha256))?;
                line(format!("size {}", a.size))?;
                line(format!("type {}", a.media_type))?;
                if let Some(g) = a.exif.as_ref().and_then(|e| e.gps.as_ref()) {
                    line(format!(
                        "GPS (sensitive) {:.6}, {:.6}",
                        g.latitude, g.longitude
                    ))?;
                }
                for s in &s.custody {
                    let e = &s.entry;
                    let who = s.device_name.clone().unwrap_or_else(|| e.device_id.clone());
                    let whose = match s.origin {
                        evidence::Origin::ThisDevice => "this device",
                        evidence::Origin::Received if s.trusted_device => "received",
                        evidence::Origin::Received => "received, untrusted device",
                    };
                    let check = match s.problem {
                        None => "verified".to_string(),
                        Some(p) => format!("NOT VERIFIED: {p}"),
                    };
                    line(format!(
                        "  {}  {}  {}  {who} ({whose})  {check}",
                        e.seq, e.at, e.action
                    ))?;
                }
                Ok(())
            })
        }
        EvidenceCmd::Extract { id, out, json } => {
            let id = parse_id("attachment", id)?;
            let a = ctx.with_vault(|v| Ok(evidence::extract(v, &id, out)?))?;
            output::note(
                "note",
                &format!(
                    "{} is a plaintext copy: keep it safe or delete it",
                    out.display()
                ),
            );
            let extracted = serde_json::json!({
                "id": a.id, "sha256": a.sha256, "out": out.display().to_string(),
            });
            output::show(*json, &extracted, |_| {
                line(format!("{}  {}  {}", a.id, a.sha256, out.display()))
            })
        }
    }
}
