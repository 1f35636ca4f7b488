//! The worker's first module: the messages a stopped worker is woken for most often, answered
//! without the rest of the core.
//!
//! MV3 stops an idle service worker after 30 seconds, so the next message starts it cold: the
//! browser reads and validates the whole WebAssembly module before the first reply, about 20 ms
//! per MB. Most of those messages need neither the vendors nor the emission's code: the content
//! script's `panelState` on every MiniCRM page (most pages are not a card of the configured
//! module), what the options page and the popup ask when they open, `getSettings` and
//! `jobsStatus` (read from storage), the panel's own `panelPlace` (a drag or a fold) and
//! `openOptions` (its link on an unconfigured card), and a `tick` with nothing to do (an alarm
//! while automatic emission is off, nothing is open and no job is due; team mode; the browser's
//! start on a new install). This module answers them, built alone as `pkg/front_bg.wasm`
//! (feature `front`); `background.js` starts the full core (`pkg/core_bg.wasm`) only for a
//! message this one hands on.
//!
//! Every answer here is the full core's answer to the same message from the same state, by the
//! same functions (`App::get_settings`, `api::card_gate`, `App::placed`, `App::quiet_tick`);
//! `tests/front.rs` checks that for each case. Anything else (a card of the configured account,
//! a card's panel in team mode, a tick with work, a sender that may not ask, any error) is handed
//! on: `None`, and the core answers it, error texts included.

use minicrm_smartbill_macros::LeanDeserialize;

use crate::api::{card_gate, CardGate};
use crate::app::App;
use crate::command::{PanelPlace, Sender, SenderKind};
use crate::emission::panel::{CardReply, PanelState};
use crate::reply::{to_json, EffectReply, ReplyText, Saved};

/// The command a message names; `None` unless it names one as text.
#[derive(LeanDeserialize)]
struct Named {
    cmd: String,
}

/// `panelState`'s fields (`command::Command::PanelState`).
#[derive(LeanDeserialize)]
struct PanelStateAsk {
    #[serde(default)]
    url: String,
    // Read as the core reads it, so that a message the core refuses is handed on, not answered.
    #[serde(default)]
    #[allow(dead_code)]
    shown: Option<PanelState>,
}

/// `tick`'s field (`command::Command::Tick`): which alarm fired. A tick with nothing to do does
/// the same whichever it was.
#[derive(LeanDeserialize)]
struct TickAsk {
    #[serde(default)]
    #[allow(dead_code)]
    alarm: Option<String>,
}

/// `panelPlace`'s field (`command::Command::PanelPlace`).
#[derive(LeanDeserialize)]
struct PlaceAsk {
    place: PanelPlace,
}

/// The worker's module that runs a command this module hands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    /// `pkg/core_bg.wasm`: the cards and their emissions.
    Core,
    /// `pkg/importjob_bg.wasm`: the import page's commands (the company import's background half).
    ImportJob,
    /// `pkg/setup_bg.wasm`: the options page's commands that reach the vendors or change the
    /// settings (`api`'s `setup`), and in team mode a card's panel ([`route`]).
    Setup,
    /// `pkg/jobs_bg.wasm`: the jobs' commands (the payment refresh and the stock sync), and their
    /// step when the core's tick says they are due.
    Jobs,
    /// `pkg/tick_bg.wasm`: the background tick this module does not answer (one with work to
    /// do: unfinished emissions, automatic emission's pass, what is due next).
    Tick,
}

impl Module {
    /// The name `background.js` knows the module by.
    pub fn name(self) -> &'static str {
        match self {
            Module::Core => "core",
            Module::ImportJob => "importJob",
            Module::Setup => "setup",
            Module::Jobs => "jobs",
            Module::Tick => "tick",
        }
    }
}

/// Which module runs `command` when this one does not answer it. Anything unreadable goes to the
/// full core, whose error a person can read.
pub fn module_for(command: &[u8]) -> Module {
    let Ok(named) = crate::platform::from_json::<Named>(command) else {
        return Module::Core;
    };
    match named.cmd.as_str() {
        "import" => Module::ImportJob,
        "saveSettings" | "testSmartBill" | "testMiniCrm" | "checklist" | "testServer" | "warehouses" => {
            Module::Setup
        }
        "syncNow" | "cancelJob" | "jobsStatus" => Module::Jobs,
        "tick" => Module::Tick,
        _ => Module::Core,
    }
}

/// [`module_for`], with the stored settings' word on team mode: in team mode a card's panel goes
/// to the setup module, which carries team mode's forwarding (the full core is built without it,
/// `team_mode::forward::intercept_core`). Settings that cannot be read: the full
/// core, whose error a person can read.
pub async fn route(app: &App<'_>, command: &[u8]) -> Module {
    let module = module_for(command);
    let takes = |named: Named| crate::team_mode::forward::takes_from_core(&named.cmd);
    if module != Module::Core || !crate::platform::from_json::<Named>(command).is_ok_and(takes) {
        return module;
    }
    match crate::settings::load(app.store).await {
        Ok(settings) if settings.server.enabled() => Module::Setup,
        _ => Module::Core,
    }
}

/// The reply to `command` when this module can give it; `None`: the full core must answer.
/// The senders each command is for are the core's (`Command::allowed_from`): an extension page
/// for the settings and the jobs, any of the extension's senders for the panel.
/// `command` is the message's JSON text, read straight into the little this module needs.
pub async fn answer(app: &App<'_>, command: &[u8], sender: &Sender) -> Option<ReplyText> {
    let kind = sender.kind()?;
    let named: Named = crate::platform::from_json(command).ok()?;
    match named.cmd.as_str() {
        "getSettings" if kind == SenderKind::ExtensionPage => {
            let reply = app.get_settings().await.ok()?;
            Some(to_json(reply).ok())
        }
        "jobsStatus" if kind == SenderKind::ExtensionPage => {
            // As the core: the settings first (team mode asks the server; they also set the rate
            // the ETA is computed with).
            let settings = app.settings().await.ok()?;
            if settings.server.enabled() {
                return None;
            }
            let status = crate::sync::status(app, &settings).await.ok()?;
            Some(to_json(status).ok())
        }
        "panelState" => {
            let ask: PanelStateAsk = crate::platform::from_json(command).ok()?;
            panel_state(app, ask, sender, kind).await.map(|r| to_json(r).ok())
        }
        // A tick with nothing to do (most alarms while automatic emission is off; the browser's
        // start on a new install), or in team mode, where it does nothing.
        "tick" if kind == SenderKind::ExtensionPage => crate::platform::apart(tick(app, command)).await,
        // The panel's own two, which need nothing else (not even team mode's word): where the
        // person put it, and its link to the options page.
        "panelPlace" => crate::platform::apart(place(app, command)).await,
        "openOptions" => Some(to_json(EffectReply::OPEN_OPTIONS).ok()),
        _ => None,
    }
}

/// `panelPlace`: the place saved as the core saves it; `None` when the message lacks a readable
/// place or storage fails (the core's error says which).
async fn place(app: &App<'_>, command: &[u8]) -> Option<ReplyText> {
    let ask: PlaceAsk = crate::platform::from_json(command).ok()?;
    ask.place.save(app.store).await.ok()?;
    Some(to_json(Saved { saved: true }).ok())
}

/// `tick` as the tick module answers it when it has nothing to do there (`App::quiet_tick`), and in
/// team mode (the core's `team_mode::forward::intercept_core`); `None` otherwise.
async fn tick(app: &App<'_>, command: &[u8]) -> Option<ReplyText> {
    // Read as the core reads it, so that a message the core refuses is handed on.
    let _: TickAsk = crate::platform::from_json(command).ok()?;
    let settings = crate::settings::load(app.store).await.ok()?;
    if settings.server.enabled() {
        return Some(crate::team_mode::forward::team_tick().ok());
    }
    app.quiet_tick(&settings).await.map(|reply| to_json(reply).ok())
}

/// `panelState` when the page is not a card, the settings are incomplete, or the card belongs to
/// another account or module; `None` otherwise.
async fn panel_state(
    app: &App<'_>,
    ask: PanelStateAsk,
    sender: &Sender,
    kind: SenderKind,
) -> Option<CardReply> {
    let Some(card) = crate::card::parse_card_url(sender.page(kind, &ask.url)) else {
        return Some(CardReply::hidden());
    };
    // As the core: team mode is decided from the settings; an unreadable store is the core's
    // error to tell.
    let settings = crate::settings::load(app.store).await.ok()?;
    // Team mode asks the team's server about a card.
    if settings.server.enabled() {
        return None;
    }
    match card_gate(&card, settings, &app.host_permissions, sender.lang()) {
        CardGate::Answer(reply) => Some(app.placed(reply).await),
        CardGate::Go(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_page_s_commands_go_to_the_import_job_s_module_and_the_rest_to_the_core() {
        let import = br#"{"cmd":"import","action":{"do":"status"}}"#;
        assert_eq!(module_for(import), Module::ImportJob);
        assert_eq!(module_for(import).name(), "importJob");
        for setup in [
            &br#"{"cmd":"saveSettings","settings":{}}"#[..],
            br#"{"cmd":"testSmartBill","settings":{}}"#,
            br#"{"cmd":"testMiniCrm","settings":{}}"#,
            br#"{"cmd":"checklist"}"#,
            br#"{"cmd":"testServer","settings":{}}"#,
            br#"{"cmd":"warehouses"}"#,
        ] {
            assert_eq!(
                module_for(setup),
                Module::Setup,
                "{}",
                String::from_utf8_lossy(setup)
            );
        }
        assert_eq!(Module::Setup.name(), "setup");
        for jobs in [
            &br#"{"cmd":"syncNow"}"#[..],
            br#"{"cmd":"syncNow","kind":"stock"}"#,
            br#"{"cmd":"cancelJob","kind":"payments"}"#,
            br#"{"cmd":"jobsStatus"}"#,
        ] {
            assert_eq!(
                module_for(jobs),
                Module::Jobs,
                "{}",
                String::from_utf8_lossy(jobs)
            );
        }
        assert_eq!(Module::Jobs.name(), "jobs");
        for tick in [&br#"{"cmd":"tick"}"#[..], br#"{"alarm":"continue","cmd":"tick"}"#] {
            assert_eq!(module_for(tick), Module::Tick);
        }
        assert_eq!(Module::Tick.name(), "tick");
        for other in [
            &br#"{"cmd":"card","url":"x","action":"emit"}"#[..],
            br#"{"cmd":"imports"}"#,
            br#"{"cmd":7}"#,
            b"not json",
        ] {
            assert_eq!(
                module_for(other),
                Module::Core,
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
