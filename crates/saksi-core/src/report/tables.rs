//! Each report as a table (what CSV holds and HTML shows), in the report's language. With
//! `full` (CSV) the rows also carry the ids each figure counted, for drill-down.

use super::render::{escape, Table, Tr};
use super::{CountsReport, DetainedReport, GroupVictims, Timeline};

fn ids(list: &[String]) -> String {
    list.join(" ")
}

impl Table for DetainedReport {
    fn columns(&self, t: &Tr, full: bool) -> Vec<String> {
        let w = t.w;
        let mut c = vec![
            w.name,
            w.since,
            w.place,
            w.charges,
            w.sentence_months,
            w.authority,
            w.affiliations,
            w.categories,
            w.nationalities,
        ];
        if full {
            c.extend(["id", "proceeding_ids"]);
        }
        c.into_iter().map(str::to_string).collect()
    }

    fn cells(&self, t: &Tr, full: bool) -> Vec<Vec<String>> {
        self.people
            .iter()
            .map(|p| {
                let mut r = vec![
                    p.name.clone(),
                    t.date_parts(p.since.as_deref(), &p.since_precision),
                    p.place.clone().unwrap_or_default(),
                    p.charges.clone().unwrap_or_default(),
                    p.sentence_months.map(|m| m.to_string()).unwrap_or_default(),
                    p.authority.clone().unwrap_or_default(),
                    p.affiliations.join(", "),
                    t.labels("category", &p.categories),
                    p.nationalities
                        .iter()
                        .map(|c| t.country(c))
                        .collect::<Vec<_>>()
                        .join(", "),
                ];
                if full {
                    r.extend([p.id.clone(), ids(&p.steps)]);
                }
                r
            })
            .collect()
    }
}

/// "30", "30–80", "30–?" (no upper bound), "" (no group victims).
pub fn range(g: &GroupVictims) -> String {
    match (g.reports.is_empty(), g.max) {
        (true, _) => String::new(),
        (false, Some(max)) if max == g.min => max.to_string(),
        (false, Some(max)) => format!("{}–{max}", g.min),
        (false, None) => format!("{}–?", g.min),
    }
}

fn one(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("{a}–?"),
        (None, Some(b)) => format!("?–{b}"),
        (None, None) => "?".into(),
    }
}

impl Table for CountsReport {
    fn columns(&self, t: &Tr, full: bool) -> Vec<String> {
        let w = t.w;
        let mut c = vec![
            w.key,
            w.label,
            w.incidents,
            w.acts,
            w.victims,
            w.group_victims,
        ];
        if full {
            c.extend(["incident_ids", "act_ids", "victim_ids"]);
        }
        c.into_iter().map(str::to_string).collect()
    }

    fn cells(&self, t: &Tr, full: bool) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .chain(std::iter::once(&self.total))
            .map(|r| {
                let label = match t.lang {
                    super::text::Lang::En => &r.label_en,
                    super::text::Lang::Km => &r.label_km,
                    super::text::Lang::Fr => &r.label_fr,
                };
                let mut c = vec![
                    r.key.clone(),
                    label.clone(),
                    r.incidents.to_string(),
                    r.acts.to_string(),
                    r.victims.to_string(),
                    range(&r.group_victims),
                ];
                if full {
                    c.extend([ids(&r.incident_ids), ids(&r.act_ids), ids(&r.victim_ids)]);
                }
                c
            })
            .collect()
    }

    fn more_html(&self, t: &Tr) -> String {
        let reports = &self.total.group_victims.reports;
        if reports.is_empty() {
            return String::new();
        }
        let w = t.w;
        let mut s = format!(
            "<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            escape(w.sources),
            escape(w.description),
            escape(w.record),
            escape(w.count),
            escape(w.source),
            escape(w.notes)
        );
        for r in reports {
            s.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&r.description),
                escape(&r.incident_id),
                escape(&one(r.min, r.max)),
                escape(&r.source),
                escape(&r.notes)
            ));
        }
        s.push_str("</tbody>\n</table>\n");
        s
    }
}

impl Table for Timeline {
    fn columns(&self, t: &Tr, full: bool) -> Vec<String> {
        let w = t.w;
        let mut c = vec![w.date, w.record, w.kind, w.title, w.detail];
        if full {
            c.push("id");
        }
        c.into_iter().map(str::to_string).collect()
    }

    fn cells(&self, t: &Tr, full: bool) -> Vec<Vec<String>> {
        self.entries
            .iter()
            .map(|e| {
                let kind = if e.record_type == "proceeding" {
                    t.label("proceeding", &e.kind)
                } else {
                    let codes: Vec<String> = e
                        .kind
                        .split(", ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    t.labels("kind", &codes)
                };
                let mut c = vec![
                    t.date(&e.date),
                    e.record_type.to_string(),
                    kind,
                    e.title.clone(),
                    e.detail.clone(),
                ];
                if full {
                    c.push(e.record_id.clone());
                }
                c
            })
            .collect()
    }
}
