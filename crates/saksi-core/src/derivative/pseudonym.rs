//! A pseudonymised copy of a testimony's text: each chosen name or place replaced, everywhere it
//! occurs as a whole word, by one pseudonym, so that the copy stays readable ("Witness A met
//! Witness B in Village C") and consistent (the same person is always the same pseudonym).
//!
//! Matching is the way a reader sees the text, not byte for byte: both sides in Unicode NFC,
//! upper and lower case alike, any run of white space in a name matching any run in the text,
//! and invisible characters (zero-width space, joiners) inside the text skipped. A whole word is
//! a match not touching a letter or digit on either side; Khmer is written without spaces
//! between words, so a Khmer name matches wherever its letters stand as whole characters: never
//! starting after a coeng (U+17D2, which would make its first consonant a subscript) and never
//! ending before a vowel sign or other combining mark (which would cut a character in two).
//! Longer names are tried first, so "Sok Dara" is replaced before "Dara".
//!
//! The link and the custody entries record the pseudonyms and how often each was used, never
//! the names they replace: the copy's custody travels with it (bundles, court folders).

use std::collections::BTreeMap;

use serde::Serialize;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::{record_link, Derivative, DerivativeError, Method};
use crate::crypto::hash::sha256_hex;
use crate::error::{Error, Result};
use crate::evidence::{self, Intake};
use crate::model::RecordType;
use crate::vault::Vault;

/// Largest pseudonymised text (the copy may be longer than the original).
pub(crate) const MAX_TEXT_BYTES: usize = 4 << 20;
/// Most replacements in one pseudonymisation.
pub const MAX_REPLACEMENTS: usize = 200;
const MAX_NAME_CHARS: usize = 200;
const COENG: char = '\u{17D2}';

/// One name (or place) and the pseudonym that replaces it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    pub name: String,
    pub pseudonym: String,
}

/// Parses `Name=Pseudonym`.
pub fn parse_replacement(s: &str) -> Result<Replacement> {
    match s.split_once('=') {
        Some((n, p)) => Ok(Replacement {
            name: n.trim().to_string(),
            pseudonym: p.trim().to_string(),
        }),
        None => Err(DerivativeError::BadReplacement(format!(
            "replacement '{s}' must be Name=Pseudonym"
        ))
        .into()),
    }
}

fn same_char(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

fn is_khmer(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c)
}

/// How many chars of `text` from `start` the name `name` covers, if it matches there.
fn match_at(text: &[char], start: usize, name: &[char]) -> Option<usize> {
    let mut i = start;
    let mut k = 0;
    while k < name.len() {
        let n = name[k];
        if n.is_whitespace() {
            // Any run of white space (and invisible characters) matches a run in the name.
            let from = i;
            while i < text.len() && (text[i].is_whitespace() || crate::text::is_invisible(text[i]))
            {
                i += 1;
            }
            if i == from {
                return None;
            }
            while k < name.len() && name[k].is_whitespace() {
                k += 1;
            }
            continue;
        }
        while i > start && i < text.len() && crate::text::is_invisible(text[i]) {
            i += 1;
        }
        if i >= text.len() || !same_char(text[i], n) {
            return None;
        }
        i += 1;
        k += 1;
    }
    Some(i - start)
}

fn word_edge_before(text: &[char], start: usize, first: char) -> bool {
    let Some(&prev) = start.checked_sub(1).and_then(|p| text.get(p)) else {
        return true;
    };
    if prev == COENG {
        return false;
    }
    is_khmer(first) || !prev.is_alphanumeric()
}

fn word_edge_after(text: &[char], end: usize, last: char) -> bool {
    let Some(&next) = text.get(end) else {
        return true;
    };
    if is_combining_mark(next) || next == COENG {
        return false;
    }
    is_khmer(last) || !next.is_alphanumeric()
}

/// The text with every whole-word occurrence of each name replaced by its pseudonym, and how
/// many times each replacement was made (in the order of `replacements`; a name given twice
/// counts under its first mention). Pure: no vault. A name that does not occur is refused.
pub fn pseudonymise(text: &str, replacements: &[Replacement]) -> Result<(String, Vec<usize>)> {
    let (out, counts, names) = replace_all(text, replacements)?;
    // Every name given must have been found: a name that is not there is a typo, and the
    // person it should hide would still be named.
    for idx in names {
        if counts[idx] == 0 {
            return Err(DerivativeError::NameNotFound {
                name: replacements[idx].name.trim().to_string(),
            }
            .into());
        }
    }
    Ok((out, counts))
}

/// What [`pseudonymise`] would give, for a preview before the copy is made: a name that does not
/// occur is counted 0 instead of refused, so that the person sees which one to correct.
pub fn preview(text: &str, replacements: &[Replacement]) -> Result<(String, Vec<usize>)> {
    let (out, counts, _) = replace_all(text, replacements)?;
    Ok((out, counts))
}

/// The replacement itself; also returns the index of each distinct name's first mention.
fn replace_all(
    text: &str,
    replacements: &[Replacement],
) -> Result<(String, Vec<usize>, Vec<usize>)> {
    let bad = |m: String| -> Error { DerivativeError::BadReplacement(m).into() };
    if replacements.is_empty() {
        return Err(bad(
            "give at least one replacement, Name=Pseudonym".to_string()
        ));
    }
    if replacements.len() > MAX_REPLACEMENTS {
        return Err(bad(format!(
            "at most {MAX_REPLACEMENTS} names can be replaced at once"
        )));
    }
    // Names as matched: NFC, trimmed; the same name (as a reader sees it) given twice must
    // have the same pseudonym.
    let mut names: Vec<(Vec<char>, usize)> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (i, r) in replacements.iter().enumerate() {
        let name: String = r.name.trim().nfc().collect();
        let pseudonym = r.pseudonym.trim();
        if name.is_empty() || pseudonym.is_empty() {
            return Err(bad(format!(
                "replacement '{}={}' needs both a name and a pseudonym",
                r.name, r.pseudonym
            )));
        }
        if name.chars().count() > MAX_NAME_CHARS || pseudonym.chars().count() > MAX_NAME_CHARS {
            return Err(bad(format!(
                "a name or pseudonym is at most {MAX_NAME_CHARS} characters"
            )));
        }
        if name.chars().next().is_some_and(is_combining_mark) {
            return Err(bad(format!(
                "the name '{name}' starts with a combining mark: give the whole word"
            )));
        }
        let key = crate::text::fold(&name);
        match seen.get(&key) {
            Some(p) if p != pseudonym => {
                return Err(bad(format!(
                    "'{name}' is given two pseudonyms ('{p}' and '{pseudonym}'): one name, one pseudonym"
                )))
            }
            // The same name twice, with the same pseudonym: matched once.
            Some(_) => {}
            None => {
                seen.insert(key, pseudonym.to_string());
                names.push((name.chars().collect(), i));
            }
        }
    }
    // A pseudonym that holds a name would leave that name in the copy.
    for r in replacements {
        let p = crate::text::fold(&r.pseudonym);
        if let Some(n) = seen.keys().find(|n| p.contains(n.as_str())) {
            return Err(bad(format!(
                "the pseudonym '{}' contains the name '{n}', which it is meant to hide",
                r.pseudonym.trim()
            )));
        }
    }
    names.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));

    let text: Vec<char> = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    let mut counts = vec![0usize; replacements.len()];
    let mut i = 0;
    'outer: while i < text.len() {
        for (name, idx) in &names {
            let (Some(&first), Some(&last)) = (name.first(), name.last()) else {
                continue;
            };
            if !same_char(text[i], first) || !word_edge_before(&text, i, first) {
                continue;
            }
            if let Some(len) = match_at(&text, i, name) {
                if word_edge_after(&text, i + len, last) {
                    out.push_str(replacements[*idx].pseudonym.trim());
                    counts[*idx] += 1;
                    i += len;
                    if out.len() > MAX_TEXT_BYTES {
                        return Err(bad(format!(
                            "the pseudonymised text would be larger than {} MiB",
                            MAX_TEXT_BYTES >> 20
                        )));
                    }
                    continue 'outer;
                }
            }
        }
        out.push(text[i]);
        i += 1;
    }
    let firsts = names.iter().map(|(_, idx)| *idx).collect();
    Ok((out, counts, firsts))
}

/// Makes a pseudonymised copy of testimony `id`'s text and takes it in as a new text attachment
/// of the testimony (`testimony-<id>-pseudonymised.txt`), linked to the testimony and the SHA-256
/// of its text, in one transaction. The testimony itself is not changed. Refused read-only and
/// in review mode.
pub fn pseudonymise_testimony(
    vault: &mut Vault,
    id: &Uuid,
    replacements: &[Replacement],
) -> Result<Intake> {
    vault.records_writable()?;
    let t = vault.testimonies().get(id)?;
    let (text, counts) = pseudonymise(&t.body, replacements)?;
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for (r, n) in replacements.iter().zip(&counts) {
        *used.entry(r.pseudonym.trim().to_string()).or_default() += n;
    }
    let pseudonyms: Vec<serde_json::Value> = used
        .into_iter()
        .map(|(p, n)| serde_json::json!({ "pseudonym": p, "occurrences": n }))
        .collect();
    let details = serde_json::json!({ "pseudonyms": pseudonyms });
    let original_sha = sha256_hex(t.body.as_bytes());
    let text = zeroize::Zeroizing::new(text.into_bytes());
    evidence::intake_then(
        vault,
        RecordType::Testimony,
        id,
        &format!("testimony-{}-pseudonymised.txt", id.simple()),
        text.as_slice(),
        Some(text.len() as u64),
        &mut (),
        move |tx, dev, new_id, _| {
            record_link(
                tx,
                dev,
                &Derivative {
                    derivative_id: new_id.to_string(),
                    original_type: "testimony".into(),
                    original_id: t.id.clone(),
                    original_sha256: original_sha,
                    method: Method::Pseudonymise.as_str().into(),
                    details,
                    created_at: crate::model::now(),
                    device_id: dev.id().to_string(),
                },
            )
        },
    )
}
