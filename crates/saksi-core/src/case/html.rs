//! The exhibit list as one self-contained, printable HTML page in English and Khmer: inline CSS,
//! the bundled Noto fonts as data: URIs (the reports' own), a CSP that forbids everything else,
//! and every value escaped. No clock: the one time shown is the case's creation time.

use super::list::ExhibitRow;
use super::CaseFile;
use crate::report::render::{escape, font_faces, CSS};

/// English, then Khmer (the Khmer wording is to be reviewed by a Khmer-speaking lawyer).
const L_TITLE: (&str, &str) = ("Exhibit list", "បញ្ជីវត្ថុតាង");
const L_CASE: (&str, &str) = ("Case", "សំណុំរឿង");
const L_MADE: (&str, &str) = ("Case file made", "សំណុំរឿងបង្កើតនៅ");
const L_SIGNED: (&str, &str) = ("Folder signed by device", "ថតនេះចុះហត្ថលេខាដោយឧបករណ៍");
const L_EXHIBIT: (&str, &str) = ("Exhibit", "វត្ថុតាង");
const L_DESCRIPTION: (&str, &str) = ("Description", "ការពិពណ៌នា");
const L_FILE: (&str, &str) = (
    "Original file name, file in this folder",
    "ឈ្មោះឯកសារដើម ឯកសារក្នុងថតនេះ",
);
const L_SIZE: (&str, &str) = ("Size (bytes)", "ទំហំ (បៃ)");
const L_TIMES: (&str, &str) = ("Taken on (EXIF), taken in", "ថតនៅថ្ងៃ (EXIF) ទទួលចូលនៅ");
const L_DEVICE: (&str, &str) = ("Source device, fingerprint", "ឧបករណ៍ប្រភព ស្នាមម្រាមដៃ");
const L_CUSTODY: (&str, &str) = ("Custody, intake to now", "ខ្សែសង្វាក់នៃការថែរក្សា");
const L_REDACTIONS: (&str, &str) = ("Redactions", "ការបិទបាំង");
const L_NONE: (&str, &str) = ("none", "គ្មាន");
const L_UNKNOWN: (&str, &str) = ("unknown", "មិនស្គាល់");
const L_NOT_VERIFIED: (&str, &str) = ("NOT VERIFIED", "មិនត្រឹមត្រូវ");
const L_CHECK: (&str, &str) = (
    "How to check every file and signature of this folder with standard tools: VERIFY.txt",
    "របៀបពិនិត្យឯកសារ និងហត្ថលេខាទាំងអស់នៃថតនេះ ដោយឧបករណ៍ស្តង់ដារ៖ VERIFY.txt",
);

fn both(l: (&str, &str)) -> String {
    if l.0 == l.1 {
        return escape(l.0);
    }
    format!("{} <span lang=\"km\">{}</span>", escape(l.0), escape(l.1))
}

const PAGE_CSS: &str = "@page{size:A4 landscape;margin:1cm}td{font-size:9pt;overflow-wrap:anywhere}
th span,h1 span,dt span{display:block;font-weight:400}ol.custody{margin:0;padding-left:1.2em}
ol.custody li{margin:0}.bad{font-weight:700;color:#8b0000}";

/// The page, for the folder's `exhibits.html`.
pub(super) fn page(case: &CaseFile, signer: &str, rows: &[&ExhibitRow]) -> String {
    let mut body = format!(
        "<h1>{}</h1>\n<dl class=\"meta\">\n<dt>{}</dt><dd>{} · <code>{}</code></dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd><code>{}</code></dd>\n</dl>\n<p>{}</p>\n",
        both(L_TITLE),
        both(L_CASE),
        escape(&case.title),
        escape(&case.id),
        both(L_MADE),
        escape(&case.created_at),
        both(L_SIGNED),
        escape(signer),
        both(L_CHECK),
    );
    body.push_str("<table>\n<thead><tr>");
    for l in [
        L_EXHIBIT,
        L_DESCRIPTION,
        L_FILE,
        ("SHA-256", "SHA-256"),
        L_SIZE,
        L_TIMES,
        L_DEVICE,
        L_CUSTODY,
        L_REDACTIONS,
    ] {
        body.push_str(&format!("<th>{}</th>", both(l)));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        body.push_str(&row(r));
    }
    body.push_str("</tbody>\n</table>\n");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; font-src data:\">\n<title>{} · {}</title>\n<style>\n{}{CSS}\n{PAGE_CSS}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(L_TITLE.0),
        escape(&case.title),
        font_faces(),
    )
}

fn row(r: &ExhibitRow) -> String {
    let unknown = both(L_UNKNOWN);
    let mut custody = String::from("<ol class=\"custody\">");
    for s in &r.custody {
        custody.push_str(&format!(
            "<li>{} {} {}{}</li>",
            escape(&s.at),
            escape(&s.action),
            escape(s.device_name.as_deref().unwrap_or(&s.device_id)),
            if s.verified {
                String::new()
            } else {
                format!(" <span class=\"bad\">{}</span>", both(L_NOT_VERIFIED))
            }
        ));
    }
    custody.push_str("</ol>");
    let redactions = if r.redactions.is_empty() {
        both(L_NONE)
    } else {
        r.redactions
            .iter()
            .map(|x| escape(x))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}<br><code>{}</code></td><td><code>{}</code></td><td class=\"n\">{}</td><td>{}<br>{}</td><td>{}<br><code>{}</code><br>{}</td><td>{}</td><td>{}</td></tr>\n",
        escape(&r.label),
        escape(&r.description),
        escape(&r.original_name),
        escape(&r.file),
        escape(&r.sha256),
        r.size,
        r.captured_at.as_deref().map(escape).unwrap_or_else(|| unknown.clone()),
        escape(&r.intake_at),
        r.source_device_name.as_deref().map(escape).unwrap_or_else(|| unknown.clone()),
        escape(&r.source_device_id),
        r.source_fingerprint.as_deref().map(escape).unwrap_or_else(|| unknown.clone()),
        custody,
        redactions,
    )
}
