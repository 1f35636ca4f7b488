//! The core's texts in `locales/texts.json` and their call sites in `src/` agree: every
//! `lang.fill(Text::Key, &[("name", …), …])` passes exactly the `{placeholders}` of its text,
//! every other use of a `Text::Key` is of a text without placeholders (it is shown as written),
//! and every text of the catalog's `core` section is used.
//!
//! The check reads `src/` as text. A fill's arguments are the `("name", …)` pairs of the array
//! literal right after its key; a `Text` passed around in a variable and filled elsewhere would
//! not be seen, so the core fills only texts it names at the call.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each core key and its placeholders.
fn catalog() -> BTreeMap<String, BTreeSet<String>> {
    let json = fs::read_to_string("locales/texts.json").expect("locales/texts.json");
    let catalog: serde_json::Value = serde_json::from_str(&json).expect("the catalog is JSON");
    let core = catalog["core"].as_object().expect("a core section");
    core.iter()
        .map(|(key, entry)| {
            (
                key.clone(),
                placeholders(entry["ro"].as_str().unwrap_or_default()),
            )
        })
        .collect()
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for part in text.split('{').skip(1) {
        if let Some((name, _)) = part.split_once('}') {
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                names.insert(name.to_string());
            }
        }
    }
    names
}

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("a source file");
            out.push((path.display().to_string(), text));
        }
    }
}

/// The text from `open` (an opening bracket) to its closing bracket, string literals skipped.
fn bracketed(src: &str, open: usize) -> &str {
    let bytes = src.as_bytes();
    let (mut depth, mut i, mut in_string) = (0usize, open, false);
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') | (false, b'"') => in_string = !in_string,
            (false, b'(' | b'[' | b'{') => depth += 1,
            (false, b')' | b']' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return &src[open..=i];
                }
            }
            _ => {}
        }
        i += 1;
    }
    &src[open..]
}

/// The names of the `("name", …)` pairs of a fill's argument array.
fn argument_names(args: &str) -> BTreeSet<String> {
    args.split("(\"")
        .skip(1)
        .filter_map(|part| part.split_once("\","))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Every use of a `Text::Key` in `src/`: (where, key, the names it is filled with, if filled).
fn uses() -> Vec<(String, String, Option<BTreeSet<String>>)> {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    let mut out = Vec::new();
    for (path, src) in &files {
        let mut at = 0;
        while let Some(found) = src[at..].find("Text::") {
            let start = at + found + "Text::".len();
            let key: String = src[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            at = start + key.len();
            if key.is_empty() || key == "ALL" || !key.starts_with(|c: char| c.is_ascii_uppercase()) {
                continue;
            }
            let before = src[..start - "Text::".len()].trim_end();
            let filled = before.ends_with(".fill(").then(|| {
                let array = src[at..]
                    .find('[')
                    .map(|i| bracketed(src, at + i))
                    .unwrap_or_default();
                argument_names(array)
            });
            let line = src[..start].lines().count();
            out.push((format!("{path}:{line}"), key, filled));
        }
    }
    out
}

#[test]
fn each_text_is_filled_with_its_placeholders() {
    let catalog = catalog();
    let mut wrong = Vec::new();
    for (place, key, filled) in uses() {
        let Some(wanted) = catalog.get(&key) else {
            wrong.push(format!("{place}: Text::{key} is not in the catalog"));
            continue;
        };
        let given = filled.unwrap_or_default();
        if &given != wanted {
            wrong.push(format!(
                "{place}: Text::{key} has {wanted:?}, the call passes {given:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_text_is_used() {
    let used: BTreeSet<String> = uses().into_iter().map(|(_, key, _)| key).collect();
    let unused: Vec<String> = catalog().into_keys().filter(|k| !used.contains(k)).collect();
    assert!(unused.is_empty(), "texts no code uses: {unused:?}");
}

#[test]
fn the_scanner_sees_fills_and_their_arguments() {
    let src = "x = lang.fill(Text::A, &[(\"line\", &l), (\"name\", &n.join(\", \"))]);";
    assert_eq!(
        bracketed(src, src.find('[').unwrap()),
        "[(\"line\", &l), (\"name\", &n.join(\", \"))]"
    );
    assert_eq!(
        argument_names("[(\"line\", &l), (\"name\", &n.join(\", \"))]"),
        BTreeSet::from(["line".to_string(), "name".to_string()])
    );
    assert_eq!(
        placeholders("{line} {a b} {} {name}}"),
        BTreeSet::from(["line".to_string(), "name".to_string()])
    );
}
