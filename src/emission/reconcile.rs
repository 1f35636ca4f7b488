//! Judging an unknown outcome. SmartBill has no idempotency key and no invoice list (peers.md
//! (c)1, smartbill-api.md §0): what a lost POST did is read from the series counter (`GET /series`,
//! §2.11) and the payment status (with the total) of the numbers issued since (§2.4) — and only
//! once the request can no longer land.

use rust_decimal::Decimal;

use super::claim::{Claim, ClaimIntent, ClaimMode};
use super::journal::{self, Entry, Intent, Issued, Phase, Status};
use super::{Emission, Mode, LOCK_LOOK_MS, LOCK_WAIT_MS};
use crate::document::DocumentKind;
use crate::error::{EmissionProblem, Error, Result, SmartBillKind};
use crate::fields::Role;
use crate::i18n::Text;
use crate::platform::today_ro;
use crate::settings::DocumentType;
use crate::smartbill::SmartBill;

pub(super) enum Reconciled {
    Issued(Issued),
    NotIssued,
    Undecided(Vec<String>),
}

impl Emission<'_> {
    /// An intent whose outcome is unknown (a lost answer, a stopped worker): nothing is concluded
    /// before its request can no longer land (its timeout plus a margin after it left). Returns
    /// the mode it was asked in when SmartBill proves it was not issued (the caller emits again);
    /// `None` while waiting, or when it is settled otherwise.
    pub(super) async fn settle(&self, entry: &mut Entry) -> Result<Option<Mode>> {
        let Some(intent) = entry.intent.clone() else {
            // No intent: the POST was never attempted.
            entry.status = Status::NotIssued;
            entry.phase = None;
            self.save(entry).await?;
            return Ok(Some(Mode::Button));
        };
        let after = intent.settle_after();
        if self.now() < after {
            entry.phase = Some(Phase::Settling);
            entry.waiting_until_ms = Some(after);
            self.save(entry).await?;
            return Ok(None);
        }
        entry.waiting_until_ms = None;
        match self.reconcile(&intent).await? {
            Reconciled::Issued(issued) => {
                let number = issued.label();
                entry.issued = Some(issued);
                entry.intent = None;
                entry.status = Status::Issued;
                entry.error = None;
                entry.log(self.now(), format!("reconciled: SmartBill had issued {number}"));
                self.save(entry).await?;
                self.write_back(entry).await?;
                Ok(None)
            }
            Reconciled::Undecided(candidates) => {
                self.undecided(entry, candidates).await?;
                Ok(None)
            }
            Reconciled::NotIssued => {
                entry.intent = None;
                entry.status = Status::NotIssued;
                entry.phase = None;
                entry.log(self.now(), "reconciled: SmartBill had not issued it");
                self.save(entry).await?;
                Ok(Some(intent.mode))
            }
        }
    }

    /// Decides what happened to an intent, from SmartBill's series counter and the payment status
    /// of the numbers issued since (smartbill-api.md §2.4, §2.11; peers.md (c)1).
    pub(super) async fn reconcile(&self, intent: &Intent) -> Result<Reconciled> {
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
                by_other: None,
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

    /// A person must say whether SmartBill issued it. The card keeps a claim (a pending one, in
    /// words) so that no colleague's browser issues it meanwhile.
    pub(super) async fn undecided(&self, entry: &mut Entry, candidates: Vec<String>) -> Result<()> {
        entry.status = Status::NeedsConfirmation;
        entry.phase = None;
        entry.candidates = candidates.clone();
        let list = if candidates.is_empty() {
            "—".to_string()
        } else {
            candidates.join(", ")
        };
        let series = entry
            .intent
            .as_ref()
            .map(|i| i.series.clone())
            .unwrap_or_default();
        let message = self.lang.fill(
            Text::ReconcileNeedsConfirmation,
            &[("series", &series), ("list", &list)],
        );
        entry.error = Some(journal::StoredError {
            code: "emission.needsConfirmation".into(),
            message: message.clone(),
            vendor_text: None,
        });
        entry.log(self.now(), "needs confirmation");
        self.save(entry).await?;
        // On the card: a claim that says so in words and never goes stale unjudged (its intent
        // lets any browser reconcile it, and an undecided one asks a person there too).
        let me = crate::team::browser_id(self.store()).await;
        let pending = Claim {
            browser: me.clone(),
            label: crate::team::label(&self.settings, &me),
            mode: ClaimMode::Button,
            at_ms: self.now(),
            token: "pending".into(),
            runner_since_ms: None,
            intent: entry.intent.as_ref().and_then(|i| {
                i.expected_number.map(|n| ClaimIntent {
                    series: i.series.clone(),
                    expected: n,
                    total: i.total,
                })
            }),
        };
        let text = format!(
            "{} {}",
            Self::card_message_pending(&list, &series),
            pending.to_field()
        );
        if let Some(field) = self.settings.integration.fields.get(Role::Error) {
            let mut fields = crate::minicrm::CardWrite::new();
            fields.insert(field.to_string(), text);
            if let Err(e) = self.minicrm()?.update_project(entry.project_id, &fields).await {
                entry.log(self.now(), format!("could not write to the card: {}", e.code()));
                self.save(entry).await?;
            }
        }
        Ok(())
    }

    fn card_message_pending(list: &str, series: &str) -> String {
        format!("Nu știm sigur dacă SmartBill a emis documentul (seria {series}, numere posibile: {list}): confirmă în panoul extensiei.")
    }

    /// After a success: were other numbers issued on the series between our read of `nextNumber`
    /// and SmartBill's answer, with exactly our total? A browser re-sends a POST by itself when a
    /// reused keep-alive connection drops before any answer (Chrome's network stack does, for any
    /// method), and SmartBill has no idempotency key: the first copy is then a duplicate. We cannot
    /// prove it, so the panel asks the user (peers.md (c)1). While we held the card's claim no
    /// colleague could issue for this card, so a suspect is never another browser's invoice for
    /// it; the warning still asks the user to check the client before cancelling anything.
    pub(super) async fn look_for_duplicates(&self, sb: &SmartBill<'_>, entry: &mut Entry, intent: &Intent) {
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

    /// The document's lease and its journal entry. A lease someone else holds is waited for,
    /// looking every [`LOCK_LOOK_MS`], for up to [`LOCK_WAIT_MS`] ("busy" then): the payment
    /// refresh holds it while it writes a card, a MiniCRM call, and the person's cancel then
    /// lands after it instead of being refused. A card write whose answer was lost keeps the
    /// document until it has settled (`settling`, at most a request's timeout and
    /// its margin): that is waited for to its end, since no other flow is working on it.
    pub(super) async fn locked(
        &self,
        kind: DocumentKind,
        doc_id: u64,
    ) -> Result<(crate::jobs::LockGuard<'_>, Option<Entry>)> {
        let key = journal::key(kind, doc_id);
        let locks = &self.app.runtime.locks;
        let give_up = self.now().saturating_add(LOCK_WAIT_MS);
        let settle = self.timing().settle_ms();
        locks.recall(self.store(), &key, self.now(), settle).await;
        let guard = loop {
            if let Some(guard) = locks.try_lock(&key, self.now(), super::LEASE_MS) {
                break guard;
            }
            let kept = locks.kept_until(&key).unwrap_or(i64::MIN);
            if self.now() >= give_up.max(kept) {
                return Err(Error::from(EmissionProblem::Busy));
            }
            self.app.clock.sleep_ms(LOCK_LOOK_MS).await;
        };
        let entry = journal::load(self.store(), kind, doc_id).await?;
        Ok((guard, entry))
    }

    /// "Anulează duplicatul": cancels a suspected duplicate (never the entry's own document, never
    /// a document another browser issued for the card).
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
                    by_other: None,
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
}
