//! Company import from SmartBill's client export (.xlsx; .xls and .ods too).
//!
//! Two halves, two places:
//! - **the import page** parses the file (calamine, in its own WASM module `pkg/import`, never
//!   the service worker's), finds the header row, maps and validates the rows
//!   ([`grid`], [`headers`], [`rows`], [`session`], [`xlsx`], and the page surface in `wasm.rs`);
//! - **the background worker** looks the companies up in MiniCRM, plans what to write and writes
//!   it row by row under the shared 60/min governor, persisting its cursor so it resumes after the
//!   page or the browser was closed ([`plan`], [`job`]).
//!
//! Everything but the reader and the two WASM surfaces is plain Rust, tested natively.

#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub mod fastxlsx;
pub mod grid;
pub mod headers;
pub mod job;
pub mod plan;
pub mod rows;
pub mod session;
pub mod texts;
#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub mod xlsx;

#[cfg(all(target_arch = "wasm32", feature = "import"))]
mod wasm;

use serde::Serialize;

pub use job::{handle, resume, wake_wanted};

use crate::i18n::Lang;

/// Why a file cannot be imported at all (problems of single rows are [`rows::Issue`]s).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ImportError {
    EmptyFile,
    /// Not a spreadsheet; `hint` is `csv`, `html`, `pdf` or empty.
    NotSpreadsheet {
        hint: String,
    },
    /// A zip that ends too early (an interrupted download).
    Truncated,
    /// Encrypted with a password (an .xlsx wrapped in a compound file with an
    /// `EncryptedPackage` stream, or a legacy .xls/.ods with a password).
    PasswordProtected,
    /// The spreadsheet could not be read.
    Corrupt {
        detail: String,
    },
    /// The zip declares more inflated data than any client list needs.
    ZipBomb {
        declared_mb: u64,
    },
    TooLarge {
        mb: usize,
        max_mb: usize,
    },
    TooManyRows {
        rows: usize,
        max: usize,
    },
    /// No sheet has a row with the expected column names.
    NoHeader {
        sheets: Vec<String>,
    },
}

impl ImportError {
    pub fn code(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| {
                v.get("kind")
                    .and_then(|k| k.as_str())
                    .map(|k| format!("import.{k}"))
            })
            .unwrap_or_else(|| "import".into())
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            ImportError::EmptyFile => lang.pick(
                "Fișierul este gol: nu conține niciun rând. Exportă din nou lista de clienți din SmartBill.",
                "The file is empty: it has no rows. Export the client list from SmartBill again.",
                "A fájl üres, egyetlen sort sem tartalmaz. Exportáld újra az ügyféllistát a SmartBillből.",
            ),
            ImportError::NotSpreadsheet { hint } => {
                let extra = match hint.as_str() {
                    "csv" => lang.pick(
                        " Pare un fișier CSV/text: deschide-l în Excel și salvează-l ca .xlsx.",
                        " It looks like a CSV/text file: open it in Excel and save it as .xlsx.",
                        " CSV/szövegfájlnak tűnik: nyisd meg Excelben, és mentsd .xlsx formátumban.",
                    ),
                    "html" => lang.pick(
                        " Pare o pagină web salvată, nu exportul Excel.",
                        " It looks like a saved web page, not the Excel export.",
                        " Mentett weboldalnak tűnik, nem Excel-exportnak.",
                    ),
                    "pdf" => lang.pick(
                        " Este un PDF: exportă lista de clienți în format Excel.",
                        " It is a PDF: export the client list as Excel.",
                        " Ez egy PDF: exportáld az ügyféllistát Excel formátumban.",
                    ),
                    _ => String::new(),
                };
                lang.pick(
                    format!("Fișierul nu este un tabel Excel (.xlsx, .xls) sau OpenDocument (.ods).{extra}"),
                    format!("The file is not an Excel (.xlsx, .xls) or OpenDocument (.ods) spreadsheet.{extra}"),
                    format!("A fájl nem Excel (.xlsx, .xls) vagy OpenDocument (.ods) táblázat.{extra}"),
                )
            }
            ImportError::Truncated => lang.pick(
                "Fișierul este incomplet (trunchiat), probabil descărcarea s-a întrerupt. Descarcă din nou exportul din SmartBill.",
                "The file is incomplete (truncated); the download was probably interrupted. Download the export from SmartBill again.",
                "A fájl hiányos (csonka), valószínűleg megszakadt a letöltés. Töltsd le újra az exportot a SmartBillből.",
            ),
            ImportError::PasswordProtected => lang.pick(
                "Fișierul este protejat cu parolă. Deschide-l în Excel, scoate parola (Fișier › Informații › Protejare registru › Criptare cu parolă) și salvează-l din nou.",
                "The file is password-protected. Open it in Excel, remove the password (File › Info › Protect Workbook › Encrypt with Password) and save it again.",
                "A fájl jelszóval védett. Nyisd meg Excelben, távolítsd el a jelszót (Fájl › Információ › Munkafüzet védelme › Titkosítás jelszóval), majd mentsd újra.",
            ),
            ImportError::Corrupt { .. } => lang.pick(
                "Fișierul este deteriorat și nu poate fi citit ca tabel. Exportă din nou lista de clienți din SmartBill.",
                "The file is damaged and cannot be read as a spreadsheet. Export the client list from SmartBill again.",
                "A fájl sérült, nem olvasható táblázatként. Exportáld újra az ügyféllistát a SmartBillből.",
            ),
            ImportError::ZipBomb { declared_mb } => lang.pick(
                format!("Fișierul refuzat: deși e mic, declară {declared_mb} MB de date la dezarhivare, mult peste orice listă de clienți. Nu l-am deschis."),
                format!("File refused: small as it is, it declares {declared_mb} MB of data once unpacked, far beyond any client list. It was not opened."),
                format!("A fájlt elutasítottuk: bár kicsi, kicsomagolva {declared_mb} MB adatot jelez, jóval többet bármely ügyféllistánál. Nem nyitottuk meg."),
            ),
            ImportError::TooLarge { mb, max_mb } => lang.pick(
                format!("Fișierul are {mb} MB; acceptăm cel mult {max_mb} MB."),
                format!("The file has {mb} MB; at most {max_mb} MB are accepted."),
                format!("A fájl {mb} MB; legfeljebb {max_mb} MB fogadható el."),
            ),
            ImportError::TooManyRows { rows, max } => lang.pick(
                format!("Fișierul are {rows} de companii; importăm cel mult {max} odată. Împarte lista în mai multe fișiere."),
                format!("The file has {rows} companies; at most {max} are imported at once. Split the list into several files."),
                format!("A fájl {rows} céget tartalmaz; egyszerre legfeljebb {max} importálható. Oszd fel a listát több fájlra."),
            ),
            ImportError::NoHeader { sheets } => lang.pick(
                format!("Nu am găsit rândul cu numele coloanelor (ex.: Denumire, CIF, Adresa, Localitate, Județ) în primele 30 de rânduri ale foilor: {}. Este exportul listei de clienți din SmartBill?", sheets.join(", ")),
                format!("No row with column names (e.g. Denumire, CIF, Adresa, Localitate, Judet) in the first 30 rows of the sheets: {}. Is this SmartBill's client list export?", sheets.join(", ")),
                format!("Nem találtuk az oszlopneveket tartalmazó sort (pl. Denumire, CIF, Adresa, Localitate, Judet) a munkalapok első 30 sorában: {}. Ez a SmartBill ügyféllista-exportja?", sheets.join(", ")),
            ),
        }
    }
}

/// Parses a file and prepares the preview session (the page's whole first step).
#[cfg(any(feature = "import", not(target_arch = "wasm32")))]
pub fn open(bytes: &[u8], file_name: &str, lang: Lang) -> Result<session::Session, ImportError> {
    let workbook = xlsx::read_workbook(bytes)?;
    let mut session = session::Session::new(workbook, file_name, lang)?;
    session.file_hash = content_hash(bytes);
    Ok(session)
}

/// A fingerprint of a file's bytes (FNV-1a over 64-bit words, and the length), to tell one file
/// from another: the background job's lookups belong to one file. Not cryptographic: the page
/// and the worker are the same extension. About 10 ms for a 23 MB export.
pub fn content_hash(bytes: &[u8]) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01B3;
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for b in words.remainder() {
        h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
    }
    format!("{h:016x}-{}", bytes.len())
}
