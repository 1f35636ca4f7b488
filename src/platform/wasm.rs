//! Browser implementations: `fetch` (through gloo-net, which binds the global `fetch`, so it works
//! in a service worker), `chrome.storage.local` and `Date.now()`.

use async_trait::async_trait;
use gloo_net::http::{Request, RequestBuilder};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{Clock, HttpRequest, HttpResponse, Method, Store, Transport, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn storage_get(key: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get, catch)]
    fn storage_get_keys(keys: &js_sys::Array) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set, catch)]
    fn storage_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove, catch)]
    fn storage_remove(key: &str) -> Result<js_sys::Promise, JsValue>;

    // The secrets store `background.js` installs (`secrets.js`: the extension origin's IndexedDB).
    #[wasm_bindgen(js_namespace = mcsbSecrets, js_name = get, catch)]
    fn secret_get(key: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = mcsbSecrets, js_name = set, catch)]
    fn secret_set(key: &str, value: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = mcsbSecrets, js_name = remove, catch)]
    fn secret_remove(key: &str) -> Result<js_sys::Promise, JsValue>;

    // `storage.local`'s one atomic step that `background.js` installs: the stored text, or the
    // candidate stored first (the calls on one key take turns in the worker's one thread).
    #[wasm_bindgen(js_namespace = mcsbStore, js_name = getOrPut, catch)]
    fn storage_get_or_put(key: &str, candidate: &str) -> Result<js_sys::Promise, JsValue>;
    // Its other step: a text added to a stored list of texts unless it is in it.
    #[wasm_bindgen(js_namespace = mcsbStore, js_name = addToList, catch)]
    fn storage_add_to_list(key: &str, item: &str) -> Result<js_sys::Promise, JsValue>;
    // And its third: a text taken out of a stored list of texts.
    #[wasm_bindgen(js_namespace = mcsbStore, js_name = removeFromList, catch)]
    fn storage_remove_from_list(key: &str, item: &str) -> Result<js_sys::Promise, JsValue>;

    // The cells `background.js` installs that the worker's modules share (`mcsbShared`): plain
    // text by key, read and written synchronously.
    #[wasm_bindgen(js_namespace = mcsbShared, js_name = get, catch)]
    fn cell_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = mcsbShared, js_name = set, catch)]
    fn cell_set(key: &str, value: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = mcsbShared, js_name = delete, catch)]
    fn cell_delete(key: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage, catch)]
    fn i18n_message(name: &str) -> Result<JsValue, JsValue>;
}

thread_local! {
    /// The messages read from `chrome.i18n`, by name (prefix and key): each is read once per
    /// module and kept for the module's life (the catalog's core texts, at most a few dozen KB).
    static MESSAGES: std::cell::RefCell<Vec<(&'static str, &'static str, &'static str)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The extension's message named `prefix` + `key` in the browser's language
/// (`chrome.i18n.getMessage`, from `_locales/`); `None` when there is none (an empty answer) or
/// no `chrome.i18n`.
pub fn browser_message(prefix: &'static str, key: &'static str) -> Option<&'static str> {
    let kept = MESSAGES.with(|m| {
        m.borrow()
            .iter()
            .find(|(p, k, _)| *p == prefix && *k == key)
            .map(|(_, _, t)| *t)
    });
    if kept.is_some() {
        return kept;
    }
    let name = [prefix, key].concat();
    let text = i18n_message(&name).ok()?.as_string().filter(|t| !t.is_empty())?;
    let text: &'static str = Box::leak(text.into_boxed_str());
    MESSAGES.with(|m| m.borrow_mut().push((prefix, key, text)));
    Some(text)
}

/// The worker installed no shared cells (`mcsbShared`).
#[derive(Debug)]
pub struct NoCells;

/// The worker's shared cell `key` (see `jobs::governor`'s `Slot`): `Ok(None)` when unset.
pub fn shared_get(key: &str) -> Result<Option<String>, NoCells> {
    cell_get(key).map(|v| v.as_string()).map_err(|_| NoCells)
}

/// Writes the worker's shared cell `key`.
pub fn shared_set(key: &str, value: &str) -> Result<(), NoCells> {
    cell_set(key, value).map_err(|_| NoCells)
}

/// Empties the worker's shared cell `key`.
pub fn shared_remove(key: &str) -> Result<(), NoCells> {
    cell_delete(key).map_err(|_| NoCells)
}

fn describe(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

pub struct FetchTransport;

#[async_trait(?Send)]
impl Transport for FetchTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = match request.method {
            Method::Get => Request::get(&request.url),
            Method::Post => Request::post(&request.url),
            Method::Put => Request::put(&request.url),
            Method::Delete => Request::delete(&request.url),
        };
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let controller =
            web_sys::AbortController::new().map_err(|e| TransportError::Unreachable(describe(&e)))?;
        builder = builder.abort_signal(Some(&controller.signal()));
        let built = match request.body {
            Some(body) => build_with_body(builder, &body),
            None => builder
                .build()
                .map_err(|e| TransportError::Unreachable(e.to_string())),
        }?;
        // Abort after the timeout; the outcome of an aborted request is unknown.
        let abort = Closure::once_into_js(move || controller.abort());
        let timer = set_timeout(abort.unchecked_ref(), request.timeout_ms as i32);
        let answer = receive(built).await;
        // The whole answer (or the failure) is in: the abort timer has nothing left to do.
        clear_timeout(&timer);
        answer
    }
}

/// Sends the request and reads the whole answer.
async fn receive(built: Request) -> Result<HttpResponse, TransportError> {
    // A browser cannot tell a refused connection from one dropped mid-answer ("Failed to
    // fetch" for both), so every fetch failure counts as an unknown outcome.
    let response = built
        .send()
        .await
        .map_err(|e| TransportError::NoAnswer(e.to_string()))?;
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let body = response
        .binary()
        .await
        .map_err(|e| TransportError::NoAnswer(e.to_string()))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn build_with_body(builder: RequestBuilder, body: &[u8]) -> Result<Request, TransportError> {
    let array = js_sys::Uint8Array::from(body);
    builder
        .body(array)
        .map_err(|e| TransportError::Unreachable(e.to_string()))
}

pub struct ChromeStore;

/// A value from JavaScript as JSON text, written by the engine's own `JSON.stringify` (one call
/// across the boundary, not one per field); `None` for what JSON cannot hold (`undefined`, a
/// function, a cycle).
fn js_text(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value).ok()?.as_string()
}

/// A value from JavaScript as `T`, read straight from its JSON text (`platform::json`).
pub fn from_js_as<T: serde::de::DeserializeOwned>(value: &JsValue) -> Option<T> {
    super::json::from_slice(js_text(value)?.as_bytes()).ok()
}

/// A JSON value for JavaScript, through the engine's own `JSON.parse`.
pub fn to_js(value: &serde_json::Value) -> Result<JsValue, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    js_sys::JSON::parse(&text).map_err(|e| describe(&e))
}

/// A message's JSON text as the worker's modules read it: `null` when JSON cannot hold it.
pub fn text_or_null(value: &JsValue) -> Vec<u8> {
    js_text(value).map_or_else(|| b"null".to_vec(), String::into_bytes)
}

/// A reply's JSON text as the worker's modules give it, through the engine's own `JSON.parse`:
/// null when the text is not JSON (never: the replies are written by `serde_json`).
pub fn json_to_js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

thread_local! {
    static HOST_PERMISSIONS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The extension's `host_permissions` from its manifest; each of the worker's modules is told
/// once, when it starts.
#[cfg(any(
    feature = "sw",
    feature = "front",
    feature = "importjob",
    feature = "setup",
    feature = "jobs",
    feature = "tick"
))]
#[wasm_bindgen(js_name = setHostPermissions)]
pub fn set_host_permissions(list: JsValue) {
    let list: Vec<String> = from_js_as(&list).unwrap_or_default();
    HOST_PERMISSIONS.with(|h| *h.borrow_mut() = list);
}

/// What [`set_host_permissions`] was told.
pub fn host_permissions() -> Vec<String> {
    HOST_PERMISSIONS.with(|h| h.borrow().clone())
}

/// A secret's text from the secrets store (IndexedDB); `None` when there is none, or it is not a
/// text.
async fn secret_text(key: &str) -> Result<Option<String>, String> {
    let promise = secret_get(key).map_err(|e| describe(&e))?;
    let value = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
    Ok(value.as_string())
}

async fn secret_put(key: &str, text: &str) -> Result<(), String> {
    let promise = secret_set(key, &JsValue::from_str(text)).map_err(|e| describe(&e))?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// `storage.local.set({[key]: JSON.parse(text)})`: the value as the engine reads the text.
async fn storage_put(key: &str, text: &str) -> Result<(), String> {
    let items = js_sys::Object::new();
    let value = js_sys::JSON::parse(text).map_err(|e| describe(&e))?;
    js_sys::Reflect::set(&items, &JsValue::from_str(key), &value).map_err(|e| describe(&e))?;
    let promise = storage_set(&items).map_err(|e| describe(&e))?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// The JSON text of `key`'s value in what `storage.local.get` gave.
fn item_json(items: &JsValue, key: &str) -> Result<Option<Vec<u8>>, String> {
    let value = js_sys::Reflect::get(items, &JsValue::from_str(key)).map_err(|e| describe(&e))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    js_text(&value)
        .map(|text| Some(text.into_bytes()))
        .ok_or_else(|| format!("stored {key} is not JSON"))
}

/// One of `mcsbStore`'s list steps (`addToList`, `removeFromList`) on `key`. The steps are
/// `storage.local`'s: a secret never goes there.
async fn list_step(
    step: fn(&str, &str) -> Result<js_sys::Promise, JsValue>,
    key: &str,
    item: &str,
) -> Result<(), String> {
    if key.starts_with(super::SECRET_PREFIX) {
        return Err(format!("{key} is a secret, not a list"));
    }
    let promise = step(key, item).map_err(|e| describe(&e))?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| describe(&e))
}

#[async_trait(?Send)]
impl Store for ChromeStore {
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        if key.starts_with(super::SECRET_PREFIX) {
            return match secret_text(key).await? {
                None => Ok(None),
                Some(text) => super::text_json(&text).map(|json| Some(json.into_bytes())),
            };
        }
        let promise = storage_get(key).map_err(|e| describe(&e))?;
        let items = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        item_json(&items, key)
    }

    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        if key.starts_with(super::SECRET_PREFIX) {
            // A secret is a text (the settings' token, API key and member key).
            let secret = super::json::from_slice::<String>(text.as_bytes())
                .map_err(|e| format!("{key} is a secret, and secrets are texts: {e}"))?;
            return secret_put(key, &secret).await;
        }
        storage_put(key, &text).await
    }

    async fn get_text(&self, key: &str) -> Result<Option<String>, String> {
        if key.starts_with(super::SECRET_PREFIX) {
            return secret_text(key).await;
        }
        Ok(super::text_in(self.get_json(key).await?))
    }

    async fn set_text(&self, key: &str, text: &str) -> Result<(), String> {
        if key.starts_with(super::SECRET_PREFIX) {
            return secret_put(key, text).await;
        }
        storage_put(key, &super::text_json(text)?).await
    }

    async fn get_or_put_text(&self, key: &str, candidate: &str) -> Result<String, String> {
        // The step is `storage.local`'s: a secret never goes there.
        if key.starts_with(super::SECRET_PREFIX) {
            return Err(format!("{key} is a secret, not made on first use"));
        }
        let promise = storage_get_or_put(key, candidate).map_err(|e| describe(&e))?;
        let value = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        value
            .as_string()
            .ok_or_else(|| format!("stored {key} is not text"))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        let list = js_sys::Array::new();
        for key in keys {
            // The secrets are read one by one (none is read in bulk).
            if key.starts_with(super::SECRET_PREFIX) {
                return Err(format!("{key} is a secret, not read with other keys"));
            }
            list.push(&JsValue::from_str(key));
        }
        let promise = storage_get_keys(&list).map_err(|e| describe(&e))?;
        let items = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        let mut texts = Vec::with_capacity(keys.len());
        for key in keys {
            texts.push(item_json(&items, key)?);
        }
        Ok(texts)
    }

    async fn add_to_list(&self, key: &str, item: &str) -> Result<(), String> {
        list_step(storage_add_to_list, key, item).await
    }

    async fn remove_from_list(&self, key: &str, item: &str) -> Result<(), String> {
        list_step(storage_remove_from_list, key, item).await
    }

    async fn remove(&self, key: &str) -> Result<(), String> {
        let promise = if key.starts_with(super::SECRET_PREFIX) {
            secret_remove(key)
        } else {
            storage_remove(key)
        }
        .map_err(|e| describe(&e))?;
        JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }
}

pub struct JsClock;

#[async_trait(?Send)]
impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }

    async fn sleep_ms(&self, ms: u64) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let _ = set_timeout(&resolve, ms.min(i32::MAX as u64) as i32);
        });
        let _ = JsFuture::from(promise).await;
    }
}
