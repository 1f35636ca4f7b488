//! The `#[wasm_bindgen]` surface of the worker's first module (`front`, feature `front`):
//! `handle(command, sender)` resolves to the reply, or to `undefined` when the full core must
//! answer (`background.js` then starts it), or to the name of another module that must
//! (`front::route`: `"importJob"`, `"setup"`, `"jobs"`).

use async_trait::async_trait;
use wasm_bindgen::prelude::*;

use crate::app::App;
use crate::command::Sender;
use crate::jobs::Runtime;
use crate::platform::wasm::{from_js_as, json_to_js, text_or_null, ChromeStore, JsClock};
use crate::platform::{HttpRequest, HttpResponse, Transport, TransportError};

thread_local! {
    static RUNTIME: &'static Runtime = Box::leak(Box::new(Runtime::default()));
}

/// What this module answers needs no network (`front`): a request would be a bug, refused.
struct NoTransport;

#[async_trait(?Send)]
impl Transport for NoTransport {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        Err(TransportError::Unreachable(
            "the first module makes no request".into(),
        ))
    }
}

/// The reply to a command this module answers (`front::answer`), or `undefined`.
#[wasm_bindgen]
pub async fn handle(command: JsValue, sender: JsValue) -> JsValue {
    let command = text_or_null(&command);
    let sender: Sender = from_js_as(&sender).unwrap_or_default();
    let app = App {
        transport: &NoTransport,
        store: &ChromeStore,
        clock: &JsClock,
        runtime: RUNTIME.with(|r| *r),
        host_permissions: crate::platform::wasm::host_permissions(),
    };
    match crate::front::answer(&app, &command, &sender).await {
        Some(reply) => json_to_js(reply.as_str()),
        // Apart: the route's settings read stays out of this function, which every message
        // compiles first (`platform::apart`).
        None => match crate::platform::apart(crate::front::route(&app, &command)).await {
            crate::front::Module::Core => JsValue::UNDEFINED,
            other => JsValue::from_str(other.name()),
        },
    }
}
