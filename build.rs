//! Generates the core's texts from the one catalog of translated text, `locales/texts.json`
//! (its `core` section; the `pages` section is written to the extension's `_locales/` by
//! `scripts/locales.mjs`). The output, `$OUT_DIR/texts.rs`, is included by `src/i18n.rs`: one
//! constant `Text::Key` per key, holding its Romanian, English and Hungarian texts. In the
//! service worker's vendor modules (`cfg(vendor_worker)`) it holds only the key:
//! `scripts/locales.mjs` writes the core's texts to `_locales/` too (`coreRo_Key` in Romanian,
//! `core_Key` in each file's language), and those modules read them with `chrome.i18n`
//! (`src/i18n.rs`).
//! Each text is its own constant, not a row of one table, so a WASM module links only the texts
//! its code uses (the import page's module needs few of the service worker's). The build stops
//! with a message naming the entry when a text is missing a language or when the languages of
//! one entry do not have the same `{placeholders}`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

use serde_json::{Map, Value};

const CATALOG: &str = "locales/texts.json";
const LANGS: [&str; 3] = ["ro", "en", "hu"];

/// `cfg(vendor_worker)`: a service-worker module that calls the vendors (the full core, feature
/// `sw`; the import job's module, `importjob`; the setup module, `setup`; the jobs' module,
/// `jobs`; the tick module, `tick`), built for wasm32. Such
/// modules have the `wasm.rs` surface and keep the rate governors' state in the worker's shared
/// cells (`jobs::governor`), so the set is named once, here.
///
/// `cfg(setup_elsewhere)`: such a module other than the setup module. The first module sends the
/// setup commands to that one, so this module reads their settings input past, without linking
/// the input's readers and the merge (`command::SettingsInput`).
///
/// `cfg(jobs_elsewhere)`: such a module other than the jobs' module (feature `jobs`), which runs
/// the payment refresh and the stock sync; the full core's tick only says when they are due.
fn worker_cfg() {
    println!("cargo::rustc-check-cfg=cfg(vendor_worker)");
    println!("cargo::rustc-check-cfg=cfg(setup_elsewhere)");
    println!("cargo::rustc-check-cfg=cfg(jobs_elsewhere)");
    let wasm = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let feature = |name: &str| env::var_os(format!("CARGO_FEATURE_{name}")).is_some();
    if wasm
        && ["SW", "IMPORTJOB", "SETUP", "JOBS", "TICK"]
            .iter()
            .any(|name| feature(name))
    {
        println!("cargo::rustc-cfg=vendor_worker");
        if !feature("SETUP") {
            println!("cargo::rustc-cfg=setup_elsewhere");
        }
        if !feature("JOBS") {
            println!("cargo::rustc-cfg=jobs_elsewhere");
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed={CATALOG}");
    println!("cargo:rerun-if-changed=build.rs");
    worker_cfg();
    let code = match generate() {
        Ok(code) => code,
        Err(why) => {
            eprintln!("error: {CATALOG}: {why}");
            std::process::exit(1);
        }
    };
    let out = env::var("OUT_DIR").map(|dir| Path::new(&dir).join("texts.rs"));
    match out
        .map_err(|e| e.to_string())
        .and_then(|p| fs::write(&p, code).map_err(|e| format!("{}: {e}", p.display())))
    {
        Ok(()) => {}
        Err(why) => {
            eprintln!("error: writing the generated texts: {why}");
            std::process::exit(1);
        }
    }
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                names.insert(name);
                rest = &rest[close + 1..];
            }
        }
    }
    names
}

/// The three texts of one entry, checked.
fn entry<'a>(key: &str, value: &'a Value) -> Result<[&'a str; 3], String> {
    let first = key.chars().next().unwrap_or('_');
    if !first.is_ascii_uppercase() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "core.{key}: a core key is a Rust name in CamelCase (A-Z, a-z, 0-9)"
        ));
    }
    let text = |lang: &str| {
        value
            .get(lang)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("core.{key} has no \"{lang}\" text"))
    };
    let texts = [text(LANGS[0])?, text(LANGS[1])?, text(LANGS[2])?];
    let ro = placeholders(texts[0]);
    for (lang, t) in LANGS.iter().zip(texts).skip(1) {
        let other = placeholders(t);
        if other != ro {
            return Err(format!(
                "core.{key}: the placeholders differ between languages (ro: {ro:?}, {lang}: {other:?})"
            ));
        }
    }
    Ok(texts)
}

fn generate() -> Result<String, String> {
    let json = fs::read_to_string(CATALOG).map_err(|e| format!("cannot read it: {e}"))?;
    let catalog: Value = serde_json::from_str(&json).map_err(|e| format!("not valid JSON: {e}"))?;
    let core: &Map<String, Value> = catalog
        .get("core")
        .and_then(Value::as_object)
        .ok_or("no \"core\" section (an object of texts)")?;
    let mut consts = String::new();
    let mut keys = String::new();
    for (key, value) in core {
        let [ro, en, hu] = entry(key, value)?;
        let _ = writeln!(
            consts,
            "    #[cfg(not(vendor_worker))]\n    pub const {key}: Text = Text(&[{ro:?}, {en:?}, {hu:?}]);\n    \
             #[cfg(vendor_worker)]\n    pub const {key}: Text = Text {{ key: \"{key}\" }};"
        );
        let _ = writeln!(keys, "        Text::{key},");
    }
    let n = core.len();
    Ok(format!(
        "#[allow(non_upper_case_globals)]\n\
         impl Text {{\n{consts}\n    /// Every text, in the catalog's order.\n    #[cfg(test)]\n    pub const ALL: [Text; {n}] = [\n{keys}    ];\n}}\n"
    ))
}
