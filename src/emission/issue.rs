//! Issuing a document: read the card, claim it for this browser (`claim`), then — holding the
//! claim — build the request, record the intent, post it to SmartBill and write the card back.

use chrono::NaiveDate;
use minicrm_smartbill_macros::LeanDeserialize;
use serde::Serialize;

use super::card::CardNow;
use super::claim::{self, Claim, ClaimIntent, ClaimMode, Verdict};
use super::journal::{self, Entry, HeldClaim, Intent, Issued, Phase, Status};
use super::reconcile::Reconciled;
use super::{fingerprint, stored, Emission, Mode};
use crate::error::invoice::MappingProblem;
use crate::error::{EmissionProblem, Error, Result, SmartBillKind};
use crate::fields::Role;
use crate::invoice;
use crate::jobs::JobKind;
use crate::minicrm::Document;
use crate::platform::{self, today_ro, Store};
use crate::settings::{self, DocumentType, OtherRunner, Timing};
use crate::smartbill::{SmartBill, Tax};

/// VAT rates are read from SmartBill, cached for a day (never hard-coded: rates change).
const TAX_CACHE_MS: i64 = 24 * 3600 * 1000;
/// A claim given up because MiniCRM was slow (nothing was posted) is tried again this often.
const CLAIM_ATTEMPTS: u32 = 3;

/// A claim this browser holds on the card (after R2).
struct Held {
    claim: Claim,
    /// The read that confirmed it (R2).
    confirmed: CardNow,
}

/// What the claim holder prepared before the POST.
struct Prepared {
    built: invoice::Built,
    series: String,
    next_number: u64,
    today: NaiveDate,
}

/// How an emission that the card refuses ends.
enum Before {
    /// Go on and claim.
    Claim,
    /// Nothing more to do (already issued, not triggered any more, judged and settled).
    Done,
}

impl Emission<'_> {
    /// Issues the entry's document (the entry is locked by the caller).
    pub(super) async fn issue(&self, entry: &mut Entry, mode: Mode) -> Result<()> {
        let timing = self.timing();
        let me = crate::team::browser_id(self.store()).await;
        let error_field = self
            .settings
            .integration
            .fields
            .get(Role::Error)
            .map(str::to_string)
            .ok_or(Error::from(EmissionProblem::NoClaimField))?;
        // The document (only read) before claiming: an unchanged document that failed is not
        // retried by automatic emission.
        let doc = self.minicrm()?.document(entry.kind, entry.doc_id).await?;
        if doc.project_id.is_some_and(|p| p != entry.project_id) {
            return Err(Error::from(EmissionProblem::WrongCard {
                doc_id: entry.doc_id,
                card: entry.project_id,
            }));
        }
        let fp = fingerprint(&doc);
        if mode == Mode::Auto
            && entry.status == Status::Failed
            && entry.failed_fingerprint.as_deref() == Some(fp.as_str())
        {
            return Ok(());
        }
        let mut attempt = 0;
        let held = loop {
            attempt += 1;
            // R1: the card as it is now.
            let r1 = self.read_card(entry.project_id).await?;
            if let Before::Done = self.before_claim(entry, &r1, mode, &me, &error_field).await? {
                return Ok(());
            }
            match self.claim(entry, &r1, mode, &me, &error_field, &timing).await {
                Ok(Some(held)) => break held,
                Ok(None) => return Ok(()),
                // MiniCRM was slow (a rate-limit wait, a slow write): nothing was posted, and
                // our own claim does not stop us from trying again.
                Err(Error::Emission { problem })
                    if matches!(*problem, EmissionProblem::ClaimSlow { .. }) && attempt < CLAIM_ATTEMPTS =>
                {
                    entry.log(self.now(), format!("claim too slow, attempt {attempt}"));
                }
                Err(e) => {
                    entry.phase = None;
                    entry.claim = None;
                    self.save(entry).await?;
                    return Err(e);
                }
            }
        };
        self.under_claim(entry, mode, &doc, fp, held, &error_field, &timing)
            .await
    }

    /// Whether the invoice number the card shows means the card is done: not when it is empty,
    /// nor one of this entry's cancelled or reversed documents when re-issuing.
    fn number_blocks(&self, entry: &Entry, shown: &str, mode: Mode) -> bool {
        if shown.is_empty() || entry.superseded.iter().any(|s| s == shown) {
            return false;
        }
        let own_cancelled = matches!(entry.status, Status::Cancelled | Status::Reversed)
            && entry.issued.as_ref().is_some_and(|i| i.label() == shown);
        !(mode == Mode::Reissue && own_cancelled)
    }

    /// What R1 says: already issued (shown on the card), no longer a trigger, another browser's
    /// claim (live: refuse; stale: judge it), or free.
    async fn before_claim(
        &self,
        entry: &mut Entry,
        r1: &CardNow,
        mode: Mode,
        me: &str,
        error_field: &str,
    ) -> Result<Before> {
        let on_card = r1.text(self.settings.integration.fields.get(Role::InvoiceNumber));
        if self.number_blocks(entry, &on_card, mode) {
            // A card that shows an invoice number is never emitted again unless the user asks
            // after cancelling it (the number may come from before the extension, or a colleague).
            let known = entry.issued.as_ref().map(|i| i.label());
            if known.as_deref() != Some(on_card.as_str()) {
                entry.issued = Some(Issued::external(
                    self.doc_type(),
                    (String::new(), on_card.clone()),
                    r1.text(self.settings.integration.fields.get(Role::Link)),
                    today_ro(self.app.clock),
                ));
            }
            entry.status = Status::Issued;
            entry.written_back = true;
            entry.error = None;
            entry.phase = None;
            entry.log(
                self.now(),
                format!("the card already shows {on_card}: not issued again"),
            );
            self.save(entry).await?;
            return Ok(Before::Done);
        }
        let timing = self.timing();
        let verdict = claim::verdict(&r1.text(Some(error_field)), me, r1.server_ms, &timing.claim);
        if mode == Mode::Auto && !matches!(verdict, Verdict::Taken(_)) {
            if let Some(why) = self.not_triggered(r1) {
                entry.log(self.now(), why);
                self.save(entry).await?;
                return Ok(Before::Done);
            }
        }
        match verdict {
            Verdict::Free | Verdict::Ours(_) => Ok(Before::Claim),
            Verdict::Taken(c) => {
                noticed(self.store(), &c, me, self.now()).await?;
                Err(Error::from(EmissionProblem::ClaimedByOther {
                    label: c.label,
                    at_ms: c.at_ms,
                    auto: c.mode == ClaimMode::Auto,
                }))
            }
            Verdict::Stale(c) => self.judge_stale(entry, &c).await,
        }
    }

    /// Automatic emission only for a card whose status, read now, is a trigger status, reached
    /// after automatic emission was switched on. Never trusts the list that pointed here.
    fn not_triggered(&self, card: &CardNow) -> Option<String> {
        let integration = &self.settings.integration;
        let status = card.status();
        let folded = crate::text::fold(&status);
        let trigger = integration
            .triggers
            .iter()
            .any(|t| crate::text::fold(&t.label) == folded || (!t.id.is_empty() && t.id == status));
        if !integration.auto || !trigger {
            return Some(format!(
                "status {status:?} is not a trigger status now: not issued automatically"
            ));
        }
        match (card.status_updated_ms(), integration.auto_since_ms) {
            (Some(changed), Some(since)) if changed < since - super::index::OVERLAP_MS => Some(format!(
                "the status changed before automatic emission was switched on ({changed} < {since}): not issued automatically"
            )),
            _ => None,
        }
    }

    /// A claim another browser left behind (older than the lease): its intent says whether its
    /// POST created the document. Adopts an issued document, asks a person when undecided.
    async fn judge_stale(&self, entry: &mut Entry, c: &Claim) -> Result<Before> {
        let Some(ci) = &c.intent else {
            // It never reached the POST (the intent is written before).
            entry.log(
                self.now(),
                format!("a stale claim of {} without intent: free", c.label),
            );
            return Ok(Before::Claim);
        };
        let intent = Intent {
            series: ci.series.clone(),
            expected_number: Some(ci.expected),
            total: ci.total,
            currency: String::new(),
            draft: false,
            at_ms: c.at_ms,
            settle_after_ms: Some(c.at_ms),
            mode: Mode::Button,
        };
        match self.reconcile(&intent).await? {
            Reconciled::NotIssued => {
                entry.log(
                    self.now(),
                    format!("a stale claim of {}: not issued, free", c.label),
                );
                Ok(Before::Claim)
            }
            Reconciled::Issued(mut issued) => {
                issued.by_other = Some(c.label.clone());
                let label = issued.label();
                entry.issued = Some(issued);
                entry.status = Status::Issued;
                entry.error = None;
                entry.log(
                    self.now(),
                    format!("{} had issued {label} (found from its claim)", c.label),
                );
                self.save(entry).await?;
                self.write_back(entry).await?;
                Ok(Before::Done)
            }
            Reconciled::Undecided(candidates) => {
                entry.intent = Some(intent);
                self.undecided(entry, candidates).await?;
                Ok(Before::Done)
            }
        }
    }

    /// Steps 2 and 3 of the protocol: write our claim, give up if the write was slow, wait, read
    /// again. `Ok(None)`: the card was issued meanwhile (shown on the entry).
    async fn claim(
        &self,
        entry: &mut Entry,
        r1: &CardNow,
        mode: Mode,
        me: &str,
        error_field: &str,
        timing: &Timing,
    ) -> Result<Option<Held>> {
        let team = &self.settings.team;
        let c = Claim {
            browser: me.to_string(),
            label: crate::team::label(&self.settings, me),
            mode: if mode == Mode::Auto {
                ClaimMode::Auto
            } else {
                ClaimMode::Button
            },
            at_ms: r1.server_now(self.now()),
            token: format!("{:08x}", platform::random_u64() & 0xffff_ffff),
            runner_since_ms: team.runner.then_some(team.runner_since_ms).flatten(),
            intent: None,
        };
        entry.phase = Some(Phase::Claiming);
        entry.error = None;
        self.save(entry).await?;
        let mut fields = crate::minicrm::CardWrite::new();
        fields.insert(error_field.to_string(), c.to_field());
        self.minicrm()?.update_project(entry.project_id, &fields).await?;
        let acked = self.now();
        if !claim::in_time(r1.sent_ms, acked, &timing.claim) {
            // Our claim may land after someone else's check: we never post on it. (Landing
            // late, it only replaces a live claim with another live one.)
            return Err(Error::from(EmissionProblem::ClaimSlow {
                ms: acked - r1.sent_ms,
                bound_ms: timing.claim.bound_ms,
            }));
        }
        entry.claim = Some(HeldClaim {
            token: c.token.clone(),
            at_ms: c.at_ms,
        });
        entry.phase = Some(Phase::Waiting);
        self.save(entry).await?;
        let waited = u64::try_from(timing.claim.wait_ms).unwrap_or(0);
        self.app.clock.sleep_ms(waited).await;
        let r2 = self.read_card(entry.project_id).await?;
        let shown = r2.text(self.settings.integration.fields.get(Role::InvoiceNumber));
        match claim::field_state(&r2.text(Some(error_field))) {
            claim::FieldState::Claimed(now)
                if now.browser == me && now.token == c.token && !self.number_blocks(entry, &shown, mode) =>
            {
                Ok(Some(Held {
                    claim: c,
                    confirmed: r2,
                }))
            }
            claim::FieldState::Claimed(other) if other.browser != me => {
                noticed(self.store(), &other, me, self.now()).await?;
                Err(Error::from(EmissionProblem::ClaimedByOther {
                    label: other.label,
                    at_ms: other.at_ms,
                    auto: other.mode == ClaimMode::Auto,
                }))
            }
            _ if self.number_blocks(entry, &shown, mode) => {
                // Someone finished meanwhile: the card is issued.
                self.before_claim(entry, &r2, mode, me, error_field).await?;
                Ok(None)
            }
            _ => Err(Error::from(EmissionProblem::ClaimLost)),
        }
    }

    /// Holding the claim: build, record the intent (journal and claim), post, write back. Every
    /// failure is written to the card's error field, which also ends the claim — except an
    /// unknown outcome, which keeps the claim until it is judged.
    #[allow(clippy::too_many_arguments)]
    async fn under_claim(
        &self,
        entry: &mut Entry,
        mode: Mode,
        doc: &Document,
        fp: String,
        held: Held,
        error_field: &str,
        timing: &Timing,
    ) -> Result<()> {
        entry.phase = Some(Phase::Posting);
        self.save(entry).await?;
        let sb = self.smartbill()?;
        let prepared = match self.prepare(&sb, doc).await {
            Ok(Ok(p)) => p,
            Ok(Err(problem)) => return self.fail(entry, &problem, fp).await,
            Err(e) => return self.stop_before_post(entry, e).await,
        };
        let intent = match self
            .record_intent(entry, mode, &held, &prepared, error_field, timing)
            .await?
        {
            Ok(intent) => intent,
            Err(e) => return self.stop_before_post(entry, e).await,
        };
        let proforma = self.doc_type() == DocumentType::Proforma;
        let result = sb.create_document(proforma, &prepared.built.request).await;
        match result {
            Ok(created) => self.posted(&sb, entry, created, &prepared, &intent).await,
            Err(e @ (Error::Paused { .. } | Error::Unreachable { .. })) => {
                // The request never left: nothing happened in SmartBill.
                entry.intent = None;
                self.stop_before_post(entry, e).await
            }
            Err(e @ Error::NoAnswer { .. }) => {
                // The request may still land: no conclusion before its timeout plus a margin. The
                // claim (with the intent) stays on the card meanwhile.
                entry.phase = Some(Phase::Settling);
                entry.waiting_until_ms = Some(intent.settle_after());
                entry.error = Some(stored(&e, self.lang));
                entry.log(
                    self.now(),
                    format!("no answer ({}): judged after {}", e.code(), intent.settle_after()),
                );
                self.save(entry).await
            }
            Err(e) if e.is_ambiguous() => self.judge_ambiguous(entry, e, &intent, fp).await,
            Err(e) => {
                entry.intent = None;
                let e = self
                    .explain(&sb, e, &prepared.built.request, prepared.today)
                    .await;
                self.fail(entry, &e, fp).await
            }
        }
    }

    /// Records the intent before the POST: in the claim on the card (so a claim left behind can
    /// be judged by anyone), then in the journal. `Ok(Err(_))`: nothing may be posted (the claim
    /// would go stale before the POST ends, or the claim could not be written); the caller stops.
    async fn record_intent(
        &self,
        entry: &mut Entry,
        mode: Mode,
        held: &Held,
        prepared: &Prepared,
        error_field: &str,
        timing: &Timing,
    ) -> Result<std::result::Result<Intent, Error>> {
        let draft = self.settings.document.draft;
        let now = self.now();
        // The POST must end (timeout and margin) before the claim goes stale.
        if !claim::may_post(
            held.claim.at_ms,
            held.confirmed.server_now(now),
            timing.settle_ms(),
            &timing.claim,
        ) {
            return Ok(Err(Error::from(EmissionProblem::ClaimExpired)));
        }
        let intent = Intent {
            series: prepared.series.clone(),
            expected_number: (!draft).then_some(prepared.next_number),
            total: prepared.built.total,
            currency: prepared.built.request.currency.clone(),
            draft,
            at_ms: now,
            settle_after_ms: Some(now + timing.settle_ms()),
            mode,
        };
        // The intent goes into the claim, so a claim left behind can be judged by anyone.
        let mut c = held.claim.clone();
        c.intent = (!draft).then(|| ClaimIntent {
            series: prepared.series.clone(),
            expected: prepared.next_number,
            total: prepared.built.total,
        });
        let mut fields = crate::minicrm::CardWrite::new();
        fields.insert(error_field.to_string(), c.to_field());
        if let Err(e) = self.minicrm()?.update_project(entry.project_id, &fields).await {
            return Ok(Err(e));
        }
        if let Some(old) = entry
            .issued
            .take_if(|_| matches!(entry.status, Status::Cancelled | Status::Reversed))
        {
            entry.log(self.now(), format!("re-issuing after {}", old.label()));
            entry.superseded.push(old.label());
            entry.storno = None;
            // The old invoice's payments are not the new one's.
            entry.payment = None;
        }
        entry.intent = Some(intent.clone());
        entry.status = Status::Issuing;
        entry.error = None;
        entry.conflict = None;
        entry.log(
            self.now(),
            format!(
                "posting to SmartBill (series {}, next number {})",
                prepared.series, prepared.next_number
            ),
        );
        // The intent is on disk before the request leaves.
        self.save(entry).await?;
        Ok(Ok(intent))
    }

    /// SmartBill created the document: record it, look for duplicates, ask for a stock tick when
    /// the invoice discharged stock, and write the card back.
    async fn posted(
        &self,
        sb: &SmartBill<'_>,
        entry: &mut Entry,
        created: crate::smartbill::Created,
        prepared: &Prepared,
        intent: &Intent,
    ) -> Result<()> {
        let draft = intent.draft;
        journal::learn_series_width(self.store(), &created.series, &created.number).await;
        entry.issued = Some(Issued {
            doc_type: self.doc_type(),
            series: if created.series.is_empty() {
                prepared.series.clone()
            } else {
                created.series
            },
            number: created.number,
            document_url: created.document_url,
            document_view_url: created.document_view_url,
            document_id: created.document_id,
            total: prepared.built.total,
            currency: prepared.built.request.currency.clone(),
            issue_date: prepared.today,
            draft,
            reconciled: false,
            external: false,
            by_other: None,
        });
        entry.intent = None;
        entry.status = Status::Issued;
        entry.written_back = false;
        entry.candidates.clear();
        entry.failed_fingerprint = None;
        let label = entry.issued.as_ref().map(|i| i.label()).unwrap_or_default();
        entry.log(self.now(), format!("issued {label}"));
        self.save(entry).await?;
        self.look_for_duplicates(sb, entry, intent).await;
        if prepared.built.request.use_stock == Some(true) && !draft {
            // The invoice discharged stock: MiniCRM's quantities follow on the next tick.
            let _ = crate::jobs::schedule::request(self.store(), JobKind::Stock, "invoice").await;
        }
        self.write_back(entry).await
    }

    /// SmartBill answered (5xx, an unreadable 200): the request is over, judge it now.
    async fn judge_ambiguous(&self, entry: &mut Entry, e: Error, intent: &Intent, fp: String) -> Result<()> {
        entry.log(self.now(), format!("ambiguous outcome: {}", e.code()));
        self.save(entry).await?;
        match self.reconcile(intent).await {
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
                entry.intent = None;
                self.fail(entry, &e, fp).await
            }
            Ok(Reconciled::Undecided(candidates)) => self.undecided(entry, candidates).await,
            // Reconciliation itself failed (SmartBill still down): the intent stays and
            // the next run judges it.
            Err(_) => {
                entry.error = Some(stored(&e, self.lang));
                entry.phase = Some(Phase::Settling);
                self.save(entry).await?;
                Err(e)
            }
        }
    }

    /// The e-mail, the request and the series, or the mapping problem that stops it.
    async fn prepare(
        &self,
        sb: &SmartBill<'_>,
        doc: &Document,
    ) -> Result<std::result::Result<Prepared, Error>> {
        let mc = self.minicrm()?;
        let email = match (doc.customer.email.trim().is_empty(), doc.customer_id) {
            (true, Some(customer)) => mc
                .contact_email(customer)
                .await
                .ok()
                .flatten()
                .filter(|e| !e.trim().is_empty()),
            _ => None,
        };
        let today = today_ro(self.app.clock);
        let built = match self.build(sb, doc, today, email).await? {
            Ok(built) => built,
            Err(problem) => return Ok(Err(Error::from(EmissionProblem::Mapping { problem }))),
        };
        let series_list = sb.series(Some(self.doc_type().series_type())).await?;
        let wanted = &self.settings.document.series;
        let Some(series) = series_list.iter().find(|s| &s.name == wanted) else {
            return Ok(Err(Error::from(EmissionProblem::SeriesMissing {
                series: wanted.clone(),
                available: series_list.iter().map(|s| s.name.clone()).collect(),
            })));
        };
        Ok(Ok(Prepared {
            built,
            series: series.name.clone(),
            next_number: series.next_number,
            today,
        }))
    }

    /// Nothing was posted (a service down, a rate-limit pause, the claim's time ran out): the
    /// card says so (which ends our claim), and the error goes back to the caller.
    async fn stop_before_post(&self, entry: &mut Entry, e: Error) -> Result<()> {
        entry.status =
            if entry.issued.is_some() && matches!(entry.status, Status::Cancelled | Status::Reversed) {
                entry.status
            } else {
                Status::NotIssued
            };
        entry.intent = None;
        entry.phase = None;
        entry.error = Some(stored(&e, self.lang));
        entry.log(self.now(), format!("not sent: {}", e.code()));
        self.save(entry).await?;
        let message = Self::card_message(&e);
        self.write_error(entry, &message).await;
        self.save(entry).await?;
        Err(e)
    }

    /// Records a failure (nothing was created) and writes it to the card's error field.
    pub(super) async fn fail(&self, entry: &mut Entry, e: &Error, fingerprint: String) -> Result<()> {
        // A failed re-issue after a cancellation keeps the cancelled invoice on record.
        if !(entry.issued.is_some() && matches!(entry.status, Status::Cancelled | Status::Reversed)) {
            entry.status = Status::Failed;
        }
        entry.intent = None;
        entry.phase = None;
        entry.error = Some(stored(e, self.lang));
        entry.failed_fingerprint = Some(fingerprint);
        entry.log(self.now(), format!("failed: {}", e.code()));
        self.save(entry).await?;
        let message = Self::card_message(e);
        self.write_error(entry, &message).await;
        self.save(entry).await
    }

    /// Builds the request; a VAT rate not in the cache refreshes it once (rates change).
    async fn build(
        &self,
        sb: &SmartBill<'_>,
        doc: &Document,
        today: NaiveDate,
        email: Option<String>,
    ) -> Result<std::result::Result<invoice::Built, MappingProblem>> {
        let kind = self.kind();
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
                Err(MappingProblem::UnknownVat { .. }) if !taxes.0 => {
                    taxes = self.taxes(sb, true).await?;
                }
                other => return Ok(other),
            }
        }
    }

    /// `(fresh, rates)`: the cached VAT rates, or SmartBill's when older than a day or forced.
    async fn taxes(&self, sb: &SmartBill<'_>, force: bool) -> Result<(bool, Vec<Tax>)> {
        #[derive(Serialize, LeanDeserialize)]
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
        if !crate::text::lower(text).contains("stoc insuficienta") {
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
}

/// Another browser's claim was seen on a card. An automatic claim of a browser that has been
/// the runner for longer makes this one step down (see `team`); any automatic claim is remembered
/// so the options and the popup can name the browser that runs automatic emission. Returns
/// whether this browser stepped down. Recorded under a key of its own, not in the settings, which
/// only a person's save writes (`settings::RUNNER_SEEN_KEY`).
async fn noticed(store: &dyn Store, claim: &Claim, our_id: &str, now_ms: i64) -> Result<bool> {
    if claim.mode != ClaimMode::Auto || claim.browser == our_id {
        return Ok(false);
    }
    let s = settings::load(store).await?;
    let theirs = claim.runner_since_ms.unwrap_or(claim.at_ms);
    let ours = s.team.runner_since_ms.unwrap_or(i64::MAX);
    // The longer-running one stays; equal times (never in practice) are settled by the ids.
    let step_down = s.team.runner && (theirs, claim.browser.as_str()) < (ours, our_id);
    if step_down || !s.team.runner {
        let seen = OtherRunner {
            browser: claim.browser.clone(),
            label: claim.label.clone(),
            since_ms: claim.runner_since_ms,
            seen_ms: now_ms,
        };
        platform::save(store, settings::RUNNER_SEEN_KEY, &seen)
            .await
            .map_err(|detail| Error::Storage { detail })?;
    }
    Ok(step_down)
}
