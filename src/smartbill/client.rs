//! The SmartBill V1 client over [`Transport`]. Vendor quirks are handled here, each with a pointer
//! to `shared/reference/smartbill-api.md`.

use std::cell::Cell;

use base64::Engine;
use chrono::NaiveDate;
use minicrm_smartbill_macros::LeanDeserialize;
use serde::de::DeserializeOwned;

use super::types::*;
use crate::error::{strip_html, Error, Result, Service, SmartBillKind};
use crate::jobs::Gate;
use crate::platform::json::AnyValue;
use crate::platform::{Clock, HttpRequest, HttpResponse, Method, Transport, TransportError};
use crate::url::encode_query;

pub const DEFAULT_API_BASE: &str = "https://ws.smartbill.ro/SBORO/api";
/// §3.5: exceeding the limit blocks the token for 10 minutes.
pub const LOCKOUT_MS: i64 = 10 * 60 * 1000;

#[derive(Clone, Debug)]
pub struct Credentials {
    /// Normally [`DEFAULT_API_BASE`]; the sandbox's address in tests.
    pub api_base: String,
    pub email: String,
    pub token: String,
    /// The company's CIF exactly as registered in SmartBill Cloud (§1.3).
    pub cif: String,
}

pub struct SmartBill<'a> {
    transport: &'a dyn Transport,
    clock: &'a dyn Clock,
    creds: Credentials,
    gate: Option<Gate<'a>>,
    last_rate: Cell<Option<RateInfo>>,
    calls: Cell<u32>,
    timeout_ms: u32,
}

impl<'a> SmartBill<'a> {
    pub fn new(transport: &'a dyn Transport, clock: &'a dyn Clock, creds: Credentials) -> SmartBill<'a> {
        SmartBill {
            transport,
            clock,
            creds,
            gate: None,
            last_rate: Cell::new(None),
            calls: Cell::new(0),
            timeout_ms: 30_000,
        }
    }

    /// Every request gives up after this long; the outcome of a POST is then unknown.
    pub fn timeout(mut self, ms: u32) -> SmartBill<'a> {
        self.timeout_ms = ms.max(1);
        self
    }

    /// Sends every call through a governor (30 calls / 10 s; a lockout pauses all SmartBill work).
    pub fn governed(mut self, gate: Gate<'a>) -> SmartBill<'a> {
        self.gate = Some(gate);
        self
    }

    pub fn cif(&self) -> &str {
        &self.creds.cif
    }

    /// The `X-RateLimit-*` headers of the last answer.
    pub fn last_rate(&self) -> Option<RateInfo> {
        self.last_rate.get()
    }

    /// How many HTTP calls this client made.
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    fn auth_header(&self) -> String {
        let raw = format!("{}:{}", self.creds.email, self.creds.token);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        let base = self.creds.api_base.trim_end_matches('/');
        if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{}", encode_query(query))
        }
    }

    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse> {
        request.timeout_ms = self.timeout_ms;
        let slot = match &self.gate {
            Some(gate) => Some(gate.enter().await?),
            None => None,
        };
        self.calls.set(self.calls.get() + 1);
        let sent = self.transport.send(request).await;
        if let (Some(gate), Some(taken)) = (&self.gate, slot) {
            gate.leave(taken).await;
        }
        let response = sent.map_err(|e| match e {
            TransportError::Unreachable(detail) => Error::Unreachable {
                service: Service::SmartBill,
                detail,
            },
            TransportError::NoAnswer(detail) => Error::NoAnswer {
                service: Service::SmartBill,
                detail,
            },
        })?;
        if let (Some(limit), Some(remaining), Some(reset)) = (
            response
                .header("x-ratelimit-limit")
                .and_then(|v| v.trim().parse().ok()),
            response
                .header("x-ratelimit-remaining")
                .and_then(|v| v.trim().parse().ok()),
            response
                .header("x-ratelimit-reset")
                .and_then(|v| v.trim().parse().ok()),
        ) {
            self.last_rate.set(Some(RateInfo {
                limit,
                remaining,
                reset_s: reset,
            }));
            if let Some(gate) = &self.gate {
                // Calls SmartBill counted that are not ours (another browser on this token)
                // take slots in our governor: we yield to them.
                gate.governor
                    .observe_remote(gate.store, gate.clock, limit, remaining)
                    .await;
                if remaining == 0 {
                    // SmartBill's window is spent: wait for the next one (§3.5).
                    gate.governor
                        .hold(gate.store, gate.clock, reset.saturating_mul(1000))
                        .await;
                }
            }
        }
        Ok(response)
    }

    /// A call whose answer is read as SmartBill's envelope (§3.1), and the response, whose body
    /// the caller may read further ([`Self::json_call`]). Not generic, so the WASM holds the
    /// call once, not once per type read from an answer.
    async fn envelope_call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<(Envelope, HttpResponse)> {
        let mut request = HttpRequest::new(method, self.url(path, query))
            .header("Authorization", self.auth_header())
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json_body(body);
        }
        let response = self.send(request).await?;
        self.checked(&response).await?;
        let envelope: Envelope =
            crate::platform::from_json(&response.body).map_err(|e| self.unexpected(&response, e))?;
        // §3.1: errorText is the source of truth, even on HTTP 200.
        if !envelope.error_text.trim().is_empty() {
            return Err(Error::SmartBill {
                status: response.status,
                kind: SmartBillKind::Rejected,
                text: strip_html(&envelope.error_text),
            });
        }
        Ok((envelope, response))
    }

    /// [`Self::envelope_call`], and the answer read as `T` too.
    async fn json_call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<(Envelope, T)> {
        let (envelope, response) = self.envelope_call(method, path, query, body).await?;
        let value: T =
            crate::platform::from_json(&response.body).map_err(|e| self.unexpected(&response, e))?;
        Ok((envelope, value))
    }

    fn unexpected(&self, response: &HttpResponse, e: impl std::fmt::Display) -> Error {
        Error::UnexpectedAnswer {
            service: Service::SmartBill,
            status: response.status,
            detail: e.to_string(),
        }
    }

    /// [`Self::check`], and a lockout answer blocks the governor for every SmartBill job.
    async fn checked(&self, response: &HttpResponse) -> Result<()> {
        let result = self.check(response);
        if let (
            Err(Error::SmartBill {
                kind: SmartBillKind::RateLimited { until_ms },
                ..
            }),
            Some(gate),
        ) = (&result, &self.gate)
        {
            gate.governor.block(gate.store, *until_ms).await;
        }
        result
    }

    /// Turns a non-2xx answer into an error that keeps SmartBill's text (§3.2, §3.3).
    fn check(&self, response: &HttpResponse) -> Result<()> {
        let status = response.status;
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body: ErrorBody = crate::platform::json::from_slice(&response.body).unwrap_or_default();
        let error_text = body.error_text.as_str().map(strip_html).filter(|t| !t.is_empty());
        // §3.3(3): pre-validation errors carry `errors[0].message` and `param`, no errorText.
        let first_error = body
            .errors
            .read::<Vec<AnyValue>>()
            .and_then(|all| all.into_iter().next());
        let first = first_error
            .as_ref()
            .and_then(AnyValue::read::<FirstError>)
            .unwrap_or_default();
        let problem_text = first.message.as_str().map(str::to_string);
        let param = first.param.as_str().map(str::to_string);
        let text = error_text
            .clone()
            .or(problem_text.clone())
            .or_else(|| body.code.as_str().map(str::to_string))
            .unwrap_or_else(|| {
                // HTML pages (500 Tomcat, 502 nginx): keep the title-ish text, short.
                let plain = strip_html(&response.text());
                plain.chars().take(200).collect()
            });
        let lower = crate::text::lower(&text);
        let kind = match status {
            401 if lower.contains("firma") => SmartBillKind::Company,
            401 => SmartBillKind::Auth,
            // §3.5 and peers.md (c)2: the lockout is 403 (old spec, live reports) or 429 (new
            // spec); its text speaks of the "limita maxima" of calls.
            429 => SmartBillKind::RateLimited {
                until_ms: self.lockout_until(),
            },
            403 if lower.contains("limita") => SmartBillKind::RateLimited {
                until_ms: self.lockout_until(),
            },
            403 => SmartBillKind::Forbidden,
            400 | 405 | 406 | 415 | 422
                if first_error.is_some() || problem_text.is_some() || error_text.is_none() =>
            {
                SmartBillKind::BadRequest { param }
            }
            400 | 422 => SmartBillKind::Rejected,
            404 | 410 | 502 => SmartBillKind::NotFound,
            500..=599 => SmartBillKind::Server,
            _ => SmartBillKind::Rejected,
        };
        Err(Error::SmartBill { status, kind, text })
    }

    /// When a lockout that starts now ends (10 minutes; shorter with a governor whose windows are
    /// scaled down to match a sped-up sandbox).
    fn lockout_until(&self) -> i64 {
        let scale = self
            .gate
            .as_ref()
            .map(|g| g.governor.window_ms() as f64 / g.governor.limit().window_ms as f64)
            .unwrap_or(1.0);
        self.clock.now_ms() + (LOCKOUT_MS as f64 * scale).ceil() as i64
    }

    fn doc_query<'q>(&'q self, series: &'q str, number: &'q str) -> [(&'q str, &'q str); 3] {
        // §1.3: `seriesname` in lower case, as the plugins and the new spec send it.
        [
            ("cif", self.creds.cif.as_str()),
            ("seriesname", series),
            ("number", number),
        ]
    }

    /// `GET /series` (§2.11).
    pub async fn series(&self, kind: Option<SeriesType>) -> Result<Vec<Series>> {
        let mut query = vec![("cif", self.creds.cif.as_str())];
        if let Some(k) = kind {
            query.push(("type", k.code()));
        }
        let (_, list): (_, SeriesList) = self.json_call(Method::Get, "/series", &query, None).await?;
        Ok(list.list)
    }

    /// `GET /tax` (§2.10).
    pub async fn taxes(&self) -> Result<Vec<Tax>> {
        let (_, list): (_, TaxList) = self
            .json_call(Method::Get, "/tax", &[("cif", self.creds.cif.as_str())], None)
            .await?;
        Ok(list.taxes)
    }

    /// `POST /invoice/v2` (§2.1).
    pub async fn create_invoice(&self, request: &DocumentRequest) -> Result<Created> {
        self.create_document(false, request).await
    }

    /// [`Self::create_invoice`], or [`Self::create_estimate`] for a proforma: one call for
    /// either, so that a workflow awaits one future whatever its document type.
    pub async fn create_document(&self, proforma: bool, request: &DocumentRequest) -> Result<Created> {
        let path = if proforma { "/estimate/v2" } else { "/invoice/v2" };
        self.create(path, request).await
    }

    /// `POST /estimate/v2` (§2.2). Invoice-only fields must be `None`.
    pub async fn create_estimate(&self, request: &DocumentRequest) -> Result<Created> {
        self.create_document(true, request).await
    }

    async fn create(&self, path: &str, request: &DocumentRequest) -> Result<Created> {
        let body = serde_json::to_vec(request).map_err(|e| Error::BadCommand {
            detail: e.to_string(),
        })?;
        let (env, _) = self.envelope_call(Method::Post, path, &[], Some(body)).await?;
        Ok(created(env))
    }

    /// `POST /invoice/reverse` (§2.6): a storno of the whole invoice.
    pub async fn reverse_invoice(
        &self,
        series: &str,
        number: &str,
        issue_date: Option<NaiveDate>,
    ) -> Result<Created> {
        let body = ReverseRequest {
            company_vat_code: self.creds.cif.clone(),
            series_name: series.to_string(),
            number: number.to_string(),
            issue_date,
        };
        let body = serde_json::to_vec(&body).map_err(|e| Error::BadCommand {
            detail: e.to_string(),
        })?;
        let (env, _) = self
            .envelope_call(Method::Post, "/invoice/reverse", &[], Some(body))
            .await?;
        Ok(created(env))
    }

    /// `PUT /invoice/cancel` (§2.5); idempotent. Returns SmartBill's message.
    pub async fn cancel_invoice(&self, series: &str, number: &str) -> Result<String> {
        self.cancel_document(false, series, number).await
    }

    /// [`Self::cancel_invoice`], or [`Self::cancel_estimate`] for a proforma: one call for
    /// either (see [`Self::create_document`]).
    pub async fn cancel_document(&self, proforma: bool, series: &str, number: &str) -> Result<String> {
        let q = self.doc_query(series, number);
        let path = if proforma {
            "/estimate/cancel"
        } else {
            "/invoice/cancel"
        };
        let (env, _) = self.envelope_call(Method::Put, path, &q, None).await?;
        Ok(env.message)
    }

    /// `PUT /estimate/cancel` (§2.5); idempotent.
    pub async fn cancel_estimate(&self, series: &str, number: &str) -> Result<String> {
        self.cancel_document(true, series, number).await
    }

    /// `PUT /invoice/restore` (§2.5); idempotent.
    pub async fn restore_invoice(&self, series: &str, number: &str) -> Result<String> {
        let q = self.doc_query(series, number);
        let (env, _) = self
            .envelope_call(Method::Put, "/invoice/restore", &q, None)
            .await?;
        Ok(env.message)
    }

    /// `DELETE /invoice` (§2.5): only the last invoice of its series.
    pub async fn delete_invoice(&self, series: &str, number: &str) -> Result<String> {
        let q = self.doc_query(series, number);
        let (env, _) = self.envelope_call(Method::Delete, "/invoice", &q, None).await?;
        Ok(env.message)
    }

    /// `GET /invoice/paymentstatus` (§2.4).
    pub async fn payment_status(&self, series: &str, number: &str) -> Result<PaymentStatus> {
        let q = self.doc_query(series, number);
        let (_, status): (_, PaymentStatus) = self
            .json_call(Method::Get, "/invoice/paymentstatus", &q, None)
            .await?;
        Ok(status)
    }

    /// `GET /invoice/pdf` or `/estimate/pdf` (§2.3). `Accept: application/pdf` is answered with
    /// 406 and the Content-Type mirrors the Accept sent (§1.2), so we ask for octet-stream and
    /// check the bytes, not the header.
    pub async fn pdf(&self, proforma: bool, series: &str, number: &str) -> Result<Vec<u8>> {
        let path = if proforma { "/estimate/pdf" } else { "/invoice/pdf" };
        let q = self.doc_query(series, number);
        let request = HttpRequest::new(Method::Get, self.url(path, &q))
            .header("Authorization", self.auth_header())
            .header("Accept", "application/octet-stream");
        let response = self.send(request).await?;
        self.checked(&response).await?;
        if !response.body.starts_with(b"%PDF") {
            return Err(Error::UnexpectedAnswer {
                service: Service::SmartBill,
                status: response.status,
                detail: "the answer is not a PDF".into(),
            });
        }
        Ok(response.body)
    }

    /// `GET /stocks` (§2.12). `warehouse`/`product_code` narrow the answer.
    pub async fn stocks(
        &self,
        date: NaiveDate,
        warehouse: Option<&str>,
        product_code: Option<&str>,
    ) -> Result<Vec<WarehouseStock>> {
        let date = crate::platform::when::ymd(date);
        let mut q = vec![("cif", self.creds.cif.as_str()), ("date", date.as_str())];
        if let Some(w) = warehouse {
            q.push(("warehouseName", w));
        }
        if let Some(c) = product_code {
            q.push(("productCode", c));
        }
        let (_, list): (_, StockList) = self.json_call(Method::Get, "/stocks", &q, None).await?;
        Ok(list.list)
    }
}

fn created(env: Envelope) -> Created {
    Created {
        series: env.series,
        number: env.number,
        document_url: env.document_url,
        document_id: env.document_id,
        document_view_url: env.document_view_url,
        url: env.url,
    }
}

/// What the core reads of SmartBill's error body (§3.2, §3.3), each part whatever its type:
/// only a string counts.
#[derive(Default, LeanDeserialize)]
#[serde(default)]
struct ErrorBody {
    #[serde(rename = "errorText")]
    error_text: AnyValue,
    errors: AnyValue,
    code: AnyValue,
}

/// The first of an error body's `errors` (§3.3(3)).
#[derive(Default, LeanDeserialize)]
#[serde(default)]
struct FirstError {
    message: AnyValue,
    param: AnyValue,
}
