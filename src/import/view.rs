//! What the import page shows of the background job: the replies of the `import` command, as
//! types (`types/core.d.ts` is generated from them). The page renders them and decides nothing:
//! which buttons exist, the progress and the estimated duration in words, which counts show, are
//! decided here.

use serde::Serialize;

use super::job::{action_label, done_label, phase_label, Counts, Head, JobRow};
use super::plan::Action;
use crate::error::import::Phase;
use crate::error::ErrorView;
use crate::i18n::{Lang, Text};

/// The reply of every import action but `report`: the stored job (none when there is none), a
/// page of its rows, and what keeps the import from reaching MiniCRM.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportStatus {
    pub job: Option<JobView>,
    /// The index of the first of [`ImportStatus::rows`] among the job's rows.
    pub offset: usize,
    pub rows: Vec<RowView>,
    /// The MiniCRM settings' problems, as the options page names them (or the settings' own
    /// error when they cannot be read): the import looks the companies up in MiniCRM and writes
    /// them there, so while this is not empty a file is previewed but not matched (`match`
    /// answers with no job). Empty: the import can go on.
    pub setup: Vec<ErrorView>,
}

impl ImportStatus {
    /// No job stored.
    pub fn none(setup: Vec<ErrorView>) -> ImportStatus {
        ImportStatus {
            job: None,
            offset: 0,
            rows: Vec::new(),
            setup,
        }
    }
}

/// The reply of the `report` action: the CSV report and the name to save it under.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportReport"))]
#[serde(rename_all = "camelCase")]
pub struct ReportFile {
    pub csv: String,
    pub file_name: String,
}

/// A reply of the `import` command.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(untagged)]
pub enum ImportReply {
    Status(Box<ImportStatus>),
    Report(ReportFile),
}

impl From<ImportStatus> for ImportReply {
    fn from(status: ImportStatus) -> ImportReply {
        ImportReply::Status(Box::new(status))
    }
}

/// What the page can do with a job: each is one button, shown only when listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportJobAction"))]
#[serde(rename_all = "camelCase")]
pub enum JobAction {
    /// Write what the preview showed (the `start` action).
    Start,
    /// Go on writing a job that was stopped or cancelled midway (the `start` action too).
    Resume,
    /// Stop matching or writing after the current row.
    Cancel,
    /// Download the CSV report.
    Report,
    /// Forget the job and pick another file (the `discard` action).
    Again,
}

/// Which of the page's count boxes a [`Tally`] is (its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportTallyKind"))]
#[serde(rename_all = "camelCase")]
pub enum TallyKind {
    New,
    Update,
    Unchanged,
    Failed,
    Invalid,
    Merged,
}

/// One count box: a number and what it counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportTally"))]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub value: u32,
    pub label: String,
    pub kind: TallyKind,
}

/// The job as the page shows it.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportJob"))]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub file_name: String,
    pub phase: Phase,
    pub phase_label: String,
    pub rows: usize,
    pub matched: usize,
    pub to_match: usize,
    pub written: usize,
    pub counts: Counts,
    /// The count boxes, in order: the plan's before writing, what was done after.
    pub tallies: Vec<Tally>,
    /// MiniCRM fields the account lacks, not imported.
    pub left_out: Vec<String>,
    /// [`JobView::left_out`] in words; none when nothing is left out.
    pub left_out_note: Option<String>,
    pub planned_calls: u32,
    pub write_calls: u32,
    pub calls: u32,
    pub ms_per_call: i64,
    pub eta_ms: i64,
    /// The progress bar, 0–100.
    pub percent: u8,
    /// The progress in words (`12 / 25 · 40 apeluri`); none when there is none to show.
    pub progress: Option<String>,
    /// The estimated duration in words, or that there is nothing to write.
    pub eta: Option<String>,
    /// Why the job stopped or is paused, in words.
    pub problem: Option<String>,
    /// The job writes in the background (the page may be closed).
    pub background: bool,
    /// The buttons, in order.
    pub actions: Vec<JobAction>,
    /// Ask again after this many milliseconds (the job looks up or writes).
    pub refresh_ms: Option<u32>,
    pub retry_at: Option<i64>,
    pub error: Option<String>,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
}

/// An issue of a row, in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportIssue"))]
#[serde(rename_all = "camelCase")]
pub struct IssueView {
    pub error: bool,
    pub message: String,
}

/// One row of the job's table.
#[derive(Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportRow"))]
#[serde(rename_all = "camelCase")]
pub struct RowView {
    pub row: u32,
    pub name: String,
    /// The CIF/CNP to show: the accepted one, or the refused one as written.
    pub vat: String,
    /// The refused CIF/CNP as written (the reason is among the issues).
    pub rejected_vat: Option<String>,
    /// What the plan does with the row.
    pub action: Option<Action>,
    pub action_label: Option<String>,
    /// What was done.
    pub done: Option<Action>,
    pub done_label: Option<String>,
    pub error: Option<String>,
    /// The fields an update changes.
    pub changes: Vec<String>,
    pub issues: Vec<IssueView>,
}

/// How often the page asks again while the job looks up or writes.
const REFRESH_MS: u32 = 600;

/// The view of a job row.
pub fn row_view(r: &JobRow, lang: Lang) -> RowView {
    let plan_action = r.plan.as_ref().map(|p| p.action);
    RowView {
        row: r.c.row,
        name: r.c.name.clone(),
        vat: r.c.shown_vat().to_string(),
        rejected_vat: r.c.rejected_vat().map(str::to_string),
        action: plan_action,
        action_label: plan_action.map(|a| action_label(a, lang)),
        done: r.done,
        done_label: r.done.map(|a| done_label(a, r.error.is_some(), lang)),
        error: r.error.clone(),
        changes: r.plan.as_ref().map(|p| p.changes.clone()).unwrap_or_default(),
        issues: r
            .c
            .issues
            .iter()
            .map(|i| IssueView {
                error: i.is_error(),
                message: i.message(lang),
            })
            .collect(),
    }
}

/// The view of a job: `eta_ms` is the estimate of what is left, `ms_per_call` what it is made of.
pub fn job_view(head: &Head, eta_ms: i64, ms_per_call: i64, lang: Lang) -> JobView {
    let left_out = head.left_out.clone();
    let left_out_note =
        (!left_out.is_empty()).then(|| format!("{} {}", lang.text(Text::JobLeftOut), left_out.join(", ")));
    JobView {
        id: head.id.clone(),
        file_name: head.file_name.clone(),
        phase: head.phase,
        phase_label: phase_label(head.phase, lang),
        rows: head.rows,
        matched: head.match_cursor.min(head.rows),
        to_match: head.to_match,
        written: head.cursor.min(head.rows),
        counts: head.counts.clone(),
        tallies: tallies(head, lang),
        left_out,
        left_out_note,
        planned_calls: head.planned_calls,
        write_calls: head.write_calls,
        calls: head.calls,
        ms_per_call,
        eta_ms,
        percent: percent(head),
        progress: progress_text(head, lang),
        eta: eta_text(head, eta_ms, lang),
        problem: problem_text(head, lang),
        background: head.phase == Phase::Running,
        actions: actions(head),
        refresh_ms: matches!(head.phase, Phase::Matching | Phase::Running).then_some(REFRESH_MS),
        retry_at: head.retry_at,
        error: head.error.clone(),
        started_ms: head.started_ms,
        finished_ms: head.finished_ms,
    }
}

/// Whether the preview has anything to write.
fn writable(head: &Head) -> bool {
    head.counts.create + head.counts.update > 0
}

/// The page's buttons for a job, in order.
pub fn actions(head: &Head) -> Vec<JobAction> {
    let unfinished = head.cursor < head.rows && writable(head);
    let mut actions = Vec::new();
    match head.phase {
        Phase::Matched if writable(head) => actions.push(JobAction::Start),
        Phase::Matching | Phase::Running => actions.push(JobAction::Cancel),
        // Stopped before its end: a job that wrote is resumed, a preview never started is
        // started.
        Phase::Cancelled | Phase::Failed if unfinished => actions.push(if head.started_ms.is_some() {
            JobAction::Resume
        } else {
            JobAction::Start
        }),
        _ => {}
    }
    if matches!(head.phase, Phase::Done | Phase::Cancelled | Phase::Failed) {
        actions.extend([JobAction::Report, JobAction::Again]);
    }
    actions
}

/// How far along the job is: `(done, total)` rows of its current phase.
fn done_of(head: &Head) -> (usize, usize) {
    match head.phase {
        Phase::Matching => (head.match_cursor.min(head.rows), head.rows),
        Phase::Matched => (0, head.rows),
        _ => (head.cursor.min(head.rows), head.rows),
    }
}

/// The progress bar's percentage (rounded).
pub fn percent(head: &Head) -> u8 {
    let (done, total) = done_of(head);
    if total == 0 {
        return 0;
    }
    let pct = (200 * done.min(total) + total) / (2 * total);
    u8::try_from(pct).unwrap_or(100)
}

/// `12 / 25 · 40 apeluri` while the job looks up or writes, and when it is done.
pub fn progress_text(head: &Head, lang: Lang) -> Option<String> {
    if !matches!(head.phase, Phase::Matching | Phase::Running | Phase::Done) {
        return None;
    }
    let (done, total) = done_of(head);
    Some(format!(
        "{done} / {total} · {} {}",
        head.calls,
        lang.text(Text::JobCalls)
    ))
}

/// The estimated duration of what is left, in words; that nothing is to be written, for a
/// preview with nothing to write; none once the job has stopped.
pub fn eta_text(head: &Head, eta_ms: i64, lang: Lang) -> Option<String> {
    let eta = lang.text(Text::JobEta);
    match head.phase {
        Phase::Matched if !writable(head) => Some(lang.text(Text::JobNothingToDo).to_string()),
        Phase::Matched => Some(format!(
            "{eta} ≈ {} ({} {})",
            duration(eta_ms),
            head.planned_calls,
            lang.text(Text::JobCalls)
        )),
        Phase::Matching | Phase::Running => Some(format!("{eta} ≈ {}", duration(eta_ms))),
        Phase::Done | Phase::Cancelled | Phase::Failed => None,
    }
}

/// `45 s`, `12 min 5 s`, `3 h 20 min` (rounded to the second).
pub fn duration(ms: i64) -> String {
    let s = ms.max(0).saturating_add(500) / 1000;
    let m = s / 60;
    if s < 60 {
        format!("{s} s")
    } else if m < 60 {
        format!("{m} min {} s", s % 60)
    } else {
        format!("{} h {} min", m / 60, m % 60)
    }
}

/// Why a job stopped (failed), or until when a writing job is paused and why.
pub fn problem_text(head: &Head, lang: Lang) -> Option<String> {
    let error = head.error.as_deref()?;
    match head.retry_at {
        Some(at) if head.phase == Phase::Running => {
            let until = crate::platform::when::hms(crate::platform::local_ro(at));
            Some(format!("{} {until}. {error}", lang.text(Text::JobPausedUntil)))
        }
        _ if head.phase == Phase::Failed => Some(error.to_string()),
        _ => None,
    }
}

/// The count boxes: the plan's (new, to update, unchanged) until the job writes, then what was
/// done (created, updated, unchanged, errors); invalid and merged rows always.
pub fn tallies(head: &Head, lang: Lang) -> Vec<Tally> {
    let c = &head.counts;
    let tally = |value: u32, text: Text, kind: TallyKind| Tally {
        value,
        label: lang.text(text).to_string(),
        kind,
    };
    let mut out = if matches!(head.phase, Phase::Matching | Phase::Matched) {
        vec![
            tally(c.create, Text::TallyNew, TallyKind::New),
            tally(c.update, Text::JobActionUpdate, TallyKind::Update),
            tally(c.unchanged, Text::TallyUnchanged, TallyKind::Unchanged),
        ]
    } else {
        vec![
            tally(c.created, Text::TallyCreated, TallyKind::New),
            tally(c.updated, Text::TallyUpdated, TallyKind::Update),
            tally(c.unchanged, Text::TallyUnchanged, TallyKind::Unchanged),
            tally(c.failed, Text::TallyFailed, TallyKind::Failed),
        ]
    };
    out.push(tally(c.invalid, Text::TallyInvalid, TallyKind::Invalid));
    out.push(tally(c.merged, Text::TallyMerged, TallyKind::Merged));
    out
}

/// The TypeScript declarations of the import page's replies (for `types/core.d.ts`).
#[cfg(test)]
pub fn typescript(cfg: &ts_rs::Config) -> Vec<String> {
    use ts_rs::TS;
    vec![
        ImportReply::decl(cfg),
        ImportStatus::decl(cfg),
        ReportFile::decl(cfg),
        JobView::decl(cfg),
        JobAction::decl(cfg),
        Tally::decl(cfg),
        TallyKind::decl(cfg),
        RowView::decl(cfg),
        IssueView::decl(cfg),
        Counts::decl(cfg),
        Phase::decl(cfg),
        Action::decl(cfg),
        super::session::Preview::decl(cfg),
        super::session::SheetView::decl(cfg),
        super::session::ColumnView::decl(cfg),
        super::session::TargetView::decl(cfg),
        super::session::PreviewCounts::decl(cfg),
        super::session::PreviewRow::decl(cfg),
    ]
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
