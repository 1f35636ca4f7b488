//! Benchmark: the import page's first step natively (read the .xlsx, find the header, map and
//! validate), with a breakdown of where the time goes. Prints figures; asserts nothing. The
//! browser figures against SheetJS are `tests/bench/import_bench.mjs`.
//!
//! `cargo run --release --example import_speed [-- [--runs N] [--calamine] [FILE.xlsx ...]]`
//!
//! Without files it writes SmartBill-like exports of 10,000 and 100,000 rows × 14 columns of
//! unique texts (shared strings, as SmartBill and `tests/e2e/export.mjs` write them) with
//! rust_xlsxwriter. `--calamine` also times calamine on the same file (the reader the fast one
//! stands beside).

use std::io::Read;
use std::time::{Duration, Instant};

use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::import::session::Session;
use minicrm_smartbill::import::xlsx::{read_workbook, read_workbook_with_calamine};
use minicrm_smartbill::import::{content_hash, fastxlsx, open};

/// A valid CIF from its first digits (control key 753217532), as `tests/e2e/export.mjs`.
fn cif(body: u64) -> String {
    let digits: Vec<u32> = body.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
    let key = [7, 5, 3, 2, 1, 7, 5, 3, 2];
    let key = &key[9 - digits.len()..];
    let sum: u32 = digits.iter().zip(key).map(|(d, k)| d * k).sum();
    let c = sum * 10 % 11;
    format!("{body}{}", if c == 10 { 0 } else { c })
}

/// The rows of `tests/e2e/export.mjs` (`rowsAoa`): a title, an empty row, the header, and one
/// company per row.
fn export(rows: usize) -> Vec<u8> {
    const HEADERS: [&str; 14] = [
        "Denumire",
        "CIF",
        "Nr. Reg.\nCom.",
        "Adresa",
        "Localitate",
        "Județ",
        "Țara",
        "Cod poștal",
        "E-mail",
        "Telefon",
        "Persoana de contact",
        "IBAN",
        "Banca",
        "Cod client",
    ];
    const COUNTIES: [(&str, &str, f64); 6] = [
        ("Cluj", "Cluj-Napoca", 400001.0),
        ("Timiș", "Timișoara", 300001.0),
        ("Iași", "Iași", 700001.0),
        ("Brașov", "Brașov", 500001.0),
        ("Constanța", "Constanța", 900001.0),
        ("Sector 1", "București", 10011.0),
    ];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    let ok = |r: Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError>| {
        r.expect("the generated export is written");
    };
    ok(sheet.write_string(0, 0, "Lista clienți — Firma Demo SRL"));
    for (c, h) in HEADERS.iter().enumerate() {
        ok(sheet.write_string(2, c as u16, *h));
    }
    for i in 0..rows {
        let r = 3 + i as u32;
        let n = i + 1;
        let (county, city, postal) = COUNTIES[i % COUNTIES.len()];
        let body = cif(1_000_000 + i as u64);
        if i % 3 == 0 {
            ok(sheet.write_string(r, 1, format!("RO{body}")));
        } else if i % 5 == 1 {
            ok(sheet.write_number(r, 1, body.parse::<f64>().unwrap_or(0.0)));
        } else {
            ok(sheet.write_string(r, 1, body));
        }
        ok(sheet.write_string(r, 0, format!("Client {n:06} SRL")));
        ok(sheet.write_string(r, 2, format!("J{:02}/{n}/2019", 10 + i % 30)));
        ok(sheet.write_string(r, 3, format!("Str. Exemplu nr. {n}")));
        ok(sheet.write_string(r, 4, city));
        ok(sheet.write_string(r, 5, county));
        ok(sheet.write_string(r, 6, "România"));
        ok(sheet.write_number(r, 7, postal));
        ok(sheet.write_string(r, 8, format!("office{n}@client{n}.ro")));
        ok(sheet.write_string(r, 9, format!("07{:08}", 20_000_000 + n)));
        if i % 2 == 0 {
            ok(sheet.write_string(r, 10, format!("Ion Popescu{n}")));
        }
        if i % 4 == 0 {
            ok(sheet.write_string(r, 12, "Banca Transilvania"));
        }
        ok(sheet.write_string(r, 13, format!("C{n:05}")));
    }
    wb.save_to_buffer().expect("the generated export is saved")
}

struct Series(Vec<Duration>);

impl Series {
    fn show(&self) -> String {
        let mut v: Vec<f64> = self.0.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        v.sort_by(f64::total_cmp);
        match v.as_slice() {
            [] => "–".into(),
            [one] => format!("{one:.0} ms"),
            _ => format!(
                "{:.0} / {:.0} / {:.0} ms (min / median / max of {})",
                v[0],
                v[v.len() / 2],
                v[v.len() - 1],
                v.len()
            ),
        }
    }
}

fn time<T>(series: &mut Series, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    series.0.push(t.elapsed());
    out
}

/// Inflating every entry of the zip (what any reader pays before parsing).
fn inflate_all(bytes: &[u8]) -> usize {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return 0;
    };
    let mut total = 0;
    let mut buf = vec![0u8; 1 << 16];
    for i in 0..zip.len() {
        let Ok(mut f) = zip.by_index(i) else { continue };
        while let Ok(n) = f.read(&mut buf) {
            if n == 0 {
                break;
            }
            total += n;
        }
    }
    total
}

fn bench(label: &str, bytes: &[u8], runs: usize, calamine: bool) {
    let mut inflate = Series(Vec::new());
    let mut hash = Series(Vec::new());
    let mut fast = Series(Vec::new());
    let mut map = Series(Vec::new());
    let mut whole = Series(Vec::new());
    let mut cal = Series(Vec::new());
    let mut rows = 0;
    let mut inflated = 0;
    for _ in 0..runs {
        inflated = time(&mut inflate, || inflate_all(bytes));
        time(&mut hash, || content_hash(bytes));
        let workbook = time(&mut fast, || fastxlsx::read(bytes));
        let workbook = match workbook {
            Some(Ok(w)) => w,
            _ => time(&mut Series(Vec::new()), || read_workbook(bytes)).unwrap_or_default(),
        };
        let session = time(&mut map, || Session::new(workbook, label, Lang::Ro));
        rows = session.map(|s| s.candidates().len()).unwrap_or(0);
        time(&mut whole, || {
            open(bytes, label, Lang::Ro).map(|s| s.candidates().len()).ok()
        });
        if calamine {
            time(&mut cal, || read_workbook_with_calamine(bytes).ok());
        }
    }
    println!(
        "{label}: {:.1} MB, {:.1} MB of XML inside, {rows} candidates",
        bytes.len() as f64 / 1_048_576.0,
        inflated as f64 / 1_048_576.0
    );
    println!("  whole first step (open)     {}", whole.show());
    println!("  of which: inflate only      {}", inflate.show());
    println!("            content hash      {}", hash.show());
    println!("            fast reader       {}", fast.show());
    println!("            header + map      {}", map.show());
    if calamine {
        println!("  calamine read (reference)   {}", cal.show());
    }
}

fn main() {
    let mut runs = 5;
    let mut calamine = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(runs),
            "--calamine" => calamine = true,
            _ => files.push(a),
        }
    }
    if cfg!(debug_assertions) {
        println!("(a debug build: run with --release for figures that mean anything)");
    }
    if files.is_empty() {
        for rows in [10_000, 100_000] {
            let t = Instant::now();
            let bytes = export(rows);
            println!("generated {rows} rows in {:.1} s", t.elapsed().as_secs_f64());
            bench(&format!("{rows} rows"), &bytes, runs, calamine);
        }
    }
    for f in files {
        match std::fs::read(&f) {
            Ok(bytes) => bench(&f, &bytes, runs, calamine),
            Err(e) => println!("{f}: {e}"),
        }
    }
}
