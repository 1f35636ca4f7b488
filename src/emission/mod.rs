//! Emission: one workflow for the panel's button, the poller and a status change seen by the
//! panel. The one unforgivable bug is a duplicate fiscal document, so:
//!
//! 1. a per-document lock in the worker lets one caller at a time through (double click, two
//!    tabs, button plus poller all reach the same worker);
//! 2. the persistent journal is consulted first: an issued, cancelled or undecided document is
//!    never posted again without an explicit request; a card whose invoice-number field is filled
//!    is never emitted again either;
//! 3. the intent, with the series' `nextNumber`, is saved BEFORE the POST;
//! 4. an ambiguous outcome (no answer, dropped connection, 5xx, a worker that died) is never
//!    re-posted blindly: it is reconciled against `GET /series` and the payment status of the
//!    numbers issued since; if that cannot decide, the entry waits for a person.

pub mod journal;
pub mod panel;
pub mod poll;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::api::{App, ErrorView};
use crate::error::{EmissionProblem, Error, Result, SmartBillKind};
use crate::fields::PaymentState;
use crate::i18n::Lang;
use crate::invoice;
use crate::jobs::Priority;
use crate::minicrm::{Document, DocumentKind, MiniCrm};
use crate::platform::{self, today_ro};
use crate::settings::{DocumentType, Settings};
use crate::smartbill::{SmartBill, Tax};

pub use journal::{Entry, Issued, Status};

/// How long a call may wait for a rate-limit slot: a person waits a minute at most; background
/// work waits out one MiniCRM window (longer waits end the tick; the next alarm continues).
pub const INTERACTIVE_WAIT_MS: i64 = 60_000;
pub const BACKGROUND_WAIT_MS: i64 = 70_000;
/// VAT rates are read from SmartBill, cached for a day (never hard-coded: rates change).
const TAX_CACHE_MS: i64 = 24 * 3600 * 1000;

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

enum Reconciled {
    Issued(Issued),
    NotIssued,
    Undecided(Vec<String>),
}

fn stored(e: &Error, lang: Lang) -> journal::StoredError {
    let v = ErrorView::new(e, lang);
    journal::StoredError {
        code: v.code,
        message: v.message,
        vendor_text: v.vendor_text,
    }
}

/// A cheap fingerprint of a document's content (customer, items, totals), not of its card.
fn fingerprint(doc: &Document) -> String {
    let mut d = doc.clone();
    d.project = Map::new();
    let text = serde_json::to_string(&d).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The text of a card field, as the document's `Project` block gives it.
fn card_text(doc: &Document, field: Option<&str>) -> String {
    field
        .and_then(|f| doc.project.get(f))
        .map(|v| match v {
            Value::String(s) => s.trim().to_string(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .unwrap_or_default()
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

    pub fn smartbill(&self) -> Result<SmartBill<'a>> {
        self.app.smartbill(&self.settings, self.priority, self.wait_ms())
    }

    pub fn minicrm(&self) -> Result<MiniCrm<'a>> {
        self.app.minicrm(&self.settings, self.priority, self.wait_ms())
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

    async fn save(&self, entry: &mut Entry) -> Result<()> {
        entry.updated_ms = self.now();
        journal::save(self.store(), entry).await
    }

    /// Emits the document once. Returns the journal entry as it now stands; errors that leave
    /// the entry unchanged (MiniCRM unreachable, paused by a rate limit) are returned as `Err`.
    pub async fn emit(&self, kind: DocumentKind, doc_id: u64, project_id: u64, mode: Mode) -> Result<Entry> {
        let key = journal::key(kind, doc_id);
        let Some(_guard) = self.app.runtime.locks.try_lock(&key) else {
            // Another caller is emitting this document right now: report it as in progress.
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
            Status::Issuing => match self.reconcile(&entry).await? {
                Reconciled::Issued(issued) => {
                    let number = issued.label();
                    entry.issued = Some(issued);
                    entry.intent = None;
                    entry.status = Status::Issued;
                    entry.error = None;
                    entry.log(self.now(), format!("reconciled: SmartBill had issued {number}"));
                    self.save(&mut entry).await?;
                    self.write_back(&mut entry).await?;
                    return Ok(entry);
                }
                Reconciled::Undecided(candidates) => {
                    self.undecided(&mut entry, candidates).await?;
                    return Ok(entry);
                }
                Reconciled::NotIssued => {
                    entry.intent = None;
                    entry.status = Status::NotIssued;
                    entry.log(self.now(), "reconciled: SmartBill had not issued it");
                    self.save(&mut entry).await?;
                }
            },
            _ => {}
        }
        self.issue(&mut entry, mode).await?;
        Ok(entry)
    }

    async fn undecided(&self, entry: &mut Entry, candidates: Vec<String>) -> Result<()> {
        entry.status = Status::NeedsConfirmation;
        entry.candidates = candidates.clone();
        let list = if candidates.is_empty() {
            "—".to_string()
        } else {
            candidates.join(", ")
        };
        let message = self.lang.pick(
            format!("Nu știm sigur dacă SmartBill a emis documentul (răspunsul s-a pierdut). Verifică în SmartBill seria {} (numere posibile: {list}) și confirmă în panou.", entry.intent.as_ref().map(|i| i.series.as_str()).unwrap_or("")),
            format!("We cannot tell whether SmartBill issued the document (the answer was lost). Check the series {} in SmartBill (possible numbers: {list}) and confirm in the panel.", entry.intent.as_ref().map(|i| i.series.as_str()).unwrap_or("")),
            format!("Nem tudjuk biztosan, hogy a SmartBill kiállította-e a bizonylatot (a válasz elveszett). Ellenőrizd a SmartBillben a(z) {} sorozatot (lehetséges számok: {list}), és erősítsd meg a panelen.", entry.intent.as_ref().map(|i| i.series.as_str()).unwrap_or("")),
        );
        entry.error = Some(journal::StoredError {
            code: "emission.needsConfirmation".into(),
            message: message.clone(),
            vendor_text: None,
        });
        entry.log(self.now(), "needs confirmation");
        self.save(entry).await?;
        self.write_error(entry, &message).await;
        Ok(())
    }

    async fn issue(&self, entry: &mut Entry, mode: Mode) -> Result<()> {
        let mc = self.minicrm()?;
        let sb = self.smartbill()?;
        let doc = mc.document(entry.kind, entry.doc_id).await?;
        let fields = &self.settings.integration.fields;

        // A card that shows an invoice number is never emitted again unless the user asks after
        // cancelling it (the number may come from before the extension, or another device).
        let on_card = card_text(&doc, fields.invoice_number.as_deref());
        let superseded = entry.superseded.contains(&on_card);
        if !on_card.is_empty() && !superseded && mode != Mode::Reissue {
            let known = entry.issued.as_ref().map(|i| i.label());
            if known.as_deref() != Some(on_card.as_str()) {
                entry.issued = Some(Issued {
                    doc_type: self.doc_type(),
                    series: String::new(),
                    number: on_card.clone(),
                    document_url: card_text(&doc, fields.link.as_deref()),
                    document_view_url: String::new(),
                    document_id: String::new(),
                    total: doc.amount.unwrap_or_default(),
                    currency: doc.currency_code.clone(),
                    issue_date: today_ro(self.app.clock),
                    draft: false,
                    reconciled: false,
                    external: true,
                });
            }
            entry.status = Status::Issued;
            entry.written_back = true;
            entry.error = None;
            entry.log(
                self.now(),
                format!("the card already shows {on_card}: not issued again"),
            );
            self.save(entry).await?;
            return Ok(());
        }

        let fp = fingerprint(&doc);
        if mode == Mode::Auto
            && entry.status == Status::Failed
            && entry.failed_fingerprint.as_deref() == Some(fp.as_str())
        {
            // Same content, same failure: wait for the user to change the document or retry.
            return Ok(());
        }

        let email = match (doc.customer.email.trim().is_empty(), doc.customer_id) {
            (true, Some(customer)) => mc
                .contact(customer)
                .await
                .ok()
                .and_then(|c| c.get("Email").and_then(|e| e.as_str()).map(str::to_string))
                .filter(|e| !e.trim().is_empty()),
            _ => None,
        };
        let today = today_ro(self.app.clock);
        let built = match self.build(&sb, &doc, today, email).await? {
            Ok(built) => built,
            Err(problem) => {
                let e = Error::from(EmissionProblem::Mapping { problem });
                return self.fail(entry, &e, fp).await;
            }
        };

        let series_list = sb.series(Some(self.doc_type().series_type())).await?;
        let wanted = &self.settings.document.series;
        let Some(series) = series_list.iter().find(|s| &s.name == wanted) else {
            let e = Error::from(EmissionProblem::SeriesMissing {
                series: wanted.clone(),
                available: series_list.iter().map(|s| s.name.clone()).collect(),
            });
            return self.fail(entry, &e, fp).await;
        };
        let draft = self.settings.document.draft;
        entry.intent = Some(journal::Intent {
            series: series.name.clone(),
            expected_number: (!draft).then_some(series.next_number),
            total: built.total,
            currency: built.request.currency.clone(),
            draft,
            at_ms: self.now(),
        });
        if let Some(old) = entry
            .issued
            .take_if(|_| matches!(entry.status, Status::Cancelled | Status::Reversed))
        {
            entry.log(self.now(), format!("re-issuing after {}", old.label()));
            entry.superseded.push(old.label());
            entry.storno = None;
        }
        entry.status = Status::Issuing;
        entry.error = None;
        entry.log(
            self.now(),
            format!(
                "posting to SmartBill (series {}, next number {})",
                series.name, series.next_number
            ),
        );
        // The intent is on disk before the request leaves.
        self.save(entry).await?;

        let result = match self.doc_type() {
            DocumentType::Invoice => sb.create_invoice(&built.request).await,
            DocumentType::Proforma => sb.create_estimate(&built.request).await,
        };
        match result {
            Ok(created) => {
                journal::learn_series_width(self.store(), &created.series, &created.number).await;
                entry.issued = Some(Issued {
                    doc_type: self.doc_type(),
                    series: if created.series.is_empty() {
                        series.name.clone()
                    } else {
                        created.series
                    },
                    number: created.number,
                    document_url: created.document_url,
                    document_view_url: created.document_view_url,
                    document_id: created.document_id,
                    total: built.total,
                    currency: built.request.currency.clone(),
                    issue_date: today,
                    draft,
                    reconciled: false,
                    external: false,
                });
                let intent = entry.intent.take();
                entry.status = Status::Issued;
                entry.written_back = false;
                entry.candidates.clear();
                entry.failed_fingerprint = None;
                let label = entry.issued.as_ref().map(|i| i.label()).unwrap_or_default();
                entry.log(self.now(), format!("issued {label}"));
                self.save(entry).await?;
                if let Some(intent) = intent {
                    self.look_for_duplicates(&sb, entry, &intent).await;
                }
                if built.request.use_stock == Some(true) && !draft {
                    // The invoice discharged stock: MiniCRM's quantities follow on the next tick.
                    let _ = crate::sync::request(self.store(), crate::sync::JobKind::Stock, "invoice").await;
                }
                self.write_back(entry).await
            }
            Err(e @ (Error::Paused { .. } | Error::Unreachable { .. })) => {
                // The request never left: nothing happened in SmartBill.
                entry.intent = None;
                entry.status = Status::NotIssued;
                entry.error = Some(stored(&e, self.lang));
                entry.log(self.now(), "not sent");
                self.save(entry).await?;
                Err(e)
            }
            Err(e) if e.is_ambiguous() => {
                entry.log(self.now(), format!("ambiguous outcome: {}", e.code()));
                self.save(entry).await?;
                match self.reconcile(entry).await {
                    Ok(Reconciled::Issued(issued)) => {
                        let label = issued.label();
                        entry.issued = Some(issued);
                        entry.intent = None;
                        entry.status = Status::Issued;
                        entry.log(self.now(), format!("reconciled: SmartBill had issued {label}"));
                        self.save(entry).await?;
                        self.write_back(entry).await
                    }
                    Ok(Reconciled::NotIssued) => {
                        // Proved not issued: a failure the user can retry.
                        entry.intent = None;
                        self.fail(entry, &e, fp).await
                    }
                    Ok(Reconciled::Undecided(candidates)) => self.undecided(entry, candidates).await,
                    // Reconciliation itself failed (SmartBill still down): the intent stays and
                    // the next run reconciles again.
                    Err(_) => {
                        entry.error = Some(stored(&e, self.lang));
                        self.save(entry).await?;
                        Err(e)
                    }
                }
            }
            Err(e) => {
                entry.intent = None;
                let e = self.explain(&sb, e, &built.request, today).await;
                self.fail(entry, &e, fp).await
            }
        }
    }

    /// Builds the request; a VAT rate not in the cache refreshes it once (rates change).
    async fn build(
        &self,
        sb: &SmartBill<'_>,
        doc: &Document,
        today: NaiveDate,
        email: Option<String>,
    ) -> Result<std::result::Result<invoice::Built, invoice::MappingProblem>> {
        let kind = self.settings.minicrm.module.document_kind();
        let mut taxes = self.taxes(sb, false).await?;
        loop {
            let input = invoice::Input {
                doc,
                kind,
                settings: &self.settings,
                taxes: &taxes.1,
                today,
                email: email.clone(),
            };
            match invoice::build(&input) {
                Err(invoice::MappingProblem::UnknownVat { .. }) if !taxes.0 => {
                    taxes = self.taxes(sb, true).await?;
                }
                other => return Ok(other),
            }
        }
    }

    /// `(fresh, rates)`: the cached VAT rates, or SmartBill's when older than a day or forced.
    async fn taxes(&self, sb: &SmartBill<'_>, force: bool) -> Result<(bool, Vec<Tax>)> {
        #[derive(Serialize, Deserialize)]
        struct Cache {
            cif: String,
            fetched_ms: i64,
            taxes: Vec<Tax>,
        }
        let now = self.now();
        if !force {
            if let Ok(Some(c)) = platform::load::<Cache>(self.store(), "taxes.cache").await {
                if c.cif == sb.cif() && now - c.fetched_ms < TAX_CACHE_MS && !c.taxes.is_empty() {
                    return Ok((false, c.taxes));
                }
            }
        }
        let taxes = sb.taxes().await?;
        let _ = platform::save(
            self.store(),
            "taxes.cache",
            &Cache {
                cif: sb.cif().to_string(),
                fetched_ms: now,
                taxes: taxes.clone(),
            },
        )
        .await;
        Ok((true, taxes))
    }

    /// Turns SmartBill's insufficient-stock text into a message naming the product, the
    /// warehouse and what is available (smartbill-api.md §3.6).
    async fn explain(
        &self,
        sb: &SmartBill<'_>,
        e: Error,
        request: &crate::smartbill::DocumentRequest,
        today: NaiveDate,
    ) -> Error {
        let Error::SmartBill {
            kind: SmartBillKind::Rejected,
            text,
            ..
        } = &e
        else {
            return e;
        };
        if !text.to_lowercase().contains("stoc insuficienta") {
            return e;
        }
        let product = text
            .split("pentru produsul")
            .nth(1)
            .and_then(|rest| rest.split("de la pozitia").next())
            .map(|p| p.trim().to_string())
            .unwrap_or_default();
        let line = request
            .products
            .iter()
            .find(|l| !l.is_discount && l.name.trim().eq_ignore_ascii_case(&product))
            .or_else(|| request.products.iter().find(|l| l.warehouse_name.is_some()));
        let Some(line) = line else {
            return e;
        };
        let code = line.code.clone().unwrap_or_default();
        let warehouse = line
            .warehouse_name
            .clone()
            .unwrap_or_else(|| self.settings.stock.warehouse.clone());
        let available = match sb
            .stocks(
                today,
                Some(&warehouse),
                (!code.is_empty()).then_some(code.as_str()),
            )
            .await
        {
            Ok(list) => list
                .iter()
                .flat_map(|w| w.products.iter())
                .find(|p| p.product_code == code || p.product_name.eq_ignore_ascii_case(&line.name))
                .and_then(|p| p.quantity)
                .map(|q| q.normalize().to_string())
                .or(Some("0".into())),
            Err(_) => None,
        };
        Error::from(EmissionProblem::InsufficientStock {
            product: line.name.clone(),
            code,
            warehouse,
            available,
            needed: line.quantity.unwrap_or_default().normalize().to_string(),
            unit: line.measuring_unit_name.clone(),
            vendor: text.clone(),
        })
    }

    /// Records a failure (nothing was created) and writes it to the card's error field.
    async fn fail(&self, entry: &mut Entry, e: &Error, fingerprint: String) -> Result<()> {
        // A failed re-issue after a cancellation keeps the cancelled invoice on record.
        if !(entry.issued.is_some() && matches!(entry.status, Status::Cancelled | Status::Reversed)) {
            entry.status = Status::Failed;
        }
        entry.intent = None;
        entry.error = Some(stored(e, self.lang));
        entry.failed_fingerprint = Some(fingerprint);
        entry.log(self.now(), format!("failed: {}", e.code()));
        self.save(entry).await?;
        let mut message = e.message(Lang::Ro);
        if let Some(vendor) = e.vendor_text() {
            if !message.contains(vendor) {
                message = format!("{message} (SmartBill: {vendor})");
            }
        }
        self.write_error(entry, &message).await;
        Ok(())
    }

    /// Writes only the error field; a failure here is logged, not fatal.
    async fn write_error(&self, entry: &mut Entry, message: &str) {
        let Some(field) = self.settings.integration.fields.get(crate::fields::Role::Error) else {
            return;
        };
        let Ok(mc) = self.minicrm() else { return };
        let mut fields = Map::new();
        fields.insert(
            field.to_string(),
            Value::String(message.chars().take(4000).collect()),
        );
        if let Err(e) = mc.update_document_card(entry.kind, entry.doc_id, &fields).await {
            entry.log(
                self.now(),
                format!("could not write the error to the card: {}", e.code()),
            );
            let _ = journal::save(self.store(), entry).await;
        }
    }

    /// The payment-status field's option for a state. The labels are read from the module's
    /// schema once and kept with the settings (enum values must already exist in MiniCRM).
    pub async fn payment_label_for(&self, state: PaymentState) -> Option<String> {
        let key = serde_json::to_value(state).ok()?.as_str()?.to_string();
        if let Some(label) = self.settings.integration.payment_labels.get(&key) {
            return Some(label.clone());
        }
        let field = self
            .settings
            .integration
            .fields
            .get(crate::fields::Role::PaymentStatus)?
            .to_string();
        let category = self.settings.minicrm.category_id?;
        let schema = self.minicrm().ok()?.project_schema(category).await.ok()?;
        let mut labels = std::collections::BTreeMap::new();
        for s in [
            PaymentState::Unpaid,
            PaymentState::PartlyPaid,
            PaymentState::Paid,
            PaymentState::Cancelled,
            PaymentState::Reversed,
        ] {
            if let (Some(k), Some(label)) = (
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string)),
                crate::fields::payment_value(&schema, &field, s),
            ) {
                labels.insert(k, label);
            }
        }
        if let Ok(mut stored) = crate::settings::load(self.store()).await {
            if stored.integration.fields == self.settings.integration.fields {
                stored.integration.payment_labels = labels.clone();
                let _ = crate::settings::save(self.store(), &stored).await;
            }
        }
        labels.get(&key).cloned()
    }

    /// Fills the card: number, link, PDF, payment status, empty error. A MiniCRM failure leaves
    /// `written_back` false (not an error: the document exists); the next tick tries again.
    pub async fn write_back(&self, entry: &mut Entry) -> Result<()> {
        let Some(issued) = entry.issued.clone() else {
            return Ok(());
        };
        let f = &self.settings.integration.fields;
        let mut fields = Map::new();
        if let Some(name) = f.get(crate::fields::Role::InvoiceNumber) {
            fields.insert(name.into(), json!(issued.label()));
        }
        if let (Some(name), false) = (f.get(crate::fields::Role::Link), issued.document_url.is_empty()) {
            fields.insert(name.into(), json!(issued.document_url));
        }
        let state = match entry.status {
            Status::Cancelled => PaymentState::Cancelled,
            Status::Reversed => PaymentState::Reversed,
            _ => entry
                .payment
                .as_ref()
                .map(|p| p.state)
                .unwrap_or(PaymentState::Unpaid),
        };
        if let Some(name) = f.get(crate::fields::Role::PaymentStatus) {
            if let Some(label) = self.payment_label_for(state).await {
                fields.insert(name.into(), json!(label));
            }
        }
        if let Some(name) = f.get(crate::fields::Role::Error) {
            let warning = if entry.duplicates.is_empty() {
                String::new()
            } else {
                format!(
                    "Atenție: SmartBill are și {}, cu același total, apărută în aceeași clipă cu {}: probabil un duplicat (conexiune întreruptă). Verifică și anulează-l din panoul SmartBill.",
                    entry.duplicates.join(", "),
                    issued.label()
                )
            };
            fields.insert(name.into(), json!(warning));
        }
        let pdf = f
            .get(crate::fields::Role::Pdf)
            .filter(|_| !issued.document_view_url.is_empty());
        if let Some(name) = pdf {
            // MiniCRM downloads the public PDF link into its file field (minicrm-api.md §3).
            fields.insert(name.into(), json!(issued.document_view_url));
        }
        if fields.is_empty() {
            entry.written_back = true;
            return self.save(entry).await;
        }
        let mc = self.minicrm()?;
        let mut result = mc.update_document_card(entry.kind, entry.doc_id, &fields).await;
        if let (
            Err(Error::MiniCrm {
                kind: crate::error::MiniCrmKind::Rejected,
                text,
                ..
            }),
            Some(name),
        ) = (&result, pdf)
        {
            // MiniCRM could not download the PDF: write the rest, say so in the journal.
            entry.log(self.now(), format!("MiniCRM refused the PDF link: {text}"));
            fields.remove(name);
            result = mc.update_document_card(entry.kind, entry.doc_id, &fields).await;
        }
        match result {
            Ok(()) => {
                entry.written_back = true;
                entry.log(self.now(), "card updated");
                self.save(entry).await
            }
            Err(e) => {
                // The document exists in SmartBill; only the card lags. The panel says so and
                // the next tick writes it again.
                entry.written_back = false;
                entry.log(self.now(), format!("card update failed: {}", e.code()));
                self.save(entry).await
            }
        }
    }

    /// After a success: were other numbers issued on the series between our read of `nextNumber`
    /// and SmartBill's answer, with exactly our total? A browser re-sends a POST by itself when a
    /// reused keep-alive connection drops before any answer (Chrome's network stack does, for any
    /// method), and SmartBill has no idempotency key: the first copy is then a duplicate. We cannot
    /// prove it, so the panel asks the user (peers.md (c)1).
    async fn look_for_duplicates(&self, sb: &SmartBill<'_>, entry: &mut Entry, intent: &journal::Intent) {
        let (Some(expected), Some(issued)) = (intent.expected_number, entry.issued.clone()) else {
            return;
        };
        let Ok(ours) = issued.number.parse::<u64>() else {
            return;
        };
        if ours <= expected || issued.doc_type != DocumentType::Invoice {
            return;
        }
        let width = issued.number.len();
        let mut suspects = Vec::new();
        for n in (expected..ours).take(10) {
            let number = format!("{n:0width$}");
            if let Ok(status) = sb.payment_status(&issued.series, &number).await {
                if status.invoice_total_amount == issued.total {
                    suspects.push(format!("{} {number}", issued.series));
                }
            }
        }
        if suspects.is_empty() {
            return;
        }
        entry.duplicates = suspects.clone();
        entry.log(
            self.now(),
            format!("possible duplicate(s): {}", suspects.join(", ")),
        );
        let _ = self.save(entry).await;
    }

    /// The document's lock (or "busy" when someone holds it) and its journal entry.
    async fn locked(
        &self,
        kind: DocumentKind,
        doc_id: u64,
    ) -> Result<(crate::jobs::LockGuard<'a>, Option<Entry>)> {
        let key = journal::key(kind, doc_id);
        let guard = self.app.runtime.locks.try_lock(&key).ok_or(Error::BadCommand {
            detail: "busy".into(),
        })?;
        let entry = journal::load(self.store(), kind, doc_id).await?;
        Ok((guard, entry))
    }

    /// "Anulează duplicatul": cancels a suspected duplicate (never the entry's own document).
    pub async fn resolve_duplicate(
        &self,
        kind: DocumentKind,
        doc_id: u64,
        number: Option<String>,
    ) -> Result<Entry> {
        let (_guard, entry) = self.locked(kind, doc_id).await?;
        let mut entry = entry.ok_or(Error::from(EmissionProblem::NothingToCancel))?;
        match number {
            // "Not a duplicate": forget the suspicion.
            None => {
                entry.duplicates.clear();
                entry.log(self.now(), "the user says it is not a duplicate");
            }
            Some(label) => {
                if !entry.duplicates.contains(&label) {
                    return Err(Error::from(EmissionProblem::NothingToCancel));
                }
                let (series, number) = label.split_once(' ').unwrap_or(("", label.as_str()));
                self.smartbill()?.cancel_invoice(series, number).await?;
                entry.duplicates.retain(|d| d != &label);
                entry.log(self.now(), format!("cancelled the duplicate {label}"));
            }
        }
        self.save(&mut entry).await?;
        if entry.duplicates.is_empty() {
            self.write_back(&mut entry).await?;
        }
        Ok(entry)
    }

    /// Decides what happened to the recorded intent, from SmartBill's series counter and the
    /// payment status of the numbers issued since (smartbill-api.md §2.4, §2.11; peers.md (c)1).
    async fn reconcile(&self, entry: &Entry) -> Result<Reconciled> {
        let Some(intent) = entry.intent.clone() else {
            return Ok(Reconciled::NotIssued);
        };
        let Some(expected) = intent.expected_number.filter(|_| !intent.draft) else {
            // Drafts take no number: nothing to compare with.
            return Ok(Reconciled::Undecided(Vec::new()));
        };
        let sb = self.smartbill()?;
        let list = sb.series(Some(self.doc_type().series_type())).await?;
        let Some(series) = list.into_iter().find(|s| s.name == intent.series) else {
            return Ok(Reconciled::Undecided(Vec::new()));
        };
        let next = series.next_number;
        if next == expected {
            return Ok(Reconciled::NotIssued);
        }
        let width = journal::series_width(self.store(), &intent.series).await;
        let candidates: Vec<String> = if next > expected {
            (expected..next)
                .take(10)
                .map(|n| format!("{n:0width$}"))
                .collect()
        } else {
            Vec::new()
        };
        if candidates.is_empty() || self.doc_type() == DocumentType::Proforma {
            // Proformas have no payment status to compare totals with.
            return Ok(Reconciled::Undecided(candidates));
        }
        let mut matches = Vec::new();
        for number in &candidates {
            match sb.payment_status(&intent.series, number).await {
                Ok(status) if status.invoice_total_amount == intent.total => matches.push(number.clone()),
                Ok(_) => {}
                Err(Error::SmartBill {
                    kind: SmartBillKind::Rejected | SmartBillKind::NotFound,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        if matches.len() == 1 {
            let number = matches.remove(0);
            return Ok(Reconciled::Issued(Issued {
                doc_type: self.doc_type(),
                series: intent.series.clone(),
                number,
                document_url: String::new(),
                document_view_url: String::new(),
                document_id: String::new(),
                total: intent.total,
                currency: intent.currency.clone(),
                issue_date: today_ro(self.app.clock),
                draft: false,
                reconciled: true,
                external: false,
            }));
        }
        if matches.is_empty() && next == expected + candidates.len() as u64 {
            // Every number issued since belongs to documents with other totals: not ours.
            return Ok(Reconciled::NotIssued);
        }
        Ok(Reconciled::Undecided(if matches.is_empty() {
            candidates
        } else {
            matches
        }))
    }

    /// A person's answer to "needs confirmation": the number SmartBill issued, or `None` for
    /// "it was not issued" (then it is emitted now).
    pub async fn confirm(
        &self,
        kind: DocumentKind,
        doc_id: u64,
        project_id: u64,
        number: Option<String>,
    ) -> Result<Entry> {
        let (guard, entry) = self.locked(kind, doc_id).await?;
        let mut entry = entry.unwrap_or_else(|| Entry::new(kind, doc_id, project_id));
        if entry.status != Status::NeedsConfirmation {
            return Ok(entry);
        }
        match number.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
            Some(number) => {
                let intent = entry.intent.clone();
                entry.issued = Some(Issued {
                    doc_type: self.doc_type(),
                    series: intent
                        .as_ref()
                        .map(|i| i.series.clone())
                        .unwrap_or_else(|| self.settings.document.series.clone()),
                    number: number.clone(),
                    document_url: String::new(),
                    document_view_url: String::new(),
                    document_id: String::new(),
                    total: intent.as_ref().map(|i| i.total).unwrap_or(Decimal::ZERO),
                    currency: intent.map(|i| i.currency).unwrap_or_default(),
                    issue_date: today_ro(self.app.clock),
                    draft: false,
                    reconciled: true,
                    external: false,
                });
                entry.status = Status::Issued;
                entry.intent = None;
                entry.error = None;
                entry.candidates.clear();
                entry.log(self.now(), format!("confirmed by the user: {number}"));
                self.save(&mut entry).await?;
                self.write_back(&mut entry).await?;
                Ok(entry)
            }
            None => {
                entry.status = Status::NotIssued;
                entry.intent = None;
                entry.error = None;
                entry.candidates.clear();
                entry.log(self.now(), "the user confirmed it was not issued");
                self.save(&mut entry).await?;
                drop(guard);
                self.emit(kind, doc_id, project_id, Mode::Button).await
            }
        }
    }

    /// "Anulează": `PUT /invoice/cancel` (or `/estimate/cancel`); the card shows it.
    pub async fn cancel(&self, kind: DocumentKind, doc_id: u64) -> Result<Entry> {
        self.change(kind, doc_id, false).await
    }

    /// "Stornează": `POST /invoice/reverse`; the card shows the storno.
    pub async fn reverse(&self, kind: DocumentKind, doc_id: u64) -> Result<Entry> {
        self.change(kind, doc_id, true).await
    }

    async fn change(&self, kind: DocumentKind, doc_id: u64, reverse: bool) -> Result<Entry> {
        let (_guard, entry) = self.locked(kind, doc_id).await?;
        let mut entry = entry.ok_or(Error::from(EmissionProblem::NothingToCancel))?;
        let issued = match (&entry.status, &entry.issued) {
            (Status::Issued, Some(i)) if !i.external && !i.draft && !i.number.is_empty() => i.clone(),
            _ => return Err(Error::from(EmissionProblem::NothingToCancel)),
        };
        let sb = self.smartbill()?;
        if reverse {
            if issued.doc_type != DocumentType::Invoice {
                return Err(Error::from(EmissionProblem::NothingToCancel));
            }
            let storno = sb
                .reverse_invoice(&issued.series, &issued.number, Some(today_ro(self.app.clock)))
                .await?;
            entry.storno = Some(Issued {
                doc_type: DocumentType::Invoice,
                series: storno.series,
                number: storno.number,
                document_url: storno.document_url,
                document_view_url: storno.document_view_url,
                document_id: storno.document_id,
                total: -issued.total,
                currency: issued.currency.clone(),
                issue_date: today_ro(self.app.clock),
                draft: false,
                reconciled: false,
                external: false,
            });
            entry.status = Status::Reversed;
            let label = entry.storno.as_ref().map(|s| s.label()).unwrap_or_default();
            entry.log(self.now(), format!("reversed by {label}"));
        } else {
            match issued.doc_type {
                DocumentType::Invoice => sb.cancel_invoice(&issued.series, &issued.number).await?,
                DocumentType::Proforma => sb.cancel_estimate(&issued.series, &issued.number).await?,
            };
            entry.status = Status::Cancelled;
            entry.log(self.now(), format!("cancelled {}", issued.label()));
        }
        entry.written_back = false;
        self.save(&mut entry).await?;
        // The card: payment status "Anulată"/"Stornată", the storno named in the error field.
        let f = &self.settings.integration.fields;
        let mut fields = Map::new();
        let state = if reverse {
            PaymentState::Reversed
        } else {
            PaymentState::Cancelled
        };
        if let Some(name) = f.get(crate::fields::Role::PaymentStatus) {
            if let Some(label) = self.payment_label_for(state).await {
                fields.insert(name.into(), json!(label));
            }
        }
        if let Some(name) = f.get(crate::fields::Role::Error) {
            let note = match &entry.storno {
                Some(s) => format!("Factura {} a fost stornată prin {}.", issued.label(), s.label()),
                None => format!("Factura {} a fost anulată în SmartBill.", issued.label()),
            };
            fields.insert(name.into(), json!(note));
        }
        if !fields.is_empty() {
            let mc = self.minicrm()?;
            if mc.update_document_card(kind, doc_id, &fields).await.is_ok() {
                entry.written_back = true;
                self.save(&mut entry).await?;
            }
        }
        Ok(entry)
    }
}
