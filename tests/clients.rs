//! The core's SmartBill and MiniCRM clients against the in-process sandbox.

use minicrm_smartbill::error::{Error, MiniCrmKind, SmartBillKind};
use minicrm_smartbill::minicrm::{self, DocumentKind, ListFilter, MiniCrm};
use minicrm_smartbill::platform::native::{MemoryStore, NativeTransport, TestClock};
use minicrm_smartbill::smartbill::{self, SeriesType, SmartBill};
use serde_json::{json, Value};

struct Env {
    sandbox: sandbox::Sandbox,
    info: Value,
    transport: NativeTransport,
    clock: TestClock,
}

async fn env() -> Env {
    let sandbox = sandbox::start(sandbox::Config {
        seed: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let info = {
        let w = sandbox.state.lock();
        sandbox::seed::info(&w.urls)
    };
    Env {
        sandbox,
        info,
        transport: NativeTransport::new(),
        clock: TestClock::system(),
    }
}

impl Env {
    fn sb_creds(&self) -> smartbill::Credentials {
        smartbill::Credentials {
            api_base: self.sandbox.smartbill_api(),
            email: self.info["smartbill"]["email"].as_str().unwrap().into(),
            token: self.info["smartbill"]["token"].as_str().unwrap().into(),
            cif: self.info["smartbill"]["cif"].as_str().unwrap().into(),
        }
    }

    fn smartbill(&self) -> SmartBill<'_> {
        SmartBill::new(&self.transport, &self.clock, self.sb_creds())
    }

    fn mc_creds(&self) -> minicrm::Credentials {
        minicrm::Credentials {
            base: self.sandbox.minicrm_base(),
            system_id: self.info["minicrm"]["systemId"].as_str().unwrap().into(),
            api_key: self.info["minicrm"]["apiKey"].as_str().unwrap().into(),
        }
    }

    fn minicrm(&self) -> MiniCrm<'_> {
        MiniCrm::new(&self.transport, self.mc_creds())
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        reqwest::Client::new()
            .post(format!("{}/__control{path}", self.sandbox.urls.minicrm))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn card(&self, name: &str) -> &Value {
        &self.info["minicrm"]["cards"][name]
    }
}

#[tokio::test]
async fn smartbill_series_and_vat_rates() {
    let e = env().await;
    let sb = e.smartbill();
    let series = sb.series(None).await.unwrap();
    let fct = series.iter().find(|s| s.name == "FCT").unwrap();
    assert_eq!((fct.kind, fct.next_number), (SeriesType::Invoice, 124));
    assert!(series.iter().any(|s| s.kind == SeriesType::Proforma));
    let only_proformas = sb.series(Some(SeriesType::Proforma)).await.unwrap();
    assert!(only_proformas.iter().all(|s| s.kind == SeriesType::Proforma));
    let taxes = sb.taxes().await.unwrap();
    let rates: Vec<(String, String)> = taxes
        .iter()
        .map(|t| (t.name.clone(), t.percentage.to_string()))
        .collect();
    assert!(rates.contains(&("Normala".into(), "21".into())));
    assert!(rates.contains(&("Redusa".into(), "11".into())));
    assert!(rates.contains(&("Taxare inversa".into(), "0".into())));
    assert!(sb.last_rate().is_some_and(|r| r.limit == 30 && r.remaining < 30));
}

#[tokio::test]
async fn smartbill_wrong_token_keeps_smartbills_words() {
    let e = env().await;
    let mut creds = e.sb_creds();
    creds.token = "00000000000000000000000000000000".into();
    let err = SmartBill::new(&e.transport, &e.clock, creds)
        .series(None)
        .await
        .unwrap_err();
    match &err {
        Error::SmartBill {
            status: 401,
            kind: SmartBillKind::Auth,
            text,
        } => {
            assert_eq!(
                text,
                "Autentificare esuata. Va rugam verificati datele si incercati din nou."
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "smartbill.auth");
}

#[tokio::test]
async fn smartbill_unknown_company() {
    let e = env().await;
    let mut creds = e.sb_creds();
    creds.cif = "RO31826470".into();
    let err = SmartBill::new(&e.transport, &e.clock, creds)
        .taxes()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SmartBill {
                kind: SmartBillKind::Company,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .vendor_text()
        .unwrap()
        .contains("nu mai este disponibila in Cloud"));
}

#[tokio::test]
async fn smartbill_issue_pdf_status_cancel_and_reverse() {
    let e = env().await;
    let sb = e.smartbill();
    let request = smartbill::DocumentRequest {
        company_vat_code: "RO18547290".into(),
        client: smartbill::Client {
            name: "Agro Verde SRL".into(),
            vat_code: Some("RO40571235".into()),
            is_tax_payer: true,
            country: "Romania".into(),
            city: Some("Cluj-Napoca".into()),
            county: Some("Cluj".into()),
            address: Some("Str. Memorandumului 28".into()),
            ..Default::default()
        },
        is_draft: false,
        issue_date: minicrm_smartbill::platform::today_ro(&e.clock),
        series_name: "FCT".into(),
        due_date: None,
        currency: "RON".into(),
        exchange_rate: None,
        language: None,
        precision: None,
        mentions: Some("Test".into()),
        observations: None,
        use_stock: Some(false),
        products: vec![smartbill::Line {
            name: "Cablu HDMI 2m".into(),
            code: Some("CAB-HDMI".into()),
            measuring_unit_name: "buc".into(),
            currency: "RON".into(),
            quantity: Some(2.into()),
            price: Some(rust_decimal::Decimal::new(3550, 2)),
            tax_name: Some("Normala".into()),
            tax_percentage: Some(21.into()),
            ..Default::default()
        }],
    };
    let created = sb.create_invoice(&request).await.unwrap();
    assert_eq!(
        (created.series.as_str(), created.number.as_str()),
        ("FCT", "0124")
    );
    assert!(created.document_view_url.starts_with(&e.sandbox.urls.smartbill));
    assert!(!created.document_id.is_empty());

    let pdf = sb.pdf(false, "FCT", "0124").await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));

    let status = sb.payment_status("FCT", "0124").await.unwrap();
    // 2 × 35.50 = 71.00 + 21 % = 85.91
    assert_eq!(status.invoice_total_amount.to_string(), "85.91");
    assert!(!status.paid);

    let message = sb.cancel_invoice("FCT", "0124").await.unwrap();
    assert!(message.contains("anulata"), "{message}");
    let again = sb.cancel_invoice("FCT", "0124").await.unwrap();
    assert!(again.contains("deja anulata"), "{again}");
    sb.restore_invoice("FCT", "0124").await.unwrap();
    let storno = sb.reverse_invoice("FCT", "0124", None).await.unwrap();
    assert_eq!(storno.number, "0125");
    let twice = sb.reverse_invoice("FCT", "0124", None).await.unwrap_err();
    assert!(
        matches!(
            twice,
            Error::SmartBill {
                kind: SmartBillKind::Rejected,
                ..
            }
        ),
        "{twice:?}"
    );

    let missing = sb.pdf(false, "FCT", "9999").await.unwrap_err();
    assert!(
        matches!(
            missing,
            Error::SmartBill {
                kind: SmartBillKind::NotFound,
                ..
            }
        ),
        "{missing:?}"
    );
}

#[tokio::test]
async fn smartbill_rejection_keeps_the_error_text() {
    let e = env().await;
    let sb = e.smartbill();
    let mut request = smartbill::DocumentRequest {
        company_vat_code: "RO18547290".into(),
        client: smartbill::Client {
            name: "X".into(),
            country: "Romania".into(),
            ..Default::default()
        },
        is_draft: false,
        issue_date: minicrm_smartbill::platform::today_ro(&e.clock),
        series_name: "NUEXISTA".into(),
        due_date: None,
        currency: "RON".into(),
        exchange_rate: None,
        language: None,
        precision: None,
        mentions: None,
        observations: None,
        use_stock: None,
        products: vec![smartbill::Line {
            name: "P".into(),
            code: Some("CAB-HDMI".into()),
            measuring_unit_name: "buc".into(),
            currency: "RON".into(),
            quantity: Some(1.into()),
            price: Some(1.into()),
            tax_name: Some("Normala".into()),
            tax_percentage: Some(21.into()),
            ..Default::default()
        }],
    };
    let err = sb.create_invoice(&request).await.unwrap_err();
    assert_eq!(
        err.vendor_text(),
        Some("Seria nu a fost gasita! Folositi o serie creata in contul de cloud.")
    );
    assert!(!err.is_ambiguous());
    request.series_name = "FCT".into();
    request.use_stock = Some(true);
    request.products[0].code = Some("TON-HP".into());
    request.products[0].name = "Toner HP 85A".into();
    request.products[0].quantity = Some(5.into());
    request.products[0].warehouse_name = Some("Depozit Central".into());
    let err = sb.create_invoice(&request).await.unwrap_err();
    let text = err.vendor_text().unwrap();
    assert!(
        text.starts_with("Cantitate stoc insuficienta la Factura"),
        "{text}"
    );
    assert!(!text.contains('<'), "HTML is stripped: {text}");
}

#[tokio::test]
async fn smartbill_lockout_is_recognised() {
    let e = env().await;
    e.control(
        "/smartbill/limit",
        json!({"calls": 2, "windowMs": 60000, "blockMs": 600000}),
    )
    .await;
    let sb = e.smartbill();
    sb.taxes().await.unwrap();
    sb.taxes().await.unwrap();
    let err = sb.taxes().await.unwrap_err();
    match err {
        Error::SmartBill {
            status: 403,
            kind: SmartBillKind::RateLimited { until_ms },
            ref text,
        } => {
            assert!(text.contains("limita maxima"), "{text}");
            assert!(until_ms > e.clock_now());
        }
        other => panic!("{other:?}"),
    }
}

impl Env {
    fn clock_now(&self) -> i64 {
        use minicrm_smartbill::platform::Clock;
        self.clock.now_ms()
    }
}

#[tokio::test]
async fn smartbill_down_is_ambiguous_or_unreachable() {
    let e = env().await;
    e.control("/faults", json!({"service": "smartbill", "path": "/SBORO/api/tax", "kind": "status", "status": 503, "body": "<html>Service Unavailable</html>"})).await;
    let err = e.smartbill().taxes().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::SmartBill {
                status: 503,
                kind: SmartBillKind::Server,
                ..
            }
        ),
        "{err:?}"
    );
    e.control(
        "/faults",
        json!({"service": "smartbill", "path": "/SBORO/api/tax", "kind": "drop_after_commit"}),
    )
    .await;
    let err = e.smartbill().taxes().await.unwrap_err();
    assert!(matches!(err, Error::NoAnswer { .. }), "{err:?}");
    assert!(err.is_ambiguous());
    let mut creds = e.sb_creds();
    creds.api_base = "http://127.0.0.1:9/SBORO/api".into();
    let err = SmartBill::new(&e.transport, &e.clock, creds)
        .taxes()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
}

#[tokio::test]
async fn smartbill_stocks() {
    let e = env().await;
    let today = minicrm_smartbill::platform::today_ro(&e.clock);
    let stocks = e
        .smartbill()
        .stocks(today, Some("Depozit Central"), None)
        .await
        .unwrap();
    assert_eq!(stocks.len(), 1);
    let toner = stocks[0]
        .products
        .iter()
        .find(|p| p.product_code == "TON-HP")
        .unwrap();
    assert_eq!(toner.quantity.unwrap().to_string(), "2");
    assert!(
        stocks[0].products.iter().any(|p| p.product_code.is_empty()),
        "a product without code is listed"
    );
}

#[tokio::test]
async fn minicrm_modules_schema_and_documents() {
    let e = env().await;
    let mc = e.minicrm();
    let modules = mc.categories().await.unwrap();
    assert!(modules
        .iter()
        .any(|m| m.id == 21 && m.name == "Oferte" && m.kind.as_deref() == Some("Offer")));
    assert!(modules
        .iter()
        .any(|m| m.id == 22 && m.kind.as_deref() == Some("Order")));

    let schema = mc.project_schema(21).await.unwrap();
    let roles = minicrm_smartbill::fields::suggest(&schema, &Default::default());
    assert!(roles.missing(&schema).is_empty(), "{roles:?}");
    assert!(minicrm_smartbill::fields::statuses(&schema)
        .iter()
        .any(|(_, l)| l == "Acceptată"));

    let card = e.card("offerBucharestRon");
    let doc_id = card["documentId"].as_u64().unwrap();
    let project_id = card["projectId"].as_u64().unwrap();
    // The list has no documented card filter: the card's document is found by its ProjectId.
    let list = mc
        .list_documents(DocumentKind::Offer, &ListFilter::default())
        .await
        .unwrap();
    let mine: Vec<u64> = list
        .results
        .iter()
        .filter(|d| d.project_id == Some(project_id))
        .map(|d| d.id)
        .collect();
    assert_eq!(mine, vec![doc_id]);

    let doc = mc.document(DocumentKind::Offer, doc_id).await.unwrap();
    // The offer GET may or may not show its card (§2.9: not in the example; a sandbox reading).
    assert!(doc.project_id.is_none_or(|p| p == project_id));
    let expected: rust_decimal::Decimal = card["amount"].as_str().unwrap().parse().unwrap();
    assert_eq!(doc.amount.unwrap(), expected);
    assert!(
        doc.items
            .iter()
            .any(|i| i.price_net.is_some_and(|p| p.is_sign_negative())),
        "a discount line"
    );

    let mut fields = minicrm_smartbill::minicrm::CardWrite::new();
    fields.insert("SmartBillInvoiceNumber".into(), "FCT 0124".into());
    fields.insert("SmartBillPaymentStatus".into(), "Neîncasată".into());
    mc.update_document_card(DocumentKind::Offer, doc_id, &fields)
        .await
        .unwrap();
    let after = mc.project(project_id).await.unwrap();
    assert_eq!(
        after.get("SmartBillInvoiceNumber").and_then(|v| v.as_str()),
        Some("FCT 0124")
    );

    let mut bad = minicrm_smartbill::minicrm::CardWrite::new();
    bad.insert("SmartBillPaymentStatus".into(), "Nu există".into());
    let err = mc
        .update_document_card(DocumentKind::Offer, doc_id, &bad)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MiniCrm {
                status: 400,
                kind: MiniCrmKind::Rejected,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.vendor_text().unwrap().contains("Invalid value"));
}

#[tokio::test]
async fn minicrm_empty_list_and_auth_errors() {
    let e = env().await;
    let mc = e.minicrm();
    let none = mc
        .list_documents(
            DocumentKind::Order,
            &ListFilter {
                updated_since: Some("2099-01-01 00:00:00".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((none.count, none.results.len()), (0, 0));
    let mut creds = e.mc_creds();
    creds.api_key = "wrong-key-123".into();
    let err = MiniCrm::new(&e.transport, creds).categories().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MiniCrm {
                kind: MiniCrmKind::Auth,
                ..
            }
        ),
        "{err:?}"
    );
    e.control("/minicrm/settings", json!({"apiAddon": false})).await;
    let err = mc.categories().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MiniCrm {
                kind: MiniCrmKind::Auth,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn minicrm_governed_client_waits_out_a_429() {
    use minicrm_smartbill::jobs::{Gate, Governor, Priority};
    let e = env().await;
    // The sandbox allows 3 requests a minute; our governor believes 58 (as if another device
    // spent the budget): the 429 must pause MiniCRM work and the call succeed after the backoff.
    e.control("/minicrm/settings", json!({"limitPerMinute": 3})).await;
    e.control("/clock", json!({"speed": 600})).await;
    let store = MemoryStore::new();
    let clock = TestClock::system();
    clock.set_speed(600.0);
    let governor = Governor::new(
        minicrm_smartbill::error::Service::MiniCrm,
        minicrm_smartbill::jobs::governor::MINICRM,
    );
    // The test clock itself runs 600× faster, like the sandbox's: no extra time scale.
    let mc = e.minicrm().governed(Gate {
        governor: &governor,
        store: &store,
        clock: &clock,
        priority: Priority::Background,
        max_wait_ms: 10 * 60_000,
    });
    for _ in 0..6 {
        mc.categories().await.unwrap();
    }
    let log: Value = reqwest::get(format!(
        "{}/__control/requests?service=minicrm",
        e.sandbox.urls.minicrm
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let statuses: Vec<u64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(
        statuses.contains(&429),
        "the sandbox did rate-limit: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 6);
}
