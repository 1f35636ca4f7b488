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
    /// Wait until a test releases the held requests (`POST /__control/release`), then handle:
    /// a request kept in flight for as long as a case needs, whatever the machine's speed. A
    /// reset releases them too (answered 503, as after a latency).
    Hold,
    /// Handle the request (the action is committed), then never answer.
    HangAfterCommit,
}

/// A fault rule: applies to the next `times` requests (or every one, with `forever`) of `service`
/// whose method and path match.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    pub service: Service,
    /// A method, or several separated by `|` (`"POST|PUT"`); none matches every method.
    #[serde(default)]
    pub method: Option<String>,
    /// Only writes: POST, PUT, PATCH, DELETE.
    #[serde(default, alias = "writesOnly")]
    pub writes_only: bool,
    /// Without `*`: matches when the request path starts with it (e.g. `/SBORO/api/invoice`);
    /// empty matches all. With `*`: segment by segment, `*` is any one segment and a final `**`
    /// the rest (e.g. `/Api/*/*/Project` = `/Api/Offer/931/Project` and `/Api/Order/841/Project`,
    /// `/Api/R3/Project/*` = a card's update but not the search).
    #[serde(default)]
    pub path: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many requests it applies to; default 1.
    #[serde(default = "one")]
    pub times: u32,
    /// Applies to every matching request until the faults are cleared (`times` is ignored).
    #[serde(default)]
    pub forever: bool,
}

/// A fault's path pattern against a request path (see [`Fault::path`]).
pub fn fault_path_matches(pattern: &str, path: &str) -> bool {
    if !pattern.contains('*') {
        return path.starts_with(pattern);
    }
    let trim = |p: &str| -> String { p.trim_end_matches('/').to_string() };
    let (pattern, path) = (trim(pattern), trim(path));
    let mut a = pattern.split('/');
    let mut b = path.split('/');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some("**"), _) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(p), Some(seg)) if p == seg => {}
            _ => return false,
        }
    }
}

fn one() -> u32 {
    1
}

impl Fault {
    fn matches(&self, service: Service, method: &str, path: &str) -> bool {
        let write = matches!(method, "POST" | "PUT" | "PATCH" | "DELETE");
        (self.forever || self.times > 0)
            && self.service == service
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.split('|').any(|x| x.trim().eq_ignore_ascii_case(method)))
            && (!self.writes_only || write)
            && fault_path_matches(&self.path, path)
    }

    fn label(&self) -> &'static str {
        match self.kind {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Status { .. } => "status",
            FaultKind::DropBefore => "drop_before",
            FaultKind::DropAfterCommit => "drop_after_commit",
            FaultKind::Hang => "hang",
            FaultKind::Hold => "hold",
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

/// Waits until a test releases the held requests, or a reset ends the world they came in.
async fn held_until_released(shared: &Shared, epoch: u64) {
    let (release, released) = {
        let w = shared.lock();
        (w.release.clone(), w.releases)
    };
    loop {
        let notified = release.notified();
        tokio::pin!(notified);
        // Registered before the check, so a release between the two is not missed.
        notified.as_mut().enable();
        {
            let w = shared.lock();
            if w.releases != released || w.epoch != epoch {
                return;
            }
        }
        notified.await;
    }
}

/// Middleware on both services: takes the fault (if one matches), runs the request, logs it.
/// The work runs in its own task: a client that goes away (a stopped worker, an aborted fetch)
/// does not stop it, as it does not stop a real server that already has the request.
pub async fn observe(State(state): State<(Shared, Service)>, req: Request, next: Next) -> Response {
    match tokio::spawn(observe_detached(state, req, next)).await {
        Ok(response) => response,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn observe_detached((shared, service): (Shared, Service), req: Request, next: Next) -> Response {
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

    let (seq, epoch, at_ms, fault) = {
        let mut w = shared.lock();
        let seq = w.next_seq;
        w.next_seq += 1;
        let at_ms = w.clock.now_ms();
        let fault = w
            .faults
            .iter_mut()
            .find(|f| f.matches(service, &method, &path))
            .map(|f| {
                if !f.forever {
                    f.times -= 1;
                }
                f.clone()
            });
        w.faults.retain(|f| f.forever || f.times > 0);
        (seq, w.epoch, at_ms, fault)
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

    /// Takes the request out of the in-flight list when it ends, however it ends (the client may
    /// drop the connection); after a reset the list is the new world's.
    struct InFlight(Shared, u64, u64);
    impl Drop for InFlight {
        fn drop(&mut self) {
            let mut w = self.0.lock();
            if w.epoch == self.2 {
                w.inflight.remove(&self.1);
            }
        }
    }
    shared.lock().inflight.insert(seq, entry.clone());
    let _inflight = InFlight(shared.clone(), seq, epoch);
    let record = |entry: LoggedRequest| {
        let mut w = shared.lock();
        if w.epoch == epoch {
            w.inflight.remove(&entry.seq);
        }
        let readings = w.readings.summary();
        if let Some(file) = w.request_log.as_mut() {
            file.append(&entry, &readings);
        }
        w.log.push(entry);
    };

    match fault.as_ref().map(|f| &f.kind) {
        Some(kind @ (FaultKind::Latency { .. } | FaultKind::Hold)) => {
            match kind {
                FaultKind::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
                _ => held_until_released(&shared, epoch).await,
            }
            if shared.lock().epoch != epoch {
                entry.status = 503;
                entry.response = RESET_WHILE_WAITING.into();
                record(entry);
                return (StatusCode::SERVICE_UNAVAILABLE, RESET_WHILE_WAITING).into_response();
            }
        }
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

/// The answer to a request that waited (a latency fault) across a reset of the sandbox: it is not
/// applied to the new world.
const RESET_WHILE_WAITING: &str = "the sandbox was reset while this request waited; it was not applied";

/// Decodes a query string (`+` as a space), keeping the order and repeated keys.
pub fn decode_query(q: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    }
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The persistent request log (`sandbox --request-log FILE`): one JSON line per API request —
/// service, method, path, query parameters (name and value), the body's key paths (see
/// [`crate::documented::key_paths`]), the status and the readings in force. Appended, never
/// cleared by a reset; `check-requests` judges it against the allow-list.
pub struct RequestLogFile {
    pub path: std::path::PathBuf,
    file: std::fs::File,
    failed: bool,
}

impl RequestLogFile {
    pub fn open(path: &std::path::Path) -> std::io::Result<RequestLogFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Ok(RequestLogFile {
            path: path.to_path_buf(),
            file,
            failed: false,
        })
    }

    /// The JSON line of one request.
    pub fn line(entry: &LoggedRequest, readings: &str) -> serde_json::Value {
        let query: Vec<serde_json::Value> = decode_query(&entry.query)
            .into_iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect();
        serde_json::json!({
            "service": entry.service,
            "method": entry.method,
            "path": entry.path,
            "query": query,
            "bodyKeys": crate::documented::key_paths(&entry.body),
            "status": entry.status,
            "readings": readings,
            "atMs": entry.at_ms,
        })
    }

    pub fn append(&mut self, entry: &LoggedRequest, readings: &str) {
        use std::io::Write;
        let line = RequestLogFile::line(entry, readings);
        if let Err(e) = writeln!(self.file, "{line}") {
            if !self.failed {
                eprintln!(
                    "sandbox: cannot write the request log {}: {e}",
                    self.path.display()
                );
                self.failed = true;
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_paths_are_prefixes_or_segment_patterns() {
        assert!(fault_path_matches("/SBORO/api/invoice", "/SBORO/api/invoice/v2"));
        assert!(fault_path_matches("", "/Api/R3/Project"));
        assert!(fault_path_matches("/Api/*/*/Project", "/Api/Offer/931/Project"));
        assert!(fault_path_matches("/Api/*/*/Project", "/Api/Order/841/Project/"));
        assert!(!fault_path_matches("/Api/*/*/Project", "/Api/Order/841"));
        assert!(!fault_path_matches(
            "/Api/*/*/Project",
            "/Api/R3/Project/1001/Project/x"
        ));
        assert!(fault_path_matches("/Api/R3/Project/*", "/Api/R3/Project/1001"));
        assert!(!fault_path_matches("/Api/R3/Project/*", "/Api/R3/Project"));
        assert!(fault_path_matches("/Api/R3/**", "/Api/R3/Contact/2001"));
    }

    #[test]
    fn writes_only_and_alternative_methods() {
        let fault: Fault = serde_json::from_value(serde_json::json!({
            "service": "minicrm", "writesOnly": true, "path": "/Api/*/*/Project",
            "kind": "latency", "ms": 8000, "forever": true
        }))
        .unwrap();
        assert!(fault.matches(Service::MiniCrm, "POST", "/Api/Offer/931/Project"));
        assert!(!fault.matches(Service::MiniCrm, "GET", "/Api/Offer/931/Project"));
        assert!(!fault.matches(Service::SmartBill, "POST", "/Api/Offer/931/Project"));
        assert_eq!(fault.kind, FaultKind::Latency { ms: 8000 });
        let fault: Fault = serde_json::from_value(serde_json::json!({
            "service": "minicrm", "method": "PUT|POST", "path": "/Api/R3/Project/*", "kind": "latency", "ms": 1
        }))
        .unwrap();
        assert!(fault.matches(Service::MiniCrm, "PUT", "/Api/R3/Project/1001"));
        assert!(fault.matches(Service::MiniCrm, "POST", "/Api/R3/Project/1001"));
        assert!(!fault.matches(Service::MiniCrm, "GET", "/Api/R3/Project/1001"));
        assert_eq!((fault.times, fault.forever), (1, false));
    }
}
