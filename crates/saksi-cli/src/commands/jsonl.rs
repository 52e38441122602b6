//! `--jsonl`: records as JSON Lines (one JSON object per line, blank lines skipped), for HQ's
//! migrations from spreadsheets. The whole input is read and parsed before the vault is unlocked
//! (a JSON error names its line and nothing is stored); the records are then added [`BATCH`] at a
//! time, each batch in one transaction with one custody entry per record. A record the core
//! refuses stops the run: its batch and everything after it are not stored, the batches before
//! it are (their ids were printed).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{bail, Context};
use saksi_core::vault::Vault;
use saksi_core::{BatchFailure, Uuid};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::Ctx;
use crate::output::line;

/// Records per transaction.
pub const BATCH: usize = 1000;
/// The largest JSON Lines input (read whole before the vault is unlocked).
const MAX_INPUT_BYTES: u64 = 256 << 20;

type AddMany<T> = fn(&mut Vault, &[T]) -> Result<Vec<Uuid>, BatchFailure>;

/// Reads `file` (`-`: standard input) as JSON Lines of `T` and adds them with `add`, printing
/// each new id on its own line.
pub fn add<T: DeserializeOwned>(ctx: &Ctx, file: &Path, add: AddMany<T>) -> anyhow::Result<()> {
    ctx.vault_dir()?;
    let (name, lines, records) = read(file)?;
    if records.is_empty() {
        bail!("{name} holds no record (one JSON object per line)");
    }
    ctx.with_vault(|v| {
        let mut done = 0usize;
        for (batch, at) in records.chunks(BATCH).zip(lines.chunks(BATCH)) {
            match add(v, batch) {
                Ok(ids) => {
                    for id in &ids {
                        line(id.to_string())?;
                    }
                    done += ids.len();
                }
                Err(f) => {
                    let bad = at.get(f.index).copied().unwrap_or_default();
                    let first = at.first().copied().unwrap_or_default();
                    let stored = if done == 0 {
                        "nothing was stored".to_string()
                    } else {
                        format!(
                            "nothing from line {first} on was stored; the {done} records before \
                             it were (their ids are printed above)"
                        )
                    };
                    bail!("{name}, line {bad}: {}; {stored}", f.error);
                }
            }
        }
        Ok(())
    })
}

/// The records of `file` and their line numbers (from 1).
fn read<T: DeserializeOwned>(file: &Path) -> anyhow::Result<(String, Vec<usize>, Vec<T>)> {
    let (name, reader): (String, Box<dyn Read>) = if file == Path::new("-") {
        ("standard input".into(), Box::new(std::io::stdin()))
    } else {
        (
            file.display().to_string(),
            Box::new(
                std::fs::File::open(file)
                    .with_context(|| format!("cannot read {}", file.display()))?,
            ),
        )
    };
    let mut reader = BufReader::new(reader.take(MAX_INPUT_BYTES + 1));
    let mut records = Vec::new();
    let mut lines = Vec::new();
    let mut total = 0u64;
    let mut buf = Zeroizing::new(Vec::new());
    for n in 1.. {
        buf.clear();
        let got = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {name}"))?;
        if got == 0 {
            break;
        }
        total += got as u64;
        if total > MAX_INPUT_BYTES {
            bail!(
                "{name} is larger than {} MiB: split it into smaller files",
                MAX_INPUT_BYTES >> 20
            );
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record = serde_json::from_slice(&buf).map_err(|e| {
            // serde counts lines within the one line it was given: say the column only.
            let msg = e.to_string();
            let at = format!(" at line {} column {}", e.line(), e.column());
            let msg = match msg.strip_suffix(&at) {
                Some(m) => format!("{m} at column {}", e.column()),
                None => msg,
            };
            anyhow::anyhow!("invalid JSON in {name}, line {n}: {msg}; nothing was stored")
        })?;
        records.push(record);
        lines.push(n);
    }
    Ok((name, lines, records))
}
