//! How strong a new passphrase must be, and a suggested one (issue 12).
//!
//! A new passphrase (vault, passphrase change, backup) must have [`MIN_PASSPHRASE_CHARS`]
//! characters and a zxcvbn score of at least [`MIN_SCORE`]: zxcvbn estimates how many guesses an
//! attacker needs, with dictionaries of common passwords, English words and names, keyboard
//! patterns, sequences, repeats and dates, plus the local words below (Khmer names as they are
//! romanised, places, the app's own name) that its dictionaries lack. "sokha2015" is refused.
//! [`suggest`] makes six random words from the EFF short word list (1,296 words: about 62 bits).

use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::keyfile::MIN_PASSPHRASE_CHARS;
use crate::error::{Error, Result};

/// The lowest zxcvbn score (0–4) a new passphrase may have: 3 is "safely unguessable"
/// (about 10^8 guesses or more).
pub const MIN_SCORE: u8 = 3;

/// How many words [`suggest`] joins.
pub const SUGGESTED_WORDS: usize = 6;

/// Words a person here is likely to put in a passphrase that zxcvbn's (English) dictionaries do
/// not know: common Khmer given names and family names as romanised, places, and words about
/// the work itself. Matched case-insensitively, inside longer text too.
const LOCAL_WORDS: &[&str] = &[
    // Given names.
    "sokha",
    "dara",
    "sophea",
    "chanthy",
    "vanna",
    "sothea",
    "bopha",
    "sophal",
    "vannak",
    "visal",
    "rithy",
    "pisey",
    "sopheap",
    "kosal",
    "channa",
    "piseth",
    "rotha",
    "vuthy",
    "sambath",
    "sokun",
    "thida",
    "chenda",
    "kunthea",
    "malis",
    "sopheak",
    "veasna",
    "sovann",
    "srey",
    "sreymom",
    "mom",
    "sina",
    "nary",
    "kanha",
    "ratha",
    "samnang",
    "sokhom",
    // Family names.
    "chea",
    "sok",
    "kim",
    "heng",
    "meas",
    "seng",
    "keo",
    "prak",
    "chan",
    "nhem",
    "mao",
    "ouk",
    "tep",
    "chhay",
    "chhim",
    "yim",
    "pen",
    "som",
    "hem",
    "long",
    "ly",
    // Places and the country.
    "cambodia",
    "kampuchea",
    "khmer",
    "phnompenh",
    "phnom",
    "penh",
    "siemreap",
    "battambang",
    "kampot",
    "kandal",
    "takeo",
    "kampong",
    "mekong",
    "angkor",
    "sihanoukville",
    "kep",
    "ខ្មែរ",
    "កម្ពុជា",
    "ភ្នំពេញ",
    // The work.
    "saksi",
    "sakshi",
    "licadho",
    "adhoc",
    "monitor",
    "humanrights",
    "evidence",
];

/// Checks a new passphrase: long enough, and hard enough to guess.
pub(crate) fn check(passphrase: &SecretString) -> Result<()> {
    let p = passphrase.expose_secret();
    if p.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase(MIN_PASSPHRASE_CHARS));
    }
    if score(p) < MIN_SCORE {
        return Err(Error::GuessablePassphrase);
    }
    Ok(())
}

/// The zxcvbn score (0–4) of `p`, the lower of `p` as typed and `p` without its spaces: zxcvbn
/// counts a space as an unknown character, which makes "phnom penh 2024" look strong, while an
/// attacker trying words tries them with and without separators.
pub fn score(p: &str) -> u8 {
    let typed = zxcvbn::zxcvbn(p, LOCAL_WORDS).score();
    let joined: Zeroizing<String> = Zeroizing::new(p.split_whitespace().collect());
    if joined.is_empty() {
        return 0;
    }
    let joined = zxcvbn::zxcvbn(&joined, LOCAL_WORDS).score();
    u8::from(typed).min(u8::from(joined))
}

/// A new passphrase of [`SUGGESTED_WORDS`] random words from the EFF short word list, chosen with
/// the operating system's random number generator, separated by spaces.
pub fn suggest() -> SecretString {
    let mut out = Zeroizing::new(String::with_capacity(SUGGESTED_WORDS * 6));
    for i in 0..SUGGESTED_WORDS {
        if i > 0 {
            out.push(' ');
        }
        if let Some((_, word)) = eff_wordlist::short::LIST.choose(&mut OsRng) {
            out.push_str(word);
        }
    }
    SecretString::from(out.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(p: &str) -> Option<Error> {
        check(&SecretString::from(p.to_string())).err()
    }

    #[test]
    fn guessable_passphrases_are_refused_even_when_long_enough() {
        for p in [
            "sokha2015",
            "Sokha2015!",
            "chanthy1990",
            "kampuchea1979",
            "Phnompenh2024",
            "phnom penh 2024",
            "saksi saksi",
            "password password",
            "qwertyuiop",
            "12345678",
            "កខគឃងចឆជ",
        ] {
            let e = refused(p);
            assert!(
                matches!(e, Some(Error::GuessablePassphrase)),
                "a passphrase of names, places, years, repeats or keyboard runs must be refused as guessable: {p:?} gave {e:?}"
            );
        }
    }

    #[test]
    fn the_refusal_says_why_in_plain_words_and_what_to_do() {
        let e = refused("sokha2015").map(|e| (e.kind(), e.to_string()));
        let (kind, msg) = e.unwrap_or_default();
        assert_eq!(kind, "weak_passphrase", "the kind the UI translates");
        assert!(
            msg.contains("too easy to guess") && msg.contains("random words"),
            "the message must say why and suggest random words: {msg}"
        );
        assert!(
            !msg.contains("sokha"),
            "the message must not repeat the passphrase: {msg}"
        );
    }

    #[test]
    fn a_short_passphrase_is_refused_as_too_short() {
        assert!(
            matches!(refused("ab12!"), Some(Error::WeakPassphrase(n)) if n == MIN_PASSPHRASE_CHARS),
            "length is checked first, in characters"
        );
    }

    #[test]
    fn passphrases_of_random_words_are_accepted() {
        for p in [
            "correct horse battery",
            "tamarind kettle orbit lagoon",
            "river lantern copper meadow",
            "ខ្ញុំស្រលាញ់ទន្លេមេគង្គ",
        ] {
            assert!(
                refused(p).is_none(),
                "a passphrase of several random words must be accepted: {p:?}"
            );
        }
    }

    #[test]
    fn a_suggested_passphrase_is_six_list_words_strong_and_different_each_time() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20 {
            let s = suggest();
            let words: Vec<&str> = s.expose_secret().split(' ').collect();
            assert_eq!(words.len(), SUGGESTED_WORDS, "a suggestion has six words");
            assert!(
                words
                    .iter()
                    .all(|w| eff_wordlist::short::LIST.iter().any(|(_, l)| l == w)),
                "every suggested word comes from the word list: {words:?}"
            );
            assert!(
                refused(s.expose_secret()).is_none(),
                "a suggested passphrase must pass the strength check: {words:?}"
            );
            seen.insert(s.expose_secret().to_string());
        }
        assert_eq!(seen.len(), 20, "suggestions must be random, not repeated");
    }
}
