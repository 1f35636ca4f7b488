//! The fake MiniCRM API over HTTP: auth, rate limit, list-vs-detail types, writes, documents,
//! lists and their filters, order transitions, products, contacts and addresses, schema removal.

use std::time::Duration;

use serde_json::{json, Value};

const SYSTEM_ID: &str = sandbox::seed::MINICRM_SYSTEM_ID;
const API_KEY: &str = sandbox::seed::MINICRM_API_KEY;

struct Mc {
    base: String,
    http: reqwest::Client,
    sb: sandbox::Sandbox,
}

struct Resp {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Mc {
    async fn start() -> Mc {
        let sb = sandbox::start(sandbox::Config {
            seed: true,
            ..Default::default()
        })
        .await
        .expect("sandbox starts");
        Mc {
            base: sb.urls.minicrm.clone(),
            http: reqwest::Client::new(),
            sb,
        }
    }

    async fn send(&self, method: &str, path: &str, body: Option<&str>, auth: Option<(&str, &str)>) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(m, format!("{}{}", self.base, path));
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = r.text().await.expect("body");
        Resp {
            status,
            content_type,
            headers,
            text,
        }
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let b = body.map(|v| v.to_string());
        self.send(method, path, b.as_deref(), Some((SYSTEM_ID, API_KEY)))
            .await
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.api("GET", path, None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.json()
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let b = body.map(|v| v.to_string());
        let r = self
            .send(method, &format!("/__control{path}"), b.as_deref(), None)
            .await;
        assert_eq!(r.status, 200, "{method} /__control{path}: {}", r.text);
        r.json()
    }

    async fn unlimited(&self) {
        self.control(
            "POST",
            "/minicrm/settings",
            Some(json!({"limitPerMinute": 100000})),
        )
        .await;
    }

    /// Switches readings (`{"<key>": "lenient"}`) until the next reset.
    async fn readings(&self, body: Value) {
        self.control("POST", "/readings", Some(body)).await;
    }

    async fn project(&self, id: u64) -> Value {
        let all = self.control("GET", "/minicrm/projects", None).await;
        all["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["Id"] == id)
            .cloned()
            .expect("card")
    }
}

fn result_ids(v: &Value) -> Vec<String> {
    match &v["Results"] {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => {
            assert!(a.is_empty(), "an array Results is only for empty lists");
            vec![]
        }
        other => panic!("Results: {other}"),
    }
}

#[tokio::test]
async fn auth_failures_are_404_unauthorized_or_401_under_the_lenient_reading() {
    let mc = Mc::start().await;
    // Strict: the manual's "404 - Unauthorized" (§1.6).
    let r = mc.send("GET", "/Api/R3/Category", None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text, "Unauthorized");
    assert!(r.content_type.starts_with("text/plain"), "{}", r.content_type);
    let r = mc
        .send("GET", "/Api/R3/Category", None, Some((SYSTEM_ID, "wrong-key")))
        .await;
    assert_eq!(r.status, 404);
    let r = mc
        .send("GET", "/Api/R3/Category", None, Some(("99999", API_KEY)))
        .await;
    assert_eq!(r.status, 404);
    mc.readings(json!({"authFailureStatus": "lenient"})).await;
    let r = mc
        .send("GET", "/Api/R3/Category", None, Some((SYSTEM_ID, "wrong-key")))
        .await;
    assert_eq!((r.status, r.text.as_str()), (401, "Unauthorized"));

    let r = mc.api("GET", "/Api/R3/Category", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json; charset=utf-8");
    assert_eq!(r.json(), json!({"3": "Vânzări", "21": "Oferte", "22": "Comenzi"}));

    mc.control("POST", "/minicrm/settings", Some(json!({"apiAddon": false})))
        .await;
    for path in ["/Api/R3/Category", "/Api/Offer/931", "/Api/Order/List"] {
        let r = mc.api("GET", path, None).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.text, "Unauthorized");
    }
    mc.readings(json!({"authFailureStatus": "strict"})).await;
    assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 404);
    mc.control("POST", "/minicrm/settings", Some(json!({"apiAddon": true})))
        .await;
    assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 200);
}

#[tokio::test]
async fn rate_limit_60_per_sliding_minute_on_r3_only_then_recovers() {
    let mc = Mc::start().await;
    for i in 0..60 {
        let r = mc.api("GET", "/Api/R3/Category", None).await;
        assert_eq!(r.status, 200, "call {i}");
    }
    let r = mc.api("GET", "/Api/R3/Project/1001", None).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.get("retry-after").is_none());
    assert!(r.content_type.starts_with("text/plain"));
    // Document endpoints count too under the strict reading of §1.3's silence...
    assert_eq!(mc.api("GET", "/Api/Offer/List", None).await.status, 429);
    // ...not under the lenient one (the control flag is the same reading).
    mc.control(
        "POST",
        "/minicrm/settings",
        Some(json!({"limitDocuments": false})),
    )
    .await;
    assert_eq!(mc.api("GET", "/Api/Offer/List", None).await.status, 200);
    mc.control("POST", "/minicrm/settings", Some(json!({"limitDocuments": true})))
        .await;
    assert_eq!(mc.api("GET", "/Api/Offer/List", None).await.status, 429);

    // The window is measured on the virtual clock: at speed 100 a minute lasts 0.6 s.
    mc.control("POST", "/clock", Some(json!({"speed": 100}))).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 200);
    assert_eq!(mc.api("GET", "/Api/Offer/List", None).await.status, 200);
}

#[tokio::test]
async fn rate_limit_window_slides() {
    let mc = Mc::start().await;
    for _ in 0..30 {
        assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 200);
    }
    mc.control("POST", "/clock", Some(json!({"advanceMs": 30_000})))
        .await;
    for _ in 0..30 {
        assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 200);
    }
    assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 429);
    // 31 s later only the first 30 calls have left the window.
    mc.control("POST", "/clock", Some(json!({"advanceMs": 31_000})))
        .await;
    for i in 0..30 {
        assert_eq!(
            mc.api("GET", "/Api/R3/Category", None).await.status,
            200,
            "call {i}"
        );
    }
    assert_eq!(mc.api("GET", "/Api/R3/Category", None).await.status, 429);
}

#[tokio::test]
async fn unknown_url_is_404_and_wrong_method_405() {
    let mc = Mc::start().await;
    let r = mc.api("GET", "/Api/R3/Nothing", None).await;
    assert_eq!(r.status, 404);
    assert!(r.content_type.starts_with("text/plain"));
    assert_eq!(mc.api("DELETE", "/Api/R3/Project/1001", None).await.status, 405);
    assert_eq!(mc.api("POST", "/Api/R3/Category", None).await.status, 405);
    assert_eq!(
        mc.api("GET", "/Api/R3/Product", None).await.status,
        405,
        "products are write-only"
    );
    assert_eq!(mc.api("PUT", "/Api/Offer/931", Some(json!({}))).await.status, 405);
    assert_eq!(mc.api("GET", "/Api/Order/841/Explode", None).await.status, 404);
    assert_eq!(mc.api("GET", "/Api/R3/Project/1001", None).await.status, 200);
}

#[tokio::test]
async fn categories_and_schemas() {
    let mc = Mc::start().await;
    let d = mc.get("/Api/R3/Category?Detailed=1").await;
    assert_eq!(d["21"]["Type"], "Offer");
    assert_eq!(d["22"]["Type"], "Order");
    assert_eq!(d["3"]["Type"], "Generic");
    assert_eq!(d["22"]["Name"], "Comenzi");

    let s = mc.get("/Api/R3/Schema/Project/21").await;
    assert_eq!(s["StatusId"]["3003"], "Acceptată");
    assert_eq!(s["SmartBillInvoiceNumber"], "Text(255)");
    assert_eq!(s["SmartBillInvoiceLink"], "Text(1024)");
    assert_eq!(s["SmartBillPaymentStatus"]["4103"], "Încasată");
    assert_eq!(s["SmartBillInvoicePdf"], "File(10MB)");
    assert_eq!(s["SmartBillErrorMessage"], "Text(4096)");
    assert_eq!(s["Id"], "Int");
    assert!(s["UserId"].is_object());
    let o = mc.get("/Api/R3/Schema/Project/22").await;
    assert_eq!(o["StatusId"]["3103"], "Finalizată");
    assert_eq!(o["StarePlataSmartBill"]["4201"], "Neîncasată");
    assert_eq!(o["FacturaPdfSmartBill"], "File(10MB)");
    for name in ["NumarFacturaSmartBill", "LinkSmartBill", "MesajEroareSmartBill"] {
        assert!(o.get(name).is_some(), "{name}");
    }
    let sales = mc.get("/Api/R3/Schema/Project/3").await;
    assert!(sales.get("SmartBillInvoiceNumber").is_none());
    assert_eq!(mc.api("GET", "/Api/R3/Schema/Project/77", None).await.status, 400);

    let b = mc.get("/Api/R3/Schema/Business").await;
    for f in [
        "Name",
        "Email",
        "Phone",
        "VatNumber",
        "EUVatNumber",
        "RegistrationNumber",
        "BankAccount",
        "Swift",
    ] {
        assert!(b.get(f).is_some(), "{f}");
    }
    assert_eq!(b["CodClientSmartBill"], "Text(255)");
    let p = mc.get("/Api/R3/Schema/Person").await;
    assert_eq!(p["FirstName"], "Text(255)");
    assert_eq!(p["BusinessId"], "Int");
}

#[tokio::test]
async fn project_list_has_ids_and_detail_has_labels() {
    let mc = Mc::start().await;
    let list = mc.get("/Api/R3/Project?CategoryId=21").await;
    assert_eq!(list["Count"], 5);
    // Strict reading of §2.3 (old help pages): every value a string.
    let item = &list["Results"]["1001"];
    assert_eq!(item["Id"], "1001");
    assert_eq!(item["StatusId"], "3002");
    assert_eq!(item["UserId"], "39636");
    assert_eq!(item["BusinessId"], "2001");
    assert_eq!(item["Deleted"], "0");
    assert!(item["Url"].as_str().unwrap().ends_with("/Api/R3/Project/1001"));
    assert!(
        list["Results"]["1003"].get("BusinessId").is_none(),
        "an individual's card has no company"
    );

    let p = mc.get("/Api/R3/Project/1001").await;
    assert_eq!(p["StatusId"], "Trimisă clientului");
    assert_eq!(p["UserId"], "Andrei Ionescu");
    assert_eq!(p["Enum1907"], "Site web");
    assert_eq!(p["Int1909"], 30);
    assert_eq!(p["SmartBillInvoiceNumber"], "");
    assert_eq!(p["CategoryId"], 21);
    assert_eq!(p["Id"], 1001);

    // Filters: status by id or label, group, company, enum field by label.
    let by_label = mc.get("/Api/R3/Project?StatusId=Trimis%C4%83%20clientului").await;
    assert_eq!(by_label["Count"], 4);
    assert_eq!(mc.get("/Api/R3/Project?StatusId=3102").await["Count"], 3);
    assert_eq!(
        mc.get("/Api/R3/Project?CategoryId=22&StatusGroup=Lead").await["Count"],
        1
    );
    let company = mc.get("/Api/R3/Project?MainContactId=2003").await;
    assert_eq!(result_ids(&company), vec!["1002", "1004", "1101"]);
    assert_eq!(mc.get("/Api/R3/Project?Enum1221=Recomandare").await["Count"], 1);
    let r = mc.api("GET", "/Api/R3/Project?Bogus=1", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text, "Project (GET): Unknown parameter 'Bogus'.");
    // An empty search: `[]` (strict reading of §1.5).
    let none = mc.get("/Api/R3/Project?CategoryId=21&StatusId=3005").await;
    assert_eq!(none, json!({"Count": 0, "Results": []}));

    // The lenient readings: numbers (newer manual, live captures), `{}` when empty.
    mc.readings(json!({"projectListStrings": "lenient", "emptyResults": "lenient"}))
        .await;
    let list = mc.get("/Api/R3/Project?CategoryId=21").await;
    let item = &list["Results"]["1001"];
    assert_eq!(item["StatusId"], 3002);
    assert_eq!(item["UserId"], 39636);
    assert_eq!(item["BusinessId"], 2001);
    let none = mc.get("/Api/R3/Project?CategoryId=21&StatusId=3005").await;
    assert_eq!(none, json!({"Count": 0, "Results": {}}));
}

#[tokio::test]
async fn project_writes_accept_label_or_id_and_reject_bad_values() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillPaymentStatus": "Încasată"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!({"Id": 1001}));
    assert_eq!(
        mc.get("/Api/R3/Project/1001").await["SmartBillPaymentStatus"],
        "Încasată"
    );
    mc.api(
        "PUT",
        "/Api/R3/Project/1001",
        Some(json!({"SmartBillPaymentStatus": 4102})),
    )
    .await;
    assert_eq!(
        mc.get("/Api/R3/Project/1001").await["SmartBillPaymentStatus"],
        "Încasată parțial"
    );
    mc.api(
        "PUT",
        "/Api/R3/Project/1001",
        Some(json!({"SmartBillPaymentStatus": "4101"})),
    )
    .await;
    assert_eq!(
        mc.get("/Api/R3/Project/1001").await["SmartBillPaymentStatus"],
        "Neîncasată"
    );

    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillPaymentStatus": "Platita"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.content_type.starts_with("text/plain"));
    assert_eq!(
        r.text,
        "Project (PUT): Invalid value 'Platita' for the Stare de plată field."
    );
    // Nothing of a rejected write is applied.
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillInvoiceNumber": "X1", "Enum1907": "Radio"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(mc.get("/Api/R3/Project/1001").await["SmartBillInvoiceNumber"], "");

    // Status by label; an unknown user is silently replaced by the administrator.
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1002",
            Some(json!({"StatusId": "Acceptată", "UserId": "Nobody"})),
        )
        .await;
    assert_eq!(r.status, 200);
    let p = mc.get("/Api/R3/Project/1002").await;
    assert_eq!(p["StatusId"], "Acceptată");
    assert_eq!(p["UserId"], "Andrei Ionescu");
    mc.api("PUT", "/Api/R3/Project/1002", Some(json!({"UserId": 39638})))
        .await;
    assert_eq!(mc.get("/Api/R3/Project/1002").await["UserId"], "Radu Stan");

    let r = mc
        .api("PUT", "/Api/R3/Project/1001", Some(json!({"Nonexistent": "x"})))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Nonexistent"));
    let long = "e".repeat(4097);
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillErrorMessage": long})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Mesaj de eroare"));
    let r = mc
        .api("PUT", "/Api/R3/Project/1001", Some(json!({"Int1909": "many"})))
        .await;
    assert_eq!(r.status, 400);
    let r = mc
        .send(
            "PUT",
            "/Api/R3/Project/1001",
            Some("not json"),
            Some((SYSTEM_ID, API_KEY)),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Data (JSON)"));
    assert_eq!(
        mc.api("PUT", "/Api/R3/Project/424242", Some(json!({"Name": "x"})))
            .await
            .status,
        404
    );

    // Orders change status only through the transition endpoints.
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1101",
            Some(json!({"StatusId": "Finalizată"})),
        )
        .await;
    assert_eq!(r.status, 405, "{}", r.text);
    // Other fields of an order card are writable.
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1101",
            Some(json!({"NumarFacturaSmartBill": "FCT 0124"})),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn project_create_and_trash() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project",
            Some(
                json!({"CategoryId": 3, "ContactId": 2004, "StatusId": "Lead nou", "UserId": "Maria Popa",
                        "Name": "Card nou", "Enum1221": "Facebook"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json()["Id"].as_u64().unwrap();
    let p = mc.get(&format!("/Api/R3/Project/{id}")).await;
    assert_eq!(p["StatusId"], "Lead nou");
    assert_eq!(p["UserId"], "Maria Popa");
    assert_eq!(p["BusinessId"], 2003);
    assert_eq!(p["Enum1221"], "Facebook");
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project",
            Some(json!({"CategoryId": 3, "ContactId": 2004})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("StatusId"), "{}", r.text);

    mc.api(
        "PUT",
        &format!("/Api/R3/Project/{id}"),
        Some(json!({"Deleted": 1})),
    )
    .await;
    assert_eq!(mc.get("/Api/R3/Project?CategoryId=3").await["Count"], 1);
    assert_eq!(mc.get("/Api/R3/Project?CategoryId=3&Deleted=1").await["Count"], 1);
}

#[tokio::test]
async fn pagination_is_100_per_page_from_page_0() {
    let mc = Mc::start().await;
    mc.unlimited().await;
    for i in 0..104 {
        let r = mc
            .api(
                "PUT",
                "/Api/R3/Project",
                Some(json!({"CategoryId": 3, "ContactId": 2002, "StatusId": 2501, "UserId": 39636, "Name": format!("Lead {i}")})),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let p0 = mc.get("/Api/R3/Project?CategoryId=3").await;
    assert_eq!(p0["Count"], 105);
    assert_eq!(result_ids(&p0).len(), 100);
    let p1 = mc.get("/Api/R3/Project?CategoryId=3&Page=1").await;
    assert_eq!(p1["Count"], 105);
    assert_eq!(result_ids(&p1).len(), 5);
    assert!(result_ids(&p0).iter().all(|id| !result_ids(&p1).contains(id)));
}

#[tokio::test]
async fn documents_are_strings_with_computed_totals() {
    let mc = Mc::start().await;
    let info = mc.control("GET", "/info", None).await;
    let cards = &info["minicrm"]["cards"];
    let o = mc.get("/Api/Offer/931").await;
    assert_eq!(o["Id"], "931");
    // Strict reading of §2.9: the offer GET example has neither.
    assert!(
        o.get("ProjectId").is_none() && o.get("CustomerId").is_none(),
        "{o}"
    );
    assert_eq!(o["Type"], "Offer");
    assert_eq!(o["CurrencyCode"], "RON");
    // 8400 + 1560 + 142 - 505.10 = 9596.90 net; VAT per line: 1764 + 327.60 + 29.82 - 106.07.
    assert_eq!(o["AmountNet"], "9596.9000");
    assert_eq!(o["AmountVat"], "2015.3500");
    assert_eq!(o["Amount"], "11612.2500");
    assert_eq!(cards["offerBucharestRon"]["amount"], "11612.25");
    let c = &o["Customer"];
    assert_eq!(c["CountryId"], "40");
    assert_eq!(c["VatNumber"], sandbox::seed::CUSTOMER_BUCHAREST_CIF);
    assert_eq!(c["City"], "București");
    assert_eq!(c["County"], "Sector 3");
    assert_eq!(c["Address"], "Str. Ion Nistor 4");
    assert_eq!(c["RegistrationNumber"], "J40/1234/2015");
    let items = o["Items"].as_array().unwrap();
    assert_eq!(items[0]["PriceNet"], "4200.0000");
    assert_eq!(items[0]["Quantity"], "2.00");
    assert_eq!(items[0]["VAT"], "21");
    assert_eq!(items[0]["SKU"], "LAP-001");
    assert_eq!(
        items[3]["PriceNet"], "-505.1000",
        "the discount is a negative line"
    );
    assert_eq!(o["Project"]["StatusId"], "3002");
    assert_eq!(
        o["Project"]["Enum1907"], "2672",
        "enums are ids in the Project block"
    );
    assert_eq!(o["Project"]["SmartBillInvoiceNumber"], "");
    assert!(o["DocumentUrl"]
        .as_str()
        .unwrap()
        .contains("/53832/Download/S3/?t=doc"));

    let eur = mc.get("/Api/Offer/932").await;
    assert_eq!(eur["CurrencyCode"], "EUR");
    assert_eq!(eur["ConversionRate"], "4.9750");
    assert_eq!(eur["Customer"]["EUVatNumber"], sandbox::seed::CUSTOMER_PAYER_CIF);
    assert_eq!(
        eur["Customer"]["City"], "Cluj-Napoca",
        "the billing address, not the default one"
    );
    let vats: Vec<&str> = eur["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["VAT"].as_str().unwrap())
        .collect();
    assert_eq!(vats, vec!["21", "11"]);

    let order = mc.get("/Api/Order/843").await;
    assert_eq!(order["Type"], "Order");
    assert_eq!(order["ProjectId"], "1103");
    assert_eq!(order["CustomerId"], "2001");
    assert_eq!(order["Items"][0]["VAT"], "11%");
    assert_eq!(order["Items"][1]["Unit"], "oră");
    assert_eq!(order["Items"][1]["Quantity"], "3.0000");
    assert_eq!(order["Project"]["StatusId"], "3102");
    assert_eq!(order["Project"]["Enum1952"], "2681");
    let person = mc.get("/Api/Order/842").await;
    assert_eq!(
        person["Customer"]["VatNumber"],
        sandbox::seed::CUSTOMER_PERSON_CNP
    );
    assert_eq!(person["CurrencyCode"], "EUR");

    // Every seeded card's amount matches its document (offers show their ids when lenient).
    mc.readings(json!({"offerDetailIds": "lenient"})).await;
    let o = mc.get("/Api/Offer/931").await;
    assert_eq!(
        (&o["ProjectId"], &o["CustomerId"]),
        (&json!("1001"), &json!("2001"))
    );
    for (key, card) in cards.as_object().unwrap() {
        let Some(doc) = card["documentId"].as_u64() else {
            continue;
        };
        let kind = card["type"].as_str().unwrap();
        let d = mc.get(&format!("/Api/{kind}/{doc}")).await;
        let amount: f64 = d["Amount"].as_str().unwrap().parse().unwrap();
        let expected: f64 = card["amount"].as_str().unwrap().parse().unwrap();
        assert!((amount - expected).abs() < 0.001, "{key}");
        assert_eq!(d["ProjectId"], card["projectId"].to_string(), "{key}");
    }
    assert_eq!(
        mc.api("GET", "/Api/Offer/841", None).await.status,
        404,
        "an order is not an offer"
    );
}

/// The virtual clock's time in Hungary (Europe/Budapest, with summer time).
async fn hu_now(mc: &Mc) -> chrono::NaiveDateTime {
    let now = mc.control("GET", "/clock", None).await;
    let now: chrono::DateTime<chrono::Utc> = now["now"].as_str().unwrap().parse().unwrap();
    sandbox::clock::to_local(now, sandbox::clock::BUDAPEST)
}

#[tokio::test]
async fn document_lists_filter_sort_and_quirks() {
    let mc = Mc::start().await;
    mc.unlimited().await;
    let offers = mc.get("/Api/Offer/List").await;
    assert_eq!(offers["Count"], 4, "the un-issued offer is not listed (strict)");
    // Most recently modified first.
    assert_eq!(result_ids(&offers), vec!["934", "933", "932", "931"]);
    let item = &offers["Results"]["931"];
    assert_eq!(item["ProjectId"], "1001");
    assert_eq!(item["Status"], "Trimisă clientului");
    assert_eq!(item["StatusGroup"], "Open");
    assert_eq!(item["Amount"], "11612.2500");
    assert_eq!(item["StornedId"], "");

    // Drafts are not listed.
    let orders = mc.get("/Api/Order/List").await;
    assert_eq!(result_ids(&orders), vec!["843", "842", "841"]);

    // Empty list: Results is an array.
    let empty = mc.get("/Api/Offer/List?StatusGroup=Failed").await;
    assert_eq!(empty, json!({"Count": 0, "Results": []}));
    assert_eq!(
        mc.get("/Api/Offer/List?Page=1").await,
        json!({"Count": 4, "Results": []})
    );

    // Only Page, UpdatedSince and StatusGroup are documented (§2.9).
    for q in [
        "ProjectId=1002",
        "CustomerId=2003",
        "Status=Acceptat%C4%83",
        "Type=Offer",
    ] {
        let r = mc.api("GET", &format!("/Api/Offer/List?{q}"), None).await;
        assert_eq!(r.status, 400, "{q}");
        let name = q.split('=').next().unwrap();
        assert_eq!(r.text, format!("Offer (GET): Unknown parameter '{name}'."));
        let r = mc.api("GET", &format!("/Api/Order/List?{q}"), None).await;
        assert_eq!(r.text, format!("Order (GET): Unknown parameter '{name}'."));
    }

    // A change of the card is not a change of the document (strict): UpdatedSince ignores it.
    let since = (hu_now(&mc).await - chrono::TimeDelta::seconds(2))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let q = since.replace(' ', "%20");
    let r = mc
        .api(
            "POST",
            "/Api/Offer/932/Project",
            Some(json!({"StatusId": "Acceptată"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let recent = mc.get(&format!("/Api/Offer/List?UpdatedSince={q}")).await;
    assert_eq!(recent, json!({"Count": 0, "Results": []}));
    assert_eq!(result_ids(&mc.get("/Api/Offer/List").await)[0], "934");
    // ...under the lenient reading it counts, and sorts first.
    mc.readings(json!({"documentListCardChanges": "lenient"})).await;
    let recent = mc.get(&format!("/Api/Offer/List?UpdatedSince={q}")).await;
    assert_eq!(result_ids(&recent), vec!["932"]);
    assert_eq!(result_ids(&mc.get("/Api/Offer/List").await)[0], "932");
    mc.readings(json!({"documentListCardChanges": "strict"})).await;
    // The document's own change counts under both: a new offer.
    let r = mc
        .api(
            "POST",
            "/Api/Offer",
            Some(json!({"CustomerId": "2005", "Items": [{"Name": "Carte", "PriceNet": "10", "Quantity": "1", "VAT": "11"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let new_id = r.json()["Id"].as_str().unwrap().to_string();
    let recent = mc.get(&format!("/Api/Offer/List?UpdatedSince={q}")).await;
    assert_eq!(result_ids(&recent), vec![new_id.clone()]);
    // The three documented forms of UpdatedSince; nothing else.
    let minute = since[..16].replace(' ', "%20");
    assert_eq!(
        result_ids(&mc.get(&format!("/Api/Offer/List?UpdatedSince={minute}")).await),
        vec![new_id]
    );
    let tomorrow = (hu_now(&mc).await + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        mc.get(&format!("/Api/Offer/List?UpdatedSince={tomorrow}")).await["Count"],
        0
    );
    for bad in [
        "yesterday",
        "2026-01-05T10:00:00",
        "2026-1-5",
        "2026-01-05%2010",
        "2026-01-05%2B10:00",
    ] {
        assert_eq!(
            mc.api("GET", &format!("/Api/Offer/List?UpdatedSince={bad}"), None)
                .await
                .status,
            400,
            "{bad}"
        );
    }

    assert_eq!(
        result_ids(&mc.get("/Api/Offer/List?StatusGroup=Success").await),
        vec!["932"]
    );
    assert_eq!(mc.get("/Api/Offer/List?StatusGroup=Open").await["Count"], 4);
    assert_eq!(
        mc.api("GET", "/Api/Offer/List?StatusGroup=Nope", None)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn card_fields_through_document_endpoint_including_files() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "POST",
            "/Api/Offer/931/Project",
            Some(json!({
                "SmartBillInvoiceNumber": "FCT 0124",
                "SmartBillInvoiceLink": "https://cloud.smartbill.ro/core/factura/vizualizare/?id=1",
                "SmartBillPaymentStatus": "Neîncasată",
                "SmartBillErrorMessage": "",
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let doc = r.json();
    assert_eq!(doc["Id"], "931", "the full document is the answer");
    assert_eq!(doc["Project"]["SmartBillInvoiceNumber"], "FCT 0124");
    assert_eq!(doc["Project"]["SmartBillPaymentStatus"], "4101");
    let p = mc.get("/Api/R3/Project/1001").await;
    assert_eq!(p["SmartBillPaymentStatus"], "Neîncasată");

    // A File field through the document endpoint: refused under the strict reading (§3, §8)...
    let r = mc
        .api(
            "POST",
            "/Api/Offer/931/Project",
            Some(json!({"SmartBillInvoicePdf": "https://example.com/f.pdf"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text,
        "Offer (POST): The File field 'Factura .pdf' cannot be set here."
    );
    // ...while the documented way, the card's own PUT, works.
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillInvoicePdf": "https://example.com/g.pdf"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        mc.get("/Api/R3/Project/1001").await["SmartBillInvoicePdf"],
        "https://example.com/g.pdf"
    );
    mc.readings(json!({"fileViaDocumentProject": "lenient"})).await;
    // A file URL outside the sandbox is stored as it is (no internet).
    let r = mc
        .api(
            "POST",
            "/Api/Offer/931/Project",
            Some(json!({"SmartBillInvoicePdf": "https://example.com/f.pdf"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["Project"]["SmartBillInvoicePdf"],
        "https://example.com/f.pdf"
    );

    // A sandbox SmartBill URL that SmartBill does not serve cannot be downloaded.
    let sb_url = format!(
        "{}/documente/extern/pf/factura/nothing-here",
        mc.sb.urls.smartbill
    );
    let r = mc
        .api(
            "POST",
            "/Api/Offer/931/Project",
            Some(json!({"SmartBillInvoicePdf": sb_url})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text.contains("could not be downloaded") && r.text.contains("Factura .pdf"),
        "{}",
        r.text
    );
    assert!(r.content_type.starts_with("text/plain"));

    // A stored file: its download URL serves the bytes, and writing that URL again keeps it.
    let token = "0123456789abcdef0123456789abcdef".to_string();
    mc.sb.state.lock().minicrm.files.insert(
        token.clone(),
        sandbox::minicrm::StoredFile {
            file_name: "FCT0124.pdf".into(),
            bytes: b"%PDF-1.4 test".to_vec(),
            content_type: "application/pdf".into(),
            source: "test".into(),
        },
    );
    let url = format!(
        "{}/{SYSTEM_ID}/Download/S3/?t=project&inline=0&e={token}",
        mc.base
    );
    let r = mc
        .api(
            "POST",
            "/Api/Order/841/Project",
            Some(json!({"FacturaPdfSmartBill": url})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["Project"]["FacturaPdfSmartBill"], url.as_str());
    assert_eq!(
        mc.get("/Api/R3/Project/1101").await["FacturaPdfSmartBill"],
        url.as_str()
    );
    let dl = mc.send("GET", &url[mc.base.len()..], None, None).await;
    assert_eq!(dl.status, 200);
    assert_eq!(dl.content_type, "application/pdf");
    assert_eq!(dl.text, "%PDF-1.4 test");
    let card = mc.project(1101).await;
    assert_eq!(card["Files"]["FacturaPdfSmartBill"]["fileName"], "FCT0124.pdf");

    // The document PDF behind DocumentUrl.
    let doc_url = doc["DocumentUrl"].as_str().unwrap().to_string();
    let pdf = mc.send("GET", &doc_url[mc.base.len()..], None, None).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.text.starts_with("%PDF"));

    // Enum by an unknown label, and orders' status, are refused here too.
    let r = mc
        .api(
            "POST",
            "/Api/Order/841/Project",
            Some(json!({"StarePlataSmartBill": "Paid"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text,
        "Order (POST): Invalid value 'Paid' for the Stare de plată field."
    );
    let r = mc
        .api(
            "POST",
            "/Api/Order/841/Project",
            Some(json!({"StatusId": "Finalizată"})),
        )
        .await;
    assert_eq!(r.status, 405);
    let r = mc
        .api("POST", "/Api/Offer/931/Project", Some(json!({"UserId": 39637})))
        .await;
    assert_eq!(
        r.status, 400,
        "the owner cannot be changed through the document endpoint"
    );
    assert_eq!(
        mc.api("POST", "/Api/Offer/9999/Project", Some(json!({})))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn order_transitions_follow_the_table() {
    let mc = Mc::start().await;
    let status = |v: &Value| v["Project"]["StatusId"].as_str().unwrap().to_string();
    // In progress → Paid is not a transition.
    let r = mc.api("POST", "/Api/Order/841/Paid", None).await;
    assert_eq!(r.status, 405);
    assert!(r.content_type.starts_with("text/plain"));
    assert_eq!(mc.api("POST", "/Api/Order/841/Finalize", None).await.status, 405);
    assert_eq!(mc.api("POST", "/Api/Order/841/Storno", None).await.status, 405);

    let r = mc.api("POST", "/Api/Order/841/Complete", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(status(&r.json()), "3103");
    assert_eq!(mc.get("/Api/R3/Project/1101").await["StatusId"], "Finalizată");
    // The manual says POST; GET (public clients) only under the lenient reading.
    assert_eq!(mc.api("GET", "/Api/Order/841/Paid", None).await.status, 405);
    assert_eq!(
        mc.api(
            "POST",
            "/Api/Order/841/Paid",
            Some(json!({"PaymentDate": "2026-01-05"}))
        )
        .await
        .text,
        "Order (POST): Unknown parameter 'PaymentDate'.",
        "no body is documented"
    );
    mc.readings(json!({"orderTransitionsGet": "lenient"})).await;
    let r = mc.api("GET", "/Api/Order/841/Paid", None).await;
    assert_eq!(r.status, 200);
    let paid = r.json();
    assert_eq!(status(&paid), "3104");
    assert!(!paid["Paid"].as_str().unwrap().is_empty());
    let listed = mc.get("/Api/Order/List").await;
    assert_eq!(listed["Results"]["841"]["Status"], "Plătită");
    assert_eq!(listed["Results"]["841"]["StatusGroup"], "Success");
    let r = mc.api("POST", "/Api/Order/841/Storno", None).await;
    assert_eq!(status(&r.json()), "3105");
    assert_eq!(mc.get("/Api/Order/List?StatusGroup=Failed").await["Count"], 1);
    assert_eq!(
        mc.api("POST", "/Api/Order/841/Paid", None).await.status,
        200,
        "Failed → Paid is allowed"
    );

    // Draft → In progress issues the order; it is then listed.
    let listed = |v: &Value| result_ids(v).contains(&"844".to_string());
    assert!(!listed(&mc.get("/Api/Order/List").await));
    assert_eq!(mc.get("/Api/Order/844").await["Number"], "");
    let r = mc.api("POST", "/Api/Order/844/Finalize", None).await;
    assert_eq!(r.status, 200);
    assert!(!r.json()["Number"].as_str().unwrap().is_empty());
    assert!(listed(&mc.get("/Api/Order/List").await));
    let r = mc.api("POST", "/Api/Order/844/Edit", None).await;
    assert_eq!(status(&r.json()), "3101");
    assert!(!listed(&mc.get("/Api/Order/List").await));
}

#[tokio::test]
async fn order_create_update_and_offer_create() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "POST",
            "/Api/Order",
            Some(json!({"CustomerId": "2003", "CurrencyCode": "RON",
                        "Items": [{"SKU": "CAB-HDMI", "Name": "Cablu HDMI 2m", "PriceNet": "35.50", "Quantity": "10", "Unit": "buc", "VAT": "21"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let o = r.json();
    let id = o["Id"].as_str().unwrap().to_string();
    assert_eq!(o["AmountNet"], "355.0000");
    assert_eq!(o["Amount"], "429.5500");
    assert_eq!(o["Project"]["StatusId"], "3101", "new orders are drafts");
    let r = mc
        .api(
            "POST",
            &format!("/Api/Order/{id}"),
            Some(json!({"CustomerId": "2003", "Items": [{"Name": "Transport", "PriceNet": 20, "Quantity": 1, "VAT": "21"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["Items"].as_array().unwrap().len(), 2);
    let r = mc
        .api("POST", &format!("/Api/Order/{id}"), Some(json!({"Items": []})))
        .await;
    assert_eq!(r.status, 400, "CustomerId is mandatory on every update");
    assert_eq!(
        mc.api("POST", "/Api/Order/841", Some(json!({"CustomerId": "2003"})))
            .await
            .status,
        405
    );
    assert_eq!(
        mc.api("POST", "/Api/Order", Some(json!({"CurrencyCode": "RON"})))
            .await
            .status,
        400
    );

    let r = mc
        .api(
            "POST",
            "/Api/Offer",
            Some(json!({"CustomerId": 2005, "Items": [{"Name": "Carte", "PriceNet": 10, "VAT": 11}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let offer = r.json();
    assert_eq!(offer["Project"]["StatusId"], "3001");
    assert!(!offer["Number"].as_str().unwrap().is_empty());
    assert_eq!(mc.get("/Api/Offer/List").await["Count"], 5);
}

#[tokio::test]
async fn products_upsert_by_sku_and_delete() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Product/",
            Some(json!({"SKU": "LAP-001", "Name": "Laptop Dell Latitude 5440", "Quantity": 7})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let lap = r.json()["Id"].as_u64().unwrap();
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Product",
            Some(json!({"SKU": "TON-HP", "Name": "Toner HP 85A", "PriceNet": "210.00", "VAT": "21%", "Quantity": 2,
                        "FolderName": "Nu exista", "UnitName": "Unit_Piece", "Warehouse_Name": "Depozit Central"})),
        )
        .await;
    let toner = r.json()["Id"].as_u64().unwrap();
    assert_ne!(lap, toner);
    let again = mc
        .api(
            "PUT",
            "/Api/R3/Product",
            Some(json!({"SKU": "TON-HP", "Quantity": 1})),
        )
        .await;
    assert_eq!(
        again.json()["Id"].as_u64().unwrap(),
        toner,
        "the same SKU updates"
    );

    let list = mc.control("GET", "/minicrm/products", None).await;
    let find = |sku: &str| {
        list["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["SKU"] == sku)
            .cloned()
            .expect("product")
    };
    assert_eq!(find("LAP-001")["Quantity"], 7);
    let t = find("TON-HP");
    assert_eq!(t["Quantity"], 1);
    assert_eq!(t["FolderName"], "Produse", "an unknown folder is the first one");
    assert_eq!(t["VAT"], "21%");
    assert_eq!(
        list["products"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["SKU"] == "TON-HP")
            .count(),
        1
    );

    let r = mc
        .api(
            "PUT",
            &format!("/Api/R3/Product/{toner}"),
            Some(json!({"Deleted": 1})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"Id": toner}));
    let list = mc.control("GET", "/minicrm/products", None).await;
    let t = list["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["Id"] == toner)
        .cloned()
        .unwrap();
    assert_eq!(t["Deleted"], 1);

    assert_eq!(
        mc.api(
            "PUT",
            "/Api/R3/Product",
            Some(json!({"SKU": "X", "Name": "X", "VAT": "lots"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        mc.api("PUT", "/Api/R3/Product/99999", Some(json!({"Quantity": 1})))
            .await
            .status,
        404
    );
    assert_eq!(
        mc.api("PUT", "/Api/R3/Product", Some(json!({"SKU": "NEW"})))
            .await
            .status,
        400,
        "a new product needs a Name"
    );
}

#[tokio::test]
async fn contacts_create_update_and_search() {
    let mc = Mc::start().await;
    // Localized Type labels only under the lenient reading (§2.4 [INF]).
    let body = json!({"Type": "Cég", "Name": "Șantierul Nou SRL", "VatNumber": "12345678", "Email": "office@santier.ro"});
    let r = mc.api("PUT", "/Api/R3/Contact", Some(body.clone())).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text, "Contact (PUT): Invalid value 'Cég' for the Type field.");
    mc.readings(json!({"contactTypeLabels": "lenient"})).await;
    let r = mc.api("PUT", "/Api/R3/Contact", Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let company = r.json()["Id"].as_u64().unwrap();
    let c = mc.get(&format!("/Api/R3/Contact/{company}")).await;
    assert_eq!(c["Type"], "Business");
    assert_eq!(c["Name"], "Șantierul Nou SRL");
    assert_eq!(c["EUVatNumber"], "");

    // A person: FirstName required (strict), or either name (lenient), §2.4.
    let body = json!({"Type": "Person", "LastName": "Ionescu", "BusinessId": company});
    let r = mc.api("PUT", "/Api/R3/Contact", Some(body.clone())).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text, "Contact (PUT): Missing required parameter 'FirstName'.");
    mc.readings(json!({"personNameRule": "lenient"})).await;
    let r = mc.api("PUT", "/Api/R3/Contact", Some(body)).await;
    assert_eq!(r.status, 200);
    let person = r.json()["Id"].as_u64().unwrap();
    assert_eq!(
        mc.get(&format!("/Api/R3/Contact/{person}")).await["BusinessId"],
        company
    );

    assert_eq!(
        mc.api("PUT", "/Api/R3/Contact", Some(json!({"Type": "Business"})))
            .await
            .status,
        400
    );
    assert_eq!(
        mc.api(
            "PUT",
            "/Api/R3/Contact",
            Some(json!({"Type": "Person", "Email": "a@b.ro"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        mc.api("PUT", "/Api/R3/Contact", Some(json!({"Type": 2, "Name": "X"})))
            .await
            .status,
        400
    );
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Contact",
            Some(json!({"Type": "Business", "Name": "X", "Color": "red"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("Color"));

    let r = mc
        .api(
            "PUT",
            &format!("/Api/R3/Contact/{company}"),
            Some(json!({"EUVatNumber": "RO12345678"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        mc.get(&format!("/Api/R3/Contact/{company}")).await["EUVatNumber"],
        "RO12345678"
    );
    assert_eq!(
        mc.api(
            "PUT",
            &format!("/Api/R3/Contact/{company}"),
            Some(json!({"Type": "Person"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        mc.api(
            "PUT",
            &format!("/Api/R3/Contact/{person}"),
            Some(json!({"BusinessId": 2001}))
        )
        .await
        .status,
        400
    );

    let by_name = mc.get("/Api/R3/Contact?Name=verde").await;
    assert_eq!(result_ids(&by_name), vec!["2003"]);
    assert_eq!(by_name["Results"]["2003"]["Type"], "Business");
    let persons = mc.get("/Api/R3/Contact?Name=Popescu").await;
    assert_eq!(persons["Results"]["2005"]["Name"], "Ion Popescu");
    assert_eq!(persons["Results"]["2005"]["Type"], "Person");
    // Query: whole words, case- and accent-insensitive.
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?Query=agricultura").await),
        vec!["2003"]
    );
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?Query=santierul").await),
        vec![company.to_string()]
    );
    assert_eq!(mc.get("/Api/R3/Contact?Query=agri").await["Count"], 0);
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?Email=FACTURI@agroverde.ro").await),
        vec!["2003"]
    );
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?MainContactId=2003").await),
        vec!["2003", "2004"]
    );
    // Filters: custom fields only; standard fields, Type and BusinessId are undocumented.
    for q in [
        "VatNumber=31826470",
        "Type=Business",
        "BusinessId=2003",
        "EUVatNumber=RO40571235",
    ] {
        let r = mc.api("GET", &format!("/Api/R3/Contact?{q}"), None).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(
            r.text.starts_with("Contact (GET): Unknown parameter '"),
            "{}",
            r.text
        );
    }
    mc.api(
        "PUT",
        "/Api/R3/Contact/2001",
        Some(json!({"CodClientSmartBill": "CL-0042"})),
    )
    .await;
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?CodClientSmartBill=CL-0042").await),
        vec!["2001"]
    );
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?Phone=0744333444").await),
        vec!["2004"],
        "local format"
    );
    assert_eq!(
        result_ids(&mc.get("/Api/R3/Contact?Phone=744333444").await),
        vec!["2004"]
    );
    assert_eq!(
        mc.api("GET", "/Api/R3/Contact?Colour=red", None).await.status,
        400
    );
    assert_eq!(mc.api("GET", "/Api/R3/Contact/999999", None).await.status, 404);
}

#[tokio::test]
async fn addresses_create_update_list() {
    let mc = Mc::start().await;
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Address",
            Some(json!({"ContactId": 2001, "Type": "Sediu social", "Name": "Sediu", "CountryId": "România",
                        "County": "Ilfov", "City": "Voluntari", "PostalCode": "077190", "Address": "Str. Pipera 1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = r.json()["Id"].as_u64().unwrap();
    let a = mc.get(&format!("/Api/R3/Address/{id}")).await;
    assert_eq!(a["CountryId"], "România");
    assert_eq!(a["ContactId"], 2001);
    assert_eq!(a["Default"], 0);
    let r = mc
        .api(
            "PUT",
            &format!("/Api/R3/Address/{id}"),
            Some(json!({"Address": "Str. Pipera 2", "Default": 1})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(mc.get(&format!("/Api/R3/Address/{id}")).await["Default"], 1);
    assert_eq!(
        mc.get("/Api/R3/Address/5001").await["Default"],
        0,
        "one default address per contact"
    );

    let list = mc.get("/Api/R3/AddressList/2001").await;
    assert_eq!(list["Count"], 2);
    assert_eq!(
        list["Results"][id.to_string()],
        "Sediu (077190 Voluntari, Str. Pipera 2)"
    );
    let structured = mc.get("/Api/R3/AddressList/2001?Structured=1").await;
    assert_eq!(structured["Results"][id.to_string()]["Id"], id);
    assert!(structured["Results"][id.to_string()]["Url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/Api/R3/Address/{id}")));

    assert_eq!(
        mc.api("PUT", "/Api/R3/Address", Some(json!({"City": "X"})))
            .await
            .status,
        400
    );
    assert_eq!(
        mc.api("PUT", "/Api/R3/Address", Some(json!({"ContactId": 999999})))
            .await
            .status,
        400
    );
    let contacts = mc.control("GET", "/minicrm/contacts", None).await;
    let tehno = contacts["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Id"] == 2001)
        .cloned()
        .unwrap();
    assert_eq!(tehno["Addresses"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn schema_fields_can_be_removed_to_test_missing_fields() {
    let mc = Mc::start().await;
    mc.control(
        "POST",
        "/minicrm/schema/business/remove",
        Some(json!({"fields": ["EUVatNumber", "CodClientSmartBill"]})),
    )
    .await;
    let b = mc.get("/Api/R3/Schema/Business").await;
    assert!(b.get("EUVatNumber").is_none());
    assert!(b.get("CodClientSmartBill").is_none());
    assert!(b.get("VatNumber").is_some());
    let r = mc
        .api(
            "PUT",
            "/Api/R3/Contact",
            Some(json!({"Type": "Business", "Name": "X SRL", "EUVatNumber": "RO1"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("EUVatNumber"));
    assert!(mc.get("/Api/R3/Contact/2003").await.get("EUVatNumber").is_none());

    mc.control(
        "POST",
        "/minicrm/schema/project/21/remove",
        Some(json!({"fields": ["SmartBillErrorMessage"]})),
    )
    .await;
    let s = mc.get("/Api/R3/Schema/Project/21").await;
    assert!(s.get("SmartBillErrorMessage").is_none());
    assert!(s.get("SmartBillInvoiceNumber").is_some());
    let r = mc
        .api(
            "POST",
            "/Api/Offer/931/Project",
            Some(json!({"SmartBillErrorMessage": "x"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(mc.get("/Api/Offer/931").await["Project"]
        .get("SmartBillErrorMessage")
        .is_none());
    // Orders keep theirs.
    assert!(mc
        .get("/Api/R3/Schema/Project/22")
        .await
        .get("MesajEroareSmartBill")
        .is_some());
}

#[tokio::test]
async fn control_sets_fields_bypassing_rules_and_lists_everything() {
    let mc = Mc::start().await;
    let p = mc
        .control(
            "POST",
            "/minicrm/project/1101",
            Some(json!({"fields": {"StatusId": "Finalizată", "StarePlataSmartBill": 4203}})),
        )
        .await;
    assert_eq!(p["Status"], "Finalizată");
    assert_eq!(p["Fields"]["StarePlataSmartBill"], "Încasată");
    assert_eq!(p["RawFields"]["StarePlataSmartBill"], 4203);
    let docs = mc.control("GET", "/minicrm/documents", None).await;
    assert_eq!(docs["documents"].as_array().unwrap().len(), 9);
    let contacts = mc.control("GET", "/minicrm/contacts", None).await;
    assert_eq!(contacts["contacts"].as_array().unwrap().len(), 5);
    let all = mc.control("GET", "/minicrm/projects", None).await;
    assert_eq!(all["projects"].as_array().unwrap().len(), 10);
    let settings = mc.control("GET", "/minicrm/settings", None).await;
    assert_eq!(settings["apiAddon"], true);
    assert_eq!(settings["limitDocuments"], true, "the strict reading of §1.3");
    assert_eq!(settings["limitPerMinute"], 60);
    let readings = settings["readings"].as_array().unwrap();
    assert!(readings.iter().all(|r| r["reading"] == "strict"));
    assert!(readings.iter().any(|r| r["key"] == "offerListDrafts"));
    assert!(
        readings.iter().all(|r| r["key"] != "lockoutStatus"),
        "SmartBill's points are elsewhere"
    );
    let ids = mc
        .control(
            "POST",
            "/minicrm/products",
            Some(json!([{"SKU": "SCAUN-ERG", "Name": "Scaun ergonomic", "Quantity": 4}])),
        )
        .await;
    assert_eq!(ids["ids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn seed_info_names_every_card() {
    let mc = Mc::start().await;
    let info = mc.control("GET", "/info", None).await;
    let cards = &info["minicrm"]["cards"];
    for key in [
        "offerBucharestRon",
        "offerPayerEur",
        "offerPersonRon",
        "offerStockShort",
        "orderPayerRon",
        "orderPersonEur",
        "orderBucharestRon",
        "orderDraft",
        "offerDraft",
        "salesCard",
    ] {
        assert!(cards[key]["projectId"].is_u64(), "{key}");
    }
    assert_eq!(cards["statuses"]["offerAccepted"]["label"], "Acceptată");
    assert_eq!(cards["statuses"]["orderCompleted"]["id"], 3103);
    assert_eq!(cards["fields"]["orders"]["pdf"], "FacturaPdfSmartBill");
    assert_eq!(cards["offerStockShort"]["skus"], json!(["TON-HP"]));
    assert_eq!(
        sandbox::minicrm::seed_cards_info(),
        *cards,
        "ids do not depend on the date"
    );
    // The stock-short offer asks for 5 toners.
    let o = mc
        .get(&format!("/Api/Offer/{}", cards["offerStockShort"]["documentId"]))
        .await;
    assert_eq!(o["Items"][0]["Quantity"], "5.00");
}
