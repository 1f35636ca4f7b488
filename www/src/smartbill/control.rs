//! Control API of the fake SmartBill, nested under `/__control/smartbill` (JSON, camelCase).
//! Not part of SmartBill's API.
//!
//! | method + path | body / query | does |
//! |---|---|---|
//! | `GET /documents` | | every document with all stored facts (totals as strings, raw request) |
//! | `GET /payments` | | every collection |
//! | `GET /limit` | | the rate-limit settings (`status` is the `lockoutStatus` reading: 403 strict, 429 lenient) |
//! | `POST /limit` | `{status: 403\|429, calls, windowMs, blockMs, extendBlockOnRetry}` (all optional) | change them |
//! | `DELETE /limit/block` | | lift every block and forget the windows |
//! | `GET /stock` | | every product level per warehouse |
//! | `POST /stock` | `{warehouse, code, quantity, date?}` | set the current level (an adjustment movement dated `date`, default the initial import date so back-dated documents see it) |
//! | `GET /series` | | the series |
//! | `POST /series` | `{name, nextNumber, type?: "f"\|"p"\|"c"}` | set a next number (or create a series) |
//! | `POST /payment` | `{series, number, amount, type?, date?}` | record a collection as if made in the UI |
//! | `POST /invoices` | `{count, series?, issueDate?, dayStep?, client?, products?, prices?, paid?}` | issues invoices directly (no rate limit), answers their numbers |
//! | `GET /settings` | | account settings, plus `readings` (the SmartBill points) |
//! | `POST /settings` | `{useProductCodes, vatPayer, stockModule, mailServer, cashRegister, readings: {<key>: "strict"\|"lenient"}}` (optional) | change them |
//! | `GET/POST /webhook`, `POST /webhook/replay`, `POST /webhook/test` | | the stock webhook sender, see `smartbill::webhook` |

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::{Ctx, Query};
use super::fields::parse_date;
use super::state::{DocKind, Series, SeriesType, State};
use crate::http::Service;
use crate::{Reading, Readings, Shared};

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/documents", get(documents))
        .route("/payments", get(payments))
        .route("/limit", get(get_limit).post(set_limit))
        .route("/limit/block", delete(lift_block))
        .route("/stock", get(get_stock).post(set_stock))
        .route("/series", get(get_series).post(set_series))
        .route("/payment", axum::routing::post(add_payment))
        .route("/invoices", axum::routing::post(add_invoices))
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

fn limit_json(w: &crate::World) -> Value {
    let mut v = json!(w.smartbill.limiter.config);
    v["status"] = json!(if w.readings.is_lenient(Reading::LockoutStatus) {
        429
    } else {
        403
    });
    v
}

async fn get_limit(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(limit_json(&w))
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
    if let Some(x) = b.status {
        w.readings.set(Reading::LockoutStatus, x == 429);
    }
    let cfg = &mut w.smartbill.limiter.config;
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
    ok(limit_json(&w))
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

fn settings_json(w: &crate::World) -> Value {
    let mut v = json!(w.smartbill.settings);
    v["readings"] = w.readings.to_json(Some(Service::SmartBill));
    v
}

async fn get_settings(AxState(s): AxState<Shared>) -> Json<Value> {
    let w = s.lock();
    Json(settings_json(&w))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsBody {
    use_product_codes: Option<bool>,
    vat_payer: Option<bool>,
    stock_module: Option<bool>,
    mail_server: Option<bool>,
    cash_register: Option<bool>,
    /// `{"<reading key>": "strict"|"lenient", "all": …}` (see `crate::documented::READINGS`).
    readings: Option<Value>,
}

async fn set_settings(AxState(s): AxState<Shared>, Json(b): Json<SettingsBody>) -> Answer {
    let mut w = s.lock();
    if let Some(r) = &b.readings {
        let mut readings = w.readings;
        if let Err(e) = readings.apply_json(r) {
            return bad(e);
        }
        w.readings = readings;
    }
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
    ok(settings_json(&w))
}

/// Issues one invoice as `POST /invoice/v2` would, without the rate limiter, the request log or
/// the readings (the body must be documented under the strict readings). Answers the V1 reply.
pub fn issue_direct(
    s: &mut State,
    origin: &str,
    today: NaiveDate,
    now: &str,
    body: &Value,
) -> Result<Value, String> {
    let bytes = body.to_string().into_bytes();
    let user = s.account.as_ref().map(|a| a.email.clone()).unwrap_or_default();
    let ctx = Ctx {
        origin,
        today,
        now: now.to_string(),
        path: "/SBORO/api/invoice/v2",
        query: Query::default(),
        accept: Some("application/json".into()),
        content_type: Some("application/json".into()),
        body: &bytes,
        user,
        readings: Readings::strict(),
    };
    let resp = super::documents::create(s, &ctx, DocKind::Invoice).unwrap_or_else(|e| e);
    let v = resp.json_body().unwrap_or(Value::Null);
    if resp.status == 200 {
        Ok(v)
    } else {
        Err(v["errorText"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InvoicesBody {
    count: u32,
    /// Default: the seeded invoice series.
    series: Option<String>,
    /// The first invoice's date (default today).
    issue_date: Option<String>,
    /// Days between consecutive invoices (default 0: all on `issueDate`).
    #[serde(default)]
    day_step: u32,
    /// Default: the seeded Bucharest company.
    client: Option<Value>,
    /// The lines of every invoice (default: one "Cablu HDMI 2m", 1 buc at `prices`, 21 %).
    products: Option<Vec<Value>>,
    /// Net unit prices of the default line, used in turn (default `[100]`).
    prices: Option<Vec<f64>>,
    /// What is collected on each invoice, used in turn: an amount, or `"full"` (default none).
    paid: Option<Vec<Value>>,
}

/// `POST /__control/smartbill/invoices`: many issued invoices at once, straight into the
/// account (for tests that need hundreds without going through the rate-limited API).
async fn add_invoices(AxState(shared): AxState<Shared>, Json(b): Json<InvoicesBody>) -> Answer {
    if b.count == 0 || b.count > 5000 {
        return bad("count must be 1..5000");
    }
    let mut w = shared.lock();
    let series = b
        .series
        .clone()
        .unwrap_or_else(|| crate::seed::INVOICE_SERIES.to_string());
    let first_date = match b.issue_date.as_deref() {
        None => w.clock.today_ro(),
        Some(d) => match parse_date(d) {
            Some(d) => d,
            None => return bad("issueDate must be yyyy-MM-dd"),
        },
    };
    let client = b.client.clone().unwrap_or_else(|| {
        json!({"name": "Tehnoserv Construct SRL", "vatCode": crate::seed::CUSTOMER_BUCHAREST_CIF,
               "country": "Romania", "county": "Bucuresti", "city": "Sector 3", "address": "Str. Ion Nistor 4"})
    });
    let prices = b
        .prices
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| vec![100.0]);
    let paid = b.paid.clone().unwrap_or_default();
    let cif = w
        .smartbill
        .account
        .as_ref()
        .map(|a| a.cif.clone())
        .unwrap_or_default();
    let origin = w.urls.smartbill.clone();
    let today = w.clock.today_ro();
    let now = w.clock.now().to_rfc3339();
    let mut out = Vec::new();
    for i in 0..b.count as usize {
        let date = first_date
            .checked_add_days(chrono::Days::new(u64::from(b.day_step) * i as u64))
            .unwrap_or(first_date);
        let products = b.products.clone().unwrap_or_else(|| {
            vec![
                json!({"name": "Cablu HDMI 2m", "code": "CAB-HDMI", "measuringUnitName": "buc",
                        "currency": "RON", "quantity": 1, "price": prices[i % prices.len()],
                        "taxName": "Normala", "taxPercentage": 21}),
            ]
        });
        let body = json!({"companyVatCode": cif, "seriesName": series, "issueDate": date.to_string(),
                          "client": client, "products": products});
        let reply = match issue_direct(&mut w.smartbill, &origin, today, &now, &body) {
            Ok(r) => r,
            Err(e) => return bad(format!("invoice {}: {e}", i + 1)),
        };
        let number = reply["number"].as_str().unwrap_or("").to_string();
        let total = w
            .smartbill
            .find_doc(DocKind::Invoice, &series, &number)
            .map(|d| d.totals.gross)
            .unwrap_or_default();
        let collected = match paid.get(i % paid.len().max(1)) {
            Some(Value::String(s)) if s == "full" => total,
            Some(v) => v
                .as_f64()
                .and_then(|f| Decimal::try_from(f).ok())
                .unwrap_or_default()
                .round_dp(4),
            None => Decimal::ZERO,
        };
        if !collected.is_zero() {
            if let Err(e) = w
                .smartbill
                .record_payment(&series, &number, collected, "Ordin plata", date)
            {
                return bad(e);
            }
        }
        out.push(
            json!({"series": series, "number": number, "issueDate": date.to_string(),
                        "total": format!("{:.2}", total.round_dp(2)), "paid": format!("{:.2}", collected.round_dp(2)),
                        "documentId": reply["documentId"]}),
        );
    }
    ok(json!({"invoices": out}))
}
