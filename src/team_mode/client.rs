//! The team server's client: `POST /api/command` and `GET /api/health` with the member key, over
//! the core's [`Transport`] (the browser's `fetch`). Every answer that is not the command's reply
//! becomes a [`TeamProblem`]; a request is never repeated here (an emission the server may have
//! started must not be asked for twice).

use serde_json::Value;

use crate::error::team::TeamProblem;
use crate::i18n::Lang;
use crate::platform::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use crate::settings::server::ServerSettings;

/// Reads: the panel's state, the jobs' status, the health check (which calls both vendors).
pub const READ_TIMEOUT_MS: u32 = 45_000;
/// Actions: an emission on the server may wait for rate-limit slots, claim the card and wait out
/// a lost answer; the server's card lease lasts 3 minutes.
pub const ACTION_TIMEOUT_MS: u32 = 170_000;

pub struct Server<'a> {
    pub transport: &'a dyn Transport,
    pub settings: &'a ServerSettings,
    pub lang: Lang,
    /// This extension's origin (`chrome-extension://<id>`), named in messages for the admin.
    pub origin: String,
}

impl Server<'_> {
    fn request(&self, method: Method, path: &str, timeout_ms: u32) -> HttpRequest {
        let lang = match self.lang {
            Lang::Ro => "ro",
            Lang::En => "en",
            Lang::Hu => "hu",
        };
        let mut r = HttpRequest::new(method, format!("{}{path}", self.settings.url))
            .header("Authorization", format!("Bearer {}", self.settings.key.trim()))
            .header("Accept", "application/json")
            .header("Accept-Language", lang);
        r.timeout_ms = timeout_ms;
        r
    }

    /// A core command on the server; `changes`: the command may change something (an action),
    /// so a lost answer means "may still be running", never "failed".
    pub async fn command(&self, command: &Value, changes: bool) -> Result<Value, TeamProblem> {
        let timeout = if changes {
            ACTION_TIMEOUT_MS
        } else {
            READ_TIMEOUT_MS
        };
        let body = serde_json::to_vec(command).map_err(|e| TeamProblem::Unexpected {
            status: 0,
            detail: e.to_string(),
        })?;
        let request = self
            .request(Method::Post, "/api/command", timeout)
            .json_body(body);
        let reply = self.send(request, changes).await?;
        let name = command.get("cmd").and_then(Value::as_str).unwrap_or("");
        judge(&reply, name, &self.settings.url, &self.origin)
    }

    /// "Test connection": who we are for the server, whether SmartBill and MiniCRM answer it,
    /// whether its settings are complete, and the webhook's address.
    pub async fn health(&self) -> Result<Value, TeamProblem> {
        let reply = self
            .send(self.request(Method::Get, "/api/health", READ_TIMEOUT_MS), false)
            .await?;
        judge(&reply, "health", &self.settings.url, &self.origin)
    }

    async fn send(&self, request: HttpRequest, changes: bool) -> Result<HttpResponse, TeamProblem> {
        let url = self.settings.url.clone();
        match self.transport.send(request).await {
            Ok(r) => Ok(r),
            // A browser cannot tell a refused connection from a dropped one: for an action the
            // outcome is unknown; for a read the server is simply not reachable.
            Err(TransportError::NoAnswer(_)) if changes => Err(TeamProblem::NoAnswer { url }),
            Err(TransportError::NoAnswer(_) | TransportError::Unreachable(_)) => {
                Err(TeamProblem::Unreachable {
                    url,
                    origin: self.origin.clone(),
                })
            }
        }
    }
}

/// The server's answer as the command's reply, or the problem it reports.
pub fn judge(reply: &HttpResponse, command: &str, url: &str, origin: &str) -> Result<Value, TeamProblem> {
    let body: Option<Value> = crate::platform::json::from_slice(&reply.body).ok();
    let code = body
        .as_ref()
        .and_then(|b| b.pointer("/error/code"))
        .and_then(Value::as_str)
        .unwrap_or("");
    match reply.status {
        200 => match body {
            Some(v @ Value::Object(_)) => {
                if v.get("ok") == Some(&Value::Bool(false)) && command != "health" {
                    Err(remote(&v))
                } else {
                    Ok(v)
                }
            }
            _ => Err(TeamProblem::NotTeamServer {
                url: url.to_string(),
                status: 200,
            }),
        },
        401 if code.starts_with("server.") => Err(TeamProblem::Unauthorized),
        403 if code == "server.origin" => Err(TeamProblem::OriginRefused {
            origin: origin.to_string(),
        }),
        403 if code.starts_with("server.") => Err(TeamProblem::Forbidden {
            command: command.to_string(),
        }),
        409 if code == "server.cardBusy" => Err(TeamProblem::CardBusy),
        500 if code == "server.notConfigured" => Err(TeamProblem::NotConfigured {
            missing: body
                .as_ref()
                .and_then(|b| b.pointer("/error/missing"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        }),
        status if status < 500 => Err(TeamProblem::NotTeamServer {
            url: url.to_string(),
            status,
        }),
        status => Err(TeamProblem::Unexpected {
            status,
            detail: reply.text().chars().take(300).collect(),
        }),
    }
}

/// A core error the server answered with (`{"ok": false, "error": {code, message, …}}`).
fn remote(body: &Value) -> TeamProblem {
    let e = body.get("error").cloned().unwrap_or(Value::Null);
    let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
    TeamProblem::Remote {
        code: text("code").unwrap_or_default(),
        message: text("message").unwrap_or_default(),
        vendor_text: text("vendorText"),
        vendor: text("vendor"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.to_string().into_bytes(),
        }
    }

    const URL: &str = "https://team.example";
    const ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";

    #[test]
    fn each_refusal_of_the_server_is_named() {
        let j = |status, body| judge(&answer(status, body), "card", URL, ORIGIN);
        assert_eq!(
            j(
                401,
                json!({"ok": false, "error": {"code": "server.unauthorized"}})
            ),
            Err(TeamProblem::Unauthorized)
        );
        assert_eq!(
            j(403, json!({"ok": false, "error": {"code": "server.origin"}})),
            Err(TeamProblem::OriginRefused {
                origin: ORIGIN.into()
            })
        );
        assert_eq!(
            j(409, json!({"ok": false, "error": {"code": "server.cardBusy"}})),
            Err(TeamProblem::CardBusy)
        );
        assert_eq!(
            j(
                500,
                json!({"ok": false, "error": {"code": "server.notConfigured", "missing": ["ADMIN_TOKEN"]}})
            ),
            Err(TeamProblem::NotConfigured {
                missing: vec!["ADMIN_TOKEN".into()]
            })
        );
        assert!(matches!(
            j(404, json!({"ok": false, "error": {"code": "server.notFound"}})),
            Err(TeamProblem::NotTeamServer { status: 404, .. })
        ));
        let html = HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: b"<html>hello</html>".to_vec(),
        };
        assert!(matches!(
            judge(&html, "card", URL, ORIGIN),
            Err(TeamProblem::NotTeamServer { status: 200, .. })
        ));
        assert!(matches!(
            judge(
                &HttpResponse {
                    status: 502,
                    headers: Vec::new(),
                    body: b"Bad gateway".to_vec()
                },
                "card",
                URL,
                ORIGIN
            ),
            Err(TeamProblem::Unexpected { status: 502, .. })
        ));
    }

    #[test]
    fn the_servers_core_errors_keep_their_words() {
        let reply = answer(
            200,
            json!({"ok": false, "error": {"code": "smartbill.auth", "message": "SmartBill a refuzat", "vendorText": "Unauthorized", "vendor": "SmartBill"}}),
        );
        let Err(p) = judge(&reply, "jobsStatus", URL, ORIGIN) else {
            panic!("an error")
        };
        assert_eq!(p.message(Lang::Ro), "SmartBill a refuzat");
        assert_eq!(p.vendor_text(), Some("Unauthorized"));
        // The panel's own errors come inside a successful reply and pass through.
        let panel = answer(200, json!({"ok": true, "show": true, "error": {"message": "x"}}));
        assert!(judge(&panel, "card", URL, ORIGIN).is_ok());
    }
}
