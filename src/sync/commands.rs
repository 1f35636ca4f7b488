//! The jobs' commands: their step ("work the jobs for a while"), "Sincronizează acum", cancelling
//! a run and the jobs' state. In the worker they run in the jobs' module (feature `jobs`), whose
//! dispatcher is `api`'s; the tick module's tick only says when the jobs are due
//! (`cfg(jobs_elsewhere)` leaves this out of the worker's other modules). Natively (the team
//! server, the tests) `api`'s dispatcher runs them beside everything else.

use super::{JobsReply, JobsStatus, RunStatus, Runner, Skipped, StepReport};
use crate::app::App;
use crate::error::Result;
use crate::i18n::Lang;
use crate::jobs::JobKind;

/// "Sincronizează acum" answers after a first slice; the rest runs on alarms.
const SYNC_NOW_BUDGET_MS: i64 = 20 * 1000;

impl App<'_> {
    pub(crate) async fn jobs_status(&self) -> Result<JobsStatus> {
        let settings = self.settings().await?;
        super::status(self, &settings).await
    }

    pub(crate) async fn cancel_job(&self, kind: JobKind) -> Result<JobsStatus> {
        self.runtime.request_cancel(kind);
        // A run left by a dead worker has no loop to notice: mark it here.
        if let Some(mut run) = super::load_run(self.store, kind).await? {
            if run.status == RunStatus::Running
                && !self
                    .runtime
                    .locks
                    .is_locked_at(&format!("job.{}", kind.key()), self.clock.now_ms())
            {
                run.status = RunStatus::Cancelled;
                run.finished_ms = Some(self.clock.now_ms());
                super::save_run(self.store, &run).await?;
                self.runtime.clear_cancel(kind);
            }
        }
        let settings = self.settings().await?;
        super::status(self, &settings).await
    }

    /// The jobs' step alone, for at most `budget_ms`: the worker's jobs' module's tick, and
    /// `syncNow`'s first slice.
    pub(crate) async fn jobs_step(&self, lang: Lang, budget_ms: i64) -> Result<JobsReply> {
        let settings = self.settings().await?;
        if !settings.configured(&self.host_permissions) {
            return Ok(JobsReply {
                alarms: None,
                skipped: Some(Skipped::NotConfigured),
                jobs: StepReport::default(),
                status: None,
            });
        }
        let runner = Runner {
            app: self,
            settings: settings.clone(),
            lang,
            deadline_ms: self.clock.now_ms() + budget_ms,
        };
        let jobs = runner.step().await?;
        let alarms = jobs
            .more
            .then(|| crate::schedule::alarms(&settings, &self.host_permissions, true));
        Ok(JobsReply {
            alarms,
            skipped: None,
            jobs,
            status: None,
        })
    }

    /// "Sincronizează acum": the payment refresh and/or the stock sync asked for, a first slice
    /// of their work now, and the jobs' state after it; the rest runs on the next ticks.
    pub(crate) async fn sync_now(&self, kind: Option<JobKind>, lang: Lang) -> Result<JobsReply> {
        for k in [JobKind::Payments, JobKind::Stock] {
            if kind.is_none_or(|want| want == k) {
                crate::jobs::schedule::request(self.store, k, "now").await?;
            }
        }
        let mut reply = self.jobs_step(lang, SYNC_NOW_BUDGET_MS).await?;
        reply.status = Some(self.jobs_status().await?);
        Ok(reply)
    }
}
