//! The worker's first module (`front`, `pkg/front_bg.wasm`) answers a message only as the full
//! core would: for each stored state and message below, it either hands the message on (`None`)
//! or gives the core's reply to the same message from the same state, byte for byte. Which
//! messages it answers is pinned too, so a first module that hands everything on (and so starts
//! the full core on every cold message) fails here.

mod common;

use common::{content, env, page, Env, EXT};
use minicrm_smartbill::api::{App, Sender};
use minicrm_smartbill::platform::native::TestClock;
use serde_json::{json, Value};

/// Runs `command` in the first module, then in the full core; returns the first module's reply.
/// The clock stands still meanwhile (replies carry the time).
async fn both(e: &Env, command: Value, sender: &Sender) -> Option<Value> {
    compared(e, command, sender, |core| core.to_string()).await
}

/// What the native core's tick adds when the jobs' step did nothing: natively the tick works the
/// jobs itself (`jobs`), where the worker's full core only says whether they are due (`jobsDue`,
/// absent when they are not).
const NO_STEP: &str = r#","jobs":{"worked":0,"more":false,"pausedUntilMs":null}"#;

/// `tick` from an extension page, as [`both`]; when the first module answers, the core's reply
/// is the same, byte for byte, once [`NO_STEP`] is taken out of it (the step having done nothing
/// is part of what is checked).
async fn tick(e: &Env, command: Value) -> Option<Value> {
    compared(e, command, &page(), |core| core.replacen(NO_STEP, "", 1)).await
}

/// [`both`], the core's reply seen through `native` (what the worker's full core would say).
async fn compared(
    e: &Env,
    command: Value,
    sender: &Sender,
    native: impl Fn(&str) -> String,
) -> Option<Value> {
    let clock = TestClock::system();
    clock.set_speed(0.0);
    let app = App {
        clock: &clock,
        ..e.app()
    };
    let text = serde_json::to_vec(&command).unwrap();
    let front = minicrm_smartbill::front::answer(&app, &text, sender).await;
    if let Some(reply) = &front {
        let core = app.handle_json(&text, sender).await;
        assert_eq!(
            reply.as_str(),
            native(core.as_str()),
            "the first module's reply differs from the core's for {command}"
        );
    }
    front.map(minicrm_smartbill::reply::ReplyText::into_value)
}

struct Urls {
    offer: String,
    sale: String,
    elsewhere: String,
    list: String,
}

fn urls(e: &Env) -> Urls {
    let base = e.info["minicrm"]["base"].as_str().unwrap().to_string();
    Urls {
        offer: format!("{base}/53832/#Project-21/1001"),
        sale: format!("{base}/53832/#Project-3/1000"),
        // The same path on another MiniCRM account (another system id).
        elsewhere: format!("{base}/99999/#Project-21/1001"),
        list: format!("{base}/53832/#Project-21"),
    }
}

async fn panel(e: &Env, url: &str) -> Option<Value> {
    both(e, json!({"cmd": "panelState", "url": url}), &content(url)).await
}

fn stranger(url: &str) -> Sender {
    Sender {
        extension_id: EXT.into(),
        sender_id: "another-extension".into(),
        url: url.into(),
        lang: "ro".into(),
        ..Sender::default()
    }
}

/// Team mode: a server address (and `key`) in the stored settings.
async fn team_mode_on(e: &Env, key: &str) {
    let mut stored = e
        .store
        .get_raw("settings")
        .await
        .unwrap()
        .expect("settings saved");
    stored["server"] = json!({"url": "https://team.example/", "key": key});
    e.store.set_raw("settings", stored).await.unwrap();
}

/// What is handed on whatever the state: senders that may not ask, messages the core refuses,
/// the commands of the rest of the core.
async fn always_handed_on(e: &Env, u: &Urls) {
    assert_eq!(
        both(e, json!({"cmd": "getSettings"}), &content(&u.offer)).await,
        None
    );
    assert_eq!(
        both(e, json!({"cmd": "getSettings"}), &stranger(&u.offer)).await,
        None
    );
    assert_eq!(
        both(e, json!({"cmd": "panelState", "url": u.list}), &stranger(&u.list)).await,
        None
    );
    assert_eq!(
        both(e, json!({"cmd": "panelState", "url": 5}), &content(&u.list)).await,
        None
    );
    assert_eq!(
        both(e, json!({"cmd": "jobsStatus"}), &content(&u.offer)).await,
        None
    );
    assert_eq!(both(e, json!({"cmd": "tick"}), &content(&u.offer)).await, None);
    assert_eq!(both(e, json!({"cmd": "tick", "alarm": 5}), &page()).await, None);
    assert_eq!(both(e, json!({"cmd": "nope"}), &page()).await, None);
    assert_eq!(both(e, json!({"url": u.list}), &page()).await, None);
}

#[tokio::test]
async fn a_new_install_is_answered_by_the_first_module() {
    let e = env().await;
    let u = urls(&e);
    let settings = both(&e, json!({"cmd": "getSettings"}), &page())
        .await
        .expect("answered");
    assert_eq!(settings["ok"], true, "{settings}");
    assert_eq!(settings["settings"]["smartbill"]["tokenSet"], false);
    let jobs = both(&e, json!({"cmd": "jobsStatus"}), &page())
        .await
        .expect("answered");
    assert_eq!(jobs["jobs"]["stock"]["enabled"], false, "{jobs}");
    // Not configured: every card says so, with the hint.
    for url in [&u.offer, &u.sale, &u.elsewhere] {
        let reply = panel(&e, url).await.expect("answered");
        assert_eq!(
            (&reply["show"], &reply["configured"]),
            (&json!(true), &json!(false)),
            "{reply}"
        );
        assert!(
            reply["hint"]
                .as_str()
                .unwrap_or_default()
                .contains("Configurează"),
            "{reply}"
        );
    }
    // Not a card: no panel.
    for url in [&u.list, "https://example.com/#Project-21/1"] {
        let reply = panel(&e, url).await.expect("answered");
        assert_eq!(reply["show"], false, "{reply}");
    }
    always_handed_on(&e, &u).await;
}

#[tokio::test]
async fn a_configured_browser_hands_its_own_cards_to_the_core() {
    let e = env().await;
    let u = urls(&e);
    e.configure(json!({})).await;
    // Where the person put the panel comes with every panel the first module shows.
    let place = e
        .run(
            json!({"cmd": "panelPlace", "place": {"left": 12, "top": 34, "collapsed": true}}),
            &content(&u.offer),
        )
        .await;
    assert_eq!(place["ok"], true, "{place}");

    let settings = both(&e, json!({"cmd": "getSettings"}), &page())
        .await
        .expect("answered");
    assert_eq!(settings["settings"]["smartbill"]["tokenSet"], true, "{settings}");
    // A run of the payment refresh in storage: the jobs' view is the core's.
    let run = e
        .run(json!({"cmd": "syncNow", "kind": "payments"}), &page())
        .await;
    assert_eq!(run["ok"], true, "{run}");
    let jobs = both(&e, json!({"cmd": "jobsStatus"}), &page())
        .await
        .expect("answered");
    assert!(jobs["jobs"]["payments"]["run"].is_object(), "{jobs}");
    // The configured module's card needs the vendors: handed on, from a content script and from
    // an extension page (which names the card in the message).
    assert_eq!(panel(&e, &u.offer).await, None);
    assert_eq!(
        both(&e, json!({"cmd": "panelState", "url": u.offer}), &page()).await,
        None
    );
    // Another module's card, another account's card, not a card: no panel, from the first module.
    for url in [&u.sale, &u.elsewhere, &u.list] {
        let reply = panel(&e, url).await.expect("answered");
        assert_eq!(reply["show"], false, "{url}: {reply}");
    }
    let reply = both(&e, json!({"cmd": "panelState", "url": u.sale}), &page()).await;
    assert_eq!(reply.expect("answered")["show"], false);
    always_handed_on(&e, &u).await;
}

#[tokio::test]
async fn incomplete_settings_show_the_hint_where_the_panel_was_put() {
    let e = env().await;
    let u = urls(&e);
    let place = e
        .run(
            json!({"cmd": "panelPlace", "place": {"left": 5, "top": 6, "collapsed": false}}),
            &content(&u.offer),
        )
        .await;
    assert_eq!(place["ok"], true, "{place}");
    let reply = panel(&e, &u.offer).await.expect("answered");
    assert_eq!(reply["configured"], false, "{reply}");
    assert!(reply["place"].is_object(), "{reply}");
}

#[tokio::test]
async fn team_mode_and_an_unreadable_store_are_the_cores() {
    let e = env().await;
    let u = urls(&e);
    e.configure(json!({})).await;
    // Team mode (a server address in the stored settings): the server answers about cards.
    team_mode_on(&e, "").await;
    for url in [&u.offer, &u.sale, &u.elsewhere] {
        assert_eq!(panel(&e, url).await, None, "{url}");
    }
    // Not a card: no panel in team mode either.
    assert_eq!(panel(&e, &u.list).await.expect("answered")["show"], false);
    let settings = both(&e, json!({"cmd": "getSettings"}), &page())
        .await
        .expect("answered");
    assert_eq!(settings["settings"]["server"]["enabled"], true, "{settings}");
    // The jobs run on the team's server: their status is the server's.
    assert_eq!(both(&e, json!({"cmd": "jobsStatus"}), &page()).await, None);

    // Settings that cannot be read: the core's error, with its text.
    e.store.set_raw("settings", json!("not settings")).await.unwrap();
    assert_eq!(both(&e, json!({"cmd": "getSettings"}), &page()).await, None);
    assert_eq!(both(&e, json!({"cmd": "jobsStatus"}), &page()).await, None);
    assert_eq!(panel(&e, &u.offer).await, None);
    // A page that is not a card has no panel, the settings unread (the core's answer too).
    assert_eq!(panel(&e, &u.list).await.expect("answered")["show"], false);
    let core = e.run(json!({"cmd": "getSettings"}), &page()).await;
    assert_eq!(core["ok"], false, "{core}");
}

/// Where the first module sends what it does not answer: in team mode a card's panel goes to the
/// setup module, which carries team mode's forwarding (the full core is built without it);
/// anything else goes where it always goes. A tick the first module hands on (it answers team
/// mode's itself: `a_tick_with_nothing_to_do_is_the_first_module_s`) goes to the full core, which
/// answers it in team mode as team mode does (nothing to do here).
#[tokio::test]
async fn team_mode_sends_the_panel_to_the_setup_module() {
    use minicrm_smartbill::command::{Command, SenderKind};
    use minicrm_smartbill::front::{route, Module};
    use minicrm_smartbill::i18n::Lang;
    use minicrm_smartbill::team_mode::forward;
    let e = env().await;
    let u = urls(&e);
    e.configure(json!({})).await;
    let app = e.app();
    let taken = [
        json!({"cmd": "panelState", "url": u.offer}),
        json!({"cmd": "card", "url": u.offer, "action": "emit"}),
    ];
    let tick = json!({"cmd": "tick", "alarm": "tick"});
    let others = [
        (json!({"cmd": "getSettings"}), Module::Core),
        (json!({"cmd": "openOptions"}), Module::Core),
        (
            json!({"cmd": "panelPlace", "place": {"left": 1, "top": 2}}),
            Module::Core,
        ),
        (json!({"cmd": "saveSettings", "settings": {}}), Module::Setup),
        (json!({"cmd": "syncNow", "kind": "stock"}), Module::Jobs),
        (
            json!({"cmd": "import", "action": {"do": "status"}}),
            Module::ImportJob,
        ),
    ];
    let routed = |c: &Value| serde_json::to_vec(c).unwrap();
    // Not team mode: the full core's.
    for c in &taken {
        assert_eq!(route(&app, &routed(c)).await, Module::Core, "{c}");
    }
    // The full core runs them as always.
    let guard = |c: &Value| {
        let command: Command =
            minicrm_smartbill::platform::from_json(&serde_json::to_vec(c).unwrap()).unwrap();
        let (sender, kind) = match command {
            Command::Tick { .. } => (page(), SenderKind::ExtensionPage),
            _ => (content(&u.offer), SenderKind::ContentScript),
        };
        let app = e.app();
        async move { forward::intercept_core(&app, &command, Lang::Ro, &sender, kind).await }
    };
    for c in taken.iter().chain([&tick]) {
        assert!(guard(c).await.is_none(), "{c}");
    }
    team_mode_on(&e, "k").await;
    let before = e.requests("").await.len();
    for c in &taken {
        assert_eq!(route(&app, &routed(c)).await, Module::Setup, "{c}");
        // Reaching the full core all the same (team mode turned on after the first module
        // looked): nothing done; the panel says so and asks again.
        let answer = guard(c).await.expect("the core's guard answers");
        let reply = answer.expect("the panel's reply").into_value();
        assert_eq!(reply["error"]["code"], "team.switched", "{reply}");
        assert_eq!(reply["refreshMs"], 1_500, "{reply}");
        assert_eq!(reply["teamMode"], true, "{reply}");
    }
    // The tick: the tick module's, which does nothing in team mode (the server's cron works), as
    // the setup module's forwarding answers it (the tick module has the full core's guard).
    assert_eq!(route(&app, &routed(&tick)).await, Module::Tick);
    let core = guard(&tick)
        .await
        .expect("answered")
        .expect("a reply")
        .into_value();
    assert_eq!(core["skipped"], "teamMode", "{core}");
    let mut forwarded = e.run(tick.clone(), &page()).await;
    assert_eq!(forwarded["ok"], true, "{forwarded}");
    forwarded.as_object_mut().expect("a reply").remove("ok");
    assert_eq!(core, forwarded, "as team mode's forwarding answers it");
    assert_eq!(e.requests("").await.len(), before, "nothing reached a vendor");
    // A page that is not a card: no panel, in team mode too (the first module answers it).
    let list = json!({"cmd": "panelState", "url": u.list});
    let command: Command =
        minicrm_smartbill::platform::from_json(&serde_json::to_vec(&list).unwrap()).unwrap();
    let sender = content(&u.list);
    let answer = forward::intercept_core(&app, &command, Lang::Ro, &sender, SenderKind::ContentScript).await;
    assert!(answer.is_none());
    for (c, module) in &others {
        assert_eq!(route(&app, &routed(c)).await, *module, "{c}");
    }
    // Settings that cannot be read: the full core (the tick module for a tick), whose error a
    // person can read.
    e.store.set_raw("settings", json!("not settings")).await.unwrap();
    for c in &taken {
        assert_eq!(route(&app, &routed(c)).await, Module::Core, "{c}");
    }
    assert_eq!(route(&app, &routed(&tick)).await, Module::Tick);
}

/// `place` and `options` answered by the first module as by the core: the place saved, bounded.
async fn placed_and_opened(e: &Env, place: &Value, options: &Value, from: &Sender) {
    let saved = both(e, place.clone(), from).await.expect("answered");
    assert_eq!(saved, json!({"ok": true, "saved": true}));
    let stored = e.store.get_raw("ui.panelPlace").await.unwrap();
    assert_eq!(
        stored,
        Some(json!({"left": 0, "top": 10_000, "collapsed": true})),
        "kept within a sane screen"
    );
    e.store.set_raw("ui.panelPlace", json!(null)).await.unwrap();
    let effect = both(e, options.clone(), from).await.expect("answered");
    assert_eq!(effect, json!({"ok": true, "effect": "openOptions"}));
}

/// The panel's place (a drag, a fold) and its link to the options page are the first module's,
/// in every state, team mode included: neither starts the full core. A place that cannot be read
/// is handed on (the core's error says why).
#[tokio::test]
async fn the_panel_s_place_and_options_link_are_the_first_module_s() {
    let e = env().await;
    let u = urls(&e);
    let place = json!({"cmd": "panelPlace", "place": {"left": -40, "top": 20_000, "collapsed": true}});
    let options = json!({"cmd": "openOptions"});
    let from = content(&u.offer);
    placed_and_opened(&e, &place, &options, &from).await;
    e.configure(json!({})).await;
    let before = e.requests("").await.len();
    placed_and_opened(&e, &place, &options, &from).await;
    team_mode_on(&e, "k").await;
    placed_and_opened(&e, &place, &options, &from).await;
    assert_eq!(e.requests("").await.len(), before, "nothing reached a vendor");
    for unread in [
        json!({"cmd": "panelPlace"}),
        json!({"cmd": "panelPlace", "place": {"left": "far"}}),
    ] {
        assert_eq!(
            both(&e, unread.clone(), &content(&u.offer)).await,
            None,
            "{unread}"
        );
        let core = e.run(unread, &content(&u.offer)).await;
        assert_eq!(core["error"]["code"], "badCommand", "{core}");
    }
    for c in [&place, &options] {
        assert_eq!(both(&e, c.clone(), &stranger(&u.offer)).await, None, "{c}");
    }
}

/// A tick with nothing to do is the first module's: on a new install, when configured with
/// automatic emission off, no emission open and no job due, and in team mode (which does nothing
/// here). Anything to do hands it on: a job due, an entry in the journal's open list, automatic
/// emission's pass, an unfinished import, settings that cannot be read.
#[tokio::test]
async fn a_tick_with_nothing_to_do_is_the_first_module_s() {
    let e = env().await;
    let alarm = json!({"cmd": "tick", "alarm": "tick"});
    let start = json!({"cmd": "tick"});
    for c in [&alarm, &start] {
        let reply = tick(&e, c.clone()).await.expect("answered");
        assert_eq!(
            reply,
            json!({"ok": true, "alarms": [], "skipped": "notConfigured"})
        );
    }
    // An unfinished import: the core's tick says whether it may go on now.
    let head = json!({"phase": "running", "retryAt": null});
    e.store.set_raw("import.job", head.clone()).await.unwrap();
    assert_eq!(tick(&e, start.clone()).await, None);
    e.store
        .set_raw("import.job", json!({"phase": "done"}))
        .await
        .unwrap();
    assert!(tick(&e, start.clone()).await.is_some());

    e.configure(json!({})).await;
    // Never run: the payment refresh is due. The core's tick (natively) works it.
    assert_eq!(tick(&e, alarm.clone()).await, None);
    let worked = e.run(alarm.clone(), &page()).await;
    assert_eq!(worked["jobs"]["more"], false, "{worked}");
    let before = e.requests("").await.len();
    let reply = tick(&e, alarm.clone()).await.expect("answered");
    assert_eq!(reply["again"], false, "{reply}");
    assert_eq!(reply["alarms"][0]["name"], "tick", "{reply}");
    assert!(reply.get("jobsDue").is_none(), "{reply}");
    assert!(tick(&e, start.clone()).await.is_some());
    assert_eq!(e.requests("").await.len(), before, "nothing reached a vendor");

    // An entry open in the journal: resumed by the core.
    let open = e.store.get_raw("journal.open").await.unwrap();
    assert_eq!(open, Some(json!([""])), "the open list made and empty");
    e.store
        .set_raw("journal.open", json!(["", "journal.invoice.1"]))
        .await
        .unwrap();
    assert_eq!(tick(&e, alarm.clone()).await, None);
    e.store.set_raw("journal.open", json!(null)).await.unwrap();
    assert_eq!(tick(&e, alarm.clone()).await, None, "a list never made");
    e.store.set_raw("journal.open", json!([""])).await.unwrap();
    // "Sincronizează acum": a job due.
    let asked = e
        .run(json!({"cmd": "syncNow", "kind": "payments"}), &page())
        .await;
    assert_eq!(asked["ok"], true, "{asked}");
    assert!(tick(&e, alarm.clone()).await.is_some(), "the step done");
    e.store
        .set_raw("job.payments.request", json!({"token": "t", "reason": "now"}))
        .await
        .unwrap();
    assert_eq!(tick(&e, alarm.clone()).await, None, "a run asked for");
    e.run(alarm.clone(), &page()).await;
    assert!(tick(&e, alarm.clone()).await.is_some());

    // Automatic emission polls MiniCRM.
    let mut stored = e.store.get_raw("settings").await.unwrap().expect("settings");
    let manual = stored.clone();
    stored["integration"]["auto"] = json!(true);
    stored["integration"]["triggers"] = json!([{"id": "3001", "label": "Câștigat"}]);
    e.store.set_raw("settings", stored).await.unwrap();
    assert_eq!(tick(&e, alarm.clone()).await, None);
    e.store.set_raw("settings", manual).await.unwrap();
    assert!(tick(&e, alarm.clone()).await.is_some());

    // Team mode: the tick does nothing here, whatever waits.
    team_mode_on(&e, "k").await;
    e.store
        .set_raw("journal.open", json!(["", "journal.invoice.1"]))
        .await
        .unwrap();
    let reply = tick(&e, alarm.clone()).await.expect("answered");
    assert_eq!(reply["skipped"], "teamMode", "{reply}");
    // Settings that cannot be read: the core's error.
    e.store.set_raw("settings", json!("not settings")).await.unwrap();
    assert_eq!(tick(&e, alarm.clone()).await, None);
    let core = e.run(alarm, &page()).await;
    assert_eq!(core["ok"], false, "{core}");
}
