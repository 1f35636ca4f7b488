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

/// Another browser profile of the team: its own storage and worker, the same MiniCRM and
/// SmartBill accounts.
pub struct Browser {
    pub store: MemoryStore,
    pub runtime: Runtime,
}

impl Default for Browser {
    fn default() -> Self {
        Browser {
            store: MemoryStore::new(),
            runtime: Runtime::default(),
        }
    }
}

impl Env {
    pub fn app(&self) -> App<'_> {
        self.app_with(&self.runtime)
    }

    /// The app of another browser of the team.
    pub fn app_in<'a>(&'a self, b: &'a Browser) -> App<'a> {
        App {
            transport: &self.transport,
            store: &b.store,
            clock: &self.clock,
            runtime: &b.runtime,
            host_permissions: vec!["https://ws.smartbill.ro/*".into(), "http://127.0.0.1/*".into()],
        }
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
            // The claim's bound and wait (production: 6 s and 7 s) kept short for the tests; the
            // sandbox answers in milliseconds.
            "advanced": {"timeScale": 1, "claimBoundMs": 300, "requestTimeoutMs": 5000, "landMarginMs": 500},
        })
    }

    pub async fn run(&self, command: Value, sender: &Sender) -> Value {
        self.app().handle(command, sender).await
    }

    /// Configures the extension as the options page does: test MiniCRM (finds the module),
    /// take the suggested fields, save. `patch` is merged into the form first.
    pub async fn configure(&self, patch: Value) -> Value {
        self.configure_in(&self.app(), patch).await
    }

    /// [`Self::configure`] in another browser's app.
    pub async fn configure_in(&self, app: &App<'_>, patch: Value) -> Value {
        let mut form = self.form();
        merge(&mut form, &patch);
        let found = app
            .handle(json!({"cmd": "testMiniCrm", "settings": form}), &page())
            .await;
        form["minicrm"]["categoryId"] = found["module"]["id"].clone();
        let checklist = app
            .handle(json!({"cmd": "checklist", "settings": form}), &page())
            .await;
        let integration = form.get("integration").cloned().unwrap_or(json!({}));
        let mut integration = integration;
        if integration.get("fields").is_none() {
            integration["fields"] = checklist["schema"]["suggestion"].clone();
        }
        form["integration"] = integration;
        let saved = app
            .handle(json!({"cmd": "saveSettings", "settings": form}), &page())
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
        self.card_action_in(&self.app(), name, action).await
    }

    /// A card command with the number the person confirmed, as the panel showed it (cancel,
    /// storno, confirm).
    pub async fn card_action_number(&self, name: &str, action: &str, number: &str) -> Value {
        let url = self.card_url(name);
        self.app()
            .handle(
                json!({"cmd": "card", "url": url, "action": action, "number": number}),
                &content(&url),
            )
            .await
    }

    /// A card command as the panel of another browser sends it.
    pub async fn card_action_in(&self, app: &App<'_>, name: &str, action: &str) -> Value {
        let url = self.card_url(name);
        app.handle(
            json!({"cmd": "card", "url": url, "action": action}),
            &content(&url),
        )
        .await
    }

    /// Injects a fault (see the sandbox's `/__control/faults`).
    pub async fn fault(&self, fault: Value) {
        self.control("/faults", fault).await;
    }

    /// Removes every fault.
    pub async fn no_faults(&self) {
        self.http
            .delete(format!("{}/__control/faults", self.sandbox.urls.minicrm))
            .send()
            .await
            .unwrap();
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

    /// Runs a command like a worker that is stopped as soon as the sandbox has seen a request
    /// that `seen` picks (in flight or answered): the command's future is dropped there, as a
    /// stopped service worker's is. `None` when it was stopped; the reply when it ended first.
    pub async fn run_stopped_when(
        &self,
        app: &App<'_>,
        command: Value,
        sender: &Sender,
        seen: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        tokio::select! {
            reply = app.handle(command, sender) => Some(reply),
            _ = self.until_seen(true, seen) => None,
        }
    }

    /// Returns once the sandbox has a request that `seen` picks in flight (or, with `answered`,
    /// answered too): a condition, looked at every few milliseconds; a minute without it fails
    /// the test.
    pub async fn until_seen(&self, answered: bool, seen: impl Fn(&Value) -> bool) {
        self.until_requests(
            answered,
            |all| all.iter().any(&seen),
            "no such request reached the sandbox",
        )
        .await;
    }

    /// Whether a request `seen` picks is in flight (held by a `hold` fault, say).
    pub async fn in_flight(&self, seen: impl Fn(&Value) -> bool) -> bool {
        self.get("/inflight").await["requests"]
            .as_array()
            .is_some_and(|r| r.iter().any(seen))
    }

    /// Waits until no request in flight is one `seen` picks (a held request let go has been
    /// answered).
    pub async fn until_answered(&self, seen: impl Fn(&Value) -> bool) {
        self.until_requests(
            false,
            |all| !all.iter().any(&seen),
            "the request is still in flight",
        )
        .await;
    }

    /// Looks at the requests in flight (and with `answered`, those answered) until `done` holds.
    async fn until_requests(&self, answered: bool, done: impl Fn(&[Value]) -> bool, what: &str) {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let mut all = self.get("/inflight").await["requests"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if answered {
                all.extend(self.requests("").await);
            }
            if done(&all) {
                return;
            }
            assert!(std::time::Instant::now() < end, "{what}");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Runs `work` with the sandbox holding its first `GET` of `path` (a `hold` fault on
    /// `service`); once that request is held, runs `meanwhile`, then lets it go on. What another
    /// flow does while a vendor has not answered yet, without a clock.
    pub async fn while_held<W: std::future::Future, M: std::future::Future>(
        &self,
        (service, path): (&str, &str),
        work: W,
        meanwhile: M,
    ) -> (W::Output, M::Output) {
        self.control(
            "/faults",
            json!({"service": service, "method": "GET", "path": path, "kind": "hold", "times": 1}),
        )
        .await;
        let then = async {
            self.until_seen(false, |r| r["path"] == path).await;
            let out = meanwhile.await;
            self.control("/release", json!({})).await;
            out
        };
        tokio::join!(work, then)
    }

    /// Asks for the card's panel until `done` holds (a condition, not a time), for at most
    /// `limit_ms`; returns the last reply.
    pub async fn panel_until(
        &self,
        app: &App<'_>,
        name: &str,
        limit_ms: u64,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let url = self.card_url(name);
        let end = std::time::Instant::now() + std::time::Duration::from_millis(limit_ms);
        loop {
            let reply = app
                .handle(
                    json!({"cmd": "card", "url": url, "action": "state"}),
                    &content(&url),
                )
                .await;
            if done(&reply) || std::time::Instant::now() > end {
                return reply;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
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
