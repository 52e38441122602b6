//! Text as it is compared, not as it is shown: one folding for matching (Unicode NFC, invisible
//! characters dropped, Khmer digits as ASCII, lower case, single spaces), shared by the
//! duplicate finder and search (index and query, migration 0014). Stored text is never
//! rewritten with it.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// Characters that change nothing a reader sees but break equality: zero-width space, non-joiner
/// and joiner (U+200B–U+200D), word joiner (U+2060), byte-order mark (U+FEFF), soft hyphen
/// (U+00AD), the bidi marks, embeddings, overrides and isolates (U+200E, U+200F, U+061C,
/// U+202A–U+202E, U+2066–U+2069), and the two deprecated invisible Khmer vowels (U+17B4,
/// U+17B5).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{17B4}'
        | '\u{17B5}')
}

/// The ASCII digit for a Khmer digit (០–៩, U+17E0–U+17E9).
fn khmer_digit(c: char) -> Option<char> {
    match c {
        '\u{17E0}'..='\u{17E9}' => char::from_digit(c as u32 - 0x17E0, 10),
        _ => None,
    }
}

/// `s` with Khmer digits written as ASCII digits ("២០១៥" → "2015"), everything else unchanged:
/// for parsing numbers and dates typed on a Khmer keyboard.
pub fn khmer_digits_to_ascii(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| khmer_digit(c).is_some()) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| khmer_digit(c).unwrap_or(c)).collect())
}

/// The matching form of `s`: NFC, invisible characters removed, Khmer digits as ASCII, lower
/// case, runs of white space as one space, trimmed. Two strings a reader cannot tell apart fold
/// to the same string.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfc().filter(|c| !is_invisible(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match khmer_digit(c) {
            Some(d) => out.push(d),
            None => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_makes_nfc_and_decomposed_text_equal() {
        assert_eq!(
            fold("Tr\u{0061}\u{0300}n"),
            fold("Tr\u{00E0}n"),
            "a decomposed accent must fold like the precomposed one"
        );
    }

    #[test]
    fn fold_drops_invisible_characters() {
        let plain = "ញ៉ែ ចំរើន";
        let dirty = "\u{FEFF}ញ៉ែ\u{200B} \u{200D}ចំ\u{200C}រើន\u{00AD}\u{202B}\u{2060}";
        assert_eq!(
            fold(dirty),
            fold(plain),
            "zero-width, soft-hyphen, bidi and BOM characters must not change the folded text"
        );
    }

    #[test]
    fn fold_writes_khmer_digits_as_ascii() {
        assert_eq!(
            fold("ឆ្នាំ ២០១៥"),
            "ឆ្នាំ 2015",
            "Khmer digits must fold to ASCII digits"
        );
    }

    #[test]
    fn fold_lowercases_and_collapses_white_space() {
        assert_eq!(
            fold("  Nhay\t\u{00A0} CHAMROEUN \n"),
            "nhay chamroeun",
            "case and runs of white space must not matter"
        );
    }

    #[test]
    fn khmer_digits_become_ascii_and_the_rest_is_kept() {
        assert_eq!(khmer_digits_to_ascii("២០១៥-០៣-២៩"), "2015-03-29");
        assert_eq!(khmer_digits_to_ascii("ថ្ងៃ ៩"), "ថ្ងៃ 9");
        assert!(
            matches!(khmer_digits_to_ascii("2015"), Cow::Borrowed(_)),
            "text without Khmer digits must be returned as is"
        );
    }
}
