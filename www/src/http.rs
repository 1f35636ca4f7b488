//! Serving, the request log and fault injection, shared by both fake services.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::Shared;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    #[serde(rename = "smartbill")]
    SmartBill,
    #[serde(rename = "minicrm")]
    MiniCrm,
    /// Deliveries of SmartBill's stock webhook (outgoing, see `smartbill::webhook`).
    #[serde(rename = "webhook")]
    Webhook,
}

/// One request as the fake received it, for tests and the demo to inspect.
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub service: Service,
    pub method: String,
    pub path: String,
    pub query: String,
    /// The request body parsed as JSON, or as a string when it is not JSON; null when empty.
    pub body: serde_json::Value,
    /// The `Authorization` header's user part (e-mail or SystemId), never the secret.
    pub user: Option<String>,
    pub accept: Option<String>,
    /// The HTTP status answered, or 0 when the connection was dropped before an answer.
    pub status: u16,
    /// The fault applied, if any (`latency`, `status`, `drop_before`, `drop_after_commit`, `hang`).
    pub fault: Option<String>,
    /// Virtual time (ms since the epoch) when the request arrived.
    pub at_ms: i64,
    /// The start of the response body (2 KB) when it is text.
    pub response: String,
    /// For outgoing webhook deliveries: `movement`, `replay` or `test`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait this many real milliseconds before handling.
    Latency { ms: u64 },
    /// Answer with this status and body without handling the request.
    Status {
        status: u16,
        #[serde(default)]
        body: String,
        #[serde(default)]
        content_type: Option<String>,
    },
    /// Close the connection without handling the request.
    DropBefore,
    /// Handle the request (the action is committed), then close the connection without answering.
    DropAfterCommit,
    /// Never answer (the client's timeout decides).
    Hang,
    /// Handle the request (the action is committed), then never answer.
    HangAfterCommit,
}

/// A fault rule: applies to the next `times` requests of `service` whose method and path match.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    pub service: Service,
    #[serde(default)]
    pub method: Option<String>,
    /// Matches when the request path starts with it (e.g. `/SBORO/api/invoice`). Empty matches all.
    #[serde(default)]
    pub path: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many requests it applies to; default 1.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    fn matches(&self, service: Service, method: &str, path: &str) -> bool {
        self.times > 0
            && self.service == service
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.starts_with(&self.path)
    }

    fn label(&self) -> &'static str {
        match self.kind {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Status { .. } => "status",
            FaultKind::DropBefore => "drop_before",
            FaultKind::DropAfterCommit => "drop_after_commit",
            FaultKind::Hang => "hang",
            FaultKind::HangAfterCommit => "hang_after_commit",
        }
    }
}

/// Lets a handler or middleware close its connection without an answer.
#[derive(Clone)]
pub struct ConnKill(Arc<Notify>);

impl ConnKill {
    /// Closes the connection; the returned future never completes.
    pub async fn drop_connection(&self) -> Response {
        self.0.notify_one();
        std::future::pending::<Response>().await
    }
}

/// Accept loop: like `axum::serve`, but each connection can be killed from inside a request
/// (fault injection: "connection dropped after the action was committed").
pub async fn serve(listener: tokio::net::TcpListener, app: Router) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let app = app.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let kill_for_requests = kill.clone();
            let service = tower::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnKill(kill_for_requests.clone()));
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.oneshot(req.map(Body::new)).await.into_response()) }
            });
            let builder = Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
            }
        });
    }
}

const MAX_BODY: usize = 32 * 1024 * 1024;

/// Middleware on both services: takes the fault (if one matches), runs the request, logs it.
pub async fn observe(
    State((shared, service)): State<(Shared, Service)>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let logged = path.starts_with("/SBORO/") || path.starts_with("/Api/");
    if !logged {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let user = basic_user(req.headers().get("authorization"));
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let kill = req.extensions().get::<ConnKill>().cloned();
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let body_json = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };

    let (seq, at_ms, fault) = {
        let mut w = shared.lock();
        let seq = w.next_seq;
        w.next_seq += 1;
        let at_ms = w.clock.now_ms();
        let fault = w
            .faults
            .iter_mut()
            .find(|f| f.matches(service, &method, &path))
            .map(|f| {
                f.times -= 1;
                f.clone()
            });
        w.faults.retain(|f| f.times > 0);
        (seq, at_ms, fault)
    };
    let mut entry = LoggedRequest {
        seq,
        service,
        method,
        path,
        query,
        body: body_json,
        user,
        accept,
        status: 0,
        fault: fault.as_ref().map(|f| f.label().to_string()),
        at_ms,
        response: String::new(),
        delivery: None,
    };

    let record = |entry: LoggedRequest| {
        let mut w = shared.lock();
        w.log.push(entry);
    };

    match fault.as_ref().map(|f| &f.kind) {
        Some(FaultKind::Latency { ms }) => tokio::time::sleep(Duration::from_millis(*ms)).await,
        Some(FaultKind::Status {
            status,
            body,
            content_type,
        }) => {
            entry.status = *status;
            entry.response = body.chars().take(2048).collect();
            record(entry);
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let ct = content_type.clone().unwrap_or_else(|| "text/html".to_string());
            let mut resp = (code, body.clone()).into_response();
            if let Ok(v) = HeaderValue::from_str(&ct) {
                resp.headers_mut().insert("content-type", v);
            }
            return resp;
        }
        Some(FaultKind::DropBefore) => {
            record(entry);
            return match kill {
                Some(k) => k.drop_connection().await,
                None => StatusCode::BAD_GATEWAY.into_response(),
            };
        }
        Some(FaultKind::Hang) => {
            record(entry);
            return std::future::pending::<Response>().await;
        }
        Some(FaultKind::DropAfterCommit | FaultKind::HangAfterCommit) | None => {}
    }

    let req = Request::from_parts(parts, Body::from(bytes));
    let resp = next.run(req).await;

    if let Some(FaultKind::HangAfterCommit) = fault.as_ref().map(|f| &f.kind) {
        record(entry);
        return std::future::pending::<Response>().await;
    }
    if let Some(FaultKind::DropAfterCommit) = fault.as_ref().map(|f| &f.kind) {
        entry.status = 0;
        record(entry);
        return match kill {
            Some(k) => k.drop_connection().await,
            None => StatusCode::BAD_GATEWAY.into_response(),
        };
    }

    let (parts, body) = resp.into_parts();
    let out: Bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    entry.status = parts.status.as_u16();
    let is_text = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json") || ct.starts_with("text/"));
    if is_text {
        entry.response = String::from_utf8_lossy(&out[..out.len().min(2048)]).into_owned();
    }
    record(entry);
    Response::from_parts(parts, Body::from(out))
}

/// The user part of a Basic `Authorization` header (the e-mail or SystemId), for the log.
pub fn basic_user(header: Option<&HeaderValue>) -> Option<String> {
    basic_credentials(header).map(|(u, _)| u)
}

/// Decodes `Authorization: Basic base64(user:secret)`.
pub fn basic_credentials(header: Option<&HeaderValue>) -> Option<(String, String)> {
    use base64::Engine;
    let value = header?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, secret) = text.split_once(':')?;
    Some((user.to_string(), secret.to_string()))
}
