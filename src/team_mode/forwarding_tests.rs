//! The core's side of team mode, natively: what is sent to the server (the sender's page, the
//! member key, nothing for refused commands), what the panel gets back, and the settings.
//! The real server answers in `tests/e2e/team-browser.test.mjs`; here a recording transport
//! plays it, so every request the core makes is visible.

use std::cell::RefCell;

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::app::App;
use crate::command::{Command, Sender};
use crate::i18n::Lang;
use crate::jobs::Runtime;
use crate::platform::native::{MemoryStore, TestClock};
use crate::platform::{HttpRequest, HttpResponse, Transport, TransportError};

const EXT: &str = "abcdefghijklmnopabcdefghijklmnop";
const SERVER: &str = "https://team.example.workers.dev";
const KEY: &str = "mcsb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const CARD: &str = "https://r3.minicrm.ro/53832/#Project-21/1001";
const OTHER_CARD: &str = "https://r3.minicrm.ro/53832/#Project-21/1002";

/// Answers every request with `status` and `body`, and keeps them all.
struct Recorder {
    answer: RefCell<Result<(u16, Value), TransportError>>,
    seen: RefCell<Vec<HttpRequest>>,
}

impl Recorder {
    fn new(status: u16, body: Value) -> Recorder {
        Recorder {
            answer: RefCell::new(Ok((status, body))),
            seen: RefCell::new(Vec::new()),
        }
    }

    fn bodies(&self) -> Vec<Value> {
        self.seen
            .borrow()
            .iter()
            .map(|r| {
                r.body
                    .as_ref()
                    .and_then(|b| serde_json::from_slice(b).ok())
                    .unwrap_or(Value::Null)
            })
            .collect()
    }
}

#[async_trait(?Send)]
impl Transport for Recorder {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.borrow_mut().push(request);
        match &*self.answer.borrow() {
            Ok((status, body)) => Ok(HttpResponse {
                status: *status,
                headers: Vec::new(),
                body: body.to_string().into_bytes(),
            }),
            Err(e) => Err(e.clone()),
        }
    }
}

fn page(url: &str) -> Sender {
    Sender {
        extension_id: EXT.into(),
        extension_url: format!("chrome-extension://{EXT}/"),
        sender_id: EXT.into(),
        url: url.into(),
        lang: "ro".into(),
    }
}

fn options() -> Sender {
    page(&format!("chrome-extension://{EXT}/options.html"))
}

fn app<'a>(t: &'a Recorder, store: &'a MemoryStore, clock: &'a TestClock, rt: &'a Runtime) -> App<'a> {
    App {
        transport: t,
        store,
        clock,
        runtime: rt,
        host_permissions: crate::settings::production_host_permissions()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// A recorder answering 200 with `body`, an empty store, a clock at 0 and a fresh runtime.
fn parts(body: Value) -> (Recorder, MemoryStore, TestClock, Runtime) {
    (
        Recorder::new(200, body),
        MemoryStore::new(),
        TestClock::at(0),
        Runtime::default(),
    )
}

/// A browser that was configured alone (vendor secrets set), then joins the team.
async fn joined(app: &App<'_>) -> Value {
    let solo = json!({"cmd": "saveSettings", "settings": {
        "smartbill": {"cif": "RO18547290", "email": "a@b.ro", "token": "6c1f0e5b9a7d43e28b4f1a0c9d2e7b35"},
        "minicrm": {"url": "https://r3.minicrm.ro", "systemId": "53832", "apiKey": "q7Rk2VnX9sLp4TzW8yHc3MdF6aJb1GeN", "module": "offers"},
    }});
    app.handle(solo, &options()).await;
    let team = json!({"cmd": "saveSettings", "settings": {
        "smartbill": {"cif": "RO18547290", "email": "a@b.ro"},
        "minicrm": {"url": "https://r3.minicrm.ro", "systemId": "53832", "module": "offers"},
        "server": {"url": format!("{SERVER}/"), "key": KEY},
    }});
    app.handle(team, &options()).await
}

#[tokio::test]
async fn joining_the_team_drops_the_vendor_secrets_and_needs_only_the_server() {
    let (t, store, clock, rt) = parts(json!({}));
    let app = app(&t, &store, &clock, &rt);
    let saved = joined(&app).await;
    assert_eq!(saved["ok"], true, "{saved}");
    assert_eq!(
        saved["problems"],
        json!([]),
        "no token or API key required: {saved}"
    );
    assert_eq!(saved["alarms"], json!([]));
    assert_eq!(saved["settings"]["server"]["enabled"], true);
    assert_eq!(saved["settings"]["server"]["keySet"], true);
    assert_eq!(saved["settings"]["smartbill"]["tokenSet"], false);
    assert_eq!(saved["settings"]["minicrm"]["apiKeySet"], false);
    assert!(saved["settings"]["origins"]
        .as_array()
        .unwrap()
        .contains(&json!("https://team.example.workers.dev/*")));
    assert!(!saved.to_string().contains(KEY), "the key is never shown");
    // Stored: the key with the secrets, no vendor secret anywhere.
    assert_eq!(
        store
            .get_raw(crate::settings::server::SECRET_KEY_KEY)
            .await
            .unwrap(),
        Some(json!(KEY))
    );
    assert_eq!(
        store.get_raw("secret.smartbill.token").await.unwrap(),
        Some(json!(""))
    );
    assert_eq!(
        store.get_raw("secret.minicrm.apiKey").await.unwrap(),
        Some(json!(""))
    );
    let open = store.get_raw("settings").await.unwrap().unwrap().to_string();
    assert!(!open.contains(KEY), "{open}");
    // No key: said about the key field.
    let no_key = app
        .handle(
            json!({"cmd": "saveSettings", "settings": {"server": {"url": "https://other.example", "key": null}}}),
            &options(),
        )
        .await;
    assert_eq!(no_key["problems"], json!([]), "the stored key is kept");
    let store2 = MemoryStore::new();
    let app2 = App {
        store: &store2,
        ..app
    };
    let fresh = app2
        .handle(
            json!({"cmd": "saveSettings", "settings": {"server": {"url": "http://team.example"}}}),
            &options(),
        )
        .await;
    let fields: Vec<&str> = fresh["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["serverUrl", "serverKey"], "{fresh}");
}

#[tokio::test]
async fn a_content_script_acts_on_its_own_page_through_the_server_with_the_key() {
    let reply = json!({"ok": true, "show": true, "configured": true, "panel": {"state": "issued", "number": "FCT 0124"}, "alarms": [{"name": "tick"}], "place": null});
    let (t, store, clock, rt) = parts(reply);
    let app = app(&t, &store, &clock, &rt);
    joined(&app).await;
    crate::platform::save(
        &store,
        crate::command::PANEL_PLACE_KEY,
        &json!({"left": 5, "top": 6, "collapsed": false}),
    )
    .await
    .unwrap();
    // The message names another card: the browser's page wins.
    let got = app
        .handle(json!({"cmd": "panelState", "url": OTHER_CARD}), &page(CARD))
        .await;
    assert_eq!(got["panel"]["number"], "FCT 0124", "{got}");
    assert!(
        got.get("alarms").is_none(),
        "the server's alarms are not this browser's"
    );
    assert_eq!(got["place"]["left"], 5, "the panel's place is this browser's");
    let emit = app
        .handle(json!({"cmd": "card", "url": CARD, "action": "emit"}), &page(CARD))
        .await;
    assert_eq!(emit["ok"], true);
    let seen = t.seen.borrow();
    assert_eq!(seen.len(), 2);
    for r in seen.iter() {
        assert_eq!(r.url, format!("{SERVER}/api/command"));
        assert!(r
            .headers
            .contains(&("Authorization".to_string(), format!("Bearer {KEY}"))));
        assert!(!String::from_utf8_lossy(r.body.as_deref().unwrap_or_default()).contains(KEY));
    }
    drop(seen);
    assert_eq!(
        t.bodies(),
        vec![
            json!({"cmd": "panelState", "url": CARD, "shown": null}),
            json!({"cmd": "card", "url": CARD, "action": "emit", "number": null, "shown": null}),
        ]
    );
}

#[tokio::test]
async fn an_action_for_a_page_that_moved_is_refused_here_and_never_sent() {
    let (t, store, clock, rt) = parts(json!({"ok": true}));
    let app = app(&t, &store, &clock, &rt);
    joined(&app).await;
    let got = app
        .handle(
            json!({"cmd": "card", "url": OTHER_CARD, "action": "emit"}),
            &page(CARD),
        )
        .await;
    assert_eq!(got["error"]["code"], "emission.pageChanged", "{got}");
    assert_eq!(got["redraw"], true);
    assert!(t.seen.borrow().is_empty());
}

#[tokio::test]
async fn the_tick_does_nothing_and_vendor_commands_are_the_servers() {
    let (t, store, clock, rt) = parts(json!({"ok": true}));
    let app = app(&t, &store, &clock, &rt);
    joined(&app).await;
    let tick = app.handle(json!({"cmd": "tick"}), &options()).await;
    assert_eq!(tick["alarms"], json!([]), "{tick}");
    for (cmd, code) in [
        (
            json!({"cmd": "testSmartBill", "settings": {}}),
            "team.serverHolds",
        ),
        (json!({"cmd": "checklist", "settings": null}), "team.serverHolds"),
        (json!({"cmd": "warehouses"}), "team.serverHolds"),
        (
            json!({"cmd": "cancelJob", "kind": "payments"}),
            "team.jobsOnServer",
        ),
        (
            json!({"cmd": "import", "action": {"type": "status"}}),
            "team.importUnavailable",
        ),
    ] {
        let got = app.handle(cmd.clone(), &options()).await;
        assert_eq!(got["error"]["code"], code, "{cmd} → {got}");
    }
    assert!(
        t.seen.borrow().is_empty(),
        "nothing reached the server or a vendor"
    );
    // The jobs' status is the server's.
    app.handle(json!({"cmd": "jobsStatus"}), &options()).await;
    assert_eq!(t.bodies(), vec![json!({"cmd": "jobsStatus"})]);
}

#[tokio::test]
async fn the_jobs_module_sends_the_jobs_to_the_server_and_answers_nothing_else() {
    async fn intercept(app: &App<'_>, text: &str) -> Option<crate::error::Result<Value>> {
        let command: Command = crate::platform::from_json(text.as_bytes()).expect("a command");
        super::forward::intercept_jobs(app, &command, Lang::Ro, &options())
            .await
            .map(|r| r.map(crate::reply::ReplyText::into_value))
    }
    let (t, store, clock, rt) = parts(json!({"ok": true}));
    let app = app(&t, &store, &clock, &rt);
    // Alone, the jobs run here.
    assert!(intercept(&app, r#"{"cmd":"jobsStatus"}"#).await.is_none());
    joined(&app).await;
    let tick = intercept(&app, r#"{"cmd":"tick"}"#).await;
    assert_eq!(
        tick.expect("team mode's").expect("a reply")["skipped"],
        json!("teamMode")
    );
    let cancel = intercept(&app, r#"{"cmd":"cancelJob","kind":"stock"}"#).await;
    assert_eq!(
        cancel.expect("team mode's").expect_err("refused").code(),
        "team.jobsOnServer"
    );
    assert!(intercept(&app, r#"{"cmd":"panelState","url":"x"}"#)
        .await
        .is_none());
    assert!(t.seen.borrow().is_empty(), "nothing reached the server yet");
    assert!(intercept(&app, r#"{"cmd":"jobsStatus"}"#).await.is_some());
    assert!(intercept(&app, r#"{"cmd":"syncNow","kind":"stock"}"#)
        .await
        .is_some());
    assert_eq!(
        t.bodies(),
        vec![
            json!({"cmd": "jobsStatus"}),
            json!({"cmd": "syncNow", "kind": "stock"})
        ]
    );
}

#[tokio::test]
async fn refusals_and_silence_become_panel_messages_never_direct_calls() {
    let (t, store, clock, rt) = (
        Recorder::new(
            401,
            json!({"ok": false, "error": {"code": "server.unauthorized", "message": "x"}}),
        ),
        MemoryStore::new(),
        TestClock::at(0),
        Runtime::default(),
    );
    let app = app(&t, &store, &clock, &rt);
    joined(&app).await;
    let got = app
        .handle(json!({"cmd": "panelState", "url": CARD}), &page(CARD))
        .await;
    assert_eq!(got["show"], true);
    assert_eq!(got["error"]["code"], "team.unauthorized", "{got}");
    assert!(got["error"]["message"].as_str().unwrap().contains("revocat"));
    assert_eq!(got["refreshMs"], Value::Null, "a person must act first");

    *t.answer.borrow_mut() = Ok((409, json!({"ok": false, "error": {"code": "server.cardBusy"}})));
    let busy = app
        .handle(json!({"cmd": "card", "url": CARD, "action": "emit"}), &page(CARD))
        .await;
    assert_eq!(busy["error"]["code"], "team.cardBusy");
    assert!(busy["refreshMs"].as_u64().is_some(), "asks again by itself");

    *t.answer.borrow_mut() = Err(TransportError::NoAnswer("Failed to fetch".into()));
    let lost = app
        .handle(json!({"cmd": "card", "url": CARD, "action": "emit"}), &page(CARD))
        .await;
    assert_eq!(lost["error"]["code"], "team.noAnswer", "{lost}");
    let down = app
        .handle(json!({"cmd": "panelState", "url": CARD}), &page(CARD))
        .await;
    assert_eq!(down["error"]["code"], "team.unreachable");
    assert!(down["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("chrome-extension://{EXT}")));
    // Every request went to the server; none anywhere else.
    assert!(t.seen.borrow().iter().all(|r| r.url.starts_with(SERVER)));
}

#[tokio::test]
async fn test_connection_reads_the_health_and_never_shows_the_webhook_token_to_members() {
    let health = json!({
        "ok": true, "team": {"cif": "RO18547290", "systemId": "53832"},
        "caller": {"role": "member", "id": "a1", "name": "Ana"}, "settingsComplete": true,
        "smartbill": {"ok": true, "series": 2}, "minicrm": {"ok": true, "modules": 3},
        "webhook": {"url": format!("{SERVER}/smartbill/stock"), "token": null, "tokenSource": "stockWebhookToken"},
    });
    let (t, store, clock, rt) = parts(health);
    let app = app(&t, &store, &clock, &rt);
    let got = app
        .handle(
            json!({"cmd": "testServer", "settings": {"server": {"url": SERVER, "key": KEY}}}),
            &options(),
        )
        .await;
    assert_eq!(got["allOk"], true, "{got}");
    assert_eq!(got["webhook"]["url"], format!("{SERVER}/smartbill/stock"));
    assert_eq!(got["webhook"]["token"], Value::Null);
    assert_eq!(t.seen.borrow()[0].url, format!("{SERVER}/api/health"));
    // A content script may not test anything.
    let refused = app
        .handle(
            json!({"cmd": "testServer", "settings": {"server": {"url": SERVER, "key": KEY}}}),
            &page(CARD),
        )
        .await;
    assert_eq!(refused["error"]["code"], "forbidden");
}
