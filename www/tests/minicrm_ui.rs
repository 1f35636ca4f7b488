//! The fake MiniCRM's card pages: the single-page app and the `/__ui/{SystemId}/...` JSON it reads.

use serde_json::{json, Value};

const SYSTEM_ID: &str = sandbox::seed::MINICRM_SYSTEM_ID;

async fn start() -> (sandbox::Sandbox, reqwest::Client) {
    let sb = sandbox::start(sandbox::Config {
        seed: true,
        ..Default::default()
    })
    .await
    .expect("sandbox starts");
    (
        sb,
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
    )
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let r = http.get(url).send().await.expect("request");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, r.text().await.expect("body"))
}

async fn post(http: &reqwest::Client, url: &str, body: Value) -> (u16, Value) {
    let r = http.post(url).json(&body).send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json"))
}

#[tokio::test]
async fn app_page_and_assets_are_served() {
    let (sb, http) = start().await;
    let base = &sb.urls.minicrm;
    let (status, ct, html) = get(&http, &format!("{base}/{SYSTEM_ID}/")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"));
    assert!(html.contains("data-system-id=\"53832\""));
    assert!(html.contains("/__ui/assets/app.js"));
    assert!(html.contains("data-testid=\"sidebar\""));
    let (status, ct, js) = get(&http, &format!("{base}/__ui/assets/app.js")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/javascript"));
    assert!(js.contains("#Project-"));
    assert!(
        !js.contains("innerHTML"),
        "values are written with textContent only"
    );
    let (status, ct, _) = get(&http, &format!("{base}/__ui/assets/app.css")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/css"));
    let r = http
        .get(format!("{base}/{SYSTEM_ID}"))
        .send()
        .await
        .expect("request");
    assert!(r.status().is_redirection());
    assert_eq!(
        get(&http, &format!("{base}/11111/")).await.0,
        404,
        "another SystemId has no pages"
    );
}

#[tokio::test]
async fn card_json_for_a_seeded_offer() {
    let (sb, http) = start().await;
    let base = &sb.urls.minicrm;
    let (status, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/project/1001")).await;
    assert_eq!(status, 200);
    let card: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(card["name"], "Echipamente IT birou nou – Tehnoserv Construct");
    assert_eq!(card["category"], "Oferte");
    assert_eq!(card["hash"], "#Project-21/1001");
    assert_eq!(card["status"]["label"], "Trimisă clientului");
    assert_eq!(card["company"]["name"], "Tehnoserv Construct SRL");
    assert_eq!(card["contact"]["name"], "Mihai Dumitrescu");
    let doc = &card["document"];
    assert_eq!(doc["title"], "Ofertă");
    assert_eq!(
        doc["totals"],
        json!({"net": "9596.90", "vat": "2015.35", "total": "11612.25"})
    );
    assert_eq!(doc["items"].as_array().unwrap().len(), 4);
    assert_eq!(doc["customer"]["vatNumber"], "31826470");
    let labels: Vec<&str> = card["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    for l in [
        "Numărul facturii",
        "Link",
        "Stare de plată",
        "Factura .pdf",
        "Mesaj de eroare",
        "Sursa clientului",
    ] {
        assert!(labels.contains(&l), "{l} in {labels:?}");
    }
    assert!(card["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["allowed"] == true));

    // The page sees API writes.
    let api = format!("{base}/Api/Offer/931/Project");
    let r = http
        .post(api)
        .basic_auth(SYSTEM_ID, Some(sandbox::seed::MINICRM_API_KEY))
        .json(&json!({"SmartBillInvoiceNumber": "FCT 0124", "SmartBillPaymentStatus": "Încasată"}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let (_, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/project/1001")).await;
    let card: Value = serde_json::from_str(&text).expect("json");
    let field = |name: &str| {
        card["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .expect("field")
    };
    assert_eq!(field("SmartBillInvoiceNumber")["value"], "FCT 0124");
    assert_eq!(field("SmartBillPaymentStatus")["value"], "Încasată");
    assert_eq!(
        get(&http, &format!("{base}/__ui/{SYSTEM_ID}/project/5")).await.0,
        404
    );
}

#[tokio::test]
async fn status_dropdown_follows_the_api_rules() {
    let (sb, http) = start().await;
    let base = &sb.urls.minicrm;
    let url = |id: u64| format!("{base}/__ui/{SYSTEM_ID}/project/{id}/status");
    // Offers: any status.
    let (status, card) = post(&http, &url(1001), json!({"statusId": 3003})).await;
    assert_eq!(status, 200);
    assert_eq!(card["status"]["label"], "Acceptată");
    let (status, card) = post(&http, &url(1001), json!({"statusId": "Respinsă"})).await;
    assert_eq!(status, 200);
    assert_eq!(card["status"]["id"], 3004);

    // Orders: only through a transition.
    let (_, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/project/1101")).await;
    let card: Value = serde_json::from_str(&text).expect("json");
    let allowed: Vec<&str> = card["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["allowed"] == true)
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, vec!["Ciornă", "În lucru", "Finalizată"]);
    let (status, err) = post(&http, &url(1101), json!({"statusId": 3104})).await;
    assert_eq!(status, 405);
    assert!(err["error"].as_str().unwrap().contains("Finalize"));
    let (status, card) = post(&http, &url(1101), json!({"statusId": 3103})).await;
    assert_eq!(status, 200);
    assert_eq!(card["status"]["label"], "Finalizată");
    let (status, card) = post(&http, &url(1101), json!({"statusId": 3104})).await;
    assert_eq!(status, 200, "Completed → Paid is a transition");
    assert_eq!(card["status"]["label"], "Plătită");
    assert!(!card["document"]["paid"].as_str().unwrap().is_empty());
    let (status, _) = post(&http, &url(1101), json!({"statusId": 99})).await;
    assert_eq!(status, 400);

    let (status, card) = post(
        &http,
        &format!("{base}/__ui/{SYSTEM_ID}/project/1002/fields"),
        json!({"fields": {"Text1911": "notă"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(card["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "Text1911" && f["value"] == "notă"));
}

#[tokio::test]
async fn modules_and_lists() {
    let (sb, http) = start().await;
    let base = &sb.urls.minicrm;
    let (_, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/modules")).await;
    let m: Value = serde_json::from_str(&text).expect("json");
    let names: Vec<&str> = m["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Vânzări", "Oferte", "Comenzi"]);
    assert_eq!(m["modules"][2]["count"], 4);
    let (_, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/projects?categoryId=22")).await;
    let list: Value = serde_json::from_str(&text).expect("json");
    let rows = list["projects"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().any(|r| r["status"] == "Ciornă" && r["number"] == ""));
    let (_, _, text) = get(&http, &format!("{base}/__ui/{SYSTEM_ID}/project/1000")).await;
    let sales: Value = serde_json::from_str(&text).expect("json");
    assert!(sales["document"].is_null(), "a sales card has no document tab");
    assert_eq!(sales["category"], "Vânzări");
}
