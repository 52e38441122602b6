//! `saksi case`: case files for a court. Each command is one core call (`Vault::case_*`).

use saksi_core::case::{CaseShow, CourtFolder};
use saksi_core::model::parse_id;

use super::Ctx;
use crate::cli::CaseCmd;
use crate::output::{self, line};

pub fn run(ctx: &Ctx, cmd: &CaseCmd) -> anyhow::Result<()> {
    match cmd {
        CaseCmd::New { title, json } => {
            let c = ctx.with_vault(|v| Ok(v.case_create(title)?))?;
            output::show(*json, &c, |c| line(&c.id))
        }
        CaseCmd::Add {
            case,
            id,
            description,
            json,
        } => {
            let case = parse_id("case", case)?;
            let id = parse_id("item or incident", id)?;
            let added =
                ctx.with_vault(|v| Ok(v.case_add(&case, &id, description.as_deref())?))?;
            output::show(*json, &added, |added| {
                for e in added {
                    line(format!(
                        "{}  {}  {}",
                        e.label, e.attachment_id, e.description
                    ))?;
                }
                Ok(())
            })
        }
        CaseCmd::List { json } => {
            let cases = ctx.with_vault(|v| Ok(v.case_list()?))?;
            output::show(*json, &cases, |cases| {
                for c in cases {
                    line(format!("{}  {}  {}", c.id, c.created_at, c.title))?;
                }
                Ok(())
            })
        }
        CaseCmd::Show { case, json } => {
            let case = parse_id("case", case)?;
            let shown = ctx.with_vault(|v| Ok(v.case_show(&case)?))?;
            output::show(*json, &shown, human_show)
        }
        CaseCmd::Folder { case, out, json } => {
            let case = parse_id("case", case)?;
            let f = ctx.with_vault(|v| Ok(v.case_court_folder(&case, out)?))?;
            output::note(
                "note",
                &format!(
                    "{} holds plaintext copies of the exhibits: keep it safe",
                    out.display()
                ),
            );
            output::show(*json, &f, human_folder)
        }
        CaseCmd::Export {
            case,
            to,
            out,
            json,
        } => {
            let case = parse_id("case", case)?;
            let s = ctx.with_vault(|v| Ok(v.case_export(&case, to, out.clone())?))?;
            output::show(*json, &s, |s| {
                line(format!(
                    "bundle {} (sequence {}) written to {}",
                    s.bundle_id, s.sequence, s.out
                ))?;
                line(format!(
                    "for {}",
                    s.recipients
                        .iter()
                        .map(|r| format!("{} ({})", r.name, r.fingerprint))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
                for w in &s.withheld {
                    line(format!(
                        "left out: {} {} — {}",
                        w.count, w.record_type, w.reason
                    ))?;
                }
                line(format!("manifest sha256 {}", s.manifest_sha256))
            })
        }
    }
}

fn human_show(s: &CaseShow) -> anyhow::Result<()> {
    let c = &s.case;
    line(format!("case {}  {}", c.id, c.title))?;
    line(format!(
        "made {} on device {}; {} exhibit{}",
        c.created_at,
        c.device_id,
        s.exhibits.len(),
        if s.exhibits.len() == 1 { "" } else { "s" }
    ))?;
    for e in &s.exhibits {
        line(format!("{}  {}", e.label, e.description))?;
        line(format!(
            "  {}  {} bytes  {}",
            e.original_name, e.size, e.media_type
        ))?;
        line(format!("  sha256 {}", e.sha256))?;
        line(format!(
            "  taken {}  taken in {}",
            e.captured_at.as_deref().unwrap_or("(no EXIF time)"),
            e.intake_at
        ))?;
        line(format!(
            "  from {} ({}), fingerprint {}",
            e.source_device_name.as_deref().unwrap_or("unknown device"),
            e.source_device_id,
            e.source_fingerprint.as_deref().unwrap_or("unknown")
        ))?;
        line(format!(
            "  custody: {} step{}, {}",
            e.custody.len(),
            if e.custody.len() == 1 { "" } else { "s" },
            if e.custody_verified {
                "all verified"
            } else {
                "NOT ALL VERIFIED"
            }
        ))?;
        for st in &e.custody {
            line(format!(
                "    {}  {}  {}{}",
                st.at,
                st.action,
                st.device_name.as_deref().unwrap_or(&st.device_id),
                if st.verified { "" } else { "  NOT VERIFIED" }
            ))?;
        }
        if !e.redactions.is_empty() {
            line(format!("  redactions: {}", e.redactions.join("; ")))?;
        }
    }
    Ok(())
}

fn human_folder(f: &CourtFolder) -> anyhow::Result<()> {
    line(format!(
        "court folder of case {} written to {}: {} exhibit{}, {} files",
        f.case_id,
        f.out,
        f.exhibits,
        if f.exhibits == 1 { "" } else { "s" },
        f.files.len()
    ))?;
    line(format!(
        "folder hash (sha256 of SHA256SUMS) {}",
        f.sha256sums_sha256
    ))?;
    line(format!("minisign public key {}", f.minisign_public_key))?;
    line("check it as VERIFY.txt says: sha256sum -c SHA256SUMS; minisign -Vm SHA256SUMS -P KEY")
}
