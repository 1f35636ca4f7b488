//! The `#[wasm_bindgen]` surface: one `handle(command, sender) → Promise<reply>`.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::app::App;
use crate::command::Sender;
use crate::jobs::Runtime;
use crate::platform::wasm::{ChromeStore, FetchTransport, JsClock};

thread_local! {
    static HOST_PERMISSIONS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The governors and locks of this worker; governor state is also persisted, so a restarted
    /// worker picks up where this one stopped.
    static RUNTIME: &'static Runtime = Box::leak(Box::new(Runtime::default()));
}

/// A value from JavaScript, read as JSON: the one deserializer from `JsValue` in the module (each
/// typed read then goes through `platform::from_value`, which every other typed read uses too).
fn from_js(value: JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(value).unwrap_or(serde_json::Value::Null)
}

fn to_js(value: &serde_json::Value) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(value, &serializer).unwrap_or(JsValue::NULL)
}

/// The extension's `host_permissions` from its manifest; called once when the worker starts.
#[wasm_bindgen(js_name = setHostPermissions)]
pub fn set_host_permissions(list: JsValue) {
    let list: Vec<String> = crate::platform::from_value(from_js(list)).unwrap_or_default();
    HOST_PERMISSIONS.with(|h| *h.borrow_mut() = list);
}

fn app() -> App<'static> {
    App {
        transport: &FetchTransport,
        store: &ChromeStore,
        clock: &JsClock,
        runtime: RUNTIME.with(|r| *r),
        host_permissions: HOST_PERMISSIONS.with(|h| h.borrow().clone()),
    }
}

/// Runs one command from a page or content script. Never rejects: errors are replies.
#[wasm_bindgen]
pub async fn handle(command: JsValue, sender: JsValue) -> JsValue {
    let command = from_js(command);
    let sender: Sender = crate::platform::from_value(from_js(sender)).unwrap_or_default();
    let reply = app().handle(command, &sender).await;
    // The import job runs on in this worker after the reply (it outlives the import page).
    if crate::import::wake_wanted() {
        wasm_bindgen_futures::spawn_local(async {
            let _ = crate::import::resume(&app()).await;
        });
    }
    to_js(&reply)
}

/// Continues an unfinished company import (the `tick` command also starts it); resolves when it
/// is done or must wait. A second call while one runs returns at once.
#[wasm_bindgen(js_name = resumeImport)]
pub async fn resume_import() {
    let _ = crate::import::resume(&app()).await;
}
