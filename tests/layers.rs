//! The crate's top-level modules form layers. A module may use modules of its own layer or of a
//! lower one, never a higher one, and within one layer the uses form no cycle. So the modules can
//! be read (and changed) bottom-up: nothing below a module depends on it.
//!
//! The check reads `src/` as text: every `crate::name` path and every `use crate::{a, b::c}`
//! group names a top-level module. Comments (doc comments included), string and char literals and
//! items gated by `#[cfg(test)]` (unit tests, and the `*_tests.rs` files they include) are not
//! counted: tests may use anything. `lib.rs`, the root that declares the modules, is above them
//! all.
//!
//! What a text check cannot see: a method that a higher module adds to a lower type (`api` adds
//! `App::handle` to `app::App`). Calling one from below would be an upward use the compiler
//! allows; such methods are entry points, called only from the top (`wasm`, the server, tests).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Every top-level module of `src/` and its layer, bottom (1) to top. A new module must be placed
/// here.
const LAYERS: &[(&str, u32)] = &[
    // Leaves: the platform's I/O and pure helpers.
    ("platform", 1),
    ("i18n", 1),
    ("text", 1),
    ("money", 1),
    ("cif", 1),
    ("url", 1),
    ("document", 1),
    ("tagged", 1),
    // The error type and its person-facing view.
    ("error", 2),
    // Rate governors, locks, the job schedule.
    ("jobs", 3),
    // The vendors' API clients and types.
    ("smartbill", 4),
    ("minicrm", 4),
    // Pure decisions over the vendors' types, and the stored settings.
    ("card", 5),
    ("fields", 5),
    ("invoice", 5),
    ("settings", 5),
    ("schedule", 5),
    ("team", 5),
    // The context every workflow runs in, and the replies of the settings' commands.
    ("app", 6),
    ("reply", 6),
    // Workflows.
    ("emission", 7),
    ("sync", 8),
    ("import", 8),
    ("checklist", 8),
    ("team_mode", 8),
    // The message protocol: it carries the workflows' own typed messages (the import page's
    // actions), and team mode reads it.
    ("command", 8),
    // Entry points: the command dispatcher and the WASM surfaces.
    ("api", 9),
    // The options page's setup commands, which the dispatcher runs (in the worker, a module of
    // their own).
    ("setup", 9),
    ("wasm", 9),
    // The worker's first module: a few commands answered by the dispatcher's own functions.
    ("front", 9),
    ("wasm_front", 9),
];

/// One reference from a file to a top-level module.
#[derive(Debug, PartialEq)]
struct Reference {
    line: usize,
    module: String,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The source with comments and the contents of string and char literals replaced by spaces.
/// Line breaks stay, so line numbers stay.
fn blank_comments_and_literals(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
        } else if c == 'r' && !prev_ident && matches!(next, Some('"' | '#')) {
            // A raw string r"…" or r#"…"# (also br"…": the b is an identifier char before it).
            let mut hashes = 0;
            while s.get(i + 1 + hashes) == Some(&'#') {
                hashes += 1;
            }
            if s.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('r');
            out.extend(std::iter::repeat_n('#', hashes));
            out.push('"');
            i += 2 + hashes;
            while i < s.len() {
                if s[i] == '"' && (0..hashes).all(|k| s.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                blank(&mut out, s[i]);
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    blank(&mut out, s[i]);
                    i += 1;
                }
                if i < s.len() {
                    blank(&mut out, s[i]);
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && (next == Some('\\') || s.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\''); a lifetime ('a) has no closing quote.
            out.push('\'');
            i += 1;
            if s[i] == '\\' {
                out.push(' ');
                i += 1;
            }
            while i < s.len() && s[i] != '\'' {
                blank(&mut out, s[i]);
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The index just past the bracket that closes the one at `open`.
fn matching(s: &[char], open: usize) -> usize {
    let (o, c) = (s[open], if s[open] == '{' { '}' } else { ']' });
    let mut depth = 0;
    for (k, &ch) in s.iter().enumerate().skip(open) {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth == 0 {
                return k + 1;
            }
        }
    }
    s.len()
}

fn skip_space(s: &[char], mut i: usize) -> usize {
    while i < s.len() && s[i].is_whitespace() {
        i += 1;
    }
    i
}

/// Blanks every item gated by `#[cfg(test)]` (a `mod tests { … }`, a `mod x_tests;`, a test-only
/// `use` or function). Expects text without comments and literals.
fn blank_test_items(src: &str) -> String {
    const GATE: &str = "#[cfg(test)]";
    let mut s: Vec<char> = src.chars().collect();
    let gate: Vec<char> = GATE.chars().collect();
    let mut i = 0;
    while i + gate.len() <= s.len() {
        if s[i..i + gate.len()] != gate[..] {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = skip_space(&s, i + gate.len());
        // Further attributes of the same item.
        while s.get(j) == Some(&'#') && s.get(j + 1) == Some(&'[') {
            j = skip_space(&s, matching(&s, j + 1));
        }
        // The item ends at a `;` outside braces, or at the brace that closes its body.
        let mut end = s.len();
        let mut k = j;
        while k < s.len() {
            match s[k] {
                ';' => {
                    end = k + 1;
                    break;
                }
                '{' => {
                    let after = matching(&s, k);
                    let next = skip_space(&s, after);
                    end = if s.get(next) == Some(&';') {
                        next + 1
                    } else {
                        after
                    };
                    break;
                }
                _ => k += 1,
            }
        }
        for ch in &mut s[start..end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        i = end;
    }
    s.into_iter().collect()
}

fn ident_at(s: &[char], i: usize) -> (String, usize) {
    let mut j = i;
    while j < s.len() && is_ident(s[j]) {
        j += 1;
    }
    (s[i..j].iter().collect(), j)
}

/// The first path segment of each element of a `{a, b::c, …}` group at `open`.
fn group_heads(s: &[char], open: usize) -> Vec<(String, usize)> {
    let close = matching(s, open) - 1;
    let mut heads = Vec::new();
    let mut k = open + 1;
    let mut depth = 0;
    let mut at_element_start = true;
    while k < close {
        let ch = s[k];
        if ch == '{' {
            depth += 1;
        } else if ch == '}' {
            depth -= 1;
        } else if ch == ',' && depth == 0 {
            at_element_start = true;
        } else if at_element_start && is_ident(ch) {
            let (name, end) = ident_at(s, k);
            heads.push((name, k));
            at_element_start = false;
            k = end;
            continue;
        } else if !ch.is_whitespace() {
            at_element_start = false;
        }
        k += 1;
    }
    heads
}

/// The top-level modules `src` (the text of a file at `depth` below the crate root: 1 for
/// `src/foo.rs` and `src/foo/mod.rs`, 2 for `src/foo/bar.rs`) refers to.
fn references(src: &str, depth: usize) -> Vec<Reference> {
    let text = blank_test_items(&blank_comments_and_literals(src));
    let s: Vec<char> = text.chars().collect();
    let line_of = |i: usize| s[..i].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if !is_ident(s[i]) || (i > 0 && is_ident(s[i - 1])) {
            i += 1;
            continue;
        }
        let (word, mut j) = ident_at(&s, i);
        // `crate::` or, from a file `depth` below the root, `super::` that many times.
        let at_root = match word.as_str() {
            "crate" => true,
            "super" => {
                let mut supers = 1;
                loop {
                    let k = skip_space(&s, j);
                    if s.get(k) == Some(&':') && s.get(k + 1) == Some(&':') {
                        let k = skip_space(&s, k + 2);
                        if ident_at(&s, k).0 == "super" {
                            supers += 1;
                            j = ident_at(&s, k).1;
                            continue;
                        }
                    }
                    break;
                }
                supers >= depth
            }
            _ => false,
        };
        if !at_root {
            i = j;
            continue;
        }
        let k = skip_space(&s, j);
        if s.get(k) != Some(&':') || s.get(k + 1) != Some(&':') {
            i = j;
            continue;
        }
        let k = skip_space(&s, k + 2);
        let heads = if s.get(k) == Some(&'{') {
            group_heads(&s, k)
        } else if k < s.len() && is_ident(s[k]) {
            vec![(ident_at(&s, k).0, k)]
        } else {
            Vec::new()
        };
        for (name, at) in heads {
            if name != "self" {
                found.push(Reference {
                    line: line_of(at),
                    module: name,
                });
            }
        }
        i = k;
    }
    found
}

/// A source file: its path as shown (`src/emission/issue.rs`), its top-level module, its depth
/// below the crate root, and its text.
struct SourceFile {
    path: String,
    module: String,
    depth: usize,
    text: String,
}

fn collect(dir: &Path, rel: &str, files: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
            .to_string();
        let shown = format!("{rel}/{name}");
        if path.is_dir() {
            collect(&path, &shown, files);
            continue;
        }
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        // Unit tests kept in their own file, included only under #[cfg(test)].
        if stem.ends_with("_tests") {
            continue;
        }
        let parts: Vec<&str> = shown.split('/').skip(1).collect();
        if parts == ["lib.rs"] {
            continue; // the crate root declares the modules
        }
        let module = parts[0].trim_end_matches(".rs").to_string();
        let depth = parts.len() - usize::from(stem == "mod");
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{shown}: {e}"));
        files.push(SourceFile {
            path: shown,
            module,
            depth,
            text,
        });
    }
}

fn source_files() -> Vec<SourceFile> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, "src", &mut files);
    files
}

/// A use of another top-level module, with where it is.
struct Edge {
    from: String,
    to: String,
    at: String,
}

/// The uses between top-level modules, and the problems with the table: modules not in it, stale
/// entries, and references to names that are no module of `src/`.
fn edges(files: &[SourceFile], layers: &BTreeMap<&str, u32>) -> (Vec<Edge>, Vec<String>) {
    let mut problems = Vec::new();
    let modules: BTreeSet<&str> = files.iter().map(|f| f.module.as_str()).collect();
    for m in &modules {
        if !layers.contains_key(m) {
            problems.push(format!(
                "module {m} is not in the layer table (tests/layers.rs): place it"
            ));
        }
    }
    for m in layers.keys() {
        if !modules.contains(m) {
            problems.push(format!("the layer table names {m}, which is no module of src/"));
        }
    }
    let mut edges = Vec::new();
    for f in files.iter().filter(|f| layers.contains_key(f.module.as_str())) {
        for r in references(&f.text, f.depth) {
            let at = format!("{}:{}", f.path, r.line);
            if r.module == f.module {
                continue;
            }
            if !layers.contains_key(r.module.as_str()) {
                // A module of src/ missing from the table is reported once, above.
                if !modules.contains(r.module.as_str()) {
                    problems.push(format!(
                        "{at}: module {} uses crate::{}, which is no module of src/",
                        f.module, r.module
                    ));
                }
                continue;
            }
            edges.push(Edge {
                from: f.module.clone(),
                to: r.module,
                at,
            });
        }
    }
    (edges, problems)
}

/// Every use of a module of a higher layer.
fn upward(edges: &[Edge], layers: &BTreeMap<&str, u32>) -> Vec<String> {
    edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (layers[e.from.as_str()], layers[e.to.as_str()]);
            (to > from).then(|| {
                format!(
                    "{}: module {} (layer {from}) uses {} (layer {to})",
                    e.at, e.from, e.to
                )
            })
        })
        .collect()
}

/// The cycles among modules of one layer, each as its modules and the uses that close it.
fn cycles_within_layers(edges: &[Edge], layers: &BTreeMap<&str, u32>) -> Vec<String> {
    let mut graph: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for e in edges {
        if layers[e.from.as_str()] == layers[e.to.as_str()] {
            graph.entry(&e.from).or_default().entry(&e.to).or_insert(&e.at);
        }
    }
    // Modules that reach themselves, grouped by the set they reach each other through.
    let reach = |start: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(m) = todo.pop() {
            for &n in graph
                .get(m)
                .map(|g| g.keys().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                if seen.insert(n) {
                    todo.push(n);
                }
            }
        }
        seen
    };
    let mut reported = BTreeSet::new();
    let mut problems = Vec::new();
    for &m in graph.keys() {
        let from_m = reach(m);
        if !from_m.contains(m) || reported.contains(m) {
            continue;
        }
        let cycle: BTreeSet<&str> = from_m.iter().copied().filter(|&n| reach(n).contains(m)).collect();
        let uses: Vec<String> = cycle
            .iter()
            .flat_map(|&a| {
                graph[a]
                    .iter()
                    .filter(|(b, _)| cycle.contains(*b))
                    .map(move |(b, at)| format!("{a} -> {b} ({at})"))
            })
            .collect();
        problems.push(format!(
            "cycle in layer {}: {} [{}]",
            layers[m],
            cycle.iter().copied().collect::<Vec<_>>().join(", "),
            uses.join("; ")
        ));
        reported.extend(cycle);
    }
    problems
}

fn table() -> BTreeMap<&'static str, u32> {
    let mut map = BTreeMap::new();
    for &(m, layer) in LAYERS {
        assert!(map.insert(m, layer).is_none(), "{m} is twice in the layer table");
    }
    map
}

#[test]
fn modules_use_only_their_layer_or_below() {
    let layers = table();
    let (edges, mut problems) = edges(&source_files(), &layers);
    problems.extend(upward(&edges, &layers));
    assert!(
        problems.is_empty(),
        "{} layering problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn no_cycle_within_a_layer() {
    let layers = table();
    let (edges, _) = edges(&source_files(), &layers);
    let cycles = cycles_within_layers(&edges, &layers);
    assert!(cycles.is_empty(), "{}", cycles.join("\n"));
}

// The check itself, on made-up sources.

fn file(path: &str, text: &str) -> SourceFile {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    SourceFile {
        path: path.to_string(),
        module: parts[0].trim_end_matches(".rs").to_string(),
        depth: parts.len() - usize::from(path.ends_with("/mod.rs")),
        text: text.to_string(),
    }
}

#[test]
fn finds_paths_and_groups_but_not_comments_literals_or_tests() {
    let src = r##"//! Uses crate::doc_inner.
/// See crate::doc_outer.
use crate::a::B;
use crate::{c, d::{E, F}, self};
fn f() -> char {
    let _ = "crate::in_string \" crate::escaped";
    let _ = r#"crate::raw "quoted""#;
    let q = '"'; let _: &'static str = ""; /* crate::block /* nested */ crate::still */
    crate::b::g(q)
}
#[cfg(test)]
mod tests {
    use crate::in_tests;
}
#[cfg(test)]
mod more_tests;
struct S<'a>(&'a str, super::h::I);
"##;
    let found: Vec<(usize, String)> = references(src, 1)
        .into_iter()
        .map(|r| (r.line, r.module))
        .collect();
    let expected = [(3, "a"), (4, "c"), (4, "d"), (9, "b"), (17, "h")];
    assert_eq!(found, expected.map(|(l, m)| (l, m.to_string())));
    // One level further down, `super` is the parent module, not the crate root.
    assert!(references("use super::x;", 2).is_empty());
    assert_eq!(references("use super::super::x;", 2)[0].module, "x");
}

#[test]
fn reports_an_upward_use_a_cycle_and_a_missing_module() {
    let layers: BTreeMap<&str, u32> = [("low", 1), ("high", 2), ("twin", 2)].into_iter().collect();
    let files = [
        file("src/low.rs", "\n\nuse crate::high::Thing;\n"),
        file("src/high/mod.rs", "use crate::{low, twin::X};\n"),
        file("src/twin.rs", "fn f() { crate::high::g() }\n"),
        file("src/new.rs", "use crate::low;\n"),
        file("src/low/extra.rs", "use super::super::{gone, low};\n"),
    ];
    let (edges, problems) = edges(&files, &layers);
    assert_eq!(
        problems,
        [
            "module new is not in the layer table (tests/layers.rs): place it",
            "src/low/extra.rs:1: module low uses crate::gone, which is no module of src/",
        ]
    );
    assert_eq!(
        upward(&edges, &layers),
        ["src/low.rs:3: module low (layer 1) uses high (layer 2)"]
    );
    assert_eq!(
        cycles_within_layers(&edges, &layers),
        ["cycle in layer 2: high, twin [high -> twin (src/high/mod.rs:1); twin -> high (src/twin.rs:1)]"]
    );
}
