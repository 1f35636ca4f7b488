//! Text normalisation shared by matchers (module names, column headers, units).

/// Lower case, Romanian/Hungarian diacritics folded (ș ş → s, ț ţ → t, ă â → a, î → i, á é í ó ö ő
/// ú ü ű → a e i o o o u u u), everything but letters and digits dropped.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(lower_char)
        .filter_map(|c| {
            let c = match c {
                'ă' | 'â' | 'á' | 'à' | 'ä' => 'a',
                'î' | 'í' | 'ì' => 'i',
                'ș' | 'ş' => 's',
                'ț' | 'ţ' => 't',
                'é' | 'è' | 'ë' => 'e',
                'ó' | 'ö' | 'ő' | 'ò' => 'o',
                'ú' | 'ü' | 'ű' | 'ù' => 'u',
                c => c,
            };
            c.is_alphanumeric().then_some(c)
        })
        .collect()
}

/// Lower case by [`lower_char`]: for matching what people typed, not for showing it.
pub fn lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

/// Upper case by [`upper_char`]: for matching what people typed, not for showing it.
pub fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

/// A letter's lower case, one letter for one: the Latin letters (ASCII, Latin-1, Latin
/// Extended-A and the pairs of Extended-B, Romanian's ș and ț among them), Greek and Cyrillic, as
/// Unicode maps them; every other character as it is. `str::to_lowercase` would cover every
/// script, with the standard library's case tables: about 36 KB of the service worker's module
/// (15 KB gzipped), for text that is Romanian, Hungarian or English. Where Unicode's mapping is
/// more than one letter (`İ`), this gives its first.
pub fn lower_char(c: char) -> char {
    let u = c as u32;
    let pair = |odd_upper: bool| if (u % 2 == 1) == odd_upper { u + 1 } else { u };
    let l = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE => u + 0x20,
        0x130 => 0x69,
        0x178 => 0xFF,
        0x100..=0x137 | 0x14A..=0x177 | 0x1DE..=0x1EF | 0x1F8..=0x21F | 0x222..=0x233 => pair(false),
        0x139..=0x148 | 0x179..=0x17E | 0x1CD..=0x1DC => pair(true),
        0x386 => 0x3AC,
        0x388..=0x38A => u + 0x25,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 0x3F,
        0x391..=0x3A1 | 0x3A3..=0x3AB => u + 0x20,
        0x400..=0x40F => u + 0x50,
        0x410..=0x42F => u + 0x20,
        0x4C0 => 0x4CF,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F => pair(false),
        0x4C1..=0x4CE => pair(true),
        _ => u,
    };
    char::from_u32(l).unwrap_or(c)
}

/// A letter's upper case, one letter for one, over the letters [`lower_char`] covers; every other
/// character as it is. Where Unicode's mapping is more than one letter (`ß` → `SS`), the letter
/// stays as it is.
pub fn upper_char(c: char) -> char {
    let u = c as u32;
    let pair = |odd_upper: bool| if (u % 2 == 1) != odd_upper { u - 1 } else { u };
    let up = match u {
        0x61..=0x7A | 0xE0..=0xF6 | 0xF8..=0xFE => u - 0x20,
        0xB5 => 0x39C,
        0xFF => 0x178,
        0x131 => 0x49,
        0x17F => 0x53,
        0x101..=0x137 | 0x14B..=0x177 | 0x1DF..=0x1EF | 0x1F9..=0x21F | 0x223..=0x233 => pair(false),
        0x13A..=0x148 | 0x17A..=0x17E | 0x1CE..=0x1DC => pair(true),
        0x3AC => 0x386,
        0x3AD..=0x3AF => u - 0x25,
        0x3CC => 0x38C,
        0x3CD..=0x3CE => u - 0x3F,
        0x3C2 => 0x3A3,
        0x3B1..=0x3C1 | 0x3C3..=0x3CB => u - 0x20,
        0x450..=0x45F => u - 0x50,
        0x430..=0x44F => u - 0x20,
        0x4CF => 0x4C0,
        0x461..=0x481 | 0x48B..=0x4BF | 0x4D1..=0x52F => pair(false),
        0x4C2..=0x4CE => pair(true),
        _ => u,
    };
    char::from_u32(up).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::{lower, lower_char, upper, upper_char};

    /// What the standard library maps `c` to, when that is one character.
    fn single(mut mapped: impl Iterator<Item = char>) -> Option<char> {
        match (mapped.next(), mapped.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    /// The letters the two functions promise to map as Unicode does.
    fn covered(c: char) -> bool {
        matches!(c as u32, 0..=0x17F | 0x218..=0x21B | 0x386..=0x3CE | 0x400..=0x45F)
    }

    #[test]
    fn case_is_unicode_s_where_it_is_changed_and_over_the_covered_letters() {
        let mut changed = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let (l, u) = (lower_char(c), upper_char(c));
            if l != c {
                // Never a mapping Unicode does not make (its first letter when it makes more).
                assert_eq!(c.to_lowercase().next(), Some(l), "lower of U+{:04X}", c as u32);
                changed += 1;
            }
            if u != c {
                assert_eq!(single(c.to_uppercase()), Some(u), "upper of U+{:04X}", c as u32);
                changed += 1;
            }
            if covered(c) {
                if let Some(std) = single(c.to_lowercase()) {
                    assert_eq!(l, std, "lower of U+{:04X}", c as u32);
                }
                if let Some(std) = single(c.to_uppercase()) {
                    assert_eq!(u, std, "upper of U+{:04X}", c as u32);
                }
            }
        }
        assert!(changed >= 690, "{changed}");
    }

    #[test]
    fn romanian_hungarian_greek_and_cyrillic() {
        assert_eq!(lower("ȘTEFAN ȚUICĂ Şi ÂÎ"), "ștefan țuică şi âî");
        assert_eq!(upper("ștefan țuică şi âî"), "ȘTEFAN ȚUICĂ ŞI ÂÎ");
        assert_eq!(lower("ŐRSÉG ŰRHAJÓ"), "őrség űrhajó");
        assert_eq!(upper("őrség űrhajó"), "ŐRSÉG ŰRHAJÓ");
        assert_eq!(lower("ΑΘΉΝΑ Москва"), "αθήνα москва");
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(lower("İstanbul"), "istanbul");
        assert_eq!(lower("株式会社 №5"), "株式会社 №5");
    }

    #[test]
    fn folds() {
        assert_eq!(super::fold("Vânzări"), "vanzari");
        assert_eq!(super::fold("Nr. Reg.\nCom."), "nrregcom");
        assert_eq!(super::fold("Ţară/Şţ"), "tarast");
        assert_eq!(super::fold("Megrendelések"), "megrendelesek");
    }
}
