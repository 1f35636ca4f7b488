//! The import job, run by the background worker: match the page's candidates against MiniCRM,
//! plan, then write row by row through the shared MiniCRM governor (background priority).
//!
//! State lives in the [`Store`] (`chrome.storage.local`): a head (`import.job`: phase, cursors,
//! counts) and the rows in chunks of [`CHUNK`] (`import.rows.<job>.<n>`), written after every row,
//! so a worker stopped at any point resumes where it was. Before a company is created the row
//! records the intent (`in_flight`); a resumed row whose create may have reached MiniCRM looks the
//! company up by its key first and never creates it twice.
//!
//! Searches use only the parameters §2.4 documents for `GET /Api/R3/Contact` (`Query`, `Name`,
//! `MainContactId`, `Page`): never `VatNumber`, `Type` or another standard field, which a tenant
//! may honour, ignore or refuse. A company is looked for with `Query=<code>` (whole words, so a
//! Romanian CIF is asked both bare and as `RO<digits>`), and every hit is checked on our side
//! against its detail (`VatNumber`/`EUVatNumber` normalised, the right `Type`): the server's
//! filtering is never trusted. Name searches are compared on our side too.
//!
//! MiniCRM calls per row (minicrm-api.md §2.4, §2.5):
//! - match, new company: 2 searches (`Query` with the bare CIF and with `RO`), plus 1 detail per
//!   hit of the right type that turns out not to be it; individuals without a CNP: 1–2 searches
//!   by `Name` (the name as written, then with the family name last);
//! - match, existing company: the search, its detail (1, the verification's), `AddressList` (1)
//!   and the default address (1), and, when the row names a contact person, 1 search of the
//!   company's persons; that is 4–6 calls;
//! - write: create = contact (1) + address (1, if any) + person (1, if any); update = only the
//!   parts that differ (0–3); unchanged = 0. A company gone from MiniCRM since its lookup (404) is
//!   looked up again and created, never reported as an error.
//! - once per job: the Business and Person schemas (2).
//!
//! Lookups belong to one file (its content hash) and are made afresh by each `match`; only a new
//! mapping of the same file, while its preview is recent ([`LOOKUP_REUSE_MS`]) and nothing was
//! written since, reuses them.

use std::cell::Cell as StdCell;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::plan::{plan_row, same, Action, Existing, ExistingAddress, RowPlan, SchemaInfo};
use super::rows::{name_key, Candidate, Kind};
use super::view::{self, ImportReply, ImportStatus, ReportFile};
use crate::app::App;
use crate::error::{Error, ErrorView, MiniCrmKind, Result};
use crate::i18n::{Lang, Text};
use crate::jobs::Priority;
use crate::minicrm::{ContactSummary, MiniCrm};
use crate::platform::{self, Store};

pub use crate::error::import::{JobProblem, Phase};

const HEAD_KEY: &str = "import.job";
const CANCEL_KEY: &str = "import.cancel";
/// When an import last began writing to MiniCRM (ms); lookups older than this are stale.
const LAST_WRITE_KEY: &str = "import.lastWriteMs";
/// A preview's lookups serve a new mapping of the same file for this long (unscaled ms).
pub const LOOKUP_REUSE_MS: i64 = 10 * 60_000;
/// Result pages (100 contacts each, §1.5) read per search before the row is left undecided.
const MAX_SEARCH_PAGES: u64 = 3;
/// Rows per stored chunk.
pub const CHUNK: usize = 100;
/// How long one call may wait for a governor slot before the runner pauses (and resumes later).
const MAX_WAIT_MS: i64 = 120_000;
/// A row is given up (reported as failed) after this many transient failures.
const MAX_ATTEMPTS: u8 = 3;
/// Pause after a transient failure (unscaled).
const RETRY_MS: i64 = 20_000;

thread_local! {
    static RUNNING: StdCell<bool> = const { StdCell::new(false) };
    static WAKE: StdCell<bool> = const { StdCell::new(false) };
    /// Bumped whenever `handle` replaces or removes the job, so a runner busy with the old one
    /// does not write over the new one.
    static GENERATION: StdCell<u64> = const { StdCell::new(0) };
}

/// Whether the last `handle` left work for a runner (the WASM surface then spawns [`resume`]).
pub fn wake_wanted() -> bool {
    WAKE.with(|w| w.replace(false))
}

fn generation() -> u64 {
    GENERATION.with(StdCell::get)
}

fn bump_generation() {
    GENERATION.with(|g| g.set(g.get() + 1));
}

fn problem(p: JobProblem) -> Error {
    Error::Import { problem: p }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ImportCounts"))]
#[serde(rename_all = "camelCase", default)]
pub struct Counts {
    pub create: u32,
    pub update: u32,
    pub unchanged: u32,
    pub invalid: u32,
    pub merged: u32,
    /// Executed so far.
    pub created: u32,
    pub updated: u32,
    pub failed: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    pub id: String,
    pub file_name: String,
    /// The file's content hash (from the page's reader): lookups belong to one file.
    #[serde(default)]
    pub file_hash: String,
    /// When the oldest of the rows' lookups was made (ms); a new mapping of the same file reuses
    /// them only while they are recent.
    #[serde(default)]
    pub lookups_ms: i64,
    pub lang: Lang,
    pub phase: Phase,
    pub rows: usize,
    /// Rows that need a MiniCRM lookup (valid, not merged).
    pub to_match: usize,
    pub match_cursor: usize,
    pub cursor: usize,
    pub schema: Option<SchemaInfo>,
    pub left_out: Vec<String>,
    pub counts: Counts,
    /// Calls the planned writes take / have taken.
    pub planned_calls: u32,
    pub write_calls: u32,
    /// All MiniCRM calls of this job.
    pub calls: u32,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    /// Paused (transient failure or a MiniCRM lockout) until then.
    pub retry_at: Option<i64>,
    pub error: Option<String>,
}

/// What the tick reads of the stored [`Head`]: the rest of it is the import job's, which runs in
/// a module of its own in the worker (the full core then links no reader of the whole head).
#[derive(LeanDeserialize)]
#[serde(rename_all = "camelCase")]
struct HeadGlance {
    phase: Phase,
    retry_at: Option<i64>,
}

/// Which write of a row may have reached MiniCRM without its answer being recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    CreateContact,
    UpdateContact,
    Address,
    Person,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobRow {
    pub c: Candidate,
    pub looked_up: bool,
    pub existing: Option<Existing>,
    pub plan: Option<RowPlan>,
    pub contact_id: Option<u64>,
    pub contact_done: bool,
    pub address_done: bool,
    pub person_done: bool,
    pub in_flight: Option<Step>,
    pub attempts: u8,
    /// Executed: the action taken (or attempted).
    pub done: Option<Action>,
    pub error: Option<String>,
}

fn chunk_key(id: &str, n: usize) -> String {
    format!("import.rows.{id}.{n}")
}

fn storage(e: String) -> Error {
    Error::Storage { detail: e }
}

async fn load_head(store: &dyn Store) -> Result<Option<Head>> {
    platform::load(store, HEAD_KEY).await.map_err(storage)
}

async fn load_chunk(store: &dyn Store, id: &str, n: usize) -> Result<Vec<JobRow>> {
    Ok(platform::load(store, &chunk_key(id, n))
        .await
        .map_err(storage)?
        .unwrap_or_default())
}

async fn save_chunk(store: &dyn Store, id: &str, n: usize, rows: &[JobRow]) -> Result<()> {
    platform::save(store, &chunk_key(id, n), &rows)
        .await
        .map_err(storage)
}

async fn save_head(store: &dyn Store, head: &Head) -> Result<()> {
    platform::save(store, HEAD_KEY, head).await.map_err(storage)
}

async fn remove_job(store: &dyn Store, head: &Head) -> Result<()> {
    for n in 0..head.rows.div_ceil(CHUNK) {
        store.remove(&chunk_key(&head.id, n)).await.map_err(storage)?;
    }
    store.remove(HEAD_KEY).await.map_err(storage)
}

async fn all_rows(store: &dyn Store, head: &Head) -> Result<Vec<JobRow>> {
    let mut out = Vec::with_capacity(head.rows);
    for n in 0..head.rows.div_ceil(CHUNK) {
        out.extend(load_chunk(store, &head.id, n).await?);
    }
    Ok(out)
}

/// Milliseconds one background MiniCRM call takes on average under the governor.
fn ms_per_call(app: &App<'_>) -> i64 {
    let g = &app.runtime.governors.minicrm;
    let limit = g.limit();
    let slots = i64::from(limit.calls.saturating_sub(limit.reserve).max(1));
    g.window_ms() / slots
}

/// Estimated calls a match of `rows` still-unlooked-up rows takes (new companies: 2 searches).
const MATCH_CALLS_PER_ROW: i64 = 2;

/// The import page's action (`{"cmd": "import", "action": {…}}`), named in `type` beside its
/// fields (read through [`crate::tagged`]).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(remote = "Self", rename = "\u{0}type", rename_all = "camelCase")]
pub enum ImportAction {
    /// Look the page's candidates up in MiniCRM and plan (nothing is written).
    #[serde(rename_all = "camelCase")]
    Match {
        file_name: String,
        /// The file's content hash ([`super::content_hash`]); lookups are never shared between
        /// files. Missing: nothing is reused.
        #[serde(default)]
        file_hash: String,
        candidates: Vec<Candidate>,
    },
    /// Progress, counts and a page of rows.
    #[serde(rename_all = "camelCase")]
    Status {
        #[serde(default)]
        offset: usize,
        #[serde(default = "default_limit")]
        limit: usize,
    },
    /// Write what the preview showed.
    Start {},
    Cancel {},
    /// The CSV report (row, company, action, error).
    Report {},
    /// Forget the job (not while it writes).
    Discard {},
    /// The page could not read a newly chosen file. The previous job, unless it is writing, is
    /// dropped, as the new file's `match` would have replaced it: its preview and its import
    /// button must not stay beside the new file's error.
    FileRejected {},
}

impl<'de> Deserialize<'de> for ImportAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let said = |e: &dyn std::fmt::Display| D::Error::custom(format_args!("import action: {e}"));
        // The internally tagged form (`crate::tagged`).
        ImportAction::deserialize(deserializer).map_err(|e| said(&e))
    }
}

fn default_limit() -> usize {
    50
}

/// Commands of the import page, run in the background worker: the reply as JSON.
pub async fn handle(app: &App<'_>, action: ImportAction, lang: Lang) -> Result<crate::reply::ReplyText> {
    let reply = run_action(app, action, lang).await?;
    Ok(crate::reply::to_json(reply))
}

/// Runs an action of the import page: the job's status after it, or the report.
pub async fn run_action(app: &App<'_>, action: ImportAction, lang: Lang) -> Result<ImportReply> {
    let store = app.store;
    match action {
        ImportAction::Match {
            file_name,
            file_hash,
            candidates,
        } => start_match(app, file_name, file_hash, candidates, lang).await?,
        ImportAction::Status { offset, limit } => {
            return status(app, lang, offset, limit).await.map(ImportReply::from)
        }
        ImportAction::Start {} => start(app).await?,
        ImportAction::Cancel {} => cancel(app).await?,
        ImportAction::Report {} => return report(app, lang).await.map(ImportReply::Report),
        ImportAction::Discard {} => {
            if let Some(head) = load_head(store).await? {
                if head.phase == Phase::Running {
                    return Err(problem(JobProblem::Busy));
                }
                bump_generation();
                remove_job(store, &head).await?;
            }
        }
        ImportAction::FileRejected {} => {
            if let Some(head) = load_head(store).await? {
                if head.phase != Phase::Running {
                    bump_generation();
                    remove_job(store, &head).await?;
                }
            }
        }
    }
    status(app, lang, 0, default_limit()).await.map(ImportReply::from)
}

/// What keeps the import from reaching MiniCRM: the MiniCRM settings' problems, or the error
/// that kept the settings from being read; empty when the import can go on.
async fn setup(app: &App<'_>) -> Vec<Error> {
    match app.settings().await {
        Ok(settings) => settings.validate_minicrm(&app.host_permissions),
        Err(e) => vec![e],
    }
}

/// Whether a new file must wait for the MiniCRM settings: nothing can be looked up yet, so no
/// job is made (the page keeps its preview and asks again once the status says the settings are
/// complete), and the job of an earlier file, which is not running, is dropped rather than shown
/// beside the new preview.
async fn waits_for_setup(app: &App<'_>, old: Option<&Head>) -> Result<bool> {
    if setup(app).await.is_empty() {
        return Ok(false);
    }
    if let Some(old) = old {
        bump_generation();
        remove_job(app.store, old).await?;
    }
    Ok(true)
}

/// Starts (or resumes) writing a matched job; a preview with nothing to write is done at once.
async fn start(app: &App<'_>) -> Result<()> {
    let store = app.store;
    let mut head = load_head(store)
        .await?
        .ok_or_else(|| problem(JobProblem::NoJob))?;
    match head.phase {
        Phase::Matched | Phase::Cancelled | Phase::Failed if head.cursor < head.rows => {}
        Phase::Running => {}
        phase => return Err(problem(JobProblem::WrongPhase { phase })),
    }
    if head.counts.create + head.counts.update == 0 && head.phase == Phase::Matched {
        head.phase = Phase::Done;
        head.finished_ms = Some(app.clock.now_ms());
    } else {
        head.phase = Phase::Running;
        head.started_ms.get_or_insert(app.clock.now_ms());
    }
    head.error = None;
    head.retry_at = None;
    store.remove(CANCEL_KEY).await.map_err(storage)?;
    if head.phase == Phase::Running {
        // Every lookup made before this moment may be stale from now on.
        platform::save(store, LAST_WRITE_KEY, &app.clock.now_ms())
            .await
            .map_err(storage)?;
    }
    bump_generation();
    save_head(store, &head).await
}

/// Cancels a job: a working one at its next step (at once when no runner is active), a preview
/// at once.
async fn cancel(app: &App<'_>) -> Result<()> {
    let store = app.store;
    let head = load_head(store)
        .await?
        .ok_or_else(|| problem(JobProblem::NoJob))?;
    if matches!(head.phase, Phase::Matching | Phase::Running) {
        platform::save(store, CANCEL_KEY, &head.id)
            .await
            .map_err(storage)?;
        if !RUNNING.with(StdCell::get) {
            apply_cancel(app, head).await?;
        }
    } else if head.phase == Phase::Matched {
        let mut head = head;
        head.phase = Phase::Cancelled;
        bump_generation();
        save_head(store, &head).await?;
    }
    Ok(())
}

/// The job's CSV report and its file name.
async fn report(app: &App<'_>, lang: Lang) -> Result<ReportFile> {
    let store = app.store;
    let head = load_head(store)
        .await?
        .ok_or_else(|| problem(JobProblem::NoJob))?;
    let rows = all_rows(store, &head).await?;
    let stem = head
        .file_name
        .rsplit_once('.')
        .map(|(s, _)| s.to_string())
        .unwrap_or_else(|| head.file_name.clone());
    Ok(ReportFile {
        csv: report_csv(&rows, lang),
        file_name: format!("{stem}-raport-import.csv"),
    })
}

async fn apply_cancel(app: &App<'_>, mut head: Head) -> Result<()> {
    head.phase = Phase::Cancelled;
    head.finished_ms = Some(app.clock.now_ms());
    bump_generation();
    save_head(app.store, &head).await?;
    app.store.remove(CANCEL_KEY).await.map_err(storage)
}

/// What a new `match` takes over from the job it replaces.
struct Reused {
    /// Company key → what its lookup found.
    cache: std::collections::HashMap<String, Option<Existing>>,
    schema: Option<SchemaInfo>,
    lookups_ms: i64,
}

/// Removes the job a new `match` replaces, keeping its lookups when they may serve (see
/// `reusable_lookups`): lookups belong to the file they were made for, and only while fresh;
/// otherwise every company is looked up again.
async fn replace_old(store: &dyn Store, old: Option<&Head>, file_hash: &str, now: i64) -> Result<Reused> {
    let last_write: Option<i64> = platform::load(store, LAST_WRITE_KEY).await.map_err(storage)?;
    let mut reused = Reused {
        cache: Default::default(),
        schema: None,
        lookups_ms: now,
    };
    if let Some(old) = old {
        if reusable_lookups(old, file_hash, last_write, now) {
            for r in all_rows(store, old).await? {
                if let (true, Some(key)) = (r.looked_up, r.c.key.clone()) {
                    reused.cache.insert(key, r.existing);
                }
            }
            reused.schema = old.schema.clone();
            reused.lookups_ms = old.lookups_ms;
        }
        bump_generation();
        remove_job(store, old).await?;
    }
    Ok(reused)
}

/// Whether the lookups of `old` may serve a new `match`: `old` is a preview (nothing of it was
/// written) of the same file (by content hash), its lookups began after the last import write and
/// are recent. Anything else is looked up afresh: another file, a finished or cancelled job, old
/// lookups.
pub fn reusable_lookups(old: &Head, file_hash: &str, last_write_ms: Option<i64>, now: i64) -> bool {
    matches!(old.phase, Phase::Matching | Phase::Matched)
        && !file_hash.is_empty()
        && old.file_hash == file_hash
        && last_write_ms.is_none_or(|w| w < old.lookups_ms)
        && (0..=LOOKUP_REUSE_MS).contains(&now.saturating_sub(old.lookups_ms))
}

async fn start_match(
    app: &App<'_>,
    file_name: String,
    file_hash: String,
    candidates: Vec<Candidate>,
    lang: Lang,
) -> Result<()> {
    let store = app.store;
    let old = load_head(store).await?;
    if let Some(old) = &old {
        if old.phase == Phase::Running {
            return Err(problem(JobProblem::Busy));
        }
    }
    if waits_for_setup(app, old.as_ref()).await? {
        return Ok(());
    }
    if !candidates.iter().any(|c| c.valid() && !c.merged()) && candidates.iter().all(|c| !c.valid()) {
        return Err(problem(JobProblem::Nothing));
    }
    let companies = candidates.iter().filter(|c| c.valid() && !c.merged()).count();
    if companies > super::session::MAX_COMPANIES {
        return Err(problem(JobProblem::TooMany {
            companies,
            max: super::session::MAX_COMPANIES,
        }));
    }
    let now = app.clock.now_ms();
    let Reused {
        cache,
        schema,
        lookups_ms,
    } = replace_old(store, old.as_ref(), &file_hash, now).await?;
    let rows: Vec<JobRow> = candidates
        .into_iter()
        .map(|c| {
            let mut row = JobRow::default();
            if let Some(hit) = c.key.as_ref().and_then(|k| cache.get(k)) {
                row.looked_up = true;
                row.existing = hit.clone();
            }
            row.c = c;
            row
        })
        .collect();
    let head = Head {
        id: format!("{now:x}"),
        file_name,
        file_hash,
        lookups_ms,
        lang,
        phase: Phase::Matching,
        rows: rows.len(),
        to_match: rows
            .iter()
            .filter(|r| r.c.valid() && !r.c.merged() && !r.looked_up)
            .count(),
        match_cursor: 0,
        cursor: 0,
        schema,
        left_out: Vec::new(),
        counts: Counts::default(),
        planned_calls: 0,
        write_calls: 0,
        calls: 0,
        created_ms: now,
        started_ms: None,
        finished_ms: None,
        retry_at: None,
        error: None,
    };
    for (n, chunk) in rows.chunks(CHUNK).enumerate() {
        save_chunk(store, &head.id, n, chunk).await?;
    }
    store.remove(CANCEL_KEY).await.map_err(storage)?;
    save_head(store, &head).await?;
    Ok(())
}

pub fn phase_label(phase: Phase, lang: Lang) -> String {
    lang.text(match phase {
        Phase::Matching => Text::JobPhaseMatching,
        Phase::Matched => Text::JobPhaseMatched,
        Phase::Running => Text::JobPhaseRunning,
        Phase::Done => Text::JobPhaseDone,
        Phase::Cancelled => Text::JobPhaseCancelled,
        Phase::Failed => Text::JobPhaseFailed,
    })
    .to_string()
}

pub fn action_label(action: Action, lang: Lang) -> String {
    lang.text(match action {
        Action::Create => Text::JobActionCreate,
        Action::Update => Text::JobActionUpdate,
        Action::Unchanged => Text::JobActionUnchanged,
        Action::Invalid => Text::JobActionInvalid,
        Action::Merged => Text::JobActionMerged,
    })
    .to_string()
}

pub fn done_label(action: Action, failed: bool, lang: Lang) -> String {
    if failed {
        return lang.text(Text::JobDoneError).to_string();
    }
    match action {
        Action::Create => lang.text(Text::JobDoneCreated).to_string(),
        Action::Update => lang.text(Text::JobDoneUpdated).to_string(),
        other => action_label(other, lang),
    }
}

async fn status(app: &App<'_>, lang: Lang, offset: usize, limit: usize) -> Result<ImportStatus> {
    let store = app.store;
    // Also refreshes the time scale of the governors from the settings (the ETA depends on it).
    let setup = setup(app).await.iter().map(|e| ErrorView::new(e, lang)).collect();
    let Some(head) = load_head(store).await? else {
        return Ok(ImportStatus::none(setup));
    };
    let now = app.clock.now_ms();
    // A worker that was stopped (or a page reopened) picks the job up again.
    if matches!(head.phase, Phase::Matching | Phase::Running)
        && !RUNNING.with(StdCell::get)
        && head.retry_at.is_none_or(|t| t <= now)
    {
        WAKE.with(|w| w.set(true));
    }
    let per_call = ms_per_call(app);
    let remaining_calls: i64 = match head.phase {
        Phase::Matching => {
            (head.to_match.saturating_sub(head.match_cursor.min(head.to_match)) as i64) * MATCH_CALLS_PER_ROW
                + i64::from(head.planned_calls)
        }
        Phase::Matched | Phase::Running | Phase::Failed | Phase::Cancelled => {
            i64::from(head.planned_calls.saturating_sub(head.write_calls))
        }
        Phase::Done => 0,
    };
    let limit = limit.min(500);
    let mut rows = Vec::new();
    let end = (offset + limit).min(head.rows);
    if offset < end {
        for n in offset / CHUNK..=(end - 1) / CHUNK {
            let chunk = load_chunk(store, &head.id, n).await?;
            for (i, r) in chunk.iter().enumerate() {
                let index = n * CHUNK + i;
                if index >= offset && index < end {
                    rows.push(view::row_view(r, lang));
                }
            }
        }
    }
    Ok(ImportStatus {
        job: Some(view::job_view(&head, remaining_calls * per_call, per_call, lang)),
        offset,
        rows,
        setup,
    })
}

/// The stored import's head, when the import is unfinished.
async fn unfinished(store: &dyn Store) -> Option<HeadGlance> {
    let head = platform::load::<HeadGlance>(store, HEAD_KEY)
        .await
        .ok()
        .flatten()?;
    matches!(head.phase, Phase::Matching | Phase::Running).then_some(head)
}

/// Whether a stored import is unfinished, without asking for anything ([`pending`] asks the
/// worker to run it): the worker's first module hands such a tick on (`front`).
pub async fn under_way(store: &dyn Store) -> bool {
    unfinished(store).await.is_some()
}

/// Whether a stored import is unfinished; if it may run now and no runner is active, asks the
/// worker to run it (see [`wake_wanted`]). For the background tick.
pub async fn pending(app: &App<'_>) -> bool {
    let Some(head) = unfinished(app.store).await else {
        return false;
    };
    if !RUNNING.with(StdCell::get) && head.retry_at.is_none_or(|t| t <= app.clock.now_ms()) {
        WAKE.with(|w| w.set(true));
    }
    true
}

/// Runs the stored job until it is done, waits for the user, or must pause (a lockout, a
/// transient failure: `retry_at`). Called by the alarm, and after `handle` asked for it; a second
/// call while one runs returns at once.
pub async fn resume(app: &App<'_>) -> Result<()> {
    if RUNNING.with(|r| r.replace(true)) {
        return Ok(());
    }
    let result = run(app).await;
    RUNNING.with(|r| r.set(false));
    result
}

enum Flow {
    Continue,
    Stop,
}

async fn run(app: &App<'_>) -> Result<()> {
    loop {
        let Some(head) = load_head(app.store).await? else {
            return Ok(());
        };
        if !matches!(head.phase, Phase::Matching | Phase::Running) {
            return Ok(());
        }
        let cancel: Option<String> = platform::load(app.store, CANCEL_KEY).await.map_err(storage)?;
        if cancel.as_deref() == Some(head.id.as_str()) {
            apply_cancel(app, head).await?;
            return Ok(());
        }
        if head.retry_at.is_some_and(|t| t > app.clock.now_ms()) {
            return Ok(());
        }
        let flow = match step(app, head).await {
            Ok(flow) => flow,
            Err(e) => return Err(e),
        };
        if let Flow::Stop = flow {
            return Ok(());
        }
    }
}

/// Errors that end the whole job until the user acts (credentials, settings).
fn is_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::Setting { .. }
            | Error::NotConfigured
            | Error::Storage { .. }
            | Error::MiniCrm {
                kind: MiniCrmKind::Auth,
                ..
            }
    )
}

/// Errors worth a retry later (nothing wrong with the row).
fn is_transient(e: &Error) -> bool {
    matches!(
        e,
        Error::Unreachable { .. }
            | Error::NoAnswer { .. }
            | Error::Paused { .. }
            | Error::MiniCrm {
                kind: MiniCrmKind::Server | MiniCrmKind::RateLimited,
                ..
            }
    )
}

async fn step(app: &App<'_>, mut head: Head) -> Result<Flow> {
    let gen = generation();
    let settings = match app.settings().await {
        Ok(s) => s,
        Err(e) => return fail(app, head, &e).await,
    };
    let client = match app.minicrm(&settings, Priority::Background, MAX_WAIT_MS) {
        Ok(c) => c,
        Err(e) => return fail(app, head, &e).await,
    };
    let scale = settings.time_scale(&app.host_permissions);
    if head.schema.is_none() {
        match fetch_schema(&client).await {
            Ok(s) => head.schema = Some(s),
            Err(e) => return pause_or_fail(app, head, &e, scale, gen).await,
        }
        head.calls += client.calls();
        if gen == generation() {
            save_head(app.store, &head).await?;
        }
        return Ok(Flow::Continue);
    }
    let schema = head.schema.clone().unwrap_or_default();
    let (index, matching) = match head.phase {
        Phase::Matching => (head.match_cursor, true),
        _ => (head.cursor, false),
    };
    if index >= head.rows {
        return finish_phase(app, head, gen).await;
    }
    let n = index / CHUNK;
    let mut chunk = load_chunk(app.store, &head.id, n).await?;
    let Some(row) = chunk.get_mut(index % CHUNK) else {
        // A lost chunk: nothing sensible to do with these rows.
        head.error = Some("lost rows".into());
        return finish_phase(app, head, gen).await;
    };
    let outcome = if matching {
        match_row(&client, row, &schema).await
    } else {
        exec_row(app, &client, row, &schema, &head.id, n, gen).await
    };
    head.calls += client.calls();
    if gen != generation() {
        return Ok(Flow::Continue);
    }
    match outcome {
        Ok(()) => {
            row_done(&mut head, row, matching);
            save_chunk(app.store, &head.id, n, &chunk).await?;
            save_head(app.store, &head).await?;
            Ok(Flow::Continue)
        }
        Err(e) if is_fatal(&e) => {
            save_chunk(app.store, &head.id, n, &chunk).await?;
            fail(app, head, &e).await
        }
        Err(e) if is_transient(&e) && row.attempts + 1 < MAX_ATTEMPTS => {
            row.attempts += 1;
            save_chunk(app.store, &head.id, n, &chunk).await?;
            pause_or_fail(app, head, &e, scale, gen).await
        }
        Err(e) => {
            give_up_row(&mut head, row, &e, matching, &schema);
            save_chunk(app.store, &head.id, n, &chunk).await?;
            save_head(app.store, &head).await?;
            Ok(Flow::Continue)
        }
    }
}

/// A row matched or written: counted, and the cursor moves on.
fn row_done(head: &mut Head, row: &mut JobRow, matching: bool) {
    row.attempts = 0;
    if matching {
        let plan = row.plan.clone();
        if let Some(plan) = &plan {
            count_plan(head, plan);
        }
        head.match_cursor += 1;
    } else {
        count_done(head, row);
        head.cursor += 1;
    }
    head.retry_at = None;
}

/// This row cannot be done: its error is reported (with the vendor's text) and the cursor goes on
/// with the next; a row whose lookup failed is not imported.
fn give_up_row(head: &mut Head, row: &mut JobRow, e: &Error, matching: bool, schema: &SchemaInfo) {
    let message = e.message(head.lang);
    let vendor = e.vendor_text().map(str::to_string);
    row.error = Some(match vendor {
        Some(v) if !message.contains(&v) => format!("{message} ({v})"),
        _ => message,
    });
    row.in_flight = None;
    if matching {
        row.looked_up = true;
        row.plan = Some(plan_row(&invalidated(&row.c), None, schema));
        head.counts.invalid += 1;
        head.match_cursor += 1;
    } else {
        row.done = row.plan.as_ref().map(|p| p.action);
        head.counts.failed += 1;
        head.cursor += 1;
    }
}

/// A candidate that must not be imported (its lookup failed).
fn invalidated(c: &Candidate) -> Candidate {
    let mut c = c.clone();
    c.key = None;
    c
}

fn count_plan(head: &mut Head, plan: &RowPlan) {
    match plan.action {
        Action::Create => head.counts.create += 1,
        Action::Update => head.counts.update += 1,
        Action::Unchanged => head.counts.unchanged += 1,
        Action::Invalid => head.counts.invalid += 1,
        Action::Merged => head.counts.merged += 1,
    }
    head.planned_calls += plan.calls();
    for f in &plan.left_out {
        if !head.left_out.contains(f) {
            head.left_out.push(f.clone());
        }
    }
}

fn count_done(head: &mut Head, row: &JobRow) {
    let calls = row.plan.as_ref().map(RowPlan::calls).unwrap_or(0);
    head.write_calls += calls;
    match row.done {
        Some(Action::Create) if row.error.is_none() => head.counts.created += 1,
        Some(Action::Update) if row.error.is_none() => head.counts.updated += 1,
        _ => {}
    }
}

async fn finish_phase(app: &App<'_>, mut head: Head, gen: u64) -> Result<Flow> {
    if head.phase == Phase::Matching {
        head.phase = Phase::Matched;
    } else {
        head.phase = Phase::Done;
        head.finished_ms = Some(app.clock.now_ms());
    }
    if gen == generation() {
        save_head(app.store, &head).await?;
    }
    Ok(Flow::Stop)
}

async fn fail(app: &App<'_>, mut head: Head, e: &Error) -> Result<Flow> {
    head.phase = Phase::Failed;
    head.error = Some(e.message(head.lang));
    save_head(app.store, &head).await?;
    Ok(Flow::Stop)
}

async fn pause_or_fail(app: &App<'_>, mut head: Head, e: &Error, scale: f64, gen: u64) -> Result<Flow> {
    if is_fatal(e) {
        return fail(app, head, e).await;
    }
    let now = app.clock.now_ms();
    let until = match e {
        Error::Paused { until_ms, .. } => *until_ms,
        _ => now + (RETRY_MS as f64 / scale.max(1.0)) as i64,
    };
    head.retry_at = Some(until.max(now + 1));
    head.error = Some(e.message(head.lang));
    if gen == generation() {
        save_head(app.store, &head).await?;
    }
    Ok(Flow::Stop)
}

async fn fetch_schema(client: &MiniCrm<'_>) -> Result<SchemaInfo> {
    let business = client.business_schema().await?;
    let person = client.person_schema().await?;
    Ok(SchemaInfo {
        business: business.into_iter().map(|(k, _)| k).collect(),
        person: person.into_iter().map(|(k, _)| k).collect(),
    })
}

/// What a contact's `Type` says: `Some(true)` a person, `Some(false)` a company, `None` a word we
/// do not know. §2.4: search results say "Person"/"Business"; HU tenants return "Személy"/"Cég"
/// in the detail.
fn type_is_person(t: &str) -> Option<bool> {
    match t.trim() {
        "Person" | "Személy" | "Persoană" | "Persoana" => Some(true),
        "Business" | "Cég" | "Companie" => Some(false),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn text_fields(fields: &crate::minicrm::Fields) -> crate::platform::SortedMap<String, String> {
    // The fields come in key order (a `serde_json` map), so each insert appends.
    let mut texts = crate::platform::SortedMap::new();
    for (k, v) in fields {
        texts.insert(k.clone(), text_of(v));
    }
    texts
}

fn is_not_found(e: &Error) -> bool {
    matches!(
        e,
        Error::MiniCrm {
            kind: MiniCrmKind::NotFound,
            ..
        }
    )
}

/// A contact found for a candidate, with its detail when the lookup already read it.
struct Found {
    id: u64,
    detail: Option<crate::minicrm::Fields>,
}

/// The `Query` values (§2.4: whole words, over all text fields) that find the candidate by its
/// fiscal code; `None` when it has none or the account has no field to hold one (then it is
/// looked for by name).
fn vat_queries(c: &Candidate, schema: &SchemaInfo) -> Option<Vec<String>> {
    if c.vat.trim().is_empty() {
        return None;
    }
    let fields = if c.kind == Some(Kind::Individual) {
        &schema.person
    } else {
        &schema.business
    };
    if !fields.iter().any(|f| f == "VatNumber" || f == "EUVatNumber") {
        return None;
    }
    let queries = match c.kind {
        // Whole words: `18547290` does not find `RO18547290`, so both are asked.
        Some(Kind::Company) => vec![c.vat.clone(), format!("RO{}", c.vat)],
        // An EU code, then its number alone (for one kept as "HU 12345678").
        Some(Kind::Foreign) if c.eu_vat.len() > 2 => {
            vec![c.eu_vat.clone(), c.eu_vat[2..].to_string()]
        }
        Some(Kind::Foreign) => vec![c.vat.split_whitespace().collect::<String>()],
        _ => vec![c.vat.clone()],
    };
    Some(queries)
}

/// The `Name` values (§2.4: partial match) for a candidate without a fiscal code: the name as
/// written and, for an individual, with the family name moved last (MiniCRM may show a person's
/// name either way round).
fn name_queries(c: &Candidate) -> Vec<String> {
    let words: Vec<&str> = c.name.split_whitespace().collect();
    let mut out = vec![words.join(" ")];
    if c.kind == Some(Kind::Individual) && words.len() > 1 {
        let turned = [&words[1..], &words[..1]].concat().join(" ");
        if !out.contains(&turned) {
            out.push(turned);
        }
    }
    out
}

/// Whether a contact's detail is the candidate: the right kind (the detail's `Type`, or the
/// search's when the detail's is a word we do not know) and a `VatNumber` or `EUVatNumber` equal
/// to the candidate's code once normalised (spaces, dots and a `RO` prefix ignored).
fn verified(detail: &crate::minicrm::Fields, search_type: &str, c: &Candidate) -> bool {
    let person = c.kind == Some(Kind::Individual);
    let detail_type = detail.get("Type").map(text_of).unwrap_or_default();
    let kind = type_is_person(&detail_type).or_else(|| type_is_person(search_type));
    if kind != Some(person) {
        return false;
    }
    let wanted: Vec<&str> = [c.vat.as_str(), c.eu_vat.as_str()]
        .into_iter()
        .filter(|w| !w.trim().is_empty())
        .collect();
    ["VatNumber", "EUVatNumber"].iter().any(|field| {
        let have = detail.get(*field).map(text_of).unwrap_or_default();
        !have.trim().is_empty() && wanted.iter().any(|w| same("VatNumber", w, &have))
    })
}

/// Every result of one contact search, page after page (100 a page, §1.5), at most
/// [`MAX_SEARCH_PAGES`]; the flag says whether all were read.
async fn search_all(client: &MiniCrm<'_>, key: &str, value: &str) -> Result<(Vec<ContactSummary>, bool)> {
    let mut all = Vec::new();
    for page in 0..MAX_SEARCH_PAGES {
        let number = page.to_string();
        let mut query = vec![(key, value)];
        if page > 0 {
            query.push(("Page", number.as_str()));
        }
        let found = client.search_contacts(&query).await?;
        let got = found.results.len();
        all.extend(found.results);
        if got == 0 || all.len() as u64 >= found.count {
            return Ok((all, true));
        }
    }
    Ok((all, false))
}

/// The candidate's contact in MiniCRM: by fiscal code (every hit verified with its detail), or by
/// name (compared on our side). A search too wide to read whole is an error for the row, never a
/// guess (a guess could create a second company).
async fn find_contact(client: &MiniCrm<'_>, c: &Candidate, schema: &SchemaInfo) -> Result<Option<Found>> {
    let person = c.kind == Some(Kind::Individual);
    if let Some(queries) = vat_queries(c, schema) {
        let mut checked = crate::platform::SortedSet::new();
        let mut undecided = None;
        for q in queries {
            let (mut hits, complete) = search_all(client, "Query", &q).await?;
            crate::platform::sort_short_by(&mut hits, |a, b| a.id < b.id);
            for hit in hits {
                if !checked.insert(hit.id) || type_is_person(&hit.kind) == Some(!person) {
                    continue;
                }
                let detail = match client.contact(hit.id).await {
                    Ok(d) => d,
                    // Gone since the search.
                    Err(e) if is_not_found(&e) => continue,
                    Err(e) => return Err(e),
                };
                if verified(&detail, &hit.kind, c) {
                    return Ok(Some(Found {
                        id: hit.id,
                        detail: Some(detail),
                    }));
                }
            }
            if !complete {
                undecided = Some(q);
            }
        }
        return match undecided {
            Some(query) => Err(problem(JobProblem::TooManyHits {
                query,
                max: MAX_SEARCH_PAGES * 100,
            })),
            None => Ok(None),
        };
    }
    let key = name_key(&c.name);
    let mut undecided = None;
    for q in name_queries(c) {
        let (hits, complete) = search_all(client, "Name", &q).await?;
        let hit = hits
            .iter()
            .filter(|s| type_is_person(&s.kind) == Some(person) && name_key(&s.name) == key)
            .min_by_key(|s| s.id);
        if let Some(hit) = hit {
            return Ok(Some(Found {
                id: hit.id,
                detail: None,
            }));
        }
        if !complete {
            undecided = Some(q);
        }
    }
    match undecided {
        Some(query) => Err(problem(JobProblem::TooManyHits {
            query,
            max: MAX_SEARCH_PAGES * 100,
        })),
        None => Ok(None),
    }
}

/// Everything the planner needs about a matched contact: detail, default address, persons.
async fn read_existing(
    client: &MiniCrm<'_>,
    c: &Candidate,
    id: u64,
    detail: Option<crate::minicrm::Fields>,
) -> Result<Existing> {
    let detail = match detail {
        Some(d) => d,
        None => client.contact(id).await?,
    };
    let mut existing = Existing {
        contact_id: id,
        fields: text_fields(&detail),
        ..Default::default()
    };
    let ids = client.address_ids(id).await?;
    for (i, address_id) in ids.iter().take(3).enumerate() {
        let a = match client.address(*address_id).await {
            Ok(a) => text_fields(&a),
            // Listed but gone: as if it were not there.
            Err(e) if is_not_found(&e) => continue,
            Err(e) => return Err(e),
        };
        let default = matches!(a.get("Default").map(String::as_str), Some("1" | "true"));
        if default || i == 0 || existing.address.is_none() {
            existing.address = Some(ExistingAddress {
                id: *address_id,
                fields: a,
            });
        }
        if default {
            break;
        }
    }
    if c.kind != Some(Kind::Individual) && !c.contact.trim().is_empty() {
        existing.persons = persons_of(client, id).await?;
    }
    Ok(existing)
}

/// Looks a candidate up: what MiniCRM holds for it now, or `None`. A contact that disappears
/// between the search and its reading is not there.
async fn lookup(client: &MiniCrm<'_>, c: &Candidate, schema: &SchemaInfo) -> Result<Option<Existing>> {
    let Some(found) = find_contact(client, c, schema).await? else {
        return Ok(None);
    };
    match read_existing(client, c, found.id, found.detail).await {
        Ok(existing) => Ok(Some(existing)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn persons_of(client: &MiniCrm<'_>, company: u64) -> Result<Vec<String>> {
    let id = company.to_string();
    let page = client.search_contacts(&[("MainContactId", id.as_str())]).await?;
    Ok(page
        .results
        .iter()
        .filter(|s| type_is_person(&s.kind) == Some(true))
        .map(|s| name_key(&s.name))
        .collect())
}

async fn match_row(client: &MiniCrm<'_>, row: &mut JobRow, schema: &SchemaInfo) -> Result<()> {
    if row.c.valid() && !row.c.merged() && !row.looked_up {
        row.existing = lookup(client, &row.c, schema).await?;
        row.looked_up = true;
    }
    row.plan = Some(plan_row(&row.c, row.existing.as_ref(), schema));
    Ok(())
}

/// Saves one row's state into its stored chunk (unless the job was replaced meanwhile).
async fn save_row(app: &App<'_>, job_id: &str, n: usize, row: &JobRow, gen: u64) -> Result<()> {
    if gen != generation() {
        return Ok(());
    }
    let mut chunk = load_chunk(app.store, job_id, n).await?;
    if let Some(slot) = chunk.iter_mut().find(|r| r.c.row == row.c.row) {
        *slot = row.clone();
    }
    save_chunk(app.store, job_id, n, &chunk).await
}

/// Writes one row. A company deleted in MiniCRM since its lookup (a write answered 404) is looked
/// up again and written as it now needs, created if it is gone: never an error for the row.
async fn exec_row(
    app: &App<'_>,
    client: &MiniCrm<'_>,
    row: &mut JobRow,
    schema: &SchemaInfo,
    job_id: &str,
    n: usize,
    gen: u64,
) -> Result<()> {
    match exec_plan(app, client, row, schema, job_id, n, gen).await {
        Err(e) if is_not_found(&e) => {
            row.existing = lookup(client, &row.c, schema).await?;
            row.looked_up = true;
            row.plan = Some(plan_row(&row.c, row.existing.as_ref(), schema));
            row.contact_id = None;
            row.contact_done = false;
            row.address_done = false;
            row.person_done = false;
            row.in_flight = None;
            row.done = None;
            save_row(app, job_id, n, row, gen).await?;
            exec_plan(app, client, row, schema, job_id, n, gen).await
        }
        other => other,
    }
}

/// Writes one row's plan. Each write records its intent first (and its result after), persisted,
/// so a worker stopped in between resumes without doing anything twice.
async fn exec_plan(
    app: &App<'_>,
    client: &MiniCrm<'_>,
    row: &mut JobRow,
    schema: &SchemaInfo,
    job_id: &str,
    n: usize,
    gen: u64,
) -> Result<()> {
    let Some(plan) = row.plan.clone() else {
        row.done = Some(Action::Invalid);
        return Ok(());
    };
    if !matches!(plan.action, Action::Create | Action::Update) || row.done.is_some() {
        row.done.get_or_insert(plan.action);
        return Ok(());
    }
    // The chunk holding this row is saved around every write (`save_row`).
    let writer = RowWriter {
        app,
        client,
        job_id,
        n,
        gen,
    };
    writer.recover_lost(row, &plan, schema).await?;
    writer.contact(row, &plan).await?;
    let Some(contact_id) = row.contact_id else {
        return Ok(());
    };
    writer.address(row, &plan, contact_id).await?;
    writer.person(row, &plan, contact_id).await?;
    row.done = Some(plan.action);
    Ok(())
}

/// One row's writes: the client, and where the row's state is saved around each write (its chunk
/// of the job, `save_row`).
struct RowWriter<'r, 'a, 'c> {
    app: &'r App<'a>,
    client: &'r MiniCrm<'c>,
    job_id: &'r str,
    n: usize,
    gen: u64,
}

impl RowWriter<'_, '_, '_> {
    async fn save(&self, row: &JobRow) -> Result<()> {
        save_row(self.app, self.job_id, self.n, row, self.gen).await
    }

    /// Recovery of a write whose answer was lost (`in_flight`): whether it landed in MiniCRM.
    async fn recover_lost(&self, row: &mut JobRow, plan: &RowPlan, schema: &SchemaInfo) -> Result<()> {
        match row.in_flight {
            Some(Step::CreateContact) => {
                if let Some(found) = find_contact(self.client, &row.c, schema).await? {
                    row.contact_id = Some(found.id);
                    row.contact_done = true;
                }
                row.in_flight = None;
            }
            Some(Step::Address) if plan.address.as_ref().is_some_and(|a| a.id.is_none()) => {
                if let Some(id) = row.contact_id {
                    if !self.client.address_ids(id).await?.is_empty() {
                        row.address_done = true;
                    }
                }
                row.in_flight = None;
            }
            Some(Step::Person) => {
                if let (Some(id), Some(p)) = (row.contact_id, &plan.person) {
                    let name = format!(
                        "{} {}",
                        p.get("FirstName").and_then(Value::as_str).unwrap_or(""),
                        p.get("LastName").and_then(Value::as_str).unwrap_or("")
                    );
                    if persons_of(self.client, id).await?.contains(&name_key(&name)) {
                        row.person_done = true;
                    }
                }
                row.in_flight = None;
            }
            // Updates are idempotent: simply sent again.
            _ => row.in_flight = None,
        }
        Ok(())
    }

    /// Creates the contact, or updates the existing one, unless that is done.
    async fn contact(&self, row: &mut JobRow, plan: &RowPlan) -> Result<()> {
        if plan.action == Action::Update && row.contact_id.is_none() {
            row.contact_id = row.existing.as_ref().map(|e| e.contact_id);
        }
        if row.contact_done {
            return Ok(());
        }
        if row.contact_id.is_none() {
            let contact = Value::Object(plan.contact.clone());
            let id = self
                .send_recorded(row, Step::CreateContact, self.client.put_contact(None, &contact))
                .await?;
            row.contact_id = Some(id);
        } else if !plan.contact.is_empty() {
            row.in_flight = Some(Step::UpdateContact);
            self.client
                .put_contact(row.contact_id, &Value::Object(plan.contact.clone()))
                .await?;
        }
        row.contact_done = true;
        row.in_flight = None;
        self.save(row).await
    }

    /// Writes the planned address (a new one on the contact, or the existing one), unless done.
    async fn address(&self, row: &mut JobRow, plan: &RowPlan, contact_id: u64) -> Result<()> {
        let (Some(a), false) = (&plan.address, row.address_done) else {
            return Ok(());
        };
        let mut fields: Map<String, Value> = a.fields.clone();
        if a.id.is_none() {
            fields.insert("ContactId".into(), Value::from(contact_id));
        }
        let fields = Value::Object(fields);
        self.send_recorded(row, Step::Address, self.client.put_address(a.id, &fields))
            .await?;
        row.address_done = true;
        row.in_flight = None;
        self.save(row).await
    }

    /// Creates the planned contact person of the company, unless done.
    async fn person(&self, row: &mut JobRow, plan: &RowPlan, contact_id: u64) -> Result<()> {
        let (Some(p), false) = (&plan.person, row.person_done) else {
            return Ok(());
        };
        let mut fields = p.clone();
        fields.insert("BusinessId".into(), Value::from(contact_id));
        let fields = Value::Object(fields);
        self.send_recorded(row, Step::Person, self.client.put_contact(None, &fields))
            .await?;
        row.person_done = true;
        row.in_flight = None;
        Ok(())
    }

    /// Sends a write that creates something, recorded as in flight (and saved) before it leaves,
    /// so a worker stopped before its answer looks for it on resume (`recover_lost`). A refused
    /// write is not in flight any more; one whose answer was lost stays so.
    async fn send_recorded<T>(
        &self,
        row: &mut JobRow,
        step: Step,
        write: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        row.in_flight = Some(step);
        self.save(row).await?;
        write.await.inspect_err(|e| {
            if !e.is_ambiguous() {
                row.in_flight = None;
            }
        })
    }
}

/// A cell of the CSV report. Names and messages come from the user's file, and a spreadsheet
/// program runs a cell that starts like a formula ("CSV injection": `=HYPERLINK(…)`,
/// `+cmd|' /C calc'!A0`, `@SUM(…)`, `-2+3`). As OWASP recommends, a cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, which Excel and LibreOffice show as
/// text. One exception keeps numbers readable: a cell that is only a number (`-5`, `-12.50`,
/// `-3,5`) is read by every spreadsheet as that number, never as a formula, so it carries nothing
/// to run and is left alone. Then the cell is quoted as RFC 4180 says.
pub fn csv_field(s: &str) -> String {
    let formula_like = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number(s);
    let s = if formula_like {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `-5`, `12`, `-12.50`, `-3,5`: an optional minus, digits, at most one decimal separator
/// followed by digits. Nothing else (no exponent, no second sign, no spaces).
fn plain_number(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once(['.', ',']) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

/// The report: one line per spreadsheet row (merged duplicates and invalid rows included), with a
/// UTF-8 BOM so Excel reads the diacritics.
pub fn report_csv(rows: &[JobRow], lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        lang.text(Text::JobColumnRow),
        lang.text(Text::JobColumnCompany),
        lang.text(Text::JobColumnAction),
        lang.text(Text::JobColumnError),
    ];
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let plan_action = r.plan.as_ref().map(|p| p.action);
        let action = match (r.done, plan_action) {
            (Some(a), _) => done_label(a, r.error.is_some(), lang),
            (None, Some(Action::Create | Action::Update)) => lang.text(Text::JobNotImported).to_string(),
            (None, Some(a)) => action_label(a, lang),
            (None, None) => action_label(
                if r.c.valid() {
                    Action::Unchanged
                } else {
                    Action::Invalid
                },
                lang,
            ),
        };
        let mut problems: Vec<String> =
            r.c.issues
                .iter()
                .filter(|i| i.is_error() || matches!(i, super::rows::Issue::MergedInto { .. }))
                .map(|i| i.message(lang))
                .collect();
        if let Some(e) = &r.error {
            problems.push(e.clone());
        }
        let line = [
            r.c.row.to_string(),
            csv_field(&r.c.name),
            csv_field(&action),
            csv_field(&problems.join(" ")),
        ];
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::rows::Issue;

    #[test]
    fn report_cells_cannot_run_as_formulas() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("+40 721 000 111"), "'+40 721 000 111");
        assert_eq!(csv_field("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        // Numbers stay numbers.
        assert_eq!(csv_field("-5"), "-5");
        assert_eq!(csv_field("-12.50"), "-12.50");
        assert_eq!(csv_field("-3,5"), "\"-3,5\"");
        assert_eq!(csv_field("-"), "'-");
        assert_eq!(csv_field("-1e9"), "'-1e9");
        assert_eq!(csv_field("--5"), "'--5");
        // Ordinary text is untouched; separators are quoted.
        assert_eq!(csv_field("Alfa SRL"), "Alfa SRL");
        assert_eq!(csv_field("Alfa, Beta"), "\"Alfa, Beta\"");
        assert_eq!(csv_field("a = b"), "a = b");
    }

    #[test]
    fn the_report_neutralises_names_from_the_file() {
        let row = |n: u32, name: &str| JobRow {
            c: Candidate {
                row: n,
                name: name.into(),
                key: Some(format!("cif:{n}")),
                issues: vec![Issue::MissingName],
                ..Default::default()
            },
            ..Default::default()
        };
        let csv = report_csv(
            &[row(2, "=cmd|' /C calc'!A0"), row(3, "@Alfa"), row(4, "Beta SRL")],
            Lang::Ro,
        );
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[1].starts_with("2,'=cmd|' /C calc'!A0,"), "{csv}");
        assert!(lines[2].starts_with("3,'@Alfa,"), "{csv}");
        assert!(lines[3].starts_with("4,Beta SRL,"), "{csv}");
        for line in &lines[1..] {
            for cell in line.split(',') {
                assert!(!cell.starts_with(['=', '+', '@', '\t']), "{cell} in {csv}");
            }
        }
    }

    fn head(phase: Phase, hash: &str, lookups_ms: i64) -> Head {
        Head {
            id: "1".into(),
            file_name: "a.xlsx".into(),
            file_hash: hash.into(),
            lookups_ms,
            lang: Lang::Ro,
            phase,
            rows: 1,
            to_match: 1,
            match_cursor: 1,
            cursor: 0,
            schema: None,
            left_out: Vec::new(),
            counts: Counts::default(),
            planned_calls: 0,
            write_calls: 0,
            calls: 0,
            created_ms: lookups_ms,
            started_ms: None,
            finished_ms: None,
            retry_at: None,
            error: None,
        }
    }

    /// The tick reads only the stored head's phase and pause (`HeadGlance`, so that the full
    /// core links no reader of the whole head): it must still see an unfinished import, and
    /// ask for it to go on only once its pause is over.
    #[tokio::test]
    async fn the_tick_sees_an_unfinished_import_and_when_it_may_go_on() {
        use crate::platform::native::{MemoryStore, NativeTransport, TestClock};
        let (store, clock) = (MemoryStore::new(), TestClock::at(1_000_000));
        clock.set_speed(0.0);
        let (transport, runtime) = (NativeTransport::default(), crate::jobs::Runtime::default());
        let app = App {
            transport: &transport,
            store: &store,
            clock: &clock,
            runtime: &runtime,
            host_permissions: Vec::new(),
        };
        let _ = wake_wanted();
        assert!(!pending(&app).await, "no import");
        for (phase, unfinished) in [
            (Phase::Matching, true),
            (Phase::Running, true),
            (Phase::Matched, false),
            (Phase::Done, false),
            (Phase::Cancelled, false),
            (Phase::Failed, false),
        ] {
            let mut paused = head(phase, "abc", 1);
            paused.retry_at = Some(1_000_500);
            save_head(&store, &paused).await.unwrap();
            assert_eq!(pending(&app).await, unfinished, "{phase:?}");
            assert!(!wake_wanted(), "{phase:?}: paused, or nothing to run");
            clock.advance_ms(500);
            assert_eq!(pending(&app).await, unfinished, "{phase:?}");
            assert_eq!(wake_wanted(), unfinished, "{phase:?}: the pause is over");
            clock.advance_ms(-500);
        }
    }

    #[test]
    fn lookups_are_reused_only_for_a_recent_preview_of_the_same_file() {
        let t = 1_000_000;
        let preview = head(Phase::Matched, "abc-10", t);
        assert!(reusable_lookups(&preview, "abc-10", None, t + 5_000));
        assert!(reusable_lookups(&preview, "abc-10", Some(t - 1), t + 5_000));
        // Another file, or a page that sent no hash.
        assert!(!reusable_lookups(&preview, "def-10", None, t + 5_000));
        assert!(!reusable_lookups(&preview, "", None, t + 5_000));
        // Written since.
        assert!(!reusable_lookups(&preview, "abc-10", Some(t + 1), t + 5_000));
        // Old.
        assert!(!reusable_lookups(
            &preview,
            "abc-10",
            None,
            t + LOOKUP_REUSE_MS + 1
        ));
        // Not a preview any more.
        for phase in [Phase::Running, Phase::Done, Phase::Cancelled, Phase::Failed] {
            assert!(!reusable_lookups(
                &head(phase, "abc-10", t),
                "abc-10",
                None,
                t + 5_000
            ));
        }
    }

    #[test]
    fn searches_by_fiscal_code_and_what_verifies_a_hit() {
        let schema = SchemaInfo {
            business: vec!["Name".into(), "VatNumber".into(), "EUVatNumber".into()],
            person: vec!["FirstName".into(), "LastName".into(), "VatNumber".into()],
        };
        let company = Candidate {
            kind: Some(Kind::Company),
            vat: "18547290".into(),
            ..Default::default()
        };
        assert_eq!(
            vat_queries(&company, &schema),
            Some(vec!["18547290".to_string(), "RO18547290".to_string()])
        );
        let foreign = Candidate {
            kind: Some(Kind::Foreign),
            vat: "HU 12345678".into(),
            eu_vat: "HU12345678".into(),
            ..Default::default()
        };
        assert_eq!(
            vat_queries(&foreign, &schema),
            Some(vec!["HU12345678".to_string(), "12345678".to_string()])
        );
        let person = Candidate {
            kind: Some(Kind::Individual),
            name: "Popescu Ion".into(),
            ..Default::default()
        };
        assert_eq!(vat_queries(&person, &schema), None);
        assert_eq!(name_queries(&person), vec!["Popescu Ion", "Ion Popescu"]);
        let no_vat_field = SchemaInfo {
            business: vec!["Name".into()],
            ..Default::default()
        };
        assert_eq!(vat_queries(&company, &no_vat_field), None);

        let detail = |t: &str, vat: &str, eu: &str| -> crate::minicrm::Fields {
            [("Type", t), ("VatNumber", vat), ("EUVatNumber", eu)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect()
        };
        assert!(verified(
            &detail("Business", "RO 18547290", ""),
            "Business",
            &company
        ));
        assert!(verified(&detail("Cég", "", "RO18547290"), "Business", &company));
        assert!(verified(&detail("Companie", "18547290", ""), "", &company));
        assert!(!verified(
            &detail("Business", "18547291", "RO185472901"),
            "Business",
            &company
        ));
        assert!(!verified(&detail("Person", "18547290", ""), "Person", &company));
        assert!(!verified(
            &detail("Személy", "18547290", ""),
            "Business",
            &company
        ));
        // An unknown word in the detail: the search's type decides.
        assert!(verified(&detail("Firma", "18547290", ""), "Business", &company));
        assert!(!verified(&detail("Firma", "18547290", ""), "Alt", &company));
        assert!(verified(
            &detail("Business", "", "hu12345678"),
            "Business",
            &foreign
        ));
        assert!(!verified(
            &detail("Business", "12345678", ""),
            "Business",
            &foreign
        ));
    }
}
