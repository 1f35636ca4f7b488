//! Control API of the fake SmartBill, nested under `/__control/smartbill` (JSON, camelCase).
//! Not part of SmartBill's API.
//!
//! | method + path | body / query | does |
//! |---|---|---|
//! | `GET /documents` | | every document with all stored facts (totals as strings, raw request) |
//! | `GET /payments` | | every collection |
//! | `GET /limit` | | the rate-limit settings |
//! | `POST /limit` | `{status: 403\|429, calls, windowMs, blockMs, extendBlockOnRetry}` (all optional) | change them |
//! | `DELETE /limit/block` | | lift every block and forget the windows |
//! | `GET /stock` | | every product level per warehouse |
//! | `POST /stock` | `{warehouse, code, quantity, date?}` | set the current level (an adjustment movement dated `date`, default the initial import date so back-dated documents see it) |
//! | `GET /series` | | the series |
//! | `POST /series` | `{name, nextNumber, type?: "f"\|"p"\|"c"}` | set a next number (or create a series) |
//! | `POST /payment` | `{series, number, amount, type?, date?}` | record a collection as if made in the UI |
//! | `GET /settings` | | account settings |
//! | `POST /settings` | `{useProductCodes, vatPayer, stockModule, mailServer, cashRegister}` (optional) | change them |
//! | `GET/POST /webhook`, `POST /webhook/replay`, `POST /webhook/test` | | the stock webhook sender, see `smartbill::webhook` |

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::fields::parse_date;
use super::state::{Series, SeriesType};
use crate::Shared;

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/documents", get(documents))
        .route("/payments", get(payments))
        .route("/limit", get(get_limit).post(set_limit))
        .route("/limit/block", delete(lift_block))
        .route("/stock", get(get_stock).post(set_stock))
        .route("/series", get(get_series).post(set_series))
        .route("/payment", axum::routing::post(add_payment))
        .route("/settings", get(get_settings).post(set_settings))
        .merge(super::webhook::router())
}

type Answer = (StatusCode, Json<Value>);

fn ok(v: Value) -> Answer {
    (StatusCode::OK, Json(v))
}

fn bad(msg: impl Into<String>) -> Answer {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()})))
}

async fn documents(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    let docs: Vec<Value> = w
        .smartbill
        .documents
        .iter()
        .map(|d| w.smartbill.document_json(d, &w.urls.smartbill))
        .collect();
    Json(json!({"documents": docs}))
}

async fn payments(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(json!({"payments": w.smartbill.payments_json()}))
}

async fn get_limit(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(json!(w.smartbill.limiter.config))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LimitBody {
    status: Option<u16>,
    calls: Option<u32>,
    window_ms: Option<i64>,
    block_ms: Option<i64>,
    extend_block_on_retry: Option<bool>,
}

async fn set_limit(AxState(s): AxState<Shared>, Json(b): Json<LimitBody>) -> Answer {
    if b.status.is_some_and(|x| x != 403 && x != 429) {
        return bad("status must be 403 or 429");
    }
    if b.calls == Some(0) || b.window_ms.is_some_and(|x| x <= 0) || b.block_ms.is_some_and(|x| x < 0) {
        return bad("calls and windowMs must be positive, blockMs not negative");
    }
    let mut w = s.lock();
    let cfg = &mut w.smartbill.limiter.config;
    if let Some(x) = b.status {
        cfg.status = x;
    }
    if let Some(x) = b.calls {
        cfg.calls = x;
    }
    if let Some(x) = b.window_ms {
        cfg.window_ms = x;
    }
    if let Some(x) = b.block_ms {
        cfg.block_ms = x;
    }
    if let Some(x) = b.extend_block_on_retry {
        cfg.extend_block_on_retry = x;
    }
    ok(json!(cfg))
}

async fn lift_block(AxState(s): AxState<Shared>) -> Json<Value> {
    s.lock().smartbill.limiter.lift();
    Json(json!({"ok": true}))
}

async fn get_stock(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(json!({"stock": w.smartbill.stock_levels()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockBody {
    warehouse: String,
    code: String,
    quantity: f64,
    date: Option<String>,
}

/// One stock level, or a list of them (`{"items": [...]}`) for large catalogues; an unknown code
/// creates the product. A list answers only the count, not every level.
#[derive(Deserialize)]
#[serde(untagged)]
enum StockRequest {
    Many { items: Vec<StockBody> },
    One(StockBody),
}

async fn set_stock(AxState(s): AxState<Shared>, Json(b): Json<StockRequest>) -> Answer {
    let (items, many) = match b {
        StockRequest::Many { items } => (items, true),
        StockRequest::One(one) => (vec![one], false),
    };
    let mut w = s.lock();
    let before = w.smartbill.webhook_levels();
    for b in &items {
        let Ok(qty) = Decimal::try_from(b.quantity) else {
            return bad("quantity");
        };
        let date = match b.date.as_deref() {
            None => super::stock_import_date(),
            Some(d) => match parse_date(d) {
                Some(d) => d,
                None => return bad("date must be yyyy-MM-dd"),
            },
        };
        if let Err(e) = w.smartbill.set_stock(&b.warehouse, &b.code, qty, date) {
            super::webhook::after(&s, &mut w.smartbill, before);
            return bad(e);
        }
    }
    super::webhook::after(&s, &mut w.smartbill, before);
    if many {
        ok(json!({"updated": items.len()}))
    } else {
        ok(json!({"stock": w.smartbill.stock_levels()}))
    }
}

async fn get_series(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    let list: Vec<Value> = w
        .smartbill
        .series
        .iter()
        .map(|x| json!({"name": x.name, "nextNumber": x.next, "type": x.kind.letter()}))
        .collect();
    Json(json!({"series": list}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeriesBody {
    name: String,
    next_number: u32,
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn set_series(AxState(s): AxState<Shared>, Json(b): Json<SeriesBody>) -> Answer {
    let mut w = s.lock();
    let kind = b.kind.as_deref().map(SeriesType::parse);
    if let Some(None) = kind {
        return bad("type must be f, p or c");
    }
    match w.smartbill.series_mut(&b.name) {
        Some(ser) => {
            ser.next = b.next_number;
            if let Some(Some(k)) = kind {
                ser.kind = k;
            }
        }
        None => match kind {
            Some(Some(k)) => w.smartbill.series.push(Series {
                name: b.name.clone(),
                kind: k,
                next: b.next_number,
            }),
            _ => return bad("unknown series; give its type to create it"),
        },
    }
    let list: Vec<Value> = w
        .smartbill
        .series
        .iter()
        .map(|x| json!({"name": x.name, "nextNumber": x.next, "type": x.kind.letter()}))
        .collect();
    ok(json!({"series": list}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    series: String,
    number: String,
    amount: f64,
    #[serde(rename = "type")]
    kind: Option<String>,
    date: Option<String>,
}

async fn add_payment(AxState(s): AxState<Shared>, Json(b): Json<PaymentBody>) -> Answer {
    let Ok(amount) = Decimal::try_from(b.amount) else {
        return bad("amount");
    };
    let mut w = s.lock();
    let date = match b.date.as_deref() {
        None => w.clock.today_ro(),
        Some(d) => match parse_date(d) {
            Some(d) => d,
            None => return bad("date must be yyyy-MM-dd"),
        },
    };
    let kind = b.kind.unwrap_or_else(|| "Ordin plata".into());
    match w
        .smartbill
        .record_payment(&b.series, &b.number, amount.round_dp(4), &kind, date)
    {
        Ok(id) => ok(json!({"id": id})),
        Err(e) => bad(e),
    }
}

async fn get_settings(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(json!(w.smartbill.settings))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsBody {
    use_product_codes: Option<bool>,
    vat_payer: Option<bool>,
    stock_module: Option<bool>,
    mail_server: Option<bool>,
    cash_register: Option<bool>,
}

async fn set_settings(AxState(s): AxState<Shared>, Json(b): Json<SettingsBody>) -> Json<Value> {
    let mut w = s.lock();
    let st = &mut w.smartbill.settings;
    if let Some(x) = b.use_product_codes {
        st.use_product_codes = x;
    }
    if let Some(x) = b.vat_payer {
        st.vat_payer = x;
    }
    if let Some(x) = b.stock_module {
        st.stock_module = x;
    }
    if let Some(x) = b.mail_server {
        st.mail_server = x;
    }
    if let Some(x) = b.cash_register {
        st.cash_register = x;
    }
    Json(json!(st))
}
