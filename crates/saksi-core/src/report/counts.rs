//! Counts grouped by one dimension (kind, month, place, affiliation, …) over a date range and
//! filters: incidents, acts, unique victims and group victims as a range, each figure with the
//! ids it counted. The rules are in [`RULES`] and travel with every report.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use serde::Serialize;

use super::facts::{self, Act, Incident};
use super::{date_bound, given, Report};
use crate::error::{Error, Result};
use crate::model::vocab::{check, terms, Vocab};
use crate::vault::Vault;

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dimension {
    Kind,
    Month,
    Year,
    Place,
    Province,
    Affiliation,
    Category,
    PerpetratorType,
    Nationality,
}

impl Dimension {
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s.trim() {
            "kind" => Dimension::Kind,
            "month" => Dimension::Month,
            "year" => Dimension::Year,
            "place" => Dimension::Place,
            "province" => Dimension::Province,
            "affiliation" => Dimension::Affiliation,
            "category" => Dimension::Category,
            "perpetrator-type" | "perpetrator_type" => Dimension::PerpetratorType,
            "nationality" => Dimension::Nationality,
            other => {
                return Err(Error::invalid(format!(
                    "unknown grouping '{other}' (kind, month, year, place, province, affiliation, category, perpetrator-type, nationality)"
                )))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Kind => "kind",
            Dimension::Month => "month",
            Dimension::Year => "year",
            Dimension::Place => "place",
            Dimension::Province => "province",
            Dimension::Affiliation => "affiliation",
            Dimension::Category => "category",
            Dimension::PerpetratorType => "perpetrator-type",
            Dimension::Nationality => "nationality",
        }
    }

    /// Whether the dimension describes the victim (then incidents follow their victims).
    fn of_victim(self) -> bool {
        matches!(
            self,
            Dimension::Affiliation | Dimension::Category | Dimension::Nationality
        )
    }
}

#[derive(Debug, Clone)]
pub struct CountsQuery {
    pub by: Dimension,
    /// Incidents overlapping [from, to] (YYYY, YYYY-MM or YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    /// Part of the place name (case-insensitive).
    pub place: Option<String>,
    /// Part of the province / admin area (case-insensitive).
    pub province: Option<String>,
    /// Victims affiliated with an organisation whose name contains this.
    pub affiliation: Option<String>,
    pub category: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
}

impl CountsQuery {
    pub fn by(by: Dimension) -> Self {
        CountsQuery {
            by,
            from: None,
            to: None,
            kind: None,
            place: None,
            province: None,
            affiliation: None,
            category: None,
            nationality: None,
        }
    }
}

/// One source's count of a group of unnamed victims.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupReport {
    pub act_id: String,
    pub incident_id: String,
    pub description: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// The device that recorded it (its name when known).
    pub source: String,
    pub notes: String,
}

/// Group victims as a range; `max` is `None` when some source gave no upper bound.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupVictims {
    pub min: i64,
    pub max: Option<i64>,
    pub reports: Vec<GroupReport>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountRow {
    pub key: String,
    pub label_en: String,
    pub label_km: String,
    pub label_fr: String,
    pub incidents: usize,
    pub acts: usize,
    pub victims: usize,
    pub group_victims: GroupVictims,
    /// Drill-down: what each figure counted.
    pub incident_ids: Vec<String>,
    pub act_ids: Vec<String>,
    /// Victims by identity (merged persons share one).
    pub victim_ids: Vec<String>,
    /// The testimonies of the counted incidents whose witness's current consent allows
    /// publication (withdrawn consent takes one out: crate::consent). Left out when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub testimony_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountsReport {
    pub by: Dimension,
    pub rows: Vec<CountRow>,
    /// Every counted record once (a row may share records with another).
    pub total: CountRow,
}

impl CountsReport {
    /// The dimension's name, as a column heading.
    pub fn by_name(&self) -> &'static str {
        self.by.as_str()
    }
}

/// The key for records without a value in the dimension.
pub const NONE_KEY: &str = "(none)";

pub(crate) const RULES: &[&str] = &[
    "Incidents are counted once per row; an incident with several kinds (or places, or victims of several affiliations) appears in each of their rows, and once in the total.",
    "Dates: an incident is in the range when its dates overlap it; incidents of unknown date are left out when a range is given. Month and year are those of the start date ('2014' when only the year is known).",
    "An act is one victim involvement: a person beaten twice in two incidents is one victim and two acts.",
    "Unique victims are individual victims counted once by identity: merged person records count once.",
    "Group victims (unnamed people counted by number) are a range, minimum to maximum. Reports of a group with the same description in the same incident are one group told by several sources: its range runs from the smallest to the largest count given. Different groups add up. A report without a lower bound adds 0 to the minimum; one without an upper bound makes the maximum unknown.",
    "Victim filters (affiliation, category, nationality) and victim groupings count named victims only; incidents then follow their matching victims. Victims without a value are in the row '(none)'.",
    "Perpetrator type is that of the act, else those of the incident's alleged perpetrators, else '(none)'.",
    "Drill-down lists the testimonies of the counted incidents whose witness's current consent allows publication: a withdrawal of consent takes a testimony out of every later report.",
];

/// The incident's overlap with [from, to] (stored dates are YYYY, YYYY-MM or YYYY-MM-DD).
fn in_range(i: &Incident, from: Option<&str>, to: Option<&str>) -> bool {
    if from.is_none() && to.is_none() {
        return true;
    }
    let Some(start) = i.start.as_deref() else {
        return false;
    };
    let first = match start.len() {
        4 => format!("{start}-01-01"),
        7 => format!("{start}-01"),
        _ => start.to_string(),
    };
    let end = i.end.as_deref().unwrap_or(start);
    let last = match end.len() {
        4 => format!("{end}-12-31"),
        7 => format!("{end}-31"),
        _ => end.to_string(),
    };
    from.is_none_or(|f| last.as_str() >= f) && to.is_none_or(|t| first.as_str() <= t)
}

fn contains(hay: &Option<String>, needle: Option<&str>) -> bool {
    needle.is_none_or(|n| {
        hay.as_deref()
            .is_some_and(|h| h.to_lowercase().contains(&n.to_lowercase()))
    })
}

#[derive(Default)]
struct Acc {
    incidents: BTreeSet<String>,
    acts: BTreeSet<String>,
    victims: BTreeSet<String>,
    groups: Vec<GroupReport>,
}

impl Acc {
    fn into_row(self, key: String, labels: (String, String, String)) -> CountRow {
        CountRow {
            label_en: labels.0,
            label_km: labels.1,
            label_fr: labels.2,
            key,
            incidents: self.incidents.len(),
            acts: self.acts.len(),
            victims: self.victims.len(),
            group_victims: group_range(self.groups),
            incident_ids: self.incidents.into_iter().collect(),
            act_ids: self.acts.into_iter().collect(),
            victim_ids: self.victims.into_iter().collect(),
            testimony_ids: Vec::new(),
        }
    }
}

/// Sums the ranges of distinct groups; reports of one group (same incident, same description)
/// give it the range from their smallest to their largest count.
pub(crate) fn group_range(reports: Vec<GroupReport>) -> GroupVictims {
    let mut groups: BTreeMap<(String, String), (i64, Option<i64>)> = BTreeMap::new();
    for r in &reports {
        let lo = r.min.unwrap_or(0);
        let hi = r.max;
        let key = (r.incident_id.clone(), r.description.trim().to_lowercase());
        let e = groups.entry(key).or_insert((lo, hi));
        e.0 = e.0.min(lo);
        e.1 = match (e.1, hi) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    let min = groups.values().map(|g| g.0).sum();
    let max = groups
        .values()
        .try_fold(0i64, |acc, g| g.1.map(|m| acc.saturating_add(m)));
    GroupVictims { min, max, reports }
}

type Labels = (String, String, String);

fn vocab_labels(conn: &Connection, v: Vocab) -> Result<Vec<(String, Labels)>> {
    Ok(terms(conn, v)?
        .into_iter()
        .map(|t| (t.code, (t.label_en, t.label_km, t.label_fr)))
        .collect())
}

fn plain(key: &str) -> Labels {
    if key == NONE_KEY {
        return ("(none)".into(), "(គ្មាន)".into(), "(aucun)".into());
    }
    (key.to_string(), key.to_string(), key.to_string())
}

impl Vault {
    /// Counts grouped by `q.by` (see [`RULES`]).
    pub fn report_counts(&self, q: &CountsQuery) -> Result<Report<CountsReport>> {
        let conn = &self.conn;
        let from = given(&q.from)
            .map(|f| date_bound(f, "from", true))
            .transpose()?;
        let to = given(&q.to)
            .map(|t| date_bound(t, "to", false))
            .transpose()?;
        let kind = given(&q.kind)
            .map(|k| check(conn, Vocab::IncidentKind, k))
            .transpose()?;
        let category = given(&q.category)
            .map(|c| check(conn, Vocab::PersonCategory, c))
            .transpose()?;
        let nationality = given(&q.nationality)
            .map(super::countries::check)
            .transpose()?;
        let affiliation = given(&q.affiliation).map(str::to_lowercase);
        let person_filter = affiliation.is_some() || category.is_some() || nationality.is_some();

        let incidents: BTreeMap<String, Incident> = facts::incidents(conn)?
            .into_iter()
            .filter(|(_, i)| {
                in_range(i, from.as_deref(), to.as_deref())
                    && kind.as_ref().is_none_or(|k| i.kinds.contains(k))
                    && contains(&i.place, given(&q.place))
                    && contains(&i.province, given(&q.province))
            })
            .collect();
        let victims = facts::Victims::load(conn)?;
        let acts: Vec<Act> = facts::acts(conn)?
            .into_iter()
            .filter(|a| incidents.contains_key(&a.incident))
            .filter(|a| {
                !person_filter
                    || (a.identity.is_some()
                        && affiliation.as_ref().is_none_or(|n| {
                            victims
                                .of(&victims.affiliations, a)
                                .iter()
                                .any(|o| o.to_lowercase().contains(n))
                        })
                        && category
                            .as_ref()
                            .is_none_or(|c| victims.of(&victims.categories, a).contains(c))
                        && nationality
                            .as_ref()
                            .is_none_or(|c| victims.of(&victims.nationalities, a).contains(c)))
            })
            .collect();

        let or_none = |v: Vec<String>| {
            if v.is_empty() {
                vec![NONE_KEY.to_string()]
            } else {
                v
            }
        };
        let incident_keys = |i: &Incident| -> Vec<String> {
            let one = |s: &Option<String>| vec![s.clone().unwrap_or_else(|| NONE_KEY.into())];
            match q.by {
                Dimension::Kind => or_none(i.kinds.clone()),
                Dimension::Month => one(&i.start.as_ref().map(|s| s.chars().take(7).collect())),
                Dimension::Year => one(&i.start.as_ref().map(|s| s.chars().take(4).collect())),
                Dimension::Place => one(&i.place),
                Dimension::Province => one(&i.province),
                Dimension::PerpetratorType => or_none(i.perpetrator_types.clone()),
                _ => Vec::new(),
            }
        };
        let act_keys = |a: &Act, i: &Incident| -> Vec<String> {
            match q.by {
                Dimension::Affiliation => or_none(victims.of(&victims.affiliations, a).to_vec()),
                Dimension::Category => or_none(victims.of(&victims.categories, a).to_vec()),
                Dimension::Nationality => or_none(victims.of(&victims.nationalities, a).to_vec()),
                Dimension::PerpetratorType => match &a.perpetrator_type {
                    Some(t) => vec![t.clone()],
                    None => or_none(i.perpetrator_types.clone()),
                },
                _ => incident_keys(i),
            }
        };

        let mut rows: BTreeMap<String, Acc> = BTreeMap::new();
        let mut total = Acc::default();
        if !person_filter && !q.by.of_victim() {
            for (id, i) in &incidents {
                total.incidents.insert(id.clone());
                for k in incident_keys(i) {
                    rows.entry(k).or_default().incidents.insert(id.clone());
                }
            }
        }
        for a in &acts {
            let Some(i) = incidents.get(&a.incident) else {
                continue;
            };
            for k in act_keys(a, i) {
                rows.entry(k).or_default().add(a);
            }
            total.add(a);
        }

        let labels: Vec<(String, Labels)> = match q.by {
            Dimension::Kind => vocab_labels(conn, Vocab::IncidentKind)?,
            Dimension::Category => vocab_labels(conn, Vocab::PersonCategory)?,
            // Codes by their labels; free text stored before the vocabulary keeps its own text.
            Dimension::PerpetratorType => vocab_labels(conn, Vocab::PerpetratorType)?,
            _ => Vec::new(),
        };
        let mut ordered: Vec<(String, Acc)> = Vec::new();
        for (code, _) in &labels {
            if let Some(acc) = rows.remove(code) {
                ordered.push((code.clone(), acc));
            }
        }
        let none = rows.remove(NONE_KEY);
        ordered.extend(rows);
        ordered.extend(none.map(|n| (NONE_KEY.to_string(), n)));
        let rows = ordered
            .into_iter()
            .map(|(key, acc)| {
                let l = labels
                    .iter()
                    .find(|(c, _)| *c == key)
                    .map(|(_, l)| l.clone())
                    .or_else(|| {
                        (q.by == Dimension::Nationality)
                            .then(|| super::countries::labels(&key))
                            .flatten()
                    })
                    .unwrap_or_else(|| plain(&key));
                acc.into_row(key, l)
            })
            .collect();
        let mut total = total.into_row(
            "total".into(),
            ("Total".into(), "សរុប".into(), "Total".into()),
        );
        let mut rows: Vec<CountRow> = rows;
        let publishable = publishable_testimonies(conn)?;
        for row in rows.iter_mut().chain(std::iter::once(&mut total)) {
            row.testimony_ids = row
                .incident_ids
                .iter()
                .filter_map(|i| publishable.get(i))
                .flatten()
                .cloned()
                .collect();
        }

        let mut filters = vec![("by".to_string(), q.by.as_str().to_string())];
        for (name, v) in [
            ("from", given(&q.from)),
            ("to", given(&q.to)),
            ("kind", kind.as_deref()),
            ("place", given(&q.place)),
            ("province", given(&q.province)),
            ("affiliation", given(&q.affiliation)),
            ("category", category.as_deref()),
            ("nationality", nationality.as_deref()),
        ] {
            if let Some(v) = v {
                filters.push((name.to_string(), v.to_string()));
            }
        }
        Report::new(
            self,
            "counts",
            format!("Counts by {}", q.by.as_str()),
            filters,
            RULES.iter().map(|s| s.to_string()).collect(),
            CountsReport {
                by: q.by,
                rows,
                total,
            },
        )
    }
}

/// The testimonies, by incident, whose effective consent allows publication (the view
/// `testimony_consent`: the record's consent minus every withdrawal held).
fn publishable_testimonies(conn: &Connection) -> Result<BTreeMap<String, Vec<String>>> {
    let mut stmt = conn.prepare(
        "SELECT t.incident_id, t.id FROM testimony t
         JOIN testimony_consent c ON c.testimony_id = t.id
         WHERE c.publication <> 'none' ORDER BY t.id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let (incident, id) = row?;
        out.entry(incident).or_default().push(id);
    }
    Ok(out)
}

impl Acc {
    fn add(&mut self, a: &Act) {
        self.incidents.insert(a.incident.clone());
        self.acts.insert(a.id.clone());
        if let Some(v) = &a.identity {
            self.victims.insert(v.clone());
        }
        if let Some((description, min, max)) = &a.group {
            self.groups.push(GroupReport {
                act_id: a.id.clone(),
                incident_id: a.incident.clone(),
                description: description.clone(),
                min: *min,
                max: *max,
                source: a.device.clone(),
                notes: a.notes.clone(),
            });
        }
    }
}
