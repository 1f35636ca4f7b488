//! The emission journal: one persistent entry per MiniCRM document, the source of truth for
//! "was this document invoiced?". The MiniCRM card fields are its user-visible mirror.
//!
//! The intent (with the series' next number) is written BEFORE the POST to SmartBill, so a
//! worker that dies mid-call leaves a trace that the next run reconciles instead of re-posting.

use chrono::NaiveDate;
use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::document::DocumentKind;
use crate::error::{Error, Result};
use crate::fields::PaymentState;
use crate::platform::{self, Store};
use crate::settings::DocumentType;

const INDEX_KEY: &str = "journal.index";
/// The keys of the entries the tick may have work on ([`open`]): every such entry is listed, and
/// a few others may be, until the tick takes them out ([`open_entries`]).
const OPEN_KEY: &str = "journal.open";
/// The keys of the invoices the payment refresh may have to look at ([`unpaid`]): every such
/// entry is listed, and a few others may be, until the refresh takes them out ([`unpaid_entries`]).
const UNPAID_KEY: &str = "journal.unpaid";
/// In a list once it holds every entry of the journal it lists (no entry's key is empty): a
/// journal written by a version without the list is read whole once, to make it.
const OPEN_MADE: &str = "";

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
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

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldClaim {
    pub token: String,
    /// MiniCRM's time of the claim.
    pub at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StoredError {
    pub code: String,
    pub message: String,
    pub vendor_text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub at_ms: i64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
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

/// Whether the tick may have work on the entry: an outcome not known yet (`Issuing`, a colleague's
/// included: the tick judges it sooner), or a card not updated. Only a save changes this.
pub fn open(entry: &Entry) -> bool {
    entry.status == Status::Issuing
        || (matches!(
            entry.status,
            Status::Issued | Status::Cancelled | Status::Reversed
        ) && !entry.written_back)
}

/// Whether the payment refresh may have to ask about the entry's invoice: a live, numbered
/// invoice not known to be paid (the refresh also leaves out those older than its window).
pub fn unpaid(entry: &Entry) -> bool {
    entry.status == Status::Issued
        && entry
            .issued
            .as_ref()
            .is_some_and(|i| i.doc_type == DocumentType::Invoice && !i.draft && !i.number.is_empty())
        && !entry
            .payment
            .as_ref()
            .is_some_and(|p| p.state == PaymentState::Paid)
}

/// The lists an entry belongs on ([`open`], [`unpaid`]): `None` for a list it is not on.
fn lists_of(entry: &Entry) -> [Option<&'static str>; 2] {
    [
        open(entry).then_some(OPEN_KEY),
        unpaid(entry).then_some(UNPAID_KEY),
    ]
}

/// Writes the entry (and indexes it on first write). Every state change goes through here.
/// An entry is put on its lists ([`lists_of`]) before it is written (a worker stopped between
/// the two leaves a key the list's reader takes out, never an entry unlisted) and again after it
/// (a reader taking the key out meanwhile read the entry as it was before: see [`listed`]).
pub async fn save(store: &dyn Store, entry: &Entry) -> Result<()> {
    let k = entry.key();
    let lists = lists_of(entry);
    for list in lists.iter().flatten() {
        list_in(store, list, &k).await?;
    }
    platform::save(store, &k, entry)
        .await
        .map_err(|detail| Error::Storage { detail })?;
    for list in lists.iter().flatten() {
        list_in(store, list, &k).await?;
    }
    // One step of the store's: two entries saved for the first time at once (two cards issued
    // together) would otherwise each write the index it read, without the other's key.
    store
        .add_to_list(INDEX_KEY, &k)
        .await
        .map_err(|detail| Error::Storage { detail })
}

async fn list_in(store: &dyn Store, list: &str, key: &str) -> Result<()> {
    store
        .add_to_list(list, key)
        .await
        .map_err(|detail| Error::Storage { detail })
}

/// The open entries ([`open`]), for the tick: it reads these, not the whole journal, which grows
/// by an entry a document for as long as the extension is used.
pub async fn open_entries(store: &dyn Store) -> Result<Vec<Entry>> {
    listed(store, OPEN_KEY, &open).await
}

/// Whether the open list says no entry is open: made, and holding no key but its mark. `false`
/// when it lists a key or cannot be read (then [`open_entries`] reads, or makes, it). For the
/// worker's first module, which answers a tick that has nothing to resume (`front`).
pub async fn none_open(store: &dyn Store) -> bool {
    let stored: Option<Vec<String>> = platform::load(store, OPEN_KEY).await.ok().flatten();
    stored.is_some_and(|keys| !keys.is_empty() && keys.iter().all(|k| k == OPEN_MADE))
}

/// The invoices the payment refresh asks about ([`unpaid`], and `keep`: its window), read
/// instead of the whole journal.
pub async fn unpaid_entries(store: &dyn Store, keep: &dyn Fn(&Entry) -> bool) -> Result<Vec<Entry>> {
    listed(store, UNPAID_KEY, &|e| unpaid(e) && keep(e)).await
}

/// The entries of `list` that `keep` holds for. Listed keys whose entries it no longer holds for
/// are taken out here: each key is taken out, then its entry read again, and put back if a save
/// made it one to keep meanwhile (that save lists it again after writing it, too).
async fn listed(store: &dyn Store, list: &str, keep: &dyn Fn(&Entry) -> bool) -> Result<Vec<Entry>> {
    let stored: Option<Vec<String>> = platform::load(store, list).await.ok().flatten();
    let keys = match stored {
        Some(keys) if keys.iter().any(|k| k == OPEN_MADE) => keys,
        // A journal from before the list (or an unreadable list): made from the whole journal.
        _ => {
            for entry in all(store).await?.iter().filter(|e| keep(e)) {
                list_in(store, list, &entry.key()).await?;
            }
            list_in(store, list, OPEN_MADE).await?;
            platform::load(store, list)
                .await
                .map_err(|detail| Error::Storage { detail })?
                .unwrap_or_default()
        }
    };
    let keys: Vec<String> = keys.into_iter().filter(|k| k != OPEN_MADE).collect();
    let (mut entries, dropped) = read_kept(store, keys, keep).await?;
    if dropped.is_empty() {
        return Ok(entries);
    }
    for key in &dropped {
        store
            .remove_from_list(list, key)
            .await
            .map_err(|detail| Error::Storage { detail })?;
    }
    // Saved as one to keep meanwhile: listed again.
    for entry in read_kept(store, dropped, keep).await?.0 {
        list_in(store, list, &entry.key()).await?;
        entries.push(entry);
    }
    Ok(entries)
}

/// The listed entries `keep` holds for, and the keys of the others.
async fn read_kept(
    store: &dyn Store,
    keys: Vec<String>,
    keep: &dyn Fn(&Entry) -> bool,
) -> Result<(Vec<Entry>, Vec<String>)> {
    if keys.is_empty() {
        // Most ticks: nothing open, and no call to the store for it.
        return Ok((Vec::new(), Vec::new()));
    }
    let stored = platform::load_many::<Entry>(store, &keys)
        .await
        .map_err(|detail| Error::Storage { detail })?;
    let (mut entries, mut dropped) = (Vec::new(), Vec::new());
    for (key, entry) in keys.into_iter().zip(stored) {
        match entry {
            Some(entry) if keep(&entry) => entries.push(entry),
            _ => dropped.push(key),
        }
    }
    Ok((entries, dropped))
}

/// The keys of every journal entry ([`key`]), one read of the index.
pub async fn keys(store: &dyn Store) -> Vec<String> {
    platform::load(store, INDEX_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Every journal entry (to make a list the first time, for the team's unfinished work), read in
/// one call to the store, however many there are.
pub async fn all(store: &dyn Store) -> Result<Vec<Entry>> {
    let index = keys(store).await;
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

    /// An entry in the state the tick looks at: `status`, and whether its card was updated.
    fn in_state(doc_id: u64, status: Status, written_back: bool) -> Entry {
        let mut e = entry(doc_id);
        e.status = status;
        e.written_back = written_back;
        e
    }

    fn ids(entries: &[Entry]) -> Vec<u64> {
        let mut ids: Vec<u64> = entries.iter().map(|e| e.doc_id).collect();
        ids.sort_unstable();
        ids
    }

    /// The tick reads the open entries, not the whole journal: a year's journal costs it what
    /// a day's does. (It read every entry twice a tick.)
    #[tokio::test]
    async fn the_tick_reads_the_open_entries_and_not_the_whole_journal() {
        let store = Browserlike::default();
        open_entries(&store).await.unwrap();
        // Nothing open (most ticks): the list is the one read.
        store.reads.set(0);
        assert!(open_entries(&store).await.unwrap().is_empty());
        assert_eq!(store.reads.get(), 1);
        for id in 1..=300 {
            save(&store, &in_state(id, Status::Issued, true)).await.unwrap();
        }
        save(&store, &in_state(301, Status::Issuing, false))
            .await
            .unwrap();
        save(&store, &in_state(302, Status::Cancelled, false))
            .await
            .unwrap();
        save(&store, &in_state(303, Status::NeedsConfirmation, false))
            .await
            .unwrap();
        // The first read takes out the keys of entries since closed.
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [301, 302]);
        store.keys_read.set(0);
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [301, 302]);
        assert!(store.keys_read.get() <= 4, "{} keys read", store.keys_read.get());
        // Closed by a save: out of the list at the next read.
        save(&store, &in_state(301, Status::Issued, true)).await.unwrap();
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [302]);
        let mut listed: Vec<String> = platform::load(&store, OPEN_KEY).await.unwrap().unwrap();
        listed.sort();
        assert_eq!(listed, [OPEN_MADE.to_string(), entry(302).key()]);
    }

    /// A closed entry saved open again while the tick takes its key out of the list stays listed,
    /// whatever the order of the two's storage calls.
    #[tokio::test]
    async fn an_entry_saved_open_while_the_tick_takes_it_out_stays_listed() {
        let orders = (0..8).flat_map(|h| (0..6).flat_map(move |w| (0..8).map(move |r| (h, w, r))));
        for (head_start, write_delay, remove_delay) in orders {
            let store = Browserlike::default();
            save(&store, &in_state(1, Status::Issuing, false)).await.unwrap();
            save(&store, &in_state(1, Status::Issued, true)).await.unwrap();
            store.write_delay.set(write_delay);
            store.remove_delay.set(remove_delay);
            let reopen = async {
                for _ in 0..head_start {
                    crate::platform::native::yield_once().await;
                }
                save(&store, &in_state(1, Status::Cancelled, false))
                    .await
                    .unwrap();
            };
            let (read, ()) = crate::platform::join(open_entries(&store), reopen).await;
            read.unwrap();
            assert_eq!(
                ids(&open_entries(&store).await.unwrap()),
                [1],
                "the reopened entry is listed (head start {head_start}, delays {write_delay} {remove_delay})"
            );
        }
    }

    /// A worker stopped right after writing a journal entry: nothing after the write happens.
    #[derive(Default)]
    struct StopsAfterWrite {
        inner: crate::platform::native::MemoryStore,
        stopped: std::cell::Cell<bool>,
    }

    #[async_trait::async_trait(?Send)]
    impl Store for StopsAfterWrite {
        async fn get_json(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String> {
            self.inner.get_json(key).await
        }
        async fn set_json(&self, key: &str, text: String) -> std::result::Result<(), String> {
            if self.stopped.get() {
                return Err("the worker stopped".into());
            }
            self.stopped.set(key.starts_with("journal.Offer."));
            self.inner.set_json(key, text).await
        }
        async fn remove(&self, key: &str) -> std::result::Result<(), String> {
            self.inner.remove(key).await
        }
    }

    /// The worker stopped between writing an open entry and anything after: the tick still
    /// finds the entry.
    #[tokio::test]
    async fn an_open_entry_is_listed_before_it_is_written() {
        let store = StopsAfterWrite::default();
        assert!(open_entries(&store).await.unwrap().is_empty());
        assert!(save(&store, &in_state(1, Status::Issuing, false)).await.is_err());
        assert!(store.stopped.get(), "the entry was written");
        assert_eq!(ids(&open_entries(&store.inner).await.unwrap()), [1]);
    }

    /// A journal written before the open list: the first read makes the list from the whole
    /// journal, once.
    #[tokio::test]
    async fn a_journal_from_before_the_open_list_is_read_whole_once() {
        let store = Browserlike::default();
        for (id, status, written_back) in [
            (1, Status::Issued, true),
            (2, Status::Issuing, false),
            (3, Status::Issued, false),
        ] {
            let e = in_state(id, status, written_back);
            platform::save(&store, &e.key(), &e).await.unwrap();
            store.add_to_list(INDEX_KEY, &e.key()).await.unwrap();
        }
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [2, 3]);
        store.keys_read.set(0);
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [2, 3]);
        assert_eq!(store.keys_read.get(), 3, "the list and its two entries");
        // An unreadable list is made again.
        store
            .inner
            .set_raw(OPEN_KEY, serde_json::json!({"not": "a list"}))
            .await
            .unwrap();
        assert_eq!(ids(&open_entries(&store).await.unwrap()), [2, 3]);
    }

    /// An issued invoice of `day` (2026-11-`day`), paid or not.
    fn invoice(doc_id: u64, day: u32, paid: bool) -> Entry {
        let mut e = in_state(doc_id, Status::Issued, true);
        let date = NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default();
        let number = format!("{doc_id:04}");
        e.issued = Some(Issued::external(
            DocumentType::Invoice,
            ("FCT".into(), number),
            String::new(),
            date,
        ));
        e.payment = paid.then_some(Payment {
            state: PaymentState::Paid,
            paid: Decimal::ONE,
            total: Decimal::ONE,
            checked_ms: 0,
        });
        e
    }

    fn since_the_20th(e: &Entry) -> bool {
        e.issued
            .as_ref()
            .is_some_and(|i| chrono::Datelike::day(&i.issue_date) >= 20)
    }

    /// The payment refresh reads the unpaid invoices of its window, not the whole journal: a
    /// year's journal costs it what a month's does. (It read every entry once a day, and the
    /// team server's Durable Object one key per call.)
    #[tokio::test]
    async fn the_refresh_reads_the_unpaid_invoices_and_not_the_whole_journal() {
        let store = Browserlike::default();
        unpaid_entries(&store, &since_the_20th).await.unwrap();
        for id in 1..=300 {
            // Paid, or older than the window, or not an invoice yet.
            let e = match id % 3 {
                0 => invoice(id, 25, true),
                1 => invoice(id, 5, false),
                _ => in_state(id, Status::Issuing, false),
            };
            save(&store, &e).await.unwrap();
        }
        save(&store, &invoice(301, 21, false)).await.unwrap();
        save(&store, &invoice(302, 28, false)).await.unwrap();
        // The first read takes out the keys of invoices out of the window.
        assert_eq!(
            ids(&unpaid_entries(&store, &since_the_20th).await.unwrap()),
            [301, 302]
        );
        store.keys_read.set(0);
        assert_eq!(
            ids(&unpaid_entries(&store, &since_the_20th).await.unwrap()),
            [301, 302]
        );
        assert!(store.keys_read.get() <= 3, "{} keys read", store.keys_read.get());
        // Paid since: out of the list at the next read; cancelled: the same.
        save(&store, &invoice(301, 21, true)).await.unwrap();
        let mut cancelled = invoice(302, 28, false);
        cancelled.status = Status::Cancelled;
        save(&store, &cancelled).await.unwrap();
        assert!(unpaid_entries(&store, &since_the_20th).await.unwrap().is_empty());
        let listed: Vec<String> = platform::load(&store, UNPAID_KEY).await.unwrap().unwrap();
        assert_eq!(listed, [OPEN_MADE.to_string()]);
        // A draft and an invoice without its number yet are not asked about.
        let mut draft = invoice(303, 28, false);
        if let Some(i) = draft.issued.as_mut() {
            i.draft = true;
        }
        save(&store, &draft).await.unwrap();
        assert!(unpaid_entries(&store, &since_the_20th).await.unwrap().is_empty());
    }

    /// A journal from before the unpaid list is read whole once, to make it.
    #[tokio::test]
    async fn a_journal_from_before_the_unpaid_list_is_read_whole_once() {
        let store = Browserlike::default();
        for e in [
            invoice(1, 25, false),
            invoice(2, 25, true),
            invoice(3, 2, false),
            invoice(4, 22, false),
        ] {
            platform::save(&store, &e.key(), &e).await.unwrap();
            store.add_to_list(INDEX_KEY, &e.key()).await.unwrap();
        }
        // An invoice saved by this version before the refresh's first run.
        save(&store, &invoice(5, 26, false)).await.unwrap();
        assert_eq!(
            ids(&unpaid_entries(&store, &since_the_20th).await.unwrap()),
            [1, 4, 5]
        );
        store.keys_read.set(0);
        assert_eq!(
            ids(&unpaid_entries(&store, &since_the_20th).await.unwrap()),
            [1, 4, 5]
        );
        assert_eq!(store.keys_read.get(), 4, "the list and its three entries");
    }

    /// An entry made one to ask about again while the refresh takes its key out of the list (a
    /// cancelled invoice reissued, say; here a paid one saved unpaid) stays listed, whatever the
    /// order of the two's storage calls.
    #[tokio::test]
    async fn an_invoice_saved_unpaid_while_the_refresh_takes_it_out_stays_listed() {
        let orders = (0..8).flat_map(|h| (0..6).flat_map(move |w| (0..8).map(move |r| (h, w, r))));
        for (head_start, write_delay, remove_delay) in orders {
            let store = Browserlike::default();
            save(&store, &invoice(1, 25, false)).await.unwrap();
            save(&store, &invoice(1, 25, true)).await.unwrap();
            store.write_delay.set(write_delay);
            store.remove_delay.set(remove_delay);
            let again = async {
                for _ in 0..head_start {
                    crate::platform::native::yield_once().await;
                }
                save(&store, &invoice(1, 25, false)).await.unwrap();
            };
            let (read, ()) = crate::platform::join(unpaid_entries(&store, &since_the_20th), again).await;
            read.unwrap();
            assert_eq!(
                ids(&unpaid_entries(&store, &since_the_20th).await.unwrap()),
                [1],
                "the invoice is listed (head start {head_start}, delays {write_delay} {remove_delay})"
            );
        }
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
