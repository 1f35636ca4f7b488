//! The sandbox answers like the documentation and no wider: undocumented parameters and keys are
//! refused; every silent or contradictory point has a strict (default) and a lenient reading,
//! switchable through the control API and for a whole run; Hungarian time with summer time; the
//! `typeIds` tenant shape; the persistent request log and its checker; the bulk control routes;
//! write-only latency faults.

use std::time::{Duration, Instant};

use sandbox::seed::{COMPANY_CIF, MINICRM_API_KEY, MINICRM_SYSTEM_ID, SMARTBILL_EMAIL, SMARTBILL_TOKEN};
use serde_json::{json, Value};

struct T {
    sb: sandbox::Sandbox,
    http: reqwest::Client,
}

struct Reply {
    status: u16,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl T {
    async fn start() -> T {
        T::with(sandbox::Config {
            seed: true,
            ..Default::default()
        })
        .await
    }

    async fn with(config: sandbox::Config) -> T {
        T {
            sb: sandbox::start(config).await.expect("sandbox starts"),
            http: reqwest::Client::new(),
        }
    }

    async fn reply(r: reqwest::RequestBuilder) -> Reply {
        let r = r.send().await.expect("request");
        let status = r.status().as_u16();
        Reply {
            status,
            text: r.text().await.expect("body"),
        }
    }

    /// A MiniCRM API call.
    async fn mc(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .http
            .request(m, format!("{}{path}", self.sb.urls.minicrm))
            .basic_auth(MINICRM_SYSTEM_ID, Some(MINICRM_API_KEY));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        T::reply(rb).await
    }

    async fn mc_get(&self, path: &str) -> Value {
        let r = self.mc("GET", path, None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.json()
    }

    /// A SmartBill API call (`path` under `/SBORO/api`).
    async fn sb(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .http
            .request(m, format!("{}{path}", self.sb.smartbill_api()))
            .basic_auth(SMARTBILL_EMAIL, Some(SMARTBILL_TOKEN))
            .header("Accept", "application/json");
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        T::reply(rb).await
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .http
            .request(m, format!("{}/__control{path}", self.sb.urls.minicrm));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = T::reply(rb).await;
        assert_eq!(r.status, 200, "{method} /__control{path}: {}", r.text);
        r.json()
    }

    async fn readings(&self, body: Value) {
        self.control("POST", "/readings", Some(body)).await;
    }

    async fn unlimited(&self) {
        self.control(
            "POST",
            "/minicrm/settings",
            Some(json!({"limitPerMinute": 100000})),
        )
        .await;
    }
}

fn ids(v: &Value) -> Vec<String> {
    match &v["Results"] {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) if a.is_empty() => vec![],
        other => panic!("Results: {other}"),
    }
}

fn invoice_body() -> Value {
    json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT",
           "client": {"name": "Client SRL", "country": "Romania"},
           "products": [{"name": "Cablu HDMI 2m", "code": "CAB-HDMI", "measuringUnitName": "buc",
                         "currency": "RON", "quantity": 1, "price": 100, "taxName": "Normala", "taxPercentage": 21}]})
}

// ---- the control API of readings -------------------------------------------------------

#[tokio::test]
async fn readings_are_listed_with_quotes_switched_and_reset_to_the_run_default() {
    let t = T::start().await;
    let r = t.control("GET", "/readings", None).await;
    assert_eq!(r["summary"], "strict");
    let list = r["readings"].as_array().unwrap();
    assert_eq!(list.len(), sandbox::documented::READINGS.len());
    for p in list {
        for field in [
            "key", "service", "question", "source", "quote", "strict", "lenient",
        ] {
            assert!(p[field].as_str().is_some_and(|s| !s.is_empty()), "{p}");
        }
        assert_eq!(p["reading"], "strict");
    }
    t.readings(json!({"all": "lenient", "unknownQuery": "strict"}))
        .await;
    let r = t.control("GET", "/readings", None).await;
    assert_eq!(
        r["readings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["reading"] == "strict")
            .count(),
        1
    );
    let info = t.control("GET", "/info", None).await;
    assert!(info["readings"].as_str().unwrap().contains("offerListDrafts"));
    // A reset goes back to the run's readings, unless it names others.
    t.control("POST", "/reset", Some(json!({"seed": true}))).await;
    assert_eq!(t.control("GET", "/readings", None).await["summary"], "strict");
    let r = t
        .control("POST", "/reset", Some(json!({"readings": "lenient"})))
        .await;
    assert_eq!(r["readings"], "lenient");
    // Bad names are refused.
    let r = T::reply(
        t.http
            .post(format!("{}/__control/readings", t.sb.urls.minicrm))
            .json(&json!({"noSuchPoint": "lenient"})),
    )
    .await;
    assert_eq!(r.status, 400);
    // The service settings routes show and switch their own points.
    let mc = t
        .control(
            "POST",
            "/minicrm/settings",
            Some(json!({"readings": {"offerListDrafts": "strict"}})),
        )
        .await;
    let drafts = mc["readings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "offerListDrafts")
        .cloned()
        .unwrap();
    assert_eq!(drafts["reading"], "strict");
    let sbs = t
        .control(
            "POST",
            "/smartbill/settings",
            Some(json!({"readings": {"lockoutStatus": "strict"}})),
        )
        .await;
    assert!(sbs["readings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["key"] == "cifExactMatch"));
    assert_eq!(t.control("GET", "/smartbill/limit", None).await["status"], 403);
    t.control("POST", "/smartbill/limit", Some(json!({"status": 429})))
        .await;
    let r = t.control("GET", "/readings", None).await;
    let lockout = r["readings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "lockoutStatus")
        .cloned()
        .unwrap();
    assert_eq!(lockout["reading"], "lenient", "the limit's status is the reading");
}

#[tokio::test]
async fn a_whole_run_can_take_the_lenient_readings() {
    let t = T::with(sandbox::Config {
        seed: true,
        readings: sandbox::Readings::lenient(),
        ..Default::default()
    })
    .await;
    assert_eq!(t.control("GET", "/info", None).await["readings"], "lenient");
    t.control("POST", "/reset", Some(json!({}))).await;
    assert_eq!(t.control("GET", "/readings", None).await["summary"], "lenient");
    // Undocumented parameters are ignored, drafts listed, offers show their ids.
    let list = t.mc_get("/Api/Offer/List?ProjectId=1&Status=x").await;
    assert_eq!(list["Count"], 5);
    assert_eq!(list["Results"]["940"]["Number"], "");
    assert_eq!(t.mc_get("/Api/Offer/931").await["ProjectId"], "1001");
}

// ---- refusals of undocumented parameters and keys ----------------------------------------

#[tokio::test]
async fn undocumented_query_parameters_are_refused_or_ignored_as_the_reading_says() {
    let t = T::start().await;
    let plain = t.mc_get("/Api/Offer/List").await;
    let r = t.mc("GET", "/Api/Offer/List?ProjectId=1001", None).await;
    assert_eq!(
        (r.status, r.text.as_str()),
        (400, "Offer (GET): Unknown parameter 'ProjectId'.")
    );
    for path in [
        "/Api/R3/Category?Detailed=1&Lang=ro",
        "/Api/R3/Schema/Project/21?x=1",
        "/Api/R3/Project/1001?Fields=Name",
        "/Api/R3/AddressList/2001?Structured=1&Page=0",
        "/Api/Offer/931?Expand=1",
    ] {
        let r = t.mc("GET", path, None).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert!(r.text.contains(": Unknown parameter '"), "{path}: {}", r.text);
    }
    let r = t
        .sb("GET", &format!("/tax?cif={COMPANY_CIF}&lang=ro"), None)
        .await;
    assert_eq!(r.status, 400);
    let e = r.json();
    assert_eq!(e["type"], "invalid_request_error");
    assert_eq!(e["errors"][0]["code"], "json_mapping_error");
    assert_eq!(e["errors"][0]["param"], "lang");
    let r = t
        .sb(
            "POST",
            &format!("/invoice/v2?cif={COMPANY_CIF}"),
            Some(invoice_body()),
        )
        .await;
    assert_eq!(r.status, 400, "no query parameter is documented on a create");

    t.readings(json!({"unknownQuery": "lenient"})).await;
    assert_eq!(t.mc_get("/Api/Offer/List?ProjectId=1001").await, plain, "ignored");
    assert_eq!(
        t.mc("GET", "/Api/R3/Project/1001?Fields=Name", None).await.status,
        200
    );
    assert_eq!(
        t.sb("GET", &format!("/tax?cif={COMPANY_CIF}&lang=ro"), None)
            .await
            .status,
        200
    );
    // A lenient-only parameter whose own reading is strict is ignored too, not applied.
    let r = t.mc_get("/Api/R3/Project?CategoryId=21&Name=Agro").await;
    assert_eq!(r["Count"], 5, "Name was dropped");
}

#[tokio::test]
async fn undocumented_body_keys_are_refused_at_every_level() {
    let t = T::start().await;
    t.unlimited().await;
    let item = json!({"SKU": "CAB-HDMI", "Name": "Cablu", "PriceNet": "10", "Quantity": "1", "VAT": "21"});
    for (method, path, body, key) in [
        (
            "POST",
            "/Api/Offer",
            json!({"CustomerId": "2001", "Items": [item.clone()], "Discount": 5}),
            "Discount",
        ),
        (
            "POST",
            "/Api/Offer",
            json!({"CustomerId": "2001", "Items": [{"Name": "x", "PriceNet": 1, "Colour": "red"}]}),
            "Items[].Colour",
        ),
        (
            "POST",
            "/Api/Offer",
            json!({"CustomerId": "2001", "Customer": {"Name": "x", "Email": "a@b.ro"}}),
            "Customer.Email",
        ),
        (
            "POST",
            "/Api/Offer",
            json!({"CustomerId": "2001", "Project": {"NumarFacturaSmartBill": "x"}}),
            "Project.NumarFacturaSmartBill",
        ),
        (
            "POST",
            "/Api/Order",
            json!({"CustomerId": "2001", "CurrencyCode": "RON", "Items": [item.clone()], "Vendor": {"Name": "x"}}),
            "Vendor",
        ),
        ("POST", "/Api/Offer/931/Project", json!({"Name": "x"}), "Name"),
        (
            "POST",
            "/Api/Order/841/Project",
            json!({"SmartBillInvoiceNumber": "x"}),
            "SmartBillInvoiceNumber",
        ),
        ("PUT", "/Api/R3/Project/1001", json!({"Url": "x"}), "Url"),
        (
            "PUT",
            "/Api/R3/Project/1001",
            json!({"ReferenceId": "EXT-1"}),
            "ReferenceId",
        ),
        (
            "PUT",
            "/Api/R3/Product",
            json!({"SKU": "X", "Name": "X", "Colour": "red"}),
            "Colour",
        ),
        ("PUT", "/Api/R3/Address/5001", json!({"Street": "x"}), "Street"),
        ("PUT", "/Api/R3/Contact/2001", json!({"Colour": "red"}), "Colour"),
    ] {
        let r = t.mc(method, path, Some(body)).await;
        assert_eq!(r.status, 400, "{method} {path}: {}", r.text);
        assert!(
            r.text.ends_with(&format!(": Unknown parameter '{key}'.")),
            "{method} {path}: {}",
            r.text
        );
    }
    // Nothing was created by the refused offer writes.
    assert_eq!(t.mc_get("/Api/Offer/List").await["Count"], 4);
    // Documented keys the server computes are accepted (and ignored).
    let r = t
        .mc(
            "POST",
            "/Api/Offer",
            Some(
                json!({"CustomerId": "2001", "Items": [item.clone()], "Amount": "1", "InvoiceMode": "Normal",
                        "Vendor": {"Name": "x", "IBAN": "RO1"}, "Project": {"Enum1907": "Facebook"}}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["Amount"], "12.1000");

    // SmartBill: unknown keys are the documented json_mapping_error.
    let mut body = invoice_body();
    body["client"]["cif"] = json!("RO1");
    let r = t.sb("POST", "/invoice/v2", Some(body)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["param"], "client.cif");
}

// ---- each remaining silent point, both readings ------------------------------------------

#[tokio::test]
async fn offer_list_drafts_and_project_search_extra_filters() {
    let t = T::start().await;
    let offers = t.mc_get("/Api/Offer/List").await;
    assert!(
        !ids(&offers).contains(&"940".to_string()),
        "strict: the draft offer is not listed"
    );
    assert_eq!(t.mc_get("/Api/Offer/940").await["Number"], "", "it exists");
    t.readings(json!({"offerListDrafts": "lenient"})).await;
    let offers = t.mc_get("/Api/Offer/List").await;
    assert_eq!(offers["Results"]["940"]["Number"], "");
    assert_eq!(offers["Count"], 5);

    for q in ["Query=Agro", "Name=Agro", "ContactId=2004"] {
        let r = t.mc("GET", &format!("/Api/R3/Project?{q}"), None).await;
        assert_eq!(r.status, 400, "{q}");
    }
    t.readings(json!({"projectSearchExtraFilters": "lenient"})).await;
    assert_eq!(
        ids(&t.mc_get("/Api/R3/Project?Name=Agro%20Verde").await),
        ["1002", "1004", "1101"]
    );
    assert_eq!(
        ids(&t.mc_get("/Api/R3/Project?ContactId=2005").await),
        ["1003", "1010", "1102"]
    );
    assert_eq!(
        ids(&t.mc_get("/Api/R3/Project?Query=toner").await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&t.mc_get("/Api/R3/Project?Query=consumabile").await),
        ["1004"]
    );
}

#[tokio::test]
async fn project_reference_id_write_and_empty_address_list() {
    let t = T::start().await;
    let r = t
        .mc(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"ReferenceId": "EXT-1"})),
        )
        .await;
    assert_eq!(r.status, 400);
    t.readings(json!({"projectReferenceIdWrite": "lenient"})).await;
    let r = t
        .mc(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"ReferenceId": "EXT-1"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        ids(&t.mc_get("/Api/R3/Project?ReferenceId=EXT-1").await),
        ["1001"]
    );

    // A contact without addresses: [] (strict) or {} (lenient).
    assert_eq!(
        t.mc_get("/Api/R3/AddressList/2002").await,
        json!({"Results": [], "Count": 0})
    );
    t.readings(json!({"emptyResults": "lenient"})).await;
    assert_eq!(
        t.mc_get("/Api/R3/AddressList/2002").await,
        json!({"Results": {}, "Count": 0})
    );
    assert_eq!(
        t.mc_get("/Api/R3/Contact?Name=nobody").await,
        json!({"Count": 0, "Results": {}})
    );
    assert_eq!(
        t.mc_get("/Api/Offer/List?StatusGroup=Failed").await,
        json!({"Count": 0, "Results": []}),
        "document lists keep [] (observed)"
    );
}

#[tokio::test]
async fn a_contact_reference_id_names_the_customer_of_a_document() {
    let t = T::start().await;
    let r = t
        .mc(
            "PUT",
            "/Api/R3/Contact/2003",
            Some(json!({"ReferenceId": "CLIENT-7"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(t.mc_get("/Api/R3/Contact/2003").await["ReferenceId"], "CLIENT-7");
    let r = t
        .mc(
            "POST",
            "/Api/Order",
            Some(json!({"ReferenceId": "CLIENT-7", "CurrencyCode": "RON",
                        "Items": [{"Name": "Cablu", "PriceNet": "10", "Quantity": "1", "VAT": "21"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["CustomerId"], "2003");
}

#[tokio::test]
async fn smartbill_points_cif_numeric_strings_estimate_payment_url_lockout() {
    let t = T::start().await;
    let bare = COMPANY_CIF.trim_start_matches("RO");
    let r = t.sb("GET", &format!("/tax?cif={bare}"), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json()["errorText"],
        "Firma la care incercati sa va conectati nu mai este disponibila in Cloud."
    );
    let mut body = invoice_body();
    body["products"][0]["quantity"] = json!("2");
    let r = t.sb("POST", "/invoice/v2", Some(body.clone())).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["errors"][0]["message"],
        "Could not map property: products[0].quantity."
    );
    // An invoice from a proforma with estimate.paymentUrl.
    let mut proforma = invoice_body();
    proforma["seriesName"] = json!(sandbox::seed::PROFORMA_SERIES);
    let p = t.sb("POST", "/estimate/v2", Some(proforma)).await;
    assert_eq!(p.status, 200, "{}", p.text);
    let from = json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "useEstimateDetails": true,
                      "estimate": {"seriesName": sandbox::seed::PROFORMA_SERIES, "number": p.json()["number"], "paymentUrl": ""}});
    let r = t.sb("POST", "/invoice/v2", Some(from.clone())).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["param"], "estimate.paymentUrl");

    t.readings(json!({"cifExactMatch": "lenient", "numericStrings": "lenient", "invoiceEstimatePaymentUrl": "lenient"}))
        .await;
    assert_eq!(t.sb("GET", &format!("/tax?cif={bare}"), None).await.status, 200);
    let mut body2 = body.clone();
    body2["companyVatCode"] = json!(bare);
    let r = t.sb("POST", "/invoice/v2", Some(body2)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let docs = t.control("GET", "/smartbill/documents", None).await;
    let d = docs["documents"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(d["totals"]["total"], "242.00", "{d}");
    let r = t.sb("POST", "/invoice/v2", Some(from)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The lockout status: 403 (strict), 429 (lenient).
    t.control(
        "POST",
        "/smartbill/limit",
        Some(json!({"calls": 1, "windowMs": 60000})),
    )
    .await;
    t.sb("GET", "/series?cif=RO1", None).await;
    assert_eq!(t.sb("GET", "/series?cif=RO1", None).await.status, 403);
    t.readings(json!({"lockoutStatus": "lenient"})).await;
    assert_eq!(t.sb("GET", "/series?cif=RO1", None).await.status, 429);
}

// ---- Url fields and the typeIds shape -----------------------------------------------------

#[tokio::test]
async fn the_type_ids_shape_names_fields_by_type_and_id_with_realistic_values() {
    let t = T::start().await;
    let r = t
        .control("POST", "/reset", Some(json!({"seed": true, "shape": "typeIds"})))
        .await;
    assert_eq!(r["shape"], "typeIds");
    let info = t.control("GET", "/info", None).await;
    assert_eq!(info["minicrm"]["shape"], "typeIds");
    let f = &info["minicrm"]["cards"]["fields"];
    assert_eq!(f["shape"], "typeIds");
    assert_eq!(
        (
            &f["offers"]["invoiceNumber"],
            &f["offers"]["link"],
            &f["offers"]["paymentStatus"],
            &f["offers"]["pdf"],
            &f["offers"]["error"]
        ),
        (
            &json!("Text2201"),
            &json!("Url2202"),
            &json!("Enum2203"),
            &json!("File2204"),
            &json!("Text2205")
        )
    );
    assert_eq!(
        (
            &f["orders"]["invoiceNumber"],
            &f["orders"]["link"],
            &f["orders"]["paymentStatus"],
            &f["orders"]["pdf"],
            &f["orders"]["error"]
        ),
        (
            &json!("Text3301"),
            &json!("Text3302"),
            &json!("Enum3303"),
            &json!("File3304"),
            &json!("Text3305")
        )
    );
    assert_eq!(f["offers"]["types"]["link"], "Url");
    assert_eq!(f["orders"]["types"]["link"], "Text(1024)");

    let offers = t.mc_get("/Api/R3/Schema/Project/21").await;
    assert_eq!(offers["Url2202"], "Url");
    assert_eq!(offers["Text2201"], "Text(255)");
    assert_eq!(offers["Enum2203"]["5103"], "Încasată");
    assert_eq!(offers["File2204"], "File(10MB)");
    assert!(
        offers.get("SmartBillInvoiceNumber").is_none(),
        "no symbolic names"
    );
    let orders = t.mc_get("/Api/R3/Schema/Project/22").await;
    assert_eq!(orders["Text3302"], "Text(1024)");
    assert!(orders.get("Url2202").is_none() && orders.get("NumarFacturaSmartBill").is_none());

    // Invoiced cards carry what the extension wrote.
    let cards = &info["minicrm"]["cards"];
    let offer = t
        .mc_get(&format!(
            "/Api/R3/Project/{}",
            cards["offerInvoiced"]["projectId"]
        ))
        .await;
    assert_eq!(offer["Text2201"], "FCT 0118");
    assert!(offer["Url2202"]
        .as_str()
        .unwrap()
        .starts_with("https://cloud.smartbill.ro/documente/editare/factura/"));
    assert_eq!(offer["Enum2203"], "Încasată");
    assert_eq!(offer["Text2205"], "");
    let pdf_url = offer["File2204"].as_str().unwrap().to_string();
    assert!(pdf_url.contains("/Download/S3/?t=project"), "{pdf_url}");
    let pdf = t.http.get(&pdf_url).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let order = t
        .mc_get(&format!(
            "/Api/R3/Project/{}",
            cards["orderInvoiced"]["projectId"]
        ))
        .await;
    assert_eq!(order["Text3301"], "FCT 0119");
    assert!(order["Text3302"].as_str().unwrap().starts_with("https://"));
    assert_eq!(order["Enum3303"], "Încasată parțial");
    let failed = t
        .mc_get(&format!("/Api/R3/Project/{}", cards["offerFailed"]["projectId"]))
        .await;
    assert_eq!(failed["Text2201"], "");
    assert!(failed["Text2205"]
        .as_str()
        .unwrap()
        .starts_with("Seria nu a fost gasita"));
    // The document block shows the same (enum as id).
    let doc = t
        .mc_get(&format!("/Api/Offer/{}", cards["offerInvoiced"]["documentId"]))
        .await;
    assert_eq!(doc["Project"]["Text2201"], "FCT 0118");
    assert_eq!(doc["Project"]["Enum2203"], "5103");

    // SmartBill holds those invoices, with their collections; the series goes on at 124.
    let q = |n: &str| format!("/invoice/paymentstatus?cif={COMPANY_CIF}&seriesname=FCT&number={n}");
    let paid = t.sb("GET", &q("0118"), None).await.json();
    assert_eq!((&paid["paid"], &paid["unpaidAmount"]), (&json!(true), &json!(0)));
    let partly = t.sb("GET", &q("0119"), None).await.json();
    assert_eq!(
        (&partly["paid"], &partly["paidAmount"]),
        (&json!(false), &json!(2000))
    );
    assert_eq!(partly["invoiceTotalAmount"], 5082);
    let series = t
        .sb("GET", &format!("/series?cif={COMPANY_CIF}&type=f"), None)
        .await
        .json();
    assert_eq!(series["list"][0]["nextNumber"], 124);

    // Url fields: an absolute http(s) URL (strict), any text (lenient).
    let id = cards["offerBucharestRon"]["projectId"].as_u64().unwrap();
    let r = t
        .mc(
            "PUT",
            &format!("/Api/R3/Project/{id}"),
            Some(json!({"Url2202": "FCT 0124"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text,
        "Project (PUT): Invalid value 'FCT 0124' for the Link field."
    );
    let r = t
        .mc(
            "PUT",
            &format!("/Api/R3/Project/{id}"),
            Some(json!({"Url2202": "https://cloud.smartbill.ro/documente/editare/factura/1/"})),
        )
        .await;
    assert_eq!(r.status, 200);
    t.readings(json!({"urlFieldValues": "lenient"})).await;
    let r = t
        .mc(
            "PUT",
            &format!("/Api/R3/Project/{id}"),
            Some(json!({"Url2202": "FCT 0124"})),
        )
        .await;
    assert_eq!(r.status, 200);

    // Back to the default shape: the existing names.
    t.control("POST", "/reset", Some(json!({"shape": "default"})))
        .await;
    let offers = t.mc_get("/Api/R3/Schema/Project/21").await;
    assert_eq!(offers["SmartBillInvoiceLink"], "Text(1024)");
    assert!(offers.get("Url2202").is_none());
    let bad = T::reply(
        t.http
            .post(format!("{}/__control/reset", t.sb.urls.minicrm))
            .json(&json!({"shape": "other"})),
    )
    .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_run_can_start_in_the_type_ids_shape() {
    let t = T::with(sandbox::Config {
        seed: true,
        shape: sandbox::TenantShape::TypeIds,
        ..Default::default()
    })
    .await;
    let info = t.control("GET", "/info", None).await;
    assert_eq!(
        info["minicrm"]["cards"]["fields"]["orders"]["invoiceNumber"],
        "Text3301"
    );
    t.control("POST", "/reset", Some(json!({}))).await;
    assert_eq!(
        t.control("GET", "/info", None).await["minicrm"]["shape"],
        "typeIds"
    );
}

// ---- Hungarian time ----------------------------------------------------------------------

#[tokio::test]
async fn minicrm_times_follow_budapest_summer_time_across_both_switches() {
    let t = T::start().await;
    t.unlimited().await;
    let offer = |n: &str| json!({"CustomerId": "2005", "Items": [{"Name": n, "PriceNet": "1", "Quantity": "1", "VAT": "21"}]});
    let created_at = |t: &T, doc: Value| {
        let id = doc["Id"].as_str().unwrap().to_string();
        let base = t.sb.urls.minicrm.clone();
        let http = t.http.clone();
        async move {
            let d: Value = http
                .get(format!("{base}/__control/minicrm/documents"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let doc = d["documents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["Id"] == id.as_str())
                .cloned()
                .unwrap();
            doc["UpdatedAt"].as_str().unwrap().to_string()
        }
    };
    let mut made = Vec::new();
    for (utc, local) in [
        ("2026-03-29T00:30:00Z", "2026-03-29 01:30"), // CET
        ("2026-03-29T01:30:00Z", "2026-03-29 03:30"), // CEST from 01:00 UTC
        ("2026-10-25T00:30:00Z", "2026-10-25 02:30"), // still CEST
        ("2026-10-25T01:30:00Z", "2026-10-25 02:30"), // CET again: the hour repeats
    ] {
        t.control("POST", "/clock", Some(json!({"set": utc}))).await;
        let r = t.mc("POST", "/Api/Offer", Some(offer(utc))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let doc = r.json();
        let at = created_at(&t, doc.clone()).await;
        assert_eq!(&at[..16], local, "{utc}");
        // The card's own timestamps too.
        let cards = t.control("GET", "/minicrm/projects", None).await;
        let id: u64 = doc["Id"].as_str().unwrap().parse().unwrap();
        let project = cards["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["DocumentId"] == id)
            .cloned()
            .unwrap();
        assert_eq!(&project["UpdatedAt"].as_str().unwrap()[..16], local);
        let detail = t.mc_get(&format!("/Api/R3/Project/{}", project["Id"])).await;
        assert_eq!(&detail["CreatedAt"].as_str().unwrap()[..16], local);
        assert_eq!(&detail["StatusUpdatedAt"].as_str().unwrap()[..16], local);
        made.push(doc["Id"].as_str().unwrap().to_string());
    }
    let since = |q: &str| format!("/Api/Offer/List?UpdatedSince={}", q.replace(' ', "%20"));
    // 03:00 CEST = 01:00 UTC: only the second March offer (and the October ones).
    let list = t.mc_get(&since("2026-03-29 03:00")).await;
    assert!(!ids(&list).contains(&made[0]) && ids(&list).contains(&made[1]));
    // 01:15 CET = 00:15 UTC: both March offers; 01:45 CET = 00:45 UTC: only the second.
    let list = t.mc_get(&since("2026-03-29 01:15")).await;
    assert!(ids(&list).contains(&made[0]) && ids(&list).contains(&made[1]));
    let list = t.mc_get(&since("2026-03-29 01:45")).await;
    assert!(!ids(&list).contains(&made[0]) && ids(&list).contains(&made[1]));
    // In October's repeated hour the first (summer) instant counts: both October offers.
    let list = t.mc_get(&since("2026-10-25 02:30:00")).await;
    assert_eq!(ids(&list).iter().filter(|i| made[2..].contains(i)).count(), 2);
    assert!(!ids(&list).contains(&made[1]));
    // 02:45 in October = 00:45 UTC (summer): only the second October offer.
    let list = t.mc_get(&since("2026-10-25 02:45")).await;
    assert!(!ids(&list).contains(&made[2]) && ids(&list).contains(&made[3]));
    // A day: midnight Hungarian time.
    let list = t.mc_get(&since("2026-10-25")).await;
    assert_eq!(ids(&list).iter().filter(|i| made.contains(i)).count(), 2);
}

// ---- the persistent request log and the checker ------------------------------------------

#[tokio::test]
async fn the_request_log_survives_resets_and_the_checker_flags_undocumented_uses() {
    let dir = std::env::temp_dir().join(format!("sandbox-log-{}-{}", std::process::id(), line!()));
    let file = dir.join("requests").join("run.jsonl");
    let t = T::with(sandbox::Config {
        seed: true,
        request_log: Some(file.clone()),
        ..Default::default()
    })
    .await;
    t.mc_get("/Api/Offer/List?Page=0").await;
    t.mc("GET", "/Api/Offer/List?ProjectId=1001", None).await;
    t.control(
        "POST",
        "/reset",
        Some(json!({"readings": {"unknownQuery": "lenient"}})),
    )
    .await;
    t.mc_get("/Api/Offer/List?ProjectId=1002&Status=x").await;
    t.mc(
        "POST",
        "/Api/Offer/931/Project",
        Some(json!({"SmartBillInvoiceNumber": "FCT 1", "Colour": "red"})),
    )
    .await;
    t.sb("GET", &format!("/tax?cif={COMPANY_CIF}"), None).await;
    t.control("DELETE", "/requests", None).await;
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[1]["query"], json!([["ProjectId", "1001"]]));
    assert_eq!(lines[1]["status"], 400);
    assert_eq!(lines[2]["readings"], "unknownQuery");
    assert_eq!(lines[3]["bodyKeys"], json!(["SmartBillInvoiceNumber", "Colour"]));
    assert_eq!(lines[4]["service"], "smartbill");

    let (report, code) = sandbox::conformance::run(&[dir.join("requests").display().to_string()]);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains("minicrm GET /Api/Offer/List: query parameter 'ProjectId' ×2"),
        "{report}"
    );
    assert!(
        report.contains("minicrm GET /Api/Offer/List: query parameter 'Status' ×1"),
        "{report}"
    );
    assert!(
        report.contains("minicrm POST /Api/Offer/{id}/Project: body key 'Colour' ×1"),
        "{report}"
    );
    assert!(!report.contains("SmartBillInvoiceNumber"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- bulk control routes ------------------------------------------------------------------

#[tokio::test]
async fn invoices_and_documents_in_bulk_without_the_rate_limits() {
    let t = T::start().await;
    let r = t
        .control(
            "POST",
            "/smartbill/invoices",
            Some(json!({"count": 40, "paid": ["full", 50, 0], "prices": [100, 200]})),
        )
        .await;
    let list = r["invoices"].as_array().unwrap();
    assert_eq!(list.len(), 40, "more than 30 in one go: no lockout");
    assert_eq!(list[0]["number"], "0124");
    assert_eq!(list[39]["number"], "0163");
    assert_eq!(
        (&list[0]["total"], &list[0]["paid"]),
        (&json!("121.00"), &json!("121.00"))
    );
    assert_eq!(
        (&list[1]["total"], &list[1]["paid"]),
        (&json!("242.00"), &json!("50.00"))
    );
    assert_eq!(list[2]["paid"], "0.00");
    let q = |n: &str| format!("/invoice/paymentstatus?cif={COMPANY_CIF}&seriesname=FCT&number={n}");
    assert_eq!(t.sb("GET", &q("0124"), None).await.json()["paid"], true);
    assert_eq!(t.sb("GET", &q("0125"), None).await.json()["paidAmount"], 50);
    let r = t.sb("GET", &q("0126"), None).await.json();
    assert_eq!((&r["paid"], &r["paidAmount"]), (&json!(false), &json!(0)));
    let next = t
        .sb("GET", &format!("/series?cif={COMPANY_CIF}&type=f"), None)
        .await
        .json();
    assert_eq!(next["list"][0]["nextNumber"], 164);
    // The limiter never saw them.
    for _ in 0..25 {
        assert_eq!(
            t.sb("GET", &format!("/tax?cif={COMPANY_CIF}"), None).await.status,
            200
        );
    }

    let r = t
        .control(
            "POST",
            "/minicrm/documents",
            Some(json!({"kind": "Order", "count": 70, "fields": {"NumarFacturaSmartBill": "FCT 0001"},
                        "body": {"CustomerId": "2003", "CurrencyCode": "RON",
                                 "Items": [{"Name": "Cablu", "PriceNet": "10", "Quantity": "1", "VAT": "21"}]}})),
        )
        .await;
    let docs = r["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 70, "beyond 60 a minute");
    let card = t
        .mc_get(&format!("/Api/R3/Project/{}", docs[69]["ProjectId"]))
        .await;
    assert_eq!(card["NumarFacturaSmartBill"], "FCT 0001");
    assert_eq!(card["StatusId"], "Ciornă");
    let bad = T::reply(
        t.http
            .post(format!("{}/__control/minicrm/documents", t.sb.urls.minicrm))
            .json(&json!({"kind": "Invoice", "count": 1, "body": {}})),
    )
    .await;
    assert_eq!(bad.status, 400);
}

// ---- faults on writes only ----------------------------------------------------------------

#[tokio::test]
async fn latency_faults_can_target_minicrm_writes_only_and_last() {
    let t = T::start().await;
    t.unlimited().await;
    t.control(
        "POST",
        "/faults",
        Some(json!([
            {"service": "minicrm", "writesOnly": true, "path": "/Api/*/*/Project", "kind": "latency", "ms": 400, "forever": true},
            {"service": "minicrm", "method": "PUT|POST", "path": "/Api/R3/Project/*", "kind": "latency", "ms": 400, "forever": true},
        ])),
    )
    .await;
    let timed = |method: &'static str, path: &'static str, body: Option<Value>| {
        let t = &t;
        async move {
            let start = Instant::now();
            let r = t.mc(method, path, body).await;
            assert_eq!(r.status, 200, "{method} {path}: {}", r.text);
            start.elapsed()
        }
    };
    let slow = Duration::from_millis(380);
    for _ in 0..2 {
        assert!(
            timed(
                "POST",
                "/Api/Offer/931/Project",
                Some(json!({"SmartBillInvoiceNumber": "x"}))
            )
            .await
                >= slow
        );
        assert!(
            timed(
                "POST",
                "/Api/Order/841/Project",
                Some(json!({"NumarFacturaSmartBill": "x"}))
            )
            .await
                >= slow
        );
        assert!(
            timed(
                "PUT",
                "/Api/R3/Project/1001",
                Some(json!({"SmartBillInvoiceNumber": "y"}))
            )
            .await
                >= slow
        );
    }
    // Reads are not delayed: the document, the card, the search.
    assert!(timed("GET", "/Api/Offer/931", None).await < slow);
    assert!(timed("GET", "/Api/R3/Project/1001", None).await < slow);
    assert!(timed("GET", "/Api/R3/Project?CategoryId=21", None).await < slow);
    let faults = t.control("GET", "/faults", None).await;
    assert_eq!(
        faults["faults"].as_array().unwrap().len(),
        2,
        "forever faults stay"
    );
    t.control("DELETE", "/faults", None).await;
    assert!(
        timed(
            "PUT",
            "/Api/R3/Project/1001",
            Some(json!({"SmartBillInvoiceNumber": "z"}))
        )
        .await
            < slow
    );
}

#[tokio::test]
async fn a_write_waiting_across_a_reset_is_not_applied_to_the_new_world() {
    let t = T::start().await;
    t.unlimited().await;
    t.control(
        "POST",
        "/faults",
        Some(json!({"service": "minicrm", "method": "POST", "path": "/Api/Offer/931/Project", "kind": "latency", "ms": 2000})),
    )
    .await;
    let write = t.mc(
        "POST",
        "/Api/Offer/931/Project",
        Some(json!({"SmartBillInvoiceNumber": "from the previous case"})),
    );
    let reset = async {
        // The write is waiting out its latency: then the next test case resets the sandbox.
        loop {
            let inflight = t.control("GET", "/inflight", None).await;
            if inflight["requests"].as_array().is_some_and(|r| !r.is_empty()) {
                break;
            }
            tokio::task::yield_now().await;
        }
        t.control("POST", "/reset", None).await;
        assert_eq!(t.control("GET", "/inflight", None).await["requests"], json!([]));
    };
    let (written, ()) = tokio::join!(write, reset);
    assert_eq!(written.status, 503, "{}", written.text);
    assert!(written.text.contains("reset"), "{}", written.text);
    let projects = t.control("GET", "/minicrm/projects", None).await;
    let carried = projects["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .filter(|p| p["Fields"]["SmartBillInvoiceNumber"] == "from the previous case")
        .count();
    assert_eq!(carried, 0, "the old world's write landed on the new world");
}

#[tokio::test]
async fn a_held_request_waits_for_the_release_and_a_reset_ends_it() {
    let t = T::start().await;
    t.unlimited().await;
    let hold = |times: u32| json!({"service": "minicrm", "method": "GET", "path": "/Api/R3/Project/1001", "kind": "hold", "times": times});
    let held_now = || async {
        let inflight = t.control("GET", "/inflight", None).await;
        inflight["requests"].as_array().map_or(0, |r| r.len())
    };
    t.control("POST", "/faults", Some(hold(1))).await;
    let read = t.mc("GET", "/Api/R3/Project/1001", None);
    let release = async {
        while held_now().await == 0 {
            tokio::task::yield_now().await;
        }
        // Held: other requests go on meanwhile, and the held one is still in flight after them.
        assert_eq!(t.mc("GET", "/Api/R3/Project/1002", None).await.status, 200);
        assert_eq!(held_now().await, 1);
        t.control("POST", "/release", None).await;
    };
    let (answered, ()) = tokio::join!(read, release);
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(held_now().await, 0);

    t.control("POST", "/faults", Some(hold(1))).await;
    let read = t.mc("GET", "/Api/R3/Project/1001", None);
    let reset = async {
        while held_now().await == 0 {
            tokio::task::yield_now().await;
        }
        t.control("POST", "/reset", None).await;
    };
    let (ended, ()) = tokio::join!(read, reset);
    assert_eq!(ended.status, 503, "{}", ended.text);
}
