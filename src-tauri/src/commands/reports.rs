//! Reports: the figures HQ publishes (counts with drill-down, who is detained now, timelines),
//! computed by the core with their counting rules, and saved as a printable HTML page or a CSV
//! file chosen in a save dialog. A saved report is plaintext by the person's choice: the window
//! says so before saving.

use saksi_core::report::{
    CountsQuery, CountsReport, DetainedQuery, DetainedReport, DetainedSeries, Dimension, Format,
    Lang, Report, ReportRequest, Timeline,
};
use serde::Deserialize;
use tauri::{AppHandle, State};

use super::evidence::{dialog_title, sanitize_file_name};
use super::parse_id;
use crate::dialogs::{self, file_name};
use crate::error::{CmdError, CmdResult};
use crate::state::AppState;

/// A counts query as the Reports screen sends it; the core checks every value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsIn {
    pub by: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub affiliation: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub nationality: Option<String>,
}

/// The window's language for the counting rules (English when the window sends none).
fn ui_lang(lang: &Option<String>) -> CmdResult<Lang> {
    Ok(match some(lang) {
        Some(l) => Lang::parse(&l)?,
        None => Lang::En,
    })
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl CountsIn {
    fn query(&self) -> CmdResult<CountsQuery> {
        let mut q = CountsQuery::by(Dimension::parse(&self.by)?);
        q.from = some(&self.from);
        q.to = some(&self.to);
        q.kind = some(&self.kind);
        q.province = some(&self.province);
        q.affiliation = some(&self.affiliation);
        q.category = some(&self.category);
        q.nationality = some(&self.nationality);
        Ok(q)
    }
}

#[tauri::command(async)]
pub fn report_counts(
    state: State<'_, AppState>,
    query: CountsIn,
    lang: Option<String>,
) -> CmdResult<Report<CountsReport>> {
    let q = query.query()?;
    let lang = ui_lang(&lang)?;
    state.with_vault(|v| Ok(v.report_counts(&q)?.in_lang(lang)))
}

#[tauri::command(async)]
pub fn report_detained(
    state: State<'_, AppState>,
    affiliation: Option<String>,
    category: Option<String>,
    lang: Option<String>,
) -> CmdResult<Report<DetainedReport>> {
    let q = DetainedQuery {
        affiliation: some(&affiliation),
        category: some(&category),
    };
    let lang = ui_lang(&lang)?;
    state.with_vault(|v| Ok(v.detained_report(&q)?.in_lang(lang)))
}

/// How many people were detained at the end of each month from `from` to `to` (YYYY-MM).
#[tauri::command(async)]
pub fn report_detained_series(
    state: State<'_, AppState>,
    from: String,
    to: String,
    category: Option<String>,
    lang: Option<String>,
) -> CmdResult<DetainedSeries> {
    let category = some(&category);
    let lang = ui_lang(&lang)?;
    state.with_vault(|v| {
        Ok(v.detained_over_time(&from, &to, category.as_deref())?
            .in_lang(lang))
    })
}

/// The timeline of a person, or of an incident and the incidents linked to it.
#[tauri::command(async)]
pub fn report_timeline(
    state: State<'_, AppState>,
    person: Option<String>,
    incident: Option<String>,
    lang: Option<String>,
) -> CmdResult<Report<Timeline>> {
    let lang = ui_lang(&lang)?;
    match (person, incident) {
        (Some(p), None) => {
            let id = parse_id(&p)?;
            state.with_vault(|v| Ok(v.person_timeline(&id)?.in_lang(lang)))
        }
        (None, Some(i)) => {
            let id = parse_id(&i)?;
            state.with_vault(|v| Ok(v.incident_timeline(&id)?.in_lang(lang)))
        }
        _ => Err(CmdError::invalid(
            "a timeline is of one person or one incident",
        )),
    }
}

/// Which report to save, with its query.
#[derive(Debug, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case", deny_unknown_fields)]
pub enum SaveRequest {
    Counts {
        query: CountsIn,
    },
    Detained {
        affiliation: Option<String>,
        category: Option<String>,
    },
}

/// Asks where to save, then writes the report as `format` (html or csv) in `lang`. Returns the
/// file name written, or nothing when the dialog was cancelled.
#[tauri::command(async)]
pub fn report_save(
    app: AppHandle,
    state: State<'_, AppState>,
    request: SaveRequest,
    format: String,
    lang: String,
    title: String,
) -> CmdResult<Option<String>> {
    let request = match request {
        SaveRequest::Counts { query } => ReportRequest::Counts(query.query()?),
        SaveRequest::Detained {
            affiliation,
            category,
        } => ReportRequest::Detained(DetainedQuery {
            affiliation: some(&affiliation),
            category: some(&category),
        }),
    };
    let (format, lang) = (Format::parse(&format)?, Lang::parse(&lang)?);
    let (bytes, name) = state.with_vault(|v| v.report_file(&request, format, lang))?;
    let suggested = sanitize_file_name(&name);
    let Some(out) = dialogs::save_replacing(&app, &dialog_title(&title), &suggested)? else {
        return Ok(None);
    };
    std::fs::write(&out, bytes).map_err(|e| CmdError::from(saksi_core::Error::from(e)))?;
    Ok(Some(file_name(&out)))
}
