//! The background tick (a `chrome.alarms` alarm, every `interval_minutes`): finishes work a dead
//! worker left behind, then — with automatic emission on, in the team's one runner browser —
//! finds the documents that reached a trigger status.
//!
//! Only documented filters are sent, and what they return is checked on our side:
//! - `GET /Api/{Offer|Order}/List?UpdatedSince=` (§2.9): documents changed since the watermark,
//!   with their status label (`Status`), compared with the trigger labels here;
//! - `GET /Api/R3/Project?CategoryId=&UpdatedSince=` (§2.3): the module's cards changed since the
//!   watermark, with their `StatusId`, compared with the trigger ids here (whether a status change
//!   on the card counts as a change of its document for the list is not documented).
//!
//! A candidate is then emitted in automatic mode, which reads the card once more and goes on only
//! if its status, read now, is a trigger status reached after automatic emission was switched on
//! (`StatusUpdatedAt`).

use crate::platform::SortedMap;

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use super::index::{DocIndex, OVERLAP_MS};
use super::journal::{self, Status};
use super::{Emission, Mode};
use crate::error::{Error, Result};
use crate::minicrm::{ListFilter, MiniCrm};
use crate::platform::{self, local_ro};

const WATERMARK_KEY: &str = "poll.watermark";
/// Pages of 100 per query and pass.
const MAX_PAGES: u32 = 20;
/// Index pages the poller may read to find a candidate card's document.
const INDEX_PAGES: u32 = 5;

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PollReport {
    pub resumed: u32,
    pub checked: u32,
    pub emitted: u32,
    pub failed: u32,
    pub needs_confirmation: u32,
    pub paused_until_ms: Option<i64>,
    /// Automatic emission runs in another browser of the team (its name).
    pub other_runner: Option<String>,
    pub errors: Vec<String>,
}

/// MiniCRM's `UpdatedSince` format, in Hungarian time (CET/CEST, one hour behind Romania;
/// minicrm-api.md §2.3).
pub fn minicrm_time(ms: i64) -> String {
    crate::platform::when::ymd_hms(local_ro(ms) - chrono::TimeDelta::hours(1))
}

/// How a step of a polling pass ended.
enum Pass {
    Went,
    /// MiniCRM asked to wait (noted in the report): the pass ends here.
    Paused,
}

/// Notes a rate-limit pause in the report.
fn paused(e: &Error, report: &mut PollReport) -> bool {
    match e {
        Error::Paused { until_ms, .. } => {
            report.paused_until_ms = Some(*until_ms);
            true
        }
        _ => false,
    }
}

fn unfinished(entry: &journal::Entry) -> bool {
    // "Issuing" because a colleague's claim is on the card is their work, not ours to resume.
    journal::open(entry) && !(entry.status == Status::Issuing && entry.claimed_by.is_some())
}

impl Emission<'_> {
    /// Work a previous worker left unfinished: an undecided intent, a card not updated. Entries
    /// being worked on right now (leased) are not unfinished.
    pub fn is_unfinished(&self, entry: &journal::Entry) -> bool {
        unfinished(entry)
            && !self
                .app
                .runtime
                .locks
                .is_locked_at(&entry.key(), self.app.clock.now_ms())
    }

    /// Finishes unfinished entries: undecided intents of a dead worker (once they can no longer
    /// land), cards not yet updated.
    pub async fn resume(&self, report: &mut PollReport) -> Result<()> {
        for entry in journal::open_entries(self.app.store).await? {
            if !self.is_unfinished(&entry) {
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
        if !crate::team::runs_jobs(&self.settings) {
            report.other_runner = Some(
                self.settings
                    .team
                    .other_runner
                    .as_ref()
                    .map(|o| o.label.clone())
                    .unwrap_or_default(),
            );
            return Ok(());
        }
        let Some(category) = self.settings.minicrm.category_id else {
            return Ok(());
        };
        let start = self.app.clock.now_ms();
        let stored: Option<i64> = platform::load(self.app.store, WATERMARK_KEY).await.ok().flatten();
        let since_ms = stored
            .unwrap_or(0)
            .max(integration.auto_since_ms.unwrap_or(start))
            - OVERLAP_MS;
        let since = minicrm_time(since_ms);
        // Card id → its document when the list named it.
        let mut candidates: SortedMap<u64, Option<u64>> = SortedMap::new();
        let mc = self.minicrm()?;
        if let Pass::Paused = self
            .listed_documents(&mc, &since, &mut candidates, report)
            .await?
        {
            return Ok(());
        }
        if let Pass::Paused = self
            .changed_cards(&mc, category, &since, &mut candidates, report)
            .await?
        {
            return Ok(());
        }
        if let Pass::Paused = self.emit_candidates(candidates, report).await? {
            return Ok(());
        }
        // Only a complete pass moves the watermark.
        let _ = platform::save(self.app.store, WATERMARK_KEY, &start).await;
        Ok(())
    }

    /// The documents changed since `since` whose status label is a trigger's (the document index
    /// learns every listed document).
    async fn listed_documents(
        &self,
        mc: &MiniCrm<'_>,
        since: &str,
        candidates: &mut SortedMap<u64, Option<u64>>,
        report: &mut PollReport,
    ) -> Result<Pass> {
        let kind = self.kind();
        let labels: Vec<String> = self
            .settings
            .integration
            .triggers
            .iter()
            .map(|t| crate::text::fold(&t.label))
            .collect();
        let mut index = DocIndex::load(self.app.store, kind, &self.account()).await;
        for page in 0..MAX_PAGES {
            let filter = ListFilter {
                page,
                updated_since: Some(since.to_string()),
                status_group: None,
            };
            let list = match mc.list_documents(kind, &filter).await {
                Ok(l) => l,
                Err(e) if paused(&e, report) => return Ok(Pass::Paused),
                Err(e) => return Err(e),
            };
            index.merge(&list.results);
            let n = list.results.len();
            for d in &list.results {
                report.checked += 1;
                if let (Some(p), true) = (d.project_id, labels.contains(&crate::text::fold(&d.status))) {
                    candidates.insert(p, Some(d.id));
                }
            }
            if n < 100 || u64::from(page + 1) * 100 >= list.count {
                break;
            }
        }
        index.save(self.app.store, kind).await?;
        Ok(Pass::Went)
    }

    /// The module's cards changed since `since` whose status id is a trigger's.
    async fn changed_cards(
        &self,
        mc: &MiniCrm<'_>,
        category: u64,
        since: &str,
        candidates: &mut SortedMap<u64, Option<u64>>,
        report: &mut PollReport,
    ) -> Result<Pass> {
        let ids: Vec<u64> = self
            .settings
            .integration
            .triggers
            .iter()
            .filter_map(|t| t.id.trim().parse().ok())
            .collect();
        for page in 0..MAX_PAGES {
            let list = match mc.search_projects(category, Some(since), page).await {
                Ok(l) => l,
                Err(e) if paused(&e, report) => return Ok(Pass::Paused),
                Err(e) => return Err(e),
            };
            let n = list.results.len();
            for p in &list.results {
                report.checked += 1;
                if p.status_id.is_some_and(|s| ids.contains(&s)) {
                    candidates.get_or_insert_with(p.id, || None);
                }
            }
            if n < 100 || u64::from(page + 1) * 100 >= list.count {
                break;
            }
        }
        Ok(Pass::Went)
    }

    /// Emits each candidate card's document in automatic mode, unless its entry is settled.
    async fn emit_candidates(
        &self,
        candidates: SortedMap<u64, Option<u64>>,
        report: &mut PollReport,
    ) -> Result<Pass> {
        let kind = self.kind();
        for (project_id, doc) in candidates {
            let doc_id = match doc {
                Some(id) => id,
                None => match self.document_of(project_id, INDEX_PAGES).await {
                    Ok(l) => l.doc_id,
                    Err(e) if paused(&e, report) => return Ok(Pass::Paused),
                    Err(e) => {
                        report.errors.push(e.message(self.lang));
                        continue;
                    }
                },
            };
            if let Some(existing) = journal::load(self.app.store, kind, doc_id).await? {
                if matches!(
                    existing.status,
                    Status::Issued | Status::Cancelled | Status::Reversed | Status::NeedsConfirmation
                ) {
                    continue;
                }
            }
            match self.emit(kind, doc_id, project_id, Mode::Auto).await {
                Ok(e) => match e.status {
                    Status::Issued if e.issued.as_ref().is_some_and(|i| !i.external) => report.emitted += 1,
                    Status::NeedsConfirmation => report.needs_confirmation += 1,
                    Status::Failed => report.failed += 1,
                    _ => {}
                },
                Err(e) if paused(&e, report) => return Ok(Pass::Paused),
                Err(e) => {
                    report.failed += 1;
                    report.errors.push(e.message(self.lang));
                }
            }
        }
        Ok(Pass::Went)
    }

    /// The card's status changed (seen by the panel): with automatic emission on, emit now if the
    /// status, read from MiniCRM now, is a trigger status (checked in `issue`).
    pub async fn status_changed(&self, project_id: u64) -> Result<journal::Entry> {
        let listed = self
            .document_of(project_id, super::INTERACTIVE_INDEX_PAGES)
            .await?;
        let integration = &self.settings.integration;
        let kind = self.kind();
        let entry = journal::load(self.app.store, kind, listed.doc_id)
            .await?
            .unwrap_or_else(|| journal::Entry::new(kind, listed.doc_id, project_id));
        let settled = matches!(
            entry.status,
            Status::Issued
                | Status::Cancelled
                | Status::Reversed
                | Status::NeedsConfirmation
                | Status::Issuing
        );
        if integration.auto
            && !integration.triggers.is_empty()
            && !settled
            && crate::team::runs_jobs(&self.settings)
        {
            return self.emit(kind, listed.doc_id, project_id, Mode::Auto).await;
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emission::journal::Entry;

    #[test]
    fn a_colleagues_claim_is_not_our_unfinished_work() {
        let mut entry = Entry::new(crate::document::DocumentKind::Offer, 7, 70);
        entry.status = Status::Issuing;
        assert!(unfinished(&entry), "our own interrupted emission is resumed");
        entry.claimed_by = Some("Ana".into());
        assert!(
            !unfinished(&entry),
            "a colleague's claim is followed, not resumed"
        );
    }
}
