//! A fast reader for the one format that matters here: `.xlsx` files written by export engines
//! (SmartBill's client list). calamine's general XML parsing reads a 100,000-row sheet at about
//! 30 MB/s; the parts of SpreadsheetML a client list uses (`<row>`, `<c>` with `<v>`/`<is>`/`<f>`,
//! shared strings, date styles, `<mergeCell>`) are simple enough to scan byte by byte at memory
//! speed. Anything this reader does not expect makes it step aside (`None`), and calamine reads
//! the file instead; `.xls`, `.ods` and `.xlsb` always go to calamine.
//!
//! The differential test in `tests/import_file.rs` reads every test workbook both ways.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use memchr::memmem;

use super::grid::{Cell, Sheet, Workbook};
use super::xlsx::put;
use crate::error::import::ImportError;

/// Reads the workbook, or `None` when the file has something this reader does not handle.
pub fn read(bytes: &[u8]) -> Option<Result<Workbook, ImportError>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let workbook = text_entry(&mut zip, "xl/workbook.xml")?;
    let rels = text_entry(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let date1904 = workbook.contains("date1904=\"1\"") || workbook.contains("date1904=\"true\"");
    let targets = relationships(&rels);
    let has = |zip: &zip::ZipArchive<Cursor<&[u8]>>, name: &str| zip.index_for_name(name).is_some();
    let shared = if has(&zip, "xl/sharedStrings.xml") {
        shared_strings(&entry(&mut zip, "xl/sharedStrings.xml")?)?
    } else {
        Vec::new()
    };
    let date_styles = if has(&zip, "xl/styles.xml") {
        date_styles(&text_entry(&mut zip, "xl/styles.xml")?)
    } else {
        Vec::new()
    };
    let mut sheets = Vec::new();
    for tag in tags(&workbook, "<sheet ") {
        let name = unescape(attr(tag, "name")?);
        let rid = attr(tag, "r:id")?;
        let target = targets.get(rid)?;
        let path = if let Some(abs) = target.strip_prefix('/') {
            abs.to_string()
        } else {
            format!("xl/{target}")
        };
        let file = zip.by_name(&path).ok()?;
        let declared = file.size();
        let mut parser = SheetParser::new(&shared, &date_styles, date1904);
        if let Err(e) = read_sheet(file, declared, &mut parser)? {
            return Some(Err(e));
        }
        let mut sheet = parser.finish()?;
        sheet.name = name;
        sheets.push(sheet);
    }
    if sheets.is_empty() {
        return None;
    }
    Some(Ok(Workbook { sheets }))
}

fn entry<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Vec<u8>> {
    let mut file = zip.by_name(name).ok()?;
    // The declared sizes were checked against the zip-bomb limits before (`xlsx::check_zip`);
    // a lying entry stops at the declared size plus one byte and is refused.
    let declared = file.size();
    let mut out = Vec::with_capacity(declared.min(512 * 1024 * 1024) as usize);
    (&mut file).take(declared + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 == declared).then_some(out)
}

fn text_entry<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    String::from_utf8(entry(zip, name)?).ok()
}

/// Every tag starting with `start` (e.g. `<sheet `), up to its `>`.
fn tags<'a>(xml: &'a str, start: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    xml.match_indices(start)
        .filter_map(move |(i, _)| xml[i..].find('>').map(|end| &xml[i..i + end]))
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    loop {
        let i = rest.find(name)?;
        let before = rest[..i].chars().last();
        let after = &rest[i + name.len()..];
        if before.is_some_and(char::is_whitespace) {
            if let Some(value) = after.trim_start().strip_prefix('=') {
                let value = value.trim_start();
                let quote = value.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let inner = &value[1..];
                    return inner.find(quote).map(|end| &inner[..end]);
                }
            }
        }
        rest = after;
    }
}

fn relationships(rels: &str) -> HashMap<String, String> {
    tags(rels, "<Relationship ")
        .filter_map(|t| Some((attr(t, "Id")?.to_string(), unescape(attr(t, "Target")?))))
        .collect()
}

/// XML entities and character references (`&amp;`, `&#x219;`), as any XML reader decodes them.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..end];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if name.starts_with("#x") || name.starts_with("#X") => {
                u32::from_str_radix(&name[2..], 16).ok().and_then(char::from_u32)
            }
            _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of an element's `<t>` runs (phonetic `<rPh>` runs left out), unescaped.
fn runs_text(xml: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut pos = 0;
    let t_open = memmem::Finder::new(b"<t");
    while let Some(i) = t_open.find(&xml[pos..]) {
        let at = pos + i;
        let after = xml.get(at + 2)?;
        if !matches!(after, b'>' | b' ' | b'/') {
            // `<tab>` or similar: not a text run.
            pos = at + 2;
            continue;
        }
        // Skip runs inside a phonetic block.
        if let Some(ph) = memmem::find(&xml[pos..at], b"<rPh") {
            let ph_at = pos + ph;
            let close = memmem::find(&xml[ph_at..], b"</rPh>")? + ph_at;
            if close > at {
                pos = close + 6;
                continue;
            }
        }
        let gt = memchr::memchr(b'>', &xml[at..])? + at;
        if xml[gt - 1] == b'/' {
            pos = gt + 1;
            continue;
        }
        let end = memmem::find(&xml[gt..], b"</t>")? + gt;
        out.push_str(&unescape(std::str::from_utf8(&xml[gt + 1..end]).ok()?));
        pos = end + 4;
    }
    Some(out)
}

fn shared_strings(xml: &[u8]) -> Option<Vec<std::sync::Arc<str>>> {
    let mut out = Vec::new();
    let open = memmem::Finder::new(b"<si");
    let close = memmem::Finder::new(b"</si>");
    let mut pos = 0;
    while let Some(i) = open.find(&xml[pos..]) {
        let at = pos + i;
        if !matches!(xml.get(at + 3), Some(b'>' | b' ')) {
            pos = at + 3;
            continue;
        }
        let gt = memchr::memchr(b'>', &xml[at..])? + at;
        if xml[gt - 1] == b'/' {
            out.push("".into());
            pos = gt + 1;
            continue;
        }
        let end = close.find(&xml[gt..])? + gt;
        let body = &xml[gt + 1..end];
        // The common case, a single plain run: `<t>text</t>`.
        let text = match (body.strip_prefix(b"<t>"), body.ends_with(b"</t>")) {
            (Some(inner), true) if memchr::memchr(b'<', &inner[..inner.len() - 4]).is_none() => {
                unescape(std::str::from_utf8(&inner[..inner.len() - 4]).ok()?)
            }
            _ => runs_text(body)?,
        };
        out.push(text.into());
        pos = end + 5;
    }
    Some(out)
}

/// Which cell styles (`cellXfs` indices) show a number as a date.
fn date_styles(styles: &str) -> Vec<bool> {
    let mut custom: HashMap<u32, bool> = HashMap::new();
    for t in tags(styles, "<numFmt ") {
        if let (Some(id), Some(code)) = (
            attr(t, "numFmtId").and_then(|v| v.parse().ok()),
            attr(t, "formatCode"),
        ) {
            custom.insert(id, is_date_format(&unescape(code)));
        }
    }
    let Some(start) = styles.find("<cellXfs") else {
        return Vec::new();
    };
    let end = styles[start..]
        .find("</cellXfs>")
        .map(|e| start + e)
        .unwrap_or(styles.len());
    tags(&styles[start..end], "<xf ")
        .map(|t| {
            let id: u32 = attr(t, "numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
            custom
                .get(&id)
                .copied()
                .unwrap_or(matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58))
        })
        .collect()
}

/// A number format shows a date when it has day/month/year/hour tokens outside quotes and
/// brackets (`[Red]`, `[$-418]` are not tokens; `[h]` is an elapsed time, also a date-time).
fn is_date_format(code: &str) -> bool {
    let mut in_quotes = false;
    let mut in_brackets = false;
    let mut prev = ' ';
    for c in code.chars() {
        match c {
            '"' if !in_brackets => in_quotes = !in_quotes,
            '[' if !in_quotes => in_brackets = true,
            ']' if in_brackets => in_brackets = false,
            '\\' => {}
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S'
                if !in_quotes && !in_brackets && prev != '\\' =>
            {
                return true
            }
            _ => {}
        }
        prev = c;
    }
    false
}

/// Excel's serial day number → `yyyy-mm-dd` (`hh:mm:ss` when there is a time), as calamine does.
fn excel_date(serial: f64, date1904: bool) -> Option<String> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = if date1904 {
        chrono::NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else {
        // 1899-12-30 absorbs Excel's fictitious 1900-02-29.
        chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    let days = serial.trunc() as i64;
    let seconds = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    let dt =
        epoch.and_hms_opt(0, 0, 0)? + chrono::TimeDelta::days(days) + chrono::TimeDelta::seconds(seconds);
    Some(if seconds == 0 {
        crate::platform::when::ymd(dt.date())
    } else {
        crate::platform::when::ymd_hms(dt)
    })
}

/// "AB12" → (row 11, column 27), 0-based.
fn cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    let split = r.iter().position(|b| b.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in letters {
        let v = u32::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1;
        if v > 26 {
            return None;
        }
        col = col * 26 + v;
    }
    let row: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

fn attr_bytes<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut pos = 0;
    while let Some(i) = memmem::find(&tag[pos..], name) {
        let at = pos + i;
        let before_ok = at > 0 && tag[at - 1].is_ascii_whitespace();
        let rest = &tag[at + name.len()..];
        if before_ok && rest.first() == Some(&b'=') {
            let quote = *rest.get(1)?;
            let inner = rest.get(2..)?;
            let end = memchr::memchr(quote, inner)?;
            return Some(&inner[..end]);
        }
        pos = at + name.len();
    }
    None
}

/// Reads a worksheet entry in chunks (the 50 MB of XML of a 100,000-row sheet are never held at
/// once): each chunk is parsed up to its last complete `</row>`, the rest waits for the next one.
fn read_sheet<R: Read>(
    mut file: R,
    declared: u64,
    parser: &mut SheetParser<'_>,
) -> Option<Result<(), ImportError>> {
    const CHUNK: usize = 1 << 20;
    let mut chunk = vec![0u8; CHUNK];
    let mut buf: Vec<u8> = Vec::with_capacity(2 * CHUNK);
    let mut total: u64 = 0;
    loop {
        let n = file.read(&mut chunk).ok()?;
        total += n as u64;
        if total > declared {
            // The entry inflates beyond what it declared (zip-bomb limits were checked on that).
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let last = n == 0;
        match parser.feed(&buf, last)? {
            Ok(used) => {
                buf.drain(..used);
            }
            Err(e) => return Some(Err(e)),
        }
        if last {
            return Some(Ok(()));
        }
    }
}

#[derive(PartialEq)]
enum Phase {
    Before,
    Rows,
    After,
}

/// The worksheet parser's state between chunks.
struct SheetParser<'a> {
    shared: &'a [std::sync::Arc<str>],
    date_styles: &'a [bool],
    date1904: bool,
    sheet: Sheet,
    phase: Phase,
    row: u32,
    row_seen: bool,
    next_col: u32,
    /// The part after `</sheetData>` (merged regions live there).
    after: Vec<u8>,
}

impl<'a> SheetParser<'a> {
    fn new(shared: &'a [std::sync::Arc<str>], date_styles: &'a [bool], date1904: bool) -> SheetParser<'a> {
        SheetParser {
            shared,
            date_styles,
            date1904,
            sheet: Sheet::default(),
            phase: Phase::Before,
            row: 0,
            row_seen: false,
            next_col: 0,
            after: Vec::new(),
        }
    }

    /// Parses what it can of `buf`; says how many bytes it used. `None`: leave it to calamine.
    fn feed(&mut self, buf: &[u8], last: bool) -> Option<Result<usize, ImportError>> {
        let mut used = 0;
        loop {
            let rest = &buf[used..];
            match self.phase {
                Phase::Before => {
                    let Some(at) = memmem::find(rest, b"<sheetData") else {
                        if last {
                            return None;
                        }
                        // Keep a tail in case the tag is cut in two.
                        return Some(Ok(used + rest.len().saturating_sub(16)));
                    };
                    let Some(gt) = memchr::memchr(b'>', &rest[at..]) else {
                        return if last { None } else { Some(Ok(used + at)) };
                    };
                    self.phase = if rest[at + gt - 1] == b'/' {
                        Phase::After
                    } else {
                        Phase::Rows
                    };
                    used += at + gt + 1;
                }
                Phase::Rows => {
                    let (region, next) = match memmem::find(rest, b"</sheetData>") {
                        Some(end) => (end, Some(end + 12)),
                        None => match memmem::rfind(rest, b"</row>") {
                            Some(end) => (end + 6, None),
                            None if last => return None,
                            None => return Some(Ok(used)),
                        },
                    };
                    if let Err(e) = self.cells(&rest[..region])? {
                        return Some(Err(e));
                    }
                    match next {
                        Some(after) => {
                            used += after;
                            self.phase = Phase::After;
                        }
                        None => return Some(Ok(used + region)),
                    }
                }
                Phase::After => {
                    self.after.extend_from_slice(rest);
                    return Some(Ok(buf.len()));
                }
            }
        }
    }

    /// The rows and cells of a region made of complete elements.
    fn cells(&mut self, xml: &[u8]) -> Option<Result<(), ImportError>> {
        let close_c = memmem::Finder::new(b"</c>");
        let end_all = xml.len();
        let mut pos = 0;
        while let Some(i) = memchr::memchr(b'<', &xml[pos..]) {
            let at = pos + i;
            let rest = &xml[at + 1..];
            if rest.starts_with(b"row") && matches!(rest.get(3), Some(b' ' | b'>' | b'/')) {
                let gt = memchr::memchr(b'>', rest)? + at + 1;
                let tag = &xml[at..gt];
                self.row = match attr_bytes(tag, b"r") {
                    Some(r) => std::str::from_utf8(r).ok()?.parse::<u32>().ok()?.checked_sub(1)?,
                    None if self.row_seen => self.row + 1,
                    None => 0,
                };
                self.row_seen = true;
                self.next_col = 0;
                pos = gt + 1;
                continue;
            }
            if !(rest.first() == Some(&b'c') && matches!(rest.get(1), Some(b' ' | b'>' | b'/'))) {
                pos = at + 1;
                continue;
            }
            let gt = memchr::memchr(b'>', rest)? + at + 1;
            let tag = &xml[at..gt];
            let (r, c) = match attr_bytes(tag, b"r") {
                Some(reference) => cell_ref(reference)?,
                None => (self.row, self.next_col),
            };
            self.next_col = c + 1;
            let kind = attr_bytes(tag, b"t").unwrap_or(b"n");
            let style: usize = attr_bytes(tag, b"s")
                .and_then(|s| std::str::from_utf8(s).ok()?.parse().ok())
                .unwrap_or(0);
            if xml[gt - 1] == b'/' {
                pos = gt + 1;
                continue;
            }
            let end = close_c.find(&xml[gt..end_all])? + gt;
            let body = &xml[gt + 1..end];
            pos = end + 4;
            let has_formula = memmem::find(body, b"<f").is_some();
            let value = match (memmem::find(body, b"<v>"), memmem::find(body, b"</v>")) {
                (Some(a), Some(b)) if b >= a + 3 => Some(std::str::from_utf8(&body[a + 3..b]).ok()?),
                _ => None,
            };
            let cell = match kind {
                b"inlineStr" => {
                    let is = memmem::find(body, b"<is>")?;
                    Cell::Text(runs_text(&body[is..])?.into())
                }
                _ if value.is_none() => {
                    if has_formula {
                        self.sheet.formulas_without_value += 1;
                    }
                    continue;
                }
                b"s" => Cell::Text(self.shared.get(value?.trim().parse::<usize>().ok()?)?.clone()),
                b"str" => Cell::Text(unescape(value?).into()),
                b"b" => Cell::Bool(value?.trim() == "1"),
                b"e" => Cell::Error(unescape(value?)),
                // ISO dates (`t="d"`) are rare in exports: calamine knows them better.
                b"d" => return None,
                b"n" => {
                    let n: f64 = value?.trim().parse().ok()?;
                    match self.date_styles.get(style) {
                        Some(true) => Cell::Date(excel_date(n, self.date1904)?),
                        _ => Cell::Number(n),
                    }
                }
                _ => return None,
            };
            if let Err(e) = put(&mut self.sheet, r, c, cell) {
                return Some(Err(e));
            }
        }
        Some(Ok(()))
    }

    /// The finished sheet, with its merged regions (after the data) filled down.
    fn finish(mut self) -> Option<Sheet> {
        if self.phase != Phase::After {
            return None;
        }
        let merge = memmem::Finder::new(b"<mergeCell ");
        let xml = std::mem::take(&mut self.after);
        let mut pos = 0;
        while let Some(i) = merge.find(&xml[pos..]) {
            let at = pos + i;
            let gt = memchr::memchr(b'>', &xml[at..])? + at;
            let reference = attr_bytes(&xml[at..gt], b"ref")?;
            let text = std::str::from_utf8(reference).ok()?;
            let (a, b) = text.split_once(':').unwrap_or((text, text));
            let (r0, c0) = cell_ref(a.as_bytes())?;
            let (r1, c1) = cell_ref(b.as_bytes())?;
            self.sheet.merged.push((r0, c0, r1, c1));
            pos = gt + 1;
        }
        if !self.sheet.merged.is_empty() {
            self.sheet.fill_vertical_merges();
        }
        Some(self.sheet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeding a sheet in chunks of any size gives the same sheet as feeding it whole.
    #[test]
    fn chunk_boundaries_do_not_matter() {
        let shared: Vec<std::sync::Arc<str>> = vec!["Denumire".into(), "Alfa SRL".into(), "Cluj".into()];
        let styles = vec![false, true];
        let xml = br#"<?xml version="1.0"?><worksheet><dimension ref="A1:C4"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>CIF &amp; co</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>18547290</v></c><c r="C2" s="1"><v>45627</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3"><f>1+1</f></c><c r="C3" t="b"><v>1</v></c></row><row r="4" spans="1:3"><c r="B4"><v>7</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A3:A4"/></mergeCells></worksheet>"#;
        let whole = {
            let mut p = SheetParser::new(&shared, &styles, false);
            read_sheet(&xml[..], xml.len() as u64, &mut p).unwrap().unwrap();
            p.finish().unwrap()
        };
        assert_eq!(whole.cell(0, 1), &Cell::Text("CIF & co".into()));
        assert_eq!(whole.cell(1, 2), &Cell::Date("2024-12-01".into()));
        assert_eq!(whole.cell(3, 0), &Cell::Text("Cluj".into()), "merged down");
        assert_eq!(whole.formulas_without_value, 1);
        for size in 1..60 {
            let mut p = SheetParser::new(&shared, &styles, false);
            let mut buf: Vec<u8> = Vec::new();
            for piece in xml.chunks(size).map(Some).chain(std::iter::once(None)) {
                let last = piece.is_none();
                buf.extend_from_slice(piece.unwrap_or(&[]));
                let used = p.feed(&buf, last).unwrap().unwrap();
                buf.drain(..used);
            }
            assert_eq!(p.finish().unwrap(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn pieces() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"AB12"), Some((11, 27)));
        assert_eq!(cell_ref(b"1A"), None);
        assert_eq!(
            unescape("Ș&amp;T &#x219;&#537; &lt;x&gt; &bogus;"),
            "Ș&T șș <x> &bogus;"
        );
        assert!(is_date_format("dd/mm/yyyy"));
        assert!(is_date_format("[$-418]d mmm yyyy;@"));
        assert!(!is_date_format("0.00"));
        assert!(!is_date_format("\"Lei\" #,##0"));
        assert!(!is_date_format("[Red]0"));
        assert_eq!(excel_date(45627.0, false).as_deref(), Some("2024-12-01"));
        assert_eq!(excel_date(45627.5, false).as_deref(), Some("2024-12-01 12:00:00"));
        assert_eq!(
            runs_text(
                b"<r><t>Str. </t></r><r><t xml:space=\"preserve\">Unirii &amp; 5</t></r><rPh><t>x</t></rPh>"
            )
            .as_deref(),
            Some("Str. Unirii & 5")
        );
        assert_eq!(attr_bytes(b"<c r=\"B2\" s=\"3\" t=\"s\"", b"t"), Some(&b"s"[..]));
        assert_eq!(attr_bytes(b"<c r=\"B2\" s=\"3\"", b"t"), None);
    }
}
