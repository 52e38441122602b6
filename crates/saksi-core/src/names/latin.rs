//! Latin-script names reduced to matching keys: diacritics, case and punctuation off, then the
//! spelling variants of Khmer romanisation folded by one ordered table ([`RULES`]), so that
//! "Chamroeun", "Chamreun" and "Châmroeun" give one key. Keys are for comparison only.

use unicode_normalization::UnicodeNormalization;

/// Letters outside a–z that romanised names carry, as the a–z letters they stand for.
fn plain_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'đ' | 'ð' => "d",
        'ø' | 'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        'ı' => "i",
        'ł' => "l",
        _ => return None,
    })
}

/// The name's words, lower case, without diacritics or punctuation. Hyphens and apostrophes
/// join ("Kim-Seng" → "kimseng"); any other non-letter separates words.
pub fn words(name: &str) -> Vec<String> {
    let folded = crate::text::fold(name);
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in folded.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_ascii_lowercase() {
            cur.push(c);
        } else if let Some(s) = plain_letter(c) {
            cur.push_str(s);
        } else if matches!(c, '-' | '\'' | '’' | 'ʼ' | '‘') {
            continue;
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The romanisation variants folded together, applied in this order to each word (docs/matching.md
/// lists them with examples). `ə` stands for the vowels written oe/eu/ou/ue, `ñ` for nh/ny.
pub const RULES: &[(&str, &str)] = &[
    // "Yorm", "Sorn": "or" before a consonant or at the end writes the long ɑː vowel.
    ("or+", "ao"),
    ("chh", "c"),
    ("ch", "c"),
    ("j", "c"),
    ("kh", "k"),
    ("ph", "p"),
    ("th", "t"),
    ("nh", "ñ"),
    ("^ny", "ñ"),
    ("w", "v"),
    ("double", "single"),
    ("oeu", "ə"),
    ("aeu", "ə"),
    ("oe", "ə"),
    ("eu", "ə"),
    ("ue", "ə"),
    ("ou", "ə"),
    ("ea", "ia"),
    ("ie", "ia"),
    ("ay", "ai"),
    ("ae", "ai"),
    ("au", "ao"),
    ("ng$", "n"),
    // A final r after a vowel is silent in Khmer: "Sar", "Sithar" / "Sitha".
    ("r$", ""),
    ("y", "i"),
    ("double", "single"),
];

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ə')
}

fn apply(word: &str, from: &str, to: &str) -> String {
    match from {
        "double" => {
            let mut out = String::with_capacity(word.len());
            for c in word.chars() {
                if !out.ends_with(c) {
                    out.push(c);
                }
            }
            out
        }
        "or+" => {
            let chars: Vec<char> = word.chars().collect();
            let mut out = String::with_capacity(word.len());
            let mut i = 0;
            while i < chars.len() {
                let next = chars.get(i + 2).copied();
                if i > 0
                    && chars[i] == 'o'
                    && chars.get(i + 1) == Some(&'r')
                    && next.is_none_or(|c| !is_vowel(c))
                {
                    out.push_str(to);
                    i += 2;
                } else {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            out
        }
        "r$" => match word.strip_suffix('r') {
            Some(stem) if stem.ends_with(is_vowel) => stem.to_string(),
            _ => word.to_string(),
        },
        _ if from.ends_with('$') => match word.strip_suffix(&from[..from.len() - 1]) {
            Some(stem) if !stem.is_empty() => format!("{stem}{to}"),
            _ => word.to_string(),
        },
        _ if from.starts_with('^') => match word.strip_prefix(&from[1..]) {
            Some(rest) => format!("{to}{rest}"),
            None => word.to_string(),
        },
        // y is a vowel letter except at the start of a word and before a vowel ("Yorm", "Vithya").
        "y" => {
            let chars: Vec<char> = word.chars().collect();
            chars
                .iter()
                .enumerate()
                .map(|(i, &c)| {
                    let before_vowel = chars.get(i + 1).is_some_and(|&n| is_vowel(n));
                    if c == 'y' && i > 0 && !before_vowel {
                        'i'
                    } else {
                        c
                    }
                })
                .collect()
        }
        _ => word.replace(from, to),
    }
}

/// One word's matching key: [`RULES`] applied in order.
pub fn key_word(word: &str) -> String {
    RULES
        .iter()
        .fold(word.to_string(), |w, (from, to)| apply(&w, from, to))
}

/// A Latin-script name as matching keys, one per word, in the order written.
pub fn key(name: &str) -> Vec<String> {
    words(name).iter().map(|w| key_word(w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(
            key(a),
            key(b),
            "{a} and {b} are spelling variants of one name and must give one key"
        );
    }

    #[test]
    fn diacritics_case_and_punctuation_do_not_matter() {
        same("Châmroeun", "chamroeun");
        same("NHAY, Chamroeun.", "Nhay Chamroeun");
        same("Kim-Seng", "Kimseng");
    }

    #[test]
    fn khmer_romanisation_variants_fold_together() {
        same("Chamroeun", "Chamreun");
        same("Chamroeun", "Chamroun");
        same("Chea", "Jea");
        same("Khem", "Kem");
        same("Phalla", "Pala");
        same("Vithya", "Vitya");
        same("Vanny", "Vani");
        same("Sovann", "Sovan");
        same("Chhun", "Chun");
        same("Seng", "Sen");
        same("Nhay", "Nyai");
        same("Yorm", "Yaom");
        same("Wuthy", "Vuthi");
    }

    #[test]
    fn different_names_keep_different_keys() {
        assert_ne!(
            key("Sokha"),
            key("Sokhom"),
            "Sokha and Sokhom are two names"
        );
        assert_ne!(key("Mony"), key("Many"), "Mony and Many are two names");
        assert_eq!(
            key("Yorm")[0].chars().next(),
            Some('y'),
            "a first y stays y"
        );
    }
}
