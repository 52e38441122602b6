//! Preferences and autosaved drafts, both inside the encrypted vault: the webview keeps nothing
//! (no localStorage, no IndexedDB), so this is where the language, the auto-lock time and a
//! half-typed incident live.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::vault::Vault;

/// Largest draft accepted (a testimony can be long, but a draft is not a dump).
const MAX_DRAFT_BYTES: usize = 4 << 20;

fn check_setting(key: &str, value: &str) -> Result<()> {
    match key {
        "language" if matches!(value, "en" | "km" | "fr") => Ok(()),
        "language" => Err(Error::invalid(format!(
            "unknown language '{value}' (en, km, fr)"
        ))),
        "auto_lock_minutes" => match value.parse::<u32>() {
            Ok(1..=240) => Ok(()),
            _ => Err(Error::invalid(
                "auto_lock_minutes must be a whole number from 1 to 240",
            )),
        },
        other => Err(Error::invalid(format!("unknown setting '{other}'"))),
    }
}

pub(crate) fn check_draft_id(kind: &str, key: &str) -> Result<()> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if ok(kind) && ok(key) {
        Ok(())
    } else {
        Err(Error::invalid(
            "a draft's kind and key are 1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Draft {
    pub kind: String,
    pub key: String,
    pub updated_at: String,
}

pub struct Settings<'a>(&'a Vault);
pub struct SettingsMut<'a>(&'a mut Vault);
pub struct Drafts<'a>(&'a Vault);
pub struct DraftsMut<'a>(&'a mut Vault);

impl Vault {
    pub fn settings(&self) -> Settings<'_> {
        Settings(self)
    }
    pub fn settings_mut(&mut self) -> SettingsMut<'_> {
        SettingsMut(self)
    }
    pub fn drafts(&self) -> Drafts<'_> {
        Drafts(self)
    }
    pub fn drafts_mut(&mut self) -> DraftsMut<'_> {
        DraftsMut(self)
    }
}

impl Settings<'_> {
    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn all(&self) -> Result<BTreeMap<String, String>> {
        let mut stmt = self.0.conn.prepare("SELECT key, value FROM setting")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl SettingsMut<'_> {
    /// Sets a known setting (`language`: en | km | fr; `auto_lock_minutes`: 1–240).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let value = value.trim();
        check_setting(key, value)?;
        self.0.writable()?;
        self.0.conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}

impl Drafts<'_> {
    pub fn get(&self, kind: &str, key: &str) -> Result<Option<serde_json::Value>> {
        check_draft_id(kind, key)?;
        let json: Option<String> = self
            .0
            .conn
            .query_row(
                "SELECT json FROM draft WHERE kind = ?1 AND key = ?2",
                [kind, key],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| Error::Corrupt(format!("draft {kind}/{key}: {e}")))
        })
        .transpose()
    }

    pub fn list(&self) -> Result<Vec<Draft>> {
        let mut stmt = self
            .0
            .conn
            .prepare("SELECT kind, key, updated_at FROM draft ORDER BY updated_at DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(Draft {
                kind: r.get(0)?,
                key: r.get(1)?,
                updated_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl DraftsMut<'_> {
    /// Saves (replaces) a draft.
    pub fn save(&mut self, kind: &str, key: &str, value: &serde_json::Value) -> Result<()> {
        check_draft_id(kind, key)?;
        self.0.writable()?;
        let json = value.to_string();
        if json.len() > MAX_DRAFT_BYTES {
            return Err(Error::invalid(format!(
                "a draft is limited to {} MiB",
                MAX_DRAFT_BYTES >> 20
            )));
        }
        self.0.conn.execute(
            "INSERT INTO draft (kind, key, json, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind, key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
            params![kind, key, json, crate::model::now()],
        )?;
        Ok(())
    }

    /// Removes a draft (under secure_delete); removing a missing draft is not an error. A new
    /// incident's draft goes with the photos waiting in it (see `capture`): their rows, and so
    /// their keys, in the same transaction, then their encrypted files.
    pub fn discard(&mut self, kind: &str, key: &str) -> Result<()> {
        check_draft_id(kind, key)?;
        let names = self.0.write(|tx, _| {
            tx.execute(
                "DELETE FROM draft WHERE kind = ?1 AND key = ?2",
                [kind, key],
            )?;
            if kind == crate::capture::DRAFT_KIND {
                crate::capture::delete_pending(tx, key, None)
            } else {
                Ok(Vec::new())
            }
        })?;
        crate::capture::remove_blobs(self.0, &names);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn settings_and_drafts_round_trip_and_validate() {
        let (dir, mut v) = testutil::vault();
        let pass = testutil::pass();
        let path = dir.path().join("v");
        v.settings_mut().set("language", "km").unwrap();
        v.settings_mut().set("auto_lock_minutes", "15").unwrap();
        assert!(v.settings_mut().set("language", "de").is_err());
        assert!(v.settings_mut().set("auto_lock_minutes", "0").is_err());
        assert!(v.settings_mut().set("theme", "dark").is_err());
        let draft = serde_json::json!({"title": "ការវាយដំ"});
        v.drafts_mut().save("incident", "new", &draft).unwrap();
        assert!(v.drafts_mut().save("../x", "new", &draft).is_err());
        v.lock().unwrap();
        let mut v = Vault::open(&path, &pass).unwrap();
        assert_eq!(v.settings().get("language").unwrap().as_deref(), Some("km"));
        assert_eq!(v.drafts().get("incident", "new").unwrap(), Some(draft));
        assert_eq!(v.drafts().list().unwrap().len(), 1);
        v.drafts_mut().discard("incident", "new").unwrap();
        assert_eq!(v.drafts().get("incident", "new").unwrap(), None);
    }
}
