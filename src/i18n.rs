//! The core's own messages (errors, hints, texts written to MiniCRM cards) in Romanian (default),
//! English and Hungarian. Static UI labels live in the extension's `_locales/`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ro,
    En,
    Hu,
}

impl Lang {
    /// From a browser language tag (`ro`, `en-US`, `hu-HU`); anything else is Romanian.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "en" => Lang::En,
            "hu" => Lang::Hu,
            _ => Lang::Ro,
        }
    }

    /// Picks the text for this language.
    pub fn pick(self, ro: impl Into<String>, en: impl Into<String>, hu: impl Into<String>) -> String {
        match self {
            Lang::Ro => ro.into(),
            Lang::En => en.into(),
            Lang::Hu => hu.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("hu"), Lang::Hu);
        assert_eq!(Lang::from_tag("ro-RO"), Lang::Ro);
        assert_eq!(Lang::from_tag("de"), Lang::Ro);
    }
}
