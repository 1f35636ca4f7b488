//! Benchmark: the two background jobs at full speed against the sandbox, with the sandbox's clock
//! and ours sped up alike. Prints the call rate each job achieved as a fraction of the service's
//! limit (SmartBill 30 calls / 10 s, MiniCRM 60 calls / min; aim ≥ 90 %) and fails if the sandbox
//! answered a single 403 or 429.
//!
//! `cargo run --example rates [speed]` (default speed 100 for the stock sync: fast enough, and
//! the HTTP round trips stay small against MiniCRM's minute). The payment refresh runs at a
//! tenth of it: a SmartBill slot counts from the call's **answer** (the governor's guard against
//! a sliding window), and a sped-up clock would stretch each round trip a hundredfold against a
//! 10-second window.

use std::time::Instant;

use minicrm_smartbill::api::{App, Sender};
use minicrm_smartbill::emission::journal::{self, Entry, Issued, Payment, Status};
use minicrm_smartbill::fields::PaymentState;
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::minicrm::DocumentKind;
use minicrm_smartbill::platform::native::{MemoryStore, NativeTransport, TestClock};
use minicrm_smartbill::settings::{self, DocumentType};
use minicrm_smartbill::sync::{self, JobKind, Runner};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const EXT: &str = "abcdefghijklmnopabcdefghijklmnop";
/// Invoices the payment refresh checks.
const INVOICES: u64 = 300;

struct Bench {
    sandbox: sandbox::Sandbox,
    info: Value,
    http: reqwest::Client,
}

impl Bench {
    async fn control(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/__control{path}", self.sandbox.urls.minicrm))
            .json(&body)
            .send()
            .await;
        match r {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => panic!("control {path}: {e}"),
        }
    }

    async fn log(&self) -> Vec<Value> {
        let r = self
            .http
            .get(format!("{}/__control/requests", self.sandbox.urls.minicrm))
            .send()
            .await;
        let v: Value = match r {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => panic!("log: {e}"),
        };
        v["requests"].as_array().cloned().unwrap_or_default()
    }
}

async fn run_jobs(app: &App<'_>) {
    for _ in 0..100_000 {
        let settings = settings::load(app.store).await.unwrap_or_default();
        let runner = Runner {
            app,
            settings,
            lang: Lang::Ro,
            deadline_ms: app.clock.now_ms() + 4 * 60 * 1000,
        };
        let report = match runner.step().await {
            Ok(r) => r,
            Err(e) => panic!("job step: {e:?}"),
        };
        if !report.more {
            return;
        }
        if let Some(until) = report.paused_until_ms {
            app.clock
                .sleep_ms((until - app.clock.now_ms()).max(1) as u64)
                .await;
        }
    }
}

struct Measure {
    calls: usize,
    refused: usize,
    seconds: f64,
}

/// Calls to `service` whose path starts with `prefix`, over the virtual time they spanned.
fn measure(log: &[Value], since_seq: u64, service: &str, prefix: &str) -> Measure {
    let calls: Vec<&Value> = log
        .iter()
        .filter(|r| r["seq"].as_u64().unwrap_or(0) > since_seq && r["service"] == service)
        .filter(|r| r["path"].as_str().unwrap_or("").starts_with(prefix))
        .collect();
    let refused = log
        .iter()
        .filter(|r| r["seq"].as_u64().unwrap_or(0) > since_seq)
        .filter(|r| r["status"] == 403 || r["status"] == 429)
        .inspect(|r| {
            if std::env::var_os("RATES_DEBUG").is_some() {
                eprintln!("refused: {r}");
            }
        })
        .count();
    let first = calls.first().and_then(|r| r["at_ms"].as_i64()).unwrap_or(0);
    let last = calls.last().and_then(|r| r["at_ms"].as_i64()).unwrap_or(0);
    Measure {
        calls: calls.len(),
        refused,
        seconds: (last - first) as f64 / 1000.0,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let speed: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100.0);
    let sandbox = match sandbox::start(sandbox::Config {
        seed: true,
        ..Default::default()
    })
    .await
    {
        Ok(s) => s,
        Err(e) => panic!("sandbox: {e}"),
    };
    let info = {
        let w = sandbox.state.lock();
        sandbox::seed::info(&w.urls)
    };
    let bench = Bench {
        sandbox,
        info,
        http: reqwest::Client::new(),
    };
    // One virtual time on both sides, running `speed` times faster than real time.
    let start_ms = chrono::Utc::now().timestamp_millis();
    let clock = TestClock::at(start_ms);
    bench.control("/clock", json!({"set": chrono::DateTime::from_timestamp_millis(start_ms).map(|d| d.to_rfc3339()), "speed": speed})).await;
    clock.set_speed(speed);

    let transport = NativeTransport::new();
    let store = MemoryStore::new();
    let runtime = Runtime::default();
    let app = App {
        transport: &transport,
        store: &store,
        clock: &clock,
        runtime: &runtime,
        host_permissions: vec!["http://127.0.0.1/*".into()],
    };
    let page = Sender {
        extension_id: EXT.into(),
        sender_id: EXT.into(),
        url: format!("chrome-extension://{EXT}/options.html"),
        lang: "ro".into(),
        ..Sender::default()
    };
    let form = json!({
        "smartbill": {"cif": bench.info["smartbill"]["cif"], "email": bench.info["smartbill"]["email"], "token": bench.info["smartbill"]["token"], "apiBase": bench.info["smartbill"]["apiBase"]},
        "minicrm": {"url": bench.info["minicrm"]["base"], "systemId": bench.info["minicrm"]["systemId"], "apiKey": bench.info["minicrm"]["apiKey"], "module": "offers", "categoryId": 21},
        "document": {"kind": "invoice", "series": "FCT", "dueDays": 15, "draft": false},
        "integration": {"fields": {"invoiceNumber": "SmartBillInvoiceNumber", "paymentStatus": "SmartBillPaymentStatus"}, "triggers": [], "auto": false},
    });
    let saved = app
        .handle(json!({"cmd": "saveSettings", "settings": form}), &page)
        .await;
    assert_eq!(saved["problems"], json!([]), "{saved}");

    // --- 300 payment-status checks -----------------------------------------------------------
    // Setting up: 300 invoices issued in SmartBill (the rate limit lifted while we create them).
    bench
        .control(
            "/smartbill/limit",
            json!({"calls": 1_000_000, "windowMs": 10_000}),
        )
        .await;
    let today = minicrm_smartbill::platform::today_ro(&clock);
    let body = json!({
        "companyVatCode": "RO18547290", "seriesName": "FCT", "issueDate": today.to_string(),
        "client": {"name": "Client SRL", "country": "Romania"},
        "products": [{"name": "Cablu HDMI 2m", "code": "CAB-HDMI", "measuringUnitName": "buc", "currency": "RON", "quantity": 1, "price": 100, "taxName": "Normala", "taxPercentage": 21}],
    });
    for i in 0..INVOICES {
        let r = bench
            .http
            .post(format!("{}/SBORO/api/invoice/v2", bench.sandbox.urls.smartbill))
            .basic_auth(
                bench.info["smartbill"]["email"].as_str().unwrap_or(""),
                bench.info["smartbill"]["token"].as_str(),
            )
            .json(&body)
            .send()
            .await;
        let created: Value = match r {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => panic!("invoice {i}: {e}"),
        };
        let mut entry = Entry::new(DocumentKind::Offer, 100_000 + i, 200_000 + i);
        entry.status = Status::Issued;
        entry.written_back = true;
        entry.issued = Some(Issued {
            doc_type: DocumentType::Invoice,
            series: "FCT".into(),
            number: created["number"].as_str().unwrap_or("").to_string(),
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
        entry.payment = Some(Payment {
            state: PaymentState::Unpaid,
            paid: Decimal::ZERO,
            total: Decimal::new(12100, 2),
            checked_ms: 0,
        });
        let _ = journal::save(&store, &entry).await;
    }
    bench
        .control(
            "/smartbill/limit",
            json!({"calls": 30, "windowMs": 10_000, "blockMs": 600_000}),
        )
        .await;
    // The setup's 300 POSTs must not count: in a sliding window (the strict reading) they would,
    // whenever they took under 10 s of virtual time (a fast machine), and lock the run out at
    // its first call.
    let forgot = bench
        .http
        .delete(format!(
            "{}/__control/smartbill/limit/block",
            bench.sandbox.urls.minicrm
        ))
        .send()
        .await;
    if let Err(e) = forgot.and_then(|r| r.error_for_status()) {
        panic!("forgetting the setup's calls: {e}");
    }
    let later = sync::Schedule {
        next_due_ms: Some(i64::MAX / 2),
        ..Default::default()
    };
    let _ = sync::save_schedule(&store, JobKind::Stock, &later).await;
    let since = bench
        .log()
        .await
        .last()
        .and_then(|r| r["seq"].as_u64())
        .unwrap_or(0);
    let payment_speed = (speed / 10.0).max(1.0);
    clock.set_speed(payment_speed);
    bench.control("/clock", json!({"speed": payment_speed})).await;
    let real = Instant::now();
    run_jobs(&app).await;
    let payments_real = real.elapsed().as_secs_f64();
    clock.set_speed(speed);
    bench.control("/clock", json!({"speed": speed})).await;
    let log = bench.log().await;
    let pay = measure(&log, since, "smartbill", "/SBORO/api/invoice/paymentstatus");

    // --- A 3,000-product first stock sync ------------------------------------------------------
    let items: Vec<Value> = (0..3000).map(|i| json!({"warehouse": "Depozit Central", "code": format!("BENCH-{i:04}"), "quantity": (i % 70) + 1})).collect();
    bench.control("/smartbill/stock", json!({"items": items})).await;
    let mut form2 = form.clone();
    form2["stock"] = json!({"enabled": true, "warehouse": "Depozit Central"});
    app.handle(json!({"cmd": "saveSettings", "settings": form2}), &page)
        .await;
    let _ = sync::save_schedule(&store, JobKind::Payments, &later).await;
    let since = bench
        .log()
        .await
        .last()
        .and_then(|r| r["seq"].as_u64())
        .unwrap_or(0);
    let real = Instant::now();
    run_jobs(&app).await;
    let stock_real = real.elapsed().as_secs_f64();
    let log = bench.log().await;
    let stock = measure(&log, since, "minicrm", "/Api/R3/Product");
    let run = sync::load_run(&store, JobKind::Stock).await.ok().flatten();

    let rate = |m: &Measure, per_s: f64| {
        if m.seconds > 0.0 {
            m.calls as f64 / m.seconds / per_s * 100.0
        } else {
            0.0
        }
    };
    println!("background jobs against the sandbox, clocks sped up {payment_speed}× (payments) and {speed}× (stock)");
    println!("| job | calls | virtual time | real time | rate | of the limit | 403/429 |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| payment refresh, {INVOICES} invoices (SmartBill 30/10 s) | {} | {:.0} s | {:.1} s | {:.2}/s | {:.1} % | {} |",
        pay.calls, pay.seconds, payments_real, pay.calls as f64 / pay.seconds.max(0.001), rate(&pay, 3.0), pay.refused
    );
    println!(
        "| stock first sync, 3,000 products (MiniCRM 60/min) | {} | {:.0} s | {:.1} s | {:.3}/s | {:.1} % | {} |",
        stock.calls, stock.seconds, stock_real, stock.calls as f64 / stock.seconds.max(0.001), rate(&stock, 1.0), stock.refused
    );
    if let Some(run) = run {
        println!(
            "stock run: {:?}, {} changed, {} skipped, {} failed",
            run.status, run.counts.changed, run.counts.skipped, run.counts.failed
        );
    }
    let ok = pay.calls == INVOICES as usize && stock.calls >= 3000 && pay.refused == 0 && stock.refused == 0;
    if !ok {
        eprintln!(
            "FAILED: every call must go through without a 403/429 ({} payment checks, {} product writes)",
            pay.calls, stock.calls
        );
        std::process::exit(1);
    }
}
