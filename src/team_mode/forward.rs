//! Which commands team mode takes over, and how: the panel's commands and the jobs go to the
//! server (after the core's own checks), the vendor-side ones are refused in words, the tick
//! does nothing, and saving drops the vendor secrets. Called from `api::App::run` before the
//! commands run locally; `None` means "not team mode's business: run it here".

use serde_json::{json, Value};

use super::client::Server;
use crate::app::App;
use crate::command::{CardAction, CardAsk, Command, PanelPlace, Sender, SenderKind, PANEL_PLACE_KEY};
use crate::emission::panel::CardReply;
use crate::error::team::TeamProblem;
use crate::error::{Error, ErrorView, Result};
use crate::i18n::Lang;
#[cfg(not(setup_elsewhere))]
use crate::i18n::Text;
use crate::reply::ReplyText;
#[cfg(not(setup_elsewhere))]
use crate::reply::SavedSettings;
use crate::settings;
use crate::settings::server::ServerSettings;
#[cfg(not(setup_elsewhere))]
use crate::settings::Settings;

/// This extension's origin, as the server's `ALLOWED_ORIGINS` must name it.
pub fn extension_origin(sender: &Sender) -> String {
    let base = if sender.extension_url.is_empty() {
        format!("chrome-extension://{}/", sender.extension_id)
    } else {
        sender.extension_url.clone()
    };
    base.trim_end_matches('/').to_string()
}

pub(super) fn server<'a>(
    app: &'a App<'a>,
    settings: &'a ServerSettings,
    sender: &Sender,
    lang: Lang,
) -> Server<'a> {
    Server {
        transport: app.transport,
        settings,
        lang,
        origin: extension_origin(sender),
    }
}

/// [`intercept`] for the import job's module, which runs the import page's commands only: in
/// team mode the import is refused (the server does not run it), without the rest of team mode's
/// forwarding in that module.
pub async fn intercept_import(app: &App<'_>) -> Option<Result<ReplyText>> {
    match settings::load(app.store).await {
        Err(e) => Some(Err(e)),
        Ok(stored) if stored.server.enabled() => Some(Err(Error::from(TeamProblem::ImportUnavailable))),
        Ok(_) => None,
    }
}

/// The commands team mode takes from the worker's full core: a card's panel. The first module
/// sends them to the setup module instead when team mode is on (`front::route`), the full core
/// being built without the forwarding. (The tick stays with the first module and the tick
/// module: team mode's answer to it is their own, [`team_tick`], and the first module need not
/// read the settings to route it.)
pub fn takes_from_core(cmd: &str) -> bool {
    matches!(cmd, "panelState" | "card")
}

/// The tick in team mode: the server's cron triggers run automatic emission and the jobs; no
/// alarm is kept here.
pub(crate) fn team_tick() -> ReplyText {
    crate::reply::to_json(crate::sync::TickReply::skipped(
        Vec::new(),
        crate::sync::Skipped::TeamMode,
    ))
}

/// [`intercept`] for the worker's full core and its tick module, built without team mode's
/// forwarding: the tick in team mode does nothing, as everywhere ([`team_tick`]); a card's panel command that reaches
/// the core all the same (the setup module runs those in team mode, `front::route`), team mode
/// having been turned on since the first module looked, does nothing and says so, and the panel
/// asks again (and is then sent to the setup module).
pub async fn intercept_core(
    app: &App<'_>,
    command: &Command,
    lang: Lang,
    sender: &Sender,
    kind: SenderKind,
) -> Option<Result<ReplyText>> {
    let (url, shown) = match command {
        Command::PanelState { url, shown } | Command::Card { url, shown, .. } => (Some(url), *shown),
        Command::Tick { .. } => (None, None),
        _ => return None,
    };
    // A page that is not a card has no panel, in team mode too (the dispatcher answers it).
    let card = match url {
        Some(url) => Some(crate::card::parse_card_url(sender.page(kind, url))?),
        None => None,
    };
    match settings::load(app.store).await {
        Err(e) => Some(Err(e)),
        Ok(stored) if stored.server.enabled() => {
            let Some(card) = card else {
                return Some(Ok(team_tick()));
            };
            let problem = TeamProblem::Switched;
            let refresh = problem.refresh_ms();
            let e = Error::from(problem);
            Some(Ok(crate::reply::to_json(CardReply {
                team_mode: Some(true),
                ..CardReply::error(card, ErrorView::new(&e, lang), shown, refresh)
            })))
        }
        Ok(_) => None,
    }
}

/// Team mode's answer to `command`, or `None` when it runs locally as always.
pub async fn intercept(
    app: &App<'_>,
    command: &Command,
    lang: Lang,
    sender: &Sender,
    kind: SenderKind,
) -> Option<Result<ReplyText>> {
    // Commands team mode never changes do not pay for reading the settings.
    if matches!(
        command,
        Command::GetSettings {}
            | Command::OpenOptions {}
            | Command::PanelPlace { .. }
            | Command::TestServer { .. }
    ) {
        return None;
    }
    // A page that is not a card has no panel, in team mode too: nothing to read or ask (the
    // dispatcher answers it).
    if let Command::PanelState { url, .. } = command {
        crate::card::parse_card_url(sender.page(kind, url))?;
    }
    let stored = match settings::load(app.store).await {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    // Saving runs in the setup module in the worker (`cfg(setup_elsewhere)`: the others read
    // its input past).
    #[cfg(not(setup_elsewhere))]
    if let Command::SaveSettings { settings: input } = command {
        let merged = stored.merged(input);
        if !merged.server.enabled() {
            return None;
        }
        return Some(save(app, &merged, lang).await.map(crate::reply::to_json));
    }
    if !stored.server.enabled() {
        return None;
    }
    on_server(app, command, &stored.server, lang, sender, kind).await
}

/// Team mode's answer to a command other than the settings': the panel's commands and the jobs
/// through the server, the vendor-side ones refused in words, the tick doing nothing.
async fn on_server(
    app: &App<'_>,
    command: &Command,
    s: &ServerSettings,
    lang: Lang,
    sender: &Sender,
    kind: SenderKind,
) -> Option<Result<ReplyText>> {
    let refused = |problem: TeamProblem| Some(Err(Error::from(problem)));
    match command {
        Command::PanelState { url, shown } => Some(
            card(
                app,
                &server(app, s, sender, lang),
                sender.page(kind, url),
                CardAsk::state(*shown),
                lang,
            )
            .await,
        ),
        Command::Card {
            url,
            action,
            number,
            shown,
        } => {
            let target = sender.page(kind, url);
            let ask = CardAsk::card(url, *action, number.clone(), *shown);
            Some(card(app, &server(app, s, sender, lang), target, ask, lang).await)
        }
        Command::Tick { .. }
        | Command::JobsStatus {}
        | Command::SyncNow { .. }
        | Command::CancelJob { .. } => on_server_jobs(app, command, s, lang, sender).await,
        Command::TestSmartBill { .. } => refused(TeamProblem::ServerHolds {
            command: "testSmartBill".into(),
        }),
        Command::TestMiniCrm { .. } => refused(TeamProblem::ServerHolds {
            command: "testMiniCrm".into(),
        }),
        Command::Checklist { .. } => refused(TeamProblem::ServerHolds {
            command: "checklist".into(),
        }),
        Command::Warehouses {} => refused(TeamProblem::ServerHolds {
            command: "warehouses".into(),
        }),
        Command::Import { .. } => refused(TeamProblem::ImportUnavailable),
        Command::GetSettings {}
        | Command::SaveSettings { .. }
        | Command::OpenOptions {}
        | Command::PanelPlace { .. }
        | Command::TestServer { .. }
        | Command::Trap {} => None,
    }
}

/// [`intercept`] for the jobs' module, which runs the jobs' commands only: in team mode they go to
/// the server (or are refused), without the rest of team mode's forwarding in that module.
pub async fn intercept_jobs(
    app: &App<'_>,
    command: &Command,
    lang: Lang,
    sender: &Sender,
) -> Option<Result<ReplyText>> {
    match settings::load(app.store).await {
        Err(e) => Some(Err(e)),
        Ok(stored) if stored.server.enabled() => {
            on_server_jobs(app, command, &stored.server, lang, sender).await
        }
        Ok(_) => None,
    }
}

/// The tick and the jobs' commands in team mode; `None` for any other command.
async fn on_server_jobs(
    app: &App<'_>,
    command: &Command,
    s: &ServerSettings,
    lang: Lang,
    sender: &Sender,
) -> Option<Result<ReplyText>> {
    match command {
        Command::Tick { .. } => Some(Ok(team_tick())),
        Command::JobsStatus {} => {
            Some(jobs(&server(app, s, sender, lang), json!({"cmd": "jobsStatus"}), false).await)
        }
        Command::SyncNow { kind } => Some(
            jobs(
                &server(app, s, sender, lang),
                json!({"cmd": "syncNow", "kind": kind}),
                true,
            )
            .await,
        ),
        Command::CancelJob { .. } => Some(Err(Error::from(TeamProblem::JobsOnServer))),
        _ => None,
    }
}

/// Whether a card action may change something (its lost answer is then "may still be running").
fn changes(action: CardAction) -> bool {
    !matches!(action, CardAction::State | CardAction::Pdf)
}

/// The panel's command for the card of `target` (the sender's page), through the server. The
/// server's reply is a [`CardReply`] of the same core, passed on as it came (less what the server
/// asks of its own platform); the replies made here are typed.
async fn card(
    app: &App<'_>,
    server: &Server<'_>,
    target: &str,
    ask: CardAsk<'_>,
    lang: Lang,
) -> Result<ReplyText> {
    let Some(card) = crate::card::parse_card_url(target) else {
        return Ok(crate::reply::to_json(CardReply::hidden()));
    };
    // The page moved to another card since the panel was drawn: a new click is needed (as in
    // the extension alone); nothing is sent.
    if let Some(refused) = ask.page_moved(&card, lang) {
        return Ok(crate::reply::to_json(refused));
    }
    let command = match ask.drawn_for {
        None => json!({"cmd": "panelState", "url": target, "shown": ask.shown}),
        Some(_) => json!({
            "cmd": "card", "url": target, "action": ask.action, "number": ask.number, "shown": ask.shown,
        }),
    };
    match server.command(&command, changes(ask.action)).await {
        Ok(reply) => {
            let mut reply = without_effects(reply);
            if reply.get("show") == Some(&Value::Bool(true)) {
                // Where this person put the panel is this browser's, not the server's.
                let place: Option<PanelPlace> = crate::platform::load(app.store, PANEL_PLACE_KEY)
                    .await
                    .ok()
                    .flatten();
                if let Some(place) = place {
                    reply["place"] = json!(place);
                }
            }
            Ok(ReplyText::from_value(&reply))
        }
        // The panel shows why over what it showed, and asks again when that can help.
        Err(problem) => {
            let refresh = problem.refresh_ms();
            let e = Error::from(problem);
            let reply = CardReply {
                team_mode: Some(true),
                ..CardReply::error(card, ErrorView::new(&e, lang), ask.shown, refresh)
            };
            Ok(crate::reply::to_json(reply))
        }
    }
}

/// The jobs' status or "sync now", from the server.
async fn jobs(server: &Server<'_>, command: Value, changes: bool) -> Result<ReplyText> {
    let reply = server.command(&command, changes).await.map_err(Error::from)?;
    Ok(ReplyText::from_value(&without_effects(reply)))
}

/// What the server asks of its own platform (alarms, effects) is not for this browser.
fn without_effects(reply: Value) -> Value {
    match reply {
        Value::Object(mut map) => {
            for key in ["ok", "alarms", "effect", "serverNotes"] {
                crate::platform::json::take_key(&mut map, key);
            }
            if let Some(Value::Object(status)) = map.get_mut("status") {
                crate::platform::json::take_key(status, "alarms");
            }
            Value::Object(map)
        }
        other => other,
    }
}

/// Saving in team mode: only the server's address and key are required; the vendor secrets
/// were dropped by [`Settings::merged`]; no alarm is kept.
#[cfg(not(setup_elsewhere))]
async fn save(app: &App<'_>, merged: &Settings, lang: Lang) -> Result<SavedSettings> {
    let problems = merged.validate_all(&app.host_permissions);
    settings::save(app.store, merged).await?;
    let problems: Vec<ErrorView> = problems.iter().map(|e| ErrorView::new(e, lang)).collect();
    let mut warnings = Vec::new();
    let unfinished = crate::emission::journal::all(app.store)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|e| {
            matches!(
                e.status,
                crate::emission::Status::Issuing | crate::emission::Status::NeedsConfirmation
            )
        })
        .count();
    if unfinished > 0 {
        warnings.push(lang.fill(Text::ServerUnfinishedEmissions, &[("unfinished", &unfinished)]));
    }
    Ok(SavedSettings {
        saved: true,
        problems,
        warnings,
        settings: merged.view(&app.host_permissions),
        alarms: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_effects_are_dropped() {
        let r = without_effects(
            json!({"ok": true, "show": true, "alarms": [{"name": "tick"}], "status": {"alarms": [], "jobs": {}}}),
        );
        assert_eq!(r, json!({"show": true, "status": {"jobs": {}}}));
    }

    #[test]
    fn the_origin_named_for_the_admin() {
        let s = Sender {
            extension_id: "abc".into(),
            extension_url: "moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/".into(),
            ..Sender::default()
        };
        assert_eq!(
            extension_origin(&s),
            "moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
        );
        let c = Sender {
            extension_id: "abcdefghijklmnopabcdefghijklmnop".into(),
            ..Sender::default()
        };
        assert_eq!(
            extension_origin(&c),
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
        );
    }
}
