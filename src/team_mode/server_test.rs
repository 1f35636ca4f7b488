//! "Testează conexiunea" of the options page's Team server section (`testServer`): what the
//! team's server says, in lines the page paints, and the webhook's fields for SmartBill. It runs
//! in the setup module in the worker (`cfg(setup_elsewhere)` leaves it out of the others).

use serde::Serialize;
use serde_json::{json, Value};

use super::forward::{extension_origin, server};
use crate::app::App;
use crate::command::Sender;
use crate::error::team::TeamProblem;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Text};
use crate::settings::{self, SettingsInput};

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
}
