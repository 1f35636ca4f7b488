//! Which commands team mode takes over, and how: the panel's commands and the jobs go to the
//! server (after the core's own checks), the vendor-side ones are refused in words, the tick
//! does nothing, and saving drops the vendor secrets. Called from `api::App::run` before the
//! commands run locally; `None` means "not team mode's business: run it here".

use serde::Serialize;
use serde_json::{json, Value};

use super::client::Server;
use crate::app::App;
use crate::command::{CardAction, CardAsk, Command, PanelPlace, Sender, SenderKind, PANEL_PLACE_KEY};
use crate::emission::panel::CardReply;
use crate::error::team::TeamProblem;
use crate::error::{Error, ErrorView, Result};
use crate::i18n::{Lang, Text};
use crate::reply::SavedSettings;
use crate::settings::server::ServerSettings;
use crate::settings::{self, Settings, SettingsInput};

/// This extension's origin, as the server's `ALLOWED_ORIGINS` must name it.
pub fn extension_origin(sender: &Sender) -> String {
    let base = if sender.extension_url.is_empty() {
        format!("chrome-extension://{}/", sender.extension_id)
    } else {
        sender.extension_url.clone()
    };
    base.trim_end_matches('/').to_string()
}

fn server<'a>(app: &'a App<'a>, settings: &'a ServerSettings, sender: &Sender, lang: Lang) -> Server<'a> {
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
pub async fn intercept_import(app: &App<'_>) -> Option<Result<Value>> {
    match settings::load(app.store).await {
        Err(e) => Some(Err(e)),
        Ok(stored) if stored.server.enabled() => Some(Err(Error::from(TeamProblem::ImportUnavailable))),
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
) -> Option<Result<Value>> {
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
) -> Option<Result<Value>> {
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
        // The server's cron triggers run automatic emission and the jobs; no alarm is kept here.
        Command::Tick {} => Some(Ok(crate::reply::to_json(crate::sync::TickReply::skipped(
            Vec::new(),
            crate::sync::Skipped::TeamMode,
        )))),
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
        Command::CancelJob { .. } => refused(TeamProblem::JobsOnServer),
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
) -> Result<Value> {
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
            Ok(reply)
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
async fn jobs(server: &Server<'_>, command: Value, changes: bool) -> Result<Value> {
    let reply = server.command(&command, changes).await.map_err(Error::from)?;
    Ok(without_effects(reply))
}

/// What the server asks of its own platform (alarms, effects) is not for this browser.
fn without_effects(reply: Value) -> Value {
    match reply {
        Value::Object(mut map) => {
            for key in ["ok", "alarms", "effect", "serverNotes"] {
                map.remove(key);
            }
            if let Some(Value::Object(status)) = map.get_mut("status") {
                status.remove("alarms");
            }
            Value::Object(map)
        }
        other => other,
    }
}

/// Saving in team mode: only the server's address and key are required; the vendor secrets
/// were dropped by [`Settings::merged`]; no alarm is kept.
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

/// `testServer`: what the team's server says, in lines, and the webhook's fields for SmartBill.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ServerTest {
    pub all_ok: bool,
    pub lines: Vec<HealthLine>,
    pub webhook: Option<WebhookView>,
    /// This extension's origin, as the server's `ALLOWED_ORIGINS` must name it.
    pub origin: String,
    /// The team the server serves, as its health reports it (`null`: not said).
    #[cfg_attr(test, ts(type = "unknown"))]
    pub team: Value,
    /// The host permissions these settings need granted.
    pub origins: Vec<String>,
}

/// One line of the server's test: green, or what is wrong.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct HealthLine {
    pub ok: bool,
    pub text: String,
}

/// SmartBill's "Sincronizare stocuri" fields: where they go, the address, the token (only when
/// the server sends it) and a note on the token.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub url: Option<String>,
    pub token: Option<String>,
    pub token_note: String,
    #[serde(rename = "where")]
    pub place: String,
}

/// "Testează conexiunea" of the Team server section, with the form's address and key (the
/// stored key when none was typed): what the server says, in lines the page paints, and the
/// webhook's address for SmartBill.
pub async fn test(app: &App<'_>, input: &SettingsInput, sender: &Sender, lang: Lang) -> Result<ServerTest> {
    let stored = settings::load(app.store).await?;
    let merged = stored.merged(input);
    let s = &merged.server;
    if !s.enabled() {
        return Err(Error::from(TeamProblem::Address { url: String::new() }));
    }
    if let Some(e) = s.validate(&app.host_permissions).into_iter().next() {
        return Err(e);
    }
    let server = server(app, s, sender, lang);
    let health = server.health().await.map_err(Error::from)?;
    // The panel's commands are POSTs, which browsers always send with this extension's
    // `Origin` (a GET with host access may go without): one harmless command proves the server's
    // CORS lets this extension in.
    match server.command(&json!({"cmd": "jobsStatus"}), false).await {
        Ok(_) | Err(TeamProblem::Remote { .. }) => {}
        Err(problem) => return Err(Error::from(problem)),
    }
    if health.get("caller").is_none() {
        // The server could not even read its settings: its own words.
        let message = health
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        return Err(Error::from(TeamProblem::Remote {
            code: "server.health".into(),
            message,
            vendor_text: None,
            vendor: None,
        }));
    }
    let lines = health_lines(&health, lang);
    let all_ok = lines.iter().all(|l| l.ok);
    Ok(ServerTest {
        all_ok,
        lines,
        webhook: webhook(&health, lang),
        origin: extension_origin(sender),
        team: health.get("team").cloned().unwrap_or(Value::Null),
        origins: merged.origins_needed(&app.host_permissions),
    })
}

fn health_lines(h: &Value, lang: Lang) -> Vec<HealthLine> {
    let mut lines = Vec::new();
    let line = |ok: bool, text: String| HealthLine { ok, text };
    let name = h.pointer("/caller/name").and_then(Value::as_str).unwrap_or("");
    lines.push(line(
        true,
        if h.pointer("/caller/role").and_then(Value::as_str) == Some("admin") {
            lang.text(Text::ServerConnectedAdmin).to_string()
        } else {
            lang.fill(Text::ServerConnectedMember, &[("name", &name)])
        },
    ));
    for (key, vendor, count, word) in [
        ("smartbill", "SmartBill", "series", Text::ServerSeries),
        ("minicrm", "MiniCRM", "modules", Text::ServerModules),
    ] {
        let part = h.get(key).cloned().unwrap_or(Value::Null);
        if part["ok"] == json!(true) {
            let n = part.get(count).and_then(Value::as_u64).unwrap_or(0);
            lines.push(line(
                true,
                lang.fill(
                    Text::ServerVendorAnswers,
                    &[("vendor", &vendor), ("n", &n), ("count", &lang.text(word))],
                ),
            ));
        } else {
            let why = part
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            lines.push(line(
                false,
                lang.fill(Text::ServerVendorDown, &[("vendor", &vendor), ("why", &why)]),
            ));
        }
    }
    if h["settingsComplete"] == json!(true) {
        lines.push(line(true, lang.text(Text::ServerSettingsComplete).to_string()));
    } else {
        lines.push(line(false, lang.text(Text::ServerSettingsIncomplete).to_string()));
    }
    lines
}

/// SmartBill's "Sincronizare stocuri" fields as the server reports them. The token is shown only
/// when the server sends it (the admin's key and a dedicated webhook token); see the server's
/// `health` for why members never see it.
fn webhook(h: &Value, lang: Lang) -> Option<WebhookView> {
    let w = h.get("webhook").filter(|w| w.is_object())?;
    let token = w.get("token").and_then(Value::as_str).map(str::to_string);
    let from_api_token = w.get("tokenSource").and_then(Value::as_str) == Some("smartbillToken");
    let note = match (&token, from_api_token) {
        (Some(_), _) => lang.text(Text::ServerTokenShown),
        (None, true) => lang.text(Text::ServerTokenIsApiToken),
        (None, false) => lang.text(Text::ServerTokenWithAdmin),
    };
    Some(WebhookView {
        url: w.get("url").and_then(Value::as_str).map(str::to_string),
        token,
        token_note: note.to_string(),
        place: lang.text(Text::ServerWebhookPlace).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_told_in_lines_and_the_webhook_token_only_when_sent() {
        let h = json!({
            "ok": true, "caller": {"role": "member", "name": "Ana"}, "settingsComplete": true,
            "smartbill": {"ok": true, "series": 3}, "minicrm": {"ok": false, "error": {"message": "MiniCRM a refuzat cheia"}},
            "webhook": {"url": "https://team.example/smartbill/stock", "token": null, "tokenSource": "stockWebhookToken"},
        });
        let lines = health_lines(&h, Lang::Ro);
        assert_eq!(lines.len(), 4);
        assert!(lines[0].text.contains("„Ana”"));
        assert!(!lines[2].ok);
        assert!(lines[2].text.contains("MiniCRM a refuzat cheia"));
        let w = webhook(&h, Lang::Ro).expect("the server sent the webhook");
        assert_eq!(w.url.as_deref(), Some("https://team.example/smartbill/stock"));
        assert_eq!(w.token, None);
        assert!(w.token_note.contains("administratorul"));
        assert!(webhook(&json!({}), Lang::Ro).is_none());
    }

    /// The JSON the options page reads, pinned (a renamed field fails here).
    #[test]
    fn the_server_test_reply() {
        let reply = ServerTest {
            all_ok: false,
            lines: vec![HealthLine {
                ok: false,
                text: "Nu".into(),
            }],
            webhook: Some(WebhookView {
                url: Some("https://team.example/smartbill/stock".into()),
                token: None,
                token_note: "Token".into(),
                place: "SmartBill Cloud".into(),
            }),
            origin: "chrome-extension://abc".into(),
            team: json!({"cif": "RO18547290"}),
            origins: vec!["https://team.example/*".into()],
        };
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            json!({
                "allOk": false,
                "lines": [{"ok": false, "text": "Nu"}],
                "webhook": {"url": "https://team.example/smartbill/stock", "token": null, "tokenNote": "Token", "where": "SmartBill Cloud"},
                "origin": "chrome-extension://abc",
                "team": {"cif": "RO18547290"},
                "origins": ["https://team.example/*"],
            })
        );
        let bare = ServerTest {
            webhook: None,
            team: Value::Null,
            ..reply
        };
        let bare = serde_json::to_value(&bare).unwrap();
        // Present as `null`, not absent.
        assert_eq!(bare.get("webhook"), Some(&Value::Null));
        assert_eq!(bare.get("team"), Some(&Value::Null));
    }

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
