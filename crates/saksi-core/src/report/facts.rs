//! The facts counts are made of, read in a few queries: incidents with their kinds and
//! perpetrator types, victim acts with their identity (through `person_identity`) and source,
//! and the victims' affiliations, categories and nationalities by identity.

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;

use crate::error::Result;

pub(crate) struct Act {
    pub id: String,
    pub incident: String,
    pub identity: Option<String>,
    pub group: Option<(String, Option<i64>, Option<i64>)>,
    pub device: String,
    pub notes: String,
    pub perpetrator_type: Option<String>,
}

pub(crate) struct Incident {
    pub start: Option<String>,
    pub end: Option<String>,
    pub place: Option<String>,
    pub province: Option<String>,
    pub kinds: Vec<String>,
    pub perpetrator_types: Vec<String>,
}

pub(crate) fn pairs(conn: &Connection, sql: &str) -> Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (k, v) = row?;
        let list = out.entry(k).or_default();
        if !list.contains(&v) {
            list.push(v);
        }
    }
    Ok(out)
}

pub(crate) fn incidents(conn: &Connection) -> Result<BTreeMap<String, Incident>> {
    let mut kinds = pairs(
        conn,
        "SELECT incident_id, kind FROM incident_kind ORDER BY kind",
    )?;
    let mut perps = pairs(
        conn,
        "SELECT incident_id, perpetrator_type FROM involvement
         WHERE role = 'perpetrator' AND perpetrator_type IS NOT NULL ORDER BY perpetrator_type",
    )?;
    let mut stmt =
        conn.prepare("SELECT id, start_date, end_date, place_name, admin_area FROM incident")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
        ))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (id, start, end, place, province) = row?;
        let i = Incident {
            start,
            end,
            place,
            province,
            kinds: kinds.remove(&id).unwrap_or_default(),
            perpetrator_types: perps.remove(&id).unwrap_or_default(),
        };
        out.insert(id, i);
    }
    Ok(out)
}

pub(crate) fn acts(conn: &Connection) -> Result<Vec<Act>> {
    let mut stmt = conn.prepare(
        "SELECT v.id, v.incident_id, pi.identity_id, v.counting_unit, v.group_description,
                v.count_min, v.count_max, coalesce(d.name, s.name, f.name, v.device_id), v.notes,
                v.perpetrator_type
         FROM involvement v
         LEFT JOIN person_identity pi ON pi.person_id = v.person_id
         LEFT JOIN trusted_device d ON d.id = v.device_id
         LEFT JOIN device_self s ON s.id = v.device_id
         LEFT JOIN device_former f ON f.id = v.device_id
         WHERE v.role = 'victim' ORDER BY v.incident_id, v.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let unit: String = r.get(3)?;
        Ok(Act {
            id: r.get(0)?,
            incident: r.get(1)?,
            identity: if unit == "group" { None } else { r.get(2)? },
            group: (unit == "group").then_some((
                r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                r.get(5)?,
                r.get(6)?,
            )),
            device: r.get(7)?,
            notes: r.get(8)?,
            perpetrator_type: r.get(9)?,
        })
    })?;
    Ok(rows
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|a| a.identity.is_some() || a.group.is_some())
        .collect())
}

/// The victims' attributes, by identity.
pub(crate) struct Victims {
    pub affiliations: HashMap<String, Vec<String>>,
    pub categories: HashMap<String, Vec<String>>,
    pub nationalities: HashMap<String, Vec<String>>,
}

impl Victims {
    pub(crate) fn load(conn: &Connection) -> Result<Self> {
        Ok(Victims {
            affiliations: pairs(
                conn,
                "SELECT pi.identity_id, a.organisation FROM affiliation a
                 JOIN person_identity pi ON pi.person_id = a.person_id ORDER BY a.organisation",
            )?,
            categories: pairs(
                conn,
                "SELECT pi.identity_id, c.code FROM person_category c
                 JOIN person_identity pi ON pi.person_id = c.person_id
                 JOIN vocab_person_category v ON v.code = c.code ORDER BY v.sort",
            )?,
            nationalities: pairs(
                conn,
                "SELECT pi.identity_id, n.country FROM person_nationality n
                 JOIN person_identity pi ON pi.person_id = n.person_id ORDER BY n.country",
            )?,
        })
    }

    pub(crate) fn of<'a>(&'a self, map: &'a HashMap<String, Vec<String>>, a: &Act) -> &'a [String] {
        a.identity
            .as_ref()
            .and_then(|i| map.get(i))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}
