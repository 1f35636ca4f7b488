//! Finding the header row and naming its columns. SmartBill's client export has no documented
//! header list (`shared/reference/peers.md` §b): title rows come first, header cells may hold line
//! breaks, names vary (CIF / CUI / CIF/CNP / Cod fiscal …). Headers are matched by alias after
//! [`fold`] (case, diacritics ș ş ț ţ ă â î, punctuation, spaces and line breaks dropped).

use serde::{Deserialize, Serialize};

use super::grid::{Cell, Sheet};
use crate::i18n::{Lang, Text};
use crate::text::fold;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    Name,
    VatCode,
    RegCom,
    Address,
    City,
    County,
    Country,
    PostalCode,
    Email,
    Phone,
    Contact,
    Iban,
    Bank,
    ClientCode,
    VatPayer,
}

impl Target {
    pub const ALL: [Target; 15] = [
        Target::Name,
        Target::VatCode,
        Target::RegCom,
        Target::Address,
        Target::City,
        Target::County,
        Target::Country,
        Target::PostalCode,
        Target::Email,
        Target::Phone,
        Target::Contact,
        Target::Iban,
        Target::Bank,
        Target::ClientCode,
        Target::VatPayer,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Target::Name => "name",
            Target::VatCode => "vatCode",
            Target::RegCom => "regCom",
            Target::Address => "address",
            Target::City => "city",
            Target::County => "county",
            Target::Country => "country",
            Target::PostalCode => "postalCode",
            Target::Email => "email",
            Target::Phone => "phone",
            Target::Contact => "contact",
            Target::Iban => "iban",
            Target::Bank => "bank",
            Target::ClientCode => "clientCode",
            Target::VatPayer => "vatPayer",
        }
    }

    pub fn from_id(id: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.id() == id)
    }

    pub fn label(self, lang: Lang) -> String {
        let text = match self {
            Target::Name => Text::TargetName,
            Target::VatCode => Text::TargetVatCode,
            Target::RegCom => Text::TargetRegCom,
            Target::Address => Text::TargetAddress,
            Target::City => Text::TargetCity,
            Target::County => Text::TargetCounty,
            Target::Country => Text::TargetCountry,
            Target::PostalCode => Text::TargetPostalCode,
            Target::Email => Text::TargetEmail,
            Target::Phone => Text::TargetPhone,
            Target::Contact => Text::TargetContact,
            Target::Iban => Text::TargetIban,
            Target::Bank => Text::TargetBank,
            Target::ClientCode => Text::TargetClientCode,
            Target::VatPayer => Text::TargetVatPayer,
        };
        lang.text(text).to_string()
    }

    /// The longest text a cell of this column may hold (MiniCRM's `Text(n)` sizes, §2.2).
    pub fn max_chars(self) -> usize {
        match self {
            Target::Name | Target::Address => 1000,
            _ => 255,
        }
    }
}

/// Folded aliases (see [`fold`]). A header matches an alias exactly, or starts with one of five
/// letters or more ("Adresa sediu social" → Address); the longest alias wins. Short aliases
/// ("cod", "cont", "tel") only match exactly, so "Cod IBAN" or "Contabil" are not taken for them.
const ALIASES: &[(Target, &[&str])] = &[
    (
        Target::Name,
        &[
            "denumire",
            "denumireclient",
            "denumirefirma",
            "nume",
            "numeclient",
            "numefirma",
            "numesiprenume",
            "numeprenume",
            "client",
            "firma",
            "companie",
            "societate",
            "name",
            "clientname",
            "company",
            "nev",
        ],
    ),
    (
        Target::VatCode,
        &[
            "cif",
            "cui",
            "cifcnp",
            "cuicnp",
            "cnpcif",
            "cnpcui",
            "cifcui",
            "cuicif",
            "codfiscal",
            "codfiscalcnp",
            "cifclient",
            "cuiclient",
            "codidentificarefiscala",
            "codunicdeinregistrare",
            "cnp",
            "vatcode",
            "vatnumber",
            "vat",
            "taxid",
            "adoszam",
        ],
    ),
    (
        Target::RegCom,
        &[
            "regcom",
            "nrregcom",
            "nrregcomert",
            "numarregcom",
            "nrregistrulcomertului",
            "registrulcomertului",
            "nrinmatriculare",
            "nrordreg",
            "nrordinregcom",
            "tradereg",
            "registrationnumber",
            "cegjegyzekszam",
        ],
    ),
    (
        Target::Address,
        &[
            "adresa",
            "adresaclient",
            "adresasediu",
            "sediu",
            "strada",
            "address",
            "cim",
        ],
    ),
    (
        Target::City,
        &[
            "localitate",
            "localitatea",
            "oras",
            "orasul",
            "oraslocalitate",
            "municipiu",
            "city",
            "telepules",
            "varos",
        ],
    ),
    (
        Target::County,
        &["judet", "judetul", "judetsector", "county", "megye"],
    ),
    (Target::Country, &["tara", "country", "orszag"]),
    (
        Target::PostalCode,
        &["codpostal", "cp", "postalcode", "zip", "iranyitoszam"],
    ),
    (
        Target::Email,
        &["email", "mail", "adresaemail", "adresademail", "emailclient"],
    ),
    (
        Target::Phone,
        &[
            "telefon",
            "tel",
            "nrtelefon",
            "numardetelefon",
            "telefonmobil",
            "telmobil",
            "mobil",
            "telefonfix",
            "phone",
        ],
    ),
    (
        Target::Contact,
        &[
            "persoanadecontact",
            "persoanacontact",
            "contact",
            "persoana",
            "delegat",
            "contactperson",
            "kapcsolattarto",
        ],
    ),
    (
        Target::Iban,
        &[
            "iban",
            "contbancar",
            "cont",
            "contiban",
            "ibanclient",
            "bankaccount",
            "bankszamla",
            "bankszamlaszam",
        ],
    ),
    (Target::Bank, &["banca", "bank", "numebanca", "denumirebanca"]),
    (
        Target::ClientCode,
        &["codclient", "cod", "clientcode", "ugyfelkod"],
    ),
    (
        Target::VatPayer,
        &[
            "platitortva",
            "platitordetva",
            "tva",
            "inregistratinscopuridetva",
            "vatpayer",
            "afafizeto",
        ],
    ),
];

/// The target a header text stands for, if any.
pub fn classify_header(text: &str) -> Option<Target> {
    let folded = fold(text);
    if folded.is_empty() || folded.len() > 120 {
        return None;
    }
    let mut best: Option<(usize, Target)> = None;
    for (target, aliases) in ALIASES {
        for alias in *aliases {
            let score = if folded == *alias {
                1000 + alias.len()
            } else if alias.len() >= 5 && folded.starts_with(alias) {
                alias.len()
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, *target));
            }
        }
    }
    best.map(|(_, t)| t)
}

/// How many rows from the top the header is looked for in.
pub const HEADER_SCAN_ROWS: usize = 30;

/// A header row found in a sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// 0-based row index of the header.
    pub header_row: usize,
    /// Per column: the header text and what it was recognised as (the first column for a target
    /// wins; later ones are left unmapped).
    pub columns: Vec<(String, Option<Target>)>,
    /// Distinct targets recognised (how sure we are that this is the header).
    pub score: usize,
}

/// Finds the header row among the first rows: the row with the most distinct recognised targets,
/// at least three, one of them the name. Title rows above it ("Lista clienti", the company name,
/// the date) recognise one target at most and lose.
pub fn detect(sheet: &Sheet) -> Option<Detection> {
    let mut best: Option<Detection> = None;
    for (r, row) in sheet.rows.iter().take(HEADER_SCAN_ROWS).enumerate() {
        let mut seen = Vec::new();
        let mut columns = Vec::with_capacity(row.len());
        for cell in row {
            let text = match cell {
                Cell::Text(t) => t.trim().to_string(),
                _ => String::new(),
            };
            let target = classify_header(&text).filter(|t| !seen.contains(t));
            if let Some(t) = target {
                seen.push(t);
            }
            columns.push((text, target));
        }
        let score = seen.len();
        if score < 3 || !seen.contains(&Target::Name) {
            continue;
        }
        // A CIF column makes a header far more believable than any other column.
        let weight = |d: &Detection| {
            d.score * 2 + usize::from(d.columns.iter().any(|(_, t)| *t == Some(Target::VatCode))) * 3
        };
        let candidate = Detection {
            header_row: r,
            columns,
            score,
        };
        if best.as_ref().is_none_or(|b| weight(&candidate) > weight(b)) {
            best = Some(candidate);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_after_folding() {
        assert_eq!(classify_header("Denumire"), Some(Target::Name));
        assert_eq!(classify_header("CIF/CNP"), Some(Target::VatCode));
        assert_eq!(classify_header("Cod fiscal"), Some(Target::VatCode));
        assert_eq!(classify_header("Nr. Reg.\nCom."), Some(Target::RegCom));
        assert_eq!(classify_header("Reg. Com."), Some(Target::RegCom));
        assert_eq!(classify_header("JUDEȚ"), Some(Target::County));
        assert_eq!(classify_header("Judeţ"), Some(Target::County));
        assert_eq!(classify_header("Țara"), Some(Target::Country));
        assert_eq!(classify_header("Cod poștal"), Some(Target::PostalCode));
        assert_eq!(classify_header("Cod client"), Some(Target::ClientCode));
        assert_eq!(classify_header("Persoana de\ncontact"), Some(Target::Contact));
        assert_eq!(classify_header("Contact"), Some(Target::Contact));
        assert_eq!(classify_header("Cont bancar"), Some(Target::Iban));
        assert_eq!(classify_header("Plătitor TVA"), Some(Target::VatPayer));
        assert_eq!(classify_header("Adresa sediu social"), Some(Target::Address));
        assert_eq!(classify_header("E-mail"), Some(Target::Email));
        assert_eq!(classify_header("Oraș"), Some(Target::City));
        assert_eq!(classify_header("Observații"), None);
        assert_eq!(classify_header("Contabil"), None);
        assert_eq!(classify_header("Denumire banca"), Some(Target::Bank));
        assert_eq!(classify_header(""), None);
    }

    fn text_row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|c| Cell::Text(c.to_string().into())).collect()
    }

    #[test]
    fn finds_the_header_below_title_rows() {
        let sheet = Sheet {
            rows: vec![
                text_row(&["Lista clienti"]),
                text_row(&["Firma Mea SRL", "", "27.11.2026"]),
                vec![],
                text_row(&["Nr. crt.", "Denumire", "CIF", "Reg. Com.", "Adresa", "Observatii"]),
                text_row(&["1", "Alfa SRL", "RO18547290", "J40/1/2020", "Str. A 1", ""]),
            ],
            ..Default::default()
        };
        let d = detect(&sheet).expect("header found");
        assert_eq!(d.header_row, 3);
        assert_eq!(d.columns[0].1, None);
        assert_eq!(d.columns[1].1, Some(Target::Name));
        assert_eq!(d.columns[2].1, Some(Target::VatCode));
        assert_eq!(d.columns[5].1, None);
    }

    #[test]
    fn no_header_without_a_name_column() {
        let sheet = Sheet {
            rows: vec![
                text_row(&["Produs", "Cantitate", "Pret"]),
                text_row(&["Cui", "Judet", "Tara"]),
            ],
            ..Default::default()
        };
        assert_eq!(detect(&sheet), None);
    }
}
