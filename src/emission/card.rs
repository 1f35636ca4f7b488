//! The card in MiniCRM: reading it as it is now, and the writes an emission makes to it.
//!
//! Reads go through `GET /Api/R3/Project/{ProjectId}` (minicrm-api.md §2.3: every custom field by
//! registered name, the status label, `StatusUpdatedAt`); the `Project` block of a document GET is
//! not documented to carry the custom fields (the order example shows only `Name`, §2.10).
//! Writes of card fields go through `POST /Api/{Offer|Order}/{id}/Project` (§2.9, §2.10); a file
//! field, which that route is not documented to take, and any write for a card whose document is
//! unknown, through `PUT /Api/R3/Project/{ProjectId}` (§2.3, §3: a file field takes a public URL).

use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use super::claim::{self, FieldState};
use super::journal::{self, Entry, Issued, Phase, Status};
use super::Emission;
use crate::error::{Error, MiniCrmKind, Result};
use crate::fields::{PaymentState, Role};
use crate::i18n::Lang;
use crate::jobs;
use crate::minicrm::{CardWrite, FieldValues};

/// What the write-back puts on the card.
struct CardFields {
    fields: CardWrite,
    /// The payment status written, if the field and its option exist.
    payment_written: Option<PaymentState>,
    /// The PDF field, when the PDF link is among the fields.
    pdf: Option<String>,
}

/// The card as MiniCRM shows it now, with the times around the read.
#[derive(Clone, Debug)]
pub struct CardNow {
    pub fields: FieldValues,
    /// Our clock when the read was sent.
    pub sent_ms: i64,
    /// Our clock when the answer arrived.
    pub received_ms: i64,
    /// MiniCRM's time of the answer (its `Date` header), or ours when it sent none.
    pub server_ms: i64,
}

/// Where the payment-status field's options are kept (see `payment_label_for`).
pub const PAYMENT_LABELS_KEY: &str = "paymentLabels";

/// The payment-status field's option label for each state (`unpaid`, `partlyPaid`, `paid`,
/// `cancelled`, `reversed`), as the module's schema had them for that field.
#[derive(Debug, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentLabels {
    category: u64,
    field: String,
    labels: crate::platform::SortedMap<String, String>,
}

impl CardNow {
    /// A field's value as text ("" when empty or absent).
    pub fn text(&self, field: Option<&str>) -> String {
        field
            .and_then(|f| self.fields.get(f))
            .map(|v| v.text().trim().to_string())
            .unwrap_or_default()
    }

    /// The status label (the detail GET gives the label, §2.3).
    pub fn status(&self) -> String {
        self.text(Some("StatusId"))
    }

    /// When the status last changed (`StatusUpdatedAt`, Hungarian time), if MiniCRM said.
    pub fn status_updated_ms(&self) -> Option<i64> {
        let t = self.text(Some("StatusUpdatedAt"));
        crate::platform::when::parse_ymd_hms(&t).map(crate::platform::hu_local_to_ms)
    }

    /// MiniCRM's time at our clock's `now_ms`, from this read.
    pub fn server_now(&self, now_ms: i64) -> i64 {
        self.server_ms
            .saturating_add(now_ms.saturating_sub(self.received_ms))
    }
}

impl Emission<'_> {
    /// `GET /Api/R3/Project/{id}`, timed.
    pub async fn read_card(&self, project_id: u64) -> Result<CardNow> {
        let mc = self.minicrm()?;
        let sent_ms = self.now();
        let (fields, date) = mc.project_dated(project_id).await?;
        let received_ms = self.now();
        Ok(CardNow {
            fields,
            sent_ms,
            received_ms,
            server_ms: date.unwrap_or(received_ms),
        })
    }

    fn field(&self, role: Role) -> Option<String> {
        self.settings.integration.fields.get(role).map(str::to_string)
    }

    /// Writes card fields: the document's route, then a file field through the card's route. A
    /// failure is returned (the caller decides what it means).
    pub async fn write_fields(&self, entry: &Entry, mut fields: CardWrite) -> Result<()> {
        let mc = self.minicrm()?;
        let file = match self.field(Role::Pdf) {
            Some(name) => fields.remove(&name).map(|v| (name, v)),
            None => None,
        };
        if !fields.is_empty() {
            mc.update_document_card(entry.kind, entry.doc_id, &fields).await?;
        }
        if let Some((name, url)) = file {
            let mut one = CardWrite::new();
            one.insert(name, url);
            mc.update_project(entry.project_id, &one).await?;
        }
        Ok(())
    }

    /// Writes the error field of a card (by its card id: the document may be unknown). Only the
    /// holder of the card's claim writes here (see `claim`): never over another browser's live
    /// claim, which the card was just read for.
    pub async fn write_error_text(&self, project_id: u64, text: &str) -> Result<()> {
        let Some(field) = self.field(Role::Error) else {
            return Ok(());
        };
        let mc = self.minicrm()?;
        let card = self.read_card(project_id).await?;
        let me = crate::team::browser_id(self.store()).await;
        let timing = self.timing();
        if let claim::Verdict::Taken(_) = claim::verdict(
            &card.text(Some(&field)),
            &me,
            card.server_now(self.now()),
            &timing.claim,
        ) {
            return Ok(());
        }
        let mut fields = CardWrite::new();
        fields.insert(field, text.chars().take(4000).collect());
        mc.update_project(project_id, &fields).await
    }

    /// Writes why nothing could be issued to a card whose document is unknown or ambiguous (not
    /// listed, several documents), following the claim protocol (see `claim`) so that it never
    /// wipes a colleague's live claim: the write is made only once our own claim is confirmed.
    pub async fn report_on_card(&self, project_id: u64, message: &str) -> Result<()> {
        let Some(field) = self.field(Role::Error) else {
            return Ok(());
        };
        let me = crate::team::browser_id(self.store()).await;
        let timing = self.timing();
        let r1 = self.read_card(project_id).await?;
        if !r1.text(self.field(Role::InvoiceNumber).as_deref()).is_empty()
            || matches!(
                claim::verdict(&r1.text(Some(&field)), &me, r1.server_ms, &timing.claim),
                claim::Verdict::Taken(_)
            )
            || r1.text(Some(&field)) == message
        {
            return Ok(());
        }
        let c = claim::Claim {
            browser: me.clone(),
            label: crate::team::label(&self.settings, &me),
            mode: claim::ClaimMode::Button,
            at_ms: r1.server_now(self.now()),
            token: format!("{:08x}", crate::platform::random_u64() & 0xffff_ffff),
            runner_since_ms: None,
            intent: None,
        };
        let mc = self.minicrm()?;
        let mut fields = CardWrite::new();
        fields.insert(field.clone(), c.to_field());
        mc.update_project(project_id, &fields).await?;
        if !claim::in_time(r1.sent_ms, self.now(), &timing.claim) {
            return Ok(());
        }
        self.app
            .clock
            .sleep_ms(u64::try_from(timing.claim.wait_ms).unwrap_or(0))
            .await;
        let r2 = self.read_card(project_id).await?;
        if matches!(claim::field_state(&r2.text(Some(&field))), FieldState::Claimed(now) if now.token == c.token)
        {
            fields.insert(field, message.chars().take(4000).collect());
            mc.update_project(project_id, &fields).await?;
        }
        Ok(())
    }

    /// Writes an error message to the card's error field; a failure is logged, not fatal.
    pub async fn write_error(&self, entry: &mut Entry, message: &str) {
        if let Err(e) = self.write_error_text(entry.project_id, message).await {
            entry.log(
                self.now(),
                format!("could not write the error to the card: {}", e.code()),
            );
            let _ = journal::save(self.store(), entry).await;
        } else {
            entry.claim = None;
        }
    }

    /// The message written to the card for an error: the person-facing text, and the vendor's
    /// own words when they add something.
    pub fn card_message(e: &Error) -> String {
        let mut message = e.message(Lang::Ro);
        if let Some(vendor) = e.vendor_text() {
            if !message.contains(vendor) {
                let service = match e {
                    Error::MiniCrm { .. } => "MiniCRM",
                    _ => "SmartBill",
                };
                message = format!("{message} ({service}: {vendor})");
            }
        }
        message
    }

    /// The payment-status field's option for a state. The labels are read from the module's
    /// schema once per module and field, and kept under a key of their own
    /// ([`PAYMENT_LABELS_KEY`]), never in the settings: a person's save of the settings, in
    /// another of the worker's modules, is never written over by this cache.
    pub async fn payment_label_for(&self, state: PaymentState) -> Option<String> {
        let key = state.key().to_string();
        let field = self.field(Role::PaymentStatus)?;
        let category = self.settings.minicrm.category_id?;
        let cached: Option<PaymentLabels> = crate::platform::load(self.store(), PAYMENT_LABELS_KEY)
            .await
            .ok()
            .flatten();
        if let Some(label) = cached
            .filter(|c| c.category == category && c.field == field)
            .and_then(|mut c| c.labels.remove(&key))
        {
            return Some(label);
        }
        let schema = self.minicrm().ok()?.project_schema(category).await.ok()?;
        let mut labels = crate::platform::SortedMap::new();
        for s in [
            PaymentState::Unpaid,
            PaymentState::PartlyPaid,
            PaymentState::Paid,
            PaymentState::Cancelled,
            PaymentState::Reversed,
        ] {
            if let Some(label) = crate::fields::payment_value(&schema, &field, s) {
                labels.insert(s.key().to_string(), label);
            }
        }
        let label = labels.get(&key).cloned();
        let cache = PaymentLabels {
            category,
            field,
            labels,
        };
        let _ = crate::platform::save(self.store(), PAYMENT_LABELS_KEY, &cache).await;
        label
    }

    /// Fills the card: number, link, PDF, payment status, and an empty error field (which ends
    /// our claim). Never over another invoice number: a card that shows one keeps it, and the
    /// conflict is recorded for the panel. A MiniCRM failure leaves `written_back` false (not an
    /// error: the document exists); the next tick tries again.
    pub async fn write_back(&self, entry: &mut Entry) -> Result<()> {
        let Some(issued) = entry.issued.clone() else {
            return Ok(());
        };
        entry.phase = Some(Phase::WritingBack);
        let label = issued.label();
        // What the card shows now: another number is never overwritten.
        let card = match self.read_card(entry.project_id).await {
            Ok(c) => c,
            Err(e) => return self.write_back_failed(entry, e).await,
        };
        let shown = card.text(self.field(Role::InvoiceNumber).as_deref());
        let same = shown == label || (issued.external && shown == issued.number);
        let other = !(shown.is_empty() || same || entry.superseded.contains(&shown));
        if other && matches!(entry.status, Status::Issued) {
            entry.conflict = Some(shown.clone());
            entry.written_back = true;
            entry.phase = None;
            entry.log(
                self.now(),
                format!("the card already shows {shown}: {label} was not written over it"),
            );
            return self.save(entry).await;
        }
        let CardFields {
            fields,
            payment_written,
            pdf,
        } = self.card_fields(entry, &issued, &label).await;
        let key = journal::key(entry.kind, entry.doc_id);
        let written = self.write_card_fields(entry, fields, pdf.as_deref());
        match self.settling(&key, written).await {
            Ok(()) => {
                entry.written_back = true;
                entry.claim = None;
                entry.phase = None;
                if payment_written.is_some() {
                    entry.card_payment = payment_written;
                }
                entry.log(self.now(), "card updated");
                self.save(entry).await
            }
            Err(e) => self.write_back_failed(entry, e).await,
        }
    }

    /// The card's fields for the issued document: number, link, payment status, the note in the
    /// error field (empty but for a cancellation, a reversal or a likely duplicate), the PDF.
    async fn card_fields(&self, entry: &Entry, issued: &Issued, label: &str) -> CardFields {
        let mut fields = CardWrite::new();
        if let Some(name) = self.field(Role::InvoiceNumber) {
            fields.insert(name, label.to_string());
        }
        if let (Some(name), false) = (self.field(Role::Link), issued.document_url.is_empty()) {
            fields.insert(name, issued.document_url.clone());
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
        let mut payment_written = None;
        if let Some(name) = self.field(Role::PaymentStatus) {
            if let Some(option) = self.payment_label_for(state).await {
                fields.insert(name, option);
                payment_written = Some(state);
            }
        }
        if let Some(name) = self.field(Role::Error) {
            let note = match (&entry.storno, entry.status) {
                (Some(s), Status::Reversed) => {
                    format!("Factura {label} a fost stornată prin {}.", s.label())
                }
                (_, Status::Cancelled) => format!("Factura {label} a fost anulată în SmartBill."),
                _ if !entry.duplicates.is_empty() => format!(
                    "Atenție: SmartBill are și {}, cu același total, apărută în aceeași clipă cu {label}: probabil un duplicat (conexiune întreruptă). Verifică în SmartBill că este pentru acest client și anulează-l din panoul SmartBill al cardului.",
                    entry.duplicates.join(", ")
                ),
                _ => String::new(),
            };
            fields.insert(name, note);
        }
        let pdf = self
            .field(Role::Pdf)
            .filter(|_| !issued.document_view_url.is_empty() && entry.status == Status::Issued);
        if let Some(name) = &pdf {
            // MiniCRM downloads the public PDF link into its file field (minicrm-api.md §3).
            fields.insert(name.clone(), issued.document_view_url.clone());
        }
        CardFields {
            fields,
            payment_written,
            pdf,
        }
    }

    /// Writes the fields; when MiniCRM refuses the PDF link, writes the rest and says so in the
    /// journal.
    async fn write_card_fields(
        &self,
        entry: &mut Entry,
        mut fields: CardWrite,
        pdf: Option<&str>,
    ) -> Result<()> {
        let mut result = self.write_fields(entry, fields.clone()).await;
        if let (
            Err(Error::MiniCrm {
                kind: MiniCrmKind::Rejected,
                text,
                ..
            }),
            Some(name),
        ) = (&result, pdf)
        {
            // MiniCRM could not take the PDF link: write the rest, say so in the journal.
            entry.log(self.now(), format!("MiniCRM refused the PDF link: {text}"));
            fields.remove(name);
            result = self.write_fields(entry, fields).await;
        }
        result
    }

    async fn write_back_failed(&self, entry: &mut Entry, e: Error) -> Result<()> {
        // The document exists in SmartBill; only the card lags. The panel says so and the next
        // tick writes it again.
        entry.written_back = false;
        entry.phase = None;
        entry.log(self.now(), format!("card update failed: {}", e.code()));
        self.save(entry).await
    }

    /// Makes `write`, a write under the lock on `key` that may land late: a write whose answer
    /// was lost may still land until it settles (sent before now, given up at most its timeout
    /// later), and `key` stays locked until then, so that whatever it guards is written next after
    /// it (a card write: a cancel's "Anulată", a storno; a product's quantity: the next stock
    /// run). Storage is told before the write is sent (and `write` may make several calls, or
    /// wait for a slot first: the mark says only that it is out), when its answer is lost, and
    /// once it is answered ([`jobs::mark_settling`]), so that a worker stopped meanwhile, which
    /// loses its locks, keeps `key` too once it starts again
    /// ([`Locks::recall`](crate::jobs::Locks::recall)). Any other failure: nothing to keep.
    pub(crate) async fn settling<T>(
        &self,
        key: &str,
        write: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        // A write that could not be marked is made all the same: only a stopped worker misses it.
        let _ = jobs::mark_settling(self.store(), key, jobs::OUT).await;
        let result = write.await;
        match &result {
            Err(Error::NoAnswer { .. }) => {
                let until = self.now().saturating_add(self.timing().settle_ms());
                self.app.runtime.locks.keep_until(key, until);
                let _ = jobs::mark_settling(self.store(), key, until).await;
            }
            _ => {
                let _ = jobs::settled(self.store(), key).await;
            }
        }
        result
    }

    /// Whether the card's error field holds a live claim of this browser.
    pub fn holds(card: &CardNow, field: &str, me: &str) -> bool {
        matches!(claim::field_state(&card.text(Some(field))), FieldState::Claimed(c) if c.browser == me)
    }
}
