//! Controlled vocabularies (seeded by migration, labelled in English, Khmer and French).

use crate::sql::Cached;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};

/// A vocabulary, by table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocab {
    IncidentKind,
    Role,
    ProceedingKind,
    InterventionKind,
    PersonCategory,
    /// Legal provisions an annotation is tagged with (issue 11; users may add their own).
    LegalProvision,
    /// Kinds of perpetrator an act names (issue 12; older acts may hold free text).
    PerpetratorType,
}

impl Vocab {
    fn table(self) -> &'static str {
        match self {
            Vocab::IncidentKind => "vocab_incident_kind",
            Vocab::Role => "vocab_role",
            Vocab::ProceedingKind => "vocab_proceeding_kind",
            Vocab::InterventionKind => "vocab_intervention_kind",
            Vocab::PersonCategory => "vocab_person_category",
            Vocab::LegalProvision => "vocab_legal_provision",
            Vocab::PerpetratorType => "vocab_perpetrator_type",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Vocab::IncidentKind => "incident kind",
            Vocab::Role => "role",
            Vocab::ProceedingKind => "proceeding kind",
            Vocab::InterventionKind => "intervention kind",
            Vocab::PersonCategory => "person category",
            Vocab::LegalProvision => "legal provision",
            Vocab::PerpetratorType => "perpetrator type",
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "incident_kind" => Vocab::IncidentKind,
            "role" => Vocab::Role,
            "proceeding_kind" => Vocab::ProceedingKind,
            "intervention_kind" => Vocab::InterventionKind,
            "person_category" => Vocab::PersonCategory,
            "legal_provision" => Vocab::LegalProvision,
            "perpetrator_type" => Vocab::PerpetratorType,
            other => return Err(Error::invalid(format!("unknown vocabulary '{other}'"))),
        })
    }
}

/// One term with its labels.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub code: String,
    pub label_en: String,
    pub label_km: String,
    pub label_fr: String,
}

pub fn terms(conn: &Connection, v: Vocab) -> Result<Vec<Term>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT code, label_en, label_km, label_fr FROM {} ORDER BY sort",
        v.table()
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(Term {
            code: r.get(0)?,
            label_en: r.get(1)?,
            label_km: r.get(2)?,
            label_fr: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Checks that `code` is a term of `v`, with a message listing the known ones.
pub(crate) fn check(conn: &Connection, v: Vocab, code: &str) -> Result<String> {
    let code = code.trim();
    let found: Option<String> = conn
        .row(
            &format!("SELECT code FROM {} WHERE code = ?1", v.table()),
            [code],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(c) => Ok(c),
        None => {
            let known: Vec<String> = terms(conn, v)?.into_iter().map(|t| t.code).collect();
            Err(Error::invalid(format!(
                "unknown {} '{code}' (known: {})",
                v.noun(),
                known.join(", ")
            )))
        }
    }
}
