//! Rows of the client sheet → validated candidates (one per company), with every problem named:
//! the CIF control digit, CNPs, missing names, numeric cells that lost their leading zeros,
//! several e-mails in a cell, too long cells, and duplicates merged.

use std::collections::HashMap;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};

use super::grid::{Cell, Sheet};
use super::headers::Target;
use crate::cif::{cnp_valid, parse_cif, CifProblem};
use crate::i18n::{Lang, Text};
use crate::text::fold;

/// Who a row describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// A Romanian company, keyed by its CIF digits.
    Company,
    /// A company outside Romania, keyed by its VAT code as written.
    Foreign,
    /// A person (CNP, or SmartBill's "-" / "0" for an individual without one).
    Individual,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressData {
    pub country: String,
    pub county: String,
    pub city: String,
    pub postal_code: String,
    pub street: String,
}

impl AddressData {
    pub fn is_empty(&self) -> bool {
        self.county.is_empty()
            && self.city.is_empty()
            && self.postal_code.is_empty()
            && self.street.is_empty()
    }
}

/// A problem with a row. Errors keep the row out of the import; warnings are shown and the row
/// goes in.
/// Sent as `{"code": "missingName", …}` (internally tagged, without serde's `Content` buffer:
/// `tagged`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename = "\u{0}code", rename_all = "camelCase")]
pub enum Issue {
    MissingName,
    CifControlDigit {
        value: String,
    },
    CifInvalid {
        value: String,
    },
    CnpInvalid {
        value: String,
    },
    /// An individual without CIF/CNP ("-", "0"): matched by name.
    NoFiscalCode,
    /// The CIF cell was a number in Excel (read back without decimals).
    NumericCif {
        value: String,
    },
    /// A numeric postal code cell lost its leading zero(s).
    PostalCodePadded {
        from: String,
        to: String,
    },
    /// A numeric phone cell lost its leading zero.
    PhonePadded {
        from: String,
        to: String,
    },
    /// Several e-mails in one cell: the first goes to the company.
    ExtraEmails {
        kept: String,
        others: Vec<String>,
    },
    BadEmail {
        value: String,
    },
    BadIban {
        value: String,
    },
    TooLong {
        column: String,
        chars: usize,
        max: usize,
    },
    /// A formula error (`#N/A`) or a formula without a computed value.
    CellError {
        column: String,
        value: String,
    },
    /// This row repeats the company of an earlier row and was merged into it.
    MergedInto {
        row: u32,
    },
    /// A merged duplicate had another value for a column; the first row's is kept.
    DuplicateConflict {
        column: String,
        row: u32,
        kept: String,
        other: String,
    },
}

crate::tagged::internally_tagged!(Issue, "code");

impl Issue {
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Issue::MissingName
                | Issue::CifControlDigit { .. }
                | Issue::CifInvalid { .. }
                | Issue::CnpInvalid { .. }
                | Issue::TooLong { .. }
        )
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            Issue::MissingName => lang.text(Text::RowMissingName).to_string(),
            Issue::CifControlDigit { value } => lang.fill(Text::RowCifControlDigit, &[("value", &value)]),
            Issue::CifInvalid { value } => lang.fill(Text::RowCifInvalid, &[("value", &value)]),
            Issue::CnpInvalid { value } => lang.fill(Text::RowCnpInvalid, &[("value", &value)]),
            Issue::NoFiscalCode => lang.text(Text::RowNoFiscalCode).to_string(),
            Issue::NumericCif { value } => lang.fill(Text::RowNumericCif, &[("value", &value)]),
            Issue::PostalCodePadded { from, to } => {
                lang.fill(Text::RowPostalCodePadded, &[("from", &from), ("to", &to)])
            }
            Issue::PhonePadded { from, to } => {
                lang.fill(Text::RowPhonePadded, &[("from", &from), ("to", &to)])
            }
            Issue::ExtraEmails { kept, others } => lang.fill(
                Text::RowExtraEmails,
                &[("kept", &kept), ("others", &others.join(", "))],
            ),
            Issue::BadEmail { value } => lang.fill(Text::RowBadEmail, &[("value", &value)]),
            Issue::BadIban { value } => lang.fill(Text::RowBadIban, &[("value", &value)]),
            Issue::TooLong { column, chars, max } => lang.fill(
                Text::RowTooLong,
                &[("column", &column), ("chars", &chars), ("max", &max)],
            ),
            Issue::CellError { column, value } => {
                lang.fill(Text::RowCellError, &[("column", &column), ("value", &value)])
            }
            Issue::MergedInto { row } => lang.fill(Text::RowMergedInto, &[("row", &row)]),
            Issue::DuplicateConflict {
                column,
                row,
                kept,
                other,
            } => lang.fill(
                Text::RowDuplicateConflict,
                &[
                    ("row", &row),
                    ("column", &column),
                    ("other", &other),
                    ("kept", &kept),
                ],
            ),
        }
    }
}

/// One company (or individual) to import, after validation and merging of duplicates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Candidate {
    /// The spreadsheet row (1-based) this company comes from.
    pub row: u32,
    /// Later rows merged into this one.
    pub merged_rows: Vec<u32>,
    pub kind: Option<Kind>,
    /// The matching key (`cif:18547290`, `cnp:…`, `vat:HU12345678`, `name:popescuion`); `None`
    /// for an invalid row.
    pub key: Option<String>,
    pub name: String,
    /// CIF digits (Company), the CNP (Individual) or the VAT code as written (Foreign).
    pub vat: String,
    /// A foreign company's EU VAT code, compact (`HU12345678`); empty otherwise (a Romanian
    /// payer's `RO…` code is made from [`Candidate::vat`]).
    pub eu_vat: String,
    /// Registered for VAT: the CIF had the RO prefix or the "Plătitor TVA" column said so.
    pub vat_payer: bool,
    pub reg_com: String,
    pub email: String,
    pub phone: String,
    pub iban: String,
    pub bank: String,
    pub client_code: String,
    pub contact: String,
    pub address: AddressData,
    pub issues: Vec<Issue>,
}

impl Candidate {
    pub fn valid(&self) -> bool {
        self.key.is_some() && !self.issues.iter().any(Issue::is_error)
    }

    pub fn merged(&self) -> bool {
        self.issues.iter().any(|i| matches!(i, Issue::MergedInto { .. }))
    }

    /// The CIF/CNP as the file wrote it, when it was refused (shown beside the reason).
    pub fn rejected_vat(&self) -> Option<&str> {
        self.issues.iter().find_map(|i| match i {
            Issue::CifControlDigit { value } | Issue::CifInvalid { value } | Issue::CnpInvalid { value } => {
                Some(value.as_str())
            }
            _ => None,
        })
    }

    /// The fiscal code to show: the accepted one, or the refused one as written.
    pub fn shown_vat(&self) -> &str {
        match self.rejected_vat() {
            Some(v) if self.vat.is_empty() => v,
            _ => &self.vat,
        }
    }
}

/// The mapping of a sheet: the header row and each column's target.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    pub header_row: usize,
    /// Per column: header text and target.
    pub columns: Vec<(String, Option<Target>)>,
}

impl Mapping {
    fn column_of(&self, target: Target) -> Option<usize> {
        self.columns.iter().position(|(_, t)| *t == Some(target))
    }
}

/// The result of reading a sheet with a mapping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapped {
    /// Valid and invalid candidates in file order; merged duplicates stay as their own entries
    /// (with [`Issue::MergedInto`]) so the report can name every row.
    pub candidates: Vec<Candidate>,
    pub empty_rows: usize,
}

struct RowReader<'a> {
    row: &'a [Cell],
    mapping: &'a Mapping,
    cols: [Option<usize>; Target::ALL.len()],
    issues: Vec<Issue>,
}

impl RowReader<'_> {
    fn cell(&self, target: Target) -> Option<(&Cell, usize)> {
        let col = self.cols[target as usize]?;
        Some((self.row.get(col).unwrap_or(&Cell::Empty), col))
    }

    fn header(&self, col: usize) -> String {
        self.mapping
            .columns
            .get(col)
            .map(|(h, _)| h.replace(['\n', '\r'], " "))
            .unwrap_or_default()
    }

    /// The text of a column, spaces collapsed, with length and formula errors reported.
    fn text(&mut self, target: Target) -> String {
        let Some((cell, col)) = self.cell(target) else {
            return String::new();
        };
        let raw = match cell {
            Cell::Error(e) => {
                let column = self.header(col);
                self.issues.push(Issue::CellError {
                    column,
                    value: e.clone(),
                });
                return String::new();
            }
            Cell::Text(t) => collapse(t),
            other => other.text(),
        };
        let chars = raw.chars().count();
        if chars > target.max_chars() {
            let column = self.header(col);
            self.issues.push(Issue::TooLong {
                column,
                chars,
                max: target.max_chars(),
            });
            return raw.chars().take(80).collect::<String>() + "…";
        }
        raw
    }

    fn is_number(&self, target: Target) -> bool {
        matches!(self.cell(target), Some((Cell::Number(_), _)))
    }
}

/// Spaces, tabs and line breaks collapse to one space; the ends are trimmed.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Reads every row below the header into candidates, then merges duplicates.
pub fn map_sheet(sheet: &Sheet, mapping: &Mapping) -> Mapped {
    let mut cols = [None; Target::ALL.len()];
    for t in Target::ALL {
        cols[t as usize] = mapping.column_of(t);
    }
    let mut out = Mapped::default();
    for (r, row) in sheet.rows.iter().enumerate().skip(mapping.header_row + 1) {
        let mapped_cols = cols.iter().flatten();
        if mapped_cols
            .clone()
            .all(|&c| row.get(c).is_none_or(Cell::is_empty))
        {
            out.empty_rows += 1;
            continue;
        }
        let reader = RowReader {
            row,
            mapping,
            cols,
            issues: Vec::new(),
        };
        out.candidates.push(read_row(reader, r as u32 + 1));
    }
    merge_duplicates(&mut out.candidates);
    out
}

fn read_row(mut rd: RowReader<'_>, row_number: u32) -> Candidate {
    let mut c = Candidate {
        row: row_number,
        ..Default::default()
    };
    c.name = rd.text(Target::Name);
    c.reg_com = rd.text(Target::RegCom);
    c.bank = rd.text(Target::Bank);
    c.client_code = rd.text(Target::ClientCode);
    c.contact = rd.text(Target::Contact);
    c.address = AddressData {
        country: rd.text(Target::Country),
        county: rd.text(Target::County),
        city: rd.text(Target::City),
        postal_code: rd.text(Target::PostalCode),
        street: rd.text(Target::Address),
    };
    // Numeric postal codes lose their leading zeros (Bucharest's start with 0: 010011).
    if rd.is_number(Target::PostalCode) && (1..6).contains(&c.address.postal_code.len()) {
        let to = format!("{:0>6}", c.address.postal_code);
        rd.issues.push(Issue::PostalCodePadded {
            from: c.address.postal_code.clone(),
            to: to.clone(),
        });
        c.address.postal_code = to;
    }
    // Romanian phone numbers have 10 digits starting with 0; a numeric cell keeps 9.
    c.phone = rd.text(Target::Phone);
    if rd.is_number(Target::Phone) && c.phone.len() == 9 && !c.phone.starts_with('0') {
        let to = format!("0{}", c.phone);
        rd.issues.push(Issue::PhonePadded {
            from: c.phone.clone(),
            to: to.clone(),
        });
        c.phone = to;
    }
    let payer_cell = rd.text(Target::VatPayer);
    let payer_column = vat_payer(&payer_cell);
    read_emails(&mut rd, &mut c);
    read_iban(&mut rd, &mut c);
    let numeric_vat = rd.is_number(Target::VatCode);
    let vat_raw = rd.text(Target::VatCode);
    read_vat(&mut rd.issues, &mut c, &vat_raw, numeric_vat, payer_column);
    if c.name.is_empty() {
        rd.issues.push(Issue::MissingName);
    }
    if c.address.country.is_empty() && c.kind != Some(Kind::Foreign) {
        c.address.country = "Romania".to_string();
    }
    c.issues = rd.issues;
    if c.issues.iter().any(Issue::is_error) {
        c.key = None;
    }
    c
}

fn vat_payer(text: &str) -> Option<bool> {
    match fold(text).as_str() {
        "" => None,
        "da" | "yes" | "true" | "1" | "x" | "platitor" | "platitortva" | "igen" => Some(true),
        "nu" | "no" | "false" | "0" | "neplatitor" | "neplatitortva" | "nem" => Some(false),
        _ => None,
    }
}

fn is_romania(country: &str) -> bool {
    matches!(
        fold(country).as_str(),
        "" | "romania" | "ro" | "rou" | "romaniaro"
    )
}

/// VAT prefixes of the other EU member states (VIES; `EL` is Greece, `XI` Northern Ireland).
/// Romania's `RO` is not here: a Romanian CIF is checked by its control digit instead.
pub const EU_VAT_PREFIXES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "SE", "SI", "SK", "XI",
];

/// An EU VAT code of another member state, compact and upper-case (`HU12345678`,
/// `DE123456789`, `ATU12345678`, `FR1A123456789`): a known prefix, then 2–12 letters or digits
/// with at least one digit. The national formats are not checked further: VIES is the judge.
pub fn eu_vat_code(compact: &str) -> bool {
    let Some((prefix, rest)) = compact.split_at_checked(2) else {
        return false;
    };
    EU_VAT_PREFIXES.contains(&prefix)
        && (2..=12).contains(&rest.len())
        && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && rest.chars().any(|c| c.is_ascii_digit())
}

fn read_vat(issues: &mut Vec<Issue>, c: &mut Candidate, raw: &str, numeric: bool, payer: Option<bool>) {
    let compact: String = raw
        .chars()
        .filter(|ch| !ch.is_whitespace() && !matches!(ch, '.' | '-' | '/'))
        .collect();
    let no_code = compact.is_empty() || compact.chars().all(|ch| ch == '0');
    if no_code {
        // SmartBill accepts "-", "0" or zeros as the CNP of an individual (peers.md §b.1).
        c.kind = Some(Kind::Individual);
        if !c.name.is_empty() {
            issues.push(Issue::NoFiscalCode);
            c.key = Some(format!("name:{}", name_key(&c.name)));
        }
        return;
    }
    let upper = crate::text::upper(&compact);
    if eu_vat_code(&upper) {
        // A company of another EU state: its VAT code is kept whole (prefix included), whatever
        // the country column says (or when there is none). It is its EU VAT number by definition.
        c.kind = Some(Kind::Foreign);
        c.vat = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        c.eu_vat = upper.clone();
        c.vat_payer = payer.unwrap_or(true);
        c.key = Some(format!("vat:{upper}"));
        return;
    }
    let digits_only = compact.chars().all(|ch| ch.is_ascii_digit());
    let ro_prefixed = upper.starts_with("RO");
    if !is_romania(&c.address.country) && !ro_prefixed && !digits_only {
        // A VAT code from outside the EU: no Romanian control digit applies.
        c.kind = Some(Kind::Foreign);
        c.vat = upper;
        c.vat_payer = payer.unwrap_or(false);
        c.key = Some(format!("vat:{}", c.vat));
        return;
    }
    if digits_only && compact.len() == 13 {
        c.kind = Some(Kind::Individual);
        if cnp_valid(&compact) {
            c.vat = compact.clone();
            c.key = Some(format!("cnp:{compact}"));
        } else {
            issues.push(Issue::CnpInvalid {
                value: raw.to_string(),
            });
        }
        return;
    }
    c.kind = Some(Kind::Company);
    match parse_cif(&compact) {
        Ok(cif) => {
            if numeric {
                issues.push(Issue::NumericCif {
                    value: cif.digits.clone(),
                });
            }
            c.vat_payer = payer.unwrap_or(cif.ro_prefix);
            c.key = Some(format!("cif:{}", cif.digits));
            c.vat = cif.digits;
        }
        Err(CifProblem::ControlDigit) => issues.push(Issue::CifControlDigit {
            value: raw.to_string(),
        }),
        Err(_) => issues.push(Issue::CifInvalid {
            value: raw.to_string(),
        }),
    }
}

/// The folded words of a name, sorted ("Popescu Ion" and "Ion Popescu" are the same person).
pub fn name_key(name: &str) -> String {
    let mut words: Vec<String> = name
        .split_whitespace()
        .map(fold)
        .filter(|w| !w.is_empty())
        .collect();
    crate::platform::sort_short_by(&mut words, |a, b| a < b);
    words.join(" ")
}

pub fn email_ok(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.chars().all(|c| !c.is_whitespace() && !c.is_control())
}

fn read_emails(rd: &mut RowReader<'_>, c: &mut Candidate) {
    let cell = rd.text(Target::Email);
    let mut good = Vec::new();
    for part in cell
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let part = part.trim_matches(['<', '>', '"', '\'']);
        if email_ok(part) {
            good.push(part.to_string());
        } else {
            rd.issues.push(Issue::BadEmail {
                value: part.to_string(),
            });
        }
    }
    let mut good = good.into_iter();
    c.email = good.next().unwrap_or_default();
    let others: Vec<String> = good.collect();
    if !others.is_empty() {
        rd.issues.push(Issue::ExtraEmails {
            kept: c.email.clone(),
            others,
        });
    }
}

/// IBAN check digits (ISO 13616, mod 97).
pub fn iban_ok(iban: &str) -> bool {
    if iban.len() < 15 || iban.len() > 34 || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rem: u32 = 0;
    for ch in tail.chars().chain(head.chars()) {
        let v = match ch.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn read_iban(rd: &mut RowReader<'_>, c: &mut Candidate) {
    let raw = rd.text(Target::Iban);
    let compact: String = raw
        .chars()
        .filter(|ch| !ch.is_whitespace())
        .map(crate::text::upper_char)
        .collect();
    if compact.is_empty() {
        return;
    }
    if compact
        .get(..2)
        .is_some_and(|p| p.chars().all(|ch| ch.is_ascii_alphabetic()))
        && !iban_ok(&compact)
    {
        rd.issues.push(Issue::BadIban { value: raw.clone() });
    }
    c.iban = compact;
}

/// Rows with the same key are one company: the first row keeps its values, later rows fill its
/// gaps, conflicts are reported, and the later rows are marked as merged.
fn merge_duplicates(candidates: &mut [Candidate]) {
    let mut first: HashMap<String, usize> = HashMap::new();
    for i in 0..candidates.len() {
        let Some(key) = candidates[i].key.clone() else {
            continue;
        };
        if !candidates[i].valid() {
            continue;
        }
        match first.get(&key) {
            None => {
                first.insert(key, i);
            }
            Some(&j) => {
                let (head, tail) = candidates.split_at_mut(i);
                let keep = &mut head[j];
                let dup = &mut tail[0];
                fill(keep, dup);
                keep.merged_rows.push(dup.row);
                dup.issues.push(Issue::MergedInto { row: keep.row });
            }
        }
    }
}

fn fill(keep: &mut Candidate, dup: &Candidate) {
    let row = dup.row;
    let mut conflicts = Vec::new();
    {
        let mut merge = |label: Target, a: &mut String, b: &String| {
            if a.is_empty() {
                a.clone_from(b);
            } else if !b.is_empty() && fold(a) != fold(b) {
                conflicts.push(Issue::DuplicateConflict {
                    column: label.label(Lang::Ro),
                    row,
                    kept: a.clone(),
                    other: b.clone(),
                });
            }
        };
        merge(Target::Name, &mut keep.name, &dup.name);
        merge(Target::RegCom, &mut keep.reg_com, &dup.reg_com);
        merge(Target::Email, &mut keep.email, &dup.email);
        merge(Target::Phone, &mut keep.phone, &dup.phone);
        merge(Target::Iban, &mut keep.iban, &dup.iban);
        merge(Target::Bank, &mut keep.bank, &dup.bank);
        merge(Target::ClientCode, &mut keep.client_code, &dup.client_code);
        merge(Target::Contact, &mut keep.contact, &dup.contact);
        merge(Target::County, &mut keep.address.county, &dup.address.county);
        merge(Target::City, &mut keep.address.city, &dup.address.city);
        merge(
            Target::PostalCode,
            &mut keep.address.postal_code,
            &dup.address.postal_code,
        );
        merge(Target::Address, &mut keep.address.street, &dup.address.street);
    }
    keep.vat_payer |= dup.vat_payer;
    keep.issues.extend(conflicts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_keep_their_wire_form() {
        use serde_json::json;
        for (issue, wire) in [
            (Issue::MissingName, json!({"code": "missingName"})),
            (
                Issue::PhonePadded {
                    from: "7".into(),
                    to: "07".into(),
                },
                json!({"code": "phonePadded", "from": "7", "to": "07"}),
            ),
        ] {
            assert_eq!(serde_json::to_value(&issue).unwrap(), wire);
            assert_eq!(crate::platform::from_value::<Issue>(wire).unwrap(), issue);
        }
        let unknown = crate::platform::from_value::<Issue>(json!({"code": "nope"}));
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("unknown variant `nope`"));
    }

    fn sheet(rows: Vec<Vec<Cell>>) -> Sheet {
        Sheet {
            rows,
            ..Default::default()
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn mapping(targets: &[Option<Target>]) -> Mapping {
        Mapping {
            header_row: 0,
            columns: targets.iter().map(|t| (String::new(), *t)).collect(),
        }
    }

    #[test]
    fn validates_rows() {
        use Target::*;
        let m = mapping(&[
            Some(Name),
            Some(VatCode),
            Some(Email),
            Some(PostalCode),
            Some(Phone),
        ]);
        let s = sheet(vec![
            vec![],
            vec![
                t("Alfa SRL"),
                t("RO 18547290"),
                t("a@alfa.ro; b@alfa.ro"),
                Cell::Number(10011.0),
                Cell::Number(722123456.0),
            ],
            vec![t("Beta SRL"), t("RO18547291")],
            vec![t(""), Cell::Number(31826470.0)],
            vec![t("Ion Popescu"), t("1850315224515")],
            vec![t("Maria Ionescu"), t("-")],
            vec![t("Gama"), t("1850315224516")],
            vec![t("Alfa S.R.L."), t("18547290"), t("x@alfa.ro")],
            vec![t(""), t("")],
        ]);
        let m = map_sheet(&s, &m);
        let c = &m.candidates;
        assert_eq!(c.len(), 7);
        assert_eq!(m.empty_rows, 1);
        assert_eq!(c[0].key.as_deref(), Some("cif:18547290"));
        assert!(c[0].vat_payer);
        assert_eq!(c[0].email, "a@alfa.ro");
        assert_eq!(c[0].address.postal_code, "010011");
        assert_eq!(c[0].phone, "0722123456");
        assert!(c[0].valid());
        assert_eq!(c[0].merged_rows, vec![8]);
        assert!(c[6].merged());
        assert!(c[0]
            .issues
            .iter()
            .any(|i| matches!(i, Issue::DuplicateConflict { column, .. } if column == "E-mail")));
        assert!(matches!(c[1].issues[0], Issue::CifControlDigit { .. }));
        assert!(!c[1].valid());
        assert!(c[2].issues.contains(&Issue::MissingName));
        assert!(c[2].issues.iter().any(|i| matches!(i, Issue::NumericCif { .. })));
        assert_eq!(c[3].kind, Some(Kind::Individual));
        assert_eq!(c[3].key.as_deref(), Some("cnp:1850315224515"));
        assert_eq!(c[4].key.as_deref(), Some("name:ionescu maria"));
        assert!(c[5].issues.iter().any(|i| matches!(i, Issue::CnpInvalid { .. })));
    }

    #[test]
    fn foreign_eu_vat_codes_are_kept() {
        use Target::*;
        let m = mapping(&[Some(Name), Some(VatCode), Some(Country)]);
        let s = sheet(vec![
            vec![],
            vec![t("Budapest Kft"), t("HU12345678")],
            vec![t("München GmbH"), t("DE 123456789"), t("Germania")],
            vec![t("Wien GmbH"), t("atu12345678"), t("România")],
            vec![t("Paris SAS"), t("FR1A123456789")],
            vec![t("Alfa SRL"), t("RO18547290")],
            vec![t("Greșit SRL"), t("XX12345678")],
            vec![t("Zürich AG"), t("CHE-123.456.789"), t("Elveția")],
        ]);
        let c = map_sheet(&s, &m).candidates;
        let expect = [
            ("HU12345678", "HU12345678"),
            ("DE 123456789", "DE123456789"),
            ("atu12345678", "ATU12345678"),
            ("FR1A123456789", "FR1A123456789"),
        ];
        for (i, (vat, eu)) in expect.iter().enumerate() {
            assert_eq!(c[i].kind, Some(Kind::Foreign), "{:?}", c[i]);
            assert!(c[i].valid(), "{:?}", c[i]);
            assert_eq!(c[i].vat, *vat);
            assert_eq!(c[i].eu_vat, *eu);
            assert_eq!(c[i].key.as_deref(), Some(format!("vat:{eu}").as_str()));
        }
        assert_eq!(c[0].address.country, "", "not made Romanian");
        assert_eq!(c[4].kind, Some(Kind::Company));
        assert_eq!(c[4].vat, "18547290");
        assert!(c[4].eu_vat.is_empty());
        // Not an EU prefix, and the country is Romania (by default): a bad CIF, shown as written.
        assert!(!c[5].valid());
        assert_eq!(c[5].rejected_vat(), Some("XX12345678"));
        assert_eq!(c[5].shown_vat(), "XX12345678");
        // Outside the EU: kept as it is, no EU VAT number.
        assert_eq!(c[6].kind, Some(Kind::Foreign));
        assert_eq!(c[6].vat, "CHE123456789");
        assert!(c[6].eu_vat.is_empty());
        assert!(eu_vat_code("EL123456789"));
        assert!(!eu_vat_code("RO18547290"));
        assert!(!eu_vat_code("HU"));
        assert!(!eu_vat_code("DEABCDEFGH"));
    }

    #[test]
    fn iban_check() {
        assert!(iban_ok("RO49AAAA1B31007593840000"));
        assert!(!iban_ok("RO49AAAA1B31007593840001"));
    }
}
