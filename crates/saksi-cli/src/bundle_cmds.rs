//! The bundle commands: keys, recipients, device cards, trust, export, import, receipts, purge
//! and conflicts. Each parses its arguments, calls one `saksi_core::bundle` function and prints
//! the result (or `--json`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use saksi_core::bundle::{self, keys, ExportOptions, ImportOutcome};
use saksi_core::model::parse_id;

use super::{open, print_json, Cli};

#[derive(Subcommand)]
pub enum BundleCmd {
    /// HQ: make this vault's age key (bundles are encrypted to it); --out also writes it to an
    /// age identity file (for `age -d -i FILE`). With a key already made, --out writes that one.
    Keygen {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// HQ: print this vault's age recipient (age1…) and its fingerprint, to give to monitors.
    HqKey {
        #[arg(long)]
        json: bool,
    },
    /// Where bundles go: named age recipients.
    #[command(subcommand)]
    Recipient(RecipientCmd),
    /// Devices whose bundles (or receipts) this vault accepts.
    #[command(subcommand)]
    Trust(TrustCmd),
    /// Write a signed, encrypted bundle for the named recipients.
    Export {
        /// Recipient name(s) (see `saksi recipient add`).
        #[arg(long, required = true, num_args = 1.., value_name = "NAME")]
        to: Vec<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only what changed since the last bundle to these recipients.
        #[arg(long)]
        since_last: bool,
        /// Only these incidents (with their acts, testimony, people, attachments…).
        #[arg(long, value_name = "ID")]
        incident: Vec<String>,
        /// Also send people's contact details (kept on this device by default).
        #[arg(long)]
        include_contacts: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import a bundle (HQ) or a receipt (monitor). All or nothing.
    Import {
        file: PathBuf,
        /// An age identity file to decrypt with (default: this vault's own keys).
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// HQ: write a signed receipt for an imported bundle, encrypted to the device that sent it.
    Receipt {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The bundle id (default: the last bundle imported).
        #[arg(long, value_name = "ID")]
        bundle: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Monitor: delete here what HQ confirmed holding (crypto-erasure).
    Purge {
        /// Required: purge exactly the records confirmed by receipts and unchanged since.
        #[arg(long)]
        received: bool,
        #[arg(long)]
        json: bool,
    },
    /// Concurrent edits kept side by side by imports.
    #[command(subcommand)]
    Conflict(ConflictCmd),
}

#[derive(Subcommand)]
pub enum RecipientCmd {
    /// Register a recipient: HQ from its device card (`--card FILE`: pins HQ's signing key, so
    /// its receipts are accepted), or any recipient by its age1… key alone. Compare the
    /// fingerprint by phone.
    Add {
        name: String,
        #[arg(required_unless_present = "card", conflicts_with = "card")]
        recipient: Option<String>,
        /// HQ's device card (`saksi device card` on a vault with an HQ key).
        #[arg(long, value_name = "FILE")]
        card: Option<PathBuf>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// Trust the device described by a card FILE (compare its fingerprint by phone first).
    Add { file: PathBuf },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device (e.g. a seized laptop): its bundles are refused from now on.
    Revoke { id: String },
}

#[derive(Subcommand)]
pub enum ConflictCmd {
    List {
        #[arg(long)]
        json: bool,
    },
    /// Settle one conflict: keep this vault's version, or take the incoming one.
    Resolve {
        id: String,
        #[arg(
            long,
            conflicts_with = "take_incoming",
            required_unless_present = "take_incoming"
        )]
        keep_local: bool,
        #[arg(long)]
        take_incoming: bool,
    },
}

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// Write this device's card (id, name, public keys, fingerprint) for HQ's `saksi trust add`.
    Card {
        /// Where to write it (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Writes a new file (refusing to overwrite), readable by its owner only.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} already exists: not overwriting it", path.display())
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn device(cli: &Cli, cmd: &DeviceCmd) -> anyhow::Result<()> {
    match cmd {
        DeviceCmd::Card { out } => {
            let v = open(cli)?;
            let card = keys::device_card(&v)?;
            let mut json = serde_json::to_vec_pretty(&card)?;
            json.push(b'\n');
            match out {
                Some(p) => {
                    write_new(p, &json)?;
                    println!("device card written to {}", p.display());
                    println!("device {} ({})", card.device_id, card.name);
                    if let Some(hq) = &card.hq_recipient {
                        println!("HQ bundle key {hq}");
                    }
                    println!(
                        "fingerprint {} (covers every key on the card)",
                        card.fingerprint
                    );
                }
                None => std::io::stdout().write_all(&json)?,
            }
            v.lock()?;
        }
    }
    Ok(())
}

pub fn run(cli: &Cli, cmd: &BundleCmd) -> anyhow::Result<()> {
    match cmd {
        BundleCmd::Keygen { out } => {
            let mut v = open(cli)?;
            let made = match keys::keygen(&mut v) {
                Ok(r) => Some(r),
                Err(saksi_core::Error::Bundle(bundle::BundleError::HqKeyExists))
                    if out.is_some() =>
                {
                    None
                }
                Err(e) => return Err(e.into()),
            };
            let recipient = keys::hq_recipient(&v)?;
            if let Some(p) = out {
                write_new(p, keys::hq_identity_file(&v)?.as_bytes())?;
                println!("HQ identity written to {} (keep it secret)", p.display());
            }
            println!(
                "{}",
                if made.is_some() {
                    "HQ key made"
                } else {
                    "HQ key (already made)"
                }
            );
            println!("recipient {recipient}");
            println!("fingerprint {}", keys::recipient_fingerprint(&recipient));
            v.lock()?;
        }
        BundleCmd::HqKey { json } => {
            let v = open(cli)?;
            let r = keys::hq_recipient(&v)?;
            let fp = keys::recipient_fingerprint(&r);
            if *json {
                print_json(&serde_json::json!({ "recipient": r, "fingerprint": fp }))?;
            } else {
                println!("{r}\nfingerprint {fp}");
            }
            v.lock()?;
        }
        BundleCmd::Recipient(RecipientCmd::Add {
            name,
            recipient,
            card,
        }) => {
            let card_bytes = card
                .as_ref()
                .map(|f| {
                    std::fs::read(f)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))
                })
                .transpose()?;
            let mut v = open(cli)?;
            let r = match (&card_bytes, recipient) {
                (Some(bytes), _) => keys::recipient_add_card(&mut v, name, bytes)?,
                (None, Some(age)) => keys::recipient_add(&mut v, name, age)?,
                (None, None) => anyhow::bail!("give the recipient's age1… key or --card FILE"),
            };
            match (&r.card_fingerprint, &r.device_id) {
                (Some(fp), Some(dev)) => println!(
                    "recipient {} added from the card of device {dev}: {}\ncard fingerprint {fp} (compare it with HQ by phone)\nits receipts are accepted",
                    r.name, r.recipient
                ),
                _ => println!(
                    "recipient {} added: {}\nfingerprint {} (compare it by phone)\nno signing key pinned: receipts from it are refused (register HQ with --card)",
                    r.name, r.recipient, r.fingerprint
                ),
            }
            v.lock()?;
        }
        BundleCmd::Recipient(RecipientCmd::List { json }) => {
            let v = open(cli)?;
            let list = keys::recipient_list(&v)?;
            if *json {
                print_json(&list)?;
            } else {
                for r in list {
                    match &r.card_fingerprint {
                        Some(fp) => println!("{:<16} card {fp}  {}", r.name, r.recipient),
                        None => println!(
                            "{:<16} key  {}  {}  (no signing key: receipts refused)",
                            r.name, r.fingerprint, r.recipient
                        ),
                    }
                }
            }
            v.lock()?;
        }
        BundleCmd::Trust(TrustCmd::Add { file }) => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let mut v = open(cli)?;
            let d = keys::trust_add(&mut v, &bytes)?;
            println!(
                "trusted device {} ({})\nfingerprint {} (compare it with the device by phone)",
                d.id, d.name, d.fingerprint
            );
            v.lock()?;
        }
        BundleCmd::Trust(TrustCmd::List { json }) => {
            let v = open(cli)?;
            let list = keys::trust_list(&v)?;
            if *json {
                print_json(&list)?;
            } else {
                for d in list {
                    println!(
                        "{}  {:<20} {}{}",
                        d.id,
                        d.name,
                        d.fingerprint,
                        d.revoked_at
                            .as_deref()
                            .map(|r| format!("  [revoked {r}]"))
                            .unwrap_or_default()
                    );
                }
            }
            v.lock()?;
        }
        BundleCmd::Trust(TrustCmd::Revoke { id }) => {
            let mut v = open(cli)?;
            let d = keys::trust_revoke(&mut v, id)?;
            println!(
                "revoked device {} ({}) on {}",
                d.id,
                d.name,
                d.revoked_at.as_deref().unwrap_or("?")
            );
            v.lock()?;
        }
        BundleCmd::Export {
            to,
            out,
            since_last,
            incident,
            include_contacts,
            json,
        } => {
            let incidents = incident
                .iter()
                .map(|s| parse_id("incident", s))
                .collect::<Result<Vec<_>, _>>()?;
            let mut v = open(cli)?;
            let s = bundle::export(
                &mut v,
                &ExportOptions {
                    to: to.clone(),
                    out: out.clone(),
                    since_last: *since_last,
                    incidents,
                    include_contacts: *include_contacts,
                },
            )?;
            if *json {
                print_json(&s)?;
            } else {
                println!(
                    "bundle {} (sequence {}) written to {}",
                    s.bundle_id, s.sequence, s.out
                );
                println!(
                    "for {}",
                    s.recipients
                        .iter()
                        .map(|r| format!("{} ({})", r.name, r.fingerprint))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                println!("exported: {}", counts(&s.counts));
                for w in &s.withheld {
                    println!("left out: {} {} — {}", w.count, w.record_type, w.reason);
                }
                println!(
                    "signed by device {} (minisign key {})",
                    s.device_id, s.minisign_public_key
                );
            }
            v.lock()?;
        }
        BundleCmd::Import {
            file,
            identity,
            json,
        } => {
            let ids = match identity {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
                    Some(keys::parse_identity_file(&text)?)
                }
                None => None,
            };
            let mut v = open(cli)?;
            let outcome = bundle::import(&mut v, file, ids)?;
            if *json {
                print_json(&outcome)?;
            } else {
                match &outcome {
                    ImportOutcome::Imported(s) => {
                        println!(
                            "imported bundle {} from device {} ({}), sequence {}",
                            s.bundle_id, s.device_id, s.device_name, s.sequence
                        );
                        println!("added: {}", counts(&s.added));
                        println!("updated: {}", counts(&s.updated));
                        println!("unchanged: {}", counts(&s.unchanged));
                        if !s.stale.is_empty() {
                            println!(
                                "older than what this vault holds (ignored): {}",
                                counts(&s.stale)
                            );
                        }
                        if !s.conflicts.is_empty() {
                            println!(
                                "CONFLICTS kept side by side (see `saksi conflict list`): {}",
                                counts(&s.conflicts)
                            );
                        }
                        for w in &s.withheld_by_sender {
                            println!(
                                "left out by the sender: {} {} — {}",
                                w.count, w.record_type, w.reason
                            );
                        }
                    }
                    ImportOutcome::AlreadyImported(s) => {
                        println!("bundle {} from device {} (sequence {}) was already imported: nothing changed", s.bundle_id, s.device_id, s.sequence);
                    }
                    ImportOutcome::Receipt(r) => {
                        if r.already_received {
                            println!(
                                "receipt {} was already recorded: nothing changed",
                                r.receipt_id
                            );
                        } else {
                            println!(
                                "receipt {} from {} (device {}) for bundle {} (sequence {}): {} records",
                                r.receipt_id,
                                r.recipient.as_deref().unwrap_or("?"),
                                r.hq_device_id,
                                r.bundle_id,
                                r.bundle_sequence,
                                r.items
                            );
                            println!("outcomes: {}", counts(&r.outcomes));
                            for w in &r.withheld {
                                println!(
                                    "withheld by this device: {} {} ({})",
                                    w.count, w.record_type, w.code
                                );
                            }
                            println!("`saksi purge --received` may now delete here what HQ holds byte for byte");
                        }
                    }
                    _ => {}
                }
            }
            v.lock()?;
        }
        BundleCmd::Receipt {
            out,
            bundle: b,
            json,
        } => {
            let mut v = open(cli)?;
            let r = bundle::write_receipt(&mut v, b.as_deref(), out)?;
            if *json {
                print_json(&r)?;
            } else {
                println!(
                    "receipt {} for bundle {} ({} records) written to {}",
                    r.receipt_id,
                    r.bundle_id,
                    r.items,
                    out.display()
                );
            }
            v.lock()?;
        }
        BundleCmd::Purge { received, json } => {
            if !received {
                anyhow::bail!("purge deletes records here for good: pass --received to delete what HQ confirmed");
            }
            let mut v = open(cli)?;
            let s = bundle::purge_received(&mut v)?;
            if *json {
                print_json(&s)?;
            } else {
                println!(
                    "purged: {} ({} attachment files erased)",
                    counts(&s.purged),
                    s.blobs_deleted
                );
                for (why, m) in [
                    ("a conflict at HQ (HQ holds another version)", &s.conflict),
                    ("stale at HQ (HQ ignored this older copy)", &s.stale),
                    (
                        "withheld from HQ (e.g. contact details HQ did not receive)",
                        &s.withheld,
                    ),
                    ("edited here since HQ confirmed it", &s.changed_since),
                    (
                        "still needed by records HQ has not confirmed",
                        &s.still_needed,
                    ),
                    (
                        "confirmed only by an old receipt without outcomes",
                        &s.unconfirmed,
                    ),
                ] {
                    if !m.is_empty() {
                        println!("kept, {why}: {}", counts(m));
                    }
                }
            }
            v.lock()?;
        }
        BundleCmd::Conflict(ConflictCmd::List { json }) => {
            let v = open(cli)?;
            let list = bundle::conflicts(&v)?;
            if *json {
                print_json(&list)?;
            } else {
                for c in list {
                    println!(
                        "{}  {} {}  local v{} / incoming v{} from device {} (bundle {})",
                        c.id,
                        c.record_type,
                        c.record_id,
                        c.local_version
                            .map(|x| x.to_string())
                            .unwrap_or_else(|| "?".into()),
                        c.incoming_version
                            .map(|x| x.to_string())
                            .unwrap_or_else(|| "?".into()),
                        c.device_id,
                        c.bundle_id
                    );
                }
            }
            v.lock()?;
        }
        BundleCmd::Conflict(ConflictCmd::Resolve {
            id, take_incoming, ..
        }) => {
            let mut v = open(cli)?;
            let how = if *take_incoming {
                bundle::conflict::Resolution::TakeIncoming
            } else {
                bundle::conflict::Resolution::KeepLocal
            };
            bundle::conflict::resolve(&mut v, id, how)?;
            println!("resolved {id}");
            v.lock()?;
        }
    }
    Ok(())
}
