//! The core's own messages (errors, hints, texts written to MiniCRM cards) in Romanian (default),
//! English and Hungarian. Every translated text, the core's and the extension pages', is written
//! once in `locales/texts.json`: build.rs compiles its `core` section into [`Text`] and the table
//! below; `scripts/locales.mjs` writes its `pages` section to the extension's `_locales/`.

use std::fmt::{Display, Write as _};

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

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

    /// A text of the catalog in this language, as it is written there.
    pub fn text(self, text: Text) -> &'static str {
        TEXTS[text as usize][self as usize]
    }

    /// A text of the catalog in this language with its `{name}` placeholders filled from `args`.
    pub fn fill(self, text: Text, args: &[(&str, &dyn Display)]) -> String {
        fill(self.text(text), args)
    }
}

/// `template` with each `{name}` replaced by the value of `name` in `args`. A placeholder without
/// an argument stays as it is written (visible, never a panic); other braces are plain text.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16 * args.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            args.iter()
                .find(|(name, _)| *name == &after[..close])
                .map(|(_, v)| (close, v))
        });
        match value {
            Some((close, v)) => {
                let _ = write!(out, "{v}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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

    #[test]
    fn fill_substitutes_named_placeholders() {
        let args: [(&str, &dyn Display); 2] = [("line", &3), ("name", &"Cafea")];
        assert_eq!(
            fill("Linia {line} („{name}”), {line}.", &args),
            "Linia 3 („Cafea”), 3."
        );
        assert_eq!(fill("{name}{line}", &args), "Cafea3");
    }

    #[test]
    fn fill_leaves_what_it_cannot_fill() {
        let args: [(&str, &dyn Display); 1] = [("a", &1)];
        assert_eq!(fill("{b} and {a}", &args), "{b} and 1");
        assert_eq!(fill("{ {} {a", &args), "{ {} {a");
        assert_eq!(fill("", &args), "");
        assert_eq!(fill("{a}", &[]), "{a}");
    }

    #[test]
    fn each_text_in_each_language() {
        assert_eq!(Lang::Ro.text(Text::JobPhaseDone), "Import încheiat");
        assert_eq!(Lang::En.text(Text::JobPhaseDone), "Import finished");
        assert_eq!(
            Lang::En.fill(Text::InvoiceBadLine, &[("line", &2), ("name", &"Cafea")]),
            "Line 2 (\"Cafea\") has no valid quantity or price."
        );
        for text in Text::ALL {
            for lang in [Lang::Ro, Lang::En, Lang::Hu] {
                assert!(!lang.text(text).is_empty(), "{text:?} {lang:?}");
            }
        }
    }
}
