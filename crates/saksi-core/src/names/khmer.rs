//! Khmer-script names for matching: [`normalise`] makes two spellings a reader cannot tell apart
//! equal (NFC, invisible characters, the order in which subscripts, shifters and vowels were
//! typed, split vowels); [`romanise`] writes a table-driven, UNGEGN-style Latin key so a Khmer
//! name can be compared with its Latin spellings. The key is **used only for matching**: it is
//! not a transliteration to show or store.

/// Khmer sign coeng (U+17D2): the next consonant is written as a subscript.
const COENG: char = '\u{17D2}';
const RO: char = '\u{179A}';
/// Muusikatoan: makes a second-series consonant first-series.
const MUUSIKATOAN: char = '\u{17C9}';
/// Triisap: makes a first-series consonant second-series.
const TRIISAP: char = '\u{17CA}';
const NIKAHIT: char = '\u{17C6}';
const REAHMUK: char = '\u{17C7}';
/// Toandakhiat: the letter under it is not pronounced.
const TOANDAKHIAT: char = '\u{17CD}';

/// Consonants U+1780–U+17A2: UNGEGN romanisation and series (1 = a-series, 2 = o-series).
const CONSONANTS: [(&str, u8); 35] = [
    ("k", 1),   // ក
    ("kh", 1),  // ខ
    ("k", 2),   // គ
    ("kh", 2),  // ឃ
    ("ng", 2),  // ង
    ("ch", 1),  // ច
    ("chh", 1), // ឆ
    ("ch", 2),  // ជ
    ("chh", 2), // ឈ
    ("nh", 2),  // ញ
    ("d", 1),   // ដ
    ("th", 1),  // ឋ
    ("d", 2),   // ឌ
    ("th", 2),  // ឍ
    ("n", 1),   // ណ
    ("t", 1),   // ត
    ("th", 1),  // ថ
    ("t", 2),   // ទ
    ("th", 2),  // ធ
    ("n", 2),   // ន
    ("b", 1),   // ប
    ("ph", 1),  // ផ
    ("p", 2),   // ព
    ("ph", 2),  // ភ
    ("m", 2),   // ម
    ("y", 2),   // យ
    ("r", 2),   // រ
    ("l", 2),   // ល
    ("v", 2),   // វ
    ("s", 1),   // ឝ
    ("s", 1),   // ឞ
    ("s", 1),   // ស
    ("h", 1),   // ហ
    ("l", 1),   // ឡ
    ("", 1),    // អ
];

/// Independent vowels U+17A3–U+17B3.
const INDEPENDENT: [&str; 17] = [
    "a", "aa", "e", "ei", "o", "ou", "ou", "au", "rue", "rue", "lue", "lue", "ae", "ai", "ao",
    "ao", "au",
];

/// Dependent vowels U+17B6–U+17C5: (after an a-series consonant, after an o-series one).
const VOWELS: [(&str, &str); 16] = [
    ("a", "ea"),    // ា
    ("e", "i"),     // ិ
    ("ei", "i"),    // ី
    ("oe", "oe"),   // ឹ
    ("eu", "eu"),   // ឺ
    ("o", "u"),     // ុ
    ("o", "u"),     // ូ
    ("uo", "uo"),   // ួ
    ("aeu", "eu"),  // ើ
    ("oea", "oea"), // ឿ
    ("ie", "ie"),   // ៀ
    ("e", "e"),     // េ
    ("ae", "ae"),   // ែ
    ("ai", "ey"),   // ៃ
    ("ao", "o"),    // ោ
    ("au", "ov"),   // ៅ
];

fn consonant(c: char) -> Option<(&'static str, u8)> {
    let i = (c as u32).checked_sub(0x1780)? as usize;
    CONSONANTS.get(i).copied()
}

fn is_sonorant(c: char) -> bool {
    matches!(c, 'ង' | 'ញ' | 'ណ' | 'ន' | 'ម' | 'យ' | 'រ' | 'ល' | 'វ')
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{17B6}'..='\u{17D3}' | '\u{17DD}')
}

/// Where a mark goes in the canonical order of a written syllable: subscripts (coeng Ro last),
/// then shifters and robat, then vowels, then the other signs.
fn rank(unit: &[char]) -> u8 {
    match unit {
        [COENG, RO] => 1,
        [COENG, ..] => 0,
        [MUUSIKATOAN | TRIISAP | '\u{17CC}'] => 2,
        ['\u{17B6}'..='\u{17C5}'] => 3,
        _ => 4,
    }
}

/// Splits text into written syllables: a base character and the marks typed after it (a coeng
/// and its consonant are one mark).
fn clusters(s: &str) -> Vec<(char, Vec<Vec<char>>)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<(char, Vec<Vec<char>>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let unit = if c == COENG && i + 1 < chars.len() {
            i += 1;
            vec![c, chars[i]]
        } else {
            vec![c]
        };
        i += 1;
        match out.last_mut() {
            Some((base, marks)) if is_mark(unit[0]) && !base.is_whitespace() => marks.push(unit),
            _ => out.push((unit[0], unit[1..].iter().map(|&c| vec![c]).collect())),
        }
    }
    out
}

/// A Khmer name in its matching form: [`crate::text::fold`], then each syllable's marks in one
/// order (subscripts with coeng Ro last, shifter, vowel, signs), a mark typed twice kept once,
/// and the split vowels េ+ី and េ+ា written as ើ and ោ.
pub fn normalise(name: &str) -> String {
    let folded = crate::text::fold(name);
    let mut out = String::with_capacity(folded.len());
    for (base, mut marks) in clusters(&folded) {
        marks.sort_by_key(|m| rank(m));
        marks.dedup();
        out.push(base);
        let mut flat: Vec<char> = marks.into_iter().flatten().collect();
        for (pair, one) in [(['េ', 'ី'], 'ើ'), (['េ', 'ា'], 'ោ')] {
            if let Some(p) = flat.windows(2).position(|w| w == pair) {
                flat.splice(p..p + 2, [one]);
            }
        }
        out.extend(flat);
    }
    out
}

/// One written syllable, read for romanisation.
struct Syllable {
    base: char,
    subs: Vec<char>,
    shifter: Option<char>,
    vowels: Vec<char>,
    signs: Vec<char>,
}

impl Syllable {
    fn read(base: char, marks: &[char]) -> Syllable {
        let mut s = Syllable {
            base,
            subs: Vec::new(),
            shifter: None,
            vowels: Vec::new(),
            signs: Vec::new(),
        };
        let mut it = marks.iter().copied().peekable();
        while let Some(m) = it.next() {
            match m {
                COENG => s.subs.extend(it.next()),
                MUUSIKATOAN | TRIISAP => s.shifter = Some(m),
                '\u{17B6}'..='\u{17C5}' => s.vowels.push(m),
                _ => s.signs.push(m),
            }
        }
        s
    }

    /// No vowel, subscript or shifter: a consonant that may close the syllable before it.
    fn bare(&self) -> bool {
        consonant(self.base).is_some()
            && self.subs.is_empty()
            && self.shifter.is_none()
            && self.vowels.is_empty()
            && self
                .signs
                .iter()
                .all(|&c| c == '\u{17CB}' || c == TOANDAKHIAT)
    }

    /// The series that decides the vowel: a subscript that is not a sonorant gives its own,
    /// else the base's; a shifter then moves it.
    fn series(&self) -> u8 {
        let mut series = consonant(self.base).map_or(1, |c| c.1);
        if let Some(&sub) = self.subs.iter().find(|&&c| !is_sonorant(c)) {
            series = consonant(sub).map_or(series, |c| c.1);
        }
        match self.shifter {
            Some(MUUSIKATOAN) => 1,
            Some(TRIISAP) => 2,
            _ => series,
        }
    }

    fn vowel(&self) -> String {
        let second = self.series() == 2;
        let pick = |(a, o): (&'static str, &'static str)| if second { o } else { a };
        let nikahit = self.signs.contains(&NIKAHIT);
        let reahmuk = self.signs.contains(&REAHMUK);
        let mut v = match self.vowels.first() {
            // The inherent vowel: written "a" for both series, as most Latin spellings do.
            None if nikahit => pick(("am", "um")).to_string(),
            None if reahmuk => pick(("ah", "eah")).to_string(),
            None => "a".to_string(),
            Some('ុ') if nikahit => pick(("om", "um")).to_string(),
            Some('ា') if nikahit => pick(("am", "oam")).to_string(),
            Some(&c) => {
                let i = (c as u32 - 0x17B6) as usize;
                let mut v = VOWELS.get(i).map_or("", |&p| pick(p)).to_string();
                if nikahit {
                    v.push('m');
                }
                v
            }
        };
        if reahmuk && !self.vowels.is_empty() {
            v.push('h');
        }
        v
    }

    fn consonants(&self) -> String {
        std::iter::once(self.base)
            .chain(self.subs.iter().copied())
            .filter_map(consonant)
            .map(|c| c.0)
            .collect()
    }
}

/// The UNGEGN-style Latin key of a Khmer name, one word per word ("ញ៉ែ ចំរើន" → "nhae
/// chamreun"). Non-Khmer characters pass through.
pub fn romanise(name: &str) -> String {
    let norm = normalise(name);
    let syllables: Vec<Syllable> = clusters(&norm)
        .into_iter()
        .map(|(b, m)| Syllable::read(b, &m.concat()))
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < syllables.len() {
        let s = &syllables[i];
        i += 1;
        if s.signs.contains(&TOANDAKHIAT) {
            continue;
        }
        if let Some(iv) = (s.base as u32)
            .checked_sub(0x17A3)
            .and_then(|k| INDEPENDENT.get(k as usize))
        {
            out.push_str(iv);
            continue;
        }
        if consonant(s.base).is_none() {
            out.push(s.base);
            continue;
        }
        out.push_str(&s.consonants());
        out.push_str(&s.vowel());
        // A bare consonant after a syllable closes it, unless the syllable after it starts with
        // a doubled consonant (វណ្ណ: va-nna), which marks it as an onset of its own.
        if let Some(next) = syllables.get(i).filter(|n| n.bare()) {
            // Nor if a bare consonant follows it (សូណង់: so-nang), which closes its own syllable.
            let onset = syllables
                .get(i + 1)
                .is_some_and(|a| a.subs.first() == Some(&a.base) || a.bare());
            if !onset {
                if !next.signs.contains(&TOANDAKHIAT) {
                    out.push_str(consonant(next.base).map_or("", |c| c.0));
                }
                i += 1;
            }
        }
    }
    out
}

/// Whether the name is written (at least partly) in Khmer script.
pub fn is_khmer(name: &str) -> bool {
    name.chars()
        .any(|c| ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_marks_were_typed_in_does_not_matter() {
        // Shifter after the vowel instead of before it.
        assert_eq!(normalise("ញែ៉"), normalise("ញ៉ែ"), "shifter/vowel order");
        // Coeng Ro typed before the other subscript (ស្រ្ត vs ស្ត្រ).
        assert_eq!(normalise("ស្រ្តី"), normalise("ស្ត្រី"), "coeng Ro goes last");
        // ើ typed as េ + ី.
        assert_eq!(normalise("ចំរេីន"), normalise("ចំរើន"), "split vowel");
        // Invisible characters.
        assert_eq!(
            normalise("ចំ\u{200B}រើន"),
            normalise("ចំរើន"),
            "zero-width space"
        );
    }

    #[test]
    fn khmer_names_romanise_to_their_common_spelling() {
        for (khmer, latin) in [
            ("ញ៉ែ ចំរើន", "nhae chamreun"),
            ("កឹម សុខា", "koem sokha"),
            ("រ៉ុង ឈុន", "rong chhun"),
            ("ទេព វន្នី", "tep vanni"),
            ("ហ៊ុន សែន", "hun saen"),
            ("ជា វិជ្ជា", "chea vichchea"),
            ("សម", "sam"),
            ("ម៉ម សូណង់ដូ", "mam sonangdo"),
            ("ស ខេង", "sa kheng"),
            ("យ៉ោម បុប្ផា", "yaom bobpha"),
        ] {
            assert_eq!(romanise(khmer), latin, "the romanisation key of {khmer}");
        }
    }

    #[test]
    fn modern_and_old_spellings_romanise_alike() {
        assert_eq!(
            romanise("ចម្រើន"),
            romanise("ចំរើន"),
            "ចម្រើន and ចំរើន are one name"
        );
    }
}
