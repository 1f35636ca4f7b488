//! Exactly once when the network, the worker, a colleague's browser or a server's filtering
//! misbehave: each case ends with exactly one active document per card, or none with a clear
//! message. Two browsers are two apps with their own storage and worker on one sandbox.

mod common;

use common::{env, Browser, Env};
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::platform::Clock;
use serde_json::{json, Value};

async fn issued(e: &Env) -> Vec<Value> {
    e.smartbill_documents()
        .await
        .into_iter()
        .filter(|d| d["kind"] == "invoice" && d["number"] != "")
        .collect()
}

async fn posts(e: &Env) -> usize {
    e.requests("smartbill")
        .await
        .iter()
        .filter(|r| r["method"] == "POST")
        .count()
}

#[tokio::test]
async fn a_card_without_a_listed_document_never_gets_another_cards_document() {
    let e = env().await;
    e.configure(json!({})).await;
    // A card of the offers module with no offer of its own; the list shows other cards' offers.
    let created = e
        .http
        .put(format!("{}/Api/R3/Project", e.sandbox.urls.minicrm))
        .basic_auth(
            e.info["minicrm"]["systemId"].as_str().unwrap(),
            Some(e.info["minicrm"]["apiKey"].as_str().unwrap()),
        )
        .json(&json!({"CategoryId": 21, "ContactId": 2002, "StatusId": 3003, "UserId": 1, "Name": "Card fără ofertă"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let card = created["Id"].as_u64().expect("card created");
    let url = format!(
        "{}/{}/#Project-21/{card}",
        e.info["minicrm"]["base"].as_str().unwrap(),
        e.info["minicrm"]["systemId"].as_str().unwrap()
    );
    let reply = e
        .run(
            json!({"cmd": "card", "url": url, "action": "emit"}),
            &common::content(&url),
        )
        .await;
    assert_eq!(reply["error"]["code"], "emission.documentNotListed", "{reply}");
    assert!(issued(&e).await.is_empty(), "nothing issued");
    // Only documented list parameters were sent.
    for r in e.requests("minicrm").await {
        if r["path"].as_str().unwrap_or("").ends_with("/List") {
            let q = r["query"].as_str().unwrap_or("");
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let name = pair.split('=').next().unwrap_or("");
                assert!(
                    ["Page", "UpdatedSince", "StatusGroup"].contains(&name),
                    "undocumented list parameter {name} in {q}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_refused_request_is_not_repeated_in_a_loop() {
    use minicrm_smartbill::error::{Error, MiniCrmKind};
    let e = env().await;
    e.configure(json!({})).await;
    let app = e.app();
    let settings = minicrm_smartbill::settings::load(&e.store).await.unwrap();
    let mc = app
        .minicrm(&settings, minicrm_smartbill::jobs::Priority::Background, 10_000)
        .unwrap();
    let first = mc.search_contacts(&[("Nonsense", "1")]).await.unwrap_err();
    assert!(
        matches!(
            first,
            Error::MiniCrm {
                kind: MiniCrmKind::Incompatible,
                ..
            }
        ),
        "{first:?}"
    );
    let message = first.message(minicrm_smartbill::i18n::Lang::Ro);
    assert!(message.contains("incompatibilitate"), "{message}");
    assert!(first.vendor_text().unwrap().contains("Unknown parameter"));
    let sent = || async {
        e.requests("minicrm")
            .await
            .iter()
            .filter(|r| r["query"].as_str().unwrap_or("").contains("Nonsense"))
            .count()
    };
    assert_eq!(sent().await, 1);
    for _ in 0..5 {
        assert!(mc.search_contacts(&[("Nonsense", "2")]).await.is_err());
    }
    assert_eq!(sent().await, 1, "the same refused call is not sent again");
}

#[tokio::test]
async fn two_browsers_clicking_at_once_make_one_invoice() {
    let e = env().await;
    let b = Browser::default();
    let (a_app, b_app) = (e.app(), e.app_in(&b));
    e.configure_in(&a_app, json!({"team": {"browserLabel": "Ana", "runner": true}}))
        .await;
    e.configure_in(
        &b_app,
        json!({"team": {"browserLabel": "Bogdan", "runner": true}}),
    )
    .await;
    let (ra, rb) = tokio::join!(
        e.card_action_in(&a_app, "offerBucharestRon", "emit"),
        e.card_action_in(&b_app, "offerBucharestRon", "emit")
    );
    assert_eq!(issued(&e).await.len(), 1, "{ra}\n{rb}");
    // One of them issued it; the other says a colleague is issuing, and offers no cancellation.
    let states = [ra["panel"]["state"].clone(), rb["panel"]["state"].clone()];
    assert!(states.contains(&json!("issued")), "{ra}\n{rb}");
    let loser = if ra["panel"]["state"] == "issued" {
        &rb
    } else {
        &ra
    };
    assert!(
        loser["error"]["code"] == "emission.claimedByOther"
            || loser["error"]["code"] == "emission.claimLost"
            || loser["panel"]["state"] == "issued",
        "{loser}"
    );
    // Later, the other browser shows the number and no cancel button (not its invoice).
    let loser_app = if ra["panel"]["state"] == "issued" {
        &b_app
    } else {
        &a_app
    };
    let later = e
        .panel_until(loser_app, "offerBucharestRon", 10_000, |r| {
            r["panel"]["state"] == "issued"
        })
        .await;
    assert_eq!(later["panel"]["number"], "FCT 0124", "{later}");
    let actions = later["panel"]["actions"].as_array().unwrap();
    assert!(!actions.contains(&json!("cancel")), "{later}");
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn a_colleague_clicking_while_the_first_write_back_is_slow_gets_no_second_invoice() {
    let e = env().await;
    let b = Browser::default();
    let (a_app, b_app) = (e.app(), e.app_in(&b));
    e.configure_in(&a_app, json!({"team": {"browserLabel": "Ana", "runner": true}}))
        .await;
    e.configure_in(
        &b_app,
        json!({"team": {"browserLabel": "Bogdan", "runner": false}}),
    )
    .await;
    let doc = e.card("offerPersonRon")["documentId"].as_u64().unwrap();
    // A's write-back (number, link, PDF) takes 3 s to land in MiniCRM.
    e.fault(json!({"service": "minicrm", "method": "POST", "path": format!("/Api/Offer/{doc}/Project"), "kind": "latency", "ms": 3000})).await;
    let a = e.card_action_in(&a_app, "offerPersonRon", "emit");
    let b_click = async {
        // B clicks once A's invoice exists in SmartBill, before A's card write-back landed.
        loop {
            if !issued(&e).await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        e.card_action_in(&b_app, "offerPersonRon", "emit").await
    };
    let (ra, rb) = tokio::join!(a, b_click);
    assert_eq!(ra["panel"]["state"], "issued", "{ra}");
    assert_eq!(rb["error"]["code"], "emission.claimedByOther", "{rb}");
    assert!(rb["error"]["message"].as_str().unwrap().contains("Ana"), "{rb}");
    assert_eq!(issued(&e).await.len(), 1);
    let later = e
        .panel_until(&b_app, "offerPersonRon", 10_000, |r| {
            r["panel"]["state"] == "issued"
        })
        .await;
    assert_eq!(later["panel"]["number"], ra["panel"]["number"], "{later}");
    assert!(later["panel"]["duplicates"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_claim_write_slower_than_the_bound_posts_nothing() {
    let e = env().await;
    e.configure(json!({})).await;
    let card = e.card("offerPersonRon")["projectId"].as_u64().unwrap();
    // MiniCRM takes longer than the bound (300 ms here) to write every claim.
    e.fault(json!({"service": "minicrm", "method": "PUT", "path": format!("/Api/R3/Project/{card}"), "kind": "latency", "ms": 450, "times": 10})).await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["error"]["code"], "emission.claimSlow", "{reply}");
    assert_eq!(posts(&e).await, 0, "nothing posted");
    // MiniCRM fast again: the click goes through, once.
    e.no_faults().await;
    let reply = e.card_action("offerPersonRon", "retry").await;
    let reply = if !reply["error"].is_null() {
        e.card_action("offerPersonRon", "emit").await
    } else {
        reply
    };
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn a_slow_post_stopped_at_several_points_ends_with_one_invoice() {
    // The worker is stopped: while it waits out its claim, while a 3 s POST is in flight, and
    // between the POST and the write-back. A new worker finishes each without a second POST.
    let e = env().await;
    e.configure(json!({})).await;
    type StopAt = fn(&Value, u64, u64) -> bool;
    let cases: [(&str, StopAt); 3] = [
        ("offerBucharestRon", |r, card, _| {
            r["method"] == "PUT" && r["path"] == format!("/Api/R3/Project/{card}").as_str()
        }),
        ("offerPayerEur", |r, _, _| {
            r["method"] == "POST" && r["path"] == "/SBORO/api/invoice/v2" && r["status"] == 0
        }),
        ("offerPersonRon", |r, _, doc| {
            r["method"] == "POST" && r["path"] == format!("/Api/Offer/{doc}/Project").as_str()
        }),
    ];
    for (name, stop_at) in cases {
        e.fault(json!({"service": "smartbill", "method": "POST", "path": "/SBORO/api/invoice/v2", "kind": "latency", "ms": 3000})).await;
        let card = e.card(name)["projectId"].as_u64().unwrap();
        let doc = e.card(name)["documentId"].as_u64().unwrap();
        if name == "offerPersonRon" {
            e.fault(json!({"service": "minicrm", "method": "POST", "path": format!("/Api/Offer/{doc}/Project"), "kind": "hang"})).await;
        }
        let url = e.card_url(name);
        let before = posts(&e).await;
        let stopped = e
            .run_stopped_when(
                &e.app(),
                json!({"cmd": "card", "url": url, "action": "emit"}),
                &common::content(&url),
                |r| stop_at(r, card, doc),
            )
            .await;
        assert!(stopped.is_none(), "{name}: stopped mid-way ({stopped:?})");
        e.no_faults().await;
        let fresh = Runtime::default();
        let app = e.app_with(&fresh);
        let reply = e
            .panel_until(&app, name, 30_000, |r| {
                r["panel"]["state"] == "issued" && r["panel"]["cardPending"] == false
                    || r["panel"]["state"] == "notIssued"
            })
            .await;
        if reply["panel"]["state"] == "notIssued" {
            // Stopped before anything was posted: a click now issues it.
            let again = e.card_action_in(&app, name, "emit").await;
            assert_eq!(again["panel"]["state"], "issued", "{name}: {again}");
        } else {
            assert_eq!(reply["panel"]["state"], "issued", "{name}: {reply}");
        }
        let shown = e.card_fields(name).await["SmartBillInvoiceNumber"].clone();
        assert!(
            shown.as_str().unwrap_or("").starts_with("FCT "),
            "{name}: {shown}"
        );
        assert!(posts(&e).await - before <= 1, "{name}: at most one POST");
    }
    assert_eq!(issued(&e).await.len(), 3, "one invoice per card");
}

#[tokio::test]
async fn a_stale_claim_is_judged_from_its_intent() {
    use minicrm_smartbill::emission::claim::{Claim, ClaimIntent, ClaimMode};
    let e = env().await;
    e.configure(json!({})).await;
    let card = e.card("offerPersonRon")["projectId"].as_u64().unwrap();
    let put_claim = |c: Claim| {
        let e = &e;
        async move {
            e.http
                .put(format!("{}/Api/R3/Project/{card}", e.sandbox.urls.minicrm))
                .basic_auth(
                    e.info["minicrm"]["systemId"].as_str().unwrap(),
                    Some(e.info["minicrm"]["apiKey"].as_str().unwrap()),
                )
                .json(&json!({"SmartBillErrorMessage": c.to_field()}))
                .send()
                .await
                .unwrap();
        }
    };
    let long_ago = e.clock.now_ms() - 3_600_000;
    // A browser that died long ago, before posting (no intent): the card is free.
    put_claim(Claim {
        browser: "deadbeef0001".into(),
        label: "Laptop vechi".into(),
        mode: ClaimMode::Button,
        at_ms: long_ago,
        token: "t".into(),
        runner_since_ms: None,
        intent: None,
    })
    .await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(issued(&e).await.len(), 1);

    // A browser that died after its POST created the invoice: adopted, not issued again.
    let e2 = env().await;
    e2.configure(json!({})).await;
    let card2 = e2.card("offerBucharestRon");
    let amount: rust_decimal::Decimal = card2["amount"].as_str().unwrap().parse().unwrap();
    let reply = e2.card_action("offerBucharestRon", "emit").await;
    assert_eq!(reply["panel"]["number"], "FCT 0124");
    // Make the card look as the dead browser left it: no number, its claim with intent.
    let project = card2["projectId"].as_u64().unwrap();
    e2.http
        .put(format!("{}/Api/R3/Project/{project}", e2.sandbox.urls.minicrm))
        .basic_auth(
            e2.info["minicrm"]["systemId"].as_str().unwrap(),
            Some(e2.info["minicrm"]["apiKey"].as_str().unwrap()),
        )
        .json(
            &json!({"SmartBillInvoiceNumber": "", "SmartBillErrorMessage": Claim {
            browser: "deadbeef0002".into(),
            label: "Laptop vechi".into(),
            mode: ClaimMode::Button,
            at_ms: long_ago,
            token: "t".into(),
            runner_since_ms: None,
            intent: Some(ClaimIntent { series: "FCT".into(), expected: 124, total: amount }),
        }.to_field()}),
        )
        .send()
        .await
        .unwrap();
    let fresh = Browser::default();
    let other = e2.app_in(&fresh);
    e2.configure_in(&other, json!({})).await;
    let reply = e2.card_action_in(&other, "offerBucharestRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(reply["panel"]["number"], "FCT 0124", "{reply}");
    assert_eq!(reply["panel"]["byOther"], "Laptop vechi", "{reply}");
    assert_eq!(issued(&e2).await.len(), 1, "adopted, not issued again");
    assert_eq!(
        e2.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
}

#[tokio::test]
async fn two_runner_browsers_settle_on_one_and_issue_once() {
    let e = env().await;
    let b = Browser::default();
    let (a_app, b_app) = (e.app(), e.app_in(&b));
    let auto = json!({"integration": {"auto": true, "triggers": [{"id": "3003", "label": "Acceptată"}]}});
    e.configure_in(&a_app, auto.clone()).await;
    let mut later = auto.clone();
    later["team"] = json!({"browserLabel": "Bogdan", "runner": true});
    // B configured after A: A has been the runner longer.
    e.clock.advance_ms(1_000);
    e.configure_in(&b_app, later).await;
    let project = e.card("offerPersonRon")["projectId"].as_u64().unwrap();
    let system = e.info["minicrm"]["systemId"].as_str().unwrap();
    // A slow SmartBill keeps A's claim on the card while B's poller looks.
    e.fault(json!({"service": "smartbill", "method": "POST", "path": "/SBORO/api/invoice/v2", "kind": "latency", "ms": 1500})).await;
    e.http
        .post(format!(
            "{}/__ui/{system}/project/{project}/status",
            e.sandbox.urls.minicrm
        ))
        .json(&json!({"statusId": 3003}))
        .send()
        .await
        .unwrap();
    // The settings record as B's person saved it.
    let saved = minicrm_smartbill::platform::Store::get_json(&b.store, "settings")
        .await
        .unwrap();
    let tick = json!({"cmd": "tick"});
    let page = common::page();
    let (ta, tb) = tokio::join!(a_app.handle(tick.clone(), &page), async {
        // B ticks while A holds the claim.
        loop {
            let held = e.card_fields("offerPersonRon").await["SmartBillErrorMessage"]
                .as_str()
                .unwrap_or("")
                .contains("[sbclaim");
            if held {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        b_app.handle(tick.clone(), &page).await
    });
    assert_eq!(issued(&e).await.len(), 1, "{ta}\n{tb}");
    // B noticed A's automatic claim and stepped down; it says who runs automatic emission.
    let b_settings = minicrm_smartbill::settings::load(&b.store).await.unwrap();
    assert!(!b_settings.team.runner, "{tb}");
    assert!(b_settings.team.other_runner.is_some());
    let a_settings = minicrm_smartbill::settings::load(&e.store).await.unwrap();
    assert!(a_settings.team.runner);
    // Learnt apart from the settings, which only a person's save writes: a save from B's options
    // page made while B stepped down is never lost to it (the step-down rewrote the whole record,
    // the secrets included).
    assert_eq!(
        minicrm_smartbill::platform::Store::get_json(&b.store, "settings")
            .await
            .unwrap(),
        saved,
        "the step-down wrote B's settings record"
    );
    // Later ticks in either browser issue nothing more.
    b_app.handle(tick.clone(), &common::page()).await;
    a_app.handle(tick, &common::page()).await;
    assert_eq!(issued(&e).await.len(), 1);
    // B's person ticks the box again: B runs the jobs from then on, and names no other runner.
    e.clock.advance_ms(1_000);
    let saved = b_app
        .handle(
            json!({"cmd": "saveSettings", "settings": {"team": {"browserLabel": "Bogdan", "runner": true}}}),
            &common::page(),
        )
        .await;
    assert_eq!(saved["ok"], true, "{saved}");
    let b_settings = minicrm_smartbill::settings::load(&b.store).await.unwrap();
    assert!(b_settings.team.runner);
    assert!(b_settings.team.other_runner.is_none());
}
