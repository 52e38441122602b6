//! The clap types of `saksi report`: counts, detained, timeline, and their output options.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum ReportCmd {
    /// People in custody now (since the start of their present custody, where last held, on
    /// what charges), optionally only members of ORGANISATION or people of CATEGORY.
    Detained {
        #[arg(long, value_name = "ORGANISATION")]
        affiliation: Option<String>,
        /// A person category code (`saksi vocab person_category`).
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
        /// The report's data as JSON (without rules and stamp; see --format json).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        #[command(flatten)]
        out: ReportOut,
    },
    /// Incidents, acts, unique victims and group victims (min–max), grouped by one dimension.
    Counts {
        /// kind, month, year, place, province, affiliation, category, perpetrator-type, nationality
        #[arg(long, value_name = "DIMENSION")]
        by: String,
        /// Incidents overlapping from this date (YYYY-MM-DD, YYYY-MM or YYYY).
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        province: Option<String>,
        /// Victims affiliated with an organisation whose name contains this.
        #[arg(long, value_name = "ORGANISATION")]
        affiliation: Option<String>,
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
        /// ISO 3166-1 two-letter code.
        #[arg(long, value_name = "CODE")]
        nationality: Option<String>,
        #[arg(long, conflicts_with = "format")]
        json: bool,
        #[command(flatten)]
        out: ReportOut,
    },
    /// The dated story of a person, or of an incident and every incident linked to it.
    Timeline {
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "incident",
            conflicts_with = "incident"
        )]
        person: Option<String>,
        #[arg(long, value_name = "ID")]
        incident: Option<String>,
        #[arg(long, conflicts_with = "format")]
        json: bool,
        #[command(flatten)]
        out: ReportOut,
    },
    /// An Uwazi import zip (import.csv and the attachments it names) with only what consent
    /// allows for PURPOSE. The zip is not encrypted.
    Uwazi {
        /// The zip to write (it must not exist).
        #[arg(long, value_name = "FILE.zip")]
        out: PathBuf,
        /// publication (testimonies consented for publication) or legal (for legal proceedings).
        #[arg(long, value_name = "PURPOSE")]
        purpose: String,
        /// The Uwazi collection's languages, its default first: en, km, fr (repeat the option or
        /// separate by commas; default en,km,fr).
        #[arg(long, value_name = "LANG", value_delimiter = ',')]
        lang: Vec<String>,
        /// Only this incident (repeat for several; default: all).
        #[arg(long, value_name = "ID")]
        incident: Vec<String>,
        /// Also export incidents marked restricted.
        #[arg(long)]
        include_restricted: bool,
        #[arg(long)]
        json: bool,
    },
}

/// How a report is written: as text lines (the default), or as a file to standard output.
#[derive(Args)]
pub struct ReportOut {
    /// json (the whole report: data, rules, filters, stamp, SHA-256), csv or html.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Language of CSV and HTML labels: en, km, fr.
    #[arg(long, value_name = "LANG", default_value = "en")]
    pub lang: String,
}
