//! Passphrases arrive over IPC as `String`. They are copied into a `SecretString` at once and the
//! original buffer is zeroized (a plain `String -> Box<str>` conversion may reallocate and leave
//! an unwiped copy behind).

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use crate::error::{CmdError, CmdResult};

/// Longer inputs are refused before they reach Argon2.
const MAX_CHARS: usize = 1024;
/// The shortest passphrase accepted for a new vault or a passphrase change: the core's rule, so
/// the desktop and the `saksi` CLI agree.
pub const MIN_NEW_CHARS: usize = saksi_core::vault::keyfile::MIN_PASSPHRASE_CHARS;

pub fn take(mut raw: String) -> CmdResult<SecretString> {
    let secret = SecretString::from(raw.as_str());
    raw.zeroize();
    let chars = secret.expose_secret().chars().count();
    if chars == 0 {
        return Err(CmdError::new("empty_passphrase", "enter the passphrase"));
    }
    if chars > MAX_CHARS {
        return Err(CmdError::invalid(format!(
            "the passphrase is longer than {MAX_CHARS} characters"
        )));
    }
    Ok(secret)
}

/// Like [`take`], and also enforces the minimum length of a new passphrase.
pub fn take_new(raw: String) -> CmdResult<SecretString> {
    let secret = take(raw)?;
    if secret.expose_secret().chars().count() < MIN_NEW_CHARS {
        return Err(CmdError::new(
            "weak_passphrase",
            format!("a new passphrase needs at least {MIN_NEW_CHARS} characters"),
        ));
    }
    Ok(secret)
}
