//! The one entry point of the core: typed [`Command`]s in, JSON replies out. The background
//! script forwards every message here with its sender; the core decides what each sender may do.
//! The commands run in an [`App`] (`app`); the messages themselves are in `command`.

use serde_json::Value;

use crate::command::{CardAsk, PANEL_PLACE_KEY};
use crate::emission::panel::{CardReply, PanelState};
use crate::emission::poll::PollReport;
use crate::emission::{Emission, Mode};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Text};
use crate::jobs::Priority;
use crate::platform::{apart, Apart};
use crate::reply::{to_json, BrowserView, EffectReply, ReplyText, Saved, SettingsReply};
use crate::settings::{self, Settings};
use crate::sync::{Skipped, StepReport, TickReply};

pub use crate::app::App;
pub use crate::command::{CardAction, Command, PanelPlace, Sender, SenderKind};
pub use crate::error::ErrorView;

/// A command of another of the worker's modules (the first module hands each on to its own:
/// `front::module_for`).
pub(crate) fn elsewhere<'a>(command: &Command) -> Apart<'a, Result<ReplyText>> {
    apart(std::future::ready(Err(Error::BadCommand {
        detail: format!("{} is not run by this module", command.name()),
    })))
}

/// The emission a card action asks for: its mode, or none. A look at a card whose emission a
/// stopped worker left unfinished finishes it.
fn emit_mode(action: CardAction, unfinished: bool) -> Option<Mode> {
    match action {
        CardAction::State if unfinished => Some(Mode::Resume),
        CardAction::Emit => Some(Mode::Button),
        CardAction::Retry => Some(Mode::Retry),
        CardAction::Reissue => Some(Mode::Reissue),
        _ => None,
    }
}

/// How long one alarm tick may work on jobs (Chrome ends an event after 5 minutes).
#[cfg(not(feature = "sw"))]
const TICK_BUDGET_MS: i64 = 4 * 60 * 1000;

impl App<'_> {
    /// Runs a command; the reply is `{"ok": true, …}` or `{"ok": false, "error": {…}}`. For
    /// native callers (the team server, the tests): the worker's modules use
    /// [`App::handle_json`].
    pub async fn handle(&self, command: Value, sender: &Sender) -> Value {
        let text = serde_json::to_vec(&command).unwrap_or_default();
        self.handle_json(&text, sender).await.into_value()
    }

    /// [`App::handle`] for the command's JSON text, read straight into a [`Command`]; the reply's
    /// text is written straight from its Rust type.
    pub async fn handle_json(&self, command: &[u8], sender: &Sender) -> ReplyText {
        let lang = sender.lang();
        let result = match crate::platform::from_json::<Command>(command) {
            Err(e) => Err(Error::BadCommand {
                detail: e.to_string(),
            }),
            Ok(command) => match sender.kind() {
                None => Err(Error::Forbidden {
                    command: command.name().into(),
                }),
                Some(kind) if !command.allowed_from(kind) => Err(Error::Forbidden {
                    command: command.name().into(),
                }),
                Some(kind) => self.run(command, lang, sender, kind).await,
            },
        };
        match result {
            Ok(reply) => reply.ok(),
            Err(e) => ReplyText::failed(&ErrorView::new(&e, lang)),
        }
    }

    async fn run(
        &self,
        command: Command,
        lang: Lang,
        sender: &Sender,
        kind: SenderKind,
    ) -> Result<ReplyText> {
        // Team mode sends the panel's commands and the jobs to the team's server (see `team_mode`).
        #[cfg(not(any(feature = "importjob", feature = "jobs", feature = "sw", feature = "tick")))]
        let team = crate::team_mode::forward::intercept(self, &command, lang, sender, kind).await;
        // The worker's full core and its tick module are built without the forwarding: in team
        // mode the first module sends the panel's commands to the setup module, which has it, and
        // answers the tick itself (both modules still do nothing in team mode).
        #[cfg(any(feature = "sw", feature = "tick"))]
        let team = crate::team_mode::forward::intercept_core(self, &command, lang, sender, kind).await;
        #[cfg(feature = "importjob")]
        let team = crate::team_mode::forward::intercept_import(self).await;
        #[cfg(feature = "jobs")]
        let team = crate::team_mode::forward::intercept_jobs(self, &command, lang, sender).await;
        if let Some(reply) = team {
            return reply;
        }
        self.dispatch(command, lang, sender, kind).await
    }

    /// Each command's work as a function of its own (`platform::apart`): a cold worker compiles
    /// the command it runs, not every command's code.
    #[cfg(not(any(feature = "importjob", feature = "setup", feature = "jobs", feature = "tick")))]
    fn dispatch<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        sender: &'a Sender,
        kind: SenderKind,
    ) -> Apart<'a, Result<ReplyText>> {
        // The work, then its reply as JSON.
        macro_rules! apart_json {
            ($work:expr) => {
                apart(async move { $work.await.map(to_json) })
            };
        }
        match command {
            Command::GetSettings {} => apart_json!(self.get_settings()),
            // The setup module's commands (feature `setup`): in the worker, that module runs them.
            #[cfg(not(setup_elsewhere))]
            setup @ (Command::SaveSettings { .. }
            | Command::TestSmartBill { .. }
            | Command::TestMiniCrm { .. }
            | Command::Checklist { .. }
            | Command::TestServer { .. }
            | Command::Warehouses {}) => self.setup(setup, lang, sender),
            Command::PanelState { url, shown } => apart(async move {
                let target = sender.page(kind, &url);
                self.card(target, CardAsk::state(shown), lang).await.map(to_json)
            }),
            Command::Card {
                url,
                action,
                number,
                shown,
            } => apart(async move {
                let target = sender.page(kind, &url);
                let ask = CardAsk::card(&url, action, number, shown);
                self.card(target, ask, lang).await.map(to_json)
            }),
            Command::OpenOptions {} => apart(std::future::ready(Ok(to_json(EffectReply::OPEN_OPTIONS)))),
            Command::Trap {} => apart(async move {
                if !crate::settings::is_sandbox_build(&self.host_permissions) {
                    return Err(Error::Forbidden {
                        command: "trap".into(),
                    });
                }
                panic!("a trap asked for by a test");
            }),
            Command::PanelPlace { place } => apart(async move {
                place
                    .save(self.store)
                    .await
                    .map_err(|detail| Error::Storage { detail })?;
                Ok(to_json(Saved { saved: true }))
            }),
            // The tick runs in a module of its own in the worker (feature `tick`).
            #[cfg(not(feature = "sw"))]
            Command::Tick { alarm } => self.tick_command(alarm, lang),
            // The jobs' commands (feature `jobs`): in the worker, that module runs them.
            #[cfg(not(jobs_elsewhere))]
            jobs @ (Command::SyncNow { .. } | Command::CancelJob { .. } | Command::JobsStatus {}) => {
                self.jobs_command(jobs, lang)
            }
            // The import job runs in a module of its own in the worker (feature `importjob`).
            #[cfg(not(feature = "sw"))]
            Command::Import { action } => apart(crate::import::handle(self, action, lang)),
            #[allow(unreachable_patterns)]
            other => elsewhere(&other),
        }
    }

    /// The tick module (feature `tick`) runs the background tick only.
    #[cfg(feature = "tick")]
    fn dispatch<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        _sender: &'a Sender,
        _kind: SenderKind,
    ) -> Apart<'a, Result<ReplyText>> {
        match command {
            Command::Tick { alarm } => self.tick_command(alarm, lang),
            other => elsewhere(&other),
        }
    }

    /// The `tick` command: [`App::tick`], which polls for triggers unless the alarm is a
    /// "continue" one.
    #[cfg(not(feature = "sw"))]
    fn tick_command(&self, alarm: Option<String>, lang: Lang) -> Apart<'_, Result<ReplyText>> {
        let polls = alarm.as_deref() != Some(crate::schedule::CONTINUE);
        apart(async move { self.tick(lang, TICK_BUDGET_MS, polls).await.map(to_json) })
    }

    /// The setup module (feature `setup`) runs the options page's setup commands only.
    #[cfg(feature = "setup")]
    fn dispatch<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        sender: &'a Sender,
        _kind: SenderKind,
    ) -> Apart<'a, Result<ReplyText>> {
        self.setup(command, lang, sender)
    }

    /// The jobs' module (feature `jobs`) runs the jobs' commands, and the jobs' step when the
    /// tick module's tick says they are due (`TickReply::jobs_due`; `background.js` sends it a
    /// `tick`).
    #[cfg(feature = "jobs")]
    fn dispatch<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        _sender: &'a Sender,
        _kind: SenderKind,
    ) -> Apart<'a, Result<ReplyText>> {
        self.jobs_command(command, lang)
    }

    /// The jobs' commands (`sync::commands`), and the jobs' module's `tick`: their step alone.
    #[cfg(not(jobs_elsewhere))]
    fn jobs_command(&self, command: Command, lang: Lang) -> Apart<'_, Result<ReplyText>> {
        match command {
            Command::Tick { .. } => {
                apart(async move { self.jobs_step(lang, TICK_BUDGET_MS).await.map(to_json) })
            }
            Command::SyncNow { kind } => apart(async move { self.sync_now(kind, lang).await.map(to_json) }),
            Command::CancelJob { kind } => apart(async move { self.cancel_job(kind).await.map(to_json) }),
            Command::JobsStatus {} => apart(async move { self.jobs_status().await.map(to_json) }),
            other => elsewhere(&other),
        }
    }

    /// The import job's module (feature `importjob`) runs the import page's commands only.
    #[cfg(feature = "importjob")]
    fn dispatch<'a>(
        &'a self,
        command: Command,
        lang: Lang,
        _sender: &'a Sender,
        _kind: SenderKind,
    ) -> Apart<'a, Result<ReplyText>> {
        match command {
            Command::Import { action } => apart(crate::import::handle(self, action, lang)),
            other => elsewhere(&other),
        }
    }

    /// `getSettings`: also answered by the worker's first module (`front`).
    pub(crate) async fn get_settings(&self) -> Result<SettingsReply> {
        let (s, browser) =
            crate::platform::join(settings::load(self.store), crate::team::browser_id(self.store)).await;
        let s = s?;
        // The SmartBill API address is editable only in builds that may reach more than
        // the real services (the sandbox build, for the demo and the tests).
        let production = settings::production_host_permissions();
        let editable = self
            .host_permissions
            .iter()
            .any(|p| !production.contains(&p.as_str()));
        Ok(SettingsReply {
            settings: s.view(&self.host_permissions),
            browser: BrowserView {
                label: crate::team::label(&s, &browser),
                id: browser,
            },
            api_base_editable: editable,
            default_units: crate::reply::unit_groups(&crate::invoice::default_units()),
        })
    }

    /// Whether a card page belongs to the configured account and module; the hint otherwise.
    async fn card(&self, url: &str, ask: CardAsk<'_>, lang: Lang) -> Result<CardReply> {
        let Some(card) = crate::card::parse_card_url(url) else {
            return Ok(CardReply::hidden());
        };
        let reply = self.card_reply(card, ask, lang).await?;
        Ok(self.placed(reply).await)
    }

    /// A reply that shows the panel, with where the person put it (one place for every card).
    pub(crate) async fn placed(&self, mut reply: CardReply) -> CardReply {
        if reply.show {
            reply.place = crate::platform::load::<PanelPlace>(self.store, PANEL_PLACE_KEY)
                .await
                .ok()
                .flatten();
        }
        reply
    }

    async fn card_reply(
        &self,
        card: crate::card::CardRef,
        ask: CardAsk<'_>,
        lang: Lang,
    ) -> Result<CardReply> {
        if let Some(refused) = ask.page_moved(&card, lang) {
            return Ok(refused);
        }
        let settings = match card_gate(&card, self.settings().await?, &self.host_permissions, lang) {
            CardGate::Answer(reply) => return Ok(reply),
            CardGate::Go(settings) => settings,
        };
        let emission = Emission::new(self, settings, lang, Priority::Interactive);
        match self.card_action(&emission, &card, ask.action, ask.number).await {
            Ok(v) => Ok(v),
            // The panel shows the error in place, with the card's context.
            Err(e) => Ok(card_error(&emission, &card, (ask.action, ask.shown), &e, lang).await),
        }
    }

    /// Does what the panel asked on its card, and the panel's view of the card after it.
    async fn card_action(
        &self,
        emission: &Emission<'_>,
        card: &crate::card::CardRef,
        action: CardAction,
        number: Option<String>,
    ) -> Result<CardReply> {
        let kind = emission.kind();
        let entry = emission.entry_for_card(card).await?;
        let (doc_id, project_id) = (entry.doc_id, card.project_id);
        // One call each for the emissions and for the changes, whatever the mode: each `.await`
        // of its own would hold the whole workflow's states again in this function's code.
        let entry = if let Some(mode) = emit_mode(action, emission.is_unfinished(&entry)) {
            emission.emit(kind, doc_id, project_id, mode).await?
        } else {
            match action {
                // A look at a card with nothing unfinished (the emissions are above).
                CardAction::State | CardAction::Emit | CardAction::Retry | CardAction::Reissue => entry,
                CardAction::Cancel | CardAction::Reverse => {
                    let reverse = action == CardAction::Reverse;
                    emission.change(kind, doc_id, reverse, number.as_deref()).await?
                }
                CardAction::Confirm => emission.confirm(kind, doc_id, project_id, number).await?,
                CardAction::Changed => {
                    // Nothing triggered: the panel keeps what the card itself says (a colleague's
                    // claim or number), which the journal alone does not know.
                    let changed = emission.status_changed(project_id).await?;
                    let untouched = changed.status == crate::emission::journal::Status::NotIssued
                        && changed.error.is_none();
                    if untouched {
                        entry
                    } else {
                        changed
                    }
                }
                CardAction::CancelDuplicate => emission.resolve_duplicate(kind, doc_id, number).await?,
                CardAction::Pdf => return emission.pdf(&entry).await,
            }
        };
        let mut reply = emission.panel(&entry);
        if matches!(
            action,
            CardAction::Emit | CardAction::Retry | CardAction::Reissue | CardAction::Confirm
        ) && emission.settings.stock.enabled
        {
            // The invoice may have discharged stock: tick soon so MiniCRM follows.
            reply.alarms = Some(crate::schedule::alarms(
                &emission.settings,
                &self.host_permissions,
                true,
            ));
        }
        Ok(reply)
    }

    /// The tick with a caller's budget (the team server works in short slices, so that one
    /// event never runs for minutes): the same reply as `{"cmd": "tick"}`, not wrapped.
    pub async fn tick_for(&self, lang: Lang, budget_ms: i64) -> Result<Value> {
        self.tick(lang, budget_ms, true)
            .await
            .map(|r| to_json(r).into_value())
    }

    /// The background tick: unfinished emissions, automatic emission (`polls`: not on a
    /// "continue" alarm), then the jobs (payment refresh, stock sync) for at most `budget_ms` (an
    /// alarm event must end within minutes). In the worker the jobs run in a module of their own:
    /// the tick says when they are due.
    async fn tick(&self, lang: Lang, budget_ms: i64, polls: bool) -> Result<TickReply> {
        let settings = self.settings().await?;
        // An unfinished company import goes on in this worker after the reply.
        let import_pending = crate::import::job::pending(self).await;
        // Whether it may run now: the worker then runs it (in the import job's module).
        let import_due = crate::import::wake_wanted().then_some(true);
        if !settings.configured(&self.host_permissions) {
            let alarms = crate::schedule::alarms(&settings, &self.host_permissions, import_pending);
            let mut reply = TickReply::skipped(alarms, Skipped::NotConfigured);
            reply.import_due = import_due;
            return Ok(reply);
        }
        let emission = Emission::new(self, settings.clone(), lang, Priority::Background);
        let mut report = PollReport::default();
        emission.resume(&mut report).await?;
        if polls && report.paused_until_ms.is_none() {
            if let Err(e) = emission.poll(&mut report).await {
                // In the activity log, not only in this reply.
                report.errors.push(e.message(lang));
            }
        }
        crate::sync::record_emission_pass(self.store, self.clock.now_ms(), &report).await;
        let (jobs, jobs_due) = self.tick_jobs(&settings, lang, budget_ms).await?;
        // An outcome being waited for (a lost answer) is judged on a sooner tick.
        let settling = crate::emission::journal::open_entries(self.store)
            .await?
            .iter()
            .any(|e| e.status == crate::emission::Status::Issuing);
        let again = jobs.as_ref().is_some_and(|j| j.more) || import_pending || settling;
        let alarms = crate::schedule::alarms(&settings, &self.host_permissions, again);
        // `again`: tick again soon (a job's run goes on, or an outcome is being judged).
        Ok(TickReply {
            alarms,
            skipped: None,
            poll: Some(report),
            jobs,
            again: Some(again),
            import_due,
            jobs_due,
        })
    }

    /// The reply [`App::tick`] gives in the worker's full core (the jobs elsewhere) when it has
    /// nothing to do there: no import under way, and when configured, automatic emission off, no
    /// entry in the journal's open list and no job due. `None` otherwise, or when the stored state
    /// cannot be read: the full core's tick then works, or says why. The worker's first module
    /// answers such a tick (`front`), so an alarm with nothing to do, or the browser's start on a
    /// new install, does not start the full core. Keep it in step with [`App::tick`] (and
    /// `tests/front.rs`, which compares the two replies).
    pub(crate) async fn quiet_tick(&self, settings: &Settings) -> Option<TickReply> {
        // What the settings alone tell comes first: automatic emission's ticks, handed on, read
        // nothing more here.
        let configured = settings.configured(&self.host_permissions);
        let integration = &settings.integration;
        if configured && integration.auto && !integration.triggers.is_empty() {
            // Automatic emission's pass polls MiniCRM.
            return None;
        }
        // An unfinished import: the full core's tick says whether it may go on now.
        if crate::import::job::under_way(self.store).await {
            return None;
        }
        let alarms = crate::schedule::alarms(settings, &self.host_permissions, false);
        if !configured {
            return Some(TickReply::skipped(alarms, Skipped::NotConfigured));
        }
        // An emission to resume, or an outcome to judge.
        if !crate::emission::journal::none_open(self.store).await {
            return None;
        }
        if crate::sync::jobs_due(self, settings).await.ok()? {
            return None;
        }
        Some(TickReply {
            alarms,
            skipped: None,
            poll: Some(PollReport::default()),
            jobs: None,
            again: Some(false),
            import_due: None,
            jobs_due: None,
        })
    }

    /// The tick's work on the jobs, here (natively: the team server, the tests).
    #[cfg(not(jobs_elsewhere))]
    async fn tick_jobs(
        &self,
        settings: &Settings,
        lang: Lang,
        budget_ms: i64,
    ) -> Result<(Option<StepReport>, Option<bool>)> {
        let runner = crate::sync::Runner {
            app: self,
            settings: settings.clone(),
            lang,
            deadline_ms: self.clock.now_ms() + budget_ms,
        };
        Ok((Some(runner.step().await?), None))
    }

    /// The tick's word on the jobs in the worker's full core: whether they are due. The worker
    /// then runs their step in the jobs' module ([`App::jobs_step`]), whose reply adds the
    /// "continue" alarm while a run goes on.
    #[cfg(jobs_elsewhere)]
    async fn tick_jobs(
        &self,
        settings: &Settings,
        _lang: Lang,
        _budget_ms: i64,
    ) -> Result<(Option<StepReport>, Option<bool>)> {
        let due = crate::sync::jobs_due(self, settings).await?;
        Ok((None, due.then_some(true)))
    }
}

/// What the stored settings alone say of a card, before any call to the vendors.
pub(crate) enum CardGate {
    /// The reply: the settings are incomplete (the panel's hint), or the card belongs to another
    /// account or module (no panel).
    Answer(CardReply),
    /// A card of the configured account and module: the panel's work goes on with these settings.
    Go(Settings),
}

/// See [`CardGate`].
pub(crate) fn card_gate(
    card: &crate::card::CardRef,
    settings: Settings,
    host_permissions: &[String],
    lang: Lang,
) -> CardGate {
    if !settings.configured(host_permissions) {
        let hint = lang.text(Text::CardNotConfigured);
        return CardGate::Answer(CardReply {
            show: true,
            configured: Some(false),
            card: Some(card.clone()),
            hint: Some(hint.to_string()),
            ..CardReply::default()
        });
    }
    let same_account = crate::url::origin(&settings.minicrm.url) == Some(card.origin.clone())
        && settings.minicrm.system_id == card.system_id;
    if !same_account || settings.minicrm.category_id != Some(card.category_id) {
        return CardGate::Answer(CardReply::hidden());
    }
    CardGate::Go(settings)
}

/// The panel's reply for an action that failed: the error in place, with the card's context. A
/// click that cannot reach a document says why on the card too; something in progress is asked
/// again soon.
async fn card_error(
    emission: &Emission<'_>,
    card: &crate::card::CardRef,
    (action, shown): (CardAction, Option<PanelState>),
    e: &Error,
    lang: Lang,
) -> CardReply {
    // A click that cannot reach a document: the card says why too.
    let unreachable_document = matches!(
        e,
        Error::Emission { problem } if matches!(
            **problem,
            crate::error::EmissionProblem::DocumentNotListed { .. }
                | crate::error::EmissionProblem::SeveralDocuments { .. }
                | crate::error::EmissionProblem::WrongCard { .. }
        )
    );
    if unreachable_document && matches!(action, CardAction::Emit | CardAction::Retry | CardAction::Reissue) {
        let message = Emission::card_message(e);
        let _ = emission.report_on_card(card.project_id, &message).await;
    }
    // The person confirmed for a document the card no longer has: the panel showed a stale one,
    // so the reply shows the current one, under the error.
    let stale = matches!(
        e,
        Error::Emission { problem }
            if matches!(**problem, crate::error::EmissionProblem::DocumentChanged { .. })
    );
    if stale {
        if let Ok(entry) = emission.entry_for_card(card).await {
            return CardReply {
                error: Some(ErrorView::new(e, lang)),
                ..emission.panel(&entry)
            };
        }
    }
    // Something in progress (the card index being built) is asked again soon.
    let refresh = match e {
        Error::Emission { problem } => match **problem {
            crate::error::EmissionProblem::Indexing { .. } => Some(300),
            // A colleague is issuing it: follow until the number shows.
            crate::error::EmissionProblem::ClaimedByOther { .. }
            | crate::error::EmissionProblem::ClaimLost
            | crate::error::EmissionProblem::Busy => Some(1_500),
            _ => None,
        },
        _ => None,
    };
    CardReply::error(card.clone(), ErrorView::new(e, lang), shown, refresh)
}

/// The pages' TypeScript types (`types/core.d.ts`) are generated from the replies' Rust types;
/// the pages' JavaScript is checked against them (`tsc`, `tsconfig.json`).
#[cfg(test)]
mod typescript {
    use ts_rs::{Config, TS};

    use crate::emission::panel::{Action, Badge, CardReply, PanelState, PanelView, PaymentView};
    use crate::{checklist, reply, settings, sync, team_mode};

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/types/core.d.ts");

    fn declarations() -> String {
        // serde_json writes every integer as a JSON number.
        let cfg = Config::new().with_large_int("number");
        let decls = [
            CardReply::decl(&cfg),
            PanelView::decl(&cfg),
            PanelState::decl(&cfg),
            Badge::decl(&cfg),
            Action::decl(&cfg),
            PaymentView::decl(&cfg),
            crate::fields::PaymentState::decl(&cfg),
            crate::emission::journal::Phase::decl(&cfg),
            crate::emission::journal::StoredError::decl(&cfg),
            crate::error::ErrorView::decl(&cfg),
            crate::error::Field::decl(&cfg),
            crate::card::CardRef::decl(&cfg),
            crate::command::PanelPlace::decl(&cfg),
            crate::schedule::Alarm::decl(&cfg),
            crate::settings::DocumentType::decl(&cfg),
            // The options page and the popup.
            reply::SettingsReply::decl(&cfg),
            reply::BrowserView::decl(&cfg),
            settings::SettingsView::decl(&cfg),
            settings::SmartBillView::decl(&cfg),
            settings::MiniCrmView::decl(&cfg),
            settings::Module::decl(&cfg),
            settings::DocumentSettings::decl(&cfg),
            settings::IntegrationSettings::decl(&cfg),
            crate::fields::FieldMap::decl(&cfg),
            crate::fields::Role::decl(&cfg),
            settings::StatusRef::decl(&cfg),
            settings::StockSettings::decl(&cfg),
            settings::AdvancedSettings::decl(&cfg),
            settings::TeamSettings::decl(&cfg),
            settings::OtherRunner::decl(&cfg),
            settings::server::ServerView::decl(&cfg),
            reply::SavedSettings::decl(&cfg),
            reply::SmartBillTest::decl(&cfg),
            crate::smartbill::Series::decl(&cfg),
            crate::smartbill::SeriesType::decl(&cfg),
            crate::smartbill::Tax::decl(&cfg),
            reply::MiniCrmTest::decl(&cfg),
            crate::minicrm::Category::decl(&cfg),
            reply::Warehouses::decl(&cfg),
            reply::Saved::decl(&cfg),
            reply::EffectReply::decl(&cfg),
            reply::Effect::decl(&cfg),
            checklist::ChecklistReply::decl(&cfg),
            checklist::Line::decl(&cfg),
            checklist::SchemaInfo::decl(&cfg),
            checklist::RoleCandidates::decl(&cfg),
            checklist::FieldInfo::decl(&cfg),
            checklist::Candidate::decl(&cfg),
            team_mode::server_test::ServerTest::decl(&cfg),
            team_mode::server_test::HealthLine::decl(&cfg),
            team_mode::server_test::WebhookView::decl(&cfg),
            // The jobs (popup, options page) and the background's tick.
            sync::JobsStatus::decl(&cfg),
            sync::Jobs::decl(&cfg),
            sync::JobView::decl(&cfg),
            sync::Run::decl(&cfg),
            sync::RunStatus::decl(&cfg),
            sync::Counts::decl(&cfg),
            sync::Note::decl(&cfg),
            crate::jobs::JobKind::decl(&cfg),
            sync::TickReply::decl(&cfg),
            sync::JobsReply::decl(&cfg),
            sync::Skipped::decl(&cfg),
            sync::StepReport::decl(&cfg),
            crate::emission::poll::PollReport::decl(&cfg),
            reply::UnitGroup::decl(&cfg),
            // What the background passes with every command (background.js).
            crate::command::Sender::decl(&cfg),
        ];
        let mut out = String::from(
            "// Generated from the core's Rust types by `cargo test` (src/api.rs, `typescript`): do not edit.\n\
             // After changing a reply's type: UPDATE_TYPES=1 cargo test --lib typescript\n",
        );
        for decl in decls.into_iter().chain(crate::import::view::typescript(&cfg)) {
            out.push_str("\nexport ");
            out.push_str(&decl);
            out.push('\n');
        }
        out
    }

    /// The names of a declaration's own fields (`type X = { a: …, b?: … }`), not those of the
    /// types inside it.
    fn own_fields(decl: &str) -> Vec<String> {
        let (mut depth, mut word, mut fields) = (0, String::new(), Vec::new());
        for c in decl.chars() {
            match c {
                '{' | '[' | '(' | '<' => depth += 1,
                '}' | ']' | ')' | '>' => depth -= 1,
                ':' | '?' if depth == 1 && !word.is_empty() => fields.push(std::mem::take(&mut word)),
                c if depth == 1 && (c.is_alphanumeric() || c == '_' || c == '"') => word.push(c),
                _ => word.clear(),
            }
        }
        fields
    }

    /// The envelope adds `ok` beside a reply's fields (`ReplyText::ok`): no reply the dispatcher
    /// gives may have a field of that name.
    #[test]
    fn no_reply_has_a_field_named_ok() {
        // The replies the dispatcher gives, by their names in `types/core.d.ts` (the import's
        // reply is one of its last two: `ImportReply`, untagged).
        const REPLIES: [&str; 15] = [
            "SettingsReply",
            "CardReply",
            "EffectReply",
            "Saved",
            "SavedSettings",
            "SmartBillTest",
            "MiniCrmTest",
            "Warehouses",
            "ChecklistReply",
            "ServerTest",
            "TickReply",
            "JobsReply",
            "JobsStatus",
            "ImportStatus",
            "ImportReport",
        ];
        let all = declarations();
        let replies = REPLIES.map(|name| {
            let head = format!("type {name} = ");
            all.split("\nexport ")
                .find(|decl| decl.starts_with(&head))
                .unwrap_or_else(|| panic!("{name} is not declared"))
                .to_string()
        });
        for decl in replies {
            let fields = own_fields(&decl);
            assert!(!fields.is_empty(), "no fields read in {decl}");
            assert!(!fields.iter().any(|f| f == "ok" || f == "\"ok\""), "{decl}");
        }
        // The reader itself: a field of a field is not the reply's own.
        assert_eq!(
            own_fields("type L = { ok: boolean, text: string, }"),
            ["ok", "text"]
        );
        assert_eq!(
            own_fields("type R = { lines: Array<{ ok: boolean }>, all: boolean, }"),
            ["lines", "all"]
        );
    }

    #[test]
    fn the_pages_types_are_the_replies_types() {
        let want = declarations();
        if std::env::var_os("UPDATE_TYPES").is_some() {
            std::fs::write(PATH, &want).expect("types/core.d.ts is writable");
        }
        let have = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            have == want,
            "types/core.d.ts is not what the Rust types generate: UPDATE_TYPES=1 cargo test --lib typescript"
        );
    }
}
