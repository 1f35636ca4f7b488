//! Emission against the sandbox: exactly one SmartBill document per MiniCRM document, the card
//! filled right, and the fault matrix (each case ends with exactly one document).

mod common;

use common::{env, Env};
use minicrm_smartbill::jobs::Runtime;
use serde_json::{json, Value};

async fn issued(e: &Env) -> Vec<Value> {
    e.smartbill_documents()
        .await
        .into_iter()
        .filter(|d| d["kind"] == "invoice" || d["kind"] == "estimate")
        .collect()
}

/// Automatic emission on, triggered by the offers' "Acceptată" status.
async fn auto_on_accepted(e: &Env) {
    e.configure(json!({"integration": {"auto": true, "triggers": [{"id": "3003", "label": "Acceptată"}]}}))
        .await;
}

async fn accept(e: &Env, card: &str) {
    let c = e.card(card);
    let system = e.info["minicrm"]["systemId"].as_str().unwrap();
    let label = if c["categoryId"] == 21 { "3003" } else { "3103" };
    let r = e
        .http
        .post(format!(
            "{}/__ui/{system}/project/{}/status",
            e.sandbox.urls.minicrm, c["projectId"]
        ))
        .json(&json!({"statusId": label}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn the_button_issues_one_invoice_and_fills_the_card() {
    let e = env().await;
    e.configure(json!({})).await;
    let reply = e.card_action("offerBucharestRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(reply["panel"]["number"], "FCT 0124");
    // A numbered invoice has no draft name.
    assert_eq!(reply["panel"]["draft"], false, "{reply}");
    assert_eq!(reply["panel"]["draftOf"], Value::Null, "{reply}");
    let docs = issued(&e).await;
    assert_eq!(docs.len(), 1);
    let doc = &docs[0];
    assert_eq!(
        doc["totals"]["total"],
        e.card("offerBucharestRon")["amount"]
            .as_str()
            .unwrap()
            .trim_end_matches("00")
    );
    assert_eq!(
        doc["client"]["city"], "Sector 3",
        "Bucharest client: {}",
        doc["client"]
    );
    assert_eq!(doc["client"]["county"], "Bucuresti");
    assert!(
        doc["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["isDiscount"] == true),
        "the discount line"
    );
    let fields = e.card_fields("offerBucharestRon").await;
    assert_eq!(fields["SmartBillInvoiceNumber"], "FCT 0124");
    assert_eq!(fields["SmartBillInvoiceLink"], doc["documentUrl"]);
    assert_eq!(fields["SmartBillPaymentStatus"], "Neîncasată");
    assert!(
        fields["SmartBillInvoicePdf"]
            .as_str()
            .unwrap()
            .contains("/Download/S3/"),
        "{fields}"
    );
    assert_eq!(fields["SmartBillErrorMessage"], "");

    // A second click, a retry and a tick change nothing.
    for action in ["emit", "retry", "state"] {
        let again = e.card_action("offerBucharestRon", action).await;
        assert_eq!(again["panel"]["number"], "FCT 0124");
    }
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn a_draft_is_issued_once_and_the_panel_names_it_apart_from_its_number() {
    let e = env().await;
    e.configure(json!({"document": {"draft": true}})).await;
    let reply = e.card_action("offerBucharestRon", "emit").await;
    let panel = &reply["panel"];
    assert_eq!(panel["state"], "issued", "{reply}");
    assert_eq!(panel["draft"], true, "{reply}");
    // The core's name for it (on the card, and sent back by the panel's buttons), and the series
    // the panel shows as a draft in the person's language.
    assert_eq!(panel["number"], "Ciornă FCT", "{reply}");
    assert_eq!(panel["draftOf"], "FCT", "{reply}");
    // A draft is finalised in SmartBill: nothing to download, cancel or reverse here.
    for action in ["pdf", "cancel", "reverse"] {
        assert!(
            !panel["actions"].as_array().unwrap().contains(&json!(action)),
            "{action}: {reply}"
        );
    }
    let docs = issued(&e).await;
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert_eq!(
        (&docs[0]["isDraft"], &docs[0]["number"]),
        (&json!(true), &json!(""))
    );
    let fields = e.card_fields("offerBucharestRon").await;
    assert_eq!(fields["SmartBillInvoiceNumber"], "Ciornă FCT", "{fields}");

    // The card names a document: a second click, a retry and a tick issue nothing more.
    for action in ["emit", "retry", "state"] {
        let again = e.card_action("offerBucharestRon", action).await;
        assert_eq!(again["panel"]["draftOf"], "FCT", "{action}: {again}");
    }
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn concurrent_clicks_and_the_poller_make_one_document() {
    let e = env().await;
    auto_on_accepted(&e).await;
    accept(&e, "offerPayerEur").await;
    e.control(
        "/faults",
        json!({"service": "smartbill", "path": "/SBORO/api/invoice", "kind": "latency", "ms": 300}),
    )
    .await;
    let url = e.card_url("offerPayerEur");
    let (tab, page) = (common::content(&url), common::page());
    let click = || e.run(json!({"cmd": "card", "url": url, "action": "emit"}), &tab);
    let tick = e.run(json!({"cmd": "tick"}), &page);
    let (a, b, c) = tokio::join!(click(), click(), tick);
    let states: Vec<Value> = [&a, &b].iter().map(|r| r["panel"]["state"].clone()).collect();
    assert!(states.contains(&json!("issued")), "{a} {b} {c}");
    let docs = issued(&e).await;
    assert_eq!(docs.len(), 1, "{docs:?}");
    // EUR, with the document's exchange rate, 21 % and 11 % lines.
    assert_eq!(docs[0]["currency"], "EUR");
    assert_eq!(docs[0]["exchangeRate"], "4.975");
    let rates: Vec<&str> = docs[0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["taxPercentage"].as_str())
        .collect();
    assert!(rates.contains(&"21") && rates.contains(&"11"), "{rates:?}");
    assert_eq!(docs[0]["client"]["vatCode"], "RO40571235");
}

#[tokio::test]
async fn status_change_emits_without_a_click_and_only_once() {
    let e = env().await;
    auto_on_accepted(&e).await;
    // Reaching the status before automatic emission was on is not enough: nothing old is invoiced.
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(issued(&e).await.len(), 0);
    accept(&e, "offerPersonRon").await;
    let changed = e.card_action("offerPersonRon", "changed").await;
    assert_eq!(changed["panel"]["state"], "issued", "{changed}");
    for _ in 0..3 {
        e.run(json!({"cmd": "tick"}), &common::page()).await;
    }
    let docs = issued(&e).await;
    assert_eq!(docs.len(), 1);
    // An individual: CNP as the VAT code, not a VAT payer; an 11 % book line.
    assert_eq!(docs[0]["client"]["vatCode"], "1850315224515");
    assert_eq!(docs[0]["client"]["isTaxPayer"], false);
}

#[tokio::test]
async fn the_poller_emits_documents_that_reach_a_trigger_status() {
    let e = env().await;
    auto_on_accepted(&e).await;
    accept(&e, "offerBucharestRon").await;
    accept(&e, "offerPersonRon").await;
    let reply = e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(reply["poll"]["emitted"], 2, "{reply}");
    let reply = e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(reply["poll"]["emitted"], 0, "{reply}");
    assert_eq!(issued(&e).await.len(), 2);
    assert_eq!(reply["alarms"][0]["name"], "tick");
}

#[tokio::test]
async fn a_continue_alarm_s_tick_does_not_poll_and_the_tick_alarm_s_does() {
    let e = env().await;
    auto_on_accepted(&e).await;
    accept(&e, "offerBucharestRon").await;
    // The poll's own call: the module's cards changed since its watermark (the payment refresh,
    // which the tick also runs, lists documents too, but never cards).
    let lists = || async {
        e.requests("minicrm")
            .await
            .iter()
            .filter(|r| r["method"] == "GET" && r["path"] == "/Api/R3/Project")
            .count()
    };
    let before = lists().await;
    // A long job's "continue" alarm: nothing is polled, nothing emitted.
    let reply = e
        .run(json!({"cmd": "tick", "alarm": "continue"}), &common::page())
        .await;
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["poll"]["emitted"], 0, "{reply}");
    assert_eq!(lists().await, before, "a continue tick listed the module's cards");
    assert_eq!(issued(&e).await.len(), 0);
    // The period's "tick" alarm polls, as does a tick with no alarm (the browser's start).
    let reply = e
        .run(json!({"cmd": "tick", "alarm": "tick"}), &common::page())
        .await;
    assert_eq!(reply["poll"]["emitted"], 1, "{reply}");
    assert!(lists().await > before, "the tick alarm's tick listed no cards");
    accept(&e, "offerPersonRon").await;
    let reply = e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(reply["poll"]["emitted"], 1, "{reply}");
    assert_eq!(issued(&e).await.len(), 2);
}

#[tokio::test]
async fn proformas_go_to_the_estimate_endpoint() {
    let e = env().await;
    e.configure(json!({"document": {"kind": "proforma", "series": "PRF"}}))
        .await;
    let reply = e.card_action("offerPayerEur", "emit").await;
    assert_eq!(reply["panel"]["number"], "PRF 0037", "{reply}");
    let posts: Vec<Value> = e
        .requests("smartbill")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["path"], "/SBORO/api/estimate/v2");
    assert!(posts[0]["body"].get("useStock").is_none());
}

#[tokio::test]
async fn orders_work_the_same_way() {
    let e = env().await;
    let mut form_patch = json!({"minicrm": {"module": "orders"}});
    common::merge(&mut form_patch, &json!({}));
    e.configure(form_patch).await;
    let reply = e.card_action("orderBucharestRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    let fields = e.card_fields("orderBucharestRon").await;
    assert_eq!(fields["NumarFacturaSmartBill"], "FCT 0124");
    let doc = &issued(&e).await[0];
    // The service line in hours is a service, in SmartBill's unit "ora".
    assert!(
        doc["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["measuringUnitName"] == "ora" && l["isService"] == true),
        "{doc}"
    );
    // A draft order is not listed by MiniCRM: a clear message on the panel and on the card,
    // nothing issued.
    let draft = e.card_action("orderDraft", "emit").await;
    assert_eq!(draft["error"]["code"], "emission.documentNotListed", "{draft}");
    assert_eq!(issued(&e).await.len(), 1);
    let text = e.card_fields("orderDraft").await["MesajEroareSmartBill"].clone();
    assert!(
        text.as_str().unwrap_or("").contains("ciornă nu sunt listate"),
        "{text}"
    );
}

#[tokio::test]
async fn insufficient_stock_names_product_warehouse_and_quantity() {
    let e = env().await;
    e.configure(json!({"stock": {"enabled": true, "warehouse": "Depozit Central"}}))
        .await;
    let reply = e.card_action("offerStockShort", "emit").await;
    assert_eq!(reply["panel"]["state"], "error", "{reply}");
    let message = reply["panel"]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Toner HP 85A") && message.contains("TON-HP"),
        "{message}"
    );
    assert!(
        message.contains("Depozit Central") && message.contains("disponibil 2"),
        "{message}"
    );
    assert!(reply["panel"]["error"]["vendorText"]
        .as_str()
        .unwrap()
        .starts_with("Cantitate stoc insuficienta"));
    assert_eq!(issued(&e).await.len(), 0);
    let fields = e.card_fields("offerStockShort").await;
    assert!(
        fields["SmartBillErrorMessage"]
            .as_str()
            .unwrap()
            .contains("Stoc insuficient"),
        "{fields}"
    );
    assert_eq!(fields["SmartBillInvoiceNumber"], "");
}

#[tokio::test]
async fn a_wrong_series_is_explained_on_the_card() {
    let e = env().await;
    e.configure(json!({"document": {"series": "XYZ"}})).await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "error");
    let fields = e.card_fields("offerPersonRon").await;
    let text = fields["SmartBillErrorMessage"].as_str().unwrap();
    assert!(text.contains("„XYZ”") && text.contains("FCT"), "{text}");
    assert_eq!(issued(&e).await.len(), 0);
}

#[tokio::test]
async fn cancel_then_reissue_and_storno() {
    let e = env().await;
    e.configure(json!({})).await;
    e.card_action("offerPersonRon", "emit").await;
    let cancelled = e.card_action("offerPersonRon", "cancel").await;
    assert_eq!(cancelled["panel"]["state"], "cancelled", "{cancelled}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillPaymentStatus"],
        "Anulată"
    );
    assert_eq!(issued(&e).await[0]["cancelled"], true);
    // The poller and the button do not re-emit a cancelled document by themselves.
    assert_eq!(
        e.card_action("offerPersonRon", "emit").await["panel"]["state"],
        "cancelled"
    );
    let again = e.card_action("offerPersonRon", "reissue").await;
    assert_eq!(again["panel"]["number"], "FCT 0125", "{again}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        "FCT 0125"
    );
    let storno = e.card_action("offerPersonRon", "reverse").await;
    assert_eq!(storno["panel"]["state"], "reversed", "{storno}");
    assert_eq!(storno["panel"]["storno"], "FCT 0126");
    let fields = e.card_fields("offerPersonRon").await;
    assert_eq!(fields["SmartBillPaymentStatus"], "Stornată");
    assert!(fields["SmartBillErrorMessage"]
        .as_str()
        .unwrap()
        .contains("FCT 0126"));
}

/// A cancel asked twice at once (a double click, or two tabs of the card): SmartBill is asked
/// once, and both panels are told "cancelled". The second waits for the first's lock; it was
/// told "busy", and then, once it waited, "no issued invoice for this document".
#[tokio::test]
async fn a_cancel_asked_twice_at_once_cancels_once_and_both_say_so() {
    let e = env().await;
    e.configure(json!({})).await;
    e.card_action("offerPersonRon", "emit").await;
    for (action, state) in [("cancel", "cancelled"), ("reverse", "reversed")] {
        if action == "reverse" {
            e.card_action("offerPersonRon", "reissue").await;
        }
        let number = e.card_action("offerPersonRon", "state").await["panel"]["number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (first, second) = tokio::join!(
            e.card_action_number("offerPersonRon", action, &number),
            e.card_action_number("offerPersonRon", action, &number)
        );
        for reply in [&first, &second] {
            assert_eq!(reply["panel"]["state"], state, "{reply}");
            assert!(reply["error"].is_null(), "{reply}");
        }
    }
    let cancels = e
        .requests("smartbill")
        .await
        .into_iter()
        .filter(|r| r["path"] == "/SBORO/api/invoice/cancel" || r["path"] == "/SBORO/api/invoice/reverse")
        .count();
    assert_eq!(cancels, 2, "one cancel and one storno");
}

#[tokio::test]
async fn a_confirmation_for_a_number_the_card_no_longer_has_does_nothing() {
    let e = env().await;
    e.configure(json!({})).await;
    e.card_action("offerPersonRon", "emit").await;
    // A colleague cancels FCT 0124 and issues FCT 0125 while a panel still asks about FCT 0124.
    e.card_action("offerPersonRon", "cancel").await;
    e.card_action("offerPersonRon", "reissue").await;
    for action in ["cancel", "reverse"] {
        let stale = e.card_action_number("offerPersonRon", action, "FCT 0124").await;
        assert_eq!(stale["error"]["code"], "emission.documentChanged", "{stale}");
        assert_eq!(
            stale["panel"]["number"], "FCT 0125",
            "the current document: {stale}"
        );
        assert!(
            stale["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("FCT 0124") && m.contains("FCT 0125")),
            "{stale}"
        );
    }
    let docs = issued(&e).await;
    assert_eq!(docs.len(), 2, "no storno");
    assert_eq!(docs[1]["cancelled"], false, "FCT 0125 untouched");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        "FCT 0125"
    );
    // Confirmed for the number the card has, it goes through.
    let storno = e
        .card_action_number("offerPersonRon", "reverse", "FCT 0125")
        .await;
    assert_eq!(storno["panel"]["state"], "reversed", "{storno}");
}

/// The payment-status field's options are read from the schema once and kept under a key of
/// their own: the settings record a person saves is never rewritten by the cache (a save made
/// between the cache's read and write of the record was lost to it). A cache for another field
/// is not used.
#[tokio::test]
async fn the_payment_labels_are_cached_apart_from_the_settings() {
    let e = env().await;
    e.configure(json!({})).await;
    let settings = e.store.get_raw("settings").await.unwrap();
    e.card_action("offerBucharestRon", "emit").await;
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillPaymentStatus"],
        "Neîncasată"
    );
    assert_eq!(
        e.store.get_raw("settings").await.unwrap(),
        settings,
        "the settings record is as saved"
    );
    let cache = e
        .store
        .get_raw("paymentLabels")
        .await
        .unwrap()
        .expect("the labels are kept");
    assert_eq!(cache["field"], "SmartBillPaymentStatus", "{cache}");
    assert_eq!(cache["labels"]["unpaid"], "Neîncasată", "{cache}");
    // A cache made for another field is read past: the schema is asked again.
    let mut other = cache.clone();
    other["field"] = json!("AnotherField");
    other["labels"]["unpaid"] = json!("Wrong");
    e.store.set_raw("paymentLabels", other).await.unwrap();
    e.card_action("offerPersonRon", "emit").await;
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillPaymentStatus"],
        "Neîncasată"
    );
    assert_eq!(e.store.get_raw("paymentLabels").await.unwrap(), Some(cache));
}

#[tokio::test]
async fn pdf_is_fetched_by_the_background() {
    let e = env().await;
    e.configure(json!({})).await;
    e.card_action("offerPersonRon", "emit").await;
    let reply = e.card_action("offerPersonRon", "pdf").await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(reply["pdf"].as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert_eq!(reply["fileName"], "facturaFCT0124.pdf");
}

// --- The fault matrix: each case ends with exactly one document and the card right. ----------

#[tokio::test]
async fn connection_dropped_after_smartbill_committed() {
    let e = env().await;
    e.configure(json!({})).await;
    e.control("/faults", json!({"service": "smartbill", "method": "POST", "path": "/SBORO/api/invoice/v2", "kind": "drop_after_commit"})).await;
    let reply = e.card_action("offerBucharestRon", "emit").await;
    // No conclusion while the request may still land: the panel says until when.
    assert_eq!(reply["panel"]["state"], "issuing", "{reply}");
    assert_eq!(reply["panel"]["phase"], "settling", "{reply}");
    assert!(reply["panel"]["waitingUntil"].is_string(), "{reply}");
    let app = e.app();
    let reply = e
        .panel_until(&app, "offerBucharestRon", 20_000, |r| {
            r["panel"]["state"] != "issuing"
        })
        .await;
    assert_eq!(
        reply["panel"]["state"], "issued",
        "reconciled after the wait: {reply}"
    );
    assert_eq!(reply["panel"]["number"], "FCT 0124");
    assert_eq!(issued(&e).await.len(), 1);
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
    // Clicking again, or the poller, never posts again.
    e.card_action("offerBucharestRon", "emit").await;
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    let posts = e
        .requests("smartbill")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn smartbill_5xx_is_reconciled_then_retried() {
    let e = env().await;
    e.configure(json!({})).await;
    e.control("/faults", json!({"service": "smartbill", "method": "POST", "path": "/SBORO/api/invoice/v2", "kind": "status", "status": 502, "body": "<html><body>502 Bad Gateway</body></html>"})).await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "error", "{reply}");
    assert_eq!(
        issued(&e).await.len(),
        0,
        "the 502 was answered before SmartBill did anything"
    );
    let retry = e.card_action("offerPersonRon", "retry").await;
    assert_eq!(retry["panel"]["state"], "issued", "{retry}");
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn a_smartbill_lockout_pauses_and_nothing_is_lost() {
    let e = env().await;
    e.configure(json!({})).await;
    e.control(
        "/smartbill/limit",
        json!({"calls": 1, "windowMs": 600000, "blockMs": 600000}),
    )
    .await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    let text = reply.to_string();
    assert_eq!(reply["error"]["code"], "smartbill.rateLimited", "{text}");
    assert!(text.contains("se reia automat"), "{text}");
    assert_eq!(issued(&e).await.len(), 0);
    // Our own governor now refuses SmartBill calls without sending them (the block is respected).
    let before = e.requests("smartbill").await.len();
    let paused = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(paused["error"]["code"], "smartbill.paused", "{paused}");
    assert!(
        paused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("e în pauză"),
        "{paused}"
    );
    assert_eq!(e.requests("smartbill").await.len(), before);
    // The block ends (lifted in the sandbox; our governor's lockout forgotten as after 10 min).
    e.http
        .delete(format!(
            "{}/__control/smartbill/limit/block",
            e.sandbox.urls.minicrm
        ))
        .send()
        .await
        .unwrap();
    e.control(
        "/smartbill/limit",
        json!({"calls": 30, "windowMs": 10000, "blockMs": 600000}),
    )
    .await;
    e.clock.advance_ms(11 * 60 * 1000);
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn minicrm_429_on_write_back_is_finished_later() {
    let e = env().await;
    e.configure(json!({})).await;
    let doc = e.card("offerPersonRon")["documentId"].as_u64().unwrap();
    e.control("/faults", json!({"service": "minicrm", "method": "POST", "path": format!("/Api/Offer/{doc}/Project"), "kind": "status", "status": 500, "body": "Internal error", "times": 1})).await;
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(reply["panel"]["cardPending"], true);
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        ""
    );
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
    assert_eq!(issued(&e).await.len(), 1);
}

#[tokio::test]
async fn minicrm_429_is_waited_out_by_the_governor() {
    let e = env().await;
    e.configure(json!({})).await;
    let doc = e.card("offerPersonRon")["documentId"].as_u64().unwrap();
    e.control("/faults", json!({"service": "minicrm", "method": "POST", "path": format!("/Api/Offer/{doc}/Project"), "kind": "status", "status": 429, "body": "Too Many Requests", "times": 1})).await;
    // The governor's 15 s backoff passes 1000 times faster here; the claim's bound is set in
    // that clock too (it measures MiniCRM's write in the worker's time).
    e.configure(json!({"advanced": {"claimBoundMs": 200_000}})).await;
    e.clock.set_speed(1000.0);
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["cardPending"], false, "{reply}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
}

#[tokio::test]
async fn a_worker_killed_between_post_and_write_back_loses_nothing() {
    let e = env().await;
    killed_during_the_write_back(&e).await;
    // A new worker: fresh memory, same storage. While the write it left out may still land
    // (the request timeout and the margin after it was sent), the card is left to it.
    let fresh = Runtime::default();
    let app = e.app_with(&fresh);
    app.handle(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        ""
    );
    // Then the next tick, once that time has passed, finishes the card.
    let settle = minicrm_smartbill::settings::load(&e.store)
        .await
        .unwrap()
        .timing(&app.host_permissions)
        .settle_ms();
    e.clock.advance_ms(settle);
    app.handle(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
    assert_eq!(issued(&e).await.len(), 1);
}

/// The same, finished by the panel alone (no tick: automatic emission off): a look at the card
/// while the stopped worker's write may still land shows the invoice with its card pending, and
/// says when to look again; that look finishes the card. (The panel showed "issued" and never
/// looked again: the card stayed without its number until an alarm came.)
#[tokio::test]
async fn a_restarted_worker_s_panel_finishes_the_card_once_the_left_write_has_settled() {
    let e = env().await;
    let url = killed_during_the_write_back(&e).await;
    let fresh = Runtime::default();
    let app = e.app_with(&fresh);
    let sender = common::content(&url);
    let look = || app.handle(json!({"cmd": "card", "url": url, "action": "state"}), &sender);
    // The first look takes up the stopped worker's write; the next shows what the panel shows.
    look().await;
    let shown = look().await;
    assert_eq!(shown["panel"]["state"], "issued", "{shown}");
    assert_eq!(shown["panel"]["cardPending"], true, "{shown}");
    assert!(shown["panel"]["settlingUntil"].is_string(), "{shown}");
    let again = shown["refreshMs"]
        .as_u64()
        .expect("the panel is told to look again");
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        ""
    );
    e.clock.advance_ms(i64::try_from(again).unwrap());
    let finished = look().await;
    assert_eq!(finished["panel"]["cardPending"], false, "{finished}");
    assert_eq!(
        e.card_fields("offerBucharestRon").await["SmartBillInvoiceNumber"],
        "FCT 0124"
    );
    assert_eq!(issued(&e).await.len(), 1);
}

/// "offerBucharestRon" issued, and the worker stopped while MiniCRM hangs on its write-back (the
/// emission's future dropped there), the fault then lifted: the card's URL.
async fn killed_during_the_write_back(e: &Env) -> String {
    e.configure(json!({})).await;
    let doc = e.card("offerBucharestRon")["documentId"].as_u64().unwrap();
    let write_back = format!("/Api/Offer/{doc}/Project");
    e.control(
        "/faults",
        json!({"service": "minicrm", "method": "POST", "path": write_back, "kind": "hang"}),
    )
    .await;
    let url = e.card_url("offerBucharestRon");
    let killed = e
        .run_stopped_when(
            &e.app(),
            json!({"cmd": "card", "url": url, "action": "emit"}),
            &common::content(&url),
            |r| r["method"] == "POST" && r["path"] == write_back.as_str(),
        )
        .await;
    assert!(killed.is_none(), "the emission was cut off: {killed:?}");
    assert_eq!(
        issued(e).await.len(),
        1,
        "{:#?}",
        e.requests("")
            .await
            .iter()
            .map(|r| format!("{} {} {}", r["method"], r["path"], r["status"]))
            .collect::<Vec<_>>()
    );
    e.control("/faults", json!([])).await;
    e.http
        .delete(format!("{}/__control/faults", e.sandbox.urls.minicrm))
        .send()
        .await
        .unwrap();
    url
}

#[tokio::test]
async fn a_worker_killed_during_the_post_is_reconciled_not_reposted() {
    let e = env().await;
    e.configure(json!({})).await;
    // SmartBill commits but the answer never comes; the worker dies waiting.
    e.control("/faults", json!({"service": "smartbill", "method": "POST", "path": "/SBORO/api/invoice/v2", "kind": "hang_after_commit"})).await;
    let url = e.card_url("offerPersonRon");
    let killed = e
        .run_stopped_when(
            &e.app(),
            json!({"cmd": "card", "url": url, "action": "emit"}),
            &common::content(&url),
            |r| r["method"] == "POST" && r["path"] == "/SBORO/api/invoice/v2",
        )
        .await;
    assert!(killed.is_none());
    assert_eq!(
        issued(&e).await.len(),
        1,
        "SmartBill committed before the worker died"
    );
    // A new worker: nothing is concluded while the POST may still land (its timeout plus a
    // margin after it left), then the series and the payment status say it was issued.
    let fresh = Runtime::default();
    let app = e.app_with(&fresh);
    let first = app
        .handle(
            json!({"cmd": "card", "url": url, "action": "state"}),
            &common::content(&url),
        )
        .await;
    assert_eq!(first["panel"]["state"], "issuing", "{first}");
    assert_eq!(first["panel"]["phase"], "settling", "{first}");
    let reply = e
        .panel_until(&app, "offerPersonRon", 20_000, |r| {
            r["panel"]["state"] != "issuing"
        })
        .await;
    assert_eq!(reply["panel"]["state"], "issued", "{reply}");
    assert_eq!(reply["panel"]["number"], "FCT 0124");
    assert_eq!(issued(&e).await.len(), 1);
    let posts = e
        .requests("smartbill")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST")
        .count();
    assert_eq!(posts, 1, "never re-posted");
}

#[tokio::test]
async fn an_undecidable_outcome_asks_a_person() {
    use minicrm_smartbill::emission::journal::{self, Entry, Intent, Status};
    use minicrm_smartbill::minicrm::DocumentKind;
    let e = env().await;
    e.configure(json!({})).await;
    let card = e.card("offerPersonRon");
    let (doc_id, project_id) = (
        card["documentId"].as_u64().unwrap(),
        card["projectId"].as_u64().unwrap(),
    );
    let amount: rust_decimal::Decimal = card["amount"].as_str().unwrap().parse().unwrap();
    // A dead worker left an intent for FCT 0124; meanwhile SmartBill holds two invoices with
    // exactly that total (ours, and a twin someone issued by hand): no way to tell them apart.
    let mut entry = Entry::new(DocumentKind::Offer, doc_id, project_id);
    entry.status = Status::Issuing;
    entry.intent = Some(Intent {
        series: "FCT".into(),
        expected_number: Some(124),
        total: amount,
        currency: "RON".into(),
        draft: false,
        at_ms: 0,
        settle_after_ms: None,
        mode: minicrm_smartbill::emission::Mode::Button,
    });
    journal::save(&e.store, &entry).await.unwrap();
    let settings = minicrm_smartbill::settings::load(&e.store).await.unwrap();
    let app = e.app();
    let em = minicrm_smartbill::emission::Emission::new(
        &app,
        settings.clone(),
        minicrm_smartbill::i18n::Lang::Ro,
        minicrm_smartbill::jobs::Priority::Interactive,
    );
    let doc = em
        .minicrm()
        .unwrap()
        .document(DocumentKind::Offer, doc_id)
        .await
        .unwrap();
    let taxes = em.smartbill().unwrap().taxes().await.unwrap();
    let built = minicrm_smartbill::invoice::build(&minicrm_smartbill::invoice::Input {
        doc: &doc,
        kind: DocumentKind::Offer,
        settings: &settings,
        taxes: &taxes,
        today: minicrm_smartbill::platform::today_ro(&e.clock),
        email: None,
    })
    .unwrap();
    for _ in 0..2 {
        em.smartbill()
            .unwrap()
            .create_invoice(&built.request)
            .await
            .unwrap();
    }
    let reply = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(reply["panel"]["state"], "needsConfirmation", "{reply}");
    assert_eq!(reply["panel"]["candidates"], json!(["0124", "0125"]));
    let text = e.card_fields("offerPersonRon").await["SmartBillErrorMessage"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("0124, 0125"), "{text}");
    // Nothing is posted while waiting for a person, whatever clicks or ticks.
    e.card_action("offerPersonRon", "emit").await;
    e.run(json!({"cmd": "tick"}), &common::page()).await;
    assert_eq!(issued(&e).await.len(), 2);
    let url = e.card_url("offerPersonRon");
    let confirmed = e
        .run(
            json!({"cmd": "card", "url": url, "action": "confirm", "number": "0125"}),
            &common::content(&url),
        )
        .await;
    assert_eq!(confirmed["panel"]["state"], "issued", "{confirmed}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillInvoiceNumber"],
        "FCT 0125"
    );
    assert_eq!(issued(&e).await.len(), 2);
}
