//! Records: incidents, people, testimony, proceedings, interventions; search and vocabularies.

use saksi_core::consent::{Withdrawal, WithdrawalInput};
use saksi_core::model::person_merge::MergeGroup;
use saksi_core::model::vocab::Vocab;
use saksi_core::model::{
    parse_id, FuzzyDate, IncidentEdit, IncidentInput, InterventionInput, Person, PersonInput,
    Proceeding, ProceedingInput, RecordType, TestimonyInput,
};
use saksi_core::names::{DuplicateOptions, DEFAULT_MIN_SCORE};
use saksi_core::search::SearchQuery;
use serde::Serialize;

use super::Ctx;
use crate::cli::{
    IncidentCmd, InterventionCmd, PersonCmd, ProceedingCmd, SearchArgs, TestimonyCmd,
};
use crate::output::{self, line};

pub fn incident(ctx: &Ctx, cmd: &IncidentCmd) -> anyhow::Result<()> {
    match cmd {
        IncidentCmd::Add { jsonl: Some(j), .. } => {
            super::jsonl::add::<IncidentInput>(ctx, j, |v, b| v.incidents_mut().add_many(b))
        }
        IncidentCmd::Add { file, jsonl: None } => {
            let input: IncidentInput = ctx.input(file.as_deref())?;
            let id = ctx.with_vault(|v| Ok(v.incidents_mut().add(&input)?))?;
            line(id.to_string())
        }
        // One whole edit (own fields, and optionally the full lists of acts and proceedings),
        // applied by the core in one transaction; the older input (own fields only) is the same
        // JSON without the lists.
        IncidentCmd::Update { id, file } => {
            let id = parse_id("incident", id)?;
            let edit: IncidentEdit = ctx.input(file.as_deref())?;
            ctx.with_vault(|v| Ok(v.incidents_mut().edit(&id, &edit)?))?;
            line(id.to_string())
        }
        IncidentCmd::List { json } => {
            let list = ctx.with_vault(|v| Ok(v.incidents().list()?))?;
            output::show(*json, &list, |list| {
                for i in list {
                    line(format!(
                        "{}  {}  {}",
                        i.id,
                        i.start.date.as_deref().unwrap_or("----------"),
                        i.title
                    ))?;
                }
                Ok(())
            })
        }
        IncidentCmd::Delete(a) => super::deletion::delete(ctx, RecordType::Incident, a),
        IncidentCmd::Show { id, json } => {
            let id = parse_id("incident", id)?;
            let i = ctx.with_vault(|v| Ok(v.incidents().get(&id)?))?;
            output::show(*json, &i, |i| {
                line(&i.id)?;
                line(&i.title)?;
                line("")?;
                output::block(&i.description)?;
                line(format!("kinds: {}", i.kinds.join(", ")))?;
                for a in &i.involvements {
                    line(format!(
                        "  {} {}",
                        a.role,
                        a.person_name
                            .as_deref()
                            .or(a.counting.description.as_deref())
                            .unwrap_or("(group)")
                    ))?;
                }
                Ok(())
            })
        }
    }
}

fn names(p: &Person) -> String {
    p.names
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join(" / ")
}

pub fn person(ctx: &Ctx, cmd: &PersonCmd) -> anyhow::Result<()> {
    match cmd {
        PersonCmd::Add { jsonl: Some(j), .. } => {
            super::jsonl::add::<PersonInput>(ctx, j, |v, b| v.persons_mut().add_many(b))
        }
        PersonCmd::Add { file, jsonl: None } => {
            let input: PersonInput = ctx.input(file.as_deref())?;
            let id = ctx.with_vault(|v| Ok(v.persons_mut().add(&input)?))?;
            line(id.to_string())
        }
        PersonCmd::Update { id, file } => {
            let id = parse_id("person", id)?;
            let input: PersonInput = ctx.input(file.as_deref())?;
            ctx.with_vault(|v| Ok(v.persons_mut().update(&id, &input)?))?;
            line(id.to_string())
        }
        PersonCmd::List { detained, json } => {
            let list: Vec<_> = ctx
                .with_vault(|v| Ok(v.person_list_with_identity()?))?
                .into_iter()
                .filter(|l| !detained || l.person.detained)
                .collect();
            output::show(*json, &list, |list| {
                for l in list {
                    let p = &l.person;
                    let merged = match &l.merge {
                        None => String::new(),
                        Some(m) if m.identity_id == p.id => {
                            format!("  [merged: {} records]", m.group_size)
                        }
                        Some(m) => format!("  [merged into {}]", m.identity_id),
                    };
                    line(format!(
                        "{}  {}{}{merged}",
                        p.id,
                        names(p),
                        if p.detained { "  [detained]" } else { "" }
                    ))?;
                }
                Ok(())
            })
        }
        PersonCmd::Delete(a) => super::deletion::delete(ctx, RecordType::Person, a),
        PersonCmd::Show { id, json } => {
            let id = parse_id("person", id)?;
            #[derive(Serialize)]
            struct Shown {
                #[serde(flatten)]
                person: Person,
                proceedings: Vec<Proceeding>,
                /// Only for a merged person.
                #[serde(skip_serializing_if = "Option::is_none")]
                merge: Option<MergeGroup>,
            }
            let shown = ctx.with_vault(|v| {
                Ok(Shown {
                    person: v.persons().get(&id)?,
                    proceedings: v.persons().proceedings(&id)?,
                    merge: Some(v.merge_group(&id)?).filter(|g| g.members.len() > 1),
                })
            })?;
            output::show(*json, &shown, |s| {
                line(&s.person.id)?;
                line(format!(
                    "{}{}",
                    names(&s.person),
                    if s.person.detained { " [detained]" } else { "" }
                ))?;
                if let Some(g) = &s.merge {
                    show_group(g)?;
                }
                Ok(())
            })
        }
        PersonCmd::Merge { a, b, reason, json } => {
            let (a, b) = (parse_id("person", a)?, parse_id("person", b)?);
            let merged = ctx.with_vault(|v| Ok(v.merge_persons(&a, &b, reason.as_deref())?))?;
            output::show(*json, &merged, |m| {
                line(format!(
                    "merged: {} into {}: one person of {} records, counted as {}",
                    m.link.person_id,
                    m.link.into_id,
                    m.group.len(),
                    m.link.identity_id
                ))
            })
        }
        PersonCmd::Unmerge { id, json } => {
            let id = parse_id("person", id)?;
            let u = ctx.with_vault(|v| Ok(v.unmerge_person(&id)?))?;
            output::show(*json, &u, |u| {
                line(format!(
                    "unmerged: {} from {} ({} records stay counted as {})",
                    u.removed.person_id,
                    u.removed.into_id,
                    u.left_group.len(),
                    u.removed.identity_id
                ))
            })
        }
        PersonCmd::Duplicates {
            min_score,
            limit,
            json,
        } => {
            let opts = DuplicateOptions {
                min_score: min_score.unwrap_or(DEFAULT_MIN_SCORE),
                limit: Some(*limit),
            };
            let found = ctx.with_vault(|v| Ok(v.person_duplicates(&opts)?))?;
            output::show(*json, &found, |found| {
                for c in found {
                    line(format!(
                        "{:.2}  {}  {}",
                        c.score,
                        c.a.id,
                        c.a.names.join(" / ")
                    ))?;
                    line(format!("      {}  {}", c.b.id, c.b.names.join(" / ")))?;
                    for r in &c.reasons {
                        match r.kind {
                            "name" => line(format!("      - {}", r.text))?,
                            _ => line(format!("      - {} ({:+.2})", r.text, r.effect))?,
                        }
                    }
                }
                if found.is_empty() {
                    line(format!("no pairs scoring {:.2} or more", opts.min_score))?;
                }
                Ok(())
            })
        }
    }
}

/// A merged person's group, as `person show` prints it: the identity first.
fn show_group(g: &MergeGroup) -> anyhow::Result<()> {
    line(format!(
        "merged: {} records of one person, counted as {}",
        g.members.len(),
        g.identity_id
    ))?;
    for m in &g.members {
        let how = match &m.merged {
            None => String::new(),
            Some(l) if l.reason.is_empty() => format!("  merged into {}", l.into_id),
            Some(l) => format!("  merged into {}: {}", l.into_id, l.reason),
        };
        line(format!(
            "  {}  {}  (device {}){how}",
            m.id, m.name, m.device_id
        ))?;
    }
    Ok(())
}

pub fn testimony(ctx: &Ctx, cmd: &TestimonyCmd) -> anyhow::Result<()> {
    match cmd {
        TestimonyCmd::Add { jsonl: Some(j), .. } => {
            super::jsonl::add::<TestimonyInput>(ctx, j, |v, b| v.testimonies_mut().add_many(b))
        }
        TestimonyCmd::Add { file, jsonl: None } => {
            let input: TestimonyInput = ctx.input(file.as_deref())?;
            let id = ctx.with_vault(|v| Ok(v.testimonies_mut().add(&input)?))?;
            line(id.to_string())
        }
        TestimonyCmd::Record {
            id,
            test_tone,
            json,
        } => super::evidence::record(ctx, id, *test_tone, *json),
        TestimonyCmd::List { incident, json } => {
            let inc = incident
                .as_deref()
                .map(|s| parse_id("incident", s))
                .transpose()?;
            let list = ctx.with_vault(|v| Ok(v.testimonies().list(inc.as_ref())?))?;
            output::show(*json, &list, |list| {
                for t in list {
                    line(format!(
                        "{}  {}  {}",
                        t.id,
                        t.incident_id,
                        t.body.chars().take(60).collect::<String>()
                    ))?;
                }
                Ok(())
            })
        }
        TestimonyCmd::Delete(a) => super::deletion::delete(ctx, RecordType::Testimony, a),
        TestimonyCmd::Show { id, json } => {
            let id = parse_id("testimony", id)?;
            let (t, consent) =
                ctx.with_vault(|v| Ok((v.testimonies().get(&id)?, v.consent_state(&id)?)))?;
            // The stored record as before; effective consent and withdrawals only when some are
            // held, so that the output of a testimony never withdrawn is unchanged.
            #[derive(Serialize)]
            struct Shown<'a> {
                #[serde(flatten)]
                t: &'a saksi_core::model::Testimony,
                #[serde(skip_serializing_if = "Option::is_none")]
                effective_consent: Option<&'a saksi_core::model::testimony::Consent>,
                #[serde(skip_serializing_if = "<[_]>::is_empty")]
                withdrawals: &'a [Withdrawal],
            }
            let shown = Shown {
                t: &t,
                effective_consent: consent.is_withdrawn().then_some(&consent.effective),
                withdrawals: &consent.withdrawals,
            };
            output::show(*json, &shown, |s| {
                line(&s.t.id)?;
                output::block(&s.t.body)?;
                for w in s.withdrawals {
                    withdrawal_lines(w)?;
                }
                Ok(())
            })
        }
        TestimonyCmd::Pseudonymise { id, replace, json } => {
            super::redact::pseudonymise(ctx, id, replace, *json)
        }
        TestimonyCmd::Withdraw {
            id,
            purpose,
            how,
            recorded_by,
            when,
            json,
        } => {
            let id = parse_id("testimony", id)?;
            let input = WithdrawalInput {
                purpose: purpose.clone(),
                withdrawn_at: when.clone(),
                how: how.clone(),
                recorded_by: recorded_by.clone(),
            };
            let w = ctx.with_vault(|v| Ok(v.withdraw_consent(&id, &input)?))?;
            output::show(*json, &w, withdrawal_lines)
        }
    }
}

/// One withdrawal, and each HQ's confirmation of it, as `testimony show` and `withdraw` print.
fn withdrawal_lines(w: &Withdrawal) -> anyhow::Result<()> {
    line(format!(
        "consent withdrawn: {}  on {}  how: {}  recorded by: {}  (device {}, entry {})",
        w.purpose.as_str(),
        w.withdrawn_at,
        w.how,
        w.recorded_by,
        w.device_id,
        w.id
    ))?;
    if w.confirmed.is_empty() {
        return line("  not yet confirmed by HQ");
    }
    for c in &w.confirmed {
        line(format!(
            "  confirmed by HQ {} at {} (receipt {})",
            c.hq_device_id, c.confirmed_at, c.receipt_id
        ))?;
    }
    Ok(())
}

fn date(d: &FuzzyDate) -> &str {
    d.date.as_deref().unwrap_or("(date unknown)")
}

fn field(label: &str, value: Option<&str>) -> anyhow::Result<()> {
    match value {
        Some(v) if !v.is_empty() => line(format!("{label} {v}")),
        _ => Ok(()),
    }
}

pub fn proceeding(ctx: &Ctx, cmd: &ProceedingCmd) -> anyhow::Result<()> {
    match cmd {
        ProceedingCmd::Add { file } => {
            let input: ProceedingInput = ctx.input(file.as_deref())?;
            let id = ctx.with_vault(|v| Ok(v.proceedings_mut().add(&input)?))?;
            line(id.to_string())
        }
        ProceedingCmd::Show { id, json } => {
            let id = parse_id("proceeding", id)?;
            let p = ctx.with_vault(|v| Ok(v.proceedings().get(&id)?))?;
            output::show(*json, &p, |p| {
                line(&p.id)?;
                line(format!("{} {}", p.kind, date(&p.date)))?;
                match (&p.person_id, &p.group) {
                    (Some(person), _) => line(format!("person {person}"))?,
                    (None, Some(g)) => line(format!(
                        "group {} ({})",
                        g.description,
                        match (g.size_min, g.size_max) {
                            (Some(a), Some(b)) if a == b => a.to_string(),
                            (Some(a), Some(b)) => format!("{a}–{b}"),
                            (Some(a), None) => format!("at least {a}"),
                            (None, Some(b)) => format!("at most {b}"),
                            (None, None) => "number unknown".into(),
                        }
                    ))?,
                    (None, None) => {}
                }
                field("incident", p.incident_id.as_deref())?;
                field("authority", p.authority.as_deref())?;
                field("case", p.case_number.as_deref())?;
                field("charges", p.charges.as_deref())?;
                field("law", p.law_cited.as_deref())?;
                if let Some(m) = p.sentence_months {
                    line(format!(
                        "sentence {m} months{}",
                        if p.in_absentia { " (in absentia)" } else { "" }
                    ))?;
                }
                field("detention place", p.detention_place.as_deref())?;
                if !p.notes.is_empty() {
                    line("")?;
                    output::block(&p.notes)?;
                }
                Ok(())
            })
        }
    }
}

pub fn intervention(ctx: &Ctx, cmd: &InterventionCmd) -> anyhow::Result<()> {
    match cmd {
        InterventionCmd::Add { file } => {
            let input: InterventionInput = ctx.input(file.as_deref())?;
            let id = ctx.with_vault(|v| Ok(v.interventions_mut().add(&input)?))?;
            line(id.to_string())
        }
        InterventionCmd::List { json } => {
            let list = ctx.with_vault(|v| Ok(v.interventions().list()?))?;
            output::show(*json, &list, |list| {
                for i in list {
                    line(format!(
                        "{}  {:<10}  {:<13} {:<8}  {}{}",
                        i.id,
                        i.date.as_deref().unwrap_or("----------"),
                        i.kind,
                        i.status,
                        i.intervener,
                        i.addressee
                            .as_deref()
                            .map(|a| format!(" → {a}"))
                            .unwrap_or_default()
                    ))?;
                }
                Ok(())
            })
        }
    }
}

pub fn search(ctx: &Ctx, a: &SearchArgs) -> anyhow::Result<()> {
    let q = SearchQuery {
        text: a.query.clone(),
        kind: a.kind.clone(),
        date_from: a.from.clone(),
        date_to: a.to.clone(),
        place: a.place.clone(),
        person_id: a.person.clone(),
        role: a.role.clone(),
        category: a.category.clone(),
        limit: a.limit,
        offset: a.offset,
    };
    let hits = ctx.with_vault(|v| Ok(v.search(&q)?))?;
    output::show(a.json, &hits, |hits| {
        for h in hits {
            line(format!("{}  {:<9}  {}", h.id, h.record_type, h.title))?;
        }
        Ok(())
    })
}

pub fn vocab(ctx: &Ctx, name: &str, json: bool) -> anyhow::Result<()> {
    let terms = ctx.with_vault(|v| Ok(v.vocabulary(Vocab::parse(name)?)?))?;
    output::show(json, &terms, |terms| {
        for t in terms {
            line(format!(
                "{:<24} {} | {} | {}",
                t.code, t.label_en, t.label_km, t.label_fr
            ))?;
        }
        Ok(())
    })
}
