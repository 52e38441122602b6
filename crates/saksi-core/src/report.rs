//! Figures derived from the records, as HQ publishes them ("17 opposition members currently
//! detained").

use serde::Serialize;

use crate::error::Result;
use crate::model::parse_id;
use crate::vault::Vault;

#[derive(Debug, Clone, Serialize)]
pub struct DetainedPerson {
    pub id: String,
    pub name: String,
    /// The date of the step that started the current custody.
    pub since: Option<String>,
    pub place: Option<String>,
    pub affiliations: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetainedReport {
    pub count: usize,
    pub affiliation_filter: Option<String>,
    pub people: Vec<DetainedPerson>,
}

impl Vault {
    /// Everyone in custody now, by their proceedings; with `affiliation`, only members of an
    /// organisation whose name contains it (case-insensitive).
    pub fn detained_report(&self, affiliation: Option<&str>) -> Result<DetainedReport> {
        let needle = affiliation
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty());
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT DISTINCT person_id FROM proceeding")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut people = Vec::new();
        for sid in ids {
            let id = parse_id("person", &sid)?;
            let Some(step) = crate::model::proceeding::current_detention(&self.conn, &id)? else {
                continue;
            };
            let p = crate::model::person::load(&self.conn, &id)?;
            let affiliations: Vec<String> = p
                .affiliations
                .iter()
                .map(|a| a.organisation.clone())
                .collect();
            if let Some(n) = &needle {
                if !affiliations.iter().any(|a| a.to_lowercase().contains(n)) {
                    continue;
                }
            }
            people.push(DetainedPerson {
                id: p.id,
                name: p.name,
                since: step.date.date,
                place: step.detention_place,
                affiliations,
            });
        }
        people.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(DetainedReport {
            count: people.len(),
            affiliation_filter: affiliation.map(str::to_string),
            people,
        })
    }
}
