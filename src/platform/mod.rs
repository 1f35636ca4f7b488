//! The only code that knows where it runs. Workflows take `&dyn Transport`, `&dyn Store` and
//! `&dyn Clock`; in the browser they are `fetch`, `chrome.storage.local` and `Date`, in `cargo test`
//! an HTTP client, an in-memory map and a settable clock (the reqwest pattern: one API, the
//! implementation chosen by `cfg(target_arch = "wasm32")`).

pub mod json;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod sorted;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod when;

pub use sorted::{SortedMap, SortedSet};

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Give up after this many milliseconds (the outcome is then unknown, not failed).
    pub timeout_ms: u32,
}

impl HttpRequest {
    pub fn new(method: Method, url: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout_ms: 30_000,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json_body(mut self, body: Vec<u8>) -> HttpRequest {
        self.headers
            .push(("Content-Type".into(), "application/json; charset=utf-8".into()));
        self.body = Some(body);
        self
    }
}

#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why a request got no HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request never left (DNS, refused connection, offline, blocked by the browser).
    /// Nothing happened on the server.
    #[error("the request never left: {0}")]
    Unreachable(String),
    /// The request may have reached the server but no complete answer came back (connection
    /// dropped, timeout). The outcome is unknown.
    #[error("no complete answer came back: {0}")]
    NoAnswer(String),
}

#[async_trait(?Send)]
pub trait Transport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Keys that hold secrets (the SmartBill token, the MiniCRM API key). The browser's store keeps
/// them in the extension origin's IndexedDB, which content scripts cannot open (they run in the
/// page's origin), unlike `storage.local` in Firefox.
pub const SECRET_PREFIX: &str = "secret.";

/// Persistent key-value storage of JSON documents (`chrome.storage.local` in the browser; keys
/// under [`SECRET_PREFIX`] elsewhere, out of content scripts' reach). Values cross it as JSON text,
/// read into and written from their types ([`load`], [`save`]) with no `serde_json::Value` between.
#[async_trait(?Send)]
pub trait Store {
    /// The stored value as JSON text, for typed reads ([`load`]): the browser's store writes it
    /// with the engine's `JSON.stringify`.
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    /// Stores the JSON text of a typed value ([`save`]): the browser's store reads it with the
    /// engine's `JSON.parse`.
    async fn set_json(&self, key: &str, text: String) -> Result<(), String>;
    async fn remove(&self, key: &str) -> Result<(), String>;
    /// The text stored under `key` (a secret, the browser's id); `None` when nothing is stored, or
    /// something that is not a text.
    async fn get_text(&self, key: &str) -> Result<Option<String>, String> {
        Ok(text_in(self.get_json(key).await?))
    }
    /// Stores a text under `key`.
    async fn set_text(&self, key: &str, text: &str) -> Result<(), String> {
        self.set_json(key, text_json(text)?).await
    }
    /// The text stored under `key`, or `candidate` stored there first when there is none (or it
    /// is not a text, or empty): the same text for every caller, however many ask at once. The
    /// default reads, then writes, which gives one value only where nothing runs between the two:
    /// the tests' store in memory, a Durable Object (its input gate holds other events during its
    /// storage calls). The browser's store overrides it: a worker's concurrent calls and its two
    /// modules interleave at every storage call.
    async fn get_or_put_text(&self, key: &str, candidate: &str) -> Result<String, String> {
        if let Some(stored) = self.get_text(key).await? {
            if !stored.is_empty() {
                return Ok(stored);
            }
        }
        self.set_text(key, candidate).await?;
        Ok(candidate.to_string())
    }
    /// The JSON texts stored under `keys`, in their order ([`load_many`]). The browser's store
    /// asks for them all in one call (a round trip to the browser each would make reading the
    /// journal as slow as the journal is long), and refuses a secret's key among them (the
    /// secrets are read one by one). The default asks for each in turn.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        let mut texts = Vec::with_capacity(keys.len());
        for key in keys {
            texts.push(self.get_json(key).await?);
        }
        Ok(texts)
    }
    /// Adds `item` to the list of texts stored under `key` unless it is in it already (a list
    /// that is not one of texts is started again): one step, however many ask at once, so that
    /// no caller's item is lost to another's write. The default reads, then writes: one step
    /// only where nothing runs between the two (as [`Store::get_or_put_text`]'s); the browser's
    /// store overrides it.
    async fn add_to_list(&self, key: &str, item: &str) -> Result<(), String> {
        let stored = self.get_json(key).await?;
        let mut list = stored
            .and_then(|text| json::from_slice::<Vec<String>>(&text).ok())
            .unwrap_or_default();
        if list.iter().any(|have| have == item) {
            return Ok(());
        }
        list.push(item.to_string());
        let text = serde_json::to_string(&list).map_err(|e| e.to_string())?;
        self.set_json(key, text).await
    }
    /// Takes `item` out of the list of texts stored under `key`: one step, as
    /// [`Store::add_to_list`]'s (the default reads, then writes; the browser's store overrides it).
    async fn remove_from_list(&self, key: &str, item: &str) -> Result<(), String> {
        let stored = self.get_json(key).await?;
        let Some(mut list) = stored.and_then(|text| json::from_slice::<Vec<String>>(&text).ok()) else {
            return Ok(());
        };
        let before = list.len();
        list.retain(|have| have != item);
        if list.len() == before {
            return Ok(());
        }
        let text = serde_json::to_string(&list).map_err(|e| e.to_string())?;
        self.set_json(key, text).await
    }
}

/// The text a stored JSON document is, if it is one.
pub(crate) fn text_in(json: Option<Vec<u8>>) -> Option<String> {
    json.and_then(|json| json::from_slice::<String>(&json).ok())
}

/// A text as a JSON document.
pub(crate) fn text_json(text: &str) -> Result<String, String> {
    serde_json::to_string(text).map_err(|e| e.to_string())
}

/// A future on the heap, polled through its vtable.
pub type Apart<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

/// Keeps a branch's work out of its caller's state machine. An `async fn` that awaits one of
/// several calls compiles (once LLVM inlines each callee's only call) into one function holding
/// every branch, and the browser compiles a WASM function in full the first time it runs: a cold
/// worker answering `getSettings` compiled the 42 KB of every command's code. Boxed, each branch
/// is a function of its own, compiled only when taken (README, "Limits").
#[inline(never)]
pub fn apart<'a, T>(work: impl std::future::Future<Output = T> + 'a) -> Apart<'a, T> {
    Box::pin(work)
}

/// Both futures' outputs, the two polled together: the platform's calls they make overlap (each
/// storage read of a cold worker is a round trip to the browser).
pub async fn join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    std::future::poll_fn(move |cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (out_a, out_b) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

/// A vendor's JSON answer as `T`, straight from its text ([`json`]).
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, json::Problem> {
    json::from_slice(bytes)
}

/// `T` from a value built in code, read through its text: the one deserializer every typed read
/// uses ([`json`]).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, json::Problem> {
    json::from_value_with(&value, |de| T::deserialize(de))
}

/// Typed helpers over [`Store`]: read straight from the stored text ([`Store::get_json`]).
pub async fn load<T: DeserializeOwned>(store: &dyn Store, key: &str) -> Result<Option<T>, String> {
    match store.get_json(key).await? {
        None => Ok(None),
        // `null` stored is nothing stored.
        Some(text) => {
            json::from_slice::<Option<T>>(&text).map_err(|e| format!("stored {key} is unreadable: {e}"))
        }
    }
}

/// [`load`] for several keys in one read ([`Store::get_many`]), in their order.
pub async fn load_many<T: DeserializeOwned>(
    store: &dyn Store,
    keys: &[String],
) -> Result<Vec<Option<T>>, String> {
    let texts = store.get_many(keys).await?;
    if texts.len() != keys.len() {
        return Err(format!("{} values read for {} keys", texts.len(), keys.len()));
    }
    keys.iter()
        .zip(texts)
        .map(|(key, text)| match text {
            None => Ok(None),
            Some(text) => {
                json::from_slice::<Option<T>>(&text).map_err(|e| format!("stored {key} is unreadable: {e}"))
            }
        })
        .collect()
}

pub async fn save<T: Serialize>(store: &dyn Store, key: &str, value: &T) -> Result<(), String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    store.set_json(key, text).await
}

#[async_trait(?Send)]
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits (only for short pauses inside a job; long waits are alarms).
    async fn sleep_ms(&self, ms: u64);
}

/// A random 64-bit number for ids and tokens (not for cryptography): `Math.random` in the
/// browser, the standard library's per-process random hasher keys natively.
/// A JSON value as compact text (`Value`'s `Display`, `to_string`, would also link serde_json's
/// pretty writer into the worker's modules).
pub fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub fn random_u64() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        let hi = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        let lo = (js_sys::Math::random() * 4_294_967_296.0) as u64;
        (hi << 32) ^ lo
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        h.finish()
    }
}

/// A response's `Date` header (RFC 9110 §6.6.1: an origin server with a clock sends it) in ms
/// since the epoch: the server's own time, the same for every browser of a team.
pub fn http_date_ms(response: &HttpResponse) -> Option<i64> {
    let v = response.header("date")?;
    when::parse_http_date_ms(v)
}

/// Today's date in Romania. Romania is UTC+2 in winter and UTC+3 in summer (EU rules: from the
/// last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC).
pub fn today_ro(clock: &dyn Clock) -> chrono::NaiveDate {
    local_ro(clock.now_ms()).date()
}

pub fn local_ro(ms: i64) -> chrono::NaiveDateTime {
    use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Weekday};
    let utc = DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc();
    let last_sunday = |year: i32, month: u32| -> chrono::NaiveDateTime {
        let first_next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .unwrap_or_default();
        let mut d = first_next - TimeDelta::days(1);
        while d.weekday() != Weekday::Sun {
            d -= TimeDelta::days(1);
        }
        d.and_hms_opt(1, 0, 0).unwrap_or_default()
    };
    let year = utc.year();
    let summer = utc >= last_sunday(year, 3) && utc < last_sunday(year, 10);
    utc + TimeDelta::hours(if summer { 3 } else { 2 })
}

/// A Hungarian local time (MiniCRM's `UpdatedAt`, `StatusUpdatedAt`, …: Europe/Budapest, CET/CEST,
/// minicrm-api.md §2.3) as ms since the epoch. Hungary and Romania switch summer time at the same
/// instant (EU rule), Hungary one hour behind.
pub fn hu_local_to_ms(local: chrono::NaiveDateTime) -> i64 {
    // Try summer time (UTC+2) first: right when that instant is in summer time.
    let summer = (local - chrono::TimeDelta::hours(2)).and_utc().timestamp_millis();
    if local_ro(summer) - chrono::TimeDelta::hours(1) == local {
        summer
    } else {
        (local - chrono::TimeDelta::hours(1)).and_utc().timestamp_millis()
    }
}

/// Sorts a short list, stably, by `before` (`true`: the first goes before the second). An
/// insertion sort: the standard library's sorts are fast on long lists, but each element type
/// and comparison brings its own copy of several kilobytes into the module, and the core's lists
/// (schema fields, search hits, the words of a name) are short.
pub fn sort_short_by<T>(items: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && before(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tests' store holds numbers as the browser's does (doubles): an `i64` past 2^53 is
    /// stored, and is no `i64` when read back. (A lock's mark once used `i64::MAX`: the native
    /// tests passed, the browser lost the mark.)
    #[tokio::test]
    async fn the_tests_store_loses_what_the_browser_s_loses() {
        let store = native::MemoryStore::new();
        save(&store, "safe", &9_007_199_254_740_992_i64).await.unwrap();
        assert_eq!(
            load::<i64>(&store, "safe").await.unwrap(),
            Some(9_007_199_254_740_992)
        );
        save(&store, "past", &[i64::MAX]).await.unwrap();
        assert!(load::<Vec<i64>>(&store, "past").await.is_err());
    }

    #[test]
    fn short_lists_sort_stably() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_short_by(&mut v, |a, b| a.0 < b.0);
        assert_eq!(v, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
        let mut empty: Vec<u8> = Vec::new();
        sort_short_by(&mut empty, |a, b| a < b);
        assert!(empty.is_empty());
    }

    #[test]
    fn hungarian_local_times_follow_summer_time() {
        let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let utc = |s: &str| t(s).and_utc().timestamp_millis();
        assert_eq!(
            hu_local_to_ms(t("2026-07-01 12:00:00")),
            utc("2026-07-01 10:00:00")
        );
        assert_eq!(
            hu_local_to_ms(t("2026-12-01 12:00:00")),
            utc("2026-12-01 11:00:00")
        );
        // Just after the spring switch (29 March 2026, 02:00 CET → 03:00 CEST).
        assert_eq!(
            hu_local_to_ms(t("2026-03-29 03:30:00")),
            utc("2026-03-29 01:30:00")
        );
        assert_eq!(
            hu_local_to_ms(t("2026-03-29 01:30:00")),
            utc("2026-03-29 00:30:00")
        );
    }

    #[test]
    fn romanian_local_time_follows_summer_time() {
        // 2026-07-01 21:30 UTC is already 2 July in Bucharest (UTC+3).
        let ms = chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
            .unwrap()
            .and_hms_opt(21, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(local_ro(ms).date().to_string(), "2026-07-02");
        // 2026-11-27 21:30 UTC is 23:30 in Bucharest (UTC+2), still the 27th.
        let ms = chrono::NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_hms_opt(21, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(local_ro(ms).date().to_string(), "2026-11-27");
    }
}

#[cfg(test)]
mod join_tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Ready after being polled `n` more times (each pending poll wakes the task again).
    struct After(u32, &'static str);

    impl Future for After {
        type Output = &'static str;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
            if self.0 == 0 {
                return Poll::Ready(self.1);
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn join_gives_both_outputs_whichever_ends_first() {
        assert_eq!(super::join(After(0, "a"), After(3, "b")).await, ("a", "b"));
        assert_eq!(super::join(After(5, "a"), After(1, "b")).await, ("a", "b"));
        assert_eq!(super::join(After(2, "a"), After(2, "b")).await, ("a", "b"));
    }
}
