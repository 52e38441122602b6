//! The data model: HURIDOCS Events Standard Formats, made practical. One module per record type.
//! Inputs are what the CLI's JSON and the desktop's forms send; outputs add the id and the
//! metadata (created/updated, device, version) every record carries.

pub mod incident;
pub mod intervention;
pub mod person;
pub mod person_merge;
pub mod proceeding;
pub mod record_type;
pub mod testimony;
pub mod typed;
pub mod vocab;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use typed::DateShape;

pub use incident::{Incident, IncidentEdit, IncidentInput, InvolvementInput, PersonRef};
pub use intervention::{Intervention, InterventionInput};
pub use person::{Person, PersonInput};
pub use proceeding::{Proceeding, ProceedingInput};
pub use record_type::RecordType;
pub use testimony::{Testimony, TestimonyInput};

/// The current time as stored: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The metadata every record carries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    pub created_at: String,
    pub updated_at: String,
    pub device_id: String,
    pub version: i64,
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Day,
    Month,
    Year,
    Approximate,
    Before,
    After,
    #[default]
    Unknown,
}

impl Precision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
            Precision::Approximate => "approximate",
            Precision::Before => "before",
            Precision::After => "after",
            Precision::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "day" => Precision::Day,
            "month" => Precision::Month,
            "year" => Precision::Year,
            "approximate" => Precision::Approximate,
            "before" => Precision::Before,
            "after" => Precision::After,
            "unknown" => Precision::Unknown,
            other => {
                return Err(Error::invalid(format!(
                    "unknown date precision '{other}' (day, month, year, approximate, before, after, unknown)"
                )))
            }
        })
    }
}

/// A date known to some precision: `{"date": "2015-10-26", "precision": "day"}`,
/// `{"date": "2013-07", "precision": "month"}`, `{"date": "1972", "precision": "approximate"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FuzzyDate {
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub precision: Option<Precision>,
}

impl FuzzyDate {
    /// Checks the date against its precision; fills in the precision from the date's shape when
    /// it was left out. Returns what is stored: (date, precision). The date may be typed in
    /// Khmer digits and with one-digit months and days; it is stored as YYYY[-MM[-DD]] in ASCII
    /// digits (see [`typed`]).
    pub fn normalise(&self, field: &str) -> Result<(Option<String>, Precision)> {
        let date = self
            .date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let Some(date) = date else {
            return match self.precision {
                None | Some(Precision::Unknown) => Ok((None, Precision::Unknown)),
                Some(p) => Err(Error::invalid(format!(
                    "{field}: precision '{}' needs a date",
                    p.as_str()
                ))),
            };
        };
        let typed = date;
        let (date, shape) = typed::parse_date(field, typed)?;
        let precision = match (self.precision, shape) {
            (None, DateShape::Day) => Precision::Day,
            (None, DateShape::Month) => Precision::Month,
            (None, DateShape::Year) => Precision::Year,
            (Some(Precision::Day), DateShape::Day)
            | (Some(Precision::Month), DateShape::Month)
            | (Some(Precision::Year), DateShape::Year) => self.precision.unwrap_or_default(),
            (Some(p @ (Precision::Approximate | Precision::Before | Precision::After)), _) => p,
            (Some(Precision::Unknown), _) => {
                return Err(Error::invalid(format!(
                    "{field}: precision 'unknown' cannot have a date"
                )))
            }
            (Some(p), _) => {
                let form = match p {
                    Precision::Day => "a full date, YYYY-MM-DD",
                    Precision::Month => "a month, YYYY-MM",
                    _ => "a year, YYYY",
                };
                return Err(Error::invalid(format!(
                    "{field}: '{typed}' does not match precision '{}' (it needs {form})",
                    p.as_str()
                )));
            }
        };
        Ok((Some(date), precision))
    }

    pub(crate) fn from_stored(date: Option<String>, precision: &str) -> Self {
        FuzzyDate {
            date,
            precision: Precision::parse(precision).ok(),
        }
    }
}

/// Rejects empty required text and trims it.
pub(crate) fn required_text(field: &str, value: &str) -> Result<String> {
    let t = value.trim();
    if t.is_empty() {
        return Err(Error::invalid(format!("{field} must not be empty")));
    }
    bounded(field, t)?;
    Ok(t.to_string())
}

/// Upper bound on any single text field (1 MiB): testimony can be long, but not unbounded.
pub(crate) const MAX_TEXT_BYTES: usize = 1 << 20;

pub(crate) fn bounded(field: &str, value: &str) -> Result<()> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(Error::invalid(format!(
            "{field} is longer than {} bytes",
            MAX_TEXT_BYTES
        )));
    }
    Ok(())
}

pub(crate) fn opt_text(field: &str, v: &Option<String>) -> Result<Option<String>> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            bounded(field, t)?;
            Ok(Some(t.to_string()))
        }
    }
}

/// Parses a record id given by a user or a caller.
pub fn parse_id(what: &'static str, s: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(s.trim())
        .map_err(|_| Error::invalid(format!("'{s}' is not a valid {what} id")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fd(date: Option<&str>, p: Option<Precision>) -> FuzzyDate {
        FuzzyDate {
            date: date.map(str::to_string),
            precision: p,
        }
    }

    #[test]
    fn precision_is_inferred_and_checked() {
        assert_eq!(
            fd(Some("2015-10-26"), None).normalise("d").unwrap().1,
            Precision::Day
        );
        assert_eq!(
            fd(Some("2013-07"), None).normalise("d").unwrap().1,
            Precision::Month
        );
        assert_eq!(
            fd(Some("1972"), Some(Precision::Approximate))
                .normalise("d")
                .unwrap()
                .1,
            Precision::Approximate
        );
        assert!(fd(Some("2015-02-30"), None).normalise("d").is_err());
        assert!(fd(Some("2015"), Some(Precision::Day))
            .normalise("d")
            .is_err());
        assert!(fd(None, Some(Precision::Before)).normalise("d").is_err());
        assert_eq!(
            fd(None, None).normalise("d").unwrap(),
            (None, Precision::Unknown)
        );
    }
}
