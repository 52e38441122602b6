//! Testimony: what a witness (possibly anonymous) told an interviewer, with consent recorded per
//! purpose. Consent decides what may leave the device (bundles enforce it).

use crate::sql::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{opt_text, parse_id, required_text, Meta};
use crate::error::{Error, Result};

/// Consent per purpose, and how and when it was given. Absent consent means none was given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    #[serde(default)]
    pub internal_use: bool,
    #[serde(default)]
    pub share_with_hq: bool,
    #[serde(default)]
    pub legal_proceedings: bool,
    /// none | anonymous | named
    #[serde(default = "none")]
    pub publication: String,
    /// e.g. "oral, recorded", "written, signed"
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub given_at: Option<String>,
}

fn none() -> String {
    "none".into()
}

// Not derived: a derived Default would make `publication` an empty string, which `insert`
// refuses, so a testimony sent without a `consent` object could not be stored.
impl Default for Consent {
    fn default() -> Self {
        Consent {
            internal_use: false,
            share_with_hq: false,
            legal_proceedings: false,
            publication: none(),
            method: None,
            given_at: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestimonyInput {
    pub incident_id: String,
    /// The witness's person id; absent (or with `anonymous`) for an anonymous witness.
    #[serde(default)]
    pub witness_id: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub interviewer: Option<String>,
    #[serde(default)]
    pub interviewed_at: Option<String>,
    #[serde(default)]
    pub interview_place: Option<String>,
    /// BCP 47 tag, e.g. km, en, fr.
    #[serde(default)]
    pub language: Option<String>,
    pub body: String,
    #[serde(default)]
    pub consent: Consent,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Testimony {
    pub id: String,
    pub incident_id: String,
    pub witness_id: Option<String>,
    pub anonymous: bool,
    pub interviewer: Option<String>,
    pub interviewed_at: Option<String>,
    pub interview_place: Option<String>,
    pub language: Option<String>,
    pub body: String,
    pub consent: Consent,
    #[serde(flatten)]
    pub meta: Meta,
}

struct Checked {
    incident: Uuid,
    witness: Option<Uuid>,
    body: String,
    /// Checked, in ASCII digits.
    interviewed_at: Option<String>,
    given_at: Option<String>,
}

fn check(conn: &Connection, t: &TestimonyInput) -> Result<Checked> {
    let incident = parse_id("incident", &t.incident_id)?;
    super::incident::exists(conn, &incident)?;
    let witness = t
        .witness_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_id("person", s))
        .transpose()?;
    if let Some(w) = &witness {
        super::person::exists(conn, w)?;
    }
    let body = required_text("testimony body", &t.body)?;
    if !matches!(
        t.consent.publication.as_str(),
        "none" | "anonymous" | "named"
    ) {
        return Err(Error::invalid(format!(
            "unknown publication consent '{}' (none, anonymous, named)",
            t.consent.publication
        )));
    }
    if t.anonymous && t.consent.publication == "named" {
        return Err(Error::invalid(
            "an anonymous testimony cannot have consent to publication with the name",
        ));
    }
    let stamp = |field, at: &Option<String>| -> Result<Option<String>> {
        at.as_deref()
            .map(|a| super::typed::timestamp(field, a))
            .transpose()
    };
    Ok(Checked {
        incident,
        witness,
        body,
        interviewed_at: stamp("interviewed_at", &t.interviewed_at)?,
        given_at: stamp("consent given_at", &t.consent.given_at)?,
    })
}

pub(crate) fn insert(conn: &Connection, device_id: &str, t: &TestimonyInput) -> Result<Uuid> {
    let id = Uuid::now_v7();
    upsert(conn, device_id, &id, t)?;
    Ok(id)
}

/// Replaces a testimony's fields (consent included), bumping its version.
pub(crate) fn update(
    conn: &Connection,
    device_id: &str,
    id: &Uuid,
    t: &TestimonyInput,
) -> Result<()> {
    load(conn, id)?;
    upsert(conn, device_id, id, t)
}

/// One statement for both: a new row starts at version 1; an existing one keeps its
/// `created_at` and gets `version + 1`.
fn upsert(conn: &Connection, device_id: &str, id: &Uuid, t: &TestimonyInput) -> Result<()> {
    let c = check(conn, t)?;
    conn.exec(
        "INSERT INTO testimony (id, incident_id, witness_id, anonymous, interviewer,
            interviewed_at, interview_place, language, body, consent_internal, consent_share_hq,
            consent_legal, consent_publication, consent_method, consent_given_at, created_at,
            updated_at, device_id, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, 1)
         ON CONFLICT (id) DO UPDATE SET
            incident_id = excluded.incident_id, witness_id = excluded.witness_id,
            anonymous = excluded.anonymous, interviewer = excluded.interviewer,
            interviewed_at = excluded.interviewed_at, interview_place = excluded.interview_place,
            language = excluded.language, body = excluded.body,
            consent_internal = excluded.consent_internal,
            consent_share_hq = excluded.consent_share_hq, consent_legal = excluded.consent_legal,
            consent_publication = excluded.consent_publication,
            consent_method = excluded.consent_method, consent_given_at = excluded.consent_given_at,
            updated_at = excluded.updated_at, device_id = excluded.device_id,
            version = testimony.version + 1",
        params![
            id.to_string(),
            c.incident.to_string(),
            c.witness.map(|w| w.to_string()),
            (t.anonymous || c.witness.is_none()) as i64,
            opt_text("interviewer", &t.interviewer)?,
            opt_text("interviewed_at", &c.interviewed_at)?,
            opt_text("interview_place", &t.interview_place)?,
            opt_text("language", &t.language)?,
            c.body,
            t.consent.internal_use as i64,
            t.consent.share_with_hq as i64,
            t.consent.legal_proceedings as i64,
            t.consent.publication,
            opt_text("consent method", &t.consent.method)?,
            opt_text("consent given_at", &c.given_at)?,
            super::now(),
            device_id
        ],
    )?;
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: &Uuid) -> Result<Testimony> {
    conn.row(
        "SELECT id, incident_id, witness_id, anonymous, interviewer, interviewed_at,
            interview_place, language, body, consent_internal, consent_share_hq, consent_legal,
            consent_publication, consent_method, consent_given_at, created_at, updated_at,
            device_id, version
         FROM testimony WHERE id = ?1",
        [id.to_string()],
        |r| {
            Ok(Testimony {
                id: r.get(0)?,
                incident_id: r.get(1)?,
                witness_id: r.get(2)?,
                anonymous: r.get::<_, i64>(3)? != 0,
                interviewer: r.get(4)?,
                interviewed_at: r.get(5)?,
                interview_place: r.get(6)?,
                language: r.get(7)?,
                body: r.get(8)?,
                consent: Consent {
                    internal_use: r.get::<_, i64>(9)? != 0,
                    share_with_hq: r.get::<_, i64>(10)? != 0,
                    legal_proceedings: r.get::<_, i64>(11)? != 0,
                    publication: r.get(12)?,
                    method: r.get(13)?,
                    given_at: r.get(14)?,
                },
                meta: Meta {
                    created_at: r.get(15)?,
                    updated_at: r.get(16)?,
                    device_id: r.get(17)?,
                    version: r.get(18)?,
                },
            })
        },
    )
    .optional()?
    .ok_or_else(|| Error::not_found("testimony", id))
}

pub(crate) fn list(conn: &Connection, incident: Option<&Uuid>) -> Result<Vec<Testimony>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM testimony WHERE ?1 IS NULL OR incident_id = ?1 ORDER BY id",
        )?
        .query_map([incident.map(|i| i.to_string())], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|s| load(conn, &parse_id("testimony", s)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchQuery;
    use crate::testutil;

    #[test]
    fn an_update_bumps_the_version_keeps_created_at_and_reindexes() {
        let (_dir, mut v) = testutil::vault();
        let inc = testutil::incident(&mut v, "t");
        let mut input = TestimonyInput {
            incident_id: inc.to_string(),
            body: "ខ្ញុំបានឃើញទាហាន".into(),
            ..Default::default()
        };
        let id = v.testimonies_mut().add(&input).unwrap();
        let before = v.testimonies().get(&id).unwrap();
        input.body = "ខ្ញុំបានឮការបាញ់".into();
        input.consent.share_with_hq = true;
        v.testimonies_mut().update(&id, &input).unwrap();
        let after = v.testimonies().get(&id).unwrap();
        assert_eq!(after.meta.version, before.meta.version + 1);
        assert_eq!(after.meta.created_at, before.meta.created_at);
        assert!(after.consent.share_with_hq);
        let find = |t: &str| {
            v.search(&SearchQuery {
                text: Some(t.into()),
                ..Default::default()
            })
            .unwrap()
            .len()
        };
        assert_eq!(find("ការបាញ់"), 1, "the new text is searchable");
        assert_eq!(find("ទាហាន"), 0, "the old text is gone from the index");
    }
}
