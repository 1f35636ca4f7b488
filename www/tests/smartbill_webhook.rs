//! The fake SmartBill's stock webhook sender ("Sincronizare stocuri", smartbill-api.md §4.1),
//! against a receiver in the test: a delivery after every request that moved stock (invoice with
//! `useStock`, cancel, restore, a control-route change), none otherwise, in the receivers' shape
//! with the Bearer token; replay and test deliveries; every delivery in the request log.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sandbox::seed::{COMPANY_CIF, SMARTBILL_EMAIL, SMARTBILL_TOKEN, WAREHOUSE_MAIN, WAREHOUSE_SHOP};
use serde_json::{json, Value};

type Received = Arc<Mutex<Vec<(String, Value)>>>;

/// A receiver that records (Authorization header, body) and answers 200, or 401 to a wrong token.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let app = Router::new()
        .route(
            "/stock",
            post(
                |State(got): State<Received>, headers: HeaderMap, body: String| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let ok = auth == "Bearer tok-123";
                    got.lock()
                        .unwrap()
                        .push((auth, serde_json::from_str(&body).unwrap_or(Value::Null)));
                    if ok {
                        (StatusCode::OK, "ok")
                    } else {
                        (StatusCode::UNAUTHORIZED, "Autentificare esuata.")
                    }
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stock", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

async fn wait_for(got: &Received, n: usize) -> Vec<(String, Value)> {
    for _ in 0..400 {
        if got.lock().unwrap().len() >= n {
            return got.lock().unwrap().clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} deliveries expected, got {:?}", got.lock().unwrap());
}

struct T {
    sb: sandbox::Sandbox,
    c: reqwest::Client,
}

impl T {
    async fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .c
            .post(format!("{}/__control{path}", self.sb.urls.smartbill))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .c
            .request(m, format!("{}{path}", self.sb.smartbill_api()))
            .basic_auth(SMARTBILL_EMAIL, Some(SMARTBILL_TOKEN))
            .header("Accept", "application/json");
        if let Some(b) = body {
            rb = rb.header("Content-Type", "application/json").body(b.to_string());
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        r.json().await.unwrap()
    }
}

fn levels(delivery: &Value) -> Vec<(String, String, f64)> {
    delivery["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["warehouse"].as_str().unwrap().to_string(),
                p["productCode"].as_str().unwrap().to_string(),
                p["quantity"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_stock_movement_is_pushed_with_the_token_and_logged() {
    let (url, got) = receiver().await;
    let t = T {
        sb: sandbox::start(sandbox::Config {
            seed: true,
            ..Default::default()
        })
        .await
        .unwrap(),
        c: reqwest::Client::new(),
    };
    // Off until configured: a movement sends nothing.
    t.control(
        "/smartbill/stock",
        json!({"warehouse": WAREHOUSE_MAIN, "code": "TON-HP", "quantity": 3}),
    )
    .await;
    let (status, _) = t
        .control("/smartbill/webhook", json!({"url": url, "token": ""}))
        .await;
    assert_eq!(status, 400, "a token is required");
    let (status, view) = t
        .control("/smartbill/webhook", json!({"url": url, "token": "tok-123"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["tokenSet"], true);
    assert!(view.get("token").is_none());

    // An invoice that discharges stock.
    let line = json!({"name": "Laptop", "code": "LAP-001", "measuringUnitName": "buc", "currency": "RON",
        "quantity": 2, "price": 100, "isTaxIncluded": false, "taxName": "Normala", "taxPercentage": 21,
        "warehouseName": WAREHOUSE_MAIN});
    let client = json!({"name": "Client Test SRL", "vatCode": "RO40571235", "address": "Str. Horea 5",
        "city": "Cluj-Napoca", "county": "Cluj", "country": "Romania", "isTaxPayer": true});
    let issued = t
        .api(
            "POST",
            "/invoice/v2",
            Some(json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "client": client, "products": [line], "useStock": true})),
        )
        .await;
    let number = issued["number"].as_str().unwrap().to_string();
    let all = wait_for(&got, 1).await;
    assert_eq!(all[0].0, "Bearer tok-123");
    assert_eq!(
        all[0].1,
        json!({"products": [{"warehouse": WAREHOUSE_MAIN, "productName": "Laptop", "productCode": "LAP-001", "measuringUnit": "buc", "quantity": 13}]})
    );

    // Requests that move nothing send nothing; cancel and restore do.
    t.api("GET", &format!("/series?cif={COMPANY_CIF}"), None).await;
    let doc = format!("cif={COMPANY_CIF}&seriesname=FCT&number={number}");
    t.api("PUT", &format!("/invoice/cancel?{doc}"), None).await;
    let all = wait_for(&got, 2).await;
    assert_eq!(
        levels(&all[1].1),
        vec![(WAREHOUSE_MAIN.into(), "LAP-001".into(), 15.0)]
    );
    t.api("PUT", &format!("/invoice/restore?{doc}"), None).await;
    let all = wait_for(&got, 3).await;
    assert_eq!(
        levels(&all[2].1),
        vec![(WAREHOUSE_MAIN.into(), "LAP-001".into(), 13.0)]
    );

    // A control-route change, in the other warehouse; then replay and the connectivity test.
    t.control(
        "/smartbill/stock",
        json!({"warehouse": WAREHOUSE_SHOP, "code": "MON-024", "quantity": 1}),
    )
    .await;
    let all = wait_for(&got, 4).await;
    assert_eq!(
        levels(&all[3].1),
        vec![(WAREHOUSE_SHOP.into(), "MON-024".into(), 1.0)]
    );
    assert_eq!(t.control("/smartbill/webhook/replay", json!({})).await.0, 200);
    assert_eq!(t.control("/smartbill/webhook/test", json!({})).await.0, 200);
    let all = wait_for(&got, 6).await;
    assert_eq!(all[4].1, all[3].1, "the replay sends the last delivery again");
    assert_eq!(all[5].1, json!({"products": []}));

    // A wrong token: delivered, refused, logged with the receiver's status.
    t.control("/smartbill/webhook", json!({"url": url, "token": "stale"}))
        .await;
    t.control(
        "/smartbill/stock",
        json!({"warehouse": WAREHOUSE_MAIN, "code": "CAB-HDMI", "quantity": 7}),
    )
    .await;
    wait_for(&got, 7).await;
    let log: Value =
        t.c.get(format!(
            "{}/__control/requests?service=webhook",
            t.sb.urls.smartbill
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut entries = log["requests"].as_array().unwrap().clone();
    for _ in 0..400 {
        if entries.len() >= 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let log: Value =
            t.c.get(format!(
                "{}/__control/requests?service=webhook",
                t.sb.urls.smartbill
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        entries = log["requests"].as_array().unwrap().clone();
    }
    let kinds: Vec<(&str, u64)> = entries
        .iter()
        .map(|e| (e["delivery"].as_str().unwrap(), e["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("movement", 200),
            ("movement", 200),
            ("movement", 200),
            ("movement", 200),
            ("replay", 200),
            ("test", 200),
            ("movement", 401)
        ]
    );
    assert!(entries
        .iter()
        .all(|e| e["user"].is_null() && e["path"] == url.as_str()));
    let text = log.to_string();
    assert!(
        !text.contains("tok-123") && !text.contains("stale"),
        "never the token"
    );

    // Switched off: nothing more.
    t.control("/smartbill/webhook", json!({"url": null})).await;
    t.control(
        "/smartbill/stock",
        json!({"warehouse": WAREHOUSE_MAIN, "code": "CAB-HDMI", "quantity": 8}),
    )
    .await;
    assert_eq!(t.control("/smartbill/webhook/test", json!({})).await.0, 409);
    // On again: the next delivery is the next movement's; the one made while off was never sent.
    t.control("/smartbill/webhook", json!({"url": url, "token": "tok-123"}))
        .await;
    t.control(
        "/smartbill/stock",
        json!({"warehouse": WAREHOUSE_MAIN, "code": "CAB-HDMI", "quantity": 9}),
    )
    .await;
    let all = wait_for(&got, 8).await;
    assert_eq!(all.len(), 8);
    assert_eq!(
        levels(&all[7].1),
        vec![(WAREHOUSE_MAIN.into(), "CAB-HDMI".into(), 9.0)]
    );
}
