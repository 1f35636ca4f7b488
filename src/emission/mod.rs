//! Emission: one workflow for the panel's button, the poller and a status change seen by the
//! panel. The one unforgivable bug is a duplicate fiscal document, so:
//!
//! 1. a per-document lease in the worker lets one caller of this browser at a time through
//!    (double click, two tabs, button plus poller);
//! 2. a claim on the card itself lets one *browser of the team* at a time through (`claim`:
//!    Fischer's protocol over MiniCRM, which has no compare-and-set);
//! 3. the persistent journal is consulted first: an issued, cancelled or undecided document is
//!    never posted again without an explicit request; a card whose invoice-number field is filled
//!    is never emitted again either;
//! 4. the intent, with the series' `nextNumber`, is saved (in the journal and in the claim) BEFORE
//!    the POST;
//! 5. an ambiguous outcome (no answer, dropped connection, a stopped worker) is never judged
//!    while the request may still land: only after its timeout plus a margin do we read the series
//!    and the payment status of the numbers issued since; if that cannot decide, a person does.
//!
//! Every failure that stops an emission is written to the card's error field by the claim's
//! holder, and cleared on success (`card`).

pub mod card;
pub mod change;
pub mod claim;
pub mod index;
pub mod issue;
pub mod journal;
pub mod panel;
pub mod poll;
pub mod reconcile;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::document::DocumentKind;
use crate::error::{Error, ErrorView, Result};
use crate::i18n::Lang;
use crate::jobs::Priority;
use crate::minicrm::{Document, MiniCrm};
use crate::platform;
use crate::settings::{DocumentType, Settings, Timing};
use crate::smartbill::SmartBill;

pub use journal::{Entry, Issued, Status};

/// How long a call may wait for a rate-limit slot: a person waits a minute at most; background
/// work waits out one MiniCRM window (longer waits end the tick; the next alarm continues).
pub const INTERACTIVE_WAIT_MS: i64 = 60_000;
pub const BACKGROUND_WAIT_MS: i64 = 70_000;
/// A worker's lease on a document: longer than any emission, short enough that a lease a trapped
/// worker never released does not leave the card stuck.
pub const LEASE_MS: i64 = 5 * 60 * 1000;
/// How long a person's cancel, storno or duplicate's cancel waits for a document another flow of
/// the worker holds (the payment refresh's card write, a MiniCRM call) before it says "busy".
pub const LOCK_WAIT_MS: i64 = 15_000;
/// How often that wait looks at the lock again.
pub const LOCK_LOOK_MS: u64 = 200;
/// Index pages a person waits for before the panel shows progress instead.
pub const INTERACTIVE_INDEX_PAGES: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// The panel's button.
    Button,
    /// The poller or a status change: documents that reached a trigger status.
    Auto,
    /// "Reîncearcă" after an error.
    Retry,
    /// "Emite din nou" after a cancellation or storno.
    Reissue,
    /// Finishing work a previous worker left unfinished.
    Resume,
}

pub struct Emission<'a> {
    pub app: &'a App<'a>,
    pub settings: Settings,
    pub lang: Lang,
    pub priority: Priority,
}

fn stored(e: &Error, lang: Lang) -> journal::StoredError {
    let v = ErrorView::new(e, lang);
    journal::StoredError {
        code: v.code,
        message: v.message,
        vendor_text: v.vendor_text,
    }
}

/// A cheap fingerprint of a document's content (customer, items, totals), not of its card (its
/// `Project` block is never read, and written as `{}`).
fn fingerprint(doc: &Document) -> String {
    let text = serde_json::to_string(doc).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl<'a> Emission<'a> {
    pub fn new(app: &'a App<'a>, settings: Settings, lang: Lang, priority: Priority) -> Emission<'a> {
        Emission {
            app,
            settings,
            lang,
            priority,
        }
    }

    fn wait_ms(&self) -> i64 {
        match self.priority {
            Priority::Interactive => INTERACTIVE_WAIT_MS,
            Priority::Background => BACKGROUND_WAIT_MS,
        }
    }

    pub fn timing(&self) -> Timing {
        self.settings.timing(&self.app.host_permissions)
    }

    pub fn smartbill(&self) -> Result<SmartBill<'a>> {
        let t = self.timing().request_timeout_ms;
        Ok(self
            .app
            .smartbill(&self.settings, self.priority, self.wait_ms())?
            .timeout(u32::try_from(t).unwrap_or(u32::MAX)))
    }

    pub fn minicrm(&self) -> Result<MiniCrm<'a>> {
        let t = self.timing().request_timeout_ms;
        Ok(self
            .app
            .minicrm(&self.settings, self.priority, self.wait_ms())?
            .timeout(u32::try_from(t).unwrap_or(u32::MAX)))
    }

    pub fn kind(&self) -> DocumentKind {
        self.settings.minicrm.module.document_kind()
    }

    fn now(&self) -> i64 {
        self.app.clock.now_ms()
    }

    fn store(&self) -> &'a dyn platform::Store {
        self.app.store
    }

    fn doc_type(&self) -> DocumentType {
        self.settings.document.kind
    }

    /// The MiniCRM account the card index belongs to.
    pub fn account(&self) -> String {
        format!(
            "{}|{}",
            self.settings.minicrm.url, self.settings.minicrm.system_id
        )
    }

    async fn save(&self, entry: &mut Entry) -> Result<()> {
        entry.updated_ms = self.now();
        journal::save(self.store(), entry).await
    }

    /// The one document of a card, through the card → document index (documented list pages
    /// only; see `index`).
    pub async fn document_of(&self, project_id: u64, max_pages: u32) -> Result<index::Listed> {
        let mc = self.minicrm()?;
        let found = index::find(
            &mc,
            self.store(),
            self.app.clock,
            self.kind(),
            &self.account(),
            project_id,
            max_pages,
        )
        .await?;
        index::one(found, self.kind())
    }

    /// Emits the document once. Returns the journal entry as it now stands; errors that leave
    /// the entry unchanged (MiniCRM unreachable, paused by a rate limit, a colleague's claim) are
    /// returned as `Err`.
    pub async fn emit(&self, kind: DocumentKind, doc_id: u64, project_id: u64, mode: Mode) -> Result<Entry> {
        let key = journal::key(kind, doc_id);
        let locks = &self.app.runtime.locks;
        let settle = self.timing().settle_ms();
        locks.recall(self.store(), &key, self.now(), settle).await;
        let Some(_lease) = locks.try_lock(&key, self.now(), LEASE_MS) else {
            // Another caller of this browser is emitting it right now: report it as in progress.
            let mut e = journal::load(self.store(), kind, doc_id)
                .await?
                .unwrap_or_else(|| Entry::new(kind, doc_id, project_id));
            e.status = Status::Issuing;
            return Ok(e);
        };
        let mut entry = journal::load(self.store(), kind, doc_id)
            .await?
            .unwrap_or_else(|| Entry::new(kind, doc_id, project_id));
        entry.project_id = project_id;

        match entry.status {
            Status::Issued => {
                if !entry.written_back {
                    self.write_back(&mut entry).await?;
                }
                return Ok(entry);
            }
            Status::Cancelled | Status::Reversed if mode != Mode::Reissue => {
                if !entry.written_back {
                    self.write_back(&mut entry).await?;
                }
                return Ok(entry);
            }
            Status::NeedsConfirmation => return Ok(entry),
            Status::Issuing => match self.settle(&mut entry).await? {
                // Proved not issued: what was asked is done now, as it was asked.
                Some(original) => {
                    self.issue(&mut entry, if mode == Mode::Resume { original } else { mode })
                        .await?;
                    return Ok(entry);
                }
                None => return Ok(entry),
            },
            _ => {}
        }
        if mode == Mode::Resume {
            return Ok(entry);
        }
        self.issue(&mut entry, mode).await?;
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document's fingerprint is stored in the journal (`failed_fingerprint`): it must not
    /// change from one version to the next, nor with the card's fields in the `Project` block.
    #[test]
    fn fingerprints_stay_the_same() {
        let text = br#"{"Id": 77, "ProjectId": "5", "Number": "A-1", "CurrencyCode": "RON",
            "Amount": "119.00", "Customer": {"Name": "Ana SRL", "VatNumber": "RO1"},
            "Items": {"3": {"Name": "Cafea", "PriceNet": "100.0000", "Quantity": "1", "VAT": "19%"}},
            "Project": {"Name": "Card", "StatusId": "3003", "Tags": ["a", 1]}}"#;
        let doc: Document = crate::platform::from_json(text).unwrap();
        assert_eq!(fingerprint(&doc), "cce01930a0a6f34c");
        let bare = br#"{"Id": 77, "ProjectId": "5", "Number": "A-1", "CurrencyCode": "RON",
            "Amount": "119.00", "Customer": {"Name": "Ana SRL", "VatNumber": "RO1"},
            "Items": [{"Name": "Cafea", "PriceNet": "100.0000", "Quantity": "1", "VAT": "19%"}]}"#;
        let doc: Document = crate::platform::from_json(bare).unwrap();
        assert_eq!(fingerprint(&doc), "cce01930a0a6f34c");
    }
}
