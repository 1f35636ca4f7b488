//! The MiniCRM client over [`Transport`] (`shared/reference/minicrm-api.md`).

use std::cell::Cell;

use base64::Engine;
use minicrm_smartbill_macros::LeanDeserialize;
use serde::de::DeserializeOwned;

use super::types::*;
use crate::document::DocumentKind;
use crate::error::{Error, MiniCrmKind, Result, Service};
use crate::jobs::Gate;
use crate::platform::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use crate::url::encode_query;

#[derive(Clone, Debug)]
pub struct Credentials {
    /// `https://r3.minicrm.ro` (or .hu/.io; the sandbox in tests), no trailing slash.
    pub base: String,
    pub system_id: String,
    pub api_key: String,
}

pub struct MiniCrm<'a> {
    transport: &'a dyn Transport,
    creds: Credentials,
    gate: Option<Gate<'a>>,
    calls: Cell<u32>,
    timeout_ms: u32,
}

/// After a 429 MiniCRM gives no Retry-After (§1.3); public clients wait 5–60 s. We pause all
/// MiniCRM work for this long (scaled with the governor's time scale), doubling on repeats.
pub const BACKOFF_MS: i64 = 15_000;
const MAX_RETRIES_AFTER_429: u32 = 3;

impl<'a> MiniCrm<'a> {
    pub fn new(transport: &'a dyn Transport, creds: Credentials) -> MiniCrm<'a> {
        MiniCrm {
            transport,
            creds,
            gate: None,
            calls: Cell::new(0),
            timeout_ms: 30_000,
        }
    }

    /// Every request gives up after this long.
    pub fn timeout(mut self, ms: u32) -> MiniCrm<'a> {
        self.timeout_ms = ms.max(1);
        self
    }

    /// Sends every call through a governor (60/min); a 429 pauses all MiniCRM work for a backoff
    /// and the call is retried when the gate's wait allows it.
    pub fn governed(mut self, gate: Gate<'a>) -> MiniCrm<'a> {
        self.gate = Some(gate);
        self
    }

    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        let base = self.creds.base.trim_end_matches('/');
        if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{}", encode_query(query))
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<HttpResponse> {
        let mut attempt = 0;
        loop {
            match self.call_once(method.clone(), path, query, body).await {
                Err(Error::MiniCrm {
                    kind: MiniCrmKind::RateLimited,
                    ..
                }) if attempt < MAX_RETRIES_AFTER_429 && self.gate.is_some() => {
                    attempt += 1;
                    if let Some(gate) = &self.gate {
                        let scale = gate.governor.window_ms() as f64 / gate.governor.limit().window_ms as f64;
                        let backoff = ((BACKOFF_MS << (attempt - 1)) as f64 * scale).ceil() as i64;
                        gate.governor
                            .block(gate.store, gate.clock.now_ms() + backoff)
                            .await;
                    }
                    // A 429 means the request was not processed: sending it again is safe.
                }
                other => return other,
            }
        }
    }

    async fn call_once(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<HttpResponse> {
        // A request MiniCRM refused as unknown is not sent again for a while (a loop of the
        // same refused call helps nobody): the same error comes back at once.
        let refusal_key = refusal_key(&method, path, query);
        let mut slot = None;
        if let Some(gate) = &self.gate {
            if let Ok(Some(r)) = crate::platform::load::<Refusal>(gate.store, &refusal_key).await {
                if gate.clock.now_ms() - r.at_ms < REFUSAL_MEMORY_MS {
                    return Err(Error::MiniCrm {
                        status: r.status,
                        kind: MiniCrmKind::Incompatible,
                        text: r.text,
                    });
                }
            }
            slot = Some(gate.enter().await?);
        }
        self.calls.set(self.calls.get() + 1);
        let auth = format!("{}:{}", self.creds.system_id, self.creds.api_key);
        let mut request = HttpRequest::new(method, self.url(path, query))
            .header(
                "Authorization",
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(auth)),
            )
            .header("Accept", "application/json");
        request.timeout_ms = self.timeout_ms;
        if let Some(body) = body {
            request = request.json_body(body.to_vec());
        }
        let sent = self.transport.send(request).await;
        if let (Some(gate), Some(taken)) = (&self.gate, slot) {
            gate.leave(taken).await;
        }
        let response = sent.map_err(|e| match e {
            TransportError::Unreachable(detail) => Error::Unreachable {
                service: Service::MiniCrm,
                detail,
            },
            TransportError::NoAnswer(detail) => Error::NoAnswer {
                service: Service::MiniCrm,
                detail,
            },
        })?;
        let checked = check(&response);
        if let (
            Err(Error::MiniCrm {
                kind: MiniCrmKind::Incompatible,
                status,
                text,
            }),
            Some(gate),
        ) = (&checked, &self.gate)
        {
            let r = Refusal {
                at_ms: gate.clock.now_ms(),
                status: *status,
                text: text.clone(),
            };
            let _ = crate::platform::save(gate.store, &refusal_key, &r).await;
        }
        checked?;
        Ok(response)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<T> {
        let response = self.call(method, path, query, body).await?;
        crate::platform::from_json(&response.body).map_err(|e| Error::UnexpectedAnswer {
            service: Service::MiniCrm,
            status: response.status,
            detail: e.to_string(),
        })
    }

    /// `GET /Api/R3/Category?Detailed=1` (§2.1): the modules, with their type when given.
    pub async fn categories(&self) -> Result<Vec<Category>> {
        let v: serde_json::Value = self
            .json(Method::Get, "/Api/R3/Category", &[("Detailed", "1")], None)
            .await?;
        let mut out = Vec::new();
        if let serde_json::Value::Object(map) = v {
            for (key, item) in map {
                // §2.1: the outer key is the CategoryId (the inner Id may differ).
                let Ok(id) = key.parse::<u64>() else { continue };
                let (name, kind) = match &item {
                    serde_json::Value::String(name) => (name.clone(), None),
                    serde_json::Value::Object(o) => (
                        o.get("Name")
                            .and_then(|n| n.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        o.get("Type").and_then(|t| t.as_str()).map(str::to_string),
                    ),
                    _ => continue,
                };
                out.push(Category { id, name, kind });
            }
        }
        crate::platform::sort_short_by(&mut out, |a, b| a.id < b.id);
        Ok(out)
    }

    async fn schema(&self, path: &str) -> Result<Schema> {
        let answer: AnyValue = self.json(Method::Get, path, &[], None).await?;
        Ok(schema_of(&answer))
    }

    /// `GET /Api/R3/Schema/Project/{CategoryId}` (§2.2): card fields, statuses in `StatusId`.
    pub async fn project_schema(&self, category_id: u64) -> Result<Schema> {
        self.schema(&format!("/Api/R3/Schema/Project/{category_id}"))
            .await
    }

    /// `GET /Api/R3/Schema/Business` (§2.2).
    pub async fn business_schema(&self) -> Result<Schema> {
        self.schema("/Api/R3/Schema/Business").await
    }

    /// `GET /Api/R3/Project/{id}`: labels for enums and status (§2.3).
    pub async fn project(&self, id: u64) -> Result<FieldValues> {
        self.json(Method::Get, &format!("/Api/R3/Project/{id}"), &[], None)
            .await
    }

    /// [`Self::project`] with MiniCRM's own time of the answer (its `Date` header), when sent.
    pub async fn project_dated(&self, id: u64) -> Result<(FieldValues, Option<i64>)> {
        let response = self
            .call(Method::Get, &format!("/Api/R3/Project/{id}"), &[], None)
            .await?;
        let fields = crate::platform::from_json(&response.body).map_err(|e| Error::UnexpectedAnswer {
            service: Service::MiniCrm,
            status: response.status,
            detail: e.to_string(),
        })?;
        Ok((fields, crate::platform::http_date_ms(&response)))
    }

    /// `GET /Api/{Offer|Order}/{id}` (§2.9, §2.10).
    pub async fn document(&self, kind: DocumentKind, id: u64) -> Result<Document> {
        self.json(Method::Get, &format!("/Api/{}/{id}", kind.path()), &[], None)
            .await
    }

    /// `GET /Api/{Offer|Order}/List` (§2.9).
    pub async fn list_documents(
        &self,
        kind: DocumentKind,
        filter: &ListFilter,
    ) -> Result<Page<DocumentSummary>> {
        let page = filter.page.to_string();
        let mut q: Vec<(&str, &str)> = Vec::new();
        if filter.page > 0 {
            q.push(("Page", &page));
        }
        if let Some(u) = &filter.updated_since {
            q.push(("UpdatedSince", u));
        }
        if let Some(g) = &filter.status_group {
            q.push(("StatusGroup", g));
        }
        self.json(Method::Get, &format!("/Api/{}/List", kind.path()), &q, None)
            .await
    }

    /// `GET /Api/R3/Project?CategoryId=&UpdatedSince=&Page=` (§2.3): the cards of a module changed
    /// since then. Every filter used here is documented; the caller still checks what it gets.
    pub async fn search_projects(
        &self,
        category_id: u64,
        updated_since: Option<&str>,
        page: u32,
    ) -> Result<Page<ProjectSummary>> {
        let category = category_id.to_string();
        let page_s = page.to_string();
        let mut q: Vec<(&str, &str)> = vec![("CategoryId", &category)];
        if let Some(u) = updated_since {
            q.push(("UpdatedSince", u));
        }
        if page > 0 {
            q.push(("Page", &page_s));
        }
        self.json(Method::Get, "/Api/R3/Project", &q, None).await
    }

    /// `PUT /Api/R3/Project/{ProjectId}` with only the changed fields (§2.3, §3): the documented way
    /// to write a card's fields, also file fields given a URL.
    pub async fn update_project(&self, id: u64, fields: &CardWrite) -> Result<()> {
        let body = json_body(fields);
        self.call(Method::Put, &format!("/Api/R3/Project/{id}"), &[], Some(&body))
            .await
            .map(|_| ())
    }

    /// `POST /Api/{Offer|Order}/{id}/Project`: writes card fields (§2.9, §2.10, §3). Enum values
    /// may be labels or ids; a file field takes a public URL that MiniCRM downloads.
    pub async fn update_document_card(&self, kind: DocumentKind, id: u64, fields: &CardWrite) -> Result<()> {
        let body = json_body(fields);
        self.call(
            Method::Post,
            &format!("/Api/{}/{id}/Project", kind.path()),
            &[],
            Some(&body),
        )
        .await
        .map(|_| ())
    }

    /// `PUT /Api/R3/Contact[/{id}]` → the id (§2.4).
    pub async fn put_contact(&self, id: Option<u64>, fields: &serde_json::Value) -> Result<u64> {
        let path = match id {
            Some(id) => format!("/Api/R3/Contact/{id}"),
            None => "/Api/R3/Contact".to_string(),
        };
        let r: IdReply = self
            .json(Method::Put, &path, &[], Some(&json_body(fields)))
            .await?;
        Ok(r.id)
    }

    /// `GET /Api/R3/Contact?…` (§2.4).
    pub async fn search_contacts(&self, query: &[(&str, &str)]) -> Result<Page<ContactSummary>> {
        self.json(Method::Get, "/Api/R3/Contact", query, None).await
    }

    /// `GET /Api/R3/Contact/{id}`.
    pub async fn contact(&self, id: u64) -> Result<Fields> {
        self.json(Method::Get, &format!("/Api/R3/Contact/{id}"), &[], None)
            .await
    }

    /// A contact's `Email` (`GET /Api/R3/Contact/{id}`, §2.4), when it is a string.
    pub async fn contact_email(&self, id: u64) -> Result<Option<String>> {
        #[derive(LeanDeserialize)]
        struct Contact {
            #[serde(rename = "Email", default)]
            email: AnyValue,
        }
        let contact: Contact = self
            .json(Method::Get, &format!("/Api/R3/Contact/{id}"), &[], None)
            .await?;
        Ok(contact.email.as_str().map(str::to_string))
    }

    /// `PUT /Api/R3/Address[/{id}]` (§2.5).
    pub async fn put_address(&self, id: Option<u64>, fields: &serde_json::Value) -> Result<u64> {
        let path = match id {
            Some(id) => format!("/Api/R3/Address/{id}"),
            None => "/Api/R3/Address".to_string(),
        };
        let r: IdReply = self
            .json(Method::Put, &path, &[], Some(&json_body(fields)))
            .await?;
        Ok(r.id)
    }

    /// `GET /Api/R3/Schema/Person` (§2.2).
    pub async fn person_schema(&self) -> Result<Schema> {
        self.schema("/Api/R3/Schema/Person").await
    }

    /// `GET /Api/R3/AddressList/{ContactId}?Structured=1` (§2.5): the ids of a contact's
    /// addresses, lowest first.
    pub async fn address_ids(&self, contact_id: u64) -> Result<Vec<u64>> {
        let v: serde_json::Value = self
            .json(
                Method::Get,
                &format!("/Api/R3/AddressList/{contact_id}"),
                &[("Structured", "1")],
                None,
            )
            .await?;
        let mut ids: Vec<u64> = match v.get("Results") {
            Some(serde_json::Value::Object(map)) => map.keys().filter_map(|k| k.parse().ok()).collect(),
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .filter_map(|i| match i.get("Id") {
                    Some(serde_json::Value::Number(n)) => n.as_u64(),
                    Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        crate::platform::sort_short_by(&mut ids, |a, b| a < b);
        Ok(ids)
    }

    /// `GET /Api/R3/Address/{id}` (§2.5).
    pub async fn address(&self, id: u64) -> Result<Fields> {
        self.json(Method::Get, &format!("/Api/R3/Address/{id}"), &[], None)
            .await
    }

    /// `PUT /Api/R3/Product`: upsert by SKU (§2.8).
    pub async fn upsert_product(&self, fields: &serde_json::Value) -> Result<u64> {
        let r: IdReply = self
            .json(Method::Put, "/Api/R3/Product", &[], Some(&json_body(fields)))
            .await?;
        Ok(r.id)
    }
}

/// A request's body: its JSON text.
fn json_body<T: serde::Serialize + ?Sized>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// How long a request MiniCRM refused as unknown is not sent again.
const REFUSAL_MEMORY_MS: i64 = 60 * 60 * 1000;

#[derive(serde::Serialize, LeanDeserialize)]
struct Refusal {
    at_ms: i64,
    status: u16,
    text: String,
}

/// The shape of a request: method, path with ids as `{id}`, the query parameters' names.
fn refusal_key(method: &Method, path: &str, query: &[(&str, &str)]) -> String {
    let template: Vec<&str> = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                seg
            }
        })
        .collect();
    let mut names: Vec<&str> = query.iter().map(|(k, _)| *k).collect();
    crate::platform::sort_short_by(&mut names, |a, b| a < b);
    format!(
        "refused.{} {}?{}",
        method.as_str(),
        template.join("/"),
        names.join("&")
    )
}

#[derive(LeanDeserialize)]
struct IdReply {
    #[serde(rename = "Id", deserialize_with = "crate::money::de_id")]
    id: u64,
}

/// MiniCRM's words for a request it does not know (§1.6; the Hungarian tenant's localized form).
fn incompatible(text: &str) -> bool {
    let t = crate::text::lower(text);
    t.contains("unknown parameter") || t.contains("unknown url") || t.contains("ismeretlen paraméter")
}

/// Errors are plain text (§1.6).
fn check(response: &HttpResponse) -> Result<()> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text: String = response.text().trim().chars().take(500).collect();
    let kind = match status {
        401 | 403 => MiniCrmKind::Auth,
        // §1.6: the manual calls the missing add-on error "404 - Unauthorized".
        404 if text.to_ascii_lowercase().contains("unauthorized") => MiniCrmKind::Auth,
        // §1.6: "Unknown/misspelled parameter" (400) and "Unknown URL" (404).
        400 | 404 if incompatible(&text) => MiniCrmKind::Incompatible,
        404 => MiniCrmKind::NotFound,
        429 => MiniCrmKind::RateLimited,
        405 => MiniCrmKind::NotAllowed,
        500..=599 => MiniCrmKind::Server,
        _ => MiniCrmKind::Rejected,
    };
    Err(Error::MiniCrm { status, kind, text })
}
