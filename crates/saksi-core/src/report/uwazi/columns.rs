//! `import.csv` as Uwazi's CSV import reads it: the columns (see docs/uwazi.md, "Field
//! mapping"), and the cell conventions: several values joined by `|`, a grouped thesaurus value
//! as `Parent::Child`, dates as `YYYY/MM/DD`, a date range as `from:to` (an open end left
//! empty), a geolocation as `lat|lon` in a `<property>_geolocation` column, and translations of
//! thesaurus labels as `<property>__<language>` columns.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::select::IncidentRow;
use crate::error::{Error, Result};
use crate::report::Lang;

/// The labels of one vocabulary, by code: (en, km, fr).
pub(super) type Labels = HashMap<String, [String; 3]>;

pub(super) struct Vocabularies {
    pub kinds: Labels,
    pub categories: Labels,
    pub proceedings: Labels,
}

fn label(labels: &Labels, code: &str, lang: Lang) -> String {
    let i = match lang {
        Lang::En => 0,
        Lang::Km => 1,
        Lang::Fr => 2,
    };
    labels
        .get(code)
        .map(|l| l[i].clone())
        .unwrap_or_else(|| code.to_string())
}

/// One value of a multi-value cell: a `|` inside it would split it in two, and `::` would make
/// it a group, so both are replaced.
pub(super) fn value(s: &str) -> String {
    s.trim().replace('|', "/").replace("::", ":")
}

/// Several values, `a|b`, each once, in order.
pub(super) fn multi<I: IntoIterator<Item = String>>(values: I) -> String {
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        let v = value(&v);
        if !v.is_empty() && !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.join("|")
}

/// A stored date (YYYY, YYYY-MM or YYYY-MM-DD) as Uwazi's `YYYY/MM/DD`: its first day, or
/// (`!first`) its last.
pub(super) fn uwazi_date(stored: &str, first: bool) -> Result<String> {
    let bad = || {
        Error::Corrupt(format!(
            "a stored date '{stored}' is not YYYY, YYYY-MM or YYYY-MM-DD"
        ))
    };
    let parts: Vec<&str> = stored.trim().split('-').collect();
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let year = parts.first().ok_or_else(bad).and_then(|y| num(y))? as i32;
    let d = match parts.len() {
        1 if first => NaiveDate::from_ymd_opt(year, 1, 1),
        1 => NaiveDate::from_ymd_opt(year, 12, 31),
        2 => {
            let m = num(parts[1])?;
            let start = NaiveDate::from_ymd_opt(year, m, 1);
            if first {
                start
            } else {
                start
                    .and_then(|s| s.checked_add_months(chrono::Months::new(1)))
                    .and_then(|n| n.pred_opt())
            }
        }
        3 => NaiveDate::from_ymd_opt(year, num(parts[1])?, num(parts[2])?),
        _ => None,
    }
    .ok_or_else(bad)?;
    Ok(format!("{:04}/{:02}/{:02}", d.year(), d.month(), d.day()))
}

/// The incident's period as an Uwazi date range `from:to`: from the first day of its start to
/// the last day of its end (or of its start, when it has no end). A start known only as
/// "before" leaves `from` open; one known only as "after", with no end, leaves `to` open.
pub(super) fn period(r: &IncidentRow) -> Result<String> {
    let Some(start) = &r.start else {
        return Ok(match &r.end {
            Some(e) => format!(":{}", uwazi_date(e, false)?),
            None => String::new(),
        });
    };
    let from = if r.start_precision == "before" {
        String::new()
    } else {
        uwazi_date(start, true)?
    };
    let to = match &r.end {
        Some(e) if r.end_precision != "after" => uwazi_date(e, false)?,
        Some(_) => String::new(),
        None if r.start_precision == "after" => String::new(),
        None => uwazi_date(start, false)?,
    };
    Ok(format!("{from}:{to}"))
}

/// A point as Uwazi's geolocation cell, `lat|lon` (latitude first).
pub(super) fn geolocation(lat: Option<f64>, lon: Option<f64>) -> String {
    match (lat, lon) {
        (Some(a), Some(o)) if a.is_finite() && o.is_finite() => format!("{a}|{o}"),
        _ => String::new(),
    }
}

/// The place as a value of a grouped thesaurus: `Province::Place`, or the one that is known.
pub(super) fn place(r: &IncidentRow) -> String {
    let p = r.place.as_deref().map(value).filter(|s| !s.is_empty());
    let a = r.province.as_deref().map(value).filter(|s| !s.is_empty());
    match (a, p) {
        (Some(a), Some(p)) => format!("{a}::{p}"),
        (None, Some(p)) => p,
        (Some(a), None) => a,
        (None, None) => String::new(),
    }
}

/// The name of an attachment inside the zip (and in the `attachments` column): its id and the
/// extension of its original name (the name itself may say who is in it, so it stays behind).
pub(super) fn file_name(id: &str, original_name: &str) -> String {
    let ext = original_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| (1..=8).contains(&e.len()) && e.chars().all(|c| c.is_ascii_alphanumeric()));
    match ext {
        Some(e) => format!("{id}.{e}"),
        None => id.to_string(),
    }
}

/// The translated columns: one per language (`kinds__en`, `kinds__km`…) when several are
/// asked, else the plain name with the labels of the one language.
fn translated(name: &str, langs: &[Lang]) -> Vec<String> {
    if langs.len() == 1 {
        vec![name.to_string()]
    } else {
        langs
            .iter()
            .map(|l| format!("{name}__{}", l.as_str()))
            .collect()
    }
}

/// The header of `import.csv`.
pub(super) fn header(langs: &[Lang]) -> Vec<String> {
    let mut h: Vec<String> = ["title", "description"].map(String::from).to_vec();
    h.extend(translated("kinds", langs));
    h.extend(
        [
            "date",
            "period",
            "date_precision",
            "place",
            "province",
            "location_geolocation",
            "verification",
            "victims",
            "victim_count",
        ]
        .map(String::from),
    );
    h.extend(translated("victim_categories", langs));
    h.push("perpetrator_types".into());
    h.extend(translated("proceedings", langs));
    h.extend(
        [
            "proceedings_summary",
            "testimonies",
            "attachments",
            "saksi_id",
        ]
        .map(String::from),
    );
    h
}

/// One row, in the order of [`header`].
pub(super) fn row(r: &IncidentRow, v: &Vocabularies, langs: &[Lang]) -> Result<Vec<String>> {
    let default = langs.first().copied().unwrap_or_default();
    let labels = |labels: &Labels, codes: &[String], lang: Lang| {
        multi(codes.iter().map(|c| label(labels, c, lang)))
    };
    let mut out = vec![r.title.clone(), r.description.clone()];
    out.extend(langs.iter().map(|&l| labels(&v.kinds, &r.kinds, l)));
    out.push(match &r.start {
        Some(s) if r.start_precision != "before" => uwazi_date(s, true)?,
        _ => String::new(),
    });
    out.push(period(r)?);
    out.push(match r.start_precision.as_str() {
        "approximate" | "before" | "after" => r.start_precision.clone(),
        _ => String::new(),
    });
    out.push(place(r));
    out.push(r.province.as_deref().map(value).unwrap_or_default());
    out.push(geolocation(r.latitude, r.longitude));
    out.push(r.verification.clone());
    out.push(multi(r.victims.iter().cloned()));
    out.push(r.victim_count.to_string());
    out.extend(
        langs
            .iter()
            .map(|&l| labels(&v.categories, &r.victim_categories, l)),
    );
    out.push(multi(r.perpetrator_types.iter().cloned()));
    let kinds: Vec<String> = r.proceedings.iter().map(|p| p.0.clone()).collect();
    out.extend(langs.iter().map(|&l| labels(&v.proceedings, &kinds, l)));
    let mut summary = Vec::new();
    for (kind, date, authority, charges) in &r.proceedings {
        let mut s = label(&v.proceedings, kind, default);
        if let Some(d) = date {
            s.push_str(&format!(" {}", uwazi_date(d, true)?));
        }
        if let Some(a) = authority.as_deref().filter(|a| !a.trim().is_empty()) {
            s.push_str(&format!(", {}", a.trim()));
        }
        if let Some(c) = charges.as_deref().filter(|c| !c.trim().is_empty()) {
            s.push_str(&format!(": {}", c.trim()));
        }
        summary.push(s);
    }
    out.push(summary.join("\n"));
    out.push(r.testimonies.join("\n\n---\n\n"));
    out.push(r.attachments.join("|"));
    out.push(r.id.clone());
    Ok(out)
}
