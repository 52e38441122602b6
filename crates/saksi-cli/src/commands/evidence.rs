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
        EvidenceCmd::Thumbnails { json } => {
            let made = ctx.with_vault(|v| Ok(evidence::make_pending_thumbnails(v, &mut ())?))?;
            output::show(*json, &made, |m| {
                line(format!(
                    "{} thumbnails made; {} photos could not be read",
                    m.made, m.failed
                ))
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
                /// The original it is a redacted copy of, and the copies made from it.
                redaction: saksi_core::derivative::Links,
            }
            let shown = ctx.with_vault(|v| {
                let attachment = evidence::get(v, &id)?;
                let custody = evidence::provenance(v, &attachment.id)?;
                let redaction = saksi_core::derivative::links(v, &id)?;
                Ok(Shown {
                    attachment,
                    custody,
                    redaction,
                })
            })?;
            output::show(*json, &shown, |s| {
                let a = &s.attachment;
                line(&a.id)?;
                line(&a.original_name)?;
                line(format!("sha256 {}", a.sha256))?;
                line(format!("size {}", a.size))?;
                line(format!("type {}", a.media_type))?;
                if let Some(m) = &a.media {
                    for l in media_lines(m) {
                        line(l)?;
                    }
                }
                if let Some(g) = a.exif.as_ref().and_then(|e| e.gps.as_ref()) {
                    line(format!(
                        "GPS (sensitive) {:.6}, {:.6}",
                        g.latitude, g.longitude
                    ))?;
                }
                super::redact::print_links(&s.redaction)?;
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
        EvidenceCmd::Redact {
            id,
            regions,
            method,
            json,
        } => super::redact::redact(ctx, id, regions, method, *json),
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

/// `saksi testimony record ID --test-tone SECONDS`: the test source recorded into the vault.
pub fn record(ctx: &Ctx, testimony_id: &str, seconds: u32, json: bool) -> anyhow::Result<()> {
    let tid = parse_id("testimony", testimony_id)?;
    let max = evidence::media::record::MAX_RECORDING_SECONDS;
    if seconds == 0 || u64::from(seconds) > max {
        anyhow::bail!("--test-tone takes 1 to {max} seconds, not {seconds}");
    }
    let mut tone = evidence::media::record::TestTone::new(seconds);
    let intake =
        ctx.with_vault(|v| Ok(evidence::record_testimony(v, &tid, &mut tone, &mut ())?))?;
    if let Some(w) = &intake.warning {
        output::note("warning", w);
    }
    let a = &intake.attachment;
    output::show(json, a, |a| {
        let duration = a
            .media
            .as_ref()
            .and_then(|m| m.duration_ms)
            .map(format_duration)
            .unwrap_or_else(|| "unknown".into());
        line(format!(
            "{}  {}  {}  {}",
            a.id, a.sha256, duration, a.original_name
        ))
    })
}

/// `1:02.500`: minutes, seconds and milliseconds (hours when there are some).
pub fn format_duration(ms: u64) -> String {
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{milli:03}")
    } else {
        format!("{m}:{s:02}.{milli:03}")
    }
}

fn media_lines(m: &evidence::MediaInfo) -> Vec<String> {
    let mut out = vec![format!(
        "duration {}",
        m.duration_ms
            .map(format_duration)
            .unwrap_or_else(|| "unknown".into())
    )];
    out.push(format!("container {}", m.container));
    if let Some(v) = &m.video {
        let size = match (v.width, v.height) {
            (Some(w), Some(h)) => format!(" {w}x{h}"),
            _ => String::new(),
        };
        out.push(format!("video {}{size}", v.codec));
    }
    if let Some(a) = &m.audio {
        let mut l = format!("audio {}", a.codec);
        if let Some(r) = a.sample_rate {
            l.push_str(&format!(" {r} Hz"));
        }
        if let Some(c) = a.channels {
            l.push_str(&format!(" {c} ch"));
        }
        out.push(l);
    }
    if let Some(w) = &m.waveform {
        out.push(format!("waveform {} peaks", w.len()));
    } else if let Some(n) = &m.waveform_note {
        out.push(n.clone());
    }
    out
}
