//! The bundle commands: keys, recipients, device cards, trust, export, import, receipts, purge
//! and conflicts. Each parses its arguments, calls one `saksi_core::bundle` function and prints
//! the result (or `--json`).

use std::io::Write;
use std::path::Path;

use saksi_core::bundle::{self, keys, ExportOptions, ImportOutcome};
use saksi_core::model::parse_id;

use super::Ctx;
use crate::cli::{BundleCmd, ConflictCmd, DeviceCmd, RecipientCmd, TrustCmd};
use crate::output::{self, line};

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

pub fn device(ctx: &Ctx, cmd: &DeviceCmd) -> anyhow::Result<()> {
    match cmd {
        DeviceCmd::Name { name } => {
            let name = ctx.with_vault(|v| {
                v.rename_device(name)?;
                Ok(v.device().name().to_string())
            })?;
            line(format!("this device is now called {name}"))?;
        }
        DeviceCmd::Card { out } => {
            let card = ctx.with_vault(|v| Ok(keys::device_card(v)?))?;
            let mut json = serde_json::to_vec_pretty(&card)?;
            json.push(b'\n');
            match out {
                Some(p) => {
                    write_new(p, &json)?;
                    line(format!("device card written to {}", p.display()))?;
                    line(format!("device {} ({})", card.device_id, card.name))?;
                    if let Some(hq) = &card.hq_recipient {
                        line(format!("HQ bundle key {hq}"))?;
                    }
                    line(format!(
                        "fingerprint {} (covers every key on the card)",
                        card.fingerprint
                    ))?;
                }
                None => output::raw(&json)?,
            }
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, cmd: &BundleCmd) -> anyhow::Result<()> {
    match cmd {
        BundleCmd::Keygen { out, json } => {
            let (made, recipient) = ctx.with_vault(|v| {
                let made = match keys::keygen(v) {
                    Ok(r) => Some(r),
                    Err(saksi_core::Error::Keys(bundle::KeyError::HqKeyExists))
                        if out.is_some() =>
                    {
                        None
                    }
                    Err(e) => return Err(e.into()),
                };
                let recipient = keys::hq_recipient(v)?;
                if let Some(p) = out {
                    write_new(p, keys::hq_identity_file(v)?.as_bytes())?;
                }
                Ok((made.is_some(), recipient))
            })?;
            let fingerprint = keys::recipient_fingerprint(&recipient);
            if *json {
                return output::json(&serde_json::json!({
                    "made": made,
                    "recipient": recipient,
                    "fingerprint": fingerprint,
                    "identity_file": out.as_ref().map(|p| p.display().to_string()),
                }));
            }
            if let Some(p) = out {
                line(format!(
                    "HQ identity written to {} (keep it secret)",
                    p.display()
                ))?;
            }
            line(if made {
                "HQ key made"
            } else {
                "HQ key (already made)"
            })?;
            line(format!("recipient {recipient}"))?;
            line(format!("fingerprint {fingerprint}"))?;
        }
        BundleCmd::HqKey { json } => {
            let r = ctx.with_vault(|v| Ok(keys::hq_recipient(v)?))?;
            let fp = keys::recipient_fingerprint(&r);
            if *json {
                output::json(&serde_json::json!({ "recipient": r, "fingerprint": fp }))?;
            } else {
                line(&r)?;
                line(format!("fingerprint {fp}"))?;
            }
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
            let r = ctx.with_vault(|v| {
                Ok(match (&card_bytes, recipient) {
                    (Some(bytes), _) => keys::recipient_add_card(v, name, bytes)?,
                    (None, Some(age)) => keys::recipient_add(v, name, age)?,
                    (None, None) => anyhow::bail!("give the recipient's age1… key or --card FILE"),
                })
            })?;
            match (&r.card_fingerprint, &r.device_id) {
                (Some(fp), Some(dev)) => {
                    line(format!(
                        "recipient {} added from the card of device {dev}: {}",
                        r.name, r.recipient
                    ))?;
                    line(format!(
                        "card fingerprint {fp} (compare it with HQ by phone)"
                    ))?;
                    line("its receipts are accepted")?;
                }
                _ => {
                    line(format!("recipient {} added: {}", r.name, r.recipient))?;
                    line(format!(
                        "fingerprint {} (compare it by phone)",
                        r.fingerprint
                    ))?;
                    line("no signing key pinned: receipts from it are refused (register HQ with --card)")?;
                }
            }
        }
        BundleCmd::Recipient(RecipientCmd::List { json }) => {
            let list = ctx.with_vault(|v| Ok(keys::recipient_list(v)?))?;
            output::show(*json, &list, |list| {
                for r in list {
                    match &r.card_fingerprint {
                        Some(fp) => line(format!("{:<16} card {fp}  {}", r.name, r.recipient))?,
                        None => line(format!(
                            "{:<16} key  {}  {}  (no signing key: receipts refused)",
                            r.name, r.fingerprint, r.recipient
                        ))?,
                    }
                }
                Ok(())
            })?;
        }
        BundleCmd::Trust(TrustCmd::Add { file }) => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let d = ctx.with_vault(|v| Ok(keys::trust_add(v, &bytes)?))?;
            line(format!("trusted device {} ({})", d.id, d.name))?;
            line(format!(
                "fingerprint {} (compare it with the device by phone)",
                d.fingerprint
            ))?;
        }
        BundleCmd::Trust(TrustCmd::List { json }) => {
            let list = ctx.with_vault(|v| Ok(keys::trust_list(v)?))?;
            output::show(*json, &list, |list| {
                for d in list {
                    let state = match (&d.superseded_by, &d.revoked_at) {
                        (Some(by), _) => format!(
                            "  [replaced by {by} on {}: its bundles are refused]",
                            d.superseded_at.as_deref().unwrap_or("?")
                        ),
                        (None, Some(r)) => format!("  [revoked {r}]"),
                        (None, None) => String::new(),
                    };
                    line(format!(
                        "{}  {:<20} {}{}",
                        d.id, d.name, d.fingerprint, state
                    ))?;
                }
                Ok(())
            })?;
        }
        BundleCmd::Trust(TrustCmd::Rename { id, name, json }) => {
            let d = ctx.with_vault(|v| Ok(v.rename_trusted_device(id, name)?))?;
            output::show(*json, &d, |d| {
                line(format!("device {} is now called {}", d.id, d.name))
            })?;
        }
        BundleCmd::Trust(TrustCmd::Revoke { id, json }) => {
            let d = ctx.with_vault(|v| Ok(keys::trust_revoke(v, id)?))?;
            output::show(*json, &d, |d| {
                line(format!(
                    "revoked device {} ({}) on {}",
                    d.id,
                    d.name,
                    d.revoked_at.as_deref().unwrap_or("?")
                ))
            })?;
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
            let s = ctx.with_vault(|v| {
                Ok(bundle::export(
                    v,
                    &ExportOptions {
                        to: to.clone(),
                        out: out.clone(),
                        since_last: *since_last,
                        incidents,
                        include_contacts: *include_contacts,
                    },
                )?)
            })?;
            output::show(*json, &s, |s| {
                line(format!(
                    "bundle {} (sequence {}) written to {}",
                    s.bundle_id, s.sequence, s.out
                ))?;
                line(format!(
                    "for {}",
                    s.recipients
                        .iter()
                        .map(|r| format!("{} ({})", r.name, r.fingerprint))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))?;
                line(format!("exported: {}", counts(&s.counts)))?;
                if s.deletions > 0 {
                    line(format!("deletions (tombstones) carried: {}", s.deletions))?;
                }
                if s.consent_withdrawals > 0 {
                    line(format!(
                        "consent withdrawals: {} (sent until HQ's receipt confirms them)",
                        s.consent_withdrawals
                    ))?;
                }
                for w in &s.withheld {
                    line(format!(
                        "left out: {} {} — {}",
                        w.count, w.record_type, w.reason
                    ))?;
                }
                line(format!(
                    "signed by device {} (minisign key {})",
                    s.device_id, s.minisign_public_key
                ))
            })?;
        }
        BundleCmd::Import {
            files,
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
            match files.as_slice() {
                [file] if !file.is_dir() => {
                    let outcome = ctx.with_vault(|v| Ok(bundle::import(v, file, ids)?))?;
                    output::show(*json, &outcome, import_summary)?;
                }
                _ => {
                    let report =
                        ctx.with_vault(|v| Ok(bundle::import::import_batch(v, files, ids)?))?;
                    batch_report(&report, *json)?;
                }
            }
        }
        BundleCmd::Receipt {
            out,
            bundle: b,
            json,
        } => {
            let r = ctx.with_vault(|v| Ok(bundle::write_receipt(v, b.as_deref(), out)?))?;
            output::show(*json, &r, |r| {
                line(format!(
                    "receipt {} for bundle {} ({} records) written to {}",
                    r.receipt_id,
                    r.bundle_id,
                    r.items,
                    out.display()
                ))?;
                if r.withdrawals > 0 {
                    line(format!("it confirms {} consent withdrawals", r.withdrawals))?;
                }
                Ok(())
            })?;
        }
        BundleCmd::Purge { received, json } => {
            if !received {
                anyhow::bail!("purge deletes records here for good: pass --received to delete what HQ confirmed");
            }
            let s = ctx.with_vault(|v| Ok(bundle::purge_received(v)?))?;
            output::show(*json, &s, |s| {
                line(format!(
                    "purged: {} ({} attachment files erased)",
                    counts(&s.purged),
                    s.blobs_deleted
                ))?;
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
                        line(format!("kept, {why}: {}", counts(m)))?;
                    }
                }
                Ok(())
            })?;
        }
        BundleCmd::Conflict(ConflictCmd::List { json }) => {
            let list = ctx.with_vault(|v| Ok(bundle::conflicts(v)?))?;
            output::show(*json, &list, |list| {
                for c in list {
                    line(format!(
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
                    ))?;
                }
                Ok(())
            })?;
        }
        BundleCmd::Conflict(ConflictCmd::Show { id, json }) => {
            let d = ctx.with_vault(|v| Ok(bundle::conflict_view::conflict_detail(v, id)?))?;
            output::show(*json, &d, conflict_lines)?;
        }
        BundleCmd::Conflict(ConflictCmd::Resolve {
            id,
            take_incoming,
            take,
            ..
        }) => {
            if !take.is_empty() {
                ctx.with_vault(|v| Ok(bundle::conflict::resolve_fields(v, id, take)?))?;
                line(format!(
                    "resolved {id}: took {} from the incoming version",
                    take.join(", ")
                ))?;
                return Ok(());
            }
            let how = if *take_incoming {
                bundle::conflict::Resolution::TakeIncoming
            } else {
                bundle::conflict::Resolution::KeepLocal
            };
            ctx.with_vault(|v| Ok(bundle::conflict::resolve(v, id, how)?))?;
            line(format!("resolved {id}"))?;
        }
    }
    Ok(())
}

/// The human-readable summary of an import: what came in, what was ignored, what the sender left
/// out and why.
/// Several files (or a folder) with one unlock: a report per file, then the totals; exit status
/// 1 when any file was refused.
fn batch_report(report: &bundle::import::BatchReport, json: bool) -> anyhow::Result<()> {
    output::show(json, report, |r| {
        for item in &r.items {
            line(format!("== {}", item.file.display()))?;
            match (&item.outcome, &item.error) {
                (Some(o), _) => import_summary(o)?,
                (None, Some(e)) => line(format!("REFUSED ({}): {}", e.kind, e.message))?,
                (None, None) => {}
            }
        }
        line(format!(
            "{} files: {} imported, {} already imported, {} receipts, {} refused",
            r.items.len(),
            r.imported,
            r.already_imported,
            r.receipts,
            r.refused
        ))
    })?;
    if report.refused > 0 {
        anyhow::bail!(
            "{} of {} files were refused (see the report above); the others were imported",
            report.refused,
            report.items.len()
        );
    }
    Ok(())
}

fn import_summary(outcome: &ImportOutcome) -> anyhow::Result<()> {
    match outcome {
        ImportOutcome::Imported(s) => {
            line(format!(
                "imported bundle {} from device {} ({}), sequence {}",
                s.bundle_id, s.device_id, s.device_name, s.sequence
            ))?;
            line(format!("added: {}", counts(&s.added)))?;
            line(format!("updated: {}", counts(&s.updated)))?;
            line(format!("unchanged: {}", counts(&s.unchanged)))?;
            if !s.stale.is_empty() {
                line(format!(
                    "older than what this vault holds (ignored): {}",
                    counts(&s.stale)
                ))?;
            }
            if !s.conflicts.is_empty() {
                line(format!(
                    "CONFLICTS kept side by side (see `saksi conflict list`): {}",
                    counts(&s.conflicts)
                ))?;
            }
            for w in &s.withheld_by_sender {
                line(format!(
                    "left out by the sender: {} {} — {}",
                    w.count, w.record_type, w.reason
                ))?;
            }
            if !s.deletions.is_empty() {
                line(format!(
                    "deletions received (see `saksi deletions`): {}",
                    counts(&s.deletions)
                ))?;
            }
            if s.consent_withdrawals > 0 {
                line(format!(
                    "consent withdrawals applied: {} (`saksi receipt` confirms them to the sender)",
                    s.consent_withdrawals
                ))?;
            }
        }
        ImportOutcome::AlreadyImported(s) => {
            line(format!(
                "bundle {} from device {} (sequence {}) was already imported: nothing changed",
                s.bundle_id, s.device_id, s.sequence
            ))?;
        }
        ImportOutcome::Receipt(r) => {
            if r.already_received {
                line(format!(
                    "receipt {} was already recorded: nothing changed",
                    r.receipt_id
                ))?;
            } else {
                line(format!(
                    "receipt {} from {} (device {}) for bundle {} (sequence {}): {} records",
                    r.receipt_id,
                    r.recipient.as_deref().unwrap_or("?"),
                    r.hq_device_id,
                    r.bundle_id,
                    r.bundle_sequence,
                    r.items
                ))?;
                line(format!("outcomes: {}", counts(&r.outcomes)))?;
                if !r.deletions.is_empty() {
                    line(format!(
                        "deletions, what HQ did (see `saksi deletions`): {}",
                        counts(&r.deletions)
                    ))?;
                }
                for w in &r.withheld {
                    line(format!(
                        "withheld by this device: {} {} ({})",
                        w.count, w.record_type, w.code
                    ))?;
                }
                if r.withdrawals > 0 {
                    line(format!(
                        "consent withdrawals confirmed by HQ: {} (`saksi testimony show ID` shows each)",
                        r.withdrawals
                    ))?;
                }
                line("`saksi purge --received` may now delete here what HQ holds byte for byte")?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `conflict show`: who made each side, then one line per field (`*` where they differ).
fn conflict_lines(d: &bundle::conflict_view::ConflictDetail) -> anyhow::Result<()> {
    let who = |s: &bundle::conflict_view::ConflictSide| {
        format!(
            "{} (device {}), v{}, {}",
            s.device_name.as_deref().unwrap_or("unknown device"),
            s.device_id.as_deref().unwrap_or("?"),
            s.version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into()),
            s.updated_at.as_deref().unwrap_or("?")
        )
    };
    line(format!(
        "{} {}  {}",
        d.record_type,
        d.record_id,
        d.title.as_deref().unwrap_or("")
    ))?;
    line(format!("local:    {}", who(&d.local)))?;
    line(format!("incoming: {}", who(&d.incoming)))?;
    for f in &d.fields {
        let (l, i) = (field_text(&f.local), field_text(&f.incoming));
        if f.differs {
            line(format!("* {}: {l} -> {i}", f.field))?;
        } else {
            line(format!("  {}: {l}", f.field))?;
        }
    }
    if !d.mergeable {
        line("an attachment cannot be merged: only --keep-local settles it")?;
    }
    Ok(())
}

/// A field's value as one line: text as it is, a group (a date and its precision) by its known
/// parts, a child table by its rows' telling column, nothing as "-".
fn field_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    let scalar = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() || s == "unknown" => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let text = match v {
        Value::Object(m) => m.values().filter_map(scalar).collect::<Vec<_>>().join(" "),
        Value::Array(rows) => rows
            .iter()
            .map(|r| {
                ["kind", "code", "name", "to_id", "organisation", "value"]
                    .iter()
                    .find_map(|k| r.get(*k).and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| r.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => scalar(other).unwrap_or_default(),
    };
    if text.is_empty() {
        "-".into()
    } else {
        text
    }
}
