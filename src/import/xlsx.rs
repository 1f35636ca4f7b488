//! Bytes of a spreadsheet → [`Workbook`], with calamine (.xlsx, .xls, .ods, .xlsb). Only in
//! builds with the `import` feature (the import page's WASM module) and natively; the service
//! worker's module never contains this.
//!
//! Before calamine inflates anything, the zip's central directory is read and the declared
//! uncompressed sizes are checked, so a zip bomb is refused up front instead of exhausting the
//! page's memory.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, DataRef, Reader, Sheets};

use super::grid::{Cell, Sheet, Workbook};
use crate::error::import::ImportError;

/// Larger files are refused before being read (SmartBill exports are far smaller: 100,000 clients
/// with 14 columns make about 8 MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Declared uncompressed size of one zip entry (a sheet of 100,000 × 14 cells is about 60 MB).
pub const MAX_ENTRY_BYTES: u64 = 400 * 1024 * 1024;
/// Declared uncompressed size of all entries together.
pub const MAX_TOTAL_BYTES: u64 = 600 * 1024 * 1024;
/// Entries above 16 MB may not claim more than this compression ratio (XML compresses about 10–20×).
pub const MAX_RATIO: u64 = 250;
/// Columns beyond this are ignored (a client list has about 15; Excel allows 16,384).
pub const MAX_COLUMNS: u32 = 256;
/// Sheets longer than this are not scanned for merged cells (see `read_xlsx_sheet`).
pub const MERGE_SCAN_MAX_ROWS: usize = 20_000;
/// Rows beyond this are refused (Excel's own limit).
pub const MAX_ROWS: u32 = 1_048_576;

enum Format {
    Zip,
    Ole,
}

/// The signature of an OLE/CFB compound file (legacy .xls, and encrypted Office files).
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The names of the streams and storages of a compound file (MS-CFB §2.6), read from its
/// directory chain; `None` when the structure cannot be followed.
pub fn cfb_entry_names(bytes: &[u8]) -> Option<Vec<String>> {
    let u16_at = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if !bytes.starts_with(&CFB_MAGIC) || bytes.len() < 512 {
        return None;
    }
    let shift = u16_at(0x1E)?;
    if !(7..=16).contains(&shift) {
        return None;
    }
    let size = 1usize << shift;
    let sector = |n: u32| -> Option<&[u8]> {
        let start = (n as usize).checked_add(1)?.checked_mul(size)?;
        bytes.get(start..start.checked_add(size)?)
    };
    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let fat_sectors = u32_at(0x2C)? as usize;
    let mut fat_ids: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(0x4C + 4 * i))
        .filter(|&n| n < 0xFFFF_FFFA)
        .collect();
    let mut difat = u32_at(0x44)?;
    let mut guard = 0;
    while difat < 0xFFFF_FFFA && fat_ids.len() < fat_sectors && guard < 10_000 {
        let s = sector(difat)?;
        let per = size / 4 - 1;
        for i in 0..per {
            let n = u32::from_le_bytes([s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]]);
            if n < 0xFFFF_FFFA {
                fat_ids.push(n);
            }
        }
        difat = u32::from_le_bytes([s[4 * per], s[4 * per + 1], s[4 * per + 2], s[4 * per + 3]]);
        guard += 1;
    }
    let next = |n: u32| -> Option<u32> {
        let per = size / 4;
        let fat_sector = *fat_ids.get(n as usize / per)?;
        let s = sector(fat_sector)?;
        let i = n as usize % per;
        Some(u32::from_le_bytes([
            s[4 * i],
            s[4 * i + 1],
            s[4 * i + 2],
            s[4 * i + 3],
        ]))
    };
    let mut names = Vec::new();
    let mut dir = u32_at(0x30)?;
    let mut visited = 0usize;
    while dir < 0xFFFF_FFFA {
        visited += 1;
        if visited > bytes.len() / size + 1 {
            return None; // a loop in the chain
        }
        let s = sector(dir)?;
        for entry in s.chunks_exact(128) {
            let kind = entry[66];
            let len = usize::from(u16::from_le_bytes([entry[64], entry[65]])).min(64);
            if kind == 0 || len < 2 {
                continue;
            }
            let units: Vec<u16> = entry[..len - 2]
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect();
            names.push(String::from_utf16_lossy(&units));
        }
        dir = next(dir)?;
    }
    Some(names)
}

/// An Office file encrypted with a password: a compound file holding the `EncryptedPackage`
/// stream (MS-OFFCRYPTO §2.3.4.4). A legacy .xls has a `Workbook` stream instead. When the
/// directory cannot be followed, the stream's name is looked for in UTF-16LE anywhere.
pub fn is_encrypted_package(bytes: &[u8]) -> bool {
    const NAME: &str = "EncryptedPackage";
    match cfb_entry_names(bytes) {
        Some(names) => names.iter().any(|n| n.eq_ignore_ascii_case(NAME)),
        None => {
            let needle: Vec<u8> = NAME.encode_utf16().flat_map(u16::to_le_bytes).collect();
            memchr::memmem::find(bytes, &needle).is_some()
        }
    }
}

fn sniff(bytes: &[u8]) -> Result<Format, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::EmptyFile);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(Format::Zip);
    }
    if bytes.starts_with(&CFB_MAGIC) {
        // A password-protected .xlsx is not a zip: Office wraps the encrypted package in a
        // compound file (MS-OFFCRYPTO), as a legacy .xls is. Tell the two apart by the streams.
        if is_encrypted_package(bytes) {
            return Err(ImportError::PasswordProtected);
        }
        return Ok(Format::Ole);
    }
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    if text.contains("<html") || text.contains("<!doctype") {
        return Err(ImportError::NotSpreadsheet { hint: "html".into() });
    }
    if bytes.starts_with(b"%PDF") {
        return Err(ImportError::NotSpreadsheet { hint: "pdf".into() });
    }
    let printable = head
        .iter()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace() || **b >= 0x80)
        .count();
    if printable == head.len() && (text.contains(',') || text.contains(';') || text.contains('\t')) {
        return Err(ImportError::NotSpreadsheet { hint: "csv".into() });
    }
    Err(ImportError::NotSpreadsheet { hint: String::new() })
}

/// Reads the zip's central directory (no inflating) and refuses what declares too much.
pub fn check_zip(bytes: &[u8]) -> Result<(), ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ImportError::Truncated)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| ImportError::Truncated)?;
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        let ratio_bomb = size > 16 * 1024 * 1024 && size / packed > MAX_RATIO;
        if size > MAX_ENTRY_BYTES || total > MAX_TOTAL_BYTES || ratio_bomb {
            return Err(ImportError::ZipBomb {
                declared_mb: size.max(total) / (1024 * 1024),
            });
        }
    }
    Ok(())
}

/// Parses a spreadsheet file.
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, ImportError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            mb: bytes.len() / (1024 * 1024),
            max_mb: MAX_FILE_BYTES / (1024 * 1024),
        });
    }
    let format = sniff(bytes)?;
    if matches!(format, Format::Zip) {
        check_zip(bytes)?;
        // The fast path for plain .xlsx exports; anything unusual falls through to calamine.
        if let Some(result) = super::fastxlsx::read(bytes) {
            return result;
        }
    }
    read_with_calamine(bytes)
}

/// The same, always through calamine (also the reference the fast path is tested against).
pub fn read_workbook_with_calamine(bytes: &[u8]) -> Result<Workbook, ImportError> {
    let format = sniff(bytes)?;
    if matches!(format, Format::Zip) {
        check_zip(bytes)?;
    }
    read_with_calamine(bytes)
}

fn read_with_calamine(bytes: &[u8]) -> Result<Workbook, ImportError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(calamine_error)?;
    let names = book.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let sheet = match &mut book {
            Sheets::Xlsx(x) => read_xlsx_sheet(x, &name)?,
            other => read_range_sheet(other, &name)?,
        };
        sheets.push(sheet);
    }
    if sheets.is_empty() {
        return Err(ImportError::EmptyFile);
    }
    Ok(Workbook { sheets })
}

/// calamine's errors: a password (a legacy .xls with its own encryption, an .ods) gets its own
/// message; anything else means the file cannot be read.
fn calamine_error(e: calamine::Error) -> ImportError {
    match e {
        calamine::Error::Xls(calamine::XlsError::Password)
        | calamine::Error::Ods(calamine::OdsError::Password) => ImportError::PasswordProtected,
        other => corrupt(other),
    }
}

fn corrupt(e: impl std::fmt::Display) -> ImportError {
    ImportError::Corrupt {
        detail: e.to_string(),
    }
}

/// Stores a non-empty cell, within the column and row limits.
pub(crate) fn put(sheet: &mut Sheet, row: u32, col: u32, cell: Cell) -> Result<(), ImportError> {
    if col >= MAX_COLUMNS || matches!(cell, Cell::Empty) {
        return Ok(());
    }
    if row >= MAX_ROWS {
        return Err(ImportError::TooManyRows {
            rows: row as usize,
            max: MAX_ROWS as usize,
        });
    }
    let (r, c) = (row as usize, col as usize);
    if sheet.rows.len() <= r {
        sheet.rows.resize_with(r + 1, Vec::new);
    }
    let cells = &mut sheet.rows[r];
    if cells.len() <= c {
        cells.resize(c + 1, Cell::Empty);
    }
    cells[c] = cell;
    Ok(())
}

fn date_text(dt: &calamine::ExcelDateTime) -> String {
    if dt.is_duration() {
        return format!("{}", dt.as_f64());
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if h == 0 && mi == 0 && s == 0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

fn from_ref(v: DataRef<'_>) -> Cell {
    match v {
        DataRef::Int(i) => Cell::Number(i as f64),
        DataRef::Float(f) => Cell::Number(f),
        DataRef::String(s) => Cell::Text(s.into()),
        DataRef::SharedString(s) => Cell::Text(s.into()),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(dt) => Cell::Date(date_text(&dt)),
        DataRef::DateTimeIso(s) => Cell::Date(s),
        DataRef::DurationIso(s) => Cell::Text(s.into()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
        DataRef::Empty => Cell::Empty,
    }
}

fn from_data(v: &Data) -> Cell {
    match v {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(s.as_str().into()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => Cell::Date(date_text(dt)),
        Data::DateTimeIso(s) => Cell::Date(s.clone()),
        Data::DurationIso(s) => Cell::Text(s.as_str().into()),
        Data::Error(e) => Cell::Error(e.to_string()),
        Data::Empty => Cell::Empty,
    }
}

fn read_xlsx_sheet<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Result<Sheet, ImportError> {
    let mut sheet = Sheet {
        name: name.to_string(),
        ..Default::default()
    };
    {
        let mut reader = x.worksheet_cells_reader(name).map_err(corrupt)?;
        while let Some(record) = reader.next_cell_with_formula().map_err(corrupt)? {
            let (row, col) = record.pos;
            if record.formula.is_some() && matches!(record.value, DataRef::Empty) {
                sheet.formulas_without_value += 1;
                continue;
            }
            put(&mut sheet, row, col, from_ref(record.value))?;
        }
    }
    // Merged regions: calamine finds them by parsing the whole sheet a second time (a third of the
    // read time for 100,000 rows), so only sheets of a size people format by hand get the
    // fill-down; long machine-written lists have no merged cells in their data. A missing or
    // unreadable list only loses the fill-down.
    if sheet.rows.len() > MERGE_SCAN_MAX_ROWS {
        return Ok(sheet);
    }
    if let Ok(regions) = x.merge_cells_by_sheet_name(name) {
        sheet.merged = regions
            .iter()
            .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
            .collect();
        sheet.fill_vertical_merges();
    }
    Ok(sheet)
}

fn read_range_sheet<RS: std::io::Read + std::io::Seek>(
    book: &mut Sheets<RS>,
    name: &str,
) -> Result<Sheet, ImportError> {
    let range = book.worksheet_range(name).map_err(calamine_error)?;
    let mut sheet = Sheet {
        name: name.to_string(),
        ..Default::default()
    };
    let Some((r0, c0)) = range.start() else {
        return Ok(sheet);
    };
    for (r, row) in range.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            put(&mut sheet, r0 + r as u32, c0 + c as u32, from_data(v))?;
        }
    }
    Ok(sheet)
}
