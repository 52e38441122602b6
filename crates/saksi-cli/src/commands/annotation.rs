//! `saksi annotate`, `saksi annotations`, `saksi review-mode`, `saksi vocab-add`: annotations
//! on records and attachments, review mode and the legal-provision vocabulary (issue 11).

use saksi_core::annotation::{Annotation, AnnotationInput, ProvisionInput};
use saksi_core::model::parse_id;
use serde::Serialize;

use super::Ctx;
use crate::cli::{AnnotateArgs, VocabAddArgs};
use crate::output::{self, line};

fn input(a: &AnnotateArgs) -> AnnotationInput {
    AnnotationInput {
        note: a.note.clone(),
        tags: a.tags.clone(),
        reviewed: a.reviewed,
        reviewer: a.reviewer.clone(),
    }
}

fn human(a: &Annotation) -> anyhow::Result<()> {
    line(format!(
        "{}  {} {}  version {}  by device {}  {}",
        a.id, a.subject_type, a.subject_id, a.version, a.device_id, a.updated_at
    ))?;
    if let (Some(who), Some(at)) = (&a.reviewer, &a.reviewed_at) {
        line(format!("  reviewed by {who} at {at}"))?;
    }
    if !a.tags.is_empty() {
        line(format!("  tags: {}", a.tags.join(", ")))?;
    }
    if !a.note.is_empty() {
        line(format!("  note: {}", a.note))?;
    }
    Ok(())
}

pub fn annotate(ctx: &Ctx, a: &AnnotateArgs) -> anyhow::Result<()> {
    let id = parse_id("record", &a.id)?;
    let input = input(a);
    let stored = ctx.with_vault(|v| {
        let id = if a.edit {
            v.edit_annotation(&id, a.version, &input)?;
            id
        } else {
            let subject = v.annotation_subject(&id)?;
            v.annotate(&subject, &input)?
        };
        Ok(v.annotation(&id)?)
    })?;
    output::show(a.json, &stored, human)
}

pub fn list(ctx: &Ctx, id: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_id("record", id)?;
    let list = ctx.with_vault(|v| {
        let subject = v.annotation_subject(&id)?;
        Ok(v.annotations_for(&subject)?)
    })?;
    output::show(json, &list, |list| {
        if list.is_empty() {
            line("no annotations")?;
        }
        for a in list {
            human(a)?;
        }
        Ok(())
    })
}

#[derive(Serialize)]
struct ReviewMode {
    review_mode: bool,
    changed: bool,
}

pub fn review_mode(ctx: &Ctx, state: Option<&str>, json: bool) -> anyhow::Result<()> {
    let r = ctx.with_vault(|v| {
        let changed = match state {
            Some(s) => v.set_review_mode(s == "on")?,
            None => false,
        };
        Ok(ReviewMode {
            review_mode: v.review_mode()?,
            changed,
        })
    })?;
    output::show(json, &r, |r| {
        line(format!(
            "review mode: {}{}",
            if r.review_mode { "on" } else { "off" },
            if state.is_some() && !r.changed {
                " (unchanged)"
            } else {
                ""
            }
        ))
    })
}

pub fn vocab_add(ctx: &Ctx, a: &VocabAddArgs) -> anyhow::Result<()> {
    if a.vocabulary != "legal_provision" {
        anyhow::bail!(
            "only the legal_provision vocabulary can be extended, not '{}'",
            a.vocabulary.escape_default()
        );
    }
    let p = ProvisionInput {
        code: a.code.clone(),
        label_en: a.en.clone(),
        label_km: a.km.clone(),
        label_fr: a.fr.clone(),
    };
    ctx.with_vault(|v| Ok(v.add_legal_provision(&p)?))?;
    line(format!("added legal_provision {}", a.code.trim()))
}
