//! The Worker's front door: CORS, the stock webhook's token, routing to the team's Durable Object,
//! and the cron triggers.

use serde_json::json;
use worker::{
    console_error, console_log, event, Context, Env, Method, Request, RequestInit, Response, ScheduleContext,
    ScheduledEvent, Stub,
};

use crate::auth;
use crate::config::Config;
use crate::cors::{self, Verdict};
use crate::team::{config_from_env, json_response, WEBHOOK_BAD_TOKEN};

/// The Durable Object namespace binding (wrangler.toml `[[durable_objects.bindings]]`).
pub const BINDING: &str = "TEAM";

fn team(env: &Env, config: &Config) -> worker::Result<Stub> {
    env.durable_object(BINDING)?
        .id_from_name(&config.team_name())?
        .get_stub()
}

/// A copy of the object's answer with CORS headers (answers from a stub have immutable headers).
async fn with_cors(mut resp: Response, origin: Option<&str>) -> worker::Result<Response> {
    let Some(origin) = origin else {
        return Ok(resp);
    };
    let status = resp.status_code();
    let content_type = resp.headers().get("Content-Type")?;
    let body = resp.bytes().await?;
    let out = Response::from_bytes(body)?.with_status(status);
    let headers = out.headers();
    if let Some(ct) = content_type {
        headers.set("Content-Type", &ct)?;
    }
    headers.set("Cache-Control", "no-store")?;
    for (k, v) in cors::headers(origin, false) {
        headers.set(k, &v)?;
    }
    Ok(out)
}

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let config = match config_from_env(&env) {
        Ok(c) => c,
        Err(missing) => {
            console_error!("not configured, missing: {}", missing.join(", "));
            return json_response(
                500,
                &json!({"ok": false, "error": {"code": "server.notConfigured", "missing": missing}}),
            );
        }
    };
    let path = req.path();
    let method = req.method();

    // SmartBill's stock webhook: a server-to-server POST with the token, no CORS.
    if path == "/smartbill/stock" {
        if method != Method::Post {
            return Ok(Response::ok("POST")?.with_status(405));
        }
        let header = req.headers().get("Authorization")?;
        if !auth::secret_matches(auth::bearer(header.as_deref()), &config.webhook_token) {
            console_log!("stock webhook refused: wrong or missing token");
            return Ok(Response::ok(WEBHOOK_BAD_TOKEN)?.with_status(401));
        }
        return team(&env, &config)?.fetch_with_request(req).await;
    }

    let origin = req.headers().get("Origin")?;
    let allowed = match cors::judge(origin.as_deref(), &config.allowed_origins) {
        Verdict::Refused => {
            return json_response(
                403,
                &json!({"ok": false, "error": {"code": "server.origin", "message": "Originea cererii nu este o extensie permisă."}}),
            )
        }
        Verdict::Allowed(o) => Some(o),
        Verdict::NoOrigin => None,
    };
    let ours = path.starts_with("/api/") || path.starts_with("/admin/");
    if method == Method::Options {
        if !ours {
            return Ok(Response::empty()?.with_status(404));
        }
        let resp = Response::empty()?.with_status(204);
        if let Some(o) = &allowed {
            for (k, v) in cors::headers(o, true) {
                resp.headers().set(k, &v)?;
            }
        }
        return Ok(resp);
    }
    if !ours {
        return json_response(404, &json!({"ok": false, "error": {"code": "server.notFound"}}));
    }
    let resp = team(&env, &config)?.fetch_with_request(req).await?;
    with_cors(resp, allowed.as_deref()).await
}

#[event(scheduled)]
pub async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let cron = event.cron();
    let config = match config_from_env(&env) {
        Ok(c) => c,
        Err(missing) => {
            console_error!("cron {cron}: not configured, missing: {}", missing.join(", "));
            return;
        }
    };
    let run = async {
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(json!({"cron": cron}).to_string().into()));
        let req = Request::new_with_init("https://team.internal/internal/cron", &init)?;
        let mut resp = team(&env, &config)?.fetch_with_request(req).await?;
        Ok::<_, worker::Error>((resp.status_code(), resp.text().await.unwrap_or_default()))
    };
    match run.await {
        Ok((200, body)) => {
            console_log!("cron {cron}: {}", body.chars().take(300).collect::<String>())
        }
        Ok((status, body)) => console_error!("cron {cron}: HTTP {status} {body}"),
        Err(e) => console_error!("cron {cron}: {e}"),
    }
}
