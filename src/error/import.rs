//! What can stop the company import: a file that cannot be imported at all, and the background
//! job refusing an action (with the job's phase it names).

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Text};

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
            ImportError::EmptyFile => lang.text(Text::ImportEmptyFile).to_string(),
            ImportError::NotSpreadsheet { hint } => {
                let extra = match hint.as_str() {
                    "csv" => lang.text(Text::ImportLooksLikeCsv),
                    "html" => lang.text(Text::ImportLooksLikeHtml),
                    "pdf" => lang.text(Text::ImportLooksLikePdf),
                    _ => "",
                };
                lang.fill(Text::ImportNotSpreadsheet, &[("extra", &extra)])
            }
            ImportError::Truncated => lang.text(Text::ImportTruncated).to_string(),
            ImportError::PasswordProtected => lang.text(Text::ImportPasswordProtected).to_string(),
            ImportError::Corrupt { .. } => lang.text(Text::ImportCorrupt).to_string(),
            ImportError::ZipBomb { declared_mb } => {
                lang.fill(Text::ImportZipBomb, &[("declared_mb", &declared_mb)])
            }
            ImportError::TooLarge { mb, max_mb } => {
                lang.fill(Text::ImportTooLarge, &[("mb", &mb), ("max_mb", &max_mb)])
            }
            ImportError::TooManyRows { rows, max } => too_many_rows(lang, *rows, *max),
            ImportError::NoHeader { sheets } => {
                lang.fill(Text::ImportNoHeader, &[("sheets", &sheets.join(", "))])
            }
        }
    }
}

/// "Too many rows": a file's, and a job's with too many companies.
fn too_many_rows(lang: Lang, rows: usize, max: usize) -> String {
    lang.fill(Text::ImportTooManyRows, &[("rows", &rows), ("max", &max)])
}

/// Where the import job is (`import::job`'s head); here because a [`JobProblem`] names it.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportPhase"))]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
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
            JobProblem::Busy => lang.text(Text::ImportBusy).to_string(),
            JobProblem::NoJob => lang.text(Text::ImportNoJob).to_string(),
            JobProblem::WrongPhase { .. } => lang.text(Text::ImportWrongPhase).to_string(),
            // The file's text, not through `ImportError::message`: every module that can raise
            // this (the full core included) would link all of a file's error texts.
            JobProblem::TooMany { companies, max } => too_many_rows(lang, *companies, *max),
            JobProblem::TooManyHits { query, max } => {
                lang.fill(Text::ImportTooManyHits, &[("query", &query), ("max", &max)])
            }
            JobProblem::Nothing => lang.text(Text::ImportNothing).to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_companies_read_as_the_files_too_many_rows() {
        for lang in [Lang::Ro, Lang::En, Lang::Hu] {
            let job = JobProblem::TooMany {
                companies: 2001,
                max: 2000,
            };
            let file = ImportError::TooManyRows {
                rows: 2001,
                max: 2000,
            };
            assert_eq!(job.message(lang), file.message(lang));
            assert!(job.message(lang).contains("2001"), "{}", job.message(lang));
        }
    }
}
