//! The language of the screens before unlock: the one thing kept in plain text beside the vault,
//! and only when the person chose a language other than their system's. The file `language`
//! holds exactly one of the codes `en`, `km`, `fr` (two ASCII letters, no newline), so it tells a
//! seizer which of three languages the screens are in and nothing about any record; without it
//! the screens follow the system locale. See docs/vault-format.md, "Language before unlock".

use std::fs;
use std::io::Read;
use std::path::Path;

use super::{sync_dir, write_atomic, Vault};
use crate::error::{Error, Result};

/// The file's name inside the vault folder.
pub const LANGUAGE_FILE: &str = "language";

/// The screens' languages (the same list as the in-vault `language` setting).
pub const LANGUAGES: [&str; 3] = ["en", "km", "fr"];

/// The language remembered for the screens before unlock, if any. Read before any passphrase is
/// typed, so it never fails: a missing, unreadable, oversized or unknown file is "none" (the
/// system locale then decides). At most 8 bytes are read.
pub fn remembered(dir: &Path) -> Option<&'static str> {
    let mut buf = Vec::with_capacity(8);
    fs::File::open(dir.join(LANGUAGE_FILE))
        .ok()?
        .take(8)
        .read_to_end(&mut buf)
        .ok()?;
    LANGUAGES.into_iter().find(|code| code.as_bytes() == buf)
}

impl Vault {
    /// The person chose `code` as the screens' language: it is stored inside the vault (the
    /// `language` setting, applied on every unlock) and, when it differs from `system` (the
    /// language the screens would follow without it, from the system locale), also in the plain
    /// `language` file so the next start shows the unlock screen in it; when it is the system's
    /// language the file is removed, revealing nothing the system does not already say. Refused
    /// in a read-only vault (whose folder no write may touch) and for a code not in
    /// [`LANGUAGES`]. The setting is committed first; the file follows it.
    pub fn set_language(&mut self, code: &str, system: Option<&str>) -> Result<()> {
        self.writable()?;
        if !LANGUAGES.contains(&code) {
            return Err(Error::invalid(format!(
                "unknown language '{code}' (en, km, fr)"
            )));
        }
        self.settings_mut().set("language", code)?;
        let path = self.dir().join(LANGUAGE_FILE);
        if system == Some(code) {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        } else {
            write_atomic(&path, code.as_bytes())?;
        }
        sync_dir(self.dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn the_language_file_holds_only_the_code_and_only_when_it_is_not_the_systems() {
        let (_tmp, mut v) = testutil::vault();
        let dir = v.dir().to_path_buf();
        assert_eq!(remembered(&dir), None, "a new vault remembers no language");
        v.set_language("km", Some("en")).unwrap();
        assert_eq!(
            fs::read(dir.join(LANGUAGE_FILE)).unwrap(),
            b"km",
            "the file must hold the two-letter code and nothing else"
        );
        assert_eq!(remembered(&dir), Some("km"));
        assert_eq!(
            v.settings().get("language").unwrap().as_deref(),
            Some("km"),
            "the choice is also the vault's own setting"
        );
        v.set_language("en", Some("en")).unwrap();
        assert!(
            !dir.join(LANGUAGE_FILE).exists(),
            "choosing the system's own language must remove the file"
        );
        v.set_language("en", Some("en")).unwrap();
        v.set_language("fr", None).unwrap();
        assert_eq!(
            remembered(&dir),
            Some("fr"),
            "no system language: the file is kept"
        );
    }

    #[test]
    fn an_unknown_language_is_refused_and_the_file_is_unchanged() {
        let (_tmp, mut v) = testutil::vault();
        v.set_language("fr", Some("en")).unwrap();
        let err = v.set_language("../x", Some("en")).unwrap_err();
        assert!(err.to_string().contains("unknown language"), "{err}");
        assert_eq!(
            remembered(v.dir()),
            Some("fr"),
            "a refused code must not replace the file"
        );
    }

    #[test]
    fn a_damaged_language_file_is_ignored_before_unlock() {
        let (_tmp, v) = testutil::vault();
        for bytes in [&b"km\n"[..], b"de", b"", &[0xff; 4096][..], b"kmkmkmkmkm"] {
            fs::write(v.dir().join(LANGUAGE_FILE), bytes).unwrap();
            assert_eq!(
                remembered(v.dir()),
                None,
                "anything but an exact known code must fall back to the system locale: {bytes:?}"
            );
        }
    }
}
