//! No function of the core crate (`src/`) is longer than `MAX_LINES` lines, counted from the line
//! of its `fn` to the line of its closing brace. Long functions hide their steps; this keeps
//! them split into named ones (issue #11).
//!
//! Test code is exempt: `#[cfg(test)] mod … { … }` blocks, files declared by `#[cfg(test)] mod …;`
//! and everything under `tests/`.
//!
//! The scanner is deliberately small: it blanks out comments (nested block comments too),
//! string literals (with escapes), byte strings, raw strings (`r#"…"#`, `br"…"`) and character
//! literals (telling them from lifetimes), then finds `fn name` items (free functions, methods
//! in `impl` and trait blocks, `async`/`const`/`unsafe`/`pub` ones, nested ones) and matches the
//! braces of their bodies. A declaration without a body (`fn f();` in a trait) is not measured.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 80;

/// A function found by the scanner.
#[derive(Debug, PartialEq)]
struct Function {
    name: String,
    /// 1-based line of `fn`.
    line: usize,
    /// Lines from `fn` to the closing brace, both included.
    lines: usize,
}

/// The source with every comment, string and character literal replaced by spaces (newlines
/// kept, so line numbers stay), leaving only code for the brace matching.
fn blank(src: &str) -> String {
    let s: Vec<char> = src.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    let mut i = 0;
    let ident = |k: usize| k > 0 && (s[k - 1].is_alphanumeric() || s[k - 1] == '_');
    while i < s.len() {
        let start = i;
        let at = |k: usize, text: &str| text.chars().enumerate().all(|(j, c)| s.get(k + j) == Some(&c));
        if at(i, "//") {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            loop {
                if i >= s.len() {
                    break;
                } else if at(i, "/*") {
                    depth += 1;
                    i += 2;
                } else if at(i, "*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&s, i).filter(|_| !ident(i)) {
            // r"…", r#"…"#, br"…": no escapes; ends at a quote followed by as many hashes.
            i = s[i..]
                .iter()
                .position(|c| *c == '"')
                .map_or(s.len(), |p| i + p + 1);
            while i < s.len() && !(s[i] == '"' && (1..=hashes).all(|h| s.get(i + h) == Some(&'#'))) {
                i += 1;
            }
            i = (i + 1 + hashes).min(s.len());
        } else if s[i] == '"' || (at(i, "b\"") && !ident(i)) {
            i += if s[i] == 'b' { 2 } else { 1 };
            while i < s.len() && s[i] != '"' {
                i += if s[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(s.len());
        } else if s[i] == '\'' || (at(i, "b'") && !ident(i)) {
            let q = if s[i] == 'b' { i + 1 } else { i };
            match char_literal_end(&s, q) {
                Some(end) => i = end,
                // A lifetime or a label: code.
                None => {
                    out.push(s[i]);
                    i += 1;
                    continue;
                }
            }
        } else {
            out.push(s[i]);
            i += 1;
            continue;
        }
        out.extend(
            s[start..i.min(s.len())]
                .iter()
                .map(|c| if *c == '\n' { '\n' } else { ' ' }),
        );
    }
    out.into_iter().collect()
}

/// At `r"`, `r#…#"`, `br"` or `br#…#"`: the number of hashes.
fn raw_string_start(s: &[char], i: usize) -> Option<usize> {
    let mut k = i;
    if s.get(k) == Some(&'b') {
        k += 1;
    }
    if s.get(k) != Some(&'r') {
        return None;
    }
    k += 1;
    let hashes = s[k..].iter().take_while(|c| **c == '#').count();
    (s.get(k + hashes) == Some(&'"')).then_some(hashes)
}

/// At the opening quote `q`: the index after a character literal (`'a'`, `'\n'`, `'\u{1F600}'`,
/// `'\''`), or `None` for a lifetime or a label (`'a`, `'outer:`).
fn char_literal_end(s: &[char], q: usize) -> Option<usize> {
    match s.get(q + 1)? {
        '\\' => {
            let close = s[q + 3..].iter().position(|c| *c == '\'')?;
            Some(q + 3 + close + 1)
        }
        _ => (s.get(q + 2) == Some(&'\'')).then_some(q + 3),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every function with a body in `src` (blanked by the caller or not: it blanks itself), except
/// those inside `#[cfg(test)] mod … { … }`.
fn functions(src: &str) -> Vec<Function> {
    let code: Vec<char> = blank(src).chars().collect();
    let line_of = |k: usize| code[..k].iter().filter(|c| **c == '\n').count() + 1;
    let exempt = test_modules(&code);
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < code.len() {
        let is_fn = code[i] == 'f'
            && code[i + 1] == 'n'
            && code[i + 2].is_whitespace()
            && (i == 0 || !is_ident(code[i - 1]));
        if !is_fn || exempt.iter().any(|(a, b)| (*a..=*b).contains(&i)) {
            i += 1;
            continue;
        }
        let mut k = i + 2;
        while k < code.len() && code[k].is_whitespace() {
            k += 1;
        }
        let name: String = code[k..].iter().take_while(|c| is_ident(**c)).collect();
        if name.is_empty() {
            i += 1;
            continue;
        }
        // The body is the first `{` outside parentheses and brackets; a `;` there first means none.
        let mut depth = 0i32;
        let mut open = None;
        while k < code.len() {
            match code[k] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' if depth == 0 => {
                    open = Some(k);
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        if let Some(close) = open.and_then(|o| matching_brace(&code, o)) {
            let (first, last) = (line_of(i), line_of(close));
            found.push(Function {
                name,
                line: first,
                lines: last - first + 1,
            });
        }
        i += 2;
    }
    found
}

/// The index of the `}` that closes the `{` at `open`.
fn matching_brace(code: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in code.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The spans (open and close brace) of the `#[cfg(test)] mod … { … }` blocks of blanked code.
fn test_modules(code: &[char]) -> Vec<(usize, usize)> {
    let text: String = code.iter().collect();
    let mut spans = Vec::new();
    for (byte, _) in text.match_indices("#[cfg(test)]") {
        let k = text[..byte].chars().count() + "#[cfg(test)]".len();
        let rest: String = code[k..].iter().take(200).collect();
        let after = rest.trim_start();
        let after = after.strip_prefix("pub ").unwrap_or(after).trim_start();
        if !after.starts_with("mod ") {
            continue;
        }
        let Some(open) = code[k..]
            .iter()
            .position(|c| *c == '{' || *c == ';')
            .map(|p| k + p)
        else {
            continue;
        };
        if code[open] == '{' {
            if let Some(close) = matching_brace(code, open) {
                spans.push((open, close));
            }
        }
    }
    spans
}

/// The files declared by `#[cfg(test)] mod name;` in `file` (test-only modules of their own).
fn test_module_files(file: &Path, src: &str) -> Vec<PathBuf> {
    let code = blank(src);
    let dir = match file.file_name().and_then(|n| n.to_str()) {
        Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().map(Path::to_path_buf),
        _ => file
            .parent()
            .map(|p| p.join(file.file_stem().unwrap_or_default())),
    }
    .unwrap_or_default();
    let mut files = Vec::new();
    for (byte, _) in code.match_indices("#[cfg(test)]") {
        let after = code[byte + "#[cfg(test)]".len()..].trim_start();
        let Some(decl) = after.strip_prefix("mod ") else {
            continue;
        };
        let name: String = decl.trim_start().chars().take_while(|c| is_ident(*c)).collect();
        if decl.trim_start()[name.len()..].trim_start().starts_with(';') {
            files.push(dir.join(format!("{name}.rs")));
            files.push(dir.join(&name).join("mod.rs"));
        }
    }
    files
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `file:line name (N lines)` for every function of `src/` over the limit.
fn too_long(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let sources: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
            (f, text)
        })
        .collect();
    let test_only: HashSet<PathBuf> = sources
        .iter()
        .flat_map(|(f, s)| test_module_files(f, s))
        .collect();
    let mut long = Vec::new();
    for (file, src) in &sources {
        if test_only.contains(file) {
            continue;
        }
        let shown = file.strip_prefix(root).unwrap_or(file).display().to_string();
        for f in functions(src).into_iter().filter(|f| f.lines > MAX_LINES) {
            long.push(format!("{shown}:{} fn {} ({} lines)", f.line, f.name, f.lines));
        }
    }
    long
}

#[test]
fn no_function_in_src_is_over_the_limit() {
    let long = too_long(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        long.is_empty(),
        "functions longer than {MAX_LINES} lines (split them into named steps):\n{}",
        long.join("\n")
    );
}

/// A function of `body` lines between its `fn` line and its closing brace.
fn sample(name: &str, body: usize) -> String {
    let mut s = format!("pub async fn {name}(x: &str) -> Result<(), String> {{\n");
    for k in 0..body {
        s.push_str(&format!("    let _v{k} = 1;\n"));
    }
    s.push_str("}\n");
    s
}

#[test]
fn the_scanner_measures_from_fn_to_the_closing_brace() {
    let src = format!(
        "// header\n\n{}{}",
        sample("short", 3),
        sample("long", MAX_LINES - 1)
    );
    let found = functions(&src);
    assert_eq!(
        found,
        vec![
            Function {
                name: "short".into(),
                line: 3,
                lines: 5
            },
            Function {
                name: "long".into(),
                line: 8,
                lines: MAX_LINES + 1
            },
        ]
    );
}

#[test]
fn a_long_function_is_reported_with_its_file_and_line() {
    let dir = std::env::temp_dir().join(format!("function_size_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src/inner")).expect("a temporary directory");
    std::fs::write(dir.join("src/lib.rs"), sample("fits", MAX_LINES - 2)).expect("written");
    let long = format!("impl X {{\n{}}}\n", sample("grown", MAX_LINES - 1));
    std::fs::write(dir.join("src/inner/mod.rs"), long).expect("written");
    let reported = too_long(&dir);
    std::fs::remove_dir_all(&dir).ok();
    let expected = format!("src/inner/mod.rs:2 fn grown ({} lines)", MAX_LINES + 1);
    assert_eq!(
        reported,
        vec![expected.replace('/', std::path::MAIN_SEPARATOR_STR)]
    );
}

#[test]
fn braces_in_strings_chars_and_comments_do_not_count() {
    let src = r####"
fn tricky<'a>(s: &'a str) -> char {
    let _ = "}}} \" }";
    let _ = r#"}} "quoted" }"#;
    let _ = br##"}"#}"##;
    let _ = b"}\"}";
    let _ = ('}', '\'', '\u{7d}', b'}');
    // }}}
    /* } /* nested } */ } */
    'outer: loop {
        break 'outer;
    }
    '{'
}
trait T {
    fn declared(&self) -> [u8; 2];
    fn with_default(&self) {}
}
fn after() {}
"####;
    let found: Vec<(String, usize, usize)> = functions(src)
        .into_iter()
        .map(|f| (f.name, f.line, f.lines))
        .collect();
    assert_eq!(
        found,
        vec![
            ("tricky".to_string(), 2, 13),
            ("with_default".to_string(), 17, 1),
            ("after".to_string(), 19, 1),
        ]
    );
}

#[test]
fn test_modules_are_exempt() {
    let src = format!(
        "{}#[cfg(test)]\nmod tests {{\n    use super::*;\n{}}}\n",
        sample("kept", 1),
        sample("a_long_test", MAX_LINES + 5)
    );
    let names: Vec<String> = functions(&src).into_iter().map(|f| f.name).collect();
    assert_eq!(names, vec!["kept".to_string()]);
    let files = test_module_files(
        Path::new("src/team/mod.rs"),
        "#[cfg(test)]\nmod forwarding_tests;\n",
    );
    assert!(files.contains(&Path::new("src/team").join("forwarding_tests.rs")));
}
