//! `saksi report …`: who is detained, grouped counts and timelines; as text lines, as the
//! report's data in JSON (`--json`), or as a whole report file (`--format json|csv|html`).

use saksi_core::model::parse_id;
use saksi_core::report::{
    CountsQuery, DetainedQuery, Dimension, Format, Lang, Purpose, Report, Table, UwaziOptions,
};
use saksi_core::vault::Vault;
use serde::Serialize;

use super::Ctx;
use crate::cli::{ReportCmd, ReportOut};
use crate::output::{self, line};

/// Prints `report` as asked: a file in `--format`, its data with `--json`, else lines.
fn print<T: Serialize + Table>(
    v: &Vault,
    report: &Report<T>,
    json: bool,
    out: &ReportOut,
    human: impl FnOnce(&T) -> anyhow::Result<()>,
) -> anyhow::Result<Option<Vec<u8>>> {
    match &out.format {
        Some(f) => {
            let format = Format::parse(f)?;
            let lang = Lang::parse(&out.lang)?;
            Ok(Some(v.render_report(report, format, lang)?))
        }
        None if json => Ok(Some(
            format!("{}\n", serde_json::to_string_pretty(&report.data)?).into_bytes(),
        )),
        None => {
            human(&report.data)?;
            Ok(None)
        }
    }
}

/// The report is made and rendered while the vault is open; lines are printed after it is
/// locked again.
fn emit(bytes: Option<Vec<u8>>) -> anyhow::Result<()> {
    match bytes {
        Some(b) => output::raw(&b),
        None => Ok(()),
    }
}

pub fn run(ctx: &Ctx, cmd: &ReportCmd) -> anyhow::Result<()> {
    match cmd {
        ReportCmd::Detained {
            affiliation,
            category,
            json,
            out,
        } => {
            let q = DetainedQuery {
                affiliation: affiliation.clone(),
                category: category.clone(),
            };
            let mut lines = Vec::new();
            let bytes = ctx.with_vault(|v| {
                let r = v.detained_report(&q)?;
                print(v, &r, *json, out, |d| {
                    lines.push(format!("{} currently detained", d.count));
                    for p in &d.people {
                        let since = match p.since_precision.as_str() {
                            "approximate" | "before" | "after" => format!(
                                "{} ({})",
                                p.since.as_deref().unwrap_or("?"),
                                p.since_precision
                            ),
                            _ => p.since.as_deref().unwrap_or("?").to_string(),
                        };
                        lines.push(format!(
                            "  {}  {}  since {}  {}",
                            p.id,
                            p.name,
                            since,
                            p.place.as_deref().unwrap_or("")
                        ));
                    }
                    Ok(())
                })
            })?;
            emit(bytes)?;
            lines.iter().try_for_each(line)
        }
        ReportCmd::Counts {
            by,
            from,
            to,
            kind,
            place,
            province,
            affiliation,
            category,
            nationality,
            json,
            out,
        } => {
            let q = CountsQuery {
                from: from.clone(),
                to: to.clone(),
                kind: kind.clone(),
                place: place.clone(),
                province: province.clone(),
                affiliation: affiliation.clone(),
                category: category.clone(),
                nationality: nationality.clone(),
                ..CountsQuery::by(Dimension::parse(by)?)
            };
            let mut lines = Vec::new();
            let bytes = ctx.with_vault(|v| {
                let r = v.report_counts(&q)?;
                print(v, &r, *json, out, |d| {
                    lines.push(format!(
                        "{:<40} {:>9} {:>6} {:>8} {:>14}",
                        d.by_name(),
                        "incidents",
                        "acts",
                        "victims",
                        "group victims"
                    ));
                    for r in d.rows.iter().chain(std::iter::once(&d.total)) {
                        lines.push(format!(
                            "{:<40} {:>9} {:>6} {:>8} {:>14}",
                            r.label_en,
                            r.incidents,
                            r.acts,
                            r.victims,
                            saksi_core::report::group_range_text(&r.group_victims)
                        ));
                    }
                    Ok(())
                })
            })?;
            emit(bytes)?;
            lines.iter().try_for_each(line)
        }
        ReportCmd::Timeline {
            person,
            incident,
            json,
            out,
        } => {
            let person = person
                .as_deref()
                .map(|p| parse_id("person", p))
                .transpose()?;
            let incident = incident
                .as_deref()
                .map(|i| parse_id("incident", i))
                .transpose()?;
            let mut lines = Vec::new();
            let bytes = ctx.with_vault(|v| {
                let r = match (person, incident) {
                    (Some(p), _) => v.person_timeline(&p)?,
                    (None, Some(i)) => v.incident_timeline(&i)?,
                    (None, None) => anyhow::bail!("give --person ID or --incident ID"),
                };
                print(v, &r, *json, out, |d| {
                    lines.push(format!("{} ({} entries)", d.name, d.entries.len()));
                    for e in &d.entries {
                        let date = match &e.date.precision {
                            Some(p) if matches!(p.as_str(), "approximate" | "before" | "after") => {
                                format!(
                                    "{} ({})",
                                    e.date.date.as_deref().unwrap_or("?"),
                                    p.as_str()
                                )
                            }
                            _ => e.date.date.as_deref().unwrap_or("?").to_string(),
                        };
                        lines.push(format!(
                            "  {:<24} {:<10} {:<20} {}{}",
                            date,
                            e.record_type,
                            e.kind,
                            e.title,
                            if e.detail.is_empty() {
                                String::new()
                            } else {
                                format!("  ({})", e.detail)
                            }
                        ));
                    }
                    Ok(())
                })
            })?;
            emit(bytes)?;
            lines.iter().try_for_each(line)
        }
        ReportCmd::Uwazi {
            out,
            purpose,
            lang,
            incident,
            include_restricted,
            json,
        } => uwazi(
            ctx,
            out,
            purpose,
            lang,
            incident,
            *include_restricted,
            *json,
        ),
    }
}

/// `saksi report uwazi`: the Uwazi zip, with what was left out and a plaintext warning.
fn uwazi(
    ctx: &Ctx,
    out: &std::path::Path,
    purpose: &str,
    lang: &[String],
    incident: &[String],
    include_restricted: bool,
    json: bool,
) -> anyhow::Result<()> {
    let opts = UwaziOptions {
        out: out.to_path_buf(),
        purpose: Purpose::parse(purpose)?,
        langs: lang
            .iter()
            .map(|l| Lang::parse(l))
            .collect::<Result<_, _>>()?,
        incidents: incident
            .iter()
            .map(|i| parse_id("incident", i))
            .collect::<Result<_, _>>()?,
        include_restricted,
    };
    let s = ctx.with_vault(|v| Ok(v.export_uwazi(&opts)?))?;
    output::note(
        "note",
        &format!(
            "{} is not encrypted: it holds the exported records and files in plaintext; keep it safe or delete it once imported",
            s.out
        ),
    );
    output::show(json, &s, |s| {
        line(format!(
            "Uwazi zip written to {} ({} bytes, SHA-256 {})",
            s.out, s.bytes, s.sha256
        ))?;
        line(format!(
            "for {}: {} incidents, {} testimonies, {} attachments; languages {}",
            s.purpose.as_str(),
            s.incidents,
            s.testimonies,
            s.attachments,
            s.langs.join(", ")
        ))?;
        for w in &s.withheld {
            line(format!(
                "left out: {} {} — {}",
                w.count, w.record_type, w.reason
            ))?;
        }
        for r in &s.replaced {
            line(format!(
                "replaced: {} {} by its {} copy {}",
                r.original_type,
                r.original_id,
                super::redact::made_by(&r.method),
                r.derivative_id
            ))?;
        }
        Ok(())
    })
}
