//! The `/SBORO/api` front door: one handler reads the request, takes the world lock once and runs
//! the pipeline synchronously (no lock across `.await`):
//!
//! 1. rate limiter (per token, every call counts) → 403/429 while blocked;
//! 2. Basic auth (`email:token`) → 401 §3.3(2) body;
//! 3. route + method → 404 page / 405 with `Allow`; query parameters against the allow-list
//!    ([`crate::documented`]) → 400 `json_mapping_error` (or dropped, lenient `unknownQuery`);
//! 4. for JSON endpoints: `Content-Type: application/json` (charset allowed) → else 415; JSON
//!    parse → 400 `json_parse_error`; field tables → 400 `json_mapping_error` (see `fields`);
//! 5. company CIF (`cif` query or `companyVatCode` body) → 401 "Firma … nu mai este disponibila";
//! 6. the endpoint itself.
//!
//! X-RateLimit-* headers are added to every answer. [INF] The order of 1–5 follows a Spring
//! back end behind a rate-limiting proxy (security filter before dispatch, body mapping before
//! business checks).
//!
//! CIF choice (§1.3 "issuing company CIF exactly as in Cloud"): under the strict reading of
//! `cifExactMatch` the CIF must equal the registered one exactly — the seeded company is a VAT
//! payer registered as "RO18547290", so "18547290" is refused with 401; the lenient reading
//! ignores the `RO` prefix.

use axum::extract::{Request, State as AxState};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::fields;
use super::limit::{Window, BLOCKED_TEXT};
use super::resp::{self, Resp};
use super::{documents, payments, stock, State};
use crate::documented::{self, Shape};
use crate::http::Service;
use crate::{Reading, Readings, Shared};

/// Decoded query parameters (first occurrence wins; `+` is a space).
#[derive(Clone, Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Query {
        let decode = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        Query(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `seriesname` (§1.3). The old spec's `seriesName` arrives renamed by the front door under
    /// the lenient reading of `seriesNameCamelCase`, else it is an unknown parameter.
    pub fn series(&self) -> Option<&str> {
        self.get("seriesname").filter(|s| !s.trim().is_empty())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn number(&self) -> Option<&str> {
        self.get("number").filter(|s| !s.trim().is_empty())
    }
}

/// What a handler knows about the call.
pub struct Ctx<'a> {
    /// The fake's own origin, e.g. `http://127.0.0.1:41001`.
    pub origin: &'a str,
    pub today: NaiveDate,
    /// Virtual time, RFC 3339.
    pub now: String,
    /// The request path (the `instance` of invalid-request errors).
    pub path: &'a str,
    pub query: Query,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub body: &'a [u8],
    /// The authenticated user's e-mail.
    pub user: String,
    /// The readings of the silent points in force.
    pub readings: Readings,
}

impl Ctx<'_> {
    /// Parses and maps a JSON body (steps 4 of the pipeline).
    pub fn json_body(&self, shape: &Shape) -> resp::Result<Map<String, Value>> {
        let is_json = self.content_type.as_deref().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !is_json {
            // [INF] message text; code per §3.4's list (415 invalid_content_type).
            let ct = self.content_type.clone().unwrap_or_default();
            return Err(resp::invalid_request(
                415,
                self.path,
                "invalid_content_type",
                &format!("Content-Type '{ct}' is not supported."),
                None,
            ));
        }
        let value: Value = serde_json::from_slice(self.body).map_err(|_| {
            resp::invalid_request(
                400,
                self.path,
                "json_parse_error",
                "Error parsing JSON request input.",
                None,
            )
        })?;
        let Value::Object(obj) = value else {
            return Err(resp::invalid_request(
                400,
                self.path,
                "json_parse_error",
                "Error parsing JSON request input.",
                None,
            ));
        };
        fields::check(&obj, shape, "", self.readings).map_err(|e| {
            resp::invalid_request(
                400,
                self.path,
                "json_mapping_error",
                &e.message(),
                Some(e.param()),
            )
        })?;
        Ok(obj)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Endpoint {
    Invoice,
    InvoiceV2,
    Estimate,
    EstimateV2,
    InvoiceDelete,
    EstimateDelete,
    InvoiceCancel,
    InvoiceRestore,
    EstimateCancel,
    EstimateRestore,
    InvoiceReverse,
    InvoicePdf,
    EstimatePdf,
    PaymentStatus,
    EstimateInvoices,
    Payment,
    ReceiptDelete,
    DocumentSend,
    Series,
    Tax,
    Stocks,
    Warehouses,
    Units,
}

/// Route table: path (under /SBORO/api) → methods.
fn route(path: &str, method: &str) -> Result<Endpoint, Vec<&'static str>> {
    use Endpoint::*;
    let table: &[(&str, &[(&str, Endpoint)])] = &[
        ("/invoice", &[("POST", Invoice), ("DELETE", InvoiceDelete)]),
        ("/invoice/v2", &[("POST", InvoiceV2)]),
        ("/estimate", &[("POST", Estimate), ("DELETE", EstimateDelete)]),
        ("/estimate/v2", &[("POST", EstimateV2)]),
        ("/invoice/cancel", &[("PUT", InvoiceCancel)]),
        ("/invoice/restore", &[("PUT", InvoiceRestore)]),
        ("/estimate/cancel", &[("PUT", EstimateCancel)]),
        ("/estimate/restore", &[("PUT", EstimateRestore)]),
        ("/invoice/reverse", &[("POST", InvoiceReverse)]),
        ("/invoice/pdf", &[("GET", InvoicePdf)]),
        ("/estimate/pdf", &[("GET", EstimatePdf)]),
        ("/invoice/paymentstatus", &[("GET", PaymentStatus)]),
        ("/estimate/invoices", &[("GET", EstimateInvoices)]),
        ("/payment", &[("POST", Payment)]),
        ("/payment/chitanta", &[("DELETE", ReceiptDelete)]),
        ("/document/send", &[("POST", DocumentSend)]),
        ("/series", &[("GET", Series)]),
        ("/tax", &[("GET", Tax)]),
        ("/stocks", &[("GET", Stocks)]),
        ("/company/warehouses", &[("GET", Warehouses)]),
        ("/company/mu", &[("GET", Units)]),
    ];
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let Some((_, methods)) = table.iter().find(|(p, _)| *p == trimmed) else {
        return Err(Vec::new());
    };
    methods
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, e)| *e)
        .ok_or_else(|| methods.iter().map(|(m, _)| *m).collect())
}

/// The axum handler behind every `/SBORO/api/*` path.
pub async fn dispatch(AxState(shared): AxState<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 32 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let creds = crate::http::basic_credentials(parts.headers.get("authorization"));
    let accept = header("accept");
    let content_type = header("content-type");
    let full_path = parts.uri.path().to_string();
    let sub_path = full_path.strip_prefix("/SBORO/api").unwrap_or("").to_string();
    let query = Query::parse(parts.uri.query().unwrap_or(""));
    let method = parts.method.as_str().to_string();

    let mut w = shared.lock();
    let now_ms = w.clock.now_ms();
    let today = w.clock.today_ro();
    let now = w.clock.now().to_rfc3339();
    let origin = w.urls.smartbill.clone();
    let readings = w.readings;
    let state = &mut w.smartbill;

    let token = creds.as_ref().map(|(_, t)| t.as_str()).unwrap_or("");
    let lockout = if readings.is_lenient(Reading::LockoutStatus) {
        429
    } else {
        403
    };
    let window = if readings.is_lenient(Reading::RateWindow) {
        Window::Fixed
    } else {
        Window::Sliding
    };
    let verdict = state.limiter.hit(token, now_ms, lockout, window);
    let answer = if let Some(status) = verdict.blocked {
        resp::error(status, BLOCKED_TEXT)
    } else {
        let ctx = Ctx {
            origin: &origin,
            today,
            now,
            path: &full_path,
            query,
            accept,
            content_type,
            body: &bytes,
            user: creds.as_ref().map(|(u, _)| u.clone()).unwrap_or_default(),
            readings,
        };
        let before = state.webhook_levels();
        let answer = handle(state, ctx, &method, &sub_path, creds.as_ref());
        super::webhook::after(&shared, state, before);
        answer
    };
    drop(w);
    let mut answer = answer;
    for (name, value) in verdict.headers {
        answer = answer.with_header(&name, &value);
    }
    answer.into_response()
}

fn authenticated(state: &State, creds: Option<&(String, String)>) -> bool {
    match (&state.account, creds) {
        // [INF] e-mail compared case-insensitively, token exactly.
        (Some(a), Some((user, token))) => a.email.eq_ignore_ascii_case(user) && a.token == *token,
        _ => false,
    }
}

/// The company check for `cif` query parameters (missing or unknown → 401, §1.1). The `RO`
/// prefix matters unless the `cifExactMatch` reading is lenient.
pub fn check_cif(state: &State, cif: Option<&str>, readings: Readings) -> resp::Result<()> {
    let bare = |c: &str| {
        let t = c.trim();
        t.strip_prefix("RO")
            .or_else(|| t.strip_prefix("ro"))
            .unwrap_or(t)
            .to_string()
    };
    match (&state.account, cif) {
        (Some(a), Some(c)) if a.cif == c => Ok(()),
        (Some(a), Some(c)) if readings.is_lenient(Reading::CifExactMatch) && bare(&a.cif) == bare(c) => {
            Ok(())
        }
        _ => Err(resp::unauthorized(resp::COMPANY_UNAVAILABLE)),
    }
}

/// The company check for `companyVatCode` in a body. Missing or "" → 400
/// "CIF-ul firmei ('companyVatCode') trebuie specificat"; explicit `null` → the documented 500
/// "Internal Server Error!" (§3.2, with `documentId: null` on create calls); unknown → 401.
pub fn check_body_cif(
    state: &State,
    body: &Map<String, Value>,
    create: bool,
    readings: Readings,
) -> resp::Result<()> {
    match body.get("companyVatCode") {
        Some(Value::Null) => {
            let mut m = resp::classic("Internal Server Error!", "", "", "");
            if create {
                m.insert("documentUrl".into(), Value::from(""));
                m.insert("documentId".into(), Value::Null);
                m.insert("documentViewUrl".into(), Value::from(""));
            }
            Err(Resp::json(500, &Value::Object(m)))
        }
        None => Err(missing_cif(create)),
        Some(Value::String(s)) if s.is_empty() => Err(missing_cif(create)),
        Some(v) => check_cif(state, v.as_str(), readings),
    }
}

fn missing_cif(create: bool) -> Resp {
    let text = "CIF-ul firmei ('companyVatCode') trebuie specificat";
    if create {
        resp::create_error(400, text)
    } else {
        resp::error(400, text)
    }
}

fn handle(
    state: &mut State,
    mut ctx: Ctx,
    method: &str,
    sub_path: &str,
    creds: Option<&(String, String)>,
) -> Resp {
    if !authenticated(state, creds) {
        return resp::unauthorized(resp::AUTH_FAILED);
    }
    let endpoint = match route(sub_path, method) {
        Ok(e) => e,
        Err(allowed) if allowed.is_empty() => return resp::not_found(ctx.path),
        Err(allowed) => {
            let allow = allowed.join(", ");
            // [INF] message text (Spring's wording); code per §3.3(3).
            return resp::invalid_request(
                405,
                ctx.path,
                "method_not_allowed",
                &format!("Request method '{method}' is not supported."),
                None,
            )
            .with_header("Allow", &allow);
        }
    };
    if let Err(e) = conform_query(&mut ctx, method) {
        return e;
    }
    let ctx = &ctx;
    use documents::Kind;
    use Endpoint::*;
    // Query-keyed endpoints check the company first.
    let query_keyed = !matches!(
        endpoint,
        Invoice | InvoiceV2 | Estimate | EstimateV2 | InvoiceReverse | Payment | DocumentSend
    );
    if query_keyed {
        if let Err(e) = check_cif(state, ctx.query.get("cif"), ctx.readings) {
            return e;
        }
    }
    let result = match endpoint {
        Invoice | InvoiceV2 => documents::create(state, ctx, Kind::Invoice),
        Estimate | EstimateV2 => documents::create(state, ctx, Kind::Estimate),
        InvoiceDelete => documents::delete(state, ctx, Kind::Invoice),
        EstimateDelete => documents::delete(state, ctx, Kind::Estimate),
        InvoiceCancel => documents::cancel(state, ctx, Kind::Invoice),
        EstimateCancel => documents::cancel(state, ctx, Kind::Estimate),
        InvoiceRestore => documents::restore(state, ctx, Kind::Invoice),
        EstimateRestore => documents::restore(state, ctx, Kind::Estimate),
        InvoiceReverse => documents::reverse(state, ctx),
        InvoicePdf => documents::pdf(state, ctx, Kind::Invoice),
        EstimatePdf => documents::pdf(state, ctx, Kind::Estimate),
        EstimateInvoices => documents::estimate_invoices(state, ctx),
        DocumentSend => documents::send(state, ctx),
        PaymentStatus => payments::status(state, ctx),
        Payment => payments::create(state, ctx),
        ReceiptDelete => payments::delete_receipt(state, ctx),
        Series => Ok(series(state, ctx)),
        Tax => Ok(taxes(state)),
        Stocks => Ok(stock::get_stocks(state, ctx)),
        Warehouses => Ok(stock::get_warehouses(state)),
        Units => Ok(stock::get_units(state)),
    };
    result.unwrap_or_else(|e| e)
}

/// The allow-list for query parameters ([`crate::documented`]): an undocumented one is refused
/// with 400 `invalid_request_error` / `json_mapping_error` naming it (or dropped under the lenient
/// reading of `unknownQuery`); the old `seriesName` becomes `seriesname` under the lenient reading
/// of `seriesNameCamelCase`.
fn conform_query(ctx: &mut Ctx, method: &str) -> resp::Result<()> {
    let Some(endpoint) = documented::lookup(Service::SmartBill, method, ctx.path) else {
        return Ok(());
    };
    let none = |_: documented::Scope, _: &str| false;
    let bad = documented::undocumented_query(endpoint, ctx.query.names(), ctx.readings, &none);
    if let Some((first, _)) = bad.first() {
        if ctx.readings.is_strict(Reading::UnknownQuery) {
            return Err(resp::invalid_request(
                400,
                ctx.path,
                "json_mapping_error",
                &format!("Unrecognized property: {first}."),
                Some(first),
            ));
        }
        ctx.query.0.retain(|(k, _)| !bad.iter().any(|(b, _)| b == k));
    }
    if ctx.readings.is_lenient(Reading::SeriesNameCamelCase) && ctx.query.get("seriesname").is_none() {
        for (k, _) in ctx.query.0.iter_mut() {
            if k == "seriesName" {
                *k = "seriesname".to_string();
            }
        }
    }
    Ok(())
}

/// `GET /series?cif=&type=` (§2.11). `nextNumber` is an integer (new spec).
fn series(state: &State, ctx: &Ctx) -> Resp {
    use super::state::SeriesType;
    let filter = match ctx.query.get("type").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match SeriesType::parse(t) {
            Some(kind) => Some(kind),
            None => {
                return resp::error(
                    400,
                    &format!(
                        "Tipul documentului nu poate fi {t}! Parametrul type poate lua valorile: 'f' pentru factura, 'p' pentru proforma si 'c' pentru chitanta."
                    ),
                )
            }
        },
    };
    let list: Vec<Value> = state
        .series
        .iter()
        .filter(|s| filter.is_none_or(|k| s.kind == k))
        .map(|s| serde_json::json!({"name": s.name, "nextNumber": s.next, "type": s.kind.letter()}))
        .collect();
    let mut body = resp::classic("", "", "", "");
    body.insert("list".into(), Value::Array(list));
    Resp::json(200, &Value::Object(body))
}

/// `GET /tax?cif=` (§2.10). A non-VAT-payer company gets "Firma este neplatitoare de tva."
/// (what the official plugin expects; [INF] status 400).
fn taxes(state: &State) -> Resp {
    if !state.settings.vat_payer {
        return resp::error(400, "Firma este neplatitoare de tva.");
    }
    let list: Vec<Value> = state
        .taxes
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "percentage": super::money::json_number(t.percentage)}))
        .collect();
    let mut body = resp::classic("", "", "", "");
    body.insert("taxes".into(), Value::Array(list));
    Resp::json(200, &Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_and_series_spellings() {
        let q = Query::parse(
            "cif=RO1&seriesName=FCT&number=0001&warehouseName=Depozit+Central&productName=Monitor%20LG",
        );
        assert_eq!(q.series(), None, "only the lowercase spelling is read");
        assert_eq!(q.get("warehouseName"), Some("Depozit Central"));
        assert_eq!(q.get("productName"), Some("Monitor LG"));
        let q = Query::parse("seriesname=FMC&seriesName=FCT&number=");
        assert_eq!(q.series(), Some("FMC"));
        assert_eq!(q.number(), None);
    }

    #[test]
    fn routes_and_allowed_methods() {
        assert_eq!(route("/invoice/v2", "POST"), Ok(Endpoint::InvoiceV2));
        assert_eq!(route("/invoice", "GET"), Err(vec!["POST", "DELETE"]));
        assert_eq!(route("/invoice/list", "GET"), Err(vec![]));
        assert_eq!(route("/stocks/", "GET"), Ok(Endpoint::Stocks));
    }
}
