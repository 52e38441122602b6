//! `saksi`: the command line over saksi-core, for monitors who prefer a terminal and for HQ
//! scripts. Each subcommand parses its input, calls one core function and prints the result;
//! any failure is one line on stderr and a non-zero exit.

mod bundle_cmds;
mod incident_edit;
mod input;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use saksi_core::evidence;
use saksi_core::model::vocab::Vocab;
use saksi_core::model::{
    parse_id, IncidentInput, InterventionInput, PersonInput, ProceedingInput, TestimonyInput,
};
use saksi_core::search::SearchQuery;
use saksi_core::vault::{self, KdfProfile, Vault};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "saksi",
    version,
    about = "Saksi: an offline, encrypted evidence vault for human-rights documentation"
)]
struct Cli {
    /// The vault folder (default: the per-user data folder).
    #[arg(long, global = true, env = "SAKSI_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE (else SAKSI_PASSPHRASE, else a prompt).
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new vault (refuses to overwrite an existing one).
    Init {
        /// A name for this device, shown to HQ (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Incidents: add, list, show, update.
    #[command(subcommand)]
    Incident(IncidentCmd),
    /// People: add, list, show.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Testimony: add, list, show.
    #[command(subcommand)]
    Testimony(TestimonyCmd),
    /// Legal and detention steps: add, show.
    #[command(subcommand)]
    Proceeding(ProceedingCmd),
    /// Interventions (letters, urgent appeals, aid): add, list.
    #[command(subcommand)]
    Intervention(InterventionCmd),
    /// Full-text search (Khmer substrings too) with filters.
    Search(SearchArgs),
    /// Controlled vocabularies with their English, Khmer and French labels.
    Vocab {
        /// incident_kind, role, proceeding_kind or intervention_kind
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Figures derived from the records.
    #[command(subcommand)]
    Report(ReportCmd),
    /// This device's id, name and key fingerprint; `saksi device card` writes its card for HQ.
    Device {
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        sub: Option<bundle_cmds::DeviceCmd>,
    },
    /// Change the vault passphrase (only the key file is rewritten).
    Passwd {
        /// Read the new passphrase from FILE (else SAKSI_NEW_PASSPHRASE, else a prompt).
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Panic wipe: destroy the key and delete the vault. Irreversible.
    Wipe {
        /// Required: confirms that everything in the vault is to be destroyed.
        #[arg(long)]
        yes: bool,
    },
    /// Check the database, the schema and the custody log; exit non-zero on any problem.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Attach files to an incident, testimony or person: prints each attachment's id and SHA-256.
    Attach {
        record_id: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Attachments: list, show, extract.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
    /// The custody log.
    Log {
        #[arg(long)]
        json: bool,
    },
    /// Bundles: keygen, hq-key, recipient, trust, export, import, receipt, purge, conflict.
    #[command(flatten)]
    Bundle(bundle_cmds::BundleCmd),
}

#[derive(Subcommand)]
enum IncidentCmd {
    /// Add an incident from JSON (FILE, or - / nothing for standard input); prints its id.
    Add { file: Option<PathBuf> },
    /// Edit an incident from JSON: its own fields, and optionally its acts and proceedings.
    Update { id: String, file: Option<PathBuf> },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PersonCmd {
    Add {
        file: Option<PathBuf>,
    },
    Update {
        id: String,
        file: Option<PathBuf>,
    },
    List {
        /// Only people in custody now.
        #[arg(long)]
        detained: bool,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TestimonyCmd {
    Add {
        file: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        incident: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ProceedingCmd {
    Add {
        file: Option<PathBuf>,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum InterventionCmd {
    Add {
        file: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum EvidenceCmd {
    /// All attachments, or those of one record.
    List {
        record_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Hash, size, type, EXIF and custody entries of one attachment.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Decrypt the original to PATH (a plaintext copy: keep it safe). The extraction is logged.
    Extract {
        id: String,
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ReportCmd {
    /// People in custody now, optionally only those affiliated with ORGANISATION.
    Detained {
        #[arg(long, value_name = "ORGANISATION")]
        affiliation: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct SearchArgs {
    /// Words to find (every word must occur); may be empty when filters are given.
    query: Option<String>,
    #[arg(long)]
    kind: Option<String>,
    /// Incidents overlapping from this date (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    place: Option<String>,
    #[arg(long)]
    person: Option<String>,
    #[arg(long)]
    role: Option<String>,
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    if let Err(e) = saksi_core::process::harden() {
        eprintln!("saksi: error: cannot disable core dumps: {e}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: scripts read it, people act on it.
            let msg = format!("{e:#}").replace('\n', " ");
            let _ = writeln!(std::io::stderr(), "saksi: error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn vault_dir(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.vault {
        Some(d) => Ok(d.clone()),
        None => saksi_core::default_vault_dir()
            .ok_or_else(|| anyhow::anyhow!("no home folder: pass --vault DIR or set SAKSI_VAULT")),
    }
}

fn open(cli: &Cli) -> anyhow::Result<Vault> {
    let dir = vault_dir(cli)?;
    if !Vault::exists(&dir) {
        return Err(saksi_core::Error::NoVault(dir).into());
    }
    let pass = input::passphrase(
        cli.passphrase_file.as_deref(),
        "SAKSI_PASSPHRASE",
        "Passphrase: ",
        false,
    )?;
    Ok(Vault::open(&dir, &pass)?)
}

fn print_json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Init { device_name } => {
            let dir = vault_dir(&cli)?;
            if Vault::exists(&dir) {
                return Err(saksi_core::Error::VaultExists(dir).into());
            }
            let pass = input::passphrase(
                cli.passphrase_file.as_deref(),
                "SAKSI_PASSPHRASE",
                "New passphrase: ",
                true,
            )?;
            let v =
                Vault::create_named(&dir, &pass, KdfProfile::from_env(), device_name.as_deref())?;
            println!("created vault {}", dir.display());
            println!("device {} ({})", v.device().id(), v.device().name());
            println!("fingerprint {}", v.device().fingerprint());
            v.lock()?;
        }
        Command::Incident(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                IncidentCmd::Add { file } => {
                    let input: IncidentInput = input::json(file.as_deref())?;
                    println!("{}", v.incidents_mut().add(&input)?);
                }
                IncidentCmd::Update { id, file } => {
                    incident_edit::run(&mut v, id, file.as_deref())?
                }
                IncidentCmd::List { json } => {
                    let list = v.incidents().list()?;
                    if *json {
                        print_json(&list)?;
                    } else {
                        for i in list {
                            println!(
                                "{}  {}  {}",
                                i.id,
                                i.start.date.as_deref().unwrap_or("----------"),
                                i.title
                            );
                        }
                    }
                }
                IncidentCmd::Show { id, json } => {
                    let i = v.incidents().get(&parse_id("incident", id)?)?;
                    if *json {
                        print_json(&i)?;
                    } else {
                        println!("{}\n{}\n\n{}", i.id, i.title, i.description);
                        println!("kinds: {}", i.kinds.join(", "));
                        for a in &i.involvements {
                            println!(
                                "  {} {}",
                                a.role,
                                a.person_name
                                    .as_deref()
                                    .or(a.counting.description.as_deref())
                                    .unwrap_or("(group)")
                            );
                        }
                    }
                }
            }
            v.lock()?;
        }
        Command::Person(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                PersonCmd::Add { file } => {
                    let input: PersonInput = input::json(file.as_deref())?;
                    println!("{}", v.persons_mut().add(&input)?);
                }
                PersonCmd::Update { id, file } => {
                    let id = parse_id("person", id)?;
                    let input: PersonInput = input::json(file.as_deref())?;
                    v.persons_mut().update(&id, &input)?;
                    println!("{id}");
                }
                PersonCmd::List { detained, json } => {
                    let list: Vec<_> = v
                        .persons()
                        .list()?
                        .into_iter()
                        .filter(|p| !detained || p.detained)
                        .collect();
                    if *json {
                        print_json(&list)?;
                    } else {
                        for p in list {
                            let names: Vec<_> = p.names.iter().map(|n| n.name.as_str()).collect();
                            println!(
                                "{}  {}{}",
                                p.id,
                                names.join(" / "),
                                if p.detained { "  [detained]" } else { "" }
                            );
                        }
                    }
                }
                PersonCmd::Show { id, json } => {
                    let id = parse_id("person", id)?;
                    let p = v.persons().get(&id)?;
                    if *json {
                        #[derive(Serialize)]
                        struct Shown<'a> {
                            #[serde(flatten)]
                            person: &'a saksi_core::model::Person,
                            proceedings: Vec<saksi_core::model::Proceeding>,
                        }
                        print_json(&Shown {
                            person: &p,
                            proceedings: v.persons().proceedings(&id)?,
                        })?;
                    } else {
                        println!(
                            "{}\n{}{}",
                            p.id,
                            p.names
                                .iter()
                                .map(|n| n.name.as_str())
                                .collect::<Vec<_>>()
                                .join(" / "),
                            if p.detained { " [detained]" } else { "" }
                        );
                    }
                }
            }
            v.lock()?;
        }
        Command::Testimony(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                TestimonyCmd::Add { file } => {
                    let input: TestimonyInput = input::json(file.as_deref())?;
                    println!("{}", v.testimonies_mut().add(&input)?);
                }
                TestimonyCmd::List { incident, json } => {
                    let inc = incident
                        .as_deref()
                        .map(|s| parse_id("incident", s))
                        .transpose()?;
                    let list = v.testimonies().list(inc.as_ref())?;
                    if *json {
                        print_json(&list)?;
                    } else {
                        for t in list {
                            println!(
                                "{}  {}  {}",
                                t.id,
                                t.incident_id,
                                t.body.chars().take(60).collect::<String>()
                            );
                        }
                    }
                }
                TestimonyCmd::Show { id, json } => {
                    let t = v.testimonies().get(&parse_id("testimony", id)?)?;
                    if *json {
                        print_json(&t)?;
                    } else {
                        println!("{}\n{}", t.id, t.body);
                    }
                }
            }
            v.lock()?;
        }
        Command::Proceeding(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                ProceedingCmd::Add { file } => {
                    let input: ProceedingInput = input::json(file.as_deref())?;
                    println!("{}", v.proceedings_mut().add(&input)?);
                }
                ProceedingCmd::Show { id, json: _ } => {
                    print_json(&v.proceedings().get(&parse_id("proceeding", id)?)?)?;
                }
            }
            v.lock()?;
        }
        Command::Intervention(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                InterventionCmd::Add { file } => {
                    let input: InterventionInput = input::json(file.as_deref())?;
                    println!("{}", v.interventions_mut().add(&input)?);
                }
                InterventionCmd::List { json: _ } => print_json(&v.interventions().list()?)?,
            }
            v.lock()?;
        }
        Command::Search(a) => {
            let v = open(&cli)?;
            let q = SearchQuery {
                text: a.query.clone(),
                kind: a.kind.clone(),
                date_from: a.from.clone(),
                date_to: a.to.clone(),
                place: a.place.clone(),
                person_id: a.person.clone(),
                role: a.role.clone(),
            };
            let hits = v.search(&q)?;
            if a.json {
                print_json(&hits)?;
            } else {
                for h in hits {
                    println!("{}  {:<9}  {}", h.id, h.record_type, h.title);
                }
            }
            v.lock()?;
        }
        Command::Vocab { name, json } => {
            let v = open(&cli)?;
            let terms = v.vocabulary(Vocab::parse(name)?)?;
            if *json {
                print_json(&terms)?;
            } else {
                for t in terms {
                    println!(
                        "{:<24} {} | {} | {}",
                        t.code, t.label_en, t.label_km, t.label_fr
                    );
                }
            }
            v.lock()?;
        }
        Command::Report(ReportCmd::Detained { affiliation, json }) => {
            let v = open(&cli)?;
            let report = v.detained_report(affiliation.as_deref())?;
            if *json {
                print_json(&report)?;
            } else {
                println!("{} currently detained", report.count);
                for p in &report.people {
                    println!(
                        "  {}  {}  since {}  {}",
                        p.id,
                        p.name,
                        p.since.as_deref().unwrap_or("?"),
                        p.place.as_deref().unwrap_or("")
                    );
                }
            }
            v.lock()?;
        }
        Command::Device { sub: Some(c), .. } => bundle_cmds::device(&cli, c)?,
        Command::Bundle(c) => bundle_cmds::run(&cli, c)?,
        Command::Device { json, sub: None } => {
            let v = open(&cli)?;
            let d = v.device();
            if *json {
                print_json(&serde_json::json!({
                    "id": d.id(), "name": d.name(), "fingerprint": d.fingerprint(),
                    "public_key": saksi_core::device::public_key_hex(&d.public_key()),
                }))?;
            } else {
                println!(
                    "device {} ({})\nfingerprint {}",
                    d.id(),
                    d.name(),
                    d.fingerprint()
                );
            }
            v.lock()?;
        }
        Command::Passwd {
            new_passphrase_file,
        } => {
            let mut v = open(&cli)?;
            let new = input::passphrase(
                new_passphrase_file.as_deref(),
                "SAKSI_NEW_PASSPHRASE",
                "New passphrase: ",
                true,
            )?;
            v.change_passphrase(&new, KdfProfile::from_env())?;
            v.lock()?;
            println!("passphrase changed");
        }
        Command::Wipe { yes } => {
            if !yes {
                anyhow::bail!("wipe destroys the vault for good: pass --yes to confirm");
            }
            let dir = vault_dir(&cli)?;
            vault::wipe(&dir)?;
            println!("vault wiped: {}", dir.display());
        }
        Command::Verify { json } => {
            let v = open(&cli)?;
            let report = v.verify()?;
            if *json {
                print_json(&report)?;
            } else {
                for line in report.lines() {
                    println!("{line}");
                }
            }
            v.lock()?;
            if !report.ok() {
                anyhow::bail!(
                    "verification failed: {}",
                    report
                        .problems
                        .first()
                        .map(String::as_str)
                        .unwrap_or("see above")
                );
            }
        }
        Command::Attach { record_id, files } => {
            let mut v = open(&cli)?;
            let rid = parse_id("record", record_id)?;
            let rtype = evidence::record_type_of(&v, &rid)?;
            for f in files {
                let intake = evidence::intake_path(&mut v, rtype, &rid, f)?;
                if let Some(w) = &intake.warning {
                    eprintln!("saksi: warning: {w}");
                }
                println!(
                    "{}  {}  {}",
                    intake.attachment.id,
                    intake.attachment.sha256,
                    f.display()
                );
            }
            v.lock()?;
        }
        Command::Evidence(cmd) => {
            let mut v = open(&cli)?;
            match cmd {
                EvidenceCmd::List { record_id, json } => {
                    let rid = record_id
                        .as_deref()
                        .map(|r| parse_id("record", r))
                        .transpose()?;
                    let list = evidence::list(&v, rid.as_ref())?;
                    if *json {
                        print_json(&list)?;
                    } else {
                        for a in list {
                            println!(
                                "{}  {}  {:>12}  {:<24} {}",
                                a.id, a.sha256, a.size, a.media_type, a.original_name
                            );
                        }
                    }
                }
                EvidenceCmd::Show { id, json } => {
                    let id = parse_id("attachment", id)?;
                    let a = evidence::get(&v, &id)?;
                    let custody = saksi_core::custody::entries_for(&v, &a.id)?;
                    if *json {
                        #[derive(Serialize)]
                        struct Shown<'a> {
                            #[serde(flatten)]
                            attachment: &'a evidence::Attachment,
                            custody: Vec<saksi_core::custody::Entry>,
                        }
                        print_json(&Shown {
                            attachment: &a,
                            custody,
                        })?;
                    } else {
                        println!(
                            "{}
{}
sha256 {}
size {}
type {}",
                            a.id, a.original_name, a.sha256, a.size, a.media_type
                        );
                        if let Some(g) = a.exif.as_ref().and_then(|e| e.gps.as_ref()) {
                            println!("GPS (sensitive) {:.6}, {:.6}", g.latitude, g.longitude);
                        }
                        for e in custody {
                            println!("  {}  {}  {}", e.seq, e.at, e.action);
                        }
                    }
                }
                EvidenceCmd::Extract { id, out } => {
                    let id = parse_id("attachment", id)?;
                    let a = evidence::extract(&mut v, &id, out)?;
                    eprintln!(
                        "saksi: note: {} is a plaintext copy: keep it safe or delete it",
                        out.display()
                    );
                    println!("{}  {}  {}", a.id, a.sha256, out.display());
                }
            }
            v.lock()?;
        }
        Command::Log { json } => {
            let v = open(&cli)?;
            let entries = saksi_core::custody::entries(&v)?;
            if *json {
                print_json(&entries)?;
            } else {
                for e in entries {
                    println!(
                        "{:>5}  {}  {:<18} {} {}",
                        e.seq,
                        e.at,
                        e.action,
                        e.subject_type.as_deref().unwrap_or(""),
                        e.subject_id.as_deref().unwrap_or("")
                    );
                }
            }
            v.lock()?;
        }
    }
    Ok(())
}
