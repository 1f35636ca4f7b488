//! What the card panel shows: the state in words, the progress of an emission in progress, and
//! which actions exist (the content script draws exactly these buttons and decides nothing).

use serde::{Deserialize, Serialize};

use super::journal::{self, Entry, Phase, Status};
use super::Emission;
use crate::card::{CardRef, PanelPlace};
use crate::error::{EmissionProblem, Error, ErrorView, Result};
use crate::fields::PaymentState;
use crate::schedule::Alarm;
use crate::settings::DocumentType;

/// The reply of the `panelState` and `card` commands, all the content script reads: whether this
/// page gets a panel, and what it shows. The fields the core has nothing to say about are left
/// out of the JSON (the pages' types mark them optional: `types/core.d.ts`).
#[derive(Default, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct CardReply {
    /// Whether this page gets a panel (a card of the configured account and module). `false`
    /// with a [`CardReply::pdf`] too: the PDF action's file draws nothing.
    pub show: bool,
    /// `false`: the extension is not set up yet; the panel says so with [`CardReply::hint`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configured: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<CardRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The document's state, words and buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<PanelView>,
    /// The command stopped before anything changed: why, shown over what the panel showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorView>,
    /// Ask again after this many milliseconds (with `error`: something in progress elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_ms: Option<u32>,
    /// The page moved to another card since the panel was drawn: draw it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redraw: Option<bool>,
    /// The answer is team mode's own (the team server could not be asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_mode: Option<bool>,
    /// Where this person put the panel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<PanelPlace>,
    /// The alarms the background keeps (an invoice may have discharged stock: tick soon).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Vec<Alarm>>,
    /// The PDF action: the file, in base64, and its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

impl CardReply {
    /// No panel on this page.
    pub fn hidden() -> CardReply {
        CardReply::default()
    }

    /// A panel with a document's view.
    pub fn panel(view: PanelView) -> CardReply {
        CardReply {
            show: true,
            configured: Some(true),
            refresh_ms: view.refresh_ms,
            panel: Some(view),
            ..CardReply::default()
        }
    }

    /// A panel that shows why the command stopped, asked again after `refresh_ms` when that can
    /// help. `shown` is the state the panel showed when it sent the command: a settled document
    /// (issued, cancelled, …) stays on the panel with the error over it (no `panel` in the reply);
    /// otherwise the panel shows the error with "Reîncearcă" ([`PanelView::stopped`]).
    pub fn error(
        card: CardRef,
        error: ErrorView,
        shown: Option<PanelState>,
        refresh_ms: Option<u32>,
    ) -> CardReply {
        let keep = shown.is_some_and(PanelState::settled);
        CardReply {
            show: true,
            configured: Some(true),
            card: Some(card),
            panel: (!keep).then(|| PanelView::stopped(refresh_ms)),
            error: Some(error),
            refresh_ms,
            ..CardReply::default()
        }
    }
}

#[derive(Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub state: PaymentState,
    pub paid: String,
    pub total: String,
    pub currency: String,
}

/// A button of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Emit,
    Retry,
    Cancel,
    Reverse,
    Reissue,
    Pdf,
    Confirm,
    /// A disabled button that says an emission is running.
    Issuing,
}

/// The panel's state, in its words. The content script sends back the state it shows with each
/// command (`shown`), so the core decides what an error is drawn over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PanelState {
    NotIssued,
    Issuing,
    Issued,
    Error,
    NeedsConfirmation,
    Cancelled,
    Reversed,
}

/// The panel's badge: its state, except that an issued draft (in SmartBill, with no number and
/// nothing fiscal about it) is a draft, not an issued document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Badge {
    NotIssued,
    Issuing,
    Issued,
    Draft,
    Error,
    NeedsConfirmation,
    Cancelled,
    Reversed,
}

impl Badge {
    pub fn of(state: PanelState, draft: bool) -> Badge {
        match state {
            PanelState::Issued if draft => Badge::Draft,
            PanelState::NotIssued => Badge::NotIssued,
            PanelState::Issuing => Badge::Issuing,
            PanelState::Issued => Badge::Issued,
            PanelState::Error => Badge::Error,
            PanelState::NeedsConfirmation => Badge::NeedsConfirmation,
            PanelState::Cancelled => Badge::Cancelled,
            PanelState::Reversed => Badge::Reversed,
        }
    }
}

impl PanelState {
    /// A document whose state an error of a later command does not change: the panel keeps it.
    pub fn settled(self) -> bool {
        !matches!(
            self,
            PanelState::NotIssued | PanelState::Issuing | PanelState::Error
        )
    }
}

/// What the panel shows of a card's document.
#[derive(Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PanelView {
    pub state: PanelState,
    /// What the state's badge says.
    pub badge: Badge,
    pub doc_type: DocumentType,
    pub document_id: u64,
    /// The document's name as the core knows it (`Issued::label`): what the panel sends back
    /// with a button that acts on this document.
    pub number: Option<String>,
    /// A document with no number yet (a draft): its series. The panel shows it as "Draft
    /// {series}" in the person's language instead of `number` ("Ciornă {series}").
    pub draft_of: Option<String>,
    /// Only an `https` link of SmartBill (or of the sandbox's SmartBill in a sandbox build).
    pub link: Option<String>,
    pub pdf: bool,
    pub draft: bool,
    pub payment: Option<PaymentView>,
    pub error: Option<journal::StoredError>,
    pub candidates: Vec<String>,
    pub storno: Option<String>,
    pub duplicates: Vec<String>,
    pub card_pending: bool,
    pub stock_managed: bool,
    /// Where an emission in progress is.
    pub phase: Option<Phase>,
    /// An unknown outcome is judged at this time (Romanian time, `HH:MM:SS`).
    pub waiting_until: Option<String>,
    /// A card write whose answer was lost (or that a stopped worker left out) may still land
    /// until this time (Romanian time, `HH:MM:SS`): a cancel or a storno asked for now waits
    /// until then ([`crate::jobs::Locks::keep_until`]).
    #[cfg_attr(test, ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settling_until: Option<String>,
    /// The card showed this other number: ours was not written over it.
    pub conflict: Option<String>,
    /// Issued by another browser of the team (its name).
    pub by_other: Option<String>,
    /// Another browser of the team is issuing it right now (its name).
    pub claimed_by: Option<String>,
    /// The buttons, in order.
    pub actions: Vec<Action>,
    /// The buttons of `actions` whose press starts an emission: the panel draws
    /// [`PanelView::starting`] at once and follows the journal's progress until the core answers.
    /// The other buttons are disabled until it answers.
    pub starts: Vec<Action>,
    /// What the panel shows the moment a button of `starts` is pressed.
    #[cfg_attr(test, ts(optional))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting: Option<Box<PanelView>>,
    /// Ask again after this many milliseconds (something is in progress).
    pub refresh_ms: Option<u32>,
}

impl PanelView {
    /// The view of a command that stopped before the core could say the document's state (the
    /// page moved, the team server or the card could not be read): the error, and "Reîncearcă".
    pub fn stopped(refresh_ms: Option<u32>) -> PanelView {
        PanelView {
            state: PanelState::Error,
            badge: Badge::Error,
            doc_type: DocumentType::Invoice,
            document_id: 0,
            number: None,
            draft_of: None,
            link: None,
            pdf: false,
            draft: false,
            payment: None,
            error: None,
            candidates: Vec::new(),
            storno: None,
            duplicates: Vec::new(),
            card_pending: false,
            stock_managed: false,
            phase: None,
            waiting_until: None,
            settling_until: None,
            conflict: None,
            by_other: None,
            claimed_by: None,
            actions: vec![Action::Retry],
            starts: Vec::new(),
            starting: None,
            refresh_ms,
        }
        .with_starting()
    }

    /// Fills `starts` and `starting`: the buttons that start an emission (emit, retry, reissue,
    /// confirm), and the view of an emission that is claiming its document.
    fn with_starting(mut self) -> PanelView {
        let starts: Vec<Action> = self
            .actions
            .iter()
            .copied()
            .filter(|a| {
                matches!(
                    a,
                    Action::Emit | Action::Retry | Action::Reissue | Action::Confirm
                )
            })
            .collect();
        if starts.is_empty() {
            return self;
        }
        let starting = PanelView {
            state: PanelState::Issuing,
            badge: Badge::Issuing,
            phase: Some(Phase::Claiming),
            waiting_until: None,
            settling_until: None,
            error: None,
            candidates: Vec::new(),
            duplicates: Vec::new(),
            claimed_by: None,
            actions: vec![Action::Issuing],
            starts: Vec::new(),
            starting: None,
            refresh_ms: None,
            ..self.clone()
        };
        self.starts = starts;
        self.starting = Some(Box::new(starting));
        self
    }
}

/// Whether a link from card data or SmartBill may be put in the panel: `https` on SmartBill's own
/// host, or the configured SmartBill address's origin in a sandbox build.
pub fn safe_link(url: &str, smartbill_api_base: &str, sandbox_build: bool) -> Option<String> {
    let (scheme, host, _, _) = crate::url::split(url)?;
    let smartbill = scheme == "https" && (host == "cloud.smartbill.ro" || host == "ws.smartbill.ro");
    let sandbox = sandbox_build
        && matches!(scheme.as_str(), "http" | "https")
        && crate::url::origin(url) == crate::url::origin(smartbill_api_base);
    (smartbill || sandbox).then(|| url.to_string())
}

/// The panel's state name for an entry.
fn state_of(entry: &Entry) -> PanelState {
    match entry.status {
        Status::NotIssued => {
            if entry.error.is_some() {
                PanelState::Error
            } else {
                PanelState::NotIssued
            }
        }
        Status::Issuing => PanelState::Issuing,
        Status::Issued => PanelState::Issued,
        Status::Failed => PanelState::Error,
        Status::NeedsConfirmation => PanelState::NeedsConfirmation,
        Status::Cancelled => PanelState::Cancelled,
        Status::Reversed => PanelState::Reversed,
    }
}

/// The buttons the panel offers in a state.
fn actions(entry: &Entry, state: PanelState, pdf: bool) -> Vec<Action> {
    let issued = entry.issued.as_ref();
    let live = matches!(entry.status, Status::Issued) && issued.is_some_and(|i| i.ours());
    let mut actions = Vec::new();
    match state {
        PanelState::NotIssued => actions.push(Action::Emit),
        PanelState::Error => actions.push(Action::Retry),
        PanelState::NeedsConfirmation => actions.push(Action::Confirm),
        _ => {}
    }
    if pdf {
        actions.push(Action::Pdf);
    }
    if live {
        actions.push(Action::Cancel);
        if issued.is_some_and(|i| i.doc_type == DocumentType::Invoice) {
            actions.push(Action::Reverse);
        }
    }
    if matches!(entry.status, Status::Cancelled | Status::Reversed) {
        actions.push(Action::Reissue);
    }
    if state == PanelState::Issuing {
        actions.push(Action::Issuing);
    }
    actions
}

pub fn view(
    entry: &Entry,
    configured: DocumentType,
    stock_managed: bool,
    link_ok: impl Fn(&str) -> Option<String>,
) -> PanelView {
    let issued = entry.issued.as_ref();
    let state = state_of(entry);
    let draft = issued.is_some_and(|i| i.draft);
    let pdf = issued
        .is_some_and(|i| i.ours() || (i.by_other.is_some() && !i.number.is_empty() && !i.series.is_empty()));
    let actions = actions(entry, state, pdf);
    let waiting_until = entry
        .waiting_until_ms
        .filter(|_| entry.status == Status::Issuing)
        .map(|ms| crate::platform::when::hms(crate::platform::local_ro(ms)));
    PanelView {
        state,
        badge: Badge::of(state, draft),
        doc_type: issued.map(|i| i.doc_type).unwrap_or(configured),
        document_id: entry.doc_id,
        number: issued.map(|i| i.label()),
        draft_of: issued.and_then(|i| i.unnumbered_series()).map(str::to_string),
        link: issued.and_then(|i| link_ok(&i.document_url)),
        pdf,
        draft,
        // A cancelled invoice has no payments in SmartBill (smartbill-api.md §2.8, `DELETE
        // /payment/v2`: "… este anulata si nu mai are incasari atasate!"), whatever the last
        // refresh before the cancel found.
        payment: entry
            .payment
            .as_ref()
            .filter(|_| entry.status != Status::Cancelled)
            .map(|p| PaymentView {
                state: p.state,
                paid: p.paid.normalize().to_string(),
                total: p.total.normalize().to_string(),
                currency: issued.map(|i| i.currency.clone()).unwrap_or_default(),
            }),
        error: entry
            .error
            .clone()
            .filter(|_| !matches!(entry.status, Status::Issued)),
        candidates: entry.candidates.clone(),
        storno: entry.storno.as_ref().map(|s| s.label()),
        duplicates: entry.duplicates.clone(),
        card_pending: matches!(
            entry.status,
            Status::Issued | Status::Cancelled | Status::Reversed
        ) && !entry.written_back,
        stock_managed,
        phase: entry.phase.filter(|_| {
            entry.status == Status::Issuing
                || entry.status == Status::NotIssued
                || entry.status == Status::Failed
        }),
        waiting_until,
        settling_until: None,
        conflict: entry.conflict.clone(),
        by_other: issued.and_then(|i| i.by_other.clone()),
        claimed_by: entry.claimed_by.clone(),
        actions,
        starts: Vec::new(),
        starting: None,
        refresh_ms: (state == PanelState::Issuing).then_some(1_000),
    }
    .with_starting()
}

impl Emission<'_> {
    /// The journal entry for a card, creating none: what the panel shows before any click.
    pub async fn entry_for_card(&self, card: &CardRef) -> Result<Entry> {
        let kind = self.kind();
        let listed = self
            .document_of(card.project_id, super::INTERACTIVE_INDEX_PAGES)
            .await?;
        let mut entry = journal::load(self.app.store, kind, listed.doc_id)
            .await?
            .unwrap_or_else(|| Entry::new(kind, listed.doc_id, card.project_id));
        if entry.project_id != card.project_id {
            return Err(Error::from(EmissionProblem::WrongCard {
                doc_id: listed.doc_id,
                card: card.project_id,
            }));
        }
        // A flow of this worker works on the document: it is shown as under way. A keep after a
        // card write whose answer was lost is not (the view says until when instead).
        if self
            .app
            .runtime
            .locks
            .is_held_at(&entry.key(), self.app.clock.now_ms())
        {
            entry.status = Status::Issuing;
            return Ok(entry);
        }
        if matches!(entry.status, Status::NotIssued | Status::Failed) {
            self.card_news(&mut entry).await?;
        }
        Ok(entry)
    }

    /// What a colleague's browser did on this card, which this browser's journal cannot know:
    /// an invoice number on the card (recorded, as issued by other means), or a live claim (the
    /// panel shows who is issuing).
    async fn card_news(&self, entry: &mut Entry) -> Result<()> {
        let fields = &self.settings.integration.fields;
        let card = self.read_card(entry.project_id).await?;
        let shown = card.text(fields.get(crate::fields::Role::InvoiceNumber));
        if !shown.is_empty() {
            entry.issued = Some(journal::Issued::external(
                self.settings.document.kind,
                (String::new(), shown.clone()),
                card.text(fields.get(crate::fields::Role::Link)),
                crate::platform::today_ro(self.app.clock),
            ));
            entry.status = Status::Issued;
            entry.written_back = true;
            entry.error = None;
            entry.log(self.app.clock.now_ms(), format!("the card shows {shown}"));
            return journal::save(self.app.store, entry).await;
        }
        let me = crate::team::browser_id(self.app.store).await;
        let error_field = fields.get(crate::fields::Role::Error).unwrap_or_default();
        if let super::claim::Verdict::Taken(c) = super::claim::verdict(
            &card.text(Some(error_field)),
            &me,
            card.server_ms,
            &self.timing().claim,
        ) {
            entry.status = Status::Issuing;
            entry.claimed_by = Some(c.label);
        }
        Ok(())
    }

    pub fn panel(&self, entry: &Entry) -> CardReply {
        let sandbox = crate::settings::is_sandbox_build(&self.app.host_permissions);
        let base = self.settings.smartbill.api_base.clone();
        let v = view(
            entry,
            self.settings.document.kind,
            self.settings.stock.enabled,
            |url| safe_link(url, &base, sandbox),
        );
        let now = self.app.clock.now_ms();
        let kept = (self.app.runtime.locks)
            .kept_until(&entry.key())
            .filter(|&until| until > now);
        let settling_until = kept.map(|ms| crate::platform::when::hms(crate::platform::local_ro(ms)));
        // The panel looks again once the write has settled: work left on the card (its write-back
        // after a stopped worker) is then finished at that look.
        let refresh_ms = match kept {
            Some(until) => {
                let wait = u32::try_from((until - now).clamp(1_000, 60_000)).unwrap_or(60_000);
                Some(v.refresh_ms.map_or(wait, |r| r.min(wait)))
            }
            None => v.refresh_ms,
        };
        CardReply::panel(PanelView {
            settling_until,
            refresh_ms,
            ..v
        })
    }
}

impl Emission<'_> {
    /// "Descarcă PDF": the background fetches it with the credentials the page never sees.
    pub async fn pdf(&self, entry: &Entry) -> Result<CardReply> {
        use base64::Engine;
        let issued = entry
            .issued
            .as_ref()
            .filter(|i| !i.draft && !i.number.is_empty() && !i.series.is_empty())
            .ok_or(Error::from(EmissionProblem::NothingToCancel))?;
        let sb = self.smartbill()?;
        let bytes = sb
            .pdf(
                issued.doc_type == DocumentType::Proforma,
                &issued.series,
                &issued.number,
            )
            .await?;
        Ok(CardReply {
            pdf: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            file_name: Some(format!("factura{}{}.pdf", issued.series, issued.number)),
            ..CardReply::hidden()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_smartbill_https_links_reach_the_panel() {
        let base = "https://ws.smartbill.ro/SBORO/api";
        assert!(safe_link(
            "https://cloud.smartbill.ro/documente/editare/factura/1/",
            base,
            false
        )
        .is_some());
        for bad in [
            "javascript:alert(1)",
            "http://cloud.smartbill.ro/x",
            "https://evil.example/cloud.smartbill.ro",
            "https://cloud.smartbill.ro.evil.com/",
            "data:text/html,hi",
            "",
        ] {
            assert_eq!(safe_link(bad, base, false), None, "{bad}");
        }
        // The sandbox build: the sandbox's SmartBill only.
        let sandbox = "http://127.0.0.1:4101/SBORO/api";
        assert!(safe_link("http://127.0.0.1:4101/documente/x", sandbox, true).is_some());
        assert!(safe_link("http://127.0.0.1:4101/documente/x", sandbox, false).is_none());
        assert!(safe_link("http://127.0.0.1:9999/x", sandbox, true).is_none());
    }

    fn view_of(status: Status) -> PanelView {
        let mut entry = Entry::new(crate::document::DocumentKind::Offer, 7, 9);
        entry.status = status;
        view(&entry, DocumentType::Invoice, false, |_| None)
    }

    /// A draft is in SmartBill without a number: its badge says so, not "issued"; its
    /// cancellation is a cancellation.
    #[test]
    fn an_issued_draft_s_badge_is_a_draft() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default();
        let issued = |draft: bool| {
            let mut i = crate::emission::journal::Issued::external(
                DocumentType::Invoice,
                ("FCT".into(), if draft { String::new() } else { "0124".into() }),
                String::new(),
                day,
            );
            i.draft = draft;
            i
        };
        let mut entry = Entry::new(crate::document::DocumentKind::Offer, 7, 9);
        entry.status = Status::Issued;
        entry.issued = Some(issued(true));
        let v = view(&entry, DocumentType::Invoice, false, |_| None);
        assert_eq!((v.state, v.badge), (PanelState::Issued, Badge::Draft));
        entry.issued = Some(issued(false));
        assert_eq!(
            view(&entry, DocumentType::Invoice, false, |_| None).badge,
            Badge::Issued
        );
        entry.issued = Some(issued(true));
        entry.status = Status::Cancelled;
        assert_eq!(
            view(&entry, DocumentType::Invoice, false, |_| None).badge,
            Badge::Cancelled
        );
        // The view before an answer, and the view of a stopped command.
        let starting = view_of(Status::NotIssued).starting.expect("a starting view");
        assert_eq!(starting.badge, Badge::Issuing);
        assert_eq!(PanelView::stopped(None).badge, Badge::Error);
    }

    #[test]
    fn the_core_says_what_a_pressed_button_shows_before_it_answers() {
        // "Emite": the panel shows the emission claiming its document, with the one disabled
        // button, and follows the journal from there.
        let v = view_of(Status::NotIssued);
        assert_eq!(v.starts, vec![Action::Emit]);
        let starting = v.starting.as_deref().expect("a starting view");
        assert_eq!(starting.state, PanelState::Issuing);
        assert_eq!(starting.phase, Some(Phase::Claiming));
        assert_eq!(starting.actions, vec![Action::Issuing]);
        assert!(starting.starting.is_none() && starting.starts.is_empty());
        assert_eq!(starting.document_id, 7);
        // Reissue after a cancellation starts one too; an issued document's buttons do not.
        assert_eq!(view_of(Status::Cancelled).starts, vec![Action::Reissue]);
        assert_eq!(view_of(Status::Failed).starts, vec![Action::Retry]);
        assert_eq!(view_of(Status::NeedsConfirmation).starts, vec![Action::Confirm]);
        let issuing = view_of(Status::Issuing);
        assert_eq!(issuing.actions, vec![Action::Issuing]);
        assert!(issuing.starting.is_none());
        let json = serde_json::to_value(view_of(Status::NotIssued)).unwrap_or_default();
        assert_eq!(
            json["starting"]["actions"],
            serde_json::json!(["issuing"]),
            "{json}"
        );
        assert!(json["starting"].get("starting").is_none(), "{json}");
    }

    #[test]
    fn an_error_is_drawn_over_a_settled_document_and_otherwise_with_retry() {
        let card = CardRef {
            origin: "https://r3.minicrm.ro".into(),
            system_id: "1".into(),
            category_id: 2,
            project_id: 9,
        };
        let error = || ErrorView::new(&Error::from(EmissionProblem::Busy), crate::i18n::Lang::En);
        for shown in [
            PanelState::Issued,
            PanelState::Cancelled,
            PanelState::Reversed,
            PanelState::NeedsConfirmation,
        ] {
            let reply = CardReply::error(card.clone(), error(), Some(shown), Some(1_500));
            assert!(reply.panel.is_none(), "{shown:?}: the panel keeps it");
            assert_eq!(reply.refresh_ms, Some(1_500));
        }
        for shown in [
            None,
            Some(PanelState::NotIssued),
            Some(PanelState::Issuing),
            Some(PanelState::Error),
        ] {
            let reply = CardReply::error(card.clone(), error(), shown, None);
            let panel = reply.panel.expect("a view to draw the error over");
            assert_eq!(
                (panel.state, panel.actions),
                (PanelState::Error, vec![Action::Retry]),
                "{shown:?}"
            );
            assert_eq!(panel.starts, vec![Action::Retry]);
            assert!(reply.error.is_some());
        }
    }
}
