//! Text normalisation shared by matchers (module names, column headers, units).

/// Lower case, Romanian/Hungarian diacritics folded (ș ş → s, ț ţ → t, ă â → a, î → i, á é í ó ö ő
/// ú ü ű → a e i o o o u u u), everything but letters and digits dropped.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
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

#[cfg(test)]
mod tests {
    #[test]
    fn folds() {
        assert_eq!(super::fold("Vânzări"), "vanzari");
        assert_eq!(super::fold("Nr. Reg.\nCom."), "nrregcom");
        assert_eq!(super::fold("Ţară/Şţ"), "tarast");
        assert_eq!(super::fold("Megrendelések"), "megrendelesek");
    }
}
