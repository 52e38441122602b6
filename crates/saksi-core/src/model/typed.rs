//! Dates and numbers as people type them (issue 12): Khmer digits (០–៩, the default on Khmer
//! keyboards) are read as ASCII digits, one-digit months and days are padded, and a malformed
//! date is refused with what is wrong with it.

use serde::de::{self, Visitor};
use serde::Deserializer;

use crate::error::{Error, Result};
use crate::text::khmer_digits_to_ascii;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum DateShape {
    Day,
    Month,
    Year,
}

/// `s` as a stored date (YYYY, YYYY-MM or YYYY-MM-DD in ASCII digits) and its shape, or an error
/// saying what is wrong with it. `s` is already trimmed and not empty.
pub(crate) fn parse_date(field: &str, s: &str) -> Result<(String, DateShape)> {
    let ascii = khmer_digits_to_ascii(s);
    let parts: Vec<&str> = ascii.split('-').collect();
    let digits = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() > 3 || !parts.iter().all(digits) {
        return Err(Error::invalid(format!(
            "{field}: '{s}' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY), for example \
             2015-03-29 or ២០១៥-០៣-២៩"
        )));
    }
    let not_a_date = |why: String| Error::invalid(format!("{field}: '{s}' is not a date: {why}"));
    if parts[0].len() != 4 {
        return Err(not_a_date("the year must have four digits".into()));
    }
    let year: i32 = parts[0]
        .parse()
        .map_err(|_| not_a_date("the year must have four digits".into()))?;
    let Some(month) = parts.get(1) else {
        return Ok((parts[0].to_string(), DateShape::Year));
    };
    let month: u32 = match month.parse() {
        Ok(m @ 1..=12) if month.len() <= 2 => m,
        _ => {
            return Err(not_a_date(format!(
                "there is no month {month} (months are 01 to 12)"
            )))
        }
    };
    let Some(day) = parts.get(2) else {
        return Ok((format!("{year:04}-{month:02}"), DateShape::Month));
    };
    let valid = day.len() <= 2
        && day
            .parse::<u32>()
            .ok()
            .and_then(|d| chrono::NaiveDate::from_ymd_opt(year, month, d))
            .is_some();
    if !valid {
        return Err(not_a_date(format!("{year:04}-{month:02} has no day {day}")));
    }
    let day: u32 = day.parse().unwrap_or_default();
    Ok((format!("{year:04}-{month:02}-{day:02}"), DateShape::Day))
}

/// A whole number typed as text: trimmed, Khmer digits as ASCII, an optional leading minus.
pub fn parse_number(field: &str, s: &str) -> Result<i64> {
    let t = s.trim();
    khmer_digits_to_ascii(t).parse().map_err(|_| {
        Error::invalid(format!(
            "{field}: '{t}' is not a whole number (digits 0-9 or ០-៩)"
        ))
    })
}

/// serde: an optional whole number given as a JSON number or as text in ASCII or Khmer digits
/// ("១២"); null and empty text are no number.
pub(crate) fn opt_number<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number (digits 0-9 or ០-៩)")
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> std::result::Result<Self::Value, E> {
            Ok(Some(n))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> std::result::Result<Self::Value, E> {
            i64::try_from(n)
                .map(Some)
                .map_err(|_| E::custom(format!("{n} is too large")))
        }
        fn visit_str<E: de::Error>(self, t: &str) -> std::result::Result<Self::Value, E> {
            if t.trim().is_empty() {
                return Ok(None);
            }
            parse_number("number", t).map(Some).map_err(E::custom)
        }
        fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(
            self,
            d: D2,
        ) -> std::result::Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_option(V)
}

/// Accepts a date (YYYY-MM-DD) or a date-time (RFC 3339, or YYYY-MM-DDTHH:MM), Khmer digits
/// included; returns it trimmed, in ASCII digits.
pub(crate) fn timestamp(field: &str, s: &str) -> Result<String> {
    let s = khmer_digits_to_ascii(s.trim());
    if chrono::DateTime::parse_from_rfc3339(&s).is_ok()
        || chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok()
        || chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M").is_ok()
    {
        Ok(s.into_owned())
    } else {
        Err(Error::invalid(format!(
            "{field}: '{s}' is not a date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FuzzyDate, Precision};

    fn norm(d: &str, p: Option<Precision>) -> Result<(Option<String>, Precision)> {
        FuzzyDate {
            date: Some(d.into()),
            precision: p,
        }
        .normalise("start")
    }

    #[test]
    fn a_date_typed_in_khmer_digits_is_stored_in_ascii_digits() {
        assert_eq!(
            norm("២០១៥-០៣-២៩", None).unwrap(),
            (Some("2015-03-29".into()), Precision::Day),
            "a Khmer-digit day must be accepted and stored as ASCII"
        );
        assert_eq!(
            norm(" ២០១៥-៣ ", None).unwrap(),
            (Some("2015-03".into()), Precision::Month),
            "a Khmer-digit month with one digit must be padded"
        );
        assert_eq!(
            norm("១៩៧២", Some(Precision::Approximate)).unwrap(),
            (Some("1972".into()), Precision::Approximate),
            "a Khmer-digit year keeps its precision"
        );
        assert_eq!(
            norm("2015-3-9", Some(Precision::Day)).unwrap().0.as_deref(),
            Some("2015-03-09"),
            "one-digit months and days must be padded"
        );
    }

    #[test]
    fn a_malformed_date_is_refused_with_what_is_wrong_not_with_a_precision_message() {
        for (typed, why) in [
            ("២០១៥-១៣", "there is no month 13"),
            ("2015-02-30", "2015-02 has no day 30"),
            ("២០១៥-០២-៣០", "2015-02 has no day 30"),
            ("15-03-29", "the year must have four digits"),
            ("29/03/2015", "(use YYYY-MM-DD, YYYY-MM or YYYY)"),
            ("២០១៥-០៣-២៩x", "(use YYYY-MM-DD, YYYY-MM or YYYY)"),
        ] {
            for p in [None, Some(Precision::Day), Some(Precision::Month)] {
                let e = norm(typed, p).unwrap_err().to_string();
                assert!(
                    e.contains(&format!("'{typed}' is not a date")) && e.contains(why),
                    "a malformed date must be refused saying what is wrong ({why}): {e}"
                );
                assert!(
                    !e.contains("precision"),
                    "a malformed date must not be blamed on the precision: {e}"
                );
            }
        }
    }

    #[test]
    fn a_well_formed_date_of_the_wrong_precision_says_which_form_the_precision_needs() {
        let e = norm("២០១៥", Some(Precision::Day)).unwrap_err().to_string();
        assert!(
            e.contains("does not match precision 'day'") && e.contains("YYYY-MM-DD"),
            "a precision mismatch must say which form the precision needs: {e}"
        );
    }

    #[test]
    fn numbers_typed_in_khmer_digits_are_read() {
        assert_eq!(parse_number("n", " ១២ ").unwrap(), 12);
        assert_eq!(parse_number("n", "40").unwrap(), 40);
        let e = parse_number("sentence_months", "១២ខែ")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'១២ខែ' is not a whole number"),
            "a number with letters must be refused as not a number: {e}"
        );
    }

    #[test]
    fn group_counts_and_sentences_typed_in_khmer_digits_are_read() {
        let c: crate::model::incident::Counting =
            serde_json::from_str(r#"{"unit": "group", "min": "៣", "max": 7}"#).unwrap();
        assert_eq!(
            (c.min, c.max),
            (Some(3), Some(7)),
            "a group count may be typed in Khmer digits"
        );
        let g: crate::model::proceeding::Group =
            serde_json::from_str(r#"{"description": "d", "size_min": "", "size_max": "១២"}"#)
                .unwrap();
        assert_eq!(
            (g.size_min, g.size_max),
            (None, Some(12)),
            "empty text is no number; Khmer digits are a number"
        );
        let e = serde_json::from_str::<crate::model::proceeding::Group>(
            r#"{"description": "d", "size_min": "three"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'three' is not a whole number"),
            "a count that is not a number must be refused as such: {e}"
        );
    }

    #[test]
    fn a_timestamp_typed_in_khmer_digits_is_stored_in_ascii_digits() {
        assert_eq!(
            timestamp("interviewed_at", "២០២៤-០១-០២T០៩:៣០").unwrap(),
            "2024-01-02T09:30"
        );
        assert!(timestamp("interviewed_at", "yesterday").is_err());
    }
}
