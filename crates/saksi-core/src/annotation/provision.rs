//! The legal-provision vocabulary that annotations are tagged with: seeded by migration 0012
//! (ICCPR, the UN Declaration on Human Rights Defenders, the Cambodian Criminal Code) and
//! extended by users, each addition one custody-logged write (allowed in review mode).

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::custody::{self, Action};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// A provision a user adds: a new code with its three labels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProvisionInput {
    /// Lowercase letters, digits and `_` (e.g. `kh_cc_523`), 2–64 characters.
    pub code: String,
    pub label_en: String,
    /// The English label when empty.
    #[serde(default)]
    pub label_km: String,
    /// The English label when empty.
    #[serde(default)]
    pub label_fr: String,
}

const MAX_LABEL_CHARS: usize = 300;

fn check_code(code: &str) -> Result<()> {
    let ok = (2..=64).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && code.as_bytes()[0].is_ascii_lowercase();
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "code '{}': 2 to 64 lowercase letters, digits or '_', starting with a letter",
            code.escape_default()
        )))
    }
}

fn label(field: &str, value: &str, fallback: &str) -> Result<String> {
    let v = value.trim();
    let v = if v.is_empty() { fallback } else { v };
    if v.is_empty() {
        return Err(Error::invalid(format!("{field}: must not be empty")));
    }
    if v.chars().count() > MAX_LABEL_CHARS || v.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{field}: at most {MAX_LABEL_CHARS} characters, no line breaks or control characters"
        )));
    }
    Ok(v.to_string())
}

impl Vault {
    /// Adds a legal provision to the vocabulary (after the seeded ones), with a `vocab_added`
    /// custody entry, in one transaction. An existing code is refused.
    pub fn add_legal_provision(&mut self, input: &ProvisionInput) -> Result<()> {
        let code = input.code.trim();
        check_code(code)?;
        let en = label("label_en", &input.label_en, "")?;
        let km = label("label_km", &input.label_km, &en)?;
        let fr = label("label_fr", &input.label_fr, &en)?;
        self.write(|tx, dev| {
            let exists: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM vocab_legal_provision WHERE code = ?1",
                    [code],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_some() {
                return Err(Error::invalid(format!(
                    "the legal provision '{code}' already exists"
                )));
            }
            tx.execute(
                "INSERT INTO vocab_legal_provision (code, sort, label_en, label_km, label_fr, user_added)
                 VALUES (?1, (SELECT coalesce(max(sort), 0) + 10 FROM vocab_legal_provision), ?2, ?3, ?4, 1)",
                params![code, en, km, fr],
            )?;
            let details =
                serde_json::json!({ "vocabulary": "legal_provision", "code": code }).to_string();
            custody::append_on(tx, dev, Action::VocabAdded, None, None, Some(&details))
        })
    }
}
