//! Background jobs that keep MiniCRM in step with SmartBill: the daily payment-status refresh and
//! the stock sync. Each job is a pure planner (data in, a list of items out) and a runner that
//! works the items one by one through the shared governors, persisting its cursor after every
//! item, so a worker (or browser) that dies mid-run resumes where it stopped with nothing skipped
//! or done twice. A run is bounded in time per tick; the next tick continues it.

// The jobs' commands: in the worker, the jobs' module's (`cfg(jobs_elsewhere)`: build.rs).
#[cfg(not(jobs_elsewhere))]
mod commands;
pub mod payments;
pub mod stock;
pub mod webhook;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::platform::{self, Store};
use crate::settings::Settings;

// The job kinds and their schedules are below the workflows (`jobs`), so that any workflow can
// ask for a run; re-exported for the jobs' callers.
pub use crate::jobs::schedule::{
    load_request, load_schedule, request, save_schedule, Pending, Request, Schedule,
};
pub use crate::jobs::JobKind;

pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// The activity log before it was kept per kind: still read (and shown until newer runs push it
/// out), never written.
const ACTIVITY_KEY: &str = "activity";
const ACTIVITY_KEEP: usize = 30;

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    Running,
    Done,
    Cancelled,
    Failed,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub checked: u32,
    pub changed: u32,
    pub skipped: u32,
    pub failed: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub item: String,
    pub reason: String,
}

/// One run of a job: what the activity log shows, and the resumable cursor.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub kind: JobKind,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub status: RunStatus,
    /// Items in the plan; the cursor is the next one to work.
    pub total: u32,
    pub cursor: u32,
    pub counts: Counts,
    /// Errors a person can act on (the last few).
    pub errors: Vec<String>,
    /// Items left out on purpose, with the reason (the last few).
    pub skipped: Vec<Note>,
    /// Why the run is waiting (a lockout), until when.
    pub paused_until_ms: Option<i64>,
    /// What started it: "schedule", "now" (a person), "invoice" (stock after a discharge), "enabled".
    pub reason: String,
}

impl Run {
    fn new(kind: JobKind, now: i64, total: usize, reason: &str) -> Run {
        Run {
            kind,
            started_ms: now,
            finished_ms: None,
            status: RunStatus::Running,
            total: total as u32,
            cursor: 0,
            counts: Counts::default(),
            errors: Vec::new(),
            skipped: Vec::new(),
            paused_until_ms: None,
            reason: reason.to_string(),
        }
    }

    pub fn error(&mut self, message: String) {
        if !self.errors.contains(&message) {
            self.errors.push(message);
        }
        if self.errors.len() > 10 {
            self.errors.remove(0);
        }
    }

    pub fn skip(&mut self, item: String, reason: String) {
        self.counts.skipped += 1;
        self.skipped.push(Note { item, reason });
        if self.skipped.len() > 100 {
            self.skipped.remove(0);
        }
    }
}

/// The worker's lock on a job's runs (and, for the stock, SmartBill's webhook deliveries).
pub(crate) fn lock_key(kind: JobKind) -> String {
    format!("job.{}", kind.key())
}

fn run_key(kind: JobKind) -> String {
    format!("job.{}.run", kind.key())
}

fn plan_key(kind: JobKind) -> String {
    format!("job.{}.plan", kind.key())
}

fn storage(e: String) -> Error {
    Error::Storage { detail: e }
}

pub async fn load_run(store: &dyn Store, kind: JobKind) -> Result<Option<Run>> {
    platform::load(store, &run_key(kind)).await.map_err(storage)
}

pub async fn save_run(store: &dyn Store, run: &Run) -> Result<()> {
    platform::save(store, &run_key(run.kind), run)
        .await
        .map_err(storage)
}

/// Where the activity log keeps `kind`'s runs. One list per kind: the kinds are recorded by
/// different modules of the worker (automatic emission's passes by the core's tick, the jobs by
/// the jobs' module), at any moment, and a list that each read, changed and wrote lost the
/// other's line. One kind's runs are recorded by the one runner its lease lets run.
fn activity_key(kind: JobKind) -> String {
    format!("activity.{}", kind.key())
}

const KINDS: [JobKind; 3] = [JobKind::Payments, JobKind::Stock, JobKind::Emission];

/// The activity log: the last runs of every kind, newest first (by when they ended), in one read.
/// An unreadable list reads as empty, as it always has: the log is never a reason to fail.
pub async fn activity(store: &dyn Store) -> Vec<Run> {
    let mut keys: Vec<String> = KINDS.into_iter().map(activity_key).collect();
    keys.push(ACTIVITY_KEY.to_string());
    let texts = store.get_many(&keys).await.unwrap_or_default();
    let ended = |r: &Run| r.finished_ms.unwrap_or(r.started_ms);
    let mut runs: Vec<Run> = Vec::new();
    for text in texts.into_iter().flatten() {
        for run in platform::json::from_slice::<Vec<Run>>(&text).unwrap_or_default() {
            // The old list's copy of a run its kind's list has too is the older one.
            if runs
                .iter()
                .any(|r| r.kind == run.kind && r.started_ms == run.started_ms)
            {
                continue;
            }
            // In place, after the runs that ended at the same moment or later (a few lists of
            // at most 30: no sort's code in every module that shows the log).
            let at = runs
                .iter()
                .position(|r| ended(r) < ended(&run))
                .unwrap_or(runs.len());
            runs.insert(at, run);
        }
    }
    runs.truncate(ACTIVITY_KEEP);
    runs
}

/// A pass of automatic emission that did something or met a problem, in the activity log.
pub async fn record_emission_pass(store: &dyn Store, now: i64, report: &crate::emission::poll::PollReport) {
    if report.emitted == 0 && report.failed == 0 && report.needs_confirmation == 0 && report.errors.is_empty()
    {
        return;
    }
    let mut run = Run::new(JobKind::Emission, now, report.checked as usize, "auto");
    run.counts.checked = report.checked;
    run.counts.changed = report.emitted;
    run.counts.failed = report.failed + report.needs_confirmation;
    for e in &report.errors {
        run.error(e.clone());
    }
    run.cursor = run.total;
    run.finished_ms = Some(now);
    run.status = if report.errors.is_empty() {
        RunStatus::Done
    } else {
        RunStatus::Failed
    };
    record_activity(store, &run).await;
}

/// Puts `run` at the head of its kind's list (the last [`ACTIVITY_KEEP`] of each kind: the log
/// shows that many of all kinds together).
async fn record_activity(store: &dyn Store, run: &Run) {
    let key = activity_key(run.kind);
    let mut list: Vec<Run> = platform::load(store, &key)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    list.retain(|r| !(r.kind == run.kind && r.started_ms == run.started_ms));
    list.insert(0, run.clone());
    list.truncate(ACTIVITY_KEEP);
    let _ = platform::save(store, &key, &list).await;
}

/// Whether a job is enabled by the settings at all.
pub fn enabled(kind: JobKind, settings: &Settings) -> bool {
    match kind {
        // Invoices of the last 30 days (proformas have no payment status).
        JobKind::Payments => true,
        JobKind::Stock => settings.stock.enabled && !settings.stock.warehouse.is_empty(),
        JobKind::Emission => false,
    }
}

/// Why a new run of `kind` is due now (the schedule, or someone asked), or `None`.
async fn due(app: &App<'_>, settings: &Settings, kind: JobKind) -> Option<Pending> {
    let schedule = load_schedule(app.store, kind).await;
    let request = load_request(app.store, kind).await;
    due_by(&schedule, request.as_ref(), settings, kind, app.clock.now_ms())
}

/// [`due`] by the job's stored schedule and last request.
fn due_by(
    schedule: &Schedule,
    request: Option<&Request>,
    settings: &Settings,
    kind: JobKind,
    now: i64,
) -> Option<Pending> {
    if !enabled(kind, settings) {
        return None;
    }
    if let Some(pending) = schedule.pending(request) {
        // Asked for by a person here ("now", switching the sync on) or by an invoice issued
        // here: in any browser.
        return Some(pending);
    }
    // The schedule runs in the team's one runner browser only (see `team`): two browsers
    // syncing on a timer would spend the shared rate limits twice.
    if !crate::team::runs_jobs(settings) {
        return None;
    }
    let scheduled = Pending {
        reason: "schedule".into(),
        token: None,
    };
    match schedule.next_due_ms {
        Some(at) if at <= now => Some(scheduled),
        None => Some(scheduled),
        _ => None,
    }
}

/// Whether a tick has work for the jobs: a run in progress (paused included), or a new one due.
/// In the worker the tick module's tick asks only this, and the jobs' module works them
/// (`TickReply::jobs_due`); the answer is [`Runner::step`]'s "something to do".
pub async fn jobs_due(app: &App<'_>, settings: &Settings) -> Result<bool> {
    for kind in [JobKind::Stock, JobKind::Payments] {
        let running = load_run(app.store, kind)
            .await?
            .is_some_and(|run| run.status == RunStatus::Running);
        if running || due(app, settings, kind).await.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What one tick's work on the jobs achieved.
#[derive(Clone, Debug, Default, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub worked: u32,
    /// A run is still in progress: the background should tick again soon.
    pub more: bool,
    pub paused_until_ms: Option<i64>,
}

pub struct Runner<'a> {
    pub app: &'a App<'a>,
    pub settings: Settings,
    pub lang: Lang,
    /// Stop working items after this moment (ms); the next tick continues.
    pub deadline_ms: i64,
}

pub enum Outcome {
    Changed,
    Unchanged,
    Skipped(String, String),
    Failed(String),
}

impl<'a> Runner<'a> {
    fn now(&self) -> i64 {
        self.app.clock.now_ms()
    }

    /// Whether a new run of `kind` is due now (schedule, or someone asked).
    async fn due(&self, kind: JobKind) -> Option<Pending> {
        due(self.app, &self.settings, kind).await
    }

    /// Works the jobs for this tick: continues a run in progress, or starts a due one.
    pub async fn step(&self) -> Result<StepReport> {
        let mut report = StepReport::default();
        for kind in [JobKind::Stock, JobKind::Payments] {
            let lock_key = lock_key(kind);
            // A lease for the step's budget and a minute more: never stuck after a trap.
            let now = self.app.clock.now_ms();
            let lease = (self.deadline_ms - now).max(0) + 60_000;
            let locks = &self.app.runtime.locks;
            let settle = self.settings.timing(&self.app.host_permissions).settle_ms();
            locks.recall(self.app.store, &lock_key, now, settle).await;
            let now = self.app.clock.now_ms();
            let Some(_guard) = locks.try_lock(&lock_key, now, lease) else {
                report.more = true;
                // A write that may still land keeps the lock: worked on once it has settled.
                if let Some(kept) = locks.kept_until(&lock_key).filter(|&k| k > now) {
                    report.paused_until_ms = Some(report.paused_until_ms.map_or(kept, |p| p.min(kept)));
                }
                continue;
            };
            let r = match kind {
                // Apart: a tick compiles only the job it works (`platform::apart`).
                JobKind::Payments => platform::apart(self.step_job::<payments::PaymentsJob>()).await,
                JobKind::Stock => platform::apart(self.step_job::<stock::StockJob>()).await,
                JobKind::Emission => continue,
            };
            match r {
                Ok(r) => {
                    report.worked += r.worked;
                    report.more |= r.more;
                    report.paused_until_ms = report.paused_until_ms.or(r.paused_until_ms);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    async fn step_job<J: Worker>(&self) -> Result<StepReport> {
        let kind = J::KIND;
        let store = self.app.store;
        let mut report = StepReport::default();
        let mut run = match load_run(store, kind).await? {
            Some(run) if run.status == RunStatus::Running => run,
            _ => match self.start_run::<J>(&mut report).await? {
                Some(run) => run,
                None => return Ok(report),
            },
        };
        let items: Vec<J::Item> = platform::load(store, &plan_key(kind))
            .await
            .map_err(storage)?
            .unwrap_or_default();
        while (run.cursor as usize) < items.len() {
            if self.app.runtime.cancelled(kind) {
                self.app.runtime.clear_cancel(kind);
                self.finish(&mut run, RunStatus::Cancelled).await?;
                return Ok(report);
            }
            if self.now() >= self.deadline_ms {
                report.more = true;
                return Ok(report);
            }
            let item = items[run.cursor as usize].clone();
            match J::work(self, &item, &mut run).await {
                Ok(outcome) => {
                    run.counts.checked += 1;
                    match outcome {
                        Outcome::Changed => run.counts.changed += 1,
                        Outcome::Unchanged => {}
                        Outcome::Skipped(what, why) => run.skip(what, why),
                        Outcome::Failed(message) => {
                            run.counts.failed += 1;
                            run.error(message);
                        }
                    }
                }
                Err(Error::Paused { until_ms, .. }) => {
                    // A lockout or our own pacing: the item is not done; try again later.
                    run.paused_until_ms = Some(until_ms);
                    save_run(store, &run).await?;
                    report.paused_until_ms = Some(until_ms);
                    report.more = true;
                    return Ok(report);
                }
                Err(e) => {
                    run.counts.checked += 1;
                    run.counts.failed += 1;
                    run.error(e.message(self.lang));
                }
            }
            run.cursor += 1;
            run.paused_until_ms = None;
            report.worked += 1;
            // The cursor is on disk after every item: a dead worker resumes right after it.
            save_run(store, &run).await?;
        }
        J::completed(self, &mut run).await?;
        self.finish(&mut run, RunStatus::Done).await?;
        // A request made while this run went on (an invoice's, the webhook's, "now") gets a run
        // of its own: on the tick that comes soon while there is more, not the periodic one.
        report.more = self.due(kind).await.is_some();
        Ok(report)
    }

    /// A new run of a job that is due: its plan is stored, the request taken, the run saved and
    /// started. `None`: nothing to run now (not due, paused while planning — noted in the report —,
    /// or the plan failed, recorded as a failed run).
    async fn start_run<J: Worker>(&self, report: &mut StepReport) -> Result<Option<Run>> {
        let kind = J::KIND;
        let store = self.app.store;
        // The request is read before the plan: one made while the plan is made is not taken by
        // this run, which may have read SmartBill before it, and the next run answers it.
        let Some(pending) = self.due(kind).await else {
            return Ok(None);
        };
        let reason = pending.reason.clone();
        let plan = match J::plan(self).await {
            Ok(plan) => plan,
            Err(Error::Paused { until_ms, .. }) => {
                report.paused_until_ms = Some(until_ms);
                report.more = true;
                return Ok(None);
            }
            Err(e) => {
                let mut run = Run::new(kind, self.now(), 0, &reason);
                run.error(e.message(self.lang));
                self.finish(&mut run, RunStatus::Failed).await?;
                return Ok(None);
            }
        };
        let mut run = Run::new(kind, self.now(), plan.items.len(), &reason);
        for (item, why) in plan.skipped {
            run.skip(item, why);
        }
        platform::save(store, &plan_key(kind), &plan.items)
            .await
            .map_err(storage)?;
        // The run first, then the request taken: a worker stopped between the two leaves a run
        // that goes on and a request that one more run answers, never a request taken by no run.
        save_run(store, &run).await?;
        let mut s = load_schedule(store, kind).await;
        s.take(&pending);
        save_schedule(store, kind, &s).await?;
        J::started(self, &mut run).await?;
        Ok(Some(run))
    }

    async fn finish(&self, run: &mut Run, status: RunStatus) -> Result<()> {
        run.status = status;
        run.finished_ms = Some(self.now());
        save_run(self.app.store, run).await?;
        let _ = self.app.store.remove(&plan_key(run.kind)).await;
        let mut s = load_schedule(self.app.store, run.kind).await;
        s.last_done_ms = Some(self.now());
        s.next_due_ms = Some(self.now() + DAY_MS);
        save_schedule(self.app.store, run.kind, &s).await?;
        record_activity(self.app.store, run).await;
        Ok(())
    }
}

/// A plan: the items to work, and what was left out with the reason.
pub struct Plan<T> {
    pub items: Vec<T>,
    pub skipped: Vec<(String, String)>,
}

#[allow(async_fn_in_trait)]
pub trait Worker {
    type Item: Serialize + serde::de::DeserializeOwned + Clone;
    const KIND: JobKind;
    async fn plan(runner: &Runner<'_>) -> Result<Plan<Self::Item>>;
    async fn work(runner: &Runner<'_>, item: &Self::Item, run: &mut Run) -> Result<Outcome>;
    /// After the plan is saved (e.g. nothing).
    async fn started(_runner: &Runner<'_>, _run: &mut Run) -> Result<()> {
        Ok(())
    }
    /// After the last item (e.g. save the stock snapshot).
    async fn completed(_runner: &Runner<'_>, _run: &mut Run) -> Result<()> {
        Ok(())
    }
}

/// `jobsStatus` (and `cancelJob`): the jobs' state for the popup and the options page: runs in
/// progress with progress and estimated end, the last results, the next run, the activity log.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct JobsStatus {
    pub jobs: Jobs,
    /// The last runs, newest first (automatic emission's passes too).
    pub activity: Vec<Run>,
    pub now: i64,
}

/// The two jobs a person sees.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Jobs {
    pub payments: JobView,
    pub stock: JobView,
}

/// One job: whether the settings switch it on, its current or last run, when it runs next.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub enabled: bool,
    pub run: Option<Run>,
    /// While running: the estimated end at full speed.
    pub eta_ms: Option<i64>,
    /// Now, when a run is due (asked for, never run in the browser that runs the schedule, or
    /// its day is past); otherwise the next scheduled run, if any.
    pub next_due_ms: Option<i64>,
    pub last_done_ms: Option<i64>,
}

/// The jobs' state for the popup and the options page (see [`JobsStatus`]).
pub async fn status(app: &App<'_>, settings: &Settings) -> Result<JobsStatus> {
    let store = app.store;
    let now = app.clock.now_ms();
    let job = |kind: JobKind| async move {
        let run = load_run(store, kind).await?;
        let schedule = load_schedule(store, kind).await;
        let request = load_request(store, kind).await;
        let eta_ms = run.as_ref().filter(|r| r.status == RunStatus::Running).map(|r| {
            let remaining = i64::from(r.total.saturating_sub(r.cursor));
            now + remaining * per_item_ms(app, kind)
        });
        Ok::<_, Error>(JobView {
            enabled: enabled(kind, settings),
            run,
            eta_ms,
            // Due already (asked for, never run here, or its day is past): now.
            next_due_ms: due_by(&schedule, request.as_ref(), settings, kind, now)
                .map(|_| now)
                .or(schedule.next_due_ms),
            last_done_ms: schedule.last_done_ms,
        })
    };
    let jobs = Jobs {
        payments: job(JobKind::Payments).await?,
        stock: job(JobKind::Stock).await?,
    };
    Ok(JobsStatus {
        jobs,
        activity: activity(store).await,
        now,
    })
}

/// Why a tick did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Skipped {
    /// The settings are not complete (or no module was found).
    NotConfigured,
    /// Team mode: the server's cron triggers do the work.
    TeamMode,
}

/// `tick`: the alarms to keep, and what the tick did (automatic emission's pass, the jobs' step)
/// or why it did nothing (`skipped`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct TickReply {
    pub alarms: Vec<crate::schedule::Alarm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll: Option<crate::emission::poll::PollReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<StepReport>,
    /// Tick again soon (a job's run goes on, or an outcome is being judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub again: Option<bool>,
    /// An unfinished company import may go on now: the worker runs it after this reply.
    #[serde(rename = "importDue", skip_serializing_if = "Option::is_none")]
    pub import_due: Option<bool>,
    /// The worker's full core: a job's run goes on or a new one is due (`jobs_due`); the worker
    /// runs the jobs' step in the jobs' module after this reply (its reply is a [`JobsReply`]).
    /// Natively the tick works them itself (`jobs`).
    #[serde(rename = "jobsDue", skip_serializing_if = "Option::is_none")]
    pub jobs_due: Option<bool>,
}

/// `syncNow`, and in the worker the jobs' module's tick: the jobs' step, and the state after it.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct JobsReply {
    /// Only while a run goes on: the alarms with the sooner "continue" one. Otherwise the alarms
    /// stay as the tick set them (which knows what else waits: an emission's outcome, an import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Vec<crate::schedule::Alarm>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
    pub jobs: StepReport,
    /// `syncNow`: the jobs' state after the first slice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<JobsStatus>,
}

impl TickReply {
    /// A tick that did nothing, and why.
    pub fn skipped(alarms: Vec<crate::schedule::Alarm>, why: Skipped) -> TickReply {
        TickReply {
            alarms,
            skipped: Some(why),
            poll: None,
            jobs: None,
            again: None,
            import_due: None,
            jobs_due: None,
        }
    }
}

/// How long an item takes at full speed under the background share of the governors: one
/// MiniCRM write per stock item; one SmartBill read per invoice (plus a card write when it changed).
fn per_item_ms(app: &App<'_>, kind: JobKind) -> i64 {
    let g = match kind {
        JobKind::Stock | JobKind::Emission => &app.runtime.governors.minicrm,
        JobKind::Payments => &app.runtime.governors.smartbill,
    };
    let limit = g.limit();
    let calls = i64::from(limit.calls.saturating_sub(limit.reserve).max(1));
    (g.window_ms() + calls - 1) / calls
}

/// The JSON the popup and the options page read, pinned (a renamed field fails here).
#[cfg(test)]
mod reply_tests {
    use serde_json::json;

    use super::*;
    use crate::emission::poll::PollReport;
    use crate::schedule::Alarm;

    fn status() -> JobsStatus {
        let mut run = Run::new(JobKind::Stock, 1_000, 4, "now");
        run.cursor = 1;
        run.counts.checked = 1;
        run.skip("SKU-1".into(), "fără cod".into());
        run.paused_until_ms = Some(5_000);
        let idle = JobView {
            enabled: true,
            run: None,
            eta_ms: None,
            next_due_ms: Some(90_000),
            last_done_ms: None,
        };
        JobsStatus {
            jobs: Jobs {
                payments: idle,
                stock: JobView {
                    enabled: true,
                    run: Some(run.clone()),
                    eta_ms: Some(4_000),
                    next_due_ms: None,
                    last_done_ms: Some(500),
                },
            },
            activity: vec![run],
            now: 2_000,
        }
    }

    fn status_json() -> serde_json::Value {
        let run = json!({
            "kind": "stock", "startedMs": 1000, "finishedMs": null, "status": "running", "total": 4, "cursor": 1,
            "counts": {"checked": 1, "changed": 0, "skipped": 1, "failed": 0}, "errors": [],
            "skipped": [{"item": "SKU-1", "reason": "fără cod"}], "pausedUntilMs": 5000, "reason": "now",
        });
        json!({
            "jobs": {
                "payments": {"enabled": true, "run": null, "etaMs": null, "nextDueMs": 90000, "lastDoneMs": null},
                "stock": {"enabled": true, "run": run, "etaMs": 4000, "nextDueMs": null, "lastDoneMs": 500},
            },
            "activity": [run],
            "now": 2000,
        })
    }

    #[test]
    fn the_jobs_status() {
        assert_eq!(serde_json::to_value(status()).unwrap(), status_json());
    }

    #[test]
    fn the_tick_and_sync_now_replies() {
        let tick = Alarm {
            name: "tick",
            period_in_minutes: Some(2.0),
            delay_in_minutes: None,
        };
        assert_eq!(
            serde_json::to_value(TickReply::skipped(vec![tick.clone()], Skipped::NotConfigured)).unwrap(),
            json!({"alarms": [{"name": "tick", "periodInMinutes": 2.0}], "skipped": "notConfigured"})
        );
        assert_eq!(
            serde_json::to_value(TickReply::skipped(Vec::new(), Skipped::TeamMode)).unwrap(),
            json!({"alarms": [], "skipped": "teamMode"})
        );
        let worked = TickReply {
            alarms: vec![tick],
            skipped: None,
            poll: Some(PollReport {
                checked: 3,
                emitted: 1,
                errors: vec!["Eroare".into()],
                ..PollReport::default()
            }),
            jobs: Some(StepReport {
                worked: 2,
                more: true,
                paused_until_ms: None,
            }),
            again: Some(true),
            import_due: Some(true),
            jobs_due: Some(true),
        };
        assert_eq!(
            serde_json::to_value(worked).unwrap(),
            json!({
                "alarms": [{"name": "tick", "periodInMinutes": 2.0}],
                "poll": {
                    "resumed": 0, "checked": 3, "emitted": 1, "failed": 0, "needsConfirmation": 0,
                    "pausedUntilMs": null, "otherRunner": null, "errors": ["Eroare"],
                },
                "jobs": {"worked": 2, "more": true, "pausedUntilMs": null},
                "again": true,
                "importDue": true,
                "jobsDue": true,
            })
        );
        // `syncNow` and the jobs' module's tick: alarms only while a run goes on.
        let step = StepReport {
            worked: 1,
            more: false,
            paused_until_ms: None,
        };
        let done = JobsReply {
            alarms: None,
            skipped: None,
            jobs: step.clone(),
            status: Some(status()),
        };
        assert_eq!(
            serde_json::to_value(done).unwrap(),
            json!({"jobs": {"worked": 1, "more": false, "pausedUntilMs": null}, "status": status_json()})
        );
        let going = JobsReply {
            alarms: Some(Vec::new()),
            skipped: Some(Skipped::NotConfigured),
            jobs: step,
            status: None,
        };
        assert_eq!(
            serde_json::to_value(going).unwrap(),
            json!({"alarms": [], "skipped": "notConfigured", "jobs": {"worked": 1, "more": false, "pausedUntilMs": null}})
        );
    }
}

#[cfg(test)]
mod activity_tests {
    use super::*;
    use crate::emission::poll::PollReport;
    use crate::platform::native::{Browserlike, MemoryStore};

    fn finished(kind: JobKind, started_ms: i64, finished_ms: i64) -> Run {
        let mut run = Run::new(kind, started_ms, 1, "schedule");
        run.status = RunStatus::Done;
        run.finished_ms = Some(finished_ms);
        run
    }

    fn lines(runs: &[Run]) -> Vec<(JobKind, i64)> {
        runs.iter().map(|r| (r.kind, r.started_ms)).collect()
    }

    /// The core's tick records an automatic emission pass while the jobs' module records the end
    /// of a stock run, in one browser: both lines are in the log. (One list that each read, changed
    /// and wrote kept only the last writer's line.)
    #[tokio::test]
    async fn lines_recorded_at_once_by_two_modules_are_all_kept() {
        let store = Browserlike::default();
        record_activity(&store, &finished(JobKind::Payments, 100, 200)).await;
        let pass = PollReport {
            checked: 2,
            emitted: 1,
            ..PollReport::default()
        };
        let stock = finished(JobKind::Stock, 300, 900);
        crate::platform::join(
            record_emission_pass(&store, 1_000, &pass),
            record_activity(&store, &stock),
        )
        .await;
        let log = activity(&store).await;
        assert_eq!(
            lines(&log),
            [
                (JobKind::Emission, 1_000),
                (JobKind::Stock, 300),
                (JobKind::Payments, 100)
            ]
        );
        assert_eq!(log[0].counts.changed, 1);
    }

    /// The log is newest first by when each run ended, across the kinds; the same run recorded
    /// again (a cancelled run's end after its start) is one line; each kind keeps its last 30,
    /// so the 30 shown are the 30 newest of all.
    #[tokio::test]
    async fn the_log_is_the_newest_runs_of_every_kind() {
        let store = MemoryStore::new();
        for i in 0..40 {
            record_activity(&store, &finished(JobKind::Stock, i * 10, i * 10 + 5)).await;
        }
        record_activity(&store, &finished(JobKind::Payments, 50, 1_000)).await;
        let mut again = finished(JobKind::Payments, 50, 1_010);
        again.status = RunStatus::Cancelled;
        record_activity(&store, &again).await;
        let log = activity(&store).await;
        assert_eq!(log.len(), ACTIVITY_KEEP);
        assert_eq!(
            lines(&log[..3]),
            [
                (JobKind::Payments, 50),
                (JobKind::Stock, 390),
                (JobKind::Stock, 380)
            ]
        );
        assert_eq!(log[0].status, RunStatus::Cancelled);
        assert_eq!(log[29].started_ms, 110);
    }

    /// A log kept as one list by an earlier version is still shown, merged with the new lines; a
    /// run in both is shown once, as its kind's list has it. An unreadable list reads as empty.
    #[tokio::test]
    async fn the_earlier_single_list_is_still_shown() {
        let store = MemoryStore::new();
        let old = vec![
            finished(JobKind::Stock, 500, 600),
            finished(JobKind::Payments, 10, 20),
        ];
        platform::save(&store, ACTIVITY_KEY, &old).await.unwrap();
        let mut newer = finished(JobKind::Stock, 500, 700);
        newer.status = RunStatus::Failed;
        record_activity(&store, &newer).await;
        record_activity(&store, &finished(JobKind::Emission, 650, 650)).await;
        store
            .set_raw(
                &activity_key(JobKind::Payments),
                serde_json::json!({"not": "a list"}),
            )
            .await
            .unwrap();
        let log = activity(&store).await;
        assert_eq!(
            lines(&log),
            [
                (JobKind::Stock, 500),
                (JobKind::Emission, 650),
                (JobKind::Payments, 10)
            ]
        );
        assert_eq!(log[0].status, RunStatus::Failed);
    }
}
