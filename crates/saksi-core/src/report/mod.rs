//! Figures derived from the records, as HQ publishes them ("17 opposition members currently
//! detained"), each with the rules it was counted by and the records it counted.
//!
//! Here: the envelope every report travels in ([`Report`]: what was asked, the counting rules,
//! when and by which vault it was made, a SHA-256 of the data) and small shared helpers.
//! `detained.rs` is who is in custody now, `counts.rs` the grouped counts, `timeline.rs` the
//! dated story of a person or a chain of incidents, `render.rs` the CSV and HTML forms and
//! `countries.rs` the ISO 3166 names.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::vault::Vault;

pub mod countries;
pub mod counts;
pub mod detained;
mod facts;
pub mod render;
pub mod rules_text;
pub mod series;
mod tables;
#[cfg(test)]
mod tests;
pub mod text;
pub mod timeline;
// The Uwazi CSV+zip export (issue 10).
pub mod uwazi;

pub use counts::{CountRow, CountsQuery, CountsReport, Dimension, GroupReport, GroupVictims};
pub use detained::{DetainedPerson, DetainedQuery, DetainedReport};
pub use render::{Format, Table};
pub use series::{DetainedSeries, MonthCount};
pub use tables::range as group_range_text;
pub use text::Lang;
pub use timeline::{Timeline, TimelineEntry};
pub use uwazi::{Purpose, UwaziOptions, UwaziSummary};

/// A report as it is shown, saved or printed: the data and what it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Report<T: Serialize> {
    /// detained | counts | timeline
    pub report: &'static str,
    pub title: String,
    /// When it was made (RFC 3339, UTC).
    pub generated_at: String,
    /// The vault it was made from: this device's id, name and key fingerprint.
    pub vault: VaultStamp,
    /// The filters asked for, as (name, value).
    pub filters: Vec<(String, String)>,
    /// How every figure was counted, in words.
    pub rules: Vec<String>,
    /// SHA-256 (hex) of the canonical JSON of `data` (compact, fields in declaration order,
    /// lists in report order): two reports with the same hash counted the same things.
    pub data_sha256: String,
    pub data: T,
}

#[derive(Debug, Clone, Serialize)]
pub struct VaultStamp {
    pub device_id: String,
    pub device_name: String,
    pub fingerprint: String,
}

impl<T: Serialize> Report<T> {
    /// The same report with its counting rules stated in `lang` (the data and its hash are
    /// unchanged: they do not depend on the language).
    pub fn in_lang(mut self, lang: Lang) -> Self {
        self.rules = rules_text::rules_in(&self.rules, lang);
        self
    }

    pub(crate) fn new(
        vault: &Vault,
        report: &'static str,
        title: String,
        filters: Vec<(String, String)>,
        rules: Vec<String>,
        data: T,
    ) -> Result<Self> {
        let d = vault.device();
        Ok(Report {
            report,
            title,
            generated_at: crate::model::now(),
            vault: VaultStamp {
                device_id: d.id().to_string(),
                device_name: d.name().to_string(),
                fingerprint: d.fingerprint(),
            },
            filters,
            rules,
            data_sha256: data_sha256(&data)?,
            data,
        })
    }
}

/// SHA-256 of the canonical JSON of `data`.
pub fn data_sha256<T: Serialize>(data: &T) -> Result<String> {
    let bytes = serde_json::to_vec(data)
        .map_err(|e| Error::invalid(format!("the report data cannot be written as JSON: {e}")))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// A date bound as stored text: the first day of `d` (`lower`) or its last (`!lower`), for
/// YYYY, YYYY-MM or YYYY-MM-DD.
pub(crate) fn date_bound(d: &str, field: &str, lower: bool) -> Result<String> {
    let fd = crate::model::FuzzyDate {
        date: Some(d.to_string()),
        precision: None,
    };
    let (Some(d), _) = fd.normalise(field)? else {
        return Err(Error::invalid(format!("{field} is empty")));
    };
    Ok(match (d.len(), lower) {
        (4, true) => format!("{d}-01-01"),
        (7, true) => format!("{d}-01"),
        (4, false) => format!("{d}-12-31"),
        (7, false) => format!("{d}-31"),
        _ => d,
    })
}

/// A trimmed, non-empty filter value.
pub(crate) fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A report to save as a file: which one, and its query.
#[derive(Debug, Clone)]
pub enum ReportRequest {
    Counts(CountsQuery),
    Detained(DetainedQuery),
}

impl Vault {
    /// The report as a file in `format` (labels in `lang`), with the file name to offer for it
    /// (`saksi-counts-by-kind.html`, `saksi-detained.csv`…).
    pub fn report_file(
        &self,
        request: &ReportRequest,
        format: render::Format,
        lang: Lang,
    ) -> Result<(Vec<u8>, String)> {
        let ext = match format {
            render::Format::Html => "html",
            render::Format::Csv => "csv",
            render::Format::Json => "json",
        };
        Ok(match request {
            ReportRequest::Counts(q) => (
                self.render_report(&self.report_counts(q)?, format, lang)?,
                format!("saksi-counts-by-{}.{ext}", q.by.as_str()),
            ),
            ReportRequest::Detained(q) => (
                self.render_report(&self.detained_report(q)?, format, lang)?,
                format!("saksi-detained.{ext}"),
            ),
        })
    }
}
