//! The emission journal: one persistent entry per MiniCRM document, the source of truth for
//! "was this document invoiced?". The MiniCRM card fields are its user-visible mirror.
//!
//! The intent (with the series' next number) is written BEFORE the POST to SmartBill, so a
//! worker that dies mid-call leaves a trace that the next run reconciles instead of re-posting.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::document::DocumentKind;
use crate::error::{Error, Result};
use crate::fields::PaymentState;
use crate::platform::{self, Store};
use crate::settings::DocumentType;

const INDEX_KEY: &str = "journal.index";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    NotIssued,
    /// An intent is recorded; the outcome of the POST is not known yet.
    Issuing,
    Issued,
    /// SmartBill refused (nothing was created) or the document cannot be mapped.
    Failed,
    /// The outcome could not be decided: a person must say whether SmartBill issued it.
    NeedsConfirmation,
    Cancelled,
    Reversed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub series: String,
    /// The series' `nextNumber` read just before the POST (none for drafts).
    pub expected_number: Option<u64>,
    /// Written and read as text (`money::stored`).
    #[serde(with = "crate::money::stored")]
    pub total: Decimal,
    pub currency: String,
    pub draft: bool,
    /// When the POST left (our clock).
    pub at_ms: i64,
    /// Before this nobody judges the outcome: the request may still land (its timeout plus a
    /// margin after `at_ms`). Entries of older versions had none: 40 s after `at_ms`.
    #[serde(default)]
    pub settle_after_ms: Option<i64>,
    /// How the emission was asked for (a proved "not issued" is then done as asked).
    #[serde(default = "default_mode")]
    pub mode: super::Mode,
}

fn default_mode() -> super::Mode {
    super::Mode::Button
}

impl Intent {
    pub fn settle_after(&self) -> i64 {
        self.settle_after_ms.unwrap_or(self.at_ms + 40_000)
    }
}

/// Where an emission in progress is, for the panel's progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Writing our claim on the card.
    Claiming,
    /// Waiting out the claim's bound, then reading the card again.
    Waiting,
    /// Reading the document, the series; posting to SmartBill.
    Posting,
    /// SmartBill's answer was lost: waiting until the request can no longer land.
    Settling,
    /// Writing the number, link and PDF on the card.
    WritingBack,
}

/// Our claim on the card (see `claim`), while we hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldClaim {
    pub token: String,
    /// MiniCRM's time of the claim.
    pub at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issued {
    pub doc_type: DocumentType,
    pub series: String,
    /// As SmartBill prints it ("0124"); empty for drafts.
    pub number: String,
    pub document_url: String,
    pub document_view_url: String,
    pub document_id: String,
    /// Written and read as text (`money::stored`).
    #[serde(with = "crate::money::stored")]
    pub total: Decimal,
    pub currency: String,
    #[serde(with = "crate::platform::when::serde_ymd")]
    pub issue_date: NaiveDate,
    pub draft: bool,
    /// Found by reconciliation after an ambiguous outcome (no links known).
    #[serde(default)]
    pub reconciled: bool,
    /// Issued by other means: the card already had an invoice number.
    #[serde(default)]
    pub external: bool,
    /// Issued by another browser of the team (found through its claim): never offered for
    /// cancellation here.
    #[serde(default)]
    pub by_other: Option<String>,
}

impl Issued {
    /// A document issued by other means, known only from what a card shows (its number, maybe
    /// its link): nothing of SmartBill's own answer.
    pub fn external(
        doc_type: DocumentType,
        (series, number): (String, String),
        document_url: String,
        issue_date: NaiveDate,
    ) -> Issued {
        Issued {
            doc_type,
            series,
            number,
            document_url,
            document_view_url: String::new(),
            document_id: String::new(),
            total: Default::default(),
            currency: String::new(),
            issue_date,
            draft: false,
            reconciled: false,
            external: true,
            by_other: None,
        }
    }

    /// A live document this browser issued: the only kind it offers to cancel or reverse.
    pub fn ours(&self) -> bool {
        !self.external && !self.draft && !self.number.is_empty() && self.by_other.is_none()
    }

    /// The series of a document that has no number yet (a draft), which [`Issued::label`] names
    /// "Ciornă {series}"; `None` for a numbered document.
    pub fn unnumbered_series(&self) -> Option<&str> {
        (self.draft || self.number.is_empty()).then_some(self.series.as_str())
    }

    /// "FCT 0124" (or "Ciornă FCT" for a draft): the document's name on the card and in the
    /// journal, and what the panel sends back to name it. The panel shows a draft's name in the
    /// person's language (`PanelView::draft_of`).
    pub fn label(&self) -> String {
        if let Some(series) = self.unnumbered_series() {
            format!("Ciornă {series}")
        } else if self.series.is_empty() {
            // Found on a card as the card shows it, not split into series and number.
            self.number.clone()
        } else {
            format!("{} {}", self.series, self.number)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub state: PaymentState,
    /// Written and read as text (`money::stored`).
    #[serde(with = "crate::money::stored")]
    pub paid: Decimal,
    /// Written and read as text (`money::stored`).
    #[serde(with = "crate::money::stored")]
    pub total: Decimal,
    pub checked_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoredError {
    pub code: String,
    pub message: String,
    pub vendor_text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub at_ms: i64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub kind: DocumentKind,
    pub doc_id: u64,
    pub project_id: u64,
    pub status: Status,
    pub intent: Option<Intent>,
    pub issued: Option<Issued>,
    /// The card shows the issued document (number, link, PDF, payment status).
    pub written_back: bool,
    pub payment: Option<Payment>,
    pub error: Option<StoredError>,
    /// The document's content when it failed: an unchanged document is not retried by itself.
    pub failed_fingerprint: Option<String>,
    /// Numbers that might be ours, when a person must confirm.
    pub candidates: Vec<String>,
    /// The storno document, after "Stornează".
    pub storno: Option<Issued>,
    /// Labels of documents of this entry that were cancelled or reversed: their numbers may
    /// still be on the card, and must not be taken for a live invoice.
    #[serde(default)]
    pub superseded: Vec<String>,
    /// Numbers of the same series with the same total that appeared between our read of the
    /// series and SmartBill's answer: probably a duplicate the browser's network stack created by
    /// re-sending the POST on a dropped keep-alive connection. A person decides.
    #[serde(default)]
    pub duplicates: Vec<String>,
    /// The payment state last written to the card (the refresh writes only changes).
    #[serde(default)]
    pub card_payment: Option<PaymentState>,
    /// The card showed another invoice number when we wrote ours back: it was not overwritten.
    #[serde(default)]
    pub conflict: Option<String>,
    /// Where the emission in progress is.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// When an unknown outcome will be judged (see [`Intent::settle_after`]).
    #[serde(default)]
    pub waiting_until_ms: Option<i64>,
    /// Our claim on the card, while we hold it.
    #[serde(default)]
    pub claim: Option<HeldClaim>,
    /// Shown, never stored: another browser's live claim on the card (its name).
    #[serde(skip)]
    pub claimed_by: Option<String>,
    pub events: Vec<Event>,
    pub updated_ms: i64,
}

impl Entry {
    pub fn new(kind: DocumentKind, doc_id: u64, project_id: u64) -> Entry {
        Entry {
            kind,
            doc_id,
            project_id,
            status: Status::NotIssued,
            intent: None,
            issued: None,
            written_back: false,
            payment: None,
            error: None,
            failed_fingerprint: None,
            candidates: Vec::new(),
            storno: None,
            superseded: Vec::new(),
            duplicates: Vec::new(),
            card_payment: None,
            conflict: None,
            phase: None,
            waiting_until_ms: None,
            claim: None,
            claimed_by: None,
            events: Vec::new(),
            updated_ms: 0,
        }
    }

    pub fn key(&self) -> String {
        key(self.kind, self.doc_id)
    }

    pub fn log(&mut self, at_ms: i64, text: impl Into<String>) {
        self.events.push(Event {
            at_ms,
            text: text.into(),
        });
        if self.events.len() > 30 {
            self.events.remove(0);
        }
        self.updated_ms = at_ms;
    }
}

pub fn key(kind: DocumentKind, doc_id: u64) -> String {
    format!("journal.{}.{doc_id}", kind.path())
}

pub async fn load(store: &dyn Store, kind: DocumentKind, doc_id: u64) -> Result<Option<Entry>> {
    platform::load(store, &key(kind, doc_id))
        .await
        .map_err(|detail| Error::Storage { detail })
}

/// Writes the entry (and indexes it on first write). Every state change goes through here.
pub async fn save(store: &dyn Store, entry: &Entry) -> Result<()> {
    let k = entry.key();
    platform::save(store, &k, entry)
        .await
        .map_err(|detail| Error::Storage { detail })?;
    // One step of the store's: two entries saved for the first time at once (two cards issued
    // together) would otherwise each write the index it read, without the other's key.
    store
        .add_to_list(INDEX_KEY, &k)
        .await
        .map_err(|detail| Error::Storage { detail })
}

/// Every journal entry (for resuming unfinished work and the payment refresh), read in one call
/// to the store, however many there are.
pub async fn all(store: &dyn Store) -> Result<Vec<Entry>> {
    let index: Vec<String> = platform::load(store, INDEX_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let entries = platform::load_many::<Entry>(store, &index)
        .await
        .map_err(|detail| Error::Storage { detail })?;
    Ok(entries.into_iter().flatten().collect())
}

/// How many digits a series' numbers have ("0124" → 4), learned from SmartBill's answers.
pub async fn series_width(store: &dyn Store, series: &str) -> usize {
    platform::load::<usize>(store, &format!("seriesWidth.{series}"))
        .await
        .ok()
        .flatten()
        .unwrap_or(4)
}

pub async fn learn_series_width(store: &dyn Store, series: &str, number: &str) {
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
        let _ = platform::save(store, &format!("seriesWidth.{series}"), &number.len()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::native::Browserlike;

    fn entry(doc_id: u64) -> Entry {
        Entry::new(DocumentKind::Offer, doc_id, 1000 + doc_id)
    }

    /// Two cards issued at once each save their entry for the first time: both are in the index
    /// afterwards, so the tick resumes either if its worker dies, and the payment refresh sees
    /// both. (Each saving the index it had read lost one of them.)
    #[tokio::test]
    async fn entries_saved_for_the_first_time_at_once_are_all_indexed() {
        let store = Browserlike::default();
        let (a, b) = crate::platform::join(save(&store, &entry(1)), save(&store, &entry(2))).await;
        a.unwrap();
        b.unwrap();
        let (c, d) = crate::platform::join(save(&store, &entry(3)), save(&store, &entry(1))).await;
        c.unwrap();
        d.unwrap();
        let ids: Vec<u64> = all(&store).await.unwrap().iter().map(|e| e.doc_id).collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    /// The tick reads the whole journal twice: one read of the index and one of the entries,
    /// however long the journal is (a round trip to the browser each made a year's journal a
    /// tick of thousands of round trips).
    #[tokio::test]
    async fn the_whole_journal_is_two_reads() {
        let store = Browserlike::default();
        for id in 1..=40 {
            save(&store, &entry(id)).await.unwrap();
        }
        // An entry gone from under its index key is skipped.
        store.inner.remove(&entry(7).key()).await.unwrap();
        store.reads.set(0);
        let entries = all(&store).await.unwrap();
        assert_eq!(store.reads.get(), 2);
        assert_eq!(entries.len(), 39);
        assert_eq!(entries[6].doc_id, 8);
        // One unreadable entry is the storage error it is, not a journal silently shorter.
        store
            .inner
            .set_raw(&entry(9).key(), serde_json::json!({"kind": 7}))
            .await
            .unwrap();
        let err = all(&store).await.unwrap_err();
        assert!(
            matches!(&err, Error::Storage { detail } if detail.contains("journal.Offer.9")),
            "{err:?}"
        );
    }

    /// The payment refresh records an invoice it finds on a card split into series and number;
    /// the panel records it as the card shows it. Both read "FCT 0118", whichever came first.
    #[test]
    fn an_invoice_found_on_a_card_reads_as_the_card_shows_it() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let kind = crate::settings::DocumentType::Invoice;
        let whole = Issued::external(kind, (String::new(), "FCT 0118".into()), String::new(), day);
        let split = Issued::external(kind, ("FCT".into(), "0118".into()), String::new(), day);
        assert_eq!(whole.label(), "FCT 0118");
        assert_eq!(split.label(), "FCT 0118");
    }
}
