//! Reports as files people paste, open and print: JSON (the whole report), CSV (the table, UTF-8
//! with a byte-order mark so spreadsheets keep Khmer, RFC 4180 quoting) and HTML (one
//! self-contained printable page: inline CSS, the bundled Noto fonts as data: URIs, no other
//! resource; it states the counting rules, the filters, when and from which vault it was made
//! and the SHA-256 of the data; every value is escaped).

use std::collections::HashMap;

use base64::Engine;
use serde::Serialize;

use super::text::{Lang, Words};
use super::Report;
use crate::error::{Error, Result};
use crate::model::vocab::{terms, Vocab};
use crate::model::FuzzyDate;
use crate::vault::Vault;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "html" => Ok(Format::Html),
            other => Err(Error::invalid(format!(
                "unknown report format '{other}' (json, csv, html)"
            ))),
        }
    }
}

/// The words of a report's language and the labels of vocabulary codes in it.
pub struct Tr {
    pub(crate) lang: Lang,
    pub(crate) w: &'static Words,
    labels: HashMap<(&'static str, String), String>,
}

impl Tr {
    fn new(vault: &Vault, lang: Lang) -> Result<Self> {
        let mut labels = HashMap::new();
        for (name, v) in [
            ("kind", Vocab::IncidentKind),
            ("category", Vocab::PersonCategory),
            ("proceeding", Vocab::ProceedingKind),
            ("role", Vocab::Role),
        ] {
            for t in terms(&vault.conn, v)? {
                let l = match lang {
                    Lang::En => t.label_en,
                    Lang::Km => t.label_km,
                    Lang::Fr => t.label_fr,
                };
                labels.insert((name, t.code), l);
            }
        }
        Ok(Tr {
            lang,
            w: super::text::words(lang),
            labels,
        })
    }

    /// The label of `code` in vocabulary `vocab`, else the code.
    pub fn label(&self, vocab: &'static str, code: &str) -> String {
        self.labels
            .get(&(vocab, code.to_string()))
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub fn labels(&self, vocab: &'static str, codes: &[String]) -> String {
        codes
            .iter()
            .map(|c| self.label(vocab, c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn country(&self, code: &str) -> String {
        match super::countries::find(code) {
            Some(c) => match self.lang {
                Lang::En => c.name_en,
                Lang::Km => c.name_km,
                Lang::Fr => c.name_fr,
            }
            .to_string(),
            None => code.to_string(),
        }
    }

    /// "2014 (approximate)", "2015-10-26", "?" when unknown.
    pub fn date(&self, d: &FuzzyDate) -> String {
        self.date_parts(
            d.date.as_deref(),
            d.precision.map_or("unknown", |p| p.as_str()),
        )
    }

    pub fn date_parts(&self, date: Option<&str>, precision: &str) -> String {
        let Some(date) = date else {
            return "?".into();
        };
        match precision {
            "approximate" | "before" | "after" => {
                format!("{date} ({})", self.w.precision(precision))
            }
            _ => date.to_string(),
        }
    }
}

/// A report's table: what CSV holds and HTML shows.
pub trait Table {
    fn columns(&self, t: &Tr, full: bool) -> Vec<String>;
    fn cells(&self, t: &Tr, full: bool) -> Vec<Vec<String>>;
    /// More HTML after the table (already escaped).
    fn more_html(&self, _t: &Tr) -> String {
        String::new()
    }
}

impl Vault {
    /// The report as a file in `format` (labels in `lang` for CSV and HTML).
    pub fn render_report<T: Serialize + Table>(
        &self,
        report: &Report<T>,
        format: Format,
        lang: Lang,
    ) -> Result<Vec<u8>> {
        let tr = Tr::new(self, lang)?;
        match format {
            Format::Json => {
                let mut out = serde_json::to_vec_pretty(report).map_err(|e| {
                    Error::invalid(format!("the report cannot be written as JSON: {e}"))
                })?;
                out.push(b'\n');
                Ok(out)
            }
            Format::Csv => csv_bytes(&report.data, &tr),
            Format::Html => Ok(html(report, &report.data, &tr).into_bytes()),
        }
    }
}

fn csv_bytes(table: &dyn Table, tr: &Tr) -> Result<Vec<u8>> {
    let csv_err = |e: csv::Error| Error::invalid(format!("the CSV could not be written: {e}"));
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(table.columns(tr, true)).map_err(csv_err)?;
    for row in table.cells(tr, true) {
        w.write_record(row).map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| Error::invalid(format!("the CSV could not be written: {e}")))
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const FONTS: &[(&str, u16, &str, &[u8])] = &[
    (
        "Noto Sans",
        400,
        "U+0000-024F, U+2000-206F, U+20AC, U+2122",
        include_bytes!("fonts/noto-sans-latin-400-normal.woff2"),
    ),
    (
        "Noto Sans",
        700,
        "U+0000-024F, U+2000-206F, U+20AC, U+2122",
        include_bytes!("fonts/noto-sans-latin-700-normal.woff2"),
    ),
    (
        "Noto Sans Khmer",
        400,
        "U+1780-17FF, U+19E0-19FF, U+200C-200D, U+25CC",
        include_bytes!("fonts/noto-sans-khmer-khmer-400-normal.woff2"),
    ),
    (
        "Noto Sans Khmer",
        700,
        "U+1780-17FF, U+19E0-19FF, U+200C-200D, U+25CC",
        include_bytes!("fonts/noto-sans-khmer-khmer-700-normal.woff2"),
    ),
];

/// The `@font-face` rules of the bundled fonts, as data: URIs (also used by the exhibit list).
pub(crate) fn font_faces() -> String {
    let mut fonts = String::new();
    for (family, weight, range, bytes) in FONTS {
        fonts.push_str(&format!(
            "@font-face{{font-family:'{family}';font-weight:{weight};font-style:normal;unicode-range:{range};src:url(data:font/woff2;base64,{}) format('woff2')}}\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ));
    }
    fonts
}

pub(crate) const CSS: &str = "body{font-family:'Noto Sans','Noto Sans Khmer',sans-serif;font-size:11pt;color:#1d1b16;margin:2em;line-height:1.5}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #b9b3a5;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eee9dd}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:700;border-top:2px solid #1d1b16}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:0}dl.meta dt{font-weight:700}dl.meta dd{margin:0;overflow-wrap:anywhere}
code{font-size:.85em}ol.rules li{margin:.2em 0}
@media print{body{margin:0}table{page-break-inside:auto}tr{page-break-inside:avoid}}";

fn html<T: Serialize>(report: &Report<T>, table: &dyn Table, tr: &Tr) -> String {
    let w = tr.w;
    let fonts = font_faces();
    let filters = if report.filters.is_empty() {
        escape(w.none)
    } else {
        report
            .filters
            .iter()
            .map(|(k, v)| format!("{}: {}", escape(k), escape(v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}</h1>\n<dl class=\"meta\">\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{} · <code>{}</code> · {} <code>{}</code></dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd><code>{}</code></dd>\n</dl>\n",
        escape(&w.title(report.report, &report.title)),
        w.generated,
        escape(&report.generated_at),
        w.vault,
        escape(&report.vault.device_name),
        escape(&report.vault.device_id),
        w.fingerprint,
        escape(&report.vault.fingerprint),
        w.filters,
        filters,
        w.data_sha256,
        escape(&report.data_sha256),
    ));
    body.push_str("<table>\n<thead><tr>");
    for c in table.columns(tr, false) {
        body.push_str(&format!("<th>{}</th>", escape(&c)));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    let rows = table.cells(tr, false);
    let last = rows.len();
    for (n, row) in rows.into_iter().enumerate() {
        let total = report.report == "counts" && n + 1 == last;
        body.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for cell in row {
            let numeric = !cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit() || c == '–');
            body.push_str(&format!(
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                escape(&cell)
            ));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody>\n</table>\n");
    body.push_str(&table.more_html(tr));
    body.push_str(&format!("<h2>{}</h2>\n<ol class=\"rules\">\n", w.rules));
    for r in &report.rules {
        let r = super::rules_text::rule_in(r, tr.lang);
        body.push_str(&format!("<li>{}</li>\n", escape(r)));
    }
    body.push_str("</ol>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src data:\">\n<title>{}</title>\n<style>\n{fonts}{CSS}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        tr.lang.as_str(),
        escape(&w.title(report.report, &report.title)),
    )
}
