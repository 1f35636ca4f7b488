//! The stock webhook's writer (`sync::webhook::apply`) against the sandbox: only the configured
//! warehouse, only changes, the stock sync's product write (never the price), nothing twice, and
//! a delivery that waits while the stock sync works.

mod common;

use minicrm_smartbill::platform::Clock;

use common::Env;
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::settings;
use minicrm_smartbill::sync::{webhook, Runner};
use serde_json::{json, Value};

async fn apply(e: &Env, body: Value) -> webhook::Report {
    let app = e.app();
    let settings = settings::load(app.store).await.unwrap();
    let runner = Runner {
        app: &app,
        settings,
        lang: Lang::Ro,
        deadline_ms: i64::MAX,
    };
    let delivery = webhook::parse(body.to_string().as_bytes()).unwrap();
    webhook::apply(&runner, &delivery.products).await.unwrap()
}

async fn product_writes(e: &Env) -> Vec<Value> {
    e.requests("minicrm")
        .await
        .into_iter()
        .filter(|r| r["method"] == "PUT" && r["path"].as_str().unwrap_or("").starts_with("/Api/R3/Product"))
        .map(|r| r["body"].clone())
        .collect()
}

#[tokio::test]
async fn a_delivery_writes_changed_products_of_our_warehouse_once() {
    let e = common::env().await;
    e.configure(json!({"stock": {"enabled": true, "warehouse": "Depozit Central"}}))
        .await;
    let delivery = json!({"products": [
        {"warehouse": "DEPOZIT CENTRAL", "productName": "Laptop Dell Latitude 5440", "productCode": "LAP-001", "measuringUnit": "buc", "quantity": "11"},
        {"warehouse": "Magazin Cluj", "productName": "Monitor LG 24\"", "productCode": "MON-024", "quantity": 2},
        {"warehouse": "Depozit Central", "productName": "Husa laptop 15 inch", "productCode": "", "quantity": 3},
    ]});
    let report = apply(&e, delivery.clone()).await;
    assert_eq!(report.counts.changed, 1, "{report:?}");
    assert_eq!(report.other_warehouse, 1);
    assert_eq!(report.counts.skipped, 1, "no code: cannot match a MiniCRM SKU");
    let writes = product_writes(&e).await;
    assert_eq!(
        writes,
        vec![
            json!({"SKU": "LAP-001", "Name": "Laptop Dell Latitude 5440", "Quantity": 11, "UnitName": "buc", "Warehouse_Name": "Depozit Central"})
        ]
    );
    // The same delivery again: nothing written.
    let again = apply(&e, delivery).await;
    assert_eq!(again.counts.changed, 0);
    assert_eq!(product_writes(&e).await.len(), 1);
}

#[tokio::test]
async fn nothing_is_written_when_stock_sync_is_off_or_busy() {
    let e = common::env().await;
    e.configure(json!({})).await;
    let delivery = json!([{"warehouse": "Depozit Central", "productName": "Toner HP 85A", "productCode": "TON-HP", "quantity": 4}]);
    let report = apply(&e, delivery.clone()).await;
    assert!(report.disabled);
    e.configure(json!({"stock": {"enabled": true, "warehouse": "Depozit Central"}}))
        .await;
    let held = e
        .runtime
        .locks
        .try_lock("job.stock", e.clock.now_ms(), 600_000)
        .unwrap();
    let report = apply(&e, delivery.clone()).await;
    assert!(report.busy);
    assert_eq!(report.remaining.len(), 1);
    drop(held);
    assert!(product_writes(&e).await.is_empty());
    let report = apply(&e, delivery).await;
    assert_eq!(report.counts.changed, 1);
    // No unit in the delivery and none known: MiniCRM keeps its own.
    assert!(product_writes(&e).await[0].get("UnitName").is_none());
}

/// A delivery's product write given up without an answer may still land: until it has settled,
/// the next delivery waits (`busy`), and the product is written again whatever its level, even
/// the one MiniCRM had before (the late write may have changed it).
#[tokio::test]
async fn a_delivery_after_a_lost_write_waits_until_it_settled_then_writes_the_product_again() {
    let e = common::env().await;
    e.configure(json!({"stock": {"enabled": true, "warehouse": "Depozit Central"}}))
        .await;
    let level = |quantity: u32| json!([{"warehouse": "Depozit Central", "productName": "Laptop Dell Latitude 5440", "productCode": "LAP-001", "quantity": quantity}]);
    let in_minicrm = || async {
        e.get("/minicrm/products").await["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["SKU"] == "LAP-001")
            .expect("LAP-001 is in MiniCRM")["Quantity"]
            .clone()
    };
    assert_eq!(apply(&e, level(10)).await.counts.changed, 1);
    e.fault(
        json!({"service": "minicrm", "method": "PUT", "path": "/Api/R3/Product", "kind": "hold", "times": 1}),
    )
    .await;
    let lost = apply(&e, level(11)).await;
    assert_eq!((lost.counts.changed, lost.counts.failed), (0, 1), "{lost:?}");
    // The level goes back while the write may still land: the delivery waits.
    let waiting = apply(&e, level(10)).await;
    assert!(waiting.busy, "{waiting:?}");
    assert_eq!(waiting.remaining.len(), 1);
    // The log has the answered requests: the first delivery's only, the lost one still held.
    assert_eq!(product_writes(&e).await.len(), 1, "nothing written meanwhile");
    e.control("/release", json!({})).await;
    e.until_answered(|r| r["method"] == "PUT").await;
    assert_eq!(in_minicrm().await, 11, "the late write landed");
    let settings = settings::load(&e.store).await.unwrap();
    e.clock
        .advance_ms(settings.timing(&e.app().host_permissions).settle_ms());
    let again = apply(&e, level(10)).await;
    assert_eq!(again.counts.changed, 1, "{again:?}");
    assert_eq!(in_minicrm().await, 10);
}
