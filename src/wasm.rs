//! The `#[wasm_bindgen]` surface of the full core (feature `sw`, `pkg/core`), of the import job's
//! module (feature `importjob`, `pkg/importjob`), of the setup module (feature `setup`,
//! `pkg/setup`), of the jobs' module (feature `jobs`, `pkg/jobs`) and of the tick module (feature
//! `tick`, `pkg/tick`): one `handle(command, sender) →
//! Promise<reply>` for every command the worker's first module (`wasm_front`) hands on to it
//! (`front::module_for`); `setHostPermissions` is `platform::wasm`'s. The import job's module also
//! has `resumeImport`, which the worker calls when the core's tick says an import is due.

use wasm_bindgen::prelude::*;

use crate::app::App;
use crate::command::Sender;
use crate::jobs::Runtime;
use crate::platform::wasm::{from_js_as, json_to_js, text_or_null, ChromeStore, FetchTransport, JsClock};

thread_local! {
    /// The governors and locks of this worker; governor state is also persisted, so a restarted
    /// worker picks up where this one stopped.
    static RUNTIME: &'static Runtime = Box::leak(Box::new(Runtime::default()));
}

fn app() -> App<'static> {
    App {
        transport: &FetchTransport,
        store: &ChromeStore,
        clock: &JsClock,
        runtime: RUNTIME.with(|r| *r),
        host_permissions: crate::platform::wasm::host_permissions(),
    }
}

/// Runs one command from a page or content script. Never rejects: errors are replies.
#[wasm_bindgen]
pub async fn handle(command: JsValue, sender: JsValue) -> JsValue {
    let command = text_or_null(&command);
    let sender: Sender = from_js_as(&sender).unwrap_or_default();
    let reply = app().handle_json(&command, &sender).await;
    // The import job runs on in this worker after the reply (it outlives the import page).
    #[cfg(feature = "importjob")]
    if crate::import::wake_wanted() {
        wasm_bindgen_futures::spawn_local(async {
            let _ = crate::import::resume(&app()).await;
        });
    }
    json_to_js(reply.as_str())
}

/// Continues an unfinished company import (the `tick` command also starts it); resolves when it
/// is done or must wait. A second call while one runs returns at once.
#[cfg(feature = "importjob")]
#[wasm_bindgen(js_name = resumeImport)]
pub async fn resume_import() {
    let _ = crate::import::resume(&app()).await;
}
