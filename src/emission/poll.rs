//! The background tick (a `chrome.alarms` alarm, every `interval_minutes`): finishes work a dead
//! worker left behind, then — with automatic emission on — reads the module's `List` since a
//! persisted `UpdatedSince` watermark and emits the documents that reached a trigger status.

use serde::{Deserialize, Serialize};

use super::journal::{self, Status};
use super::{Emission, Mode};
use crate::error::{Error, Result};
use crate::minicrm::ListFilter;
use crate::platform::{self, local_ro};

const WATERMARK_KEY: &str = "poll.watermark";
/// Each pass looks this far behind the previous one: a change made while we listed is not lost.
const OVERLAP_MS: i64 = 2 * 60 * 1000;
/// Pages of 100 per trigger status and pass.
const MAX_PAGES: u32 = 20;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollReport {
    pub resumed: u32,
    pub checked: u32,
    pub emitted: u32,
    pub failed: u32,
    pub needs_confirmation: u32,
    pub paused_until_ms: Option<i64>,
    pub errors: Vec<String>,
}

/// MiniCRM's `UpdatedSince` format, in Hungarian time (CET/CEST, one hour behind Romania;
/// minicrm-api.md §2.3).
pub fn minicrm_time(ms: i64) -> String {
    (local_ro(ms) - chrono::TimeDelta::hours(1))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl Emission<'_> {
    /// Work a previous worker left unfinished: an undecided intent, a card not updated. Entries
    /// being worked on right now (locked) are not unfinished.
    pub fn is_unfinished(&self, entry: &journal::Entry) -> bool {
        let pending = entry.status == Status::Issuing
            || (matches!(
                entry.status,
                Status::Issued | Status::Cancelled | Status::Reversed
            ) && !entry.written_back);
        pending && !self.app.runtime.locks.is_locked(&entry.key())
    }

    /// Finishes unfinished entries: undecided intents of a dead worker, cards not yet updated.
    pub async fn resume(&self, report: &mut PollReport) -> Result<()> {
        for entry in journal::all(self.app.store).await? {
            let unfinished = entry.status == Status::Issuing
                || (matches!(
                    entry.status,
                    Status::Issued | Status::Cancelled | Status::Reversed
                ) && !entry.written_back);
            if !unfinished || self.app.runtime.locks.is_locked(&entry.key()) {
                continue;
            }
            report.resumed += 1;
            let outcome = if entry.status == Status::Issuing || entry.status == Status::Issued {
                self.emit(entry.kind, entry.doc_id, entry.project_id, Mode::Resume)
                    .await
            } else {
                let mut e = entry.clone();
                self.write_back(&mut e).await.map(|_| e)
            };
            match outcome {
                Ok(e) if e.status == Status::NeedsConfirmation => report.needs_confirmation += 1,
                Ok(_) => {}
                Err(Error::Paused { until_ms, .. }) => {
                    report.paused_until_ms = Some(until_ms);
                    return Ok(());
                }
                Err(e) => report.errors.push(e.message(self.lang)),
            }
        }
        Ok(())
    }

    /// One pass of automatic emission.
    pub async fn poll(&self, report: &mut PollReport) -> Result<()> {
        let integration = &self.settings.integration;
        if !integration.auto || integration.triggers.is_empty() {
            return Ok(());
        }
        let kind = self.settings.minicrm.module.document_kind();
        let start = self.app.clock.now_ms();
        let stored: Option<i64> = platform::load(self.app.store, WATERMARK_KEY).await.ok().flatten();
        let since = stored
            .unwrap_or(0)
            .max(integration.auto_since_ms.unwrap_or(start));
        let mc = self.minicrm()?;
        for trigger in &integration.triggers {
            for page in 0..MAX_PAGES {
                let filter = ListFilter {
                    page,
                    updated_since: Some(minicrm_time(since - OVERLAP_MS)),
                    status: Some(trigger.label.clone()),
                    ..Default::default()
                };
                let list = match mc.list_documents(kind, &filter).await {
                    Ok(l) => l,
                    Err(Error::Paused { until_ms, .. }) => {
                        report.paused_until_ms = Some(until_ms);
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                };
                let n = list.results.len();
                for doc in list.results {
                    report.checked += 1;
                    let Some(project_id) = doc.project_id else {
                        continue;
                    };
                    journal::cache_document(self.app.store, project_id, kind, doc.id).await;
                    if let Some(existing) = journal::load(self.app.store, kind, doc.id).await? {
                        if matches!(
                            existing.status,
                            Status::Issued | Status::Cancelled | Status::Reversed | Status::NeedsConfirmation
                        ) {
                            continue;
                        }
                    }
                    match self.emit(kind, doc.id, project_id, Mode::Auto).await {
                        Ok(e) => match e.status {
                            Status::Issued => report.emitted += 1,
                            Status::NeedsConfirmation => report.needs_confirmation += 1,
                            Status::Failed => report.failed += 1,
                            _ => {}
                        },
                        Err(Error::Paused { until_ms, .. }) => {
                            report.paused_until_ms = Some(until_ms);
                            return Ok(());
                        }
                        Err(e) => {
                            report.failed += 1;
                            report.errors.push(e.message(self.lang));
                        }
                    }
                }
                if n < 100 {
                    break;
                }
            }
        }
        // Only a complete pass moves the watermark.
        let _ = platform::save(self.app.store, WATERMARK_KEY, &start).await;
        Ok(())
    }

    /// The card's status changed (seen by the panel): if it is a trigger status, emit now.
    pub async fn status_changed(
        &self,
        kind: crate::minicrm::DocumentKind,
        project_id: u64,
    ) -> Result<journal::Entry> {
        let summary = super::panel::lookup(&self.minicrm()?, self.app.store, kind, project_id).await?;
        let integration = &self.settings.integration;
        let triggered = integration.auto && integration.triggers.iter().any(|t| t.label == summary.status);
        if triggered {
            return self.emit(kind, summary.id, project_id, Mode::Auto).await;
        }
        Ok(journal::load(self.app.store, kind, summary.id)
            .await?
            .unwrap_or_else(|| journal::Entry::new(kind, summary.id, project_id)))
    }
}
