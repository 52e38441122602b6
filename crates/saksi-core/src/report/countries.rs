//! Countries as ISO 3166-1 alpha-2 codes, with their names in English, Khmer and French from the
//! Unicode CLDR (`countries.tsv`, made by `scripts/gen-countries.py`; never edited by hand).

use crate::error::{Error, Result};

const DATA: &str = include_str!("countries.tsv");

/// One country: code and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Country {
    pub code: &'static str,
    pub name_en: &'static str,
    pub name_km: &'static str,
    pub name_fr: &'static str,
}

/// Every country, by code.
pub fn all() -> impl Iterator<Item = Country> {
    DATA.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(Country {
                code: f.next()?,
                name_en: f.next()?,
                name_km: f.next()?,
                name_fr: f.next()?,
            })
        })
}

pub fn find(code: &str) -> Option<Country> {
    all().find(|c| c.code == code)
}

/// A nationality as stored: an ISO 3166-1 alpha-2 code (any case in, upper case out).
pub fn check(code: &str) -> Result<String> {
    let up = code.trim().to_ascii_uppercase();
    match find(&up) {
        Some(c) => Ok(c.code.to_string()),
        None => Err(Error::invalid(format!(
            "unknown nationality '{}': use an ISO 3166-1 two-letter country code such as KH, VN or FR",
            code.trim()
        ))),
    }
}

/// The names of a country (en, km, fr), if the code is one.
pub(crate) fn labels(code: &str) -> Option<(String, String, String)> {
    find(code).map(|c| {
        (
            c.name_en.to_string(),
            c.name_km.to_string(),
            c.name_fr.to_string(),
        )
    })
}
