//! The recovery key: 175 random bits written on paper as 8 groups of 5 characters (7 groups of
//! Crockford base32 and one checksum group), kept apart from the laptop. It is stored only as a
//! wrap of the master key in the key file's recovery slot ([`super::keyfile::SlotRole::Recovery`]).

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Crockford's base32: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUP: usize = 5;
const DATA_GROUPS: usize = 7;
const DATA_CHARS: usize = GROUP * DATA_GROUPS;
const CHARS: usize = DATA_CHARS + GROUP;

/// A recovery key. Its text is secret: wiped on drop, never logged.
pub struct RecoveryKey(Zeroizing<String>);

impl RecoveryKey {
    /// A fresh random key (175 bits).
    pub(crate) fn generate() -> Self {
        let mut rng = rand::thread_rng();
        let mut data = Zeroizing::new(String::with_capacity(CHARS));
        for _ in 0..DATA_CHARS {
            data.push(ALPHABET[rng.gen_range(0..32)] as char);
        }
        let check = checksum(data.as_bytes());
        data.push_str(&check);
        RecoveryKey(data)
    }

    /// Reads a recovery key as typed: case, spaces and dashes do not matter, and O, I and L are
    /// read as 0, 1 and 1. A typo is caught by the checksum group before any key derivation.
    pub fn parse(text: &SecretString) -> Result<Self> {
        let mut out = Zeroizing::new(String::with_capacity(CHARS));
        for c in text.expose_secret().chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                let group = out.len() / GROUP + 1;
                return Err(Error::RecoveryKeyMalformed(format!(
                    "the recovery key has a character that is not in it (in group {group}): it uses only digits and the letters A–Z without U"
                )));
            }
            if out.len() == CHARS {
                // Never grown past its size: a reallocation would leave an unwiped copy.
                return Err(too_long());
            }
            out.push(c);
        }
        if out.len() != CHARS {
            return Err(Error::RecoveryKeyMalformed(format!(
                "a recovery key has {} groups of {GROUP} characters ({CHARS} in all); this one has {} characters",
                CHARS / GROUP,
                out.len()
            )));
        }
        if checksum(&out.as_bytes()[..DATA_CHARS]) != out[DATA_CHARS..] {
            return Err(Error::RecoveryKeyMalformed(
                "the recovery key has a typo (its last group, the checksum, does not match the others): compare each group with the paper".into(),
            ));
        }
        Ok(RecoveryKey(out))
    }

    /// The key as written on paper: 8 groups of 5 separated by dashes.
    pub fn display(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(CHARS + CHARS / GROUP));
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % GROUP == 0 {
                s.push('-');
            }
            s.push(c);
        }
        s
    }

    /// The secret that goes into the key derivation: the 35 data characters, canonical.
    pub fn secret(&self) -> &[u8] {
        &self.0.as_bytes()[..DATA_CHARS]
    }
}

fn too_long() -> Error {
    Error::RecoveryKeyMalformed(format!(
        "a recovery key has {} groups of {GROUP} characters ({CHARS} in all); this one has more",
        CHARS / GROUP
    ))
}

/// The checksum group: the first 25 bits of SHA-256 over the data characters, in base32.
fn checksum(data: &[u8]) -> String {
    let h = Sha256::new_with_prefix(b"saksi recovery key checksum\0")
        .chain_update(data)
        .finalize();
    let bits = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) >> 7;
    (0..GROUP)
        .map(|i| ALPHABET[((bits >> (5 * (GROUP - 1 - i))) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> SecretString {
        SecretString::from(t.to_string())
    }

    #[test]
    fn a_recovery_key_reads_back_however_it_is_typed() {
        let k = RecoveryKey::generate();
        let shown = k.display();
        assert_eq!(shown.len(), 47, "8 groups of 5 with 7 dashes: {}", *shown);
        let typed = shown.to_lowercase().replace('-', " ").replace('0', "o");
        let back =
            RecoveryKey::parse(&s(&typed)).expect("lower case, spaces and O for 0 read back");
        assert_eq!(
            back.secret(),
            k.secret(),
            "the typed key must be the same key"
        );
    }

    #[test]
    fn a_typo_in_any_group_of_a_recovery_key_is_caught_by_the_checksum() {
        let k = RecoveryKey::generate();
        let shown = k.display();
        for pos in (0..shown.len()).filter(|i| shown.as_bytes()[*i] != b'-') {
            let mut b = shown.as_bytes().to_vec();
            b[pos] = if b[pos] == b'7' { b'8' } else { b'7' };
            let typo = String::from_utf8(b).unwrap();
            let err = RecoveryKey::parse(&s(&typo))
                .err()
                .unwrap_or_else(|| panic!("a typo at {pos} must be caught: {typo}"));
            assert_eq!(err.kind(), "recovery_key_malformed", "{err}");
            assert!(
                err.to_string().contains("typo"),
                "the message must say typo: {err}"
            );
        }
        let short = &shown[..shown.len() - 6];
        let err = RecoveryKey::parse(&s(short))
            .err()
            .expect("a missing group is refused");
        assert!(err.to_string().contains("8 groups"), "{err}");
        let err = RecoveryKey::parse(&s(&shown.replace('-', "U")))
            .err()
            .expect("U is refused");
        assert!(err.to_string().contains("group 2"), "{err}");
    }
}
