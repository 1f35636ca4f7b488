//! SmartBill's stock webhook, the sending side ("Sincronizare stocuri", smartbill-api.md §4.1):
//! a URL and a "Token autentificare" set through the control API, as in SmartBill Cloud's
//! Integrări page. After every request that moved stock (an invoice with `useStock`, a cancel,
//! restore, delete or storno that puts stock back, a control-route stock change), the moved
//! products' new levels per warehouse are POSTed to the URL in the receivers' shape
//! (`{"products":[{warehouse, productName, productCode, measuringUnit, quantity}]}`) with
//! `Authorization: Bearer <token>`. Nothing is pushed when the webhook is enabled, only on moves.
//!
//! Deliveries leave from one background task per world, in order, never under the world lock;
//! each is logged in the request log as service `webhook` with the receiver's status (0 when it
//! could not be reached) and answer.
//!
//! [INF] Retries, signing and batching limits are undocumented: one delivery per moving request,
//! no retry (the control API can replay the last one).
//!
//! | method + path (under `/__control/smartbill`) | body | does |
//! |---|---|---|
//! | `GET /webhook` | | URL, whether a token is set, deliveries queued so far, the last delivery's body |
//! | `POST /webhook` | `{url, token}` (`url: null` switches it off) | configure |
//! | `POST /webhook/replay` | | sends the last delivery again |
//! | `POST /webhook/test` | | sends the empty list (SmartBill's connectivity test) |

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::money;
use super::state::State;
use crate::http::{LoggedRequest, Service};
use crate::Shared;

/// The webhook's settings and its delivery queue (part of the fake account; a reset clears it).
#[derive(Default)]
pub struct Webhook {
    pub url: Option<String>,
    pub token: String,
    /// The body of the last delivery caused by a stock movement (what "replay" sends).
    pub last: Option<Value>,
    /// Deliveries queued so far (movements, replays and tests).
    pub queued: u64,
    queue: Option<mpsc::UnboundedSender<Job>>,
}

struct Job {
    url: String,
    token: String,
    body: Value,
    /// "movement", "replay" or "test" (shown in the request log).
    kind: &'static str,
}

/// Stock level per (warehouse, product index).
pub type Levels = BTreeMap<(String, usize), Decimal>;

impl State {
    /// Every current level, when the webhook is on (nothing is computed otherwise).
    pub fn webhook_levels(&self) -> Option<Levels> {
        self.webhook.url.as_ref()?;
        let mut levels = Levels::new();
        for m in &self.movements {
            *levels.entry((m.warehouse.clone(), m.product)).or_default() += m.quantity;
        }
        Some(levels)
    }
}

/// After a request: if stock moved since `before`, queues a delivery with the new levels of the
/// moved products.
pub fn after(shared: &Shared, state: &mut State, before: Option<Levels>) {
    let Some(before) = before else {
        return;
    };
    let Some(now) = state.webhook_levels() else {
        return;
    };
    let mut keys: Vec<&(String, usize)> = before.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut products = Vec::new();
    for key in keys {
        let old = before.get(key).copied().unwrap_or_default();
        let new = now.get(key).copied().unwrap_or_default();
        if old.normalize() == new.normalize() {
            continue;
        }
        let Some(p) = state.products.get(key.1) else {
            continue;
        };
        products.push(json!({
            "warehouse": key.0,
            "productName": p.name,
            // Empty when the company does not use product codes (§4.1).
            "productCode": if state.settings.use_product_codes { p.code.clone() } else { String::new() },
            "measuringUnit": p.unit,
            "quantity": money::json_number(new.normalize()),
        }));
    }
    if products.is_empty() {
        return;
    }
    let body = json!({ "products": products });
    state.webhook.last = Some(body.clone());
    enqueue(shared, state, body, "movement");
}

fn enqueue(shared: &Shared, state: &mut State, body: Value, kind: &'static str) -> bool {
    let Some(url) = state.webhook.url.clone() else {
        return false;
    };
    let job = Job {
        url,
        token: state.webhook.token.clone(),
        body,
        kind,
    };
    let hook = &mut state.webhook;
    let sender = hook.queue.get_or_insert_with(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver(shared.clone(), rx));
        tx
    });
    if let Err(mpsc::error::SendError(job)) = sender.send(job) {
        // The task ended (it cannot, while the sender lives); start another.
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver(shared.clone(), rx));
        let _ = tx.send(job);
        hook.queue = Some(tx);
    }
    hook.queued += 1;
    true
}

/// Sends the queued deliveries one after the other and logs each with its outcome.
async fn deliver(shared: Shared, mut rx: mpsc::UnboundedReceiver<Job>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .ok();
    while let Some(job) = rx.recv().await {
        let at_ms = shared.lock().clock.now_ms();
        let outcome = match &client {
            None => Err("no HTTP client".to_string()),
            Some(c) => match c
                .post(&job.url)
                .header("Authorization", format!("Bearer {}", job.token))
                .header("Content-Type", "application/json")
                .body(job.body.to_string())
                .send()
                .await
            {
                Ok(r) => {
                    let status = r.status().as_u16();
                    Ok((status, r.text().await.unwrap_or_default()))
                }
                Err(e) => Err(e.to_string()),
            },
        };
        let (status, response) = match outcome {
            Ok(x) => x,
            Err(e) => (0, e),
        };
        let mut w = shared.lock();
        let seq = w.next_seq;
        w.next_seq += 1;
        w.log.push(LoggedRequest {
            seq,
            service: Service::Webhook,
            method: "POST".into(),
            path: job.url,
            query: String::new(),
            body: job.body,
            // Never the token.
            user: None,
            accept: None,
            status,
            fault: None,
            at_ms,
            response: response.chars().take(2048).collect(),
            delivery: Some(job.kind.to_string()),
        });
    }
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/webhook", get(show).post(configure))
        .route("/webhook/replay", post(replay))
        .route("/webhook/test", post(test))
}

fn view(state: &State) -> Value {
    json!({
        "url": state.webhook.url,
        "tokenSet": !state.webhook.token.is_empty(),
        "queued": state.webhook.queued,
        "last": state.webhook.last,
    })
}

async fn show(AxState(s): AxState<Shared>) -> Json<Value> {
    Json(view(&s.lock().smartbill))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    url: Option<String>,
    #[serde(default)]
    token: String,
}

async fn configure(AxState(s): AxState<Shared>, Json(b): Json<Config>) -> (StatusCode, Json<Value>) {
    let url = b.url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
    if let Some(u) = &url {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "url must be http(s)"})),
            );
        }
        if b.token.trim().is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "a token is required (Token autentificare)"})),
            );
        }
    }
    let mut w = s.lock();
    let hook = &mut w.smartbill.webhook;
    hook.url = url;
    hook.token = b.token.trim().to_string();
    (StatusCode::OK, Json(view(&w.smartbill)))
}

async fn replay(AxState(s): AxState<Shared>) -> (StatusCode, Json<Value>) {
    let mut w = s.lock();
    let Some(last) = w.smartbill.webhook.last.clone() else {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "no delivery to replay yet"})),
        );
    };
    if !enqueue(&s, &mut w.smartbill, last, "replay") {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "the webhook has no URL"})),
        );
    }
    (StatusCode::OK, Json(view(&w.smartbill)))
}

async fn test(AxState(s): AxState<Shared>) -> (StatusCode, Json<Value>) {
    let mut w = s.lock();
    if !enqueue(&s, &mut w.smartbill, json!({"products": []}), "test") {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "the webhook has no URL"})),
        );
    }
    (StatusCode::OK, Json(view(&w.smartbill)))
}
