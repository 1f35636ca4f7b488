//! The control API, on both ports under `/__control`, for tests and the demo. Not part of either
//! vendor's API. Everything is JSON.
//!
//! | method + path | body / query | does |
//! |---|---|---|
//! | `GET /__control/info` | | URLs, seeded credentials and ids, the shape and the readings (see [`crate::seed::info_of`]) |
//! | `POST /__control/reset` | `{"seed": true, "shape": "default"\|"typeIds", "readings": …}` (defaults: true, the run's shape and readings) | empties the world, reseeds it |
//! | `GET /__control/readings` | | every silent or contradictory point: question, quote, both readings, the one in force |
//! | `POST /__control/readings` | `{"all": "strict"\|"lenient", "<key>": "strict"\|"lenient"}` or `"lenient,unknownQuery=strict"` | switch readings (until the next reset) |
//! | `GET /__control/requests` | `?service=smartbill\|minicrm\|webhook&since=<seq>` | the request log (`webhook`: the stock webhook's outgoing deliveries) |
//! | `DELETE /__control/requests` | | clears the log |
//! | `GET/POST/DELETE /__control/faults` | a [`Fault`] or a list of them | inject faults (e.g. `{"service":"minicrm","writesOnly":true,"path":"/Api/*/*/Project","kind":"latency","ms":8000,"forever":true}`) |
//! | `POST /__control/clock` | `{"speed": 100}`, `{"advanceMs": 600000}`, `{"set": "2026-11-27T10:00:00Z"}` | virtual time |
//! | `/__control/smartbill/...` | | see `smartbill::control` |
//! | `/__control/minicrm/...` | | see `minicrm::control` |

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{Fault, LoggedRequest};
use crate::{minicrm, seed, smartbill, Readings, Shared, TenantShape};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/__control/info", get(info))
        .route("/__control/reset", post(reset))
        .route("/__control/readings", get(get_readings).post(set_readings))
        .route("/__control/requests", get(requests).delete(clear_requests))
        .route("/__control/inflight", get(inflight))
        .route("/__control/release", post(release))
        .route(
            "/__control/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/__control/clock", get(clock).post(set_clock))
        .nest("/__control/smartbill", smartbill::control::router())
        .nest("/__control/minicrm", minicrm::control::router())
}

async fn info(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(seed::info_of(&w))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    seed: Option<bool>,
    shape: Option<String>,
    readings: Option<Value>,
}

fn bad(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": text}))).into_response()
}

async fn reset(State(s): State<Shared>, body: Option<Json<ResetBody>>) -> Response {
    let body = body.map(|b| b.0).unwrap_or_default();
    let seed = body.seed.unwrap_or(true);
    let shape = match body.shape.as_deref() {
        None => None,
        Some(x) => match TenantShape::parse(x) {
            Some(shape) => Some(shape),
            None => return bad("shape: \"default\" or \"typeIds\""),
        },
    };
    let mut w = s.lock();
    let mut readings = w.defaults.0;
    if let Some(r) = &body.readings {
        if let Err(e) = readings.apply_json(r) {
            return bad(&e);
        }
    }
    w.reset(seed, shape);
    w.readings = readings;
    Json(json!({"ok": true, "seeded": seed, "shape": w.shape, "readings": w.readings.summary()}))
        .into_response()
}

async fn get_readings(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(json!({"summary": w.readings.summary(), "readings": w.readings.to_json(None)}))
}

async fn set_readings(State(s): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut w = s.lock();
    let mut readings: Readings = w.readings;
    if let Err(e) = readings.apply_json(&body) {
        return bad(&e);
    }
    w.readings = readings;
    Json(json!({"summary": w.readings.summary(), "readings": w.readings.to_json(None)})).into_response()
}

#[derive(Deserialize)]
struct LogQuery {
    service: Option<String>,
    since: Option<u64>,
}

async fn requests(State(s): State<Shared>, Query(q): Query<LogQuery>) -> Json<Value> {
    let w = s.lock();
    let since = q.since.unwrap_or(0);
    let items: Vec<_> = w
        .log
        .iter()
        .filter(|r| r.seq > since)
        .filter(|r| match q.service.as_deref() {
            Some(svc) => {
                serde_json::to_value(r.service)
                    .ok()
                    .and_then(|v| v.as_str().map(|x| x == svc))
                    == Some(true)
            }
            None => true,
        })
        .cloned()
        .collect();
    Json(json!({"requests": items, "lastSeq": w.next_seq - 1}))
}

/// Requests received and not answered yet.
async fn inflight(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    let items: Vec<&LoggedRequest> = w.inflight.values().collect();
    Json(json!({ "requests": items }))
}

/// Lets the requests a `hold` fault keeps go on.
async fn release(State(s): State<Shared>) -> Json<Value> {
    s.lock().release_held();
    Json(json!({"ok": true}))
}

async fn clear_requests(State(s): State<Shared>) -> Json<Value> {
    s.lock().log.clear();
    Json(json!({"ok": true}))
}

async fn list_faults(State(s): State<Shared>) -> Json<Value> {
    Json(json!({"faults": s.lock().faults}))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<Fault>),
    One(Fault),
}

async fn add_faults(State(s): State<Shared>, Json(body): Json<OneOrMany>) -> Json<Value> {
    let list = match body {
        OneOrMany::Many(v) => v,
        OneOrMany::One(f) => vec![f],
    };
    let mut w = s.lock();
    w.faults.extend(list);
    Json(json!({"faults": w.faults}))
}

async fn clear_faults(State(s): State<Shared>) -> Json<Value> {
    s.lock().faults.clear();
    Json(json!({"ok": true}))
}

async fn clock(State(s): State<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(
        json!({"now": w.clock.now().to_rfc3339(), "speed": w.clock.speed(), "today": w.clock.today_ro().to_string()}),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    speed: Option<f64>,
    advance_ms: Option<i64>,
    set: Option<chrono::DateTime<chrono::Utc>>,
}

async fn set_clock(State(s): State<Shared>, Json(b): Json<ClockBody>) -> Json<Value> {
    let mut w = s.lock();
    if let Some(at) = b.set {
        w.clock.set(at);
    }
    if let Some(ms) = b.advance_ms {
        w.clock
            .advance(std::time::Duration::from_millis(ms.unsigned_abs()), ms >= 0);
    }
    if let Some(speed) = b.speed {
        w.clock.set_speed(speed);
    }
    Json(json!({"now": w.clock.now().to_rfc3339(), "speed": w.clock.speed()}))
}
