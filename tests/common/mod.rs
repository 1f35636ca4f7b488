//! Shared set-up for the core's integration tests: the in-process sandbox, the native platform
//! twins and a configured extension.
#![allow(dead_code)]

use minicrm_smartbill::api::{App, Sender};
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::platform::native::{MemoryStore, NativeTransport, TestClock};
use serde_json::{json, Value};

pub const EXT: &str = "abcdefghijklmnopabcdefghijklmnop";

pub struct Env {
    pub sandbox: sandbox::Sandbox,
    pub info: Value,
    pub transport: NativeTransport,
    pub store: MemoryStore,
    pub clock: TestClock,
    pub runtime: Runtime,
    pub http: reqwest::Client,
}

pub async fn env() -> Env {
    let sandbox = sandbox::start(sandbox::Config {
        seed: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let info = {
        let w = sandbox.state.lock();
        sandbox::seed::info(&w.urls)
    };
    Env {
        sandbox,
        info,
        transport: NativeTransport::new(),
        store: MemoryStore::new(),
        clock: TestClock::system(),
        runtime: Runtime::default(),
        http: reqwest::Client::new(),
    }
}

pub fn page() -> Sender {
    Sender {
        extension_id: EXT.into(),
        sender_id: EXT.into(),
        url: format!("chrome-extension://{EXT}/options.html"),
        lang: "ro-RO".into(),
        ..Sender::default()
    }
}

pub fn content(url: &str) -> Sender {
    Sender {
        extension_id: EXT.into(),
        sender_id: EXT.into(),
        url: url.into(),
        lang: "ro".into(),
        ..Sender::default()
    }
}

impl Env {
    pub fn app(&self) -> App<'_> {
        self.app_with(&self.runtime)
    }

    /// An app with another runtime: what a restarted service worker has (fresh locks and
    /// governors in memory, the same storage).
    pub fn app_with<'a>(&'a self, runtime: &'a Runtime) -> App<'a> {
        App {
            transport: &self.transport,
            store: &self.store,
            clock: &self.clock,
            runtime,
            host_permissions: vec!["https://ws.smartbill.ro/*".into(), "http://127.0.0.1/*".into()],
        }
    }

    /// The options form filled with the sandbox's account (offers module).
    pub fn form(&self) -> Value {
        json!({
            "smartbill": {
                "cif": self.info["smartbill"]["cif"], "email": self.info["smartbill"]["email"],
                "token": self.info["smartbill"]["token"], "apiBase": self.info["smartbill"]["apiBase"],
            },
            "minicrm": {
                "url": self.info["minicrm"]["base"], "systemId": self.info["minicrm"]["systemId"],
                "apiKey": self.info["minicrm"]["apiKey"], "module": "offers",
            },
            "document": {"kind": "invoice", "series": "FCT", "dueDays": 15, "draft": false},
        })
    }

    pub async fn run(&self, command: Value, sender: &Sender) -> Value {
        self.app().handle(command, sender).await
    }

    /// Configures the extension as the options page does: test MiniCRM (finds the module),
    /// take the suggested fields, save. `patch` is merged into the form first.
    pub async fn configure(&self, patch: Value) -> Value {
        let mut form = self.form();
        merge(&mut form, &patch);
        let found = self
            .run(json!({"cmd": "testMiniCrm", "settings": form}), &page())
            .await;
        form["minicrm"]["categoryId"] = found["module"]["id"].clone();
        let checklist = self
            .run(json!({"cmd": "checklist", "settings": form}), &page())
            .await;
        let integration = form.get("integration").cloned().unwrap_or(json!({}));
        let mut integration = integration;
        if integration.get("fields").is_none() {
            integration["fields"] = checklist["schema"]["suggestion"].clone();
        }
        form["integration"] = integration;
        let saved = self
            .run(json!({"cmd": "saveSettings", "settings": form}), &page())
            .await;
        assert_eq!(saved["problems"], json!([]), "{saved}");
        saved
    }

    pub fn card(&self, name: &str) -> &Value {
        &self.info["minicrm"]["cards"][name]
    }

    pub fn card_url(&self, name: &str) -> String {
        let c = self.card(name);
        format!(
            "{}/{}/#Project-{}/{}",
            self.info["minicrm"]["base"].as_str().unwrap(),
            self.info["minicrm"]["systemId"].as_str().unwrap(),
            c["categoryId"],
            c["projectId"]
        )
    }

    /// A card command as the panel sends it.
    pub async fn card_action(&self, name: &str, action: &str) -> Value {
        let url = self.card_url(name);
        self.run(
            json!({"cmd": "card", "url": url, "action": action}),
            &content(&url),
        )
        .await
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}/__control{path}", self.sandbox.urls.minicrm))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/__control{path}", self.sandbox.urls.minicrm))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Documents SmartBill issued (drafts included), excluding none.
    pub async fn smartbill_documents(&self) -> Vec<Value> {
        self.get("/smartbill/documents").await["documents"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The card's fields as the MiniCRM detail shows them.
    pub async fn card_fields(&self, name: &str) -> Value {
        let id = self.card(name)["projectId"].as_u64().unwrap();
        let all = self.get("/minicrm/projects").await;
        all["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["Id"].as_u64() == Some(id))
            .unwrap()["Fields"]
            .clone()
    }

    /// The sandbox's request log for one service ("smartbill", "minicrm"), or both with "".
    pub async fn requests(&self, service: &str) -> Vec<Value> {
        let path = if service.is_empty() {
            "/requests".to_string()
        } else {
            format!("/requests?service={service}")
        };
        self.get(&path).await["requests"].as_array().unwrap().clone()
    }
}

pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}
