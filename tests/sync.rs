//! Payment-status refresh and stock sync against the sandbox: exactly the changed cards and
//! products are written, in the fewest calls, resumable, within the rate limits.

mod common;

use common::{env, Env};
use minicrm_smartbill::api::App;
use minicrm_smartbill::emission::journal::{self, Entry, Issued, Payment, Status};
use minicrm_smartbill::fields::PaymentState;
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::minicrm::DocumentKind;
use minicrm_smartbill::platform::Clock;
use minicrm_smartbill::settings::{self, DocumentType};
use minicrm_smartbill::sync::{self, JobKind, Runner};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// The sandbox and our clock both run this much faster than real time.
const SPEED: f64 = 200.0;

async fn sped_up() -> Env {
    let e = env().await;
    e.control("/clock", json!({"speed": SPEED})).await;
    e.clock.set_speed(SPEED);
    e
}

async fn step(app: &App<'_>, budget_ms: i64) -> sync::StepReport {
    let settings = settings::load(app.store).await.unwrap();
    let runner = Runner {
        app,
        settings,
        lang: Lang::Ro,
        deadline_ms: app.clock.now_ms() + budget_ms,
    };
    runner.step().await.unwrap()
}

/// Ticks until the jobs are done, waiting out pauses as the alarms would.
async fn run_to_end(app: &App<'_>) {
    for _ in 0..200 {
        let report = step(app, i64::MAX / 4).await;
        if !report.more {
            return;
        }
        if let Some(until) = report.paused_until_ms {
            let wait = (until - app.clock.now_ms()).max(1);
            app.clock.sleep_ms(wait as u64).await;
        }
    }
    panic!(
        "the job did not finish: {:?}",
        sync::load_run(app.store, JobKind::Stock).await
    );
}

fn minicrm_writes(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap_or("").ends_with("/Project"))
        .collect()
}

#[tokio::test]
async fn payment_refresh_over_200_invoices_writes_exactly_the_changed_cards() {
    let e = sped_up().await;
    e.configure(json!({})).await;
    let customer = e.info["minicrm"]["cards"]["offerBucharestRon"]["customerId"]
        .as_u64()
        .unwrap_or(2001);
    let today = minicrm_smartbill::platform::today_ro(&e.clock);
    let mut expected_changes = 0;
    let mut paid_before = 0;
    // 200 MiniCRM offers with their cards, and their 200 invoices in SmartBill, seeded directly
    // through the control API (through the rate-limited APIs a fast machine locks itself out):
    // every fifth paid, the next partly.
    let offers = e
        .control(
            "/minicrm/documents",
            json!({"kind": "Offer", "count": 200, "body": {
                "CustomerId": customer.to_string(),
                "CurrencyCode": "RON",
                "Items": [{"SKU": "CAB-HDMI", "Name": "Cablu HDMI 2m", "PriceNet": "100", "Quantity": "1", "Unit": "buc", "VAT": "21"}],
            }}),
        )
        .await;
    let offers = offers["documents"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{offers}"));
    let invoices = e
        .control(
            "/smartbill/invoices",
            json!({
                "count": 200, "series": "FCT", "issueDate": today.to_string(),
                "client": {"name": "Tehnoserv Construct SRL", "country": "Romania"},
                "products": [{"name": "Cablu HDMI 2m", "code": "CAB-HDMI", "measuringUnitName": "buc", "currency": "RON", "quantity": 1, "price": 100, "taxName": "Normala", "taxPercentage": 21}],
                "paid": [121, 50, 0, 0, 0],
            }),
        )
        .await;
    let invoices = invoices["invoices"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{invoices}"));
    assert_eq!((offers.len(), invoices.len()), (200, 200));
    for i in 0..200u32 {
        let offer = &offers[i as usize];
        let doc_id = offer["Id"].as_u64().unwrap();
        let project_id = offer["ProjectId"].as_u64().unwrap();
        let number = format!("{:04}", 124 + i);
        let sb_doc = &invoices[i as usize];
        assert_eq!(sb_doc["number"], number.as_str(), "{sb_doc}");
        assert_eq!(sb_doc["total"], "121.00", "{sb_doc}");
        let mut entry = Entry::new(DocumentKind::Offer, doc_id, project_id);
        entry.status = Status::Issued;
        entry.written_back = true;
        entry.issued = Some(Issued {
            doc_type: DocumentType::Invoice,
            series: "FCT".into(),
            number: number.clone(),
            document_url: String::new(),
            document_view_url: String::new(),
            document_id: String::new(),
            total: Decimal::new(12100, 2),
            currency: "RON".into(),
            issue_date: today,
            draft: false,
            reconciled: false,
            external: false,
            by_other: None,
        });
        let unpaid = Payment {
            state: PaymentState::Unpaid,
            paid: Decimal::ZERO,
            total: Decimal::new(12100, 2),
            checked_ms: 0,
        };
        match i % 5 {
            // Paid in SmartBill since the last refresh: changes.
            0 => {
                entry.payment = Some(unpaid);
                assert_eq!(sb_doc["paid"], "121.00", "{sb_doc}");
                expected_changes += 1;
            }
            // Partly paid: changes.
            1 => {
                entry.payment = Some(unpaid);
                assert_eq!(sb_doc["paid"], "50.00", "{sb_doc}");
                expected_changes += 1;
            }
            // Still unpaid: no change, no write.
            2 => entry.payment = Some(unpaid),
            // Already seen fully paid: not asked again.
            3 => {
                entry.payment = Some(Payment {
                    state: PaymentState::Paid,
                    ..unpaid
                });
                paid_before += 1;
            }
            // Cancelled: shown as such, not asked.
            _ => entry.status = Status::Cancelled,
        }
        journal::save(&e.store, &entry).await.unwrap();
    }
    let before = e
        .requests("")
        .await
        .last()
        .map(|r| r["seq"].as_u64().unwrap())
        .unwrap_or(0);
    run_to_end(&e.app()).await;
    let log: Vec<Value> = e
        .requests("")
        .await
        .into_iter()
        .filter(|r| r["seq"].as_u64().unwrap() > before)
        .collect();
    let checks = log
        .iter()
        .filter(|r| r["path"] == "/SBORO/api/invoice/paymentstatus")
        .count();
    assert_eq!(
        checks,
        200 - paid_before - 40,
        "only unpaid, live invoices are asked"
    );
    assert_eq!(
        minicrm_writes(&log).len(),
        expected_changes,
        "exactly the changed cards are written"
    );
    assert!(log.iter().all(|r| r["status"] != 429 && r["status"] != 403));
    let run = sync::load_run(&e.store, JobKind::Payments)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.counts.changed as usize, expected_changes);
    // The cards say so.
    let projects = e.get("/minicrm/projects").await;
    let labels: Vec<&str> = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["Fields"]["SmartBillPaymentStatus"].as_str())
        .collect();
    assert_eq!(labels.iter().filter(|l| **l == "Încasată").count(), 40);
    assert_eq!(labels.iter().filter(|l| **l == "Încasată parțial").count(), 40);
    // A second run the next day writes nothing: no state changed.
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let before = e.requests("").await.last().unwrap()["seq"].as_u64().unwrap();
    run_to_end(&e.app()).await;
    let log: Vec<Value> = e
        .requests("")
        .await
        .into_iter()
        .filter(|r| r["seq"].as_u64().unwrap() > before)
        .collect();
    assert_eq!(minicrm_writes(&log).len(), 0);
}

/// Puts `n` products in SmartBill's "Depozit Central" (CODE-0000…), one without a code.
async fn stock_catalogue(e: &Env, n: usize) {
    let items: Vec<Value> = (0..n).map(|i| json!({"warehouse": "Depozit Central", "code": format!("CODE-{i:04}"), "quantity": (i % 50) + 1})).collect();
    e.control("/smartbill/stock", json!({"items": items})).await;
}

async fn stock_config(e: &Env) {
    e.configure(json!({"stock": {"enabled": true, "warehouse": "Depozit Central"}}))
        .await;
    // These tests look at the stock sync alone: the payment refresh is not due (for 200 years, a
    // number the browser's storage keeps as it is: below 2^53).
    let later = sync::Schedule {
        next_due_ms: Some(e.clock.now_ms() + 200 * 365 * 86_400_000),
        ..Default::default()
    };
    sync::save_schedule(&e.store, JobKind::Payments, &later)
        .await
        .unwrap();
}

#[tokio::test]
async fn stock_sync_of_2000_products_with_one_percent_changed_writes_20() {
    let e = sped_up().await;
    stock_catalogue(&e, 2000).await;
    stock_config(&e).await;
    // The snapshot of the last sync: what MiniCRM was told (everything as it is now).
    let today = minicrm_smartbill::platform::today_ro(&e.clock);
    let settings = settings::load(&e.store).await.unwrap();
    let app = e.app();
    let stocks = app
        .smartbill(&settings, minicrm_smartbill::jobs::Priority::Background, 60_000)
        .unwrap()
        .stocks(today, Some("Depozit Central"), None)
        .await
        .unwrap();
    let mut snapshot = sync::stock::Snapshot {
        warehouse: "Depozit Central".into(),
        items: Default::default(),
    };
    for p in &stocks[0].products {
        if !p.product_code.is_empty() {
            snapshot.items.insert(
                p.product_code.clone(),
                sync::stock::Level {
                    name: p.product_name.clone(),
                    unit: p.measuring_unit.clone(),
                    quantity: p.quantity.unwrap().normalize(),
                    unsure: false,
                },
            );
        }
    }
    minicrm_smartbill::platform::save(&e.store, "stock.snapshot", &snapshot)
        .await
        .unwrap();
    // 1 % changes in SmartBill.
    let changes: Vec<Value> = (0..2000)
        .step_by(100)
        .map(|i| json!({"warehouse": "Depozit Central", "code": format!("CODE-{i:04}"), "quantity": 999}))
        .collect();
    e.control("/smartbill/stock", json!({"items": changes})).await;
    let before = e.requests("").await.last().unwrap()["seq"].as_u64().unwrap();
    run_to_end(&app).await;
    let log: Vec<Value> = e
        .requests("")
        .await
        .into_iter()
        .filter(|r| r["seq"].as_u64().unwrap() > before)
        .collect();
    let minicrm: Vec<&Value> = log.iter().filter(|r| r["service"] == "minicrm").collect();
    let puts: Vec<&&Value> = minicrm
        .iter()
        .filter(|r| r["method"] == "PUT" && r["path"].as_str().unwrap().starts_with("/Api/R3/Product"))
        .collect();
    assert_eq!(puts.len(), 20, "one write per changed product");
    assert!(
        minicrm.len() <= 20 + 2,
        "about 20 MiniCRM calls plus constant overhead: {}",
        minicrm.len()
    );
    assert!(
        puts.iter().all(|r| r["body"].get("PriceNet").is_none()),
        "never a price"
    );
    assert!(puts.iter().all(|r| r["body"]["Quantity"] == 999));
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert_eq!(run.counts.changed, 20);
    let codeless = run
        .skipped
        .iter()
        .find(|n| n.item.contains("Husa laptop"))
        .expect("the product without a code is reported");
    assert!(codeless.reason.contains("nu are cod"), "{codeless:?}");
    let products = e.get("/minicrm/products").await;
    let synced = products["products"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["SKU"].as_str().unwrap_or("").starts_with("CODE-"))
        .count();
    assert_eq!(synced, 20);
}

#[tokio::test]
async fn a_stock_sync_killed_midway_resumes_without_skipping_or_repeating() {
    let e = sped_up().await;
    stock_catalogue(&e, 120).await;
    stock_config(&e).await;
    // A first slice of the run, then the worker dies (its memory is gone) once the sandbox has
    // seen 15 product writes: a condition, not a time budget (a sped-up clock turns a slow
    // machine's pauses into minutes).
    let first = Runtime::default();
    let first_app = e.app_with(&first);
    tokio::select! {
        _ = step(&first_app, i64::MAX / 4) => panic!("the run ended before it was stopped"),
        _ = async {
            loop {
                let writes = e
                    .requests("minicrm")
                    .await
                    .iter()
                    .filter(|r| r["method"] == "PUT")
                    .count();
                if writes >= 15 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        } => {}
    }
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert!(
        run.cursor > 5 && run.cursor < run.total,
        "midway: {}/{}",
        run.cursor,
        run.total
    );
    drop(first_app);
    drop(first);
    let fresh = Runtime::default();
    run_to_end(&e.app_with(&fresh)).await;
    let log = e.requests("minicrm").await;
    let mut per_sku = std::collections::BTreeMap::<String, u32>::new();
    for r in log.iter().filter(|r| r["method"] == "PUT") {
        *per_sku
            .entry(r["body"]["SKU"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let total = sync::load_run(&e.store, JobKind::Stock)
        .await
        .unwrap()
        .unwrap()
        .total;
    assert_eq!(per_sku.len() as u32, total, "every product written");
    // The write in flight when the worker stopped may be sent again (an idempotent upsert by
    // SKU); no other.
    let twice = per_sku.values().filter(|n| **n > 1).count();
    assert!(twice <= 1 && per_sku.values().all(|n| *n <= 2), "{per_sku:?}");
    // Nothing changed since: the next run writes nothing; a product gone from SmartBill goes to 0.
    e.control(
        "/smartbill/stock",
        json!({"warehouse": "Depozit Central", "code": "CODE-0007", "quantity": 0}),
    )
    .await;
    sync::request(&e.store, JobKind::Stock, "now").await.unwrap();
    let before = e.requests("").await.last().unwrap()["seq"].as_u64().unwrap();
    run_to_end(&e.app_with(&fresh)).await;
    let puts: Vec<Value> = e
        .requests("minicrm")
        .await
        .into_iter()
        .filter(|r| r["seq"].as_u64().unwrap() > before && r["method"] == "PUT")
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0]["body"]["SKU"], "CODE-0007");
    assert_eq!(puts[0]["body"]["Quantity"], 0);
}

#[tokio::test]
async fn a_cancelled_run_stops_and_says_so() {
    let e = sped_up().await;
    stock_catalogue(&e, 60).await;
    stock_config(&e).await;
    let app = e.app();
    step(&app, 20_000).await;
    e.runtime.request_cancel(JobKind::Stock);
    step(&app, 20_000).await;
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert_eq!(run.status, sync::RunStatus::Cancelled);
    assert!(run.cursor < run.total);
    let activity = sync::activity(&e.store).await;
    assert_eq!(activity[0].status, sync::RunStatus::Cancelled);
}

#[tokio::test]
async fn an_invoice_that_discharges_stock_triggers_a_sync() {
    let e = env().await;
    stock_config(&e).await;
    run_to_end(&e.app()).await;
    let before = e.get("/minicrm/products").await["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SKU"] == "CAB-HDMI")
        .unwrap()["Quantity"]
        .clone();
    assert_eq!(before, 500);
    e.card_action("offerBucharestRon", "emit").await;
    let schedule = sync::load_schedule(&e.store, JobKind::Stock).await;
    let request = sync::load_request(&e.store, JobKind::Stock).await;
    assert_eq!(
        schedule.pending(request.as_ref()).map(|p| p.reason).as_deref(),
        Some("invoice")
    );
    run_to_end(&e.app()).await;
    let after = e.get("/minicrm/products").await["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SKU"] == "CAB-HDMI")
        .unwrap()["Quantity"]
        .clone();
    assert_eq!(after, 496, "4 cables left the warehouse with the invoice");
}

/// MiniCRM's quantity of the product `sku`.
async fn minicrm_quantity(e: &Env, sku: &str) -> Value {
    e.get("/minicrm/products").await["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SKU"] == sku)
        .unwrap_or_else(|| panic!("{sku} is in MiniCRM"))["Quantity"]
        .clone()
}

/// A product write given up without an answer may still land. The next run (an invoice's,
/// SmartBill's level gone back) went ahead at once: its write of the product landed first and
/// the late one after it, or, the level being the one of the snapshot before, it wrote nothing.
/// Either way MiniCRM kept the lost write's quantity, and no later run wrote it again (the
/// snapshot said MiniCRM had been told). Now no run writes a product until the lost write has
/// settled, and the product whose write failed is written again whatever SmartBill says.
#[tokio::test]
async fn a_product_write_whose_answer_was_lost_is_written_again_once_it_settled() {
    a_lost_product_write_then_a_run(Lost::GivenUp, false).await;
}

/// The same with the worker stopped after it gave the write up: the next run is in the
/// restarted worker, whose locks in memory are new.
#[tokio::test]
async fn a_restarted_worker_s_stock_run_waits_for_a_product_write_whose_answer_was_lost() {
    a_lost_product_write_then_a_run(Lost::GivenUp, true).await;
}

/// The same with the worker stopped while the write was out (before its answer or its timeout):
/// only storage tells the restarted worker that the write may still land.
#[tokio::test]
async fn a_restarted_worker_s_stock_run_waits_for_a_product_write_the_stopped_worker_left_out() {
    a_lost_product_write_then_a_run(Lost::LeftOut, true).await;
}

/// How a stock run's product write was lost.
#[derive(Clone, Copy, PartialEq)]
enum Lost {
    /// No answer within the request timeout: the run gave it up and went on.
    GivenUp,
    /// The worker stopped while it was out: the run's future dropped there.
    LeftOut,
}

/// A stock run's product write lost (`lost`) while MiniCRM holds it; SmartBill's level then goes
/// back and a run is asked for, in the same worker or a restarted one (`restarted`). That run
/// writes no product until the lost write has settled, and then MiniCRM gets SmartBill's level.
async fn a_lost_product_write_then_a_run(lost: Lost, restarted: bool) {
    let e = env().await;
    stock_config(&e).await;
    let first = e.app();
    run_to_end(&first).await;
    assert_eq!(minicrm_quantity(&e, "CAB-HDMI").await, 500);
    let level =
        |quantity: u32| json!({"warehouse": "Depozit Central", "code": "CAB-HDMI", "quantity": quantity});
    // SmartBill's level moves; MiniCRM holds the write.
    e.control("/smartbill/stock", level(480)).await;
    e.fault(
        json!({"service": "minicrm", "method": "PUT", "path": "/Api/R3/Product", "kind": "hold", "times": 1}),
    )
    .await;
    sync::request(&e.store, JobKind::Stock, "now").await.unwrap();
    let is_put = |r: &Value| r["method"] == "PUT";
    match lost {
        Lost::GivenUp => {
            step(&first, i64::MAX / 4).await;
            let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
            assert_eq!((run.counts.changed, run.counts.failed), (0, 1), "{run:?}");
        }
        Lost::LeftOut => {
            let stopped = tokio::select! {
                _ = step(&first, i64::MAX / 4) => false,
                () = e.until_seen(true, is_put) => true,
            };
            assert!(stopped, "the run ended before its write reached MiniCRM");
        }
    }
    assert!(
        e.in_flight(is_put).await,
        "the write is still held (otherwise this proves nothing)"
    );
    let runtime = Runtime::default();
    let app = if restarted { e.app_with(&runtime) } else { first };
    // The level goes back (the invoice was cancelled), and a run is asked for.
    e.control("/smartbill/stock", level(500)).await;
    sync::request(&e.store, JobKind::Stock, "invoice").await.unwrap();
    let puts = || async { e.requests("minicrm").await.iter().filter(|r| is_put(r)).count() };
    let sent = puts().await;
    let waiting = step(&app, i64::MAX / 4).await;
    assert_eq!(
        puts().await,
        sent,
        "no product written while the lost write may land"
    );
    assert!(waiting.more, "the run is left for a later tick");
    let settle = settings::load(&e.store)
        .await
        .unwrap()
        .timing(&app.host_permissions)
        .settle_ms();
    assert!(
        waiting
            .paused_until_ms
            .is_some_and(|until| until > e.clock.now_ms()),
        "the run says until when it waits: {waiting:?}"
    );
    // The late write lands.
    e.control("/release", json!({})).await;
    e.until_answered(is_put).await;
    assert_eq!(minicrm_quantity(&e, "CAB-HDMI").await, 480);
    // Once it has settled, the next ticks write the product again. A write left out belongs to a
    // run still under way: it is finished first (its product written as that run planned it),
    // and the request made meanwhile is answered by the run after it.
    e.clock.advance_ms(settle);
    run_to_end(&app).await;
    assert_eq!(
        minicrm_quantity(&e, "CAB-HDMI").await,
        500,
        "the product whose write was lost is written again"
    );
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert_eq!(
        (run.reason.as_str(), run.counts.changed, run.counts.failed),
        ("invoice", 1, 0),
        "{run:?}"
    );
}

/// SmartBill's payment status call, which the refresh makes once per invoice.
const PAYMENT_STATUS: (&str, &str) = ("smartbill", "/SBORO/api/invoice/paymentstatus");

/// A person cancels an invoice while the payment refresh is asking SmartBill about it (in the
/// browser, the refresh runs in the jobs' module, the cancel in the core): the journal keeps the
/// cancellation. (The refresh wrote back the entry it had read before its call, and the panel
/// showed the cancelled invoice as live again.)
#[tokio::test]
async fn an_invoice_cancelled_while_the_refresh_asks_about_it_stays_cancelled() {
    let e = env().await;
    e.configure(json!({})).await;
    let issued = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(issued["panel"]["state"], "issued", "{issued}");
    let app = e.app();
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let (_, cancelled) = e
        .while_held(
            PAYMENT_STATUS,
            step(&app, i64::MAX / 4),
            e.card_action("offerPersonRon", "cancel"),
        )
        .await;
    assert_eq!(cancelled["panel"]["state"], "cancelled", "{cancelled}");
    let run = sync::load_run(&e.store, JobKind::Payments)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, sync::RunStatus::Done, "{run:?}");
    let panel = e.card_action("offerPersonRon", "state").await;
    assert_eq!(panel["panel"]["state"], "cancelled", "{panel}");
}

/// Issues the card's invoice from the panel; its number as the panel shows it ("FCT 0124").
async fn issued(e: &Env, name: &str) -> String {
    let reply = e.card_action(name, "emit").await;
    let number = reply["panel"]["number"].as_str().unwrap_or_default();
    assert!(number.contains(' '), "{reply}");
    number.to_string()
}

/// Records a payment of `amount` on the invoice `number` ("FCT 0124") in SmartBill.
async fn paid(e: &Env, number: &str, amount: Value) {
    let (series, no) = number.split_once(' ').unwrap_or_default();
    e.control(
        "/smartbill/payment",
        json!({"series": series, "number": no, "amount": amount}),
    )
    .await;
}

/// Issues the card's invoice, pays all of it in SmartBill and lets the refresh find that out: the
/// invoice's number, with the card showing "Încasată".
async fn paid_in_full(e: &Env, name: &str) -> String {
    let number = issued(e, name).await;
    let (_, no) = number.split_once(' ').unwrap_or_default();
    let documents = e.get("/smartbill/documents").await;
    let total = documents["documents"]
        .as_array()
        .and_then(|all| all.iter().find(|d| d["number"] == no))
        .map(|d| d["totals"]["total"].clone())
        .unwrap_or_default();
    let total: f64 = total
        .as_f64()
        .or_else(|| total.as_str().and_then(|t| t.parse().ok()))
        .unwrap_or_default();
    assert!(total > 0.0, "{documents}");
    paid(e, &number, json!(total)).await;
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    run_to_end(&e.app()).await;
    assert_eq!(e.card_fields(name).await["SmartBillPaymentStatus"], "Încasată");
    number
}

/// How many times SmartBill was asked for the payment status of the invoice `number`.
async fn asked_about(e: &Env, number: &str) -> usize {
    let (_, no) = number.split_once(' ').unwrap_or_default();
    e.requests("smartbill")
        .await
        .into_iter()
        .filter(|r| {
            r["path"] == "/SBORO/api/invoice/paymentstatus"
                && r["query"]
                    .as_str()
                    .is_some_and(|q| q.contains(&format!("number={no}")))
        })
        .count()
}

/// The same with a change to write: the invoice was partly paid, and the person reverses it
/// (storno) while the refresh asks SmartBill. Neither the journal nor the card gets the payment
/// state of a document that is no longer live.
#[tokio::test]
async fn an_invoice_reversed_while_the_refresh_asks_about_it_gets_no_payment_state() {
    let e = env().await;
    e.configure(json!({})).await;
    let number = issued(&e, "offerPersonRon").await;
    paid(&e, &number, json!(50)).await;
    let app = e.app();
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let reverse = async {
        let reply = e.card_action("offerPersonRon", "reverse").await;
        (reply, e.card_fields("offerPersonRon").await)
    };
    let (_, (reversed, fields)) = e
        .while_held(PAYMENT_STATUS, step(&app, i64::MAX / 4), reverse)
        .await;
    assert_eq!(reversed["panel"]["state"], "reversed", "{reversed}");
    assert!(fields["SmartBillPaymentStatus"].is_string(), "{fields}");
    let panel = e.card_action("offerPersonRon", "state").await;
    assert_eq!(panel["panel"]["state"], "reversed", "{panel}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillPaymentStatus"],
        fields["SmartBillPaymentStatus"],
        "the refresh wrote no payment state to the card after the storno"
    );
}

/// A card whose invoice number and link were written by other means, which the journal does not
/// know: while the refresh reads the card, the person opens its panel, which records the invoice
/// with its link. The refresh does not record the invoice again over it (its record had no link,
/// and the panel lost the link to SmartBill).
#[tokio::test]
async fn a_card_invoice_the_panel_records_while_the_refresh_reads_the_card_keeps_its_link() {
    let e = env().await;
    e.configure(json!({})).await;
    let today = minicrm_smartbill::platform::today_ro(&e.clock);
    let invoices = e
        .control(
            "/smartbill/invoices",
            json!({
                "count": 1, "series": "FCT", "issueDate": today.to_string(),
                "client": {"name": "Tehnoserv Construct SRL", "country": "Romania"},
                "products": [{"name": "Cablu HDMI 2m", "code": "CAB-HDMI", "measuringUnitName": "buc", "currency": "RON", "quantity": 1, "price": 100, "taxName": "Normala", "taxPercentage": 21}],
            }),
        )
        .await;
    let number = format!("FCT {}", invoices["invoices"][0]["number"].as_str().unwrap());
    let link = "https://cloud.smartbill.ro/core/factura/editare/1/";
    let project = e.card("offerPersonRon")["projectId"].as_u64().unwrap();
    e.control(
        &format!("/minicrm/project/{project}"),
        json!({"fields": {"SmartBillInvoiceNumber": number, "SmartBillInvoiceLink": link}}),
    )
    .await;
    let app = e.app();
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let path = format!("/Api/R3/Project/{project}");
    let (_, shown) = e
        .while_held(
            ("minicrm", &path),
            step(&app, i64::MAX / 4),
            e.card_action("offerPersonRon", "state"),
        )
        .await;
    assert_eq!(
        (&shown["panel"]["number"], &shown["panel"]["link"]),
        (&json!(number), &json!(link)),
        "{shown}"
    );
    let panel = e.card_action("offerPersonRon", "state").await;
    assert_eq!(
        (&panel["panel"]["number"], &panel["panel"]["link"]),
        (&json!(number), &json!(link)),
        "{panel}"
    );
}

/// The store of a flow whose first write of a journal entry waits: `reached` is told when it
/// starts, and the write goes on once `release` is told.
struct WriteHeld<'a> {
    inner: &'a minicrm_smartbill::platform::native::MemoryStore,
    held: std::cell::Cell<bool>,
    reached: tokio::sync::Notify,
    release: tokio::sync::Notify,
}

#[async_trait::async_trait(?Send)]
impl minicrm_smartbill::platform::Store for WriteHeld<'_> {
    async fn get_json(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.inner.get_json(key).await
    }
    async fn set_json(&self, key: &str, text: String) -> Result<(), String> {
        if key.starts_with("journal.") && key != "journal.index" && !self.held.replace(true) {
            self.reached.notify_one();
            self.release.notified().await;
        }
        self.inner.set_json(key, text).await
    }
    async fn remove(&self, key: &str) -> Result<(), String> {
        self.inner.remove(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, String> {
        self.inner.get_many(keys).await
    }
    async fn add_to_list(&self, key: &str, item: &str) -> Result<(), String> {
        self.inner.add_to_list(key, item).await
    }
}

/// The test clock, telling when a flow waits on it: the person's cancel waiting for a document
/// another flow holds (`Emission::locked`, which looks again every `LOCK_LOOK_MS`).
struct WaitSeen<'a> {
    inner: &'a dyn minicrm_smartbill::platform::Clock,
    waited: tokio::sync::Notify,
}

impl<'a> WaitSeen<'a> {
    fn on(inner: &'a dyn minicrm_smartbill::platform::Clock) -> Self {
        WaitSeen {
            inner,
            waited: tokio::sync::Notify::new(),
        }
    }
}

#[async_trait::async_trait(?Send)]
impl minicrm_smartbill::platform::Clock for WaitSeen<'_> {
    fn now_ms(&self) -> i64 {
        self.inner.now_ms()
    }
    async fn sleep_ms(&self, ms: u64) {
        if ms == minicrm_smartbill::emission::LOCK_LOOK_MS {
            self.waited.notify_one();
        }
        self.inner.sleep_ms(ms).await;
    }
}

/// The refresh records its answer with a read of the journal's entry and a write of it. A
/// person's cancel landing between the two (in the browser, the core, a module apart from the
/// refresh's) was undone by that write: the panel showed the cancelled invoice as live again.
/// Now the record holds the document's lock, which the cancel needs too (in the browser, in the
/// cells the worker's modules share): the cancel waits for it, and lands after the record.
#[tokio::test]
async fn a_cancel_cannot_land_between_the_refresh_s_read_and_its_write() {
    let e = env().await;
    e.configure(json!({})).await;
    let issued = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(issued["panel"]["state"], "issued", "{issued}");
    let held = WriteHeld {
        inner: &e.store,
        held: std::cell::Cell::new(false),
        reached: tokio::sync::Notify::new(),
        release: tokio::sync::Notify::new(),
    };
    // The refresh and the panel in one worker: one runtime, its locks.
    let refresh = App {
        store: &held,
        ..e.app()
    };
    let clock = WaitSeen::on(&e.clock);
    let panel = App {
        clock: &clock,
        ..e.app()
    };
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let meanwhile = async {
        held.reached.notified().await;
        let mut cancel = std::pin::pin!(e.card_action_in(&panel, "offerPersonRon", "cancel"));
        tokio::select! {
            // Without the lock: the cancel is done while the record is held.
            first = &mut cancel => {
                held.release.notify_one();
                first
            }
            // The cancel waits for the document.
            () = clock.waited.notified() => {
                held.release.notify_one();
                cancel.await
            }
        }
    };
    let (report, first) = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        tokio::join!(step(&refresh, i64::MAX / 4), meanwhile)
    })
    .await
    .expect("the refresh wrote an entry");
    let run = sync::load_run(&e.store, JobKind::Payments)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, sync::RunStatus::Done, "{report:?} {run:?}");
    let after = e.card_action("offerPersonRon", "state").await;
    if first["panel"]["state"] == "cancelled" {
        assert_eq!(
            after["panel"]["state"], "cancelled",
            "the cancel the person was told of was undone: {after}"
        );
    }
    let entry = journal::all(&e.store).await.unwrap();
    assert!(
        entry
            .iter()
            .any(|x| x.status == Status::Cancelled && x.payment.is_some()),
        "the cancel waited for the refresh's record, and lands after it: {first} {entry:?}"
    );
}

/// An invoice issued for "offerPersonRon" and paid in part in SmartBill, and MiniCRM holding the
/// next write to its card (the refresh's, of the new payment state): that write's path.
async fn paid_in_part_and_its_card_write_held(e: &Env) -> String {
    e.configure(json!({})).await;
    let number = issued(e, "offerPersonRon").await;
    paid(e, &number, json!(50)).await;
    let doc_id = journal::all(&e.store).await.unwrap()[0].doc_id;
    let write = format!("/Api/Offer/{doc_id}/Project");
    e.fault(json!({"service": "minicrm", "method": "POST", "path": write, "kind": "hold", "times": 1}))
        .await;
    write
}

/// The refresh writes a changed payment state to the card, a MiniCRM call. A person's cancel
/// made while that call was under way wrote "Anulată" to the card, and the refresh's write,
/// answered after it, left "Încasată parțial" on the card of a cancelled invoice for good (no
/// later run looks at a cancelled invoice). Now the refresh holds the document's lock from its
/// check to its record: the cancel waits for it, and its own card write comes last.
#[tokio::test]
async fn a_cancel_made_while_the_refresh_writes_the_card_writes_after_it() {
    let e = env().await;
    let write = paid_in_part_and_its_card_write_held(&e).await;
    let clock = WaitSeen::on(&e.clock);
    let panel = App {
        clock: &clock,
        ..e.app()
    };
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    let meanwhile = async {
        e.until_seen(false, |r| r["path"] == write.as_str()).await;
        let mut cancel = std::pin::pin!(e.card_action_in(&panel, "offerPersonRon", "cancel"));
        tokio::select! {
            // Without the lock: the cancel is done while the refresh's write is held.
            first = &mut cancel => {
                e.control("/release", json!({})).await;
                first
            }
            // The cancel waits for the document.
            () = clock.waited.notified() => {
                e.control("/release", json!({})).await;
                cancel.await
            }
        }
    };
    let app = e.app();
    let (_, cancelled) = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        tokio::join!(step(&app, i64::MAX / 4), meanwhile)
    })
    .await
    .expect("the refresh and the cancel ended");
    cancelled_on_the_card(&e, &cancelled).await;
    let writes: Vec<Value> = e
        .requests("minicrm")
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"] == write.as_str())
        .collect();
    assert!(writes.len() >= 3, "emission, refresh, cancel: {writes:?}");
}

/// The cancel's reply says "cancelled", and the card of "offerPersonRon" says "Anulată".
async fn cancelled_on_the_card(e: &Env, cancelled: &Value) {
    assert_eq!(cancelled["panel"]["state"], "cancelled", "{cancelled}");
    let fields = e.card_fields("offerPersonRon").await;
    assert_eq!(
        fields["SmartBillPaymentStatus"], "Anulată",
        "the card of the cancelled invoice: {fields}"
    );
}

/// A card write (`write`, a path MiniCRM holds) given up without an answer, still held: the
/// person cancels, and the write lands meanwhile. Without the document's lock kept until the
/// write settles, the cancel goes ahead at once and the late write lands after its "Anulată".
async fn cancel_while_a_lost_write_lands(e: &Env, write: &str) {
    cancel_in_while_a_lost_write_lands(e, &e.runtime, write).await;
}

/// [`cancel_while_a_lost_write_lands`], the cancel made in the worker of `runtime` (a restarted
/// one: its locks in memory are new).
async fn cancel_in_while_a_lost_write_lands(e: &Env, runtime: &Runtime, write: &str) {
    assert!(
        e.in_flight(|r| r["path"] == write).await,
        "the write is still held (otherwise this proves nothing)"
    );
    let clock = WaitSeen::on(&e.clock);
    let panel = App {
        clock: &clock,
        ..e.app_with(runtime)
    };
    let landed = || async {
        e.control("/release", json!({})).await;
        e.until_answered(|r| r["path"] == write).await;
    };
    let mut cancel = std::pin::pin!(e.card_action_in(&panel, "offerPersonRon", "cancel"));
    let cancelled = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        tokio::select! {
            // Without the lock kept: the cancel is done, and the late write lands after it.
            first = &mut cancel => {
                landed().await;
                first
            }
            // The cancel waits for the document while the late write lands.
            () = clock.waited.notified() => {
                landed().await;
                cancel.await
            }
        }
    })
    .await
    .expect("the cancel ended");
    cancelled_on_the_card(e, &cancelled).await;
}

/// The refresh's card write given up (no answer within the request timeout) may still be
/// applied by MiniCRM until it settles. A person's cancel made meanwhile took the document's lock
/// as soon as the refresh gave up, wrote "Anulată", and the late write, landing after it, left
/// "Încasată parțial" on the card of a cancelled invoice. Now the refresh keeps the lock until
/// its write has settled: the cancel waits, and its card write comes after the late one.
#[tokio::test]
async fn a_cancel_waits_for_a_refresh_write_whose_answer_was_lost() {
    let e = env().await;
    let write = a_refresh_write_given_up(&e).await;
    let run = sync::load_run(&e.store, JobKind::Payments)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.counts.failed, 1, "{run:?}");
    cancel_while_a_lost_write_lands(&e, &write).await;
}

/// The same with the worker stopped after the refresh gave its write up: the cancel is made in
/// the restarted worker, whose locks in memory are new.
#[tokio::test]
async fn a_restarted_worker_s_cancel_waits_for_a_refresh_write_whose_answer_was_lost() {
    let e = env().await;
    let write = a_refresh_write_given_up(&e).await;
    cancel_in_while_a_lost_write_lands(&e, &Runtime::default(), &write).await;
}

/// A refresh asked for and run, its card write (the path returned) given up after the request
/// timeout while MiniCRM still holds it.
async fn a_refresh_write_given_up(e: &Env) -> String {
    let write = paid_in_part_and_its_card_write_held(e).await;
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    step(&e.app(), i64::MAX / 4).await;
    write
}

/// The same for the emission's own card write (the number, the link, "Neîncasată"): given up
/// without an answer, it landed after a cancel made right after it, and the card of the
/// cancelled invoice said "Neîncasată", the cancellation's note gone.
#[tokio::test]
async fn a_cancel_waits_for_a_write_back_whose_answer_was_lost() {
    let e = env().await;
    e.configure(json!({})).await;
    let doc_id = e.info["minicrm"]["cards"]["offerPersonRon"]["documentId"]
        .as_u64()
        .unwrap();
    let write = format!("/Api/Offer/{doc_id}/Project");
    e.fault(json!({"service": "minicrm", "method": "POST", "path": write, "kind": "hold", "times": 1}))
        .await;
    let issued = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(issued["panel"]["state"], "issued", "{issued}");
    cancel_while_a_lost_write_lands(&e, &write).await;
}

/// The worker stopped after the emission's card write was given up without an answer, the
/// write still held by MiniCRM: the restarted worker's locks are new, and its cancel went ahead
/// at once, the late write landing after its "Anulată". Storage now says until when the write
/// may land, and the restarted worker keeps the document until then.
#[tokio::test]
async fn a_restarted_worker_s_cancel_waits_for_a_write_back_whose_answer_was_lost() {
    let e = env().await;
    e.configure(json!({})).await;
    let write = write_back_held(&e).await;
    let issued = e.card_action("offerPersonRon", "emit").await;
    assert_eq!(issued["panel"]["state"], "issued", "{issued}");
    cancel_in_while_a_lost_write_lands(&e, &Runtime::default(), &write).await;
}

/// The worker stopped while the emission's card write was out (before its answer, or its
/// timeout): nothing in the worker's memory said the write might still land. A cancel in the
/// restarted worker waits for it as for a write given up.
#[tokio::test]
async fn a_restarted_worker_s_cancel_waits_for_a_write_back_the_stopped_worker_left_out() {
    let e = env().await;
    e.configure(json!({})).await;
    let write = write_back_held(&e).await;
    let url = e.card_url("offerPersonRon");
    let command = json!({"cmd": "card", "url": url, "action": "emit"});
    let stopped = e
        .run_stopped_when(&e.app(), command, &common::content(&url), |r| r["path"] == write)
        .await;
    assert!(stopped.is_none(), "the emission ended first: {stopped:?}");
    cancel_in_while_a_lost_write_lands(&e, &Runtime::default(), &write).await;
}

/// The path of the emission's card write for "offerPersonRon", which MiniCRM will hold (once).
async fn write_back_held(e: &Env) -> String {
    let doc_id = e.info["minicrm"]["cards"]["offerPersonRon"]["documentId"]
        .as_u64()
        .unwrap();
    let write = format!("/Api/Offer/{doc_id}/Project");
    e.fault(json!({"service": "minicrm", "method": "POST", "path": write, "kind": "hold", "times": 1}))
        .await;
    write
}

/// A lost card write keeps the document for a request's timeout and margin (40 s in
/// production), longer than a cancel waits for another flow of the worker (15 s): the person was
/// told "busy" and had to click again. The cancel now waits for the keep to its end.
#[tokio::test]
async fn a_cancel_waits_out_a_lost_write_s_whole_keep() {
    let e = env().await;
    e.configure(json!({})).await;
    issued(&e, "offerPersonRon").await;
    let doc_id = e.info["minicrm"]["cards"]["offerPersonRon"]["documentId"]
        .as_u64()
        .unwrap();
    // From here our clock moves only while the core waits on it: the keep runs out after the
    // cancel's waits, not after so much of this machine's time.
    e.clock.set_speed(0.0);
    let clock = Skipping(&e.clock);
    let panel = App {
        clock: &clock,
        ..e.app()
    };
    let kept = e.clock.now_ms() + minicrm_smartbill::emission::LOCK_WAIT_MS + 5_000;
    e.runtime
        .locks
        .keep_until(&journal::key(DocumentKind::Offer, doc_id), kept);
    // The panel is told until when (its note while the cancel waits).
    let looked = e.card_action_in(&panel, "offerPersonRon", "state").await;
    assert!(
        looked["panel"]["settlingUntil"].is_string(),
        "the view says until when: {looked}"
    );
    // The invoice is issued, not being issued ("Se emite…" before).
    assert_eq!(looked["panel"]["state"], "issued", "{looked}");
    let cancelled = e.card_action_in(&panel, "offerPersonRon", "cancel").await;
    cancelled_on_the_card(&e, &cancelled).await;
    assert!(cancelled["panel"]["settlingUntil"].is_null(), "{cancelled}");
    assert!(
        e.clock.now_ms() >= kept,
        "the cancel went ahead before the keep ran out"
    );
}

/// A stopped test clock that a wait moves on by its length, at once.
struct Skipping<'a>(&'a minicrm_smartbill::platform::native::TestClock);

#[async_trait::async_trait(?Send)]
impl Clock for Skipping<'_> {
    fn now_ms(&self) -> i64 {
        self.0.now_ms()
    }
    async fn sleep_ms(&self, ms: u64) {
        self.0.advance_ms(i64::try_from(ms).unwrap_or(i64::MAX));
        tokio::task::yield_now().await;
    }
}

/// A paid invoice cancelled and issued again: the new invoice starts unpaid. (The entry kept
/// the old invoice's payment: the write-back wrote "Încasată" to the card of the new invoice,
/// the panel showed it paid, and the refresh never asked SmartBill about it.)
#[tokio::test]
async fn an_invoice_issued_again_after_a_paid_one_starts_unpaid() {
    let e = env().await;
    e.configure(json!({})).await;
    let number = paid_in_full(&e, "offerPersonRon").await;
    e.card_action("offerPersonRon", "cancel").await;
    let again = e.card_action("offerPersonRon", "reissue").await;
    assert_eq!(again["panel"]["state"], "issued", "{again}");
    assert_ne!(again["panel"]["number"], number.as_str(), "{again}");
    assert!(
        again["panel"]["payment"].is_null(),
        "the old invoice's payment: {again}"
    );
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillPaymentStatus"],
        "Neîncasată"
    );
    let new_number = again["panel"]["number"].as_str().unwrap_or_default();
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    run_to_end(&e.app()).await;
    assert!(
        asked_about(&e, new_number).await > 0,
        "the refresh asks about the new invoice {new_number}"
    );
}

/// A paid invoice cancelled: the panel shows no payment. SmartBill detaches a cancelled invoice's
/// payments (smartbill-api.md §2.8, `DELETE /payment/v2`: "… este anulata si nu mai are incasari
/// atasate!"), and the card says "Anulată"; the panel showed "Încasată" under "Anulată".
#[tokio::test]
async fn a_cancelled_paid_invoice_shows_no_payment() {
    let e = env().await;
    e.configure(json!({})).await;
    let number = paid_in_full(&e, "offerPersonRon").await;
    let paid = e.card_action("offerPersonRon", "state").await;
    assert_eq!(paid["panel"]["payment"]["state"], "paid", "{paid}");
    let cancelled = e.card_action("offerPersonRon", "cancel").await;
    assert_eq!(cancelled["panel"]["state"], "cancelled", "{cancelled}");
    assert_eq!(cancelled["panel"]["number"], number.as_str(), "{cancelled}");
    assert!(cancelled["panel"]["payment"].is_null(), "{cancelled}");
    let later = e.card_action("offerPersonRon", "state").await;
    assert!(later["panel"]["payment"].is_null(), "{later}");
    assert_eq!(
        e.card_fields("offerPersonRon").await["SmartBillPaymentStatus"],
        "Anulată"
    );
}

/// An invoice on the refresh's unpaid list whose key the journal's index lacks (a worker stopped
/// between the entry's write and its indexing) is asked about once: its card, among the module's
/// documents changed in the last 30 days, is not taken for one invoiced by other means.
#[tokio::test]
async fn an_unindexed_invoice_is_asked_about_once() {
    use minicrm_smartbill::platform::Store;
    let e = env().await;
    e.configure(json!({})).await;
    let number = issued(&e, "offerPersonRon").await;
    let key = journal::all(&e.store).await.unwrap()[0].key();
    e.store.remove_from_list("journal.index", &key).await.unwrap();
    sync::request(&e.store, JobKind::Payments, "now").await.unwrap();
    run_to_end(&e.app()).await;
    let asked = asked_about(&e, &number).await;
    assert_eq!(asked, 1, "{number} asked about {asked} times");
}

/// An invoice issued while a stock run is being planned asks for a run of its own: the run being
/// planned read SmartBill's stock at a moment that may be before the invoice's discharge, so
/// another run follows it. (Starting, the run took the request made meanwhile as its own, and the
/// invoice's quantities waited for the next day's run.)
#[tokio::test]
async fn an_invoice_issued_while_a_run_is_planned_gets_a_run_after_it() {
    let e = env().await;
    stock_config(&e).await;
    run_to_end(&e.app()).await;
    let app = e.app();
    let settings = settings::load(&e.store).await.unwrap();
    assert!(
        !sync::jobs_due(&app, &settings).await.unwrap(),
        "nothing due after the first run"
    );
    sync::request(&e.store, JobKind::Stock, "now").await.unwrap();
    // SmartBill holds the plan's stock read until the case lets it go.
    let (stepped, _) = e
        .while_held(
            ("smartbill", "/SBORO/api/stocks"),
            step(&app, i64::MAX / 4),
            e.card_action("offerBucharestRon", "emit"),
        )
        .await;
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert_eq!(
        run.reason, "now",
        "the run that was being planned is the one asked for"
    );
    assert!(
        sync::jobs_due(&app, &settings).await.unwrap(),
        "the invoice's request is still pending after the run planned before it"
    );
    assert!(
        stepped.more,
        "the step that ended the run asks for the next tick soon: {stepped:?}"
    );
    run_to_end(&app).await;
    let run = sync::load_run(&e.store, JobKind::Stock).await.unwrap().unwrap();
    assert_eq!(run.reason, "invoice");
    assert!(
        !sync::jobs_due(&app, &settings).await.unwrap(),
        "taken by the run after it"
    );
    let cable = e.get("/minicrm/products").await["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["SKU"] == "CAB-HDMI")
        .unwrap()["Quantity"]
        .clone();
    assert_eq!(cable, 496, "4 cables left the warehouse with the invoice");
}

#[tokio::test]
async fn the_next_run_shows_now_while_a_job_is_due_and_a_day_on_once_it_ran() {
    let e = env().await;
    e.configure(json!({})).await;
    let app = e.app();
    let settings = settings::load(&e.store).await.unwrap();
    // Never run in this browser, which runs the schedule: due now, not "—".
    let before = sync::status(&app, &settings).await.unwrap();
    assert_eq!(before.jobs.payments.next_due_ms, Some(before.now));
    // The stock sync is off: no next run.
    assert_eq!(before.jobs.stock.next_due_ms, None);
    run_to_end(&app).await;
    let after = sync::status(&app, &settings).await.unwrap();
    let done = after.jobs.payments.last_done_ms.expect("the refresh ran");
    assert_eq!(after.jobs.payments.next_due_ms, Some(done + sync::DAY_MS));
}
