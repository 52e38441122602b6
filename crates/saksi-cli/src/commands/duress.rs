//! The duress passphrase: set (a fresh decoy under it), remove, status. Under the duress
//! passphrase every other command opens the decoy exactly as it opens a vault: nothing here.

use std::path::Path;

use saksi_core::vault::DuressOptions;

use super::Ctx;
use crate::cli::DuressCmd;
use crate::input;
use crate::output::line;

pub fn run(ctx: &Ctx, c: &DuressCmd) -> anyhow::Result<()> {
    match c {
        DuressCmd::Set {
            erase_real_on_use,
            starter,
            duress_passphrase_file,
        } => set(
            ctx,
            duress_passphrase_file.as_deref(),
            DuressOptions {
                erase_real_on_use: *erase_real_on_use,
                starter: *starter,
            },
        ),
        DuressCmd::Remove => {
            ctx.refuse_if_read_only()?;
            ctx.with_vault(|v| Ok(v.remove_duress()?))?;
            line("duress passphrase removed: it no longer opens anything")
        }
        DuressCmd::Status => {
            let set = ctx.with_vault(|v| Ok(v.has_duress()?))?;
            line(if set {
                "duress passphrase: set"
            } else {
                "duress passphrase: not set"
            })
        }
    }
}

fn set(ctx: &Ctx, file: Option<&Path>, opts: DuressOptions) -> anyhow::Result<()> {
    ctx.refuse_if_read_only()?;
    ctx.with_vault(|v| {
        let duress =
            input::passphrase(file, "SAKSI_DURESS_PASSPHRASE", "Duress passphrase: ", true)?;
        Ok(v.set_duress(&duress, opts)?)
    })?;
    line("duress passphrase set: it opens a separate decoy vault, never this one")?;
    if opts.erase_real_on_use {
        line("when it is used, this vault's passphrase and recovery key stop working, for good")?;
    }
    Ok(())
}
