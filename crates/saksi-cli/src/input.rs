//! Reading what the user gives: JSON records from a file or standard input, and passphrases from
//! a file, an environment variable or a prompt without echo.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// Records larger than this are refused before parsing.
const MAX_JSON_BYTES: u64 = 16 << 20;

/// Parses JSON from `file` (`-` or `None`: standard input).
pub fn json<T: DeserializeOwned>(file: Option<&Path>) -> anyhow::Result<T> {
    let (name, mut reader): (String, Box<dyn Read>) = match file {
        None => ("standard input".into(), Box::new(std::io::stdin())),
        Some(p) if p == Path::new("-") => ("standard input".into(), Box::new(std::io::stdin())),
        Some(p) => (
            p.display().to_string(),
            Box::new(
                std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?,
            ),
        ),
    };
    let mut buf = Vec::new();
    reader
        .by_ref()
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {name}"))?;
    if buf.len() as u64 > MAX_JSON_BYTES {
        bail!("{name} is larger than {} MiB", MAX_JSON_BYTES >> 20);
    }
    let buf = Zeroizing::new(buf);
    serde_json::from_slice(&buf).map_err(|e| anyhow::anyhow!("invalid JSON in {name}: {e}"))
}

/// A passphrase from `file` (its first line), else `env_var`, else a prompt (twice when
/// `confirm`).
pub fn passphrase(
    file: Option<&Path>,
    env_var: &str,
    prompt: &str,
    confirm: bool,
) -> anyhow::Result<SecretString> {
    if let Some(f) = file {
        let raw = Zeroizing::new(
            std::fs::read_to_string(f)
                .with_context(|| format!("cannot read the passphrase file {}", f.display()))?,
        );
        let line = raw.lines().next().unwrap_or("");
        return Ok(SecretString::from(line.to_string()));
    }
    if let Ok(v) = std::env::var(env_var) {
        return Ok(SecretString::from(v));
    }
    let first = SecretString::from(
        rpassword::prompt_password(prompt)
            .context("cannot read the passphrase from the terminal")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Repeat it: ").context("cannot read the passphrase")?,
        );
        if again.as_str() != first.expose_secret() {
            bail!("the two passphrases differ: nothing was changed");
        }
    }
    Ok(first)
}
