//! The vault itself: init, device, passwd, wipe, verify and the custody log.

use saksi_core::vault::{self, KdfProfile, Vault};

use super::Ctx;
use crate::input;
use crate::output::{self, line};

pub fn init(
    ctx: &Ctx,
    device_name: Option<&str>,
    recovery_key: bool,
    json: bool,
) -> anyhow::Result<()> {
    ctx.refuse_if_read_only()?;
    let dir = ctx.vault_dir()?;
    if Vault::exists(&dir) {
        return Err(saksi_core::Error::VaultExists(dir).into());
    }
    let pass = input::passphrase(
        ctx.passphrase_file(),
        "SAKSI_PASSPHRASE",
        "New passphrase: ",
        true,
    )?;
    let mut v = Vault::create_named(&dir, &pass, KdfProfile::from_env(), device_name)?;
    drop(pass);
    let mut created = serde_json::json!({
        "vault": dir.display().to_string(),
        "device_id": v.device().id(),
        "name": v.device().name(),
        "fingerprint": v.device().fingerprint(),
    });
    let key = if recovery_key {
        Some(v.add_recovery_key(false)?)
    } else {
        None
    };
    v.lock()?;
    if let Some(k) = &key {
        created["recovery_key"] = serde_json::Value::String(k.display().to_string());
    }
    output::show(json, &created, |_| {
        line(format!("created vault {}", dir.display()))?;
        line(format!(
            "device {} ({})",
            created["device_id"].as_str().unwrap_or(""),
            created["name"].as_str().unwrap_or("")
        ))?;
        line(format!(
            "fingerprint {}",
            created["fingerprint"].as_str().unwrap_or("")
        ))?;
        match &key {
            Some(k) => super::recovery::show_key(k),
            None => Ok(()),
        }
    })
}

pub fn device(ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    let (id, name, fingerprint, public_key, card) = ctx.with_vault(|v| {
        let d = v.device();
        Ok((
            d.id().to_string(),
            d.name().to_string(),
            d.fingerprint().to_string(),
            saksi_core::device::public_key_hex(&d.public_key()),
            saksi_core::bundle::keys::card_fingerprint_if_made(v)?,
        ))
    })?;
    if json {
        output::json(&serde_json::json!({
            "id": id, "name": name, "fingerprint": fingerprint, "public_key": public_key,
            "card_fingerprint": card,
        }))
    } else {
        line(format!("device {id} ({name})"))?;
        line(format!("fingerprint {fingerprint}"))?;
        // What HQ reads back over the phone is the card's fingerprint (it covers every key on
        // the card), once a card was made.
        match card {
            Some(c) => line(format!("card fingerprint {c}")),
            None => Ok(()),
        }
    }
}

pub fn passwd(ctx: &Ctx, new_passphrase_file: Option<&std::path::Path>) -> anyhow::Result<()> {
    // The current passphrase is checked first, so nobody types a new one for nothing (nor
    // for a vault opened read-only, which the core would refuse anyway).
    ctx.refuse_if_read_only()?;
    ctx.with_vault(|v| {
        let new = input::passphrase(
            new_passphrase_file,
            "SAKSI_NEW_PASSPHRASE",
            "New passphrase: ",
            true,
        )?;
        Ok(v.change_passphrase(&new, KdfProfile::from_env())?)
    })?;
    line("passphrase changed")
}

pub fn wipe(ctx: &Ctx, yes: bool) -> anyhow::Result<()> {
    if !yes {
        anyhow::bail!("wipe destroys the vault for good: pass --yes to confirm");
    }
    ctx.refuse_if_read_only()?;
    let dir = ctx.vault_dir()?;
    vault::wipe(&dir)?;
    line(format!("vault wiped: {}", dir.display()))
}

pub fn verify(ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    let report = ctx.with_vault(|v| Ok(v.verify()?))?;
    output::show(json, &report, |r| {
        for l in r.lines() {
            line(l)?;
        }
        Ok(())
    })?;
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
    Ok(())
}

pub fn log(ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    let entries = ctx.with_vault(|v| Ok(saksi_core::custody::entries(v)?))?;
    output::show(json, &entries, |entries| {
        for e in entries {
            line(format!(
                "{:>5}  {}  {:<18} {} {}",
                e.seq,
                e.at,
                e.action,
                e.subject_type.as_deref().unwrap_or(""),
                e.subject_id.as_deref().unwrap_or("")
            ))?;
        }
        Ok(())
    })
}

/// `saksi passphrase suggest`: a new passphrase of six random words, made by the core.
pub fn suggest_passphrase(json: bool) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let p = Vault::suggest_passphrase();
    output::show(
        json,
        &serde_json::json!({ "passphrase": p.expose_secret() }),
        |_| line(p.expose_secret()),
    )
}
