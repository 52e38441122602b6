//! Everything `saksi` prints goes through here. Human-readable lines are escaped: text from the
//! vault or from a bundle (titles, names, reasons, file names) cannot move the cursor, clear the
//! screen, set the window title, fake a line or flip the text direction. `--json` output is
//! exact (serde_json escapes control characters itself). A closed standard output (`| head -1`)
//! becomes [`Closed`], which `main` turns into a quiet exit 0.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

/// Standard output was closed by the reader (a broken pipe): nothing more can be shown.
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for Closed {}

/// Whether `c` must not reach a terminal raw: C0 controls (newline included: a line is ended by
/// this module only), DEL, C1 controls, and the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069), which reorder the text around them.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with every unsafe character written as a visible escape (`\n`, `\r`, `\t`, else
/// `\u{1b}`); printable text, Khmer included, is unchanged.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                anyhow::Error::new(Closed)
            } else {
                anyhow::anyhow!("cannot write to standard output: {e}; anything the command stored is stored: check before running it again")
            }
        })
}

/// Prints one human-readable line: `text` escaped, then a newline.
pub fn line(text: impl AsRef<str>) -> anyhow::Result<()> {
    let mut s = escape(text.as_ref()).into_owned();
    s.push('\n');
    write_stdout(s.as_bytes())
}

/// Prints free text that may hold several lines (a description, a testimony): each of its lines
/// escaped and printed as a line of its own.
pub fn block(text: &str) -> anyhow::Result<()> {
    let mut s = String::with_capacity(text.len() + 1);
    for l in text.split('\n') {
        s.push_str(&escape(l));
        s.push('\n');
    }
    write_stdout(s.as_bytes())
}

/// Prints `v` as pretty JSON, exactly as stored.
pub fn json<T: Serialize + ?Sized>(v: &T) -> anyhow::Result<()> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    write_stdout(s.as_bytes())
}

/// Bytes as they are (a device card: JSON made by the core).
pub fn raw(bytes: &[u8]) -> anyhow::Result<()> {
    write_stdout(bytes)
}

/// `v` as JSON with `--json`, else as the lines `human` prints.
pub fn show<T: Serialize + ?Sized>(
    as_json: bool,
    v: &T,
    human: impl FnOnce(&T) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if as_json {
        json(v)
    } else {
        human(v)
    }
}

/// One line on standard error, `saksi: KIND: MESSAGE`, escaped (a closed stderr is ignored).
pub fn note(kind: &str, msg: &str) {
    let msg = msg.replace('\n', " ");
    let _ = writeln!(std::io::stderr(), "saksi: {kind}: {}", escape(&msg));
}

/// The CLI's own next step for a core error, by its stable kind: the core's messages name no
/// command (the desktop app says the same in its own words), so the CLI adds what to type.
pub fn hint(e: &anyhow::Error) -> Option<&'static str> {
    let kind = e
        .chain()
        .find_map(|c| c.downcast_ref::<saksi_core::Error>())?
        .kind();
    Some(match kind {
        "no_vault" => "create one with `saksi init`",
        "bundle_unknown_signer" => "`saksi trust add CARD-FILE` trusts it",
        "bundle_no_hq_key" => "run `saksi keygen`, or pass --identity FILE",
        "bundle_hq_key_exists" => "`saksi hq-key` prints it",
        "bundle_unknown_recipient" => "`saksi recipient add NAME --card FILE` registers it",
        "vault_review_mode" => "`saksi review-mode off` switches review mode off",
        "derivative_text_copy_required" | "derivative_text_copy_outdated" => {
            "`saksi testimony pseudonymise TESTIMONY --replace NAME=PSEUDONYM` makes one"
        }
        "derivative_photo_copy_required" => {
            "`saksi evidence redact ITEM --region X,Y,W,H` makes one"
        }
        "deletion_not_pending" | "deletion_cannot_apply" => {
            "`saksi deletions` lists the received deletions, their ids and outcomes"
        }
        _ => return None,
    })
}

/// The one line a failed command prints: the error, and the CLI's hint when it has one.
pub fn error_line(e: &anyhow::Error) -> String {
    match hint(e) {
        Some(h) => format!("{e:#}: {h}"),
        None => format!("{e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn a_missing_vault_gets_the_clis_hint_and_other_errors_none() {
        let e = anyhow::Error::from(saksi_core::Error::NoVault("/v".into()));
        assert_eq!(
            super::error_line(&e),
            "no vault at /v: create one with `saksi init`"
        );
        let e = anyhow::Error::from(saksi_core::Error::WrongPassphrase);
        assert_eq!(super::hint(&e), None, "a wrong passphrase needs no command");
    }

    #[test]
    fn printable_text_khmer_included_passes_through_untouched() {
        for s in [
            "Arrest of union leaders",
            "សុខ ដារា",
            "ខ្ញុំបានឃើញប៉ូលិសចាប់គាត់នៅមុខរោងចក្រ។",
            "Témoin — «guillemets» 1234/2023 C:\\path",
            "zero\u{200b}width\u{200c}joiners\u{200d} stay",
        ] {
            assert_eq!(escape(s), s, "printable text must be printed as it is");
        }
    }

    #[test]
    fn terminal_controls_and_bidi_overrides_are_escaped() {
        let evil = "a\x1b[2Jb\rc\x1b]0;pwned\x07d\u{202e}e\u{2066}f\nfake\u{7f}\u{9b}g\th";
        let got = escape(evil);
        assert_eq!(
            got,
            "a\\u{1b}[2Jb\\rc\\u{1b}]0;pwned\\u{7}d\\u{202e}e\\u{2066}f\\nfake\\u{7f}\\u{9b}g\\th",
            "every control character and bidi override must be shown as an escape"
        );
        assert!(
            !got.chars().any(|c| c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)),
            "no raw control may remain: {got:?}"
        );
    }
}
