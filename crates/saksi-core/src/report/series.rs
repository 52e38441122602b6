//! How many people were detained at the end of each month: the "currently detained" rule of
//! [`super::detained`] applied to the proceedings known up to that month.

use serde::Serialize;

use super::detained::{effects, present_custody};
use crate::error::{Error, Result};
use crate::model::proceeding::for_identity;
use crate::vault::Vault;

/// One month and how many people (identities: merged records count once) were in custody at
/// its end.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonthCount {
    /// YYYY-MM
    pub month: String,
    pub detained: usize,
}

/// The series and how it was counted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DetainedSeries {
    pub rules: Vec<String>,
    pub months: Vec<MonthCount>,
}

impl DetainedSeries {
    /// The same series with its rules stated in `lang`.
    pub fn in_lang(mut self, lang: super::Lang) -> Self {
        self.rules = super::rules_text::rules_in(&self.rules, lang);
        self
    }
}

pub(crate) const SERIES_RULES: &[&str] = &[
    "A person counts in a month when, by the proceedings dated up to that month's end, their present custody had begun and not ended (the rule of 'detained now').",
    "A date known only to the year counts from January of that year, one known to the month from that month; proceedings without a date are left out of the series.",
];

fn month(s: &str) -> Result<(i32, u32)> {
    let bad = || Error::invalid(format!("'{s}' is not a month (YYYY-MM)"));
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || !(1900..=2200).contains(&y) {
        return Err(bad());
    }
    Ok((y, m))
}

impl Vault {
    /// People in custody at the end of each month from `from` to `to` (YYYY-MM, at most 600
    /// months), optionally only those of a person category.
    pub fn detained_over_time(
        &self,
        from: &str,
        to: &str,
        category: Option<&str>,
    ) -> Result<DetainedSeries> {
        let (mut y, mut m) = month(from)?;
        let end = month(to)?;
        if (y, m) > end {
            return Err(Error::invalid("the first month is after the last"));
        }
        let mut months = Vec::new();
        while (y, m) <= end {
            months.push(format!("{y:04}-{m:02}"));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            if months.len() > 600 {
                return Err(Error::invalid("a series is at most 600 months"));
            }
        }
        let effects = effects(&self.conn)?;
        let identities: Vec<String> = self
            .conn
            .prepare(
                "SELECT DISTINCT pi.identity_id FROM proceeding p
                 JOIN person_identity pi ON pi.person_id = p.person_id
                 WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM person_identity pj
                    JOIN person_category c ON c.person_id = pj.person_id
                    WHERE pj.identity_id = pi.identity_id AND c.code = ?1)
                 ORDER BY 1",
            )?
            .query_map([category], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut counts = vec![0usize; months.len()];
        for identity in identities {
            let dated: Vec<_> = for_identity(&self.conn, &identity)?
                .into_iter()
                .filter(|p| p.date.date.is_some())
                .collect();
            // `for_identity` is in date order, so the steps known at a month's end are a prefix.
            for (i, mo) in months.iter().enumerate() {
                let known = dated.partition_point(|p| {
                    p.date
                        .date
                        .as_deref()
                        .is_some_and(|d| &d[..d.len().min(7)] <= mo.as_str())
                });
                if present_custody(&effects, &dated[..known]).is_some() {
                    counts[i] += 1;
                }
            }
        }
        Ok(DetainedSeries {
            rules: SERIES_RULES.iter().map(|r| r.to_string()).collect(),
            months: months
                .into_iter()
                .zip(counts)
                .map(|(month, detained)| MonthCount { month, detained })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonInput;

    fn proceeding(v: &mut Vault, person: &uuid::Uuid, kind: &str, date: &str) {
        let input: crate::model::ProceedingInput = serde_json::from_value(serde_json::json!({
            "person": person.to_string(), "kind": kind, "date": {"date": date}
        }))
        .unwrap();
        v.proceedings_mut().add(&input).unwrap();
    }

    #[test]
    fn a_person_counts_in_the_months_between_arrest_and_release_and_again_after_re_arrest() {
        let (_dir, mut v) = crate::testutil::vault();
        let p = v
            .persons_mut()
            .add(
                &serde_json::from_value::<PersonInput>(serde_json::json!({"name": "Sok Dara"}))
                    .unwrap(),
            )
            .unwrap();
        proceeding(&mut v, &p, "arrest", "2024-01-10");
        proceeding(&mut v, &p, "released", "2024-03-02");
        proceeding(&mut v, &p, "arrest", "2024-05-20");
        let series = v.detained_over_time("2023-12", "2024-06", None).unwrap();
        let got: Vec<(String, usize)> = series
            .months
            .into_iter()
            .map(|m| (m.month, m.detained))
            .collect();
        let want: Vec<(String, usize)> = [
            ("2023-12", 0),
            ("2024-01", 1),
            ("2024-02", 1),
            ("2024-03", 0),
            ("2024-04", 0),
            ("2024-05", 1),
            ("2024-06", 1),
        ]
        .iter()
        .map(|(m, n)| (m.to_string(), *n))
        .collect();
        assert_eq!(
            got, want,
            "custody by the proceedings known at each month's end"
        );
        assert!(v.detained_over_time("2024-13", "2024-14", None).is_err());
        assert!(v.detained_over_time("2024-05", "2024-01", None).is_err());
    }
}
