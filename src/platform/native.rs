//! Native twins for `cargo test`: an HTTP client, an in-memory store and a settable clock.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Clock, HttpRequest, HttpResponse, Method, Store, Transport, TransportError};

/// HTTP over reqwest (plain HTTP; the sandbox runs on 127.0.0.1).
pub struct NativeTransport {
    client: reqwest::Client,
}

impl Default for NativeTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl NativeTransport {
    pub fn new() -> NativeTransport {
        NativeTransport {
            client: reqwest::Client::new(),
        }
    }
}

#[async_trait(?Send)]
impl Transport for NativeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .client
            .request(method, &request.url)
            .timeout(Duration::from_millis(u64::from(request.timeout_ms)));
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let body = response
            .bytes()
            .await
            .map_err(|e| TransportError::NoAnswer(e.to_string()))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn classify(e: reqwest::Error) -> TransportError {
    if e.is_connect() || e.is_builder() {
        TransportError::Unreachable(e.to_string())
    } else {
        TransportError::NoAnswer(e.to_string())
    }
}

/// `chrome.storage.local` stand-in.
#[derive(Default)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, serde_json::Value>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// What is stored under `key`, as the browser would hold it (the tests look inside).
    pub async fn get_raw(&self, key: &str) -> Result<Option<serde_json::Value>, String> {
        Ok(self.map.borrow().get(key).cloned())
    }

    /// Stores `value` as it is, whatever it is (the tests put bad documents in place).
    pub async fn set_raw(&self, key: &str, value: serde_json::Value) -> Result<(), String> {
        self.map.borrow_mut().insert(key.to_string(), value);
        Ok(())
    }
}

/// Like the browser's store, the text is parsed on the way in and written on the way out.
#[async_trait(?Send)]
impl Store for MemoryStore {
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self.map.borrow().get(key) {
            None => Ok(None),
            Some(value) => serde_json::to_vec(value).map(Some).map_err(|e| e.to_string()),
        }
    }
    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        let mut value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        as_doubles(&mut value);
        self.map.borrow_mut().insert(key.to_string(), value);
        Ok(())
    }
    async fn remove(&self, key: &str) -> Result<(), String> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
}

/// The numbers of a stored value as the browser's `JSON.parse` holds them: doubles. An integer
/// past 2^53 comes back as another number (which no longer reads as an `i64`, say).
fn as_doubles(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if !n.is_f64() => {
            let double = n.as_f64().unwrap_or(f64::NAN);
            if double.abs() > 9_007_199_254_740_992.0 {
                if let Some(rounded) = serde_json::Number::from_f64(double) {
                    *n = rounded;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_doubles),
        Value::Object(fields) => fields.values_mut().for_each(as_doubles),
        _ => {}
    }
}

/// The browser's store as the workflows meet it: every read and write lets other work run first
/// (each is a round trip to the browser), so two workflows' steps interleave as they do in a
/// worker; reads of many keys are one call, and its list step is one step
/// (`mcsbStore.addToList`, `removeFromList`). Counts the reads, and the keys read. For the tests.
#[cfg(test)]
#[derive(Default)]
pub struct Browserlike {
    pub inner: MemoryStore,
    pub reads: std::cell::Cell<usize>,
    pub keys_read: std::cell::Cell<usize>,
    /// How many more times a write lets other work run first (a slower write).
    pub write_delay: std::cell::Cell<usize>,
    /// The same for the list step that takes a text out.
    pub remove_delay: std::cell::Cell<usize>,
}

/// Lets the other tasks run once.
#[cfg(test)]
pub(crate) async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}

#[cfg(test)]
#[async_trait(?Send)]
impl Store for Browserlike {
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.reads.set(self.reads.get() + 1);
        self.keys_read.set(self.keys_read.get() + 1);
        yield_once().await;
        self.inner.get_json(key).await
    }
    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        for _ in 0..=self.write_delay.get() {
            yield_once().await;
        }
        self.inner.set_json(key, text).await
    }
    async fn remove(&self, key: &str) -> Result<(), String> {
        yield_once().await;
        self.inner.remove(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        self.reads.set(self.reads.get() + 1);
        self.keys_read.set(self.keys_read.get() + keys.len());
        yield_once().await;
        self.inner.get_many(keys).await
    }
    async fn add_to_list(&self, key: &str, item: &str) -> Result<(), String> {
        yield_once().await;
        // The memory store's read and write run with nothing between them.
        self.inner.add_to_list(key, item).await
    }
    async fn remove_from_list(&self, key: &str, item: &str) -> Result<(), String> {
        for _ in 0..=self.remove_delay.get() {
            yield_once().await;
        }
        self.inner.remove_from_list(key, item).await
    }
}

/// A clock that starts at a given time and can run faster than real time (to match the sandbox's
/// sped-up clock) or be moved by hand.
pub struct TestClock {
    state: RefCell<(Instant, i64, f64)>,
}

impl TestClock {
    pub fn at(ms: i64) -> TestClock {
        TestClock {
            state: RefCell::new((Instant::now(), ms, 1.0)),
        }
    }

    pub fn system() -> TestClock {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        TestClock::at(now)
    }

    pub fn set_speed(&self, speed: f64) {
        let now = self.now_ms();
        *self.state.borrow_mut() = (Instant::now(), now, speed);
    }

    pub fn advance_ms(&self, ms: i64) {
        self.state.borrow_mut().1 += ms;
    }
}

#[async_trait(?Send)]
impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        let (base, ms, speed) = *self.state.borrow();
        ms + (base.elapsed().as_secs_f64() * 1000.0 * speed) as i64
    }

    async fn sleep_ms(&self, ms: u64) {
        let speed = self.state.borrow().2;
        if speed <= 0.0 {
            // A stopped clock: time only moves by `advance_ms`.
            tokio::task::yield_now().await;
            return;
        }
        tokio::time::sleep(Duration::from_secs_f64(ms as f64 / 1000.0 / speed)).await;
    }
}
