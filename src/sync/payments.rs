//! The daily payment-status refresh: every invoice of the last 30 days (the journal's, and cards
//! whose invoice field was filled by other means, found through the module's `List`) is asked
//! `GET /invoice/paymentstatus` once per run; the card's payment-status field is written only when
//! the state changed. An invoice seen fully paid is not asked again. SmartBill's V1 API has no
//! invoice list, so this costs one SmartBill call per invoice (smartbill-api.md §0, §2.4).

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::{Outcome, Plan, Run, Runner, Worker};
use crate::document::DocumentKind;
use crate::emission::journal::{self, Entry, Issued, Payment, Status};
use crate::emission::poll::minicrm_time;
use crate::emission::{Emission, BACKGROUND_WAIT_MS};
use crate::error::{Error, Result, SmartBillKind};
use crate::fields::{PaymentState, Role};
use crate::jobs::{JobKind, Priority};
use crate::minicrm::ListFilter;
use crate::platform::today_ro;
use crate::settings::DocumentType;

/// Invoices older than this are not refreshed.
const WINDOW_DAYS: i64 = 30;

/// Stored as `{"type": "invoice", …}` (internally tagged, without serde's `Content` buffer: see
/// `tagged`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename = "\u{0}type", rename_all = "camelCase")]
pub enum Item {
    /// An invoice the journal knows.
    Invoice { kind: DocumentKind, doc_id: u64 },
    /// A document of the last 30 days the journal does not know: its card may carry an invoice
    /// number written by other means.
    Card {
        kind: DocumentKind,
        doc_id: u64,
        project_id: u64,
    },
}

crate::tagged::internally_tagged!(Item, "type");

pub struct PaymentsJob;

/// "FCT 0124", "FCT0124", "FCT-0124" → ("FCT", "0124").
pub fn split_number(label: &str) -> Option<(String, String)> {
    let t = label.trim();
    let digits_at = t
        .rfind(|c: char| !c.is_ascii_digit())
        .map(|i| i + t[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let (series, number) = t.split_at(digits_at);
    let series = series.trim().trim_end_matches(['-', '/', ' ', '.']).trim();
    (!series.is_empty() && !number.is_empty() && series.chars().all(|c| c.is_alphanumeric()))
        .then(|| (series.to_string(), number.to_string()))
}

fn state_of(status: &crate::smartbill::PaymentStatus) -> PaymentState {
    if status.paid {
        PaymentState::Paid
    } else if status.paid_amount > rust_decimal::Decimal::ZERO {
        PaymentState::PartlyPaid
    } else {
        PaymentState::Unpaid
    }
}

impl Worker for PaymentsJob {
    type Item = Item;
    const KIND: JobKind = JobKind::Payments;

    async fn plan(runner: &Runner<'_>) -> Result<Plan<Item>> {
        let app = runner.app;
        let today = today_ro(app.clock);
        let cutoff = today - TimeDelta::days(WINDOW_DAYS);
        // The journal's unpaid invoices of the window, a list kept beside it: not the whole
        // journal, which grows by an entry a document for as long as the extension is used.
        let recent = |e: &Entry| e.issued.as_ref().is_some_and(|i| i.issue_date >= cutoff);
        let mut items = Vec::new();
        let mut known = crate::platform::SortedSet::new();
        for e in journal::unpaid_entries(app.store, &recent).await? {
            // Known even if the index lacks it (a worker stopped before its save indexed it).
            known.insert(e.key());
            items.push(Item::Invoice {
                kind: e.kind,
                doc_id: e.doc_id,
            });
        }
        for key in journal::keys(app.store).await {
            known.insert(key);
        }
        // Cards invoiced by other means: the module's documents changed in the last 30 days.
        let kind = runner.settings.minicrm.module.document_kind();
        let em = Emission::new(app, runner.settings.clone(), runner.lang, Priority::Background);
        let mc = em.minicrm()?;
        let since = minicrm_time(app.clock.now_ms() - WINDOW_DAYS * super::DAY_MS);
        for page in 0..50 {
            let list = mc
                .list_documents(
                    kind,
                    &ListFilter {
                        page,
                        updated_since: Some(since.clone()),
                        ..Default::default()
                    },
                )
                .await?;
            let n = list.results.len();
            for d in list.results {
                let key = journal::key(kind, d.id);
                if let (Some(project_id), false) = (d.project_id, known.contains(&key)) {
                    known.insert(key);
                    items.push(Item::Card {
                        kind,
                        doc_id: d.id,
                        project_id,
                    });
                }
            }
            if n < 100 {
                break;
            }
        }
        Ok(Plan {
            items,
            skipped: Vec::new(),
        })
    }

    async fn work(runner: &Runner<'_>, item: &Item, _run: &mut Run) -> Result<Outcome> {
        let app = runner.app;
        let em = Emission::new(app, runner.settings.clone(), runner.lang, Priority::Background);
        let (kind, doc_id) = match item {
            Item::Invoice { kind, doc_id } => (*kind, *doc_id),
            Item::Card {
                kind,
                doc_id,
                project_id,
            } => {
                if let Some(outcome) = from_card(runner, &em, *kind, *doc_id, *project_id).await? {
                    return Ok(outcome);
                }
                (*kind, *doc_id)
            }
        };
        let Some(entry) = journal::load(app.store, kind, doc_id).await? else {
            return Ok(Outcome::Unchanged);
        };
        let Some(issued) = entry.issued.clone() else {
            return Ok(Outcome::Unchanged);
        };
        if entry.status != Status::Issued {
            // Cancelled or reversed meanwhile: the card shows that already.
            return Ok(Outcome::Unchanged);
        }
        let status = match em
            .smartbill()?
            .payment_status(&issued.series, &issued.number)
            .await
        {
            Ok(s) => s,
            Err(Error::SmartBill {
                kind: SmartBillKind::Rejected | SmartBillKind::NotFound,
                text,
                ..
            }) => {
                return Ok(Outcome::Failed(format!(
                    "{}: SmartBill nu găsește factura ({text}). A fost ștearsă?",
                    issued.label()
                )));
            }
            Err(e) => return Err(e),
        };
        let state = state_of(&status);
        let payment = Payment {
            state,
            paid: status.paid_amount,
            total: status.invoice_total_amount,
            checked_ms: app.clock.now_ms(),
        };
        // What the card shows is what was last written to it (emission records its "unpaid").
        let shown = entry.card_payment.or(entry.payment.as_ref().map(|p| p.state));
        if shown == Some(state) {
            still_live(app, &issued, kind, doc_id, |e| e.payment = Some(payment)).await?;
            return Ok(Outcome::Unchanged);
        }
        changed(runner, &em, &issued, (kind, doc_id), payment).await
    }
}

/// A changed payment state: written to the card (one MiniCRM call), and not to the card of an
/// invoice cancelled meanwhile, then recorded. The write and its record hold the document's lock:
/// a cancel asked for meanwhile waits for them (`Emission::locked`), and its own card write
/// ("Anulată") comes after this one, also when the write's answer was lost (the lock is then
/// kept until the write has settled). When MiniCRM fails, the journal keeps the payment it had,
/// so the next run writes it again.
async fn changed(
    runner: &Runner<'_>,
    em: &Emission<'_>,
    issued: &Issued,
    (kind, doc_id): (DocumentKind, u64),
    payment: Payment,
) -> Result<Outcome> {
    let app = runner.app;
    let state = payment.state;
    let settle = em.timing().settle_ms();
    let write_lease = BACKGROUND_WAIT_MS.saturating_add(settle);
    let key = journal::key(kind, doc_id);
    app.runtime
        .locks
        .recall(app.store, &key, app.clock.now_ms(), settle)
        .await;
    let Some(_lease) = hold(app, kind, doc_id, write_lease) else {
        return Ok(Outcome::Unchanged);
    };
    if live(app, issued, kind, doc_id).await?.is_none() {
        return Ok(Outcome::Unchanged);
    }
    if let Some(e) = write_state(runner, em, (kind, doc_id), state).await? {
        return Ok(Outcome::Failed(format!(
            "{}: {}",
            issued.label(),
            e.message(runner.lang)
        )));
    }
    let now = app.clock.now_ms();
    record(app, issued, kind, doc_id, |e| {
        e.payment = Some(payment);
        e.card_payment = Some(state);
        e.log(now, format!("payment status: {state:?}"));
    })
    .await?;
    Ok(Outcome::Changed)
}

/// How long the refresh's record may hold a document's lock: two storage calls.
const RECORD_LEASE_MS: i64 = 60_000;

/// The document's lock for the refresh's record (its read and its write) and card write, so that
/// no other flow of the worker writes the entry or the card between them; `None` while one works
/// on it (the core's emission, cancel or storno, in the browser a module apart from the jobs':
/// the locks are in the cells the worker's modules share, `jobs::Locks`). What that flow records
/// then stands, and the next run looks again.
fn hold<'a>(
    app: &'a crate::app::App<'_>,
    kind: DocumentKind,
    doc_id: u64,
    lease_ms: i64,
) -> Option<crate::jobs::LockGuard<'a>> {
    app.runtime
        .locks
        .try_lock(&journal::key(kind, doc_id), app.clock.now_ms(), lease_ms)
}

/// Records what the refresh learnt in the journal's entry as it is stored now, while it is still
/// the live invoice `issued`. SmartBill and MiniCRM take a while to answer, and meanwhile a person
/// may cancel, reverse or reissue the invoice (in the browser from the core, a module apart from
/// the jobs'): what they recorded stays, and a document no longer live gets no payment state.
/// The record holds the document's lock ([`hold`]): a document another flow works on is left to it.
async fn still_live(
    app: &crate::app::App<'_>,
    issued: &Issued,
    kind: DocumentKind,
    doc_id: u64,
    learnt: impl FnOnce(&mut Entry),
) -> Result<()> {
    let Some(_lease) = hold(app, kind, doc_id, RECORD_LEASE_MS) else {
        return Ok(());
    };
    record(app, issued, kind, doc_id, learnt).await
}

/// [`still_live`]'s record, by a caller that holds the document's lock.
async fn record(
    app: &crate::app::App<'_>,
    issued: &Issued,
    kind: DocumentKind,
    doc_id: u64,
    learnt: impl FnOnce(&mut Entry),
) -> Result<()> {
    if let Some(mut entry) = live(app, issued, kind, doc_id).await? {
        learnt(&mut entry);
        journal::save(app.store, &entry).await?;
    }
    Ok(())
}

/// The journal's entry as stored now, if it is still the live invoice `issued`.
async fn live(
    app: &crate::app::App<'_>,
    issued: &Issued,
    kind: DocumentKind,
    doc_id: u64,
) -> Result<Option<Entry>> {
    let entry = journal::load(app.store, kind, doc_id).await?;
    Ok(entry.filter(|e| {
        e.status == Status::Issued
            && e.issued
                .as_ref()
                .is_some_and(|i| i.series == issued.series && i.number == issued.number)
    }))
}

/// A document the journal does not know: when its card shows an invoice number, a journal entry
/// for that invoice (issued by other means). `Some`: the item ends here with that outcome.
async fn from_card(
    runner: &Runner<'_>,
    em: &Emission<'_>,
    kind: DocumentKind,
    doc_id: u64,
    project_id: u64,
) -> Result<Option<Outcome>> {
    let app = runner.app;
    // The card's fields come from the card (`GET /Api/R3/Project/{id}`, §2.3).
    let card = em.read_card(project_id).await?;
    let text = card.text(runner.settings.integration.fields.get(Role::InvoiceNumber));
    if text.is_empty() {
        return Ok(Some(Outcome::Unchanged));
    }
    let Some((series, number)) = split_number(&text) else {
        return Ok(Some(Outcome::Skipped(
            text,
            "numărul facturii de pe card nu are forma SERIE NUMĂR".into(),
        )));
    };
    // The panel may have recorded this card's invoice while MiniCRM answered, with its link to
    // SmartBill, which this record lacks: an entry there now is the journal's, and is not replaced.
    // Nor one a flow of the worker is making now.
    let Some(_lease) = hold(app, kind, doc_id, RECORD_LEASE_MS) else {
        return Ok(None);
    };
    if journal::load(app.store, kind, doc_id).await?.is_some() {
        return Ok(None);
    }
    let mut entry = Entry::new(kind, doc_id, project_id);
    entry.issued = Some(Issued::external(
        DocumentType::Invoice,
        (series, number),
        String::new(),
        today_ro(app.clock),
    ));
    entry.status = Status::Issued;
    entry.written_back = true;
    entry.log(app.clock.now_ms(), format!("found on the card: {text}"));
    journal::save(app.store, &entry).await?;
    Ok(None)
}

/// Writes the new payment state to the card's payment-status field (when it and its option
/// exist). `Some`: MiniCRM refused the write or did not answer (its outcome unknown then), which
/// ends the item.
async fn write_state(
    runner: &Runner<'_>,
    em: &Emission<'_>,
    (kind, doc_id): (DocumentKind, u64),
    state: PaymentState,
) -> Result<Option<Error>> {
    let Some(field) = runner.settings.integration.fields.get(Role::PaymentStatus) else {
        return Ok(None);
    };
    let Some(label) = em.payment_label_for(state).await else {
        return Ok(None);
    };
    let mut fields = crate::minicrm::CardWrite::new();
    fields.insert(field.to_string(), label);
    let mc = em.minicrm()?;
    let written = mc.update_document_card(kind, doc_id, &fields);
    match em.settling(&journal::key(kind, doc_id), written).await {
        Ok(()) => Ok(None),
        Err(e @ Error::Paused { .. }) => Err(e),
        Err(other) => Ok(Some(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::split_number;

    #[test]
    fn items_keep_their_stored_form() {
        use super::Item;
        use crate::document::DocumentKind;
        let stored = serde_json::json!({"type": "card", "kind": "Order", "doc_id": 7, "project_id": 9});
        let item = Item::Card {
            kind: DocumentKind::Order,
            doc_id: 7,
            project_id: 9,
        };
        assert_eq!(serde_json::to_value(&item).unwrap(), stored);
        assert_eq!(crate::platform::from_value::<Item>(stored).unwrap(), item);
        let invoice = Item::Invoice {
            kind: DocumentKind::Offer,
            doc_id: 3,
        };
        let json = serde_json::to_value(&invoice).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "invoice", "kind": "Offer", "doc_id": 3})
        );
        assert_eq!(crate::platform::from_value::<Item>(json).unwrap(), invoice);
        let unknown = crate::platform::from_value::<Item>(serde_json::json!({"type": "other"}));
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("unknown variant `other`"));
    }

    #[test]
    fn splits_invoice_numbers() {
        assert_eq!(split_number("FCT 0124"), Some(("FCT".into(), "0124".into())));
        assert_eq!(split_number("FCT0124"), Some(("FCT".into(), "0124".into())));
        assert_eq!(split_number("FCT-0124"), Some(("FCT".into(), "0124".into())));
        assert_eq!(split_number("0124"), None);
        assert_eq!(split_number("Ciornă FCT"), None);
        assert_eq!(split_number(""), None);
    }
}
