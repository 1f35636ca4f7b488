//! The Workers twins of the core's platform traits (`minicrm_smartbill::platform`): `Transport`
//! over the Workers `fetch`, `Store` over the team's Durable Object storage, `Clock` over
//! `Date.now()` and `setTimeout`. This is the only code that knows it runs on Workers.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::future::{select, Either};
use minicrm_smartbill::platform::{Clock, HttpRequest, HttpResponse, Store, Transport, TransportError};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, Storage};

use crate::config::Config;

/// `fetch` with the request's timeout. Like the browser's, a failed fetch cannot say whether the
/// request reached the server, so every failure is an unknown outcome (`NoAnswer`); only a
/// request that could not even be built is `Unreachable`.
pub struct WorkerTransport;

#[async_trait(?Send)]
impl Transport for WorkerTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let unreachable = |e: worker::Error| TransportError::Unreachable(e.to_string());
        let headers = Headers::new();
        for (k, v) in &request.headers {
            headers.set(k, v).map_err(unreachable)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(request.method.as_str().to_string()))
            .with_headers(headers);
        if let Some(body) = &request.body {
            init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        }
        let req = Request::new_with_init(&request.url, &init).map_err(unreachable)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(req);
        let sending = Box::pin(fetch.send_with_signal(&signal));
        let timeout = Delay::from(Duration::from_millis(u64::from(request.timeout_ms)));
        let mut response = match select(sending, timeout).await {
            Either::Left((Ok(r), _)) => r,
            Either::Left((Err(e), _)) => return Err(TransportError::NoAnswer(e.to_string())),
            Either::Right(((), _)) => {
                controller.abort();
                return Err(TransportError::NoAnswer(format!(
                    "no answer within {} ms",
                    request.timeout_ms
                )));
            }
        };
        let status = response.status_code();
        let headers = response
            .headers()
            .entries()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let body = response
            .bytes()
            .await
            .map_err(|e| TransportError::NoAnswer(e.to_string()))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The Durable Object's storage as the core's key-value store. Values are kept as JSON text, so
/// what comes back is exactly what went in (no JS-object round trip).
pub struct DoStore {
    pub storage: Storage,
}

impl DoStore {
    pub async fn get_value(&self, key: &str) -> Result<Option<Value>, String> {
        let raw: Option<String> = self.storage.get(key).await.map_err(|e| e.to_string())?;
        match raw {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| format!("stored {key} is unreadable: {e}")),
        }
    }

    pub async fn put_value(&self, key: &str, value: &Value) -> Result<(), String> {
        self.storage
            .put(key, value.to_string())
            .await
            .map_err(|e| e.to_string())
    }
}

#[async_trait(?Send)]
impl Store for DoStore {
    /// The stored text itself, for the core's typed reads.
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let raw: Option<String> = self.storage.get(key).await.map_err(|e| e.to_string())?;
        Ok(raw.map(String::into_bytes))
    }

    /// The core's text, kept as it is.
    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        self.storage.put(key, text).await.map_err(|e| e.to_string())
    }

    async fn remove(&self, key: &str) -> Result<(), String> {
        self.storage
            .delete(key)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// What the core's store is on the server: the Durable Object's storage, with the settings seen
/// through [`Config::overlay`] (identity and secrets from the environment) and written through
/// [`Config::strip`] (secrets never stored).
pub struct TeamStore<'a> {
    pub inner: &'a DoStore,
    pub config: &'a Config,
}

fn to_json(value: Option<Value>) -> Result<Option<Vec<u8>>, String> {
    value
        .map(|value| serde_json::to_vec(&value).map_err(|e| e.to_string()))
        .transpose()
}

#[async_trait(?Send)]
impl Store for TeamStore<'_> {
    /// The stored text, except for what this store makes up: the secrets (the environment's:
    /// never read from, or kept in, storage) and the settings' overlay.
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        if key.starts_with(minicrm_smartbill::platform::SECRET_PREFIX) {
            return to_json(self.config.secret(key));
        }
        if key == minicrm_smartbill::settings::STORE_KEY {
            let stored = self.inner.get_value(key).await?;
            return to_json(Some(self.config.overlay(stored)));
        }
        self.inner.get_json(key).await
    }

    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        if key.starts_with(minicrm_smartbill::platform::SECRET_PREFIX) {
            // Secrets are Workers secrets (`wrangler secret put`); one an older build stored
            // here is removed.
            return self.inner.remove(key).await;
        }
        if key == minicrm_smartbill::settings::STORE_KEY {
            let value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            return self.inner.put_value(key, &self.config.strip(value)).await;
        }
        self.inner.set_json(key, text).await
    }

    async fn remove(&self, key: &str) -> Result<(), String> {
        self.inner.remove(key).await
    }
}

/// Milliseconds since the epoch (`Date.now()`; on Workers it advances with I/O, not during CPU work).
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub struct WorkerClock;

#[async_trait(?Send)]
impl Clock for WorkerClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }

    async fn sleep_ms(&self, ms: u64) {
        Delay::from(Duration::from_millis(ms)).await;
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
pub fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    get_random_values(&mut buf).map_err(|e| format!("{e:?}"))?;
    if buf.iter().all(|&b| b == 0) {
        return Err("the random source returned zeros".into());
    }
    Ok(buf)
}

pub fn random_hex<const N: usize>() -> Result<String, String> {
    Ok(random::<N>()?.iter().map(|b| format!("{b:02x}")).collect())
}
