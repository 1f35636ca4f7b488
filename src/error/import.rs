//! What can stop the company import: a file that cannot be imported at all, and the background
//! job refusing an action (with the job's phase it names).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// Why a file cannot be imported at all (problems of single rows are `import::rows::Issue`s).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    EmptyFile,
    /// Not a spreadsheet; `hint` is `csv`, `html`, `pdf` or empty.
    #[error("not a spreadsheet (looks like {hint:?})")]
    NotSpreadsheet { hint: String },
    /// A zip that ends too early (an interrupted download).
    #[error("the zip ends too early")]
    Truncated,
    /// Encrypted with a password (an .xlsx wrapped in a compound file with an
    /// `EncryptedPackage` stream, or a legacy .xls/.ods with a password).
    #[error("encrypted with a password")]
    PasswordProtected,
    /// The spreadsheet could not be read.
    #[error("the spreadsheet cannot be read: {detail}")]
    Corrupt { detail: String },
    /// The zip declares more inflated data than any client list needs.
    #[error("the zip declares {declared_mb} MB once inflated")]
    ZipBomb { declared_mb: u64 },
    #[error("{mb} MB, over {max_mb} MB")]
    TooLarge { mb: usize, max_mb: usize },
    #[error("{rows} rows, over {max}")]
    TooManyRows { rows: usize, max: usize },
    /// No sheet has a row with the expected column names.
    #[error("no header row in the sheets {sheets:?}")]
    NoHeader { sheets: Vec<String> },
}

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::EmptyFile => "import.emptyFile",
            ImportError::NotSpreadsheet { .. } => "import.notSpreadsheet",
            ImportError::Truncated => "import.truncated",
            ImportError::PasswordProtected => "import.passwordProtected",
            ImportError::Corrupt { .. } => "import.corrupt",
            ImportError::ZipBomb { .. } => "import.zipBomb",
            ImportError::TooLarge { .. } => "import.tooLarge",
            ImportError::TooManyRows { .. } => "import.tooManyRows",
            ImportError::NoHeader { .. } => "import.noHeader",
        }
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

/// Where the import job is (`import::job`'s head); here because a [`JobProblem`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportPhase"))]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Looking the companies up in MiniCRM (nothing is written).
    Matching,
    /// The preview: waiting for the user's go.
    Matched,
    /// Writing.
    Running,
    Done,
    Cancelled,
    /// Stopped by an error that needs the user (credentials, settings).
    Failed,
}

/// Job-level problems.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JobProblem {
    /// Another import is being written.
    #[error("another import is being written")]
    Busy,
    #[error("no import job")]
    NoJob,
    /// The action does not fit the job's phase.
    #[error("the action does not fit the job's phase {phase:?}")]
    WrongPhase { phase: Phase },
    #[error("no company to import")]
    Nothing,
    #[error("{companies} companies, over {max}")]
    TooMany { companies: usize, max: usize },
    /// A search found more contacts than are read: no safe way to tell whether the company exists.
    #[error("the search for {query:?} finds over {max} contacts")]
    TooManyHits { query: String, max: u64 },
}

impl JobProblem {
    pub fn code(&self) -> &'static str {
        match self {
            JobProblem::Busy => "import.busy",
            JobProblem::NoJob => "import.noJob",
            JobProblem::WrongPhase { .. } => "import.wrongPhase",
            JobProblem::Nothing => "import.nothing",
            JobProblem::TooMany { .. } => "import.tooMany",
            JobProblem::TooManyHits { .. } => "import.tooManyHits",
        }
    }
}

impl JobProblem {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            JobProblem::Busy => lang.pick(
                "Un import este în curs. Așteaptă să se termine sau anulează-l înainte de a începe altul.",
                "An import is running. Wait for it to finish or cancel it before starting another.",
                "Egy importálás folyamatban van. Várd meg a végét, vagy szakítsd meg, mielőtt újat kezdesz.",
            ),
            JobProblem::NoJob => lang.pick(
                "Nu există niciun import pregătit. Alege mai întâi fișierul.",
                "There is no prepared import. Choose the file first.",
                "Nincs előkészített importálás. Először válaszd ki a fájlt.",
            ),
            JobProblem::WrongPhase { .. } => lang.pick(
                "Importul nu este în starea potrivită pentru această acțiune; reîncarcă pagina.",
                "The import is not in the right state for this action; reload the page.",
                "Az importálás nincs megfelelő állapotban ehhez a művelethez; töltsd újra az oldalt.",
            ),
            JobProblem::TooMany { companies, max } => ImportError::TooManyRows {
                rows: *companies,
                max: *max,
            }
            .message(lang),
            JobProblem::TooManyHits { query, max } => lang.pick(
                format!("Căutarea în MiniCRM după „{query}” găsește peste {max} de contacte, prea multe ca să stabilim sigur dacă firma există: rândul nu se importă. Caută-l în MiniCRM și elimină duplicatele, apoi importă din nou."),
                format!("Searching MiniCRM for \"{query}\" finds more than {max} contacts, too many to tell safely whether the company exists: the row is not imported. Look it up in MiniCRM, remove the duplicates, then import again."),
                format!("A(z) „{query}” keresése a MiniCRM-ben több mint {max} kapcsolatot talál, túl sokat ahhoz, hogy biztosan eldöntsük, létezik-e a cég: a sor nem kerül importálásra. Keresd meg a MiniCRM-ben, töröld az ismétlődéseket, majd importálj újra."),
            ),
            JobProblem::Nothing => lang.pick(
                "Fișierul nu conține nicio companie validă de importat.",
                "The file holds no valid company to import.",
                "A fájl nem tartalmaz importálható érvényes céget.",
            ),
        }
    }
}
