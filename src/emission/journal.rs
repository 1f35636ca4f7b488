//! The emission journal: one persistent entry per MiniCRM document, the source of truth for
//! "was this document invoiced?". The MiniCRM card fields are its user-visible mirror.
//!
//! The intent (with the series' next number) is written BEFORE the POST to SmartBill, so a
//! worker that dies mid-call leaves a trace that the next run reconciles instead of re-posting.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fields::PaymentState;
use crate::minicrm::DocumentKind;
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
    pub total: Decimal,
    pub currency: String,
    pub draft: bool,
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
    pub total: Decimal,
    pub currency: String,
    pub issue_date: NaiveDate,
    pub draft: bool,
    /// Found by reconciliation after an ambiguous outcome (no links known).
    #[serde(default)]
    pub reconciled: bool,
    /// Issued by other means: the card already had an invoice number.
    #[serde(default)]
    pub external: bool,
}

impl Issued {
    /// "FCT 0124" (or "Ciornă FCT" for a draft).
    pub fn label(&self) -> String {
        if self.draft || self.number.is_empty() {
            format!("Ciornă {}", self.series)
        } else if self.external {
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
    pub paid: Decimal,
    pub total: Decimal,
    pub checked_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    let mut index: Vec<String> = platform::load(store, INDEX_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    if !index.contains(&k) {
        index.push(k);
        platform::save(store, INDEX_KEY, &index)
            .await
            .map_err(|detail| Error::Storage { detail })?;
    }
    Ok(())
}

/// Every journal entry (for resuming unfinished work and the payment refresh).
pub async fn all(store: &dyn Store) -> Result<Vec<Entry>> {
    let index: Vec<String> = platform::load(store, INDEX_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut out = Vec::new();
    for k in index {
        if let Some(e) = platform::load::<Entry>(store, &k)
            .await
            .map_err(|detail| Error::Storage { detail })?
        {
            out.push(e);
        }
    }
    Ok(out)
}

/// The card → document mapping, cached after one lookup (`List?ProjectId=`).
pub async fn cached_document(store: &dyn Store, project_id: u64) -> Option<(DocumentKind, u64)> {
    platform::load(store, &format!("card.{project_id}"))
        .await
        .ok()
        .flatten()
}

pub async fn cache_document(store: &dyn Store, project_id: u64, kind: DocumentKind, doc_id: u64) {
    let _ = platform::save(store, &format!("card.{project_id}"), &(kind, doc_id)).await;
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
