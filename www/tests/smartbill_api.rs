//! The fake SmartBill Cloud V1 driven over HTTP, in-process: auth and CIF, series and VAT rates,
//! invoices and proformas (v1 and v2), every validation text, numbering and drafts, PDF, payments
//! and payment status, cancel/restore/storno/delete rules, stock discharge, the body mapping
//! quirks (unknown property, wrong type, bad JSON, 415, 405).

use reqwest::header::HeaderMap;
use sandbox::seed::{COMPANY_CIF, SMARTBILL_EMAIL, SMARTBILL_TOKEN, WAREHOUSE_MAIN, WAREHOUSE_SHOP};
use serde_json::{json, Value};

struct Reply {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    fn error_text(&self) -> String {
        self.json()["errorText"].as_str().unwrap_or("<none>").to_string()
    }
}

struct T {
    sb: sandbox::Sandbox,
    c: reqwest::Client,
}

fn q(pairs: &[(&str, &str)]) -> String {
    let enc =
        |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl T {
    /// A seeded sandbox; the rate limit is raised so these tests can make many calls (the limiter
    /// itself is covered in smartbill_ratelimit.rs).
    async fn new() -> T {
        let sb = sandbox::start(sandbox::Config {
            seed: true,
            ..Default::default()
        })
        .await
        .unwrap();
        let t = T {
            sb,
            c: reqwest::Client::new(),
        };
        t.control("POST", "/limit", json!({"calls": 100000})).await;
        t
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.sb.smartbill_api(), path)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> Reply {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.unwrap().to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }

    fn authed(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.c
            .request(m, self.url(path))
            .basic_auth(SMARTBILL_EMAIL, Some(SMARTBILL_TOKEN))
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(self.authed("GET", path).header("Accept", "application/json"))
            .await
    }

    async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            self.authed("POST", path)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Accept", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    async fn put(&self, path: &str) -> Reply {
        self.send(self.authed("PUT", path).header("Accept", "application/json"))
            .await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(self.authed("DELETE", path).header("Accept", "application/json"))
            .await
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let url = format!("{}/__control/smartbill{}", self.sb.urls.smartbill, path);
        let mut rb = self.c.request(m, url);
        if !body.is_null() {
            rb = rb.json(&body);
        }
        let r = rb.send().await.unwrap();
        assert!(r.status().is_success(), "control {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Switches readings (`{"<key>": "lenient"}`) until the next reset.
    async fn readings(&self, body: Value) {
        self.control("POST", "/settings", json!({"readings": body})).await;
    }

    async fn next_number(&self, series: &str) -> u64 {
        let r = self.get(&format!("/series?{}", q(&[("cif", COMPANY_CIF)]))).await;
        r.json()["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == series)
            .unwrap()["nextNumber"]
            .as_u64()
            .unwrap()
    }

    async fn documents(&self) -> Vec<Value> {
        self.control("GET", "/documents", Value::Null).await["documents"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn stock(&self, warehouse: &str, code: &str) -> f64 {
        let r = self
            .get(&format!(
                "/stocks?{}",
                q(&[
                    ("cif", COMPANY_CIF),
                    ("date", "2099-12-31"),
                    ("warehouseName", warehouse),
                    ("productCode", code)
                ])
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["list"][0]["products"][0]["quantity"]
            .as_f64()
            .unwrap_or(0.0)
    }

    async fn today_dmy(&self) -> String {
        let v: Value = self
            .c
            .get(format!("{}/__control/clock", self.sb.urls.smartbill))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let d = chrono::NaiveDate::parse_from_str(v["today"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        d.format("%d/%m/%Y").to_string()
    }

    async fn status_of(&self, series: &str, number: &str) -> Value {
        let r = self
            .get(&format!(
                "/invoice/paymentstatus?{}",
                q(&[("cif", COMPANY_CIF), ("seriesname", series), ("number", number)])
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    fn doc_query(series: &str, number: &str) -> String {
        q(&[("cif", COMPANY_CIF), ("seriesname", series), ("number", number)])
    }
}

fn client() -> Value {
    json!({"name": "Client Test SRL", "vatCode": "RO40571235", "regCom": "J12/345/2020", "address": "Str. Horea 5",
           "city": "Cluj-Napoca", "county": "Cluj", "country": "Romania", "email": "office@client.ro", "isTaxPayer": true})
}

fn line(code: &str, name: &str, qty: f64, price: f64) -> Value {
    json!({"name": name, "code": code, "measuringUnitName": "buc", "currency": "RON", "quantity": qty, "price": price,
           "isTaxIncluded": false, "taxName": "Normala", "taxPercentage": 21})
}

fn invoice(lines: Value) -> Value {
    json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "client": client(), "products": lines})
}

fn estimate(lines: Value) -> Value {
    json!({"companyVatCode": COMPANY_CIF, "seriesName": "PRF", "client": client(), "products": lines})
}

/// `v` with the value at JSON pointer `ptr` replaced (or removed when `new` is None).
fn with(v: &Value, ptr: &str, new: Option<Value>) -> Value {
    let mut v = v.clone();
    let (parent, key) = ptr.rsplit_once('/').unwrap();
    let target = v.pointer_mut(parent).unwrap();
    match (target, new) {
        (Value::Object(o), Some(n)) => {
            o.insert(key.to_string(), n);
        }
        (Value::Object(o), None) => {
            o.remove(key);
        }
        (Value::Array(a), Some(n)) => {
            let i = key.parse::<usize>().unwrap();
            if i == a.len() {
                a.push(n);
            } else {
                a[i] = n;
            }
        }
        (Value::Array(a), None) => {
            a.remove(key.parse::<usize>().unwrap());
        }
        _ => panic!("bad pointer {ptr}"),
    }
    v
}

const SERIES_NOT_FOUND: &str = "Seria nu a fost gasita! Folositi o serie creata in contul de cloud.";

// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn auth_and_company_checks() {
    let t = T::new().await;
    let series = format!("/series?{}", q(&[("cif", COMPANY_CIF)]));
    let expected_401 = json!({"key": "!.oresp@&", "successfully": false,
        "errorText": "Autentificare esuata. Va rugam verificati datele si incercati din nou.", "errorCode": "0",
        "message": "", "operationExecuted": false, "cooldown": 0, "needsConsent": false});

    let r = t.send(t.c.get(t.url(&series))).await;
    assert_eq!(
        (r.status, r.json()),
        (401, expected_401.clone()),
        "no credentials"
    );
    let r = t
        .send(
            t.c.get(t.url(&series))
                .basic_auth(SMARTBILL_EMAIL, Some("0".repeat(32))),
        )
        .await;
    assert_eq!((r.status, r.json()), (401, expected_401.clone()), "wrong token");
    let r = t
        .send(
            t.c.get(t.url(&series))
                .basic_auth("altcineva@firmademo.ro", Some(SMARTBILL_TOKEN)),
        )
        .await;
    assert_eq!((r.status, r.json()), (401, expected_401.clone()), "wrong e-mail");
    let r = t
        .send(
            t.c.get(t.url(&series))
                .basic_auth(SMARTBILL_EMAIL.to_uppercase(), Some(SMARTBILL_TOKEN)),
        )
        .await;
    assert_eq!(r.status, 200, "e-mail compared case-insensitively");
    // Auth comes before routing: an unknown path is 401 without credentials.
    let r = t.send(t.c.get(t.url("/invoice/list"))).await;
    assert_eq!(r.status, 401);

    let mut company_401 = expected_401.clone();
    company_401["errorText"] =
        json!("Firma la care incercati sa va conectati nu mai este disponibila in Cloud.");
    for cif in ["18547290", "RO18547291", "ro18547290"] {
        let r = t.get(&format!("/series?{}", q(&[("cif", cif)]))).await;
        assert_eq!((r.status, r.json()), (401, company_401.clone()), "cif {cif}");
    }
    let r = t.get("/tax").await;
    assert_eq!((r.status, r.json()), (401, company_401.clone()), "missing cif");
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
                "/companyVatCode",
                Some(json!("18547290")),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (401, company_401.clone()),
        "companyVatCode without RO"
    );
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
                "/companyVatCode",
                None,
            ),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_text(),
        "CIF-ul firmei ('companyVatCode') trebuie specificat"
    );
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
                "/companyVatCode",
                Some(Value::Null),
            ),
        )
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["errorText"], "Internal Server Error!");
    assert_eq!(r.json()["documentId"], Value::Null);
    assert_eq!(t.next_number("FCT").await, 124, "nothing issued");
}

#[tokio::test]
async fn series_and_taxes() {
    let t = T::new().await;
    let r = t.get(&format!("/series?{}", q(&[("cif", COMPANY_CIF)]))).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"));
    assert_eq!(
        r.json(),
        json!({"errorText": "", "message": "", "number": "", "series": "", "url": "", "list": [
            {"name": "FCT", "nextNumber": 124, "type": "f"},
            {"name": "FMC", "nextNumber": 7, "type": "f"},
            {"name": "PRF", "nextNumber": 37, "type": "p"},
            {"name": "CH", "nextNumber": 12, "type": "c"}]})
    );
    let r = t
        .get(&format!("/series?{}", q(&[("cif", COMPANY_CIF), ("type", "p")])))
        .await;
    assert_eq!(
        r.json()["list"],
        json!([{"name": "PRF", "nextNumber": 37, "type": "p"}])
    );
    let r = t
        .get(&format!("/series?{}", q(&[("cif", COMPANY_CIF), ("type", "x")])))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_text(),
        "Tipul documentului nu poate fi x! Parametrul type poate lua valorile: 'f' pentru factura, 'p' pentru proforma si 'c' pentru chitanta."
    );
    let r = t.get(&format!("/tax?{}", q(&[("cif", COMPANY_CIF)]))).await;
    assert_eq!(
        r.json(),
        json!({"errorText": "", "message": "", "number": "", "series": "", "url": "", "taxes": [
            {"name": "Normala", "percentage": 21}, {"name": "Redusa", "percentage": 11},
            {"name": "Taxare inversa", "percentage": 0}]})
    );
    t.control("POST", "/settings", json!({"vatPayer": false})).await;
    let r = t.get(&format!("/tax?{}", q(&[("cif", COMPANY_CIF)]))).await;
    assert_eq!(
        (r.status, r.error_text()),
        (400, "Firma este neplatitoare de tva.".to_string())
    );
    let r = t
        .get(&format!("/company/warehouses?{}", q(&[("cif", COMPANY_CIF)])))
        .await;
    assert_eq!(r.json()["warehouses"], json!([WAREHOUSE_MAIN, WAREHOUSE_SHOP]));
    let r = t
        .get(&format!("/company/mu?{}", q(&[("cif", COMPANY_CIF)])))
        .await;
    assert_eq!(
        r.json()["mu"],
        json!(["buc", "ora", "kg", "m", "luna", "set", "pachet"])
    );
}

#[tokio::test]
async fn invoice_v2_happy_path_urls_pdf_and_stored_facts() {
    let t = T::new().await;
    let origin = t.sb.urls.smartbill.clone();
    let body = invoice(json!([line("LAP-001", "Laptop Dell Latitude 5440", 1.0, 100.0)]));
    let r = t.post("/invoice/v2", &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "errorText",
            "message",
            "number",
            "series",
            "url",
            "documentUrl",
            "documentId",
            "documentViewUrl"
        ]
    );
    assert_eq!(
        (
            v["errorText"].as_str(),
            v["number"].as_str(),
            v["series"].as_str()
        ),
        (Some(""), Some("0124"), Some("FCT"))
    );
    let id = v["documentId"].as_u64().expect("documentId is an integer");
    assert_eq!(
        v["documentUrl"],
        format!("{origin}/documente/editare/factura/{id}/")
    );
    let view = v["documentViewUrl"].as_str().unwrap().to_string();
    assert!(
        view.starts_with(&format!("{origin}/documente/extern/pf/factura/")) && view.ends_with("?srvid=2"),
        "{view}"
    );
    assert_eq!(t.next_number("FCT").await, 125);

    // The public view URL serves the PDF without credentials; the edit URL a small page.
    let r = t.send(t.c.get(&view)).await;
    assert_eq!(r.status, 200);
    assert!(r.bytes.starts_with(b"%PDF"));
    let r = t.send(t.c.get(v["documentUrl"].as_str().unwrap())).await;
    assert!(
        r.text().contains("SmartBill Cloud — Factura FCT 0124"),
        "{}",
        r.text()
    );
    // The MiniCRM hook resolves the same URL path, with or without the query.
    {
        let w = t.sb.state.lock();
        let path = view.strip_prefix(&origin).unwrap();
        let (name, pdf) = w.smartbill.public_pdf(path).unwrap();
        assert_eq!(name, "facturaFCT0124.pdf");
        assert!(pdf.starts_with(b"%PDF"));
        assert!(w.smartbill.public_pdf(path.split('?').next().unwrap()).is_some());
        assert!(w
            .smartbill
            .public_pdf("/documente/extern/pf/factura/deadbeef")
            .is_none());
    }

    // Stored facts (control API): totals as strings, raw body, client, lines.
    let docs = t.documents().await;
    assert_eq!(docs.len(), 1);
    let d = &docs[0];
    assert_eq!(d["kind"], "invoice");
    assert_eq!(
        d["totals"],
        json!({"net": "100.00", "vat": "21.00", "total": "121.00"})
    );
    assert_eq!(d["request"], body);
    assert_eq!(d["client"]["name"], "Client Test SRL");
    assert_eq!(d["lines"][0]["code"], "LAP-001");
    assert_eq!(d["currency"], "RON");
    assert_eq!(d["exchangeRate"], "1");
    assert_eq!(d["isDraft"], false);
    assert_eq!(d["unpaidAmount"], "121.00");

    // v1 answers the same superset; numbering continues.
    let r = t.post("/invoice", &body).await;
    assert_eq!(r.json()["number"], "0125");
    assert!(r.json()["documentId"].is_u64());
    // Another series numbers on its own.
    let r = t
        .post("/invoice/v2", &with(&body, "/seriesName", Some(json!("FMC"))))
        .await;
    assert_eq!(
        (r.json()["series"].as_str(), r.json()["number"].as_str()),
        (Some("FMC"), Some("0007"))
    );
}

#[tokio::test]
async fn proformas_v1_and_v2() {
    let t = T::new().await;
    let r = t
        .post(
            "/estimate/v2",
            &estimate(json!([line("MON-024", "Monitor LG 24\"", 2.0, 500.0)])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["series"].as_str(), v["number"].as_str()),
        (Some("PRF"), Some("0037"))
    );
    let id = v["documentId"].as_u64().unwrap();
    assert!(v["documentUrl"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/documente/editare/proforma/{id}/")));
    assert!(v["documentViewUrl"]
        .as_str()
        .unwrap()
        .contains("/documente/extern/pf/proforma/"));
    let r = t
        .post(
            "/estimate",
            &estimate(json!([line("MON-024", "Monitor", 1.0, 500.0)])),
        )
        .await;
    assert_eq!(r.json()["number"], "0038");
    // A proforma carrying warehouses never moves stock.
    let mut l = line("MON-024", "Monitor", 3.0, 500.0);
    l["warehouseName"] = json!(WAREHOUSE_MAIN);
    assert_eq!(t.post("/estimate/v2", &estimate(json!([l]))).await.status, 200);
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 40.0);
    // Invoice-only fields are unknown on a proforma.
    let r = t
        .post(
            "/estimate/v2",
            &with(&estimate(json!([l])), "/useStock", Some(json!(true))),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["errors"][0]["message"],
        "Unrecognized property: useStock."
    );
    // An invoice series is not a proforma series.
    let r = t
        .post(
            "/estimate/v2",
            &with(&estimate(json!([l])), "/seriesName", Some(json!("FCT"))),
        )
        .await;
    assert_eq!(r.error_text(), SERIES_NOT_FOUND);
    let r = t
        .get(&format!("/estimate/pdf?{}", T::doc_query("PRF", "0037")))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-disposition"),
        "attachment; filename=\"facturaPRF0037.pdf\""
    );
}

#[tokio::test]
async fn every_invoice_validation_text() {
    let t = T::new().await;
    let base = invoice(json!([line("LAP-001", "Laptop Dell Latitude 5440", 1.0, 100.0)]));
    let p0 = "/products/0";
    let mixed = invoice(json!([
        line("LAP-001", "Laptop", 1.0, 100.0),
        {"name": "Carte", "code": "CRT-ARH", "measuringUnitName": "buc", "quantity": 1, "price": 100, "taxName": "Redusa", "taxPercentage": 11},
        {"name": "Discount", "isDiscount": true, "numberOfItems": 2, "discountType": 1, "discountValue": -10}
    ]));
    let many: Vec<Value> = (0..401)
        .map(|_| line("CAB-HDMI", "Cablu HDMI 2m", 1.0, 10.0))
        .collect();
    let cases: Vec<(&str, Value, u16, String)> = vec![
        ("series missing", with(&base, "/seriesName", None), 400, SERIES_NOT_FOUND.into()),
        ("series unknown", with(&base, "/seriesName", Some(json!("XYZ"))), 400, SERIES_NOT_FOUND.into()),
        ("proforma series", with(&base, "/seriesName", Some(json!("PRF"))), 400, SERIES_NOT_FOUND.into()),
        ("series case", with(&base, "/seriesName", Some(json!("fct"))), 400, SERIES_NOT_FOUND.into()),
        ("client missing", with(&base, "/client", None), 400, "tara trebuie specificata".into()),
        ("client name", with(&base, "/client/name", Some(json!(""))), 400, "Client invalid!".into()),
        ("client country", with(&base, "/client/country", None), 400, "tara trebuie specificata".into()),
        ("products missing", with(&base, "/products", None), 400,
            "invoiceProducts trebuie specificat si trebuie sa contina cel putin un element".into()),
        ("products empty", with(&base, "/products", Some(json!([]))), 400, "Factura nu contine produse!".into()),
        ("line name", with(&base, &format!("{p0}/name"), Some(json!(" "))), 400,
            "name trebuie specificat pentru fiecare produs".into()),
        ("line unit", with(&base, &format!("{p0}/measuringUnitName"), None), 400,
            "measuringUnitName trebuie specificat pentru fiecare produs".into()),
        ("line quantity", with(&base, &format!("{p0}/quantity"), None), 400,
            "quantity trebuie specificat pentru fiecare produs".into()),
        ("line price", with(&base, &format!("{p0}/price"), None), 400, "price trebuie specificat pentru fiecare produs".into()),
        ("line code", with(&base, &format!("{p0}/code"), None), 400,
            "Produsul Laptop Dell Latitude 5440 nu are codul specificat.".into()),
        ("vat missing", with(&base, &format!("{p0}/taxPercentage"), None), 400,
            "Trebuie sa setezi o cota tva pentru produsul Laptop Dell Latitude 5440.".into()),
        ("vat 19", with(&base, &format!("{p0}/taxPercentage"), Some(json!(19))), 400,
            "Cota tva a produsului Laptop Dell Latitude 5440 nu a fost gasita pe server!".into()),
        ("vat name/percentage mismatch", with(&base, &format!("{p0}/taxName"), Some(json!("Redusa"))), 400,
            "Cota tva a produsului Laptop Dell Latitude 5440 nu a fost gasita pe server!".into()),
        ("currency", with(&base, "/currency", Some(json!("XYZ"))), 400, "Moneda nu a fost gasita pe server!".into()),
        ("line currency", with(&base, &format!("{p0}/currency"), Some(json!("LEI"))), 400, "Moneda nu a fost gasita pe server!".into()),
        ("EUR document, RON prices", with(&base, "/currency", Some(json!("EUR"))), 400,
            "Nu puteti emite documente in EUR cu moneda de referinta a produselor in RON !".into()),
        ("only a discount", with(&base, "/products", Some(json!([{"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountType": 1, "discountValue": -5}]))), 400,
            "Nu poti sa emiti un document care contine doar un discount. Trebuie sa ai si produse / servicii adaugate.".into()),
        ("percentage missing", with(&base, "/products/1", Some(json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1}))), 400,
            "Trebuie sa introduceti valoarea procentului!".into()),
        ("percentage over 100", with(&base, "/products/1", Some(json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountPercentage": 120}))), 400,
            "Trebuie sa introduceti valoarea procentului!".into()),
        ("discount value missing", with(&base, "/products/1", Some(json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountType": 1}))), 400,
            "discountValue trebuie specificat pentru fiecare produs de tip discount".into()),
        ("value discount over two rates", mixed.clone(), 400,
            "La aplicarea unui discount pentru produse cu cote tva diferite, trebuie sa specifici si cota tva a discountului.".into()),
        ("percentage discount over two rates", with(&mixed, "/products/2", Some(json!({"name": "Discount", "isDiscount": true, "numberOfItems": 2, "discountPercentage": 10}))), 400,
            "Discountul procentual poate fi aplicat pe mai multe produse doar daca acestea au aceeasi cota TVA.".into()),
        ("401 lines", with(&base, "/products", Some(Value::Array(many))), 410,
            "Numarul maxim acceptat de 400 intrari pe document a fost depasit.".into()),
        ("payment type", with(&base, "/payment", Some(json!({"value": 10}))), 400, "type trebuie specificat pentru incasare".into()),
        ("payment value", with(&base, "/payment", Some(json!({"type": "Card"}))), 400, "value trebuie specificat pentru incasare".into()),
        ("payment unknown type", with(&base, "/payment", Some(json!({"type": "Bitcoin", "value": 1}))), 400, "Tipul incasarii nu a fost gasit!".into()),
        ("receipt series", with(&base, "/payment", Some(json!({"type": "Chitanta", "value": 1, "paymentSeries": "FCT"}))), 400,
            "Seria incasarii nu a fost gasita pe server.".into()),
        ("e-mail server", with(&base, "/sendEmail", Some(json!(true))), 400, "Server-ul de email nu a fost configurat.".into()),
        ("proforma not found", with(&with(&base, "/useEstimateDetails", Some(json!(true))), "/estimate", Some(json!({"seriesName": "PRF", "number": "0999"}))), 400,
            "Proforma nu a fost gasita!".into()),
    ];
    for (what, body, status, text) in &cases {
        let r = t.post("/invoice/v2", body).await;
        assert_eq!(r.status, *status, "{what}: {}", r.text());
        assert_eq!(&r.error_text(), text, "{what}");
        let v = r.json();
        assert_eq!(
            (
                v["documentId"].as_i64(),
                v["documentUrl"].as_str(),
                v["documentViewUrl"].as_str()
            ),
            (Some(-1), Some(""), Some("")),
            "{what}"
        );
        assert_eq!(
            (v["number"].as_str(), v["series"].as_str(), v["url"].as_str()),
            (Some(""), Some(""), Some("")),
            "{what}"
        );
    }

    // Units must match the account exactly (case-sensitive), and a catalogue product its own unit.
    for (unit, code, name) in [
        ("BUC", "LAP-001", "Laptop Dell Latitude 5440"),
        ("set", "LAP-001", "Laptop Dell Latitude 5440"),
        ("cutie", "NOU-1", "Produs nou"),
    ] {
        let mut l = line(code, name, 1.0, 10.0);
        l["measuringUnitName"] = json!(unit);
        let r = t.post("/invoice/v2", &invoice(json!([l]))).await;
        assert_eq!(r.status, 400);
        assert!(
            r.error_text().starts_with(&format!(
                "Unitatea de masura {unit} a produsului {name} ({code}) nu are factor de conversie setat.<div id=\"moreErrorDetails\""
            )),
            "{}",
            r.error_text()
        );
    }
    // A product outside the catalogue with a unit of the account is fine.
    let mut l = line("NOU-1", "Produs nou", 1.0, 10.0);
    l["measuringUnitName"] = json!("pachet");
    assert_eq!(t.post("/invoice/v2", &invoice(json!([l]))).await.status, 200);
    assert_eq!(
        t.next_number("FCT").await,
        125,
        "no failed call consumed a number"
    );
    assert_eq!(t.documents().await.len(), 1);

    // Proforma-specific texts.
    let e = estimate(json!([line("LAP-001", "Laptop", 1.0, 100.0)]));
    let r = t
        .post("/estimate/v2", &with(&e, "/products", Some(json!([]))))
        .await;
    assert_eq!(
        r.error_text(),
        "estimateProducts trebuie specificat si trebuie sa contina cel putin un element"
    );
    let r = t
        .post("/estimate/v2", &with(&e, "/products/0/taxPercentage", None))
        .await;
    assert_eq!(
        r.error_text(),
        "taxPercentage trebuie specificat pentru fiecare produs"
    );
    let r = t
        .post(
            "/estimate/v2",
            &with(&e, "/products/0/taxPercentage", Some(json!(5))),
        )
        .await;
    assert_eq!(r.error_text(), "Cota tva nu a fost gasita.");
    let r = t
        .post("/estimate/v2", &with(&e, "/currency", Some(json!("USD"))))
        .await;
    assert_eq!(
        r.error_text(),
        "Nu puteti emite documente in USD cu moneda de referinta a produselor RON."
    );
}

#[tokio::test]
async fn maths_discounts_currency_and_quirks_accepted() {
    let t = T::new().await;
    let total = |v: &Value| v["invoiceTotalAmount"].clone();
    // The new spec's worked numbers: 100 + 21 %, value discount −10 → 108.90; +10 → 133.10;
    // out-of-enum discountType → 111.00.
    for (discount, expected) in [
        (
            json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountType": 1, "discountValue": -10}),
            json!(108.9),
        ),
        (
            json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountType": 1, "discountValue": 10}),
            json!(133.1),
        ),
        (
            json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountType": 3, "discountValue": -10}),
            json!(111),
        ),
        (
            json!({"name": "Discount", "isDiscount": true, "numberOfItems": 1, "discountPercentage": 10}),
            json!(108.9),
        ),
        // numberOfItems missing: silently ignored.
        (
            json!({"name": "Discount", "isDiscount": true, "discountType": 1, "discountValue": -10}),
            json!(121),
        ),
    ] {
        let r = t
            .post(
                "/invoice/v2",
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0), discount.clone()])),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let number = r.json()["number"].as_str().unwrap().to_string();
        assert_eq!(total(&t.status_of("FCT", &number).await), expected, "{discount}");
    }
    // VAT included in the price, per-line rounding: 2 × 40 incl. → VAT 13.88.
    let mut l = line("MON-024", "Monitor", 2.0, 40.0);
    l["isTaxIncluded"] = json!(true);
    let r = t.post("/invoice/v2", &invoice(json!([l]))).await;
    let docs = t.documents().await;
    let d = docs.iter().find(|d| d["number"] == r.json()["number"]).unwrap();
    assert_eq!(
        d["totals"],
        json!({"net": "66.12", "vat": "13.88", "total": "80.00"})
    );
    // 0 % without taxName is "Taxare inversa"; booleans as 1/0 and "true"/"false".
    let mut l = line("SRV-INST", "Instalare si configurare", 2.0, 150.0);
    l["measuringUnitName"] = json!("ora");
    l["taxPercentage"] = json!(0);
    l.as_object_mut().unwrap().remove("taxName");
    l["isTaxIncluded"] = json!(0);
    l["isService"] = json!("true");
    let r = t
        .post(
            "/invoice/v2",
            &with(&invoice(json!([l])), "/isDraft", Some(json!("false"))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        total(&t.status_of("FCT", r.json()["number"].as_str().unwrap()).await),
        json!(300)
    );
    // EUR document with EUR prices: default daily rate 4.9750 recorded; precision 4 kept.
    let mut l = line("LAP-001", "Laptop", 1.0, 1000.0);
    l["currency"] = json!("EUR");
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &with(&invoice(json!([l])), "/currency", Some(json!("EUR"))),
                "/precision",
                Some(json!(4)),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let docs = t.documents().await;
    let d = docs.iter().find(|d| d["number"] == r.json()["number"]).unwrap();
    assert_eq!(
        (d["currency"].as_str(), d["exchangeRate"].as_str()),
        (Some("EUR"), Some("4.975"))
    );
    assert_eq!(d["totals"]["total"], "1210.0000");
    // RON document with a EUR-priced product converts at the line's rate.
    let mut l = line("LAP-001", "Laptop", 1.0, 100.0);
    l["currency"] = json!("EUR");
    l["exchangeRate"] = json!(5);
    let r = t.post("/invoice/v2", &invoice(json!([l]))).await;
    assert_eq!(
        total(&t.status_of("FCT", r.json()["number"].as_str().unwrap()).await),
        json!(605)
    );
    // Bucharest client without a sector: SmartBill accepts, the fake records a warning.
    let mut c = client();
    c["county"] = json!("Bucuresti");
    c["city"] = json!("Bucuresti");
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
                "/client",
                Some(c.clone()),
            ),
        )
        .await;
    assert_eq!(r.status, 200);
    let docs = t.documents().await;
    let d = docs.iter().find(|d| d["number"] == r.json()["number"]).unwrap();
    assert_eq!(d["warnings"].as_array().unwrap().len(), 1);
    c["city"] = json!("Sector 3");
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
                "/client",
                Some(c),
            ),
        )
        .await;
    let docs = t.documents().await;
    let d = docs.iter().find(|d| d["number"] == r.json()["number"]).unwrap();
    assert_eq!(d["warnings"], json!([]));
    // Payment link: "Generate URL" fills `url`.
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
                "/paymentUrl",
                Some(json!("Generate URL")),
            ),
        )
        .await;
    let url = r.json()["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/plata/", t.sb.urls.smartbill)),
        "{url}"
    );
    assert_eq!(t.send(t.c.get(&url)).await.status, 200);
    // Non-VAT-payer account: VAT fields ignored, prices final.
    t.control("POST", "/settings", json!({"vatPayer": false})).await;
    let r = t.post("/invoice/v2", &invoice(json!([{"name": "Laptop", "code": "LAP-001", "measuringUnitName": "buc", "quantity": 2, "price": 10}]))).await;
    assert_eq!(
        total(&t.status_of("FCT", r.json()["number"].as_str().unwrap()).await),
        json!(20)
    );
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
                "/usePaymentTax",
                Some(json!(true)),
            ),
        )
        .await;
    assert_eq!(
        r.error_text(),
        "O firma neplatitoare de tva nu poate folosi tva la incasare!"
    );
}

#[tokio::test]
async fn drafts_do_not_consume_numbers() {
    let t = T::new().await;
    let body = with(
        &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
        "/isDraft",
        Some(json!(1)),
    );
    let r = t.post("/invoice/v2", &body).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        (v["number"].as_str(), v["series"].as_str()),
        (Some(""), Some("FCT"))
    );
    assert!(v["documentId"].is_u64());
    assert!(v["documentUrl"]
        .as_str()
        .unwrap()
        .contains("/documente/editare/factura/"));
    assert_eq!(t.next_number("FCT").await, 124);
    let r = t.send(t.c.get(v["documentUrl"].as_str().unwrap())).await;
    assert!(r.text().contains("Factura ciorna FCT"));
    let r = t
        .post("/invoice/v2", &with(&body, "/isDraft", Some(json!(false))))
        .await;
    assert_eq!(r.json()["number"], "0124");
    let docs = t.documents().await;
    assert_eq!(docs[0]["isDraft"], true);
    // Proforma drafts too.
    let r = t
        .post(
            "/estimate/v2",
            &with(
                &estimate(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
                "/isDraft",
                Some(json!(true)),
            ),
        )
        .await;
    assert_eq!(r.json()["number"], "");
    assert_eq!(t.next_number("PRF").await, 37);
}

#[tokio::test]
async fn pdf_download_rules() {
    let t = T::new().await;
    t.post(
        "/invoice/v2",
        &invoice(json!([line("LAP-001", "Laptop Dell Latitude 5440", 1.0, 100.0)])),
    )
    .await;
    let path = format!("/invoice/pdf?{}", T::doc_query("FCT", "0124"));
    let get = |accept: Option<&'static str>| {
        let mut rb = t.authed("GET", &path);
        if let Some(a) = accept {
            rb = rb.header("Accept", a);
        }
        t.send(rb)
    };
    let r = get(Some("application/octet-stream")).await;
    assert_eq!(r.status, 200);
    assert!(r.bytes.starts_with(b"%PDF"));
    assert!(r.text().contains("Factura FCT 0124") && r.text().contains("Laptop Dell Latitude 5440"));
    assert!(r.text().contains("Total de plata: 121.00 RON"));
    assert_eq!(r.header("content-type"), "application/octet-stream");
    assert_eq!(
        r.header("content-disposition"),
        "attachment; filename=\"facturaFCT0124.pdf\""
    );
    assert!(!r.header("x-ratelimit-remaining").is_empty());
    // Content-Type mirrors the Accept sent.
    let r = get(Some("application/json")).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, "application/json".to_string())
    );
    assert!(r.bytes.starts_with(b"%PDF"));
    assert_eq!(get(None).await.header("content-type"), "application/octet-stream");
    assert_eq!(get(Some("*/*")).await.status, 200);
    let r = get(Some("application/pdf")).await;
    assert_eq!(
        (r.status, r.json()),
        (406, json!({"code": "invalid_accept_header"}))
    );
    // The old spelling seriesName: an unknown parameter under the strict reading (§1.3)...
    let camel = format!(
        "/invoice/pdf?{}",
        q(&[("cif", COMPANY_CIF), ("seriesName", "FCT"), ("number", "0124")])
    );
    let r = t.get(&camel).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["param"], "seriesName");
    assert_eq!(r.json()["errors"][0]["code"], "json_mapping_error");
    // ...accepted under the lenient one.
    t.readings(json!({"seriesNameCamelCase": "lenient"})).await;
    let r = t.get(&camel).await;
    assert_eq!(r.status, 200);
    t.readings(json!({"seriesNameCamelCase": "strict"})).await;
    // Unknown invoice or missing parameters: nginx 502 page.
    for query in [
        T::doc_query("FCT", "0999"),
        q(&[("cif", COMPANY_CIF), ("seriesname", "FCT")]),
    ] {
        let r = t
            .send(
                t.authed("GET", &format!("/invoice/pdf?{query}"))
                    .header("Accept", "application/octet-stream"),
            )
            .await;
        assert_eq!(r.status, 502);
        assert!(r.text().contains("<center><h1>502 Bad Gateway</h1></center>") && r.text().contains("nginx"));
    }
    // Proforma PDF errors are JSON 400s.
    for (query, text) in [
        (
            q(&[("cif", COMPANY_CIF), ("seriesname", "PRF")]),
            "Numarul proformei trebuie specificat in url in parametrul 'number'!",
        ),
        (
            q(&[("cif", COMPANY_CIF), ("number", "0001")]),
            "Seria proformei trebuie specificata in url in parametrul 'seriesname'!",
        ),
        (
            T::doc_query("PRF", "99999999"),
            "Proforma cu seria si numarul PRF99999999 nu a fost gasita!",
        ),
    ] {
        let r = t.get(&format!("/estimate/pdf?{query}")).await;
        assert_eq!((r.status, r.error_text()), (400, text.to_string()));
    }
}

#[tokio::test]
async fn payments_and_payment_status() {
    let t = T::new().await;
    t.post(
        "/invoice/v2",
        &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
    )
    .await; // FCT0124, 121
    let s = t.status_of("FCT", "0124").await;
    assert_eq!(
        s,
        json!({"errorText": "", "message": "", "number": "", "series": "", "url": "",
               "invoiceTotalAmount": 121, "paidAmount": 0, "unpaidAmount": 121, "paid": false})
    );
    // Partial payment with an explicit value.
    let pay = json!({"companyVatCode": COMPANY_CIF, "type": "Ordin plata", "isCash": false, "useInvoiceDetails": true,
                     "value": 50.5, "invoicesList": [{"seriesName": "FCT", "number": "0124"}]});
    let r = t.post("/payment", &pay).await;
    assert_eq!(
        r.json(),
        json!({"errorText": "", "message": "", "number": "", "series": "", "url": ""})
    );
    let s = t.status_of("FCT", "0124").await;
    assert_eq!(
        (
            s["paidAmount"].clone(),
            s["unpaidAmount"].clone(),
            s["paid"].clone()
        ),
        (json!(50.5), json!(70.5), json!(false))
    );
    // The rest with a receipt (Chitanta): takes the amount from the invoice, consumes CH 0012.
    let receipt = json!({"companyVatCode": COMPANY_CIF, "type": "Chitanta", "seriesName": "CH", "useInvoiceDetails": true,
                         "invoicesList": {"seriesName": "FCT", "number": "0124"}});
    let r = t.post("/payment", &receipt).await;
    assert_eq!(
        (r.json()["series"].as_str(), r.json()["number"].as_str()),
        (Some("CH"), Some("0012"))
    );
    assert_eq!(t.next_number("CH").await, 13);
    let s = t.status_of("FCT", "0124").await;
    assert_eq!(
        (
            s["paidAmount"].clone(),
            s["unpaidAmount"].clone(),
            s["paid"].clone()
        ),
        (json!(121), json!(0), json!(true))
    );
    let r = t.post("/payment", &pay).await;
    assert_eq!(
        (r.status, r.error_text()),
        (
            400,
            "Factura este incasata sau stornata in totalitate.".to_string()
        )
    );

    // Payment status errors carry paid:false.
    let r = t
        .get(&format!(
            "/invoice/paymentstatus?{}",
            q(&[("cif", COMPANY_CIF), ("seriesname", "FCT")])
        ))
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"errorText": "Numarul facturii trebuie specificat", "message": "", "number": "", "series": "", "url": "", "paid": false})
        )
    );
    let r = t
        .get(&format!("/invoice/paymentstatus?{}", T::doc_query("FCT", "0999")))
        .await;
    assert_eq!(
        (r.status, r.error_text(), r.json()["paid"].clone()),
        (400, "Factura nu a fost gasita".to_string(), json!(false))
    );

    // POST /payment validation texts.
    t.post(
        "/invoice/v2",
        &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
    )
    .await; // FCT0125
    let base = json!({"companyVatCode": COMPANY_CIF, "type": "Card", "value": 10, "client": client(),
                      "invoicesList": [{"seriesName": "FCT", "number": "0125"}]});
    let cases: Vec<(Value, u16, &str)> = vec![
        (with(&base, "/type", None), 400, "Tipul incasarii trebuie specificat."),
        (with(&base, "/type", Some(json!("Ordin  plata"))), 404, "Tipul documentului nu a fost gasit pe server!"),
        (with(&base, "/client", None), 400, "Datele clientului trebuie specificate. Ele se preiau din factura doar in cazul in care usePaymentDetails = true."),
        (with(&base, "/value", None), 400, "Valoarea incasarii trebuie specificata."),
        (with(&base, "/invoicesList/0/number", Some(json!("0999"))), 400, "Factura nu a fost gasita!"),
        (with(&base, "/client/vatCode", Some(json!("RO99999999"))), 400, "Ciful clientului de pe factura FCT0125 difera de ciful clientului incasarii!"),
        (with(&base, "/type", Some(json!("Bon"))), 400, "Nu s-a gasit casa de marcat pentru userul contabilitate@firmademo.ro."),
        (with(&with(&base, "/type", Some(json!("Chitanta"))), "/seriesName", Some(json!("ZZ"))), 400, SERIES_NOT_FOUND),
        (with(&with(&base, "/type", Some(json!("Chitanta"))), "/seriesName", Some(json!("FCT"))), 400, "Seria nu poate fi folosita la chitante."),
        (json!({"companyVatCode": COMPANY_CIF, "type": "Card", "useInvoiceDetails": true}), 400,
            "Pentru emiterea unei incasari cu datele de pe factura trebuie specificate seria si numarul facturii."),
    ];
    for (body, status, text) in cases {
        let r = t.post("/payment", &body).await;
        assert_eq!((r.status, r.error_text()), (status, text.to_string()), "{body}");
    }
    // Client CIF compared without the RO prefix; type case-insensitive ("cec").
    let r = t
        .post(
            "/payment",
            &with(
                &with(&base, "/client/vatCode", Some(json!("40571235"))),
                "/type",
                Some(json!("cec")),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(t.status_of("FCT", "0125").await["paidAmount"], json!(10));
    // A standalone receipt (no invoice) and a draft receipt.
    let standalone = json!({"companyVatCode": COMPANY_CIF, "type": "Chitanta", "seriesName": "CH", "value": 14, "client": client(), "text": "reprezentand avans"});
    assert_eq!(t.post("/payment", &standalone).await.json()["number"], "0013");
    assert_eq!(
        t.post("/payment", &with(&standalone, "/isDraft", Some(json!(true))))
            .await
            .json()["number"],
        ""
    );
    assert_eq!(t.next_number("CH").await, 14);
    // Receipts: only the last of the series can be deleted.
    let r = t
        .delete(&format!("/payment/chitanta?{}", T::doc_query("CH", "0012")))
        .await;
    assert_eq!(
        (r.status, r.error_text()),
        (
            403,
            "Nu poti sterge documentul cu seria si numarul CH 0012, deoarece nu este ultimul din serie!"
                .to_string()
        )
    );
    let r = t
        .delete(&format!("/payment/chitanta?{}", T::doc_query("CH", "0013")))
        .await;
    assert_eq!(
        r.json()["message"],
        "Chitanta cu seria si numarul CH0013 a fost stearsa cu succes."
    );
    assert_eq!(t.next_number("CH").await, 13);
    // A collection recorded in the UI (control API) shows in the status.
    t.control(
        "POST",
        "/payment",
        json!({"series": "FCT", "number": "0125", "amount": 111}),
    )
    .await;
    assert_eq!(t.status_of("FCT", "0125").await["paid"], json!(true));
    // Payment at issue.
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
                "/payment",
                Some(json!({"type": "Card online", "value": 121, "isCash": false})),
            ),
        )
        .await;
    assert_eq!(
        t.status_of("FCT", r.json()["number"].as_str().unwrap()).await["paid"],
        json!(true)
    );
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
                "/payment",
                Some(json!({"type": "Chitanta", "value": 21, "paymentSeries": "CH"})),
            ),
        )
        .await;
    assert_eq!(
        t.status_of("FCT", r.json()["number"].as_str().unwrap()).await["unpaidAmount"],
        json!(100)
    );
    assert_eq!(
        t.next_number("CH").await,
        14,
        "the receipt at issue consumed CH 0013"
    );
}

#[tokio::test]
async fn cancel_restore_delete_and_storno() {
    let t = T::new().await;
    for _ in 0..2 {
        t.post(
            "/invoice/v2",
            &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
        )
        .await;
    } // FCT0124, FCT0125
    let q124 = T::doc_query("FCT", "0124");
    let r = t.delete(&format!("/invoice?{q124}")).await;
    assert_eq!(
        (r.status, r.error_text()),
        (
            403,
            "Nu poti sterge documentul cu seria si numarul FCT 0124, deoarece nu este ultimul din serie!"
                .to_string()
        )
    );
    let r = t
        .delete(&format!("/invoice?{}", T::doc_query("FCT", "0125")))
        .await;
    assert_eq!(
        r.json(),
        json!({"errorText": "", "message": "Factura cu seria si numarul FCT0125 a fost stearsa cu succes.", "number": "", "series": "", "url": ""})
    );
    assert_eq!(t.next_number("FCT").await, 125, "deleting frees the number");
    let r = t
        .post(
            "/invoice/v2",
            &invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)])),
        )
        .await;
    assert_eq!(r.json()["number"], "0125");

    // Cancel / restore, idempotent.
    let msg = |r: &Reply| {
        (
            r.status,
            r.json()["message"].as_str().unwrap_or("").to_string(),
            r.error_text(),
        )
    };
    assert_eq!(
        msg(&t.put(&format!("/invoice/cancel?{q124}")).await),
        (
            200,
            "Factura cu seria si numarul FCT0124 a fost anulata cu succes.".into(),
            String::new()
        )
    );
    assert_eq!(
        msg(&t.put(&format!("/invoice/cancel?{q124}")).await),
        (200, "Factura FCT0124 este deja anulata.".into(), String::new())
    );
    let r = t.post("/payment", &json!({"companyVatCode": COMPANY_CIF, "type": "Card", "useInvoiceDetails": true, "invoicesList": [{"seriesName": "FCT", "number": "0124"}]})).await;
    assert_eq!(r.error_text(), "Factura FCT0124 este anulata, nu o puteti incasa. Restaurati intai factura sau emiteti incasarea independent de factura.");
    let storno = |series: &str, number: &str| json!({"companyVatCode": COMPANY_CIF, "seriesName": series, "number": number});
    let r = t.post("/invoice/reverse", &storno("FCT", "0124")).await;
    assert_eq!(
        (r.status, r.error_text()),
        (400, "Factura FCT0124 este anulata.".to_string())
    );
    assert_eq!(r.json()["documentId"], json!(-1));
    assert_eq!(
        msg(&t.put(&format!("/invoice/restore?{q124}")).await),
        (
            200,
            "Factura cu seria si numarul FCT0124 a fost restaurata cu succes.".into(),
            String::new()
        )
    );
    assert_eq!(
        msg(&t.put(&format!("/invoice/restore?{q124}")).await),
        (
            200,
            "Factura FCT0124 nu necesita restaurare.".into(),
            String::new()
        )
    );
    // Lookup errors.
    for (query, text) in [
        (
            q(&[("cif", COMPANY_CIF), ("seriesname", "FCT")]),
            "Numarul facturii trebuie specificat in url in parametrul 'number'!",
        ),
        (
            q(&[("cif", COMPANY_CIF), ("number", "0124")]),
            "Seria facturii trebuie specificata in url in parametrul 'seriesname'!",
        ),
        (
            T::doc_query("FCT", "99999999"),
            "Factura cu seria si numarul FCT99999999 nu a fost gasita!",
        ),
    ] {
        let r = t.put(&format!("/invoice/cancel?{query}")).await;
        assert_eq!((r.status, r.error_text()), (400, text.to_string()));
    }

    // Storno: the next number on the same series, negative totals, once only.
    let r = t.post("/invoice/reverse", &storno("FCT", "0124")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (
            v["series"].as_str(),
            v["number"].as_str(),
            v["errorText"].as_str()
        ),
        (Some("FCT"), Some("0126"), Some(""))
    );
    assert!(v["documentId"].is_u64());
    assert!(v["documentUrl"]
        .as_str()
        .unwrap()
        .contains("/documente/editare/factura/"));
    assert!(v["documentViewUrl"]
        .as_str()
        .unwrap()
        .contains("/documente/extern/pf/factura/"));
    let docs = t.documents().await;
    let s = docs.iter().find(|d| d["number"] == "0126").unwrap();
    assert_eq!(s["totals"]["total"], "-121.00");
    assert_eq!(s["reverses"]["number"], "0124");
    assert_eq!(
        t.status_of("FCT", "0124").await["paid"],
        json!(true),
        "a storno settles the invoice"
    );
    let r = t.post("/invoice/reverse", &storno("FCT", "0124")).await;
    assert_eq!(r.error_text(), "Factura este deja stornata.");
    let r = t.post("/invoice/reverse", &storno("FCT", "0126")).await;
    assert_eq!(
        r.error_text(),
        "Factura FCT0126 este de tip storno. Nu se poate storna."
    );
    let r = t.post("/invoice/reverse", &storno("FCT", "0999")).await;
    assert_eq!(
        r.error_text(),
        "Factura cu seria si numarul FCT0999 nu a fost gasita!"
    );
    let r = t
        .post(
            "/invoice/reverse",
            &json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT"}),
        )
        .await;
    assert_eq!(
        r.error_text(),
        "Numarul facturii trebuie specificat in parametrul 'number'!"
    );
    let r = t
        .post(
            "/invoice/reverse",
            &json!({"companyVatCode": COMPANY_CIF, "number": "0125"}),
        )
        .await;
    assert_eq!(
        r.error_text(),
        "Seria facturii trebuie specificata in parametrul 'seriesname'!"
    );
    let r = t.post("/invoice/reverse", &json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "number": "0125", "issueDate": "2000-01-01"})).await;
    assert_eq!(
        r.error_text(),
        "Data emiterii facturii storno nu poate fi anterioara datei emiterii facturii stornate."
    );
    let r = t.post("/invoice/reverse", &json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "number": "0125", "issueDate": "28.02.2021"})).await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"status": 400, "type": "invalid_request_error", "instance": "/SBORO/api/invoice/reverse",
            "errors": [{"code": "json_mapping_error", "message": "Could not map property: issueDate.",
                        "docUrl": "https://api.smartbill.ro/#v3-error-invalid_request_error", "param": "issueDate"}]})
        )
    );

    // Proformas: cancel / restore / delete messages.
    t.post(
        "/estimate/v2",
        &estimate(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
    )
    .await; // PRF0037
    let qp = T::doc_query("PRF", "0037");
    assert_eq!(
        msg(&t.put(&format!("/estimate/cancel?{qp}")).await).1,
        "Proforma cu seria si numarul PRF0037 a fost anulata cu succes."
    );
    assert_eq!(
        msg(&t.put(&format!("/estimate/cancel?{qp}")).await).1,
        "Proforma PRF0037 este deja anulata."
    );
    assert_eq!(
        msg(&t.put(&format!("/estimate/restore?{qp}")).await).1,
        "Proforma cu seria si numarul PRF0037 a fost restaurata cu succes."
    );
    assert_eq!(
        msg(&t.put(&format!("/estimate/restore?{qp}")).await).1,
        "Proforma PRF0037 nu necesita restaurare."
    );
    assert_eq!(
        msg(&t.delete(&format!("/estimate?{qp}")).await).1,
        "Proforma cu seria si numarul PRF0037 a fost stearsa cu succes."
    );
    assert_eq!(t.next_number("PRF").await, 37);
    let r = t.put(&format!("/estimate/cancel?{qp}")).await;
    assert_eq!(
        r.error_text(),
        "Proforma cu seria si numarul PRF0037 nu a fost gasita!"
    );
}

#[tokio::test]
async fn invoice_from_proforma_and_proforma_status() {
    let t = T::new().await;
    let mut l = line("MON-024", "Monitor LG 24\"", 2.0, 500.0);
    l["warehouseName"] = json!(WAREHOUSE_SHOP);
    t.post("/estimate/v2", &estimate(json!([l]))).await; // PRF0037
    let tt = &t;
    let status = |_: &T| {
        let path = format!("/estimate/invoices?{}", T::doc_query("PRF", "0037"));
        async move { tt.get(&path).await }
    };
    let r = status(&t).await;
    assert_eq!(
        (r.status, r.json()),
        (
            200,
            json!({"errorText": "Proforma cu seria PRF si numarul 0037 nu a fost facturata.", "message": "", "number": "",
                     "series": "", "url": "", "areInvoicesCreated": false, "invoices": []})
        )
    );
    let body = json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "useEstimateDetails": true,
                      "estimate": {"seriesName": "PRF", "number": "0037", "useStock": true}});
    let r = t.post("/invoice/v2", &body).await;
    assert_eq!(
        (r.status, r.json()["number"].as_str()),
        (200, Some("0124")),
        "{}",
        r.text()
    );
    assert_eq!(
        t.stock(WAREHOUSE_SHOP, "MON-024").await,
        4.0,
        "estimate.useStock discharged the proforma's warehouse"
    );
    let r = status(&t).await;
    assert_eq!(
        (
            r.json()["areInvoicesCreated"].clone(),
            r.json()["invoices"].clone()
        ),
        (json!(true), json!([{"series": "FCT", "number": "0124"}]))
    );
    assert_eq!(
        t.status_of("FCT", "0124").await["invoiceTotalAmount"],
        json!(1210)
    );
    let r = t
        .get(&format!("/estimate/invoices?{}", T::doc_query("PRF", "99999999")))
        .await;
    assert_eq!(
        (r.status, r.error_text()),
        (
            410,
            "Proforma cu seria PRF si numarul 99999999 nu a fost gasita.".to_string()
        )
    );
    let r = t
        .get(&format!(
            "/estimate/invoices?{}",
            q(&[("cif", COMPANY_CIF), ("seriesname", "PRF")])
        ))
        .await;
    assert_eq!(
        (r.status, r.json()["areInvoicesCreated"].clone()),
        (400, json!(false))
    );
}

#[tokio::test]
async fn stock_discharge_shortage_and_movements() {
    let t = T::new().await;
    let stocked = |code: &str, name: &str, qty: f64, wh: &str| {
        let mut l = line(code, name, qty, 100.0);
        l["warehouseName"] = json!(wh);
        l
    };
    let with_stock = |lines: Value| with(&invoice(lines), "/useStock", Some(json!(true)));
    assert_eq!(t.stock(WAREHOUSE_MAIN, "LAP-001").await, 15.0);
    // A discharge; services are excluded; the sent name overwrites the catalogue name.
    let mut service = line("SRV-INST", "Instalare si configurare", 1.0, 150.0);
    service["measuringUnitName"] = json!("ora");
    service["isService"] = json!(true);
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([
                stocked("LAP-001", "Laptop Dell 5440 (promo)", 2.0, WAREHOUSE_MAIN),
                service
            ])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(t.stock(WAREHOUSE_MAIN, "LAP-001").await, 13.0);
    let r = t
        .get(&format!(
            "/stocks?{}",
            q(&[
                ("cif", COMPANY_CIF),
                ("date", "2099-01-01"),
                ("productCode", "LAP-001")
            ])
        ))
        .await;
    assert_eq!(
        r.json()["list"][0]["products"][0]["productName"],
        "Laptop Dell 5440 (promo)"
    );
    assert_eq!(
        r.json()["list"].as_array().unwrap().len(),
        2,
        "the product in both warehouses"
    );
    // useSBProductName keeps the catalogue name on the invoice and in the catalogue; it is
    // documented by the newer spec only (a reading).
    let mut l = stocked("LAP-001", "Alt nume", 1.0, WAREHOUSE_MAIN);
    l["useSBProductName"] = json!(true);
    let r = t.post("/invoice/v2", &with_stock(json!([l.clone()]))).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["param"], "products[0].useSBProductName");
    t.readings(json!({"bodyFieldsOutsideSwagger": "lenient"})).await;
    let r = t.post("/invoice/v2", &with_stock(json!([l]))).await;
    let docs = t.documents().await;
    let d = docs.iter().find(|d| d["number"] == r.json()["number"]).unwrap();
    assert_eq!(d["lines"][0]["name"], "Laptop Dell 5440 (promo)");
    assert_eq!(
        d["discharges"],
        json!([{"warehouse": WAREHOUSE_MAIN, "code": "LAP-001", "name": "Laptop Dell 5440 (promo)", "quantity": "-1"}])
    );
    assert_eq!(t.stock(WAREHOUSE_MAIN, "LAP-001").await, 12.0);

    // Shortage: exact HTML text, nothing committed (the first line's stock and the number stay).
    let next = t.next_number("FCT").await;
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([
                stocked("CAB-HDMI", "Cablu HDMI 2m", 5.0, WAREHOUSE_SHOP),
                stocked("TON-HP", "Toner HP 85A", 3.0, WAREHOUSE_MAIN)
            ])),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_text(),
        format!(
            "Cantitate stoc insuficienta la <b>Factura FCT{next:04}</b> din data <b>{}</b> pentru produsul <b> Toner HP 85A </b> de la pozitia 2",
            t.today_dmy().await
        )
    );
    assert_eq!(t.stock(WAREHOUSE_SHOP, "CAB-HDMI").await, 80.0);
    assert_eq!(t.next_number("FCT").await, next);
    // Two lines of the same product add up.
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([
                stocked("TON-HP", "Toner HP 85A", 1.0, WAREHOUSE_MAIN),
                stocked("TON-HP", "Toner HP 85A", 2.0, WAREHOUSE_MAIN)
            ])),
        )
        .await;
    assert!(r.error_text().ends_with("de la pozitia 2"), "{}", r.error_text());

    // Identity and warehouse errors.
    let cases: Vec<(Value, String)> = vec![
        (json!([line("LAP-001", "Laptop", 1.0, 1.0)]), "Gestiunea predatoare nu este setata pentru produsul Laptop.".into()),
        (json!([stocked("LAP-001", "Laptop", 1.0, "Depozit Iasi")]), "Gestiunea predatoare Depozit Iasi a produsului Laptop nu a fost gasita.".into()),
        (json!([stocked("LAP-001", "Laptop", 1.0, "depozit central")]), "Gestiunea predatoare depozit central a produsului Laptop nu a fost gasita.".into()),
        (json!([with(&stocked("", "Husa laptop 15 inch", 1.0, WAREHOUSE_MAIN), "/code", None)]), "Produsul Husa laptop 15 inch nu are codul specificat.".into()),
        (json!([stocked("XYZ-9", "Produs fara stoc", 1.0, WAREHOUSE_MAIN)]),
            "Nu ai facut nicio achizitie pentru produsul Produs fara stoc.<br/>Incarca mai intai stoc pentru produs sau emite documentul fara descarcare de gestiune.".into()),
        (json!([stocked("TON-HP", "Toner HP 85A", 1.0, WAREHOUSE_SHOP)]),
            "Nu ai facut nicio achizitie pentru produsul Toner HP 85A.<br/>Incarca mai intai stoc pentru produs sau emite documentul fara descarcare de gestiune.".into()),
    ];
    for (lines, text) in cases {
        let r = t.post("/invoice/v2", &with_stock(lines)).await;
        assert_eq!((r.status, r.error_text()), (400, text));
    }
    let r = t
        .post(
            "/invoice/v2",
            &with(
                &with_stock(json!([stocked("LAP-001", "Laptop", 1.0, WAREHOUSE_MAIN)])),
                "/issueDate",
                Some(json!("2019-12-31")),
            ),
        )
        .await;
    assert_eq!(r.error_text(), format!("Nu poti adauga documente cu tranzactii pe stoc la data anterioara datei importului de stoc initial. Pe gestiunea {WAREHOUSE_MAIN} importul de stoc initial s-a facut la data 01/01/2020."));

    // Cancel puts the stock back, restore takes it again, storno reloads it, delete puts it back.
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([stocked(
                "MON-024",
                "Monitor LG 24\"",
                10.0,
                WAREHOUSE_MAIN
            )])),
        )
        .await;
    let n = r.json()["number"].as_str().unwrap().to_string();
    let qn = T::doc_query("FCT", &n);
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 30.0);
    t.put(&format!("/invoice/cancel?{qn}")).await;
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 40.0);
    t.put(&format!("/invoice/restore?{qn}")).await;
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 30.0);
    let r = t
        .post(
            "/invoice/reverse",
            &json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "number": n}),
        )
        .await;
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 40.0);
    let storno_label = format!("FCT{}", r.json()["number"].as_str().unwrap());
    let r = t.put(&format!("/invoice/cancel?{qn}")).await;
    assert_eq!(r.error_text(), format!("Pentru factura FCT{n} exista deja stornari care incarca stocul. Trebuie sa anulati intai facturile storno ({storno_label})."));
    let r = t
        .delete(&format!("/invoice?{}", T::doc_query("FCT", &storno_label[3..])))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        t.stock(WAREHOUSE_MAIN, "MON-024").await,
        30.0,
        "deleting the storno takes the reload back"
    );
    let r = t.delete(&format!("/invoice?{qn}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(t.stock(WAREHOUSE_MAIN, "MON-024").await, 40.0);
    // Restore checks the stock.
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([stocked(
                "SCAUN-ERG",
                "Scaun ergonomic",
                8.0,
                WAREHOUSE_MAIN
            )])),
        )
        .await;
    let qs = T::doc_query("FCT", r.json()["number"].as_str().unwrap());
    t.put(&format!("/invoice/cancel?{qs}")).await;
    t.control(
        "POST",
        "/stock",
        json!({"warehouse": WAREHOUSE_MAIN, "code": "SCAUN-ERG", "quantity": 3}),
    )
    .await;
    let r = t.put(&format!("/invoice/restore?{qs}")).await;
    assert_eq!(
        r.error_text(),
        "Cantitate stoc insuficienta pentru produsul Scaun ergonomic."
    );
    // Stock module off.
    t.control("POST", "/settings", json!({"stockModule": false}))
        .await;
    let r = t
        .post(
            "/invoice/v2",
            &with_stock(json!([stocked("LAP-001", "Laptop", 1.0, WAREHOUSE_MAIN)])),
        )
        .await;
    assert_eq!(r.error_text(), "Modulul stoc nu este activ!");
}

#[tokio::test]
async fn stocks_endpoint_filters_and_errors() {
    let t = T::new().await;
    let tt = &t;
    let get = |pairs: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("cif", COMPANY_CIF)];
        all.extend(pairs);
        let path = format!("/stocks?{}", q(&all));
        async move { tt.get(&path).await }
    };
    let r = get(vec![("date", "2099-01-01")]).await;
    assert_eq!(r.status, 200);
    let list = r.json()["list"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0]["warehouse"],
        json!({"warehouseName": WAREHOUSE_MAIN, "warehouseType": "en gros"})
    );
    assert_eq!(
        list[1]["warehouse"],
        json!({"warehouseName": WAREHOUSE_SHOP, "warehouseType": "en detail"})
    );
    let main: Vec<Value> = list[0]["products"].as_array().unwrap().clone();
    assert_eq!(main.len(), 7, "services carry no stock");
    assert_eq!(
        main[0],
        json!({"productName": "Laptop Dell Latitude 5440", "productCode": "LAP-001", "measuringUnit": "buc", "quantity": 15})
    );
    let husa = main
        .iter()
        .find(|p| p["productName"] == "Husa laptop 15 inch")
        .unwrap();
    assert_eq!(husa["productCode"], "");
    let r = get(vec![("date", "2099-01-01"), ("warehouseName", WAREHOUSE_SHOP)]).await;
    assert_eq!(r.json()["list"].as_array().unwrap().len(), 1);
    assert!(
        !r.json()["list"][0]["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["productCode"] == "TON-HP"),
        "no stock ever in the shop"
    );
    let r = get(vec![("date", "2099-01-01"), ("productName", "cablu hdmi 2m")]).await;
    let qty: Vec<i64> = r.json()["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["products"][0]["quantity"].as_i64().unwrap())
        .collect();
    assert_eq!(qty, [500, 80]);
    let r = get(vec![
        ("date", "2099-01-01"),
        ("warehouseName", WAREHOUSE_MAIN),
        ("productCode", "CRT-ARH"),
    ])
    .await;
    assert_eq!(
        r.json()["list"][0]["products"],
        json!([{"productName": "Carte Arhitectura software", "productCode": "CRT-ARH", "measuringUnit": "buc", "quantity": 25}])
    );
    let r = get(vec![("date", "2019-12-31")]).await;
    assert_eq!(r.json()["list"], json!([]), "before the initial import");
    for (pairs, text) in [
        (
            vec![],
            "Data la care vreti sa aflati valoarea stocului trebuie specificata!",
        ),
        (
            vec![("date", "31.12.2026")],
            "Data trebuie sa fie de forma yyyy-MM-dd.",
        ),
        (
            vec![("date", "2099-01-01"), ("warehouseName", "DepozitInexistent")],
            "Gestiunea DepozitInexistent nu a fost gasita pe server.",
        ),
    ] {
        let r = get(pairs).await;
        assert_eq!((r.status, r.error_text()), (400, text.to_string()));
    }
    // Without product codes the key is left out.
    t.control("POST", "/settings", json!({"useProductCodes": false}))
        .await;
    let r = get(vec![("date", "2099-01-01"), ("warehouseName", WAREHOUSE_MAIN)]).await;
    assert!(r.json()["list"][0]["products"][0].get("productCode").is_none());
    // ... and stock is matched by name, case-insensitively.
    let mut l = line("", "husa LAPTOP 15 inch", 2.0, 50.0);
    l["warehouseName"] = json!(WAREHOUSE_MAIN);
    let r = t
        .post(
            "/invoice/v2",
            &with(&invoice(json!([l])), "/useStock", Some(json!(true))),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        t.stock(WAREHOUSE_MAIN, "Husa laptop 15 inch").await,
        0.0,
        "productCode filter on a name finds nothing"
    );
    let w = t.sb.state.lock();
    assert_eq!(
        w.smartbill
            .stock(WAREHOUSE_MAIN, "husa LAPTOP 15 inch")
            .map(|d| d.to_string()),
        Some("10".into())
    );
}

#[tokio::test]
async fn body_mapping_quirks_and_http_errors() {
    let t = T::new().await;
    let base = invoice(json!([line("LAP-001", "Laptop", 1.0, 100.0)]));
    let mapping = |message: &str, param: &str| {
        json!({"status": 400, "type": "invalid_request_error", "instance": "/SBORO/api/invoice/v2",
               "errors": [{"code": "json_mapping_error", "message": message,
                           "docUrl": "https://api.smartbill.ro/#v3-error-invalid_request_error", "param": param}]})
    };
    for (body, message, param) in [
        (
            with(&base, "/zzz", Some(json!(1))),
            "Unrecognized property: zzz.",
            "zzz",
        ),
        (
            with(&base, "/SeriesName", Some(json!("FCT"))),
            "Unrecognized property: SeriesName.",
            "SeriesName",
        ),
        (
            with(&base, "/client/cif", Some(json!("RO1"))),
            "Unrecognized property: cif.",
            "client.cif",
        ),
        (
            with(&base, "/products/0/Price", Some(json!(1))),
            "Unrecognized property: Price.",
            "products[0].Price",
        ),
        (
            with(
                &base,
                "/estimate",
                Some(json!({"seriesName": "PRF", "number": "0001", "paymentUrl": ""})),
            ),
            "Unrecognized property: paymentUrl.",
            "estimate.paymentUrl",
        ),
        (
            with(
                &base,
                "/payment",
                Some(json!({"type": "Card", "value": 1, "currency": "RON"})),
            ),
            "Unrecognized property: currency.",
            "payment.currency",
        ),
        (
            with(&base, "/email", Some(json!({"cc": "a@b.ro", "subject": "x"}))),
            "Unrecognized property: subject.",
            "email.subject",
        ),
        // Documented by the reference (§2.1), not by the Swagger: the strict reading refuses it.
        (
            with(&base, "/email", Some(json!({"to": "a@b.ro"}))),
            "Unrecognized property: to.",
            "email.to",
        ),
        (
            with(&base, "/products/0/quantity", Some(json!("2"))),
            "Could not map property: products[0].quantity.",
            "products[0].quantity",
        ),
        (
            with(&base, "/products/0/taxPercentage", Some(json!("21%"))),
            "Could not map property: products[0].taxPercentage.",
            "products[0].taxPercentage",
        ),
        (
            with(&base, "/issueDate", Some(json!("28/08/2026"))),
            "Could not map property: issueDate.",
            "issueDate",
        ),
        (
            with(&base, "/isDraft", Some(json!("da"))),
            "Could not map property: isDraft.",
            "isDraft",
        ),
        (
            with(&base, "/precision", Some(json!(2.5))),
            "Could not map property: precision.",
            "precision",
        ),
        (
            with(&base, "/client", Some(json!("Client SRL"))),
            "Could not map property: client.",
            "client",
        ),
    ] {
        let r = t.post("/invoice/v2", &body).await;
        assert_eq!((r.status, r.json()), (400, mapping(message, param)), "{message}");
    }
    let r = t
        .send(
            t.authed("POST", "/invoice/v2")
                .header("Content-Type", "application/json")
                .body("{\"companyVatCode\": \"RO1\","),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"status": 400, "type": "invalid_request_error", "instance": "/SBORO/api/invoice/v2",
            "errors": [{"code": "json_parse_error", "message": "Error parsing JSON request input.",
                        "docUrl": "https://api.smartbill.ro/#v3-error-invalid_request_error"}]})
        )
    );
    for ct in [Some("text/plain"), Some("application/xml"), None] {
        let mut rb = t.authed("POST", "/invoice/v2").body(base.to_string());
        if let Some(ct) = ct {
            rb = rb.header("Content-Type", ct);
        }
        let r = t.send(rb).await;
        assert_eq!(r.status, 415, "{ct:?}");
        assert_eq!(r.json()["errors"][0]["code"], "invalid_content_type");
    }
    let r = t
        .send(
            t.authed("POST", "/invoice/v2")
                .header("Content-Type", "Application/JSON;charset=UTF-8")
                .body(base.to_string()),
        )
        .await;
    assert_eq!(r.status, 200, "charset allowed");
    let r = t.get("/invoice").await;
    assert_eq!((r.status, r.header("allow")), (405, "POST, DELETE".to_string()));
    assert_eq!(r.json()["errors"][0]["code"], "method_not_allowed");
    let r = t.post("/invoice/pdf", &json!({})).await;
    assert_eq!((r.status, r.header("allow")), (405, "GET".to_string()));
    let r = t.get("/invoice/list").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        t.next_number("FCT").await,
        125,
        "only the charset call issued an invoice"
    );
    // Every answer carries the rate-limit headers.
    assert_eq!(r.header("x-ratelimit-limit"), "100000");
}

#[tokio::test]
async fn e_mail_and_document_send_with_a_mail_server() {
    let t = T::new().await;
    t.control("POST", "/settings", json!({"mailServer": true})).await;
    let mut c = client();
    c.as_object_mut().unwrap().remove("email");
    let body = with(
        &with(
            &invoice(json!([line("LAP-001", "Laptop", 1.0, 1.0)])),
            "/sendEmail",
            Some(json!(true)),
        ),
        "/client",
        Some(c),
    );
    let r = t.post("/invoice/v2", &body).await;
    assert_eq!(
        r.error_text(),
        "Trebuie specificata adresa de email a clientului."
    );
    let with_to = with(&body, "/email", Some(json!({"to": "a@b.ro", "cc": "c@d.ro"})));
    assert_eq!(
        t.post("/invoice/v2", &with_to).await.status,
        400,
        "email.to is outside the Swagger"
    );
    t.readings(json!({"bodyFieldsOutsideSwagger": "lenient"})).await;
    let r = t.post("/invoice/v2", &with_to).await;
    assert_eq!(r.status, 200);
    assert_eq!(t.documents().await[0]["email"]["to"], "a@b.ro");
    let send = json!({"companyVatCode": COMPANY_CIF, "seriesName": "FCT", "number": "0124", "type": "factura", "to": "x@y.ro"});
    let r = t.post("/document/send", &send).await;
    assert_eq!(
        r.json(),
        json!({"status": {"code": 0, "message": "Documentul a fost trimis cu succes."}})
    );
    let r = t
        .post("/document/send", &with(&send, "/type", Some(json!("invoice"))))
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"status": {"code": 1, "message": "Valoarea campului 'type' nu este suportata (invoice). Valorile acceptate sunt: factura, proforma."}})
        )
    );
    let r = t
        .post(
            "/document/send",
            &with(&send, "/subject", Some(json!("not base64!"))),
        )
        .await;
    assert_eq!(
        r.json()["status"]["message"],
        "Subiectul emailului trebuie sa fie codat folosind Base64."
    );
    t.control("POST", "/settings", json!({"mailServer": false})).await;
    let r = t.post("/document/send", &send).await;
    assert_eq!(
        r.json()["status"]["message"],
        "Server-ul de email nu a fost configurat."
    );
}
