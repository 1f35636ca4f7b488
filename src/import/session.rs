//! The import page's state: a parsed workbook, the sheet with the clients, the column mapping the
//! user may change, and the validated candidates. Pure; the page's WASM module wraps it.

use serde::Serialize;
use serde_json::{json, Value};

use super::grid::Workbook;
use super::headers::{detect, Detection, Target};
use super::rows::{map_sheet, Candidate, Mapped, Mapping};
use super::view::{IssueView, Tally, TallyKind};
use crate::error::import::ImportError;
use crate::i18n::{Lang, Text};

/// At most this many companies per import: the job lives in `chrome.storage.local` (10 MB) and
/// 20,000 companies already take MiniCRM about a day at 60 calls a minute.
pub const MAX_COMPANIES: usize = 20_000;

/// Rows shown in the page's issue list (the counts cover all of them).
const PREVIEW_ROWS: usize = 300;

/// What the page shows of a file before anything is sent to MiniCRM (the page's WASM module's
/// `preview`, `setColumn`, `setSheet`).
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportPreview"))]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub file_name: String,
    /// The index of the sheet used, in [`Preview::sheets`].
    pub sheet: usize,
    pub sheets: Vec<SheetView>,
    /// 1-based.
    pub header_row: usize,
    pub columns: Vec<ColumnView>,
    /// What a column may be imported as.
    pub targets: Vec<TargetView>,
    pub counts: PreviewCounts,
    /// The count boxes: valid companies, invalid rows, merged duplicates, rows with remarks.
    pub tallies: Vec<Tally>,
    /// The first rows with an issue.
    pub rows: Vec<PreviewRow>,
    pub notes: Vec<String>,
}

#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportSheet"))]
#[serde(rename_all = "camelCase")]
pub struct SheetView {
    pub index: usize,
    pub name: String,
    /// It has a recognisable header.
    pub usable: bool,
    pub rows: usize,
}

/// A column of the sheet: its header, what it is mapped to, a few of its values.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportColumn"))]
#[serde(rename_all = "camelCase")]
pub struct ColumnView {
    pub index: usize,
    pub letter: String,
    pub header: String,
    /// A target's id; none: ignored.
    pub target: Option<String>,
    pub samples: Vec<String>,
}

#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportTarget"))]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    pub id: String,
    pub label: String,
}

#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportPreviewCounts"))]
#[serde(rename_all = "camelCase")]
pub struct PreviewCounts {
    pub rows: usize,
    pub companies: usize,
    pub invalid: usize,
    pub merged: usize,
    pub warnings: usize,
    pub empty_rows: usize,
}

/// A row with an error or a warning.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportPreviewRow"))]
#[serde(rename_all = "camelCase")]
pub struct PreviewRow {
    pub row: u32,
    pub name: String,
    /// A refused CIF/CNP is shown as the file wrote it, beside the reason.
    pub vat: String,
    pub rejected_vat: Option<String>,
    pub valid: bool,
    pub issues: Vec<IssueView>,
}

pub struct Session {
    pub file_name: String,
    /// The file's content hash ([`super::content_hash`]), sent with the candidates.
    pub file_hash: String,
    pub lang: Lang,
    workbook: Workbook,
    /// Per sheet: the detected header (if any).
    detections: Vec<Option<Detection>>,
    sheet: usize,
    mapping: Mapping,
    mapped: Mapped,
    /// The file had a header with a CIF column (vs. the user adding one).
    pub notes: Vec<String>,
}

impl Session {
    /// Picks the sheet with clients (the best header among all sheets), maps and validates it.
    pub fn new(workbook: Workbook, file_name: &str, lang: Lang) -> Result<Session, ImportError> {
        if workbook
            .sheets
            .iter()
            .all(|s| s.rows.iter().all(|r| r.iter().all(|c| c.is_empty())))
        {
            return Err(ImportError::EmptyFile);
        }
        let detections: Vec<Option<Detection>> = workbook.sheets.iter().map(detect).collect();
        let best = detections
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.as_ref().map(|d| (i, d)))
            .max_by_key(|(i, d)| {
                let has_cif = d.columns.iter().any(|(_, t)| *t == Some(Target::VatCode));
                let rows = workbook.sheets[*i].rows.len();
                (usize::from(has_cif), d.score, rows)
            })
            .map(|(i, _)| i);
        let Some(sheet) = best else {
            return Err(ImportError::NoHeader {
                sheets: workbook.sheets.iter().map(|s| s.name.clone()).collect(),
            });
        };
        let mut session = Session {
            file_name: file_name.to_string(),
            file_hash: String::new(),
            lang,
            workbook,
            detections,
            sheet,
            mapping: Mapping {
                header_row: 0,
                columns: Vec::new(),
            },
            mapped: Mapped::default(),
            notes: Vec::new(),
        };
        session.use_sheet(sheet)?;
        Ok(session)
    }

    fn use_sheet(&mut self, index: usize) -> Result<(), ImportError> {
        let Some(Some(d)) = self.detections.get(index) else {
            return Err(ImportError::NoHeader {
                sheets: vec![self
                    .workbook
                    .sheets
                    .get(index)
                    .map(|s| s.name.clone())
                    .unwrap_or_default()],
            });
        };
        self.sheet = index;
        let width = self.workbook.sheets[index].width().max(d.columns.len());
        let mut columns = d.columns.clone();
        columns.resize(width, (String::new(), None));
        self.mapping = Mapping {
            header_row: d.header_row,
            columns,
        };
        self.remap()
    }

    fn remap(&mut self) -> Result<(), ImportError> {
        self.mapped = map_sheet(&self.workbook.sheets[self.sheet], &self.mapping);
        Ok(())
    }

    /// Too many companies for one import job (checked again by the background's `match`).
    pub fn too_many(&self) -> Option<ImportError> {
        let companies = self
            .mapped
            .candidates
            .iter()
            .filter(|c| c.valid() && !c.merged())
            .count();
        (companies > MAX_COMPANIES).then_some(ImportError::TooManyRows {
            rows: companies,
            max: MAX_COMPANIES,
        })
    }

    /// Another sheet of the workbook (one with a recognisable header).
    pub fn set_sheet(&mut self, index: usize) -> Result<(), ImportError> {
        self.use_sheet(index)
    }

    /// The user's choice for a column: a target id, or "" to ignore it. A target already used by
    /// another column moves to this one.
    pub fn set_column(&mut self, column: usize, target: &str) -> Result<(), ImportError> {
        let target = Target::from_id(target);
        if column >= self.mapping.columns.len() {
            return Ok(());
        }
        if let Some(t) = target {
            for (_, other) in self.mapping.columns.iter_mut() {
                if *other == Some(t) {
                    *other = None;
                }
            }
        }
        self.mapping.columns[column].1 = target;
        self.remap()
    }

    pub fn candidates(&self) -> &[Candidate] {
        &self.mapped.candidates
    }

    /// The background's `match` action for this file and mapping (the page sends it as it is).
    pub fn match_action(&self) -> Value {
        json!({
            "type": "match",
            "fileName": self.file_name,
            "fileHash": self.file_hash,
            "candidates": self.mapped.candidates,
        })
    }

    /// What the page shows before anything is sent to MiniCRM.
    pub fn preview(&self) -> Preview {
        let lang = self.lang;
        let c = &self.mapped.candidates;
        let counts = PreviewCounts {
            rows: c.len(),
            companies: c.iter().filter(|c| c.valid() && !c.merged()).count(),
            invalid: c.iter().filter(|c| !c.valid()).count(),
            merged: c.iter().filter(|c| c.merged()).count(),
            warnings: c
                .iter()
                .filter(|c| c.valid() && c.issues.iter().any(|i| !i.is_error()))
                .count(),
            empty_rows: self.mapped.empty_rows,
        };
        let sheets = self
            .workbook
            .sheets
            .iter()
            .zip(&self.detections)
            .enumerate()
            .map(|(i, (s, d))| SheetView {
                index: i,
                name: s.name.clone(),
                usable: d.is_some(),
                rows: s.rows.len(),
            })
            .collect();
        Preview {
            file_name: self.file_name.clone(),
            sheet: self.sheet,
            sheets,
            header_row: self.mapping.header_row + 1,
            columns: self.column_views(),
            targets: Target::ALL
                .iter()
                .map(|t| TargetView {
                    id: t.id().to_string(),
                    label: t.label(lang),
                })
                .collect(),
            tallies: tallies(&counts, lang),
            counts,
            rows: self.rows_with_issues(),
            notes: self.preview_notes(),
        }
    }

    /// Each column of the sheet: its header, what it is mapped to, a few of its values.
    fn column_views(&self) -> Vec<ColumnView> {
        let sheet = &self.workbook.sheets[self.sheet];
        let header_row = self.mapping.header_row;
        self.mapping
            .columns
            .iter()
            .enumerate()
            .map(|(i, (header, target))| {
                let samples: Vec<String> = sheet
                    .rows
                    .iter()
                    .skip(header_row + 1)
                    .map(|r| r.get(i).map(|c| c.text()).unwrap_or_default())
                    .filter(|s| !s.trim().is_empty())
                    .take(3)
                    .map(|s| s.chars().take(60).collect())
                    .collect();
                ColumnView {
                    index: i,
                    letter: column_letter(i),
                    header: header.replace(['\n', '\r'], " "),
                    target: target.map(|t| t.id().to_string()),
                    samples,
                }
            })
            .collect()
    }

    /// The first rows with an issue (an error or a warning), with their messages.
    fn rows_with_issues(&self) -> Vec<PreviewRow> {
        let lang = self.lang;
        self.mapped
            .candidates
            .iter()
            .filter(|c| !c.issues.is_empty())
            .take(PREVIEW_ROWS)
            .map(|c| PreviewRow {
                row: c.row,
                name: c.name.clone(),
                vat: c.shown_vat().to_string(),
                rejected_vat: c.rejected_vat().map(str::to_string),
                valid: c.valid(),
                issues: c
                    .issues
                    .iter()
                    .map(|i| IssueView {
                        error: i.is_error(),
                        message: i.message(lang),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The notes above the preview: the reading's, too many companies, formulas without a value,
    /// the sheet chosen among several, no CIF column.
    fn preview_notes(&self) -> Vec<String> {
        let lang = self.lang;
        let sheet = &self.workbook.sheets[self.sheet];
        let mut notes = self.notes.clone();
        if let Some(e) = self.too_many() {
            notes.push(e.message(lang));
        }
        if sheet.formulas_without_value > 0 {
            notes.push(lang.fill(
                Text::SheetFormulasWithoutValue,
                &[("cells", &sheet.formulas_without_value)],
            ));
        }
        if self.workbook.sheets.len() > 1 {
            notes.push(lang.fill(
                Text::SheetSeveralSheets,
                &[("sheets", &self.workbook.sheets.len()), ("name", &sheet.name)],
            ));
        }
        if !self
            .mapping
            .columns
            .iter()
            .any(|(_, t)| *t == Some(Target::VatCode))
        {
            notes.push(lang.text(Text::SheetNoCifColumn).to_string());
        }
        notes
    }
}

/// 0 → A, 25 → Z, 26 → AA.
/// The preview's count boxes, labelled in `lang`.
fn tallies(counts: &PreviewCounts, lang: Lang) -> Vec<Tally> {
    let tally = |value: usize, text: Text, kind: TallyKind| Tally {
        value: u32::try_from(value).unwrap_or(u32::MAX),
        label: lang.text(text).to_string(),
        kind,
    };
    vec![
        tally(counts.companies, Text::TallyCompanies, TallyKind::New),
        tally(counts.invalid, Text::TallyInvalid, TallyKind::Invalid),
        tally(counts.merged, Text::TallyMerged, TallyKind::Merged),
        tally(counts.warnings, Text::TallyWarnings, TallyKind::Unchanged),
    ]
}

pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn letters() {
        assert_eq!(super::column_letter(0), "A");
        assert_eq!(super::column_letter(25), "Z");
        assert_eq!(super::column_letter(26), "AA");
        assert_eq!(super::column_letter(27), "AB");
    }
}
