//! The import page's static texts in Romanian (default), English and Hungarian. They live here,
//! beside the messages the core computes, instead of in `_locales/` (the page asks its WASM
//! module for them once).

use serde_json::{Map, Value};

use crate::i18n::Lang;

const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("title", "Import companii din SmartBill", "Import companies from SmartBill", "Cégek importálása a SmartBillből"),
    (
        "subtitle",
        "Încarcă exportul listei de clienți din SmartBill (.xlsx) așa cum este. Verificăm totul înainte să scriem ceva în MiniCRM.",
        "Upload SmartBill's client list export (.xlsx) as it is. Everything is checked before anything is written to MiniCRM.",
        "Töltsd fel a SmartBill ügyféllista-exportját (.xlsx) úgy, ahogy van. Mindent ellenőrzünk, mielőtt bármit a MiniCRM-be írnánk.",
    ),
    (
        "drop",
        "Trage fișierul aici sau alege-l de pe calculator",
        "Drop the file here or choose it from your computer",
        "Húzd ide a fájlt, vagy válaszd ki a számítógépről",
    ),
    ("choose", "Alege fișierul", "Choose file", "Fájl kiválasztása"),
    (
        "howto",
        "În SmartBill Cloud: Configurare › Clienți › Export Excel. Sunt acceptate și .xls și .ods.",
        "In SmartBill Cloud: Configuration › Clients › Export to Excel. .xls and .ods work too.",
        "A SmartBill Cloudban: Beállítások › Ügyfelek › Excel export. Az .xls és .ods is működik.",
    ),
    ("reading", "Citim fișierul…", "Reading the file…", "A fájl beolvasása…"),
    ("columns", "Coloane găsite", "Columns found", "Felismert oszlopok"),
    (
        "columnsHelp",
        "Am recunoscut coloanele după nume. Poți schimba ce conține fiecare coloană; coloanele „Ignorată” nu se importă.",
        "Columns were recognised by their names. You can change what each column holds; \"Ignored\" columns are not imported.",
        "Az oszlopokat a nevük alapján ismertük fel. Bármelyik oszlop jelentését módosíthatod; a „Kihagyva” oszlopok nem kerülnek importálásra.",
    ),
    ("colColumn", "Coloană", "Column", "Oszlop"),
    ("colHeader", "Titlu în fișier", "Header in the file", "Fejléc a fájlban"),
    ("colTarget", "Se importă ca", "Imported as", "Importálás mint"),
    ("colSamples", "Exemple", "Examples", "Példák"),
    ("ignored", "Ignorată", "Ignored", "Kihagyva"),
    ("sheet", "Foaia", "Sheet", "Munkalap"),
    ("headerRow", "rândul cu titluri", "header row", "fejlécsor"),
    ("checks", "Verificarea rândurilor", "Row checks", "Sorok ellenőrzése"),
    ("companies", "companii valide", "valid companies", "érvényes cég"),
    ("warnings", "cu observații", "with remarks", "megjegyzéssel"),
    ("colRow", "Rând", "Row", "Sor"),
    ("colName", "Companie", "Company", "Cég"),
    ("colVat", "CIF / CNP", "CIF / CNP", "Adószám"),
    ("colAction", "Ce facem", "What happens", "Teendő"),
    ("colProblems", "Observații", "Remarks", "Megjegyzések"),
    ("minicrm", "Comparația cu MiniCRM", "Compared with MiniCRM", "Összevetés a MiniCRM-mel"),
    ("start", "Importă în MiniCRM", "Import into MiniCRM", "Importálás a MiniCRM-be"),
    ("resume", "Continuă importul", "Resume the import", "Importálás folytatása"),
    ("cancel", "Anulează", "Cancel", "Megszakítás"),
    ("report", "Descarcă raportul (CSV)", "Download the report (CSV)", "Jelentés letöltése (CSV)"),
    ("again", "Importă alt fișier", "Import another file", "Másik fájl importálása"),
    (
        "background",
        "Importul continuă în fundal: poți închide pagina și reveni oricând.",
        "The import goes on in the background: you may close this page and come back any time.",
        "Az importálás a háttérben folytatódik: bezárhatod az oldalt, és bármikor visszatérhetsz.",
    ),
    ("options", "Setări", "Settings", "Beállítások"),
    ("more", "rânduri în total", "rows in total", "sor összesen"),
    ("prev", "‹ Înapoi", "‹ Back", "‹ Vissza"),
    ("next", "Înainte ›", "Next ›", "Tovább ›"),
];

/// The texts the background worker uses too, in the job's view (`view`); the page gets them
/// among the others.
const JOB_TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "invalid",
        "invalide (nu se importă)",
        "invalid (not imported)",
        "érvénytelen (nem kerül importálásra)",
    ),
    (
        "merged",
        "duplicate comasate",
        "duplicates merged",
        "összevont ismétlődés",
    ),
    ("new", "noi", "new", "új"),
    ("update", "de actualizat", "to update", "frissítendő"),
    ("unchanged", "neschimbate", "unchanged", "változatlan"),
    ("created", "create", "created", "létrehozva"),
    ("updated", "actualizate", "updated", "frissítve"),
    ("failed", "erori", "errors", "hiba"),
    (
        "leftOut",
        "Câmpuri care lipsesc din contul MiniCRM și nu se importă:",
        "Fields missing from the MiniCRM account, not imported:",
        "A MiniCRM-fiókban hiányzó, nem importált mezők:",
    ),
    (
        "eta",
        "Durată estimată (MiniCRM permite 60 de apeluri pe minut):",
        "Estimated duration (MiniCRM allows 60 calls a minute):",
        "Becsült időtartam (a MiniCRM percenként 60 hívást enged):",
    ),
    ("calls", "apeluri", "calls", "hívás"),
    (
        "nothingToDo",
        "Nimic de scris: toate companiile valide sunt deja la zi în MiniCRM.",
        "Nothing to write: every valid company is already up to date in MiniCRM.",
        "Nincs mit írni: minden érvényes cég naprakész a MiniCRM-ben.",
    ),
    ("paused", "În pauză până la", "Paused until", "Szünetel eddig:"),
];

/// The page's texts in `lang`, keyed by id.
pub fn texts(lang: Lang) -> Value {
    let mut map = Map::new();
    for (key, ro, en, hu) in TEXTS.iter().chain(JOB_TEXTS) {
        map.insert((*key).to_string(), Value::String(lang.pick(*ro, *en, *hu)));
    }
    Value::Object(map)
}

/// One of the job's texts in `lang` (empty for a key that is not one: the tests use them all).
pub fn job_text(key: &str, lang: Lang) -> String {
    JOB_TEXTS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, ro, en, hu)| lang.pick(*ro, *en, *hu))
        .unwrap_or_default()
}
