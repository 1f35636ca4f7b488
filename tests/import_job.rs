//! The background import job against the in-process sandbox: match, preview counts, write,
//! re-import without writes, re-import after edits, fields missing from the schema, and a worker
//! stopped mid-create that must not create a company twice.

use minicrm_smartbill::api::{App, Sender};
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::import;
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::platform::native::{MemoryStore, NativeTransport, TestClock};
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};

const EXT: &str = "abcdefghijklmnopabcdefghijklmnop";
/// Rate windows shrink by this much (the sandbox's clock runs this much faster).
const SPEED: f64 = 60.0;

struct Env {
    sandbox: sandbox::Sandbox,
    info: Value,
    transport: NativeTransport,
    store: MemoryStore,
    clock: TestClock,
    runtime: Runtime,
}

fn page() -> Sender {
    Sender {
        extension_id: EXT.into(),
        sender_id: EXT.into(),
        url: format!("chrome-extension://{EXT}/import.html"),
        lang: "ro-RO".into(),
        ..Sender::default()
    }
}

/// A valid CIF from its first digits (control key 753217532).
fn cif(body: u64) -> String {
    let digits: Vec<u64> = body.to_string().bytes().map(|b| u64::from(b - b'0')).collect();
    let key = [7, 5, 3, 2, 1, 7, 5, 3, 2];
    let off = key.len() - digits.len();
    let sum: u64 = digits.iter().zip(&key[off..]).map(|(d, k)| d * k).sum();
    let c = sum * 10 % 11;
    format!("{body}{}", if c == 10 { 0 } else { c })
}

async fn env() -> Env {
    let sandbox = sandbox::start(sandbox::Config {
        seed: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let info = {
        let mut w = sandbox.state.lock();
        w.clock.set_speed(SPEED);
        sandbox::seed::info(&w.urls)
    };
    let env = Env {
        sandbox,
        info,
        transport: NativeTransport::new(),
        store: MemoryStore::new(),
        clock: TestClock::system(),
        runtime: Runtime::default(),
    };
    let form = json!({
        "minicrm": {
            "url": env.info["minicrm"]["base"], "systemId": env.info["minicrm"]["systemId"],
            "apiKey": env.info["minicrm"]["apiKey"], "module": "offers",
        },
        "advanced": {"timeScale": SPEED},
    });
    let r = env.call(json!({"cmd": "saveSettings", "settings": form})).await;
    assert_eq!(r["ok"], true, "{r}");
    env
}

impl Env {
    fn app(&self) -> App<'_> {
        App {
            transport: &self.transport,
            store: &self.store,
            clock: &self.clock,
            runtime: &self.runtime,
            host_permissions: vec!["https://ws.smartbill.ro/*".into(), "http://127.0.0.1/*".into()],
        }
    }

    async fn call(&self, command: Value) -> Value {
        self.app().handle(command, &page()).await
    }

    async fn import(&self, action: Value) -> Value {
        self.call(json!({"cmd": "import", "action": action})).await
    }

    /// Sends the candidates, runs the match phase, returns the status.
    async fn preview(&self, bytes: &[u8]) -> Value {
        let session = import::open(bytes, "clienti.xlsx", Lang::Ro).expect("file opens");
        let candidates = serde_json::to_value(session.candidates()).unwrap();
        let r = self
            .import(json!({"type": "match", "fileName": "clienti.xlsx", "candidates": candidates}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
        assert!(import::wake_wanted(), "the worker is asked to run the job");
        import::resume(&self.app()).await.unwrap();
        let s = self.status().await;
        assert_eq!(s["job"]["phase"], "matched", "{s}");
        s
    }

    async fn status(&self) -> Value {
        self.import(json!({"type": "status", "limit": 100})).await
    }

    async fn execute(&self) -> Value {
        let r = self.import(json!({"type": "start"})).await;
        assert_eq!(r["ok"], true, "{r}");
        import::resume(&self.app()).await.unwrap();
        let s = self.status().await;
        assert_eq!(s["job"]["phase"], "done", "{s}");
        s
    }

    fn contacts_with_vat(&self, vat: &str) -> Vec<(u64, std::collections::BTreeMap<String, String>)> {
        let w = self.sandbox.state.lock();
        w.minicrm
            .contacts
            .values()
            .filter(|c| c.fields.get("VatNumber").map(String::as_str) == Some(vat))
            .map(|c| (c.id, c.fields.clone()))
            .collect()
    }

    fn writes_since(&self, seq: u64) -> Vec<String> {
        let w = self.sandbox.state.lock();
        w.log
            .iter()
            .filter(|r| r.seq > seq && r.method == "PUT")
            .map(|r| r.path.clone())
            .collect()
    }

    fn last_seq(&self) -> u64 {
        self.sandbox.state.lock().log.last().map(|r| r.seq).unwrap_or(0)
    }
}

struct Row<'a> {
    name: &'a str,
    cif: String,
    city: &'a str,
    phone: &'a str,
    contact: &'a str,
}

fn export(rows: &[Row<'_>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Lista clienti").unwrap();
    let headers = [
        "Denumire",
        "CIF",
        "Reg. Com.",
        "Adresa",
        "Localitate",
        "Judet",
        "Telefon",
        "Persoana de contact",
    ];
    for (c, h) in headers.iter().enumerate() {
        s.write_string(2, c as u16, *h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let y = 3 + i as u32;
        s.write_string(y, 0, r.name).unwrap();
        s.write_string(y, 1, &r.cif).unwrap();
        s.write_string(y, 2, "J12/34/2020").unwrap();
        s.write_string(y, 3, "Str. Lungă 5").unwrap();
        s.write_string(y, 4, r.city).unwrap();
        s.write_string(y, 5, "Cluj").unwrap();
        s.write_string(y, 6, r.phone).unwrap();
        s.write_string(y, 7, r.contact).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn rows(alfa_phone: &str) -> Vec<Row<'static>> {
    vec![
        Row {
            name: "Alfa Construct SRL",
            cif: format!("RO{}", cif(1234567)),
            city: "Cluj-Napoca",
            phone: if alfa_phone == "A" {
                "0264111222"
            } else {
                "0264999888"
            },
            contact: "Ion Mureșan",
        },
        Row {
            name: "Beta Serv SRL",
            cif: cif(7654321),
            city: "Turda",
            phone: "0264333444",
            contact: "",
        },
        Row {
            name: "Gama Greșit SRL",
            cif: format!("{}", cif(1111111).parse::<u64>().unwrap() + 1),
            city: "Dej",
            phone: "",
            contact: "",
        },
    ]
}

#[tokio::test]
async fn imports_then_changes_nothing_then_only_the_edits() {
    let env = env().await;
    let file = export(&rows("A"));
    let s = env.preview(&file).await;
    let job = &s["job"];
    assert_eq!(job["counts"]["create"], 2, "{s}");
    assert_eq!(job["counts"]["invalid"], 1);
    // Two new companies: contact + address each, and a person for Alfa.
    assert_eq!(job["plannedCalls"], 5);
    assert!(job["etaMs"].as_i64().unwrap() > 0);
    let s = env.execute().await;
    assert_eq!(s["job"]["counts"]["created"], 2, "{s}");

    let alfa_cif = cif(1234567);
    let alfa = env.contacts_with_vat(&alfa_cif);
    assert_eq!(alfa.len(), 1, "one Alfa");
    let (alfa_id, fields) = &alfa[0];
    assert_eq!(fields["Name"], "Alfa Construct SRL");
    assert_eq!(fields["EUVatNumber"], format!("RO{alfa_cif}"));
    assert_eq!(fields["RegistrationNumber"], "J12/34/2020");
    {
        let w = env.sandbox.state.lock();
        let address = w
            .minicrm
            .addresses
            .values()
            .find(|a| a.contact_id == *alfa_id)
            .expect("an address");
        assert_eq!(address.city, "Cluj-Napoca");
        assert_eq!(address.country, "Romania");
        let person = w
            .minicrm
            .contacts
            .values()
            .find(|c| c.business_id == Some(*alfa_id))
            .expect("a person");
        assert_eq!(person.fields["LastName"], "Mureșan");
    }
    let beta = env.contacts_with_vat(&cif(7654321));
    assert_eq!(beta.len(), 1);
    assert!(!beta[0].1.contains_key("EUVatNumber"), "not a VAT payer");

    // The report names every row.
    let r = env.import(json!({"type": "report"})).await;
    let csv = r["csv"].as_str().unwrap();
    assert!(csv.contains("Rând,Companie,Acțiune,Eroare"));
    assert!(csv.contains("4,Alfa Construct SRL,creată,"), "{csv}");
    assert!(csv.contains("6,Gama Greșit SRL,invalidă,"), "{csv}");

    // The same file again: everything is unchanged, nothing is written.
    let before = env.last_seq();
    let s = env.preview(&file).await;
    assert_eq!(s["job"]["counts"]["unchanged"], 2, "{s}");
    assert_eq!(s["job"]["counts"]["create"], 0);
    env.execute().await;
    assert!(
        env.writes_since(before).is_empty(),
        "{:?}",
        env.writes_since(before)
    );

    // An edited phone: only Alfa's contact is written.
    let before = env.last_seq();
    let s = env.preview(&export(&rows("B"))).await;
    assert_eq!(s["job"]["counts"]["update"], 1, "{s}");
    assert_eq!(s["job"]["counts"]["unchanged"], 1);
    env.execute().await;
    assert_eq!(
        env.writes_since(before),
        vec![format!("/Api/R3/Contact/{alfa_id}")]
    );
    assert_eq!(env.contacts_with_vat(&alfa_cif)[0].1["Phone"], "0264999888");
}

#[tokio::test]
async fn matches_seeded_companies_by_vat_code_with_or_without_ro() {
    let env = env().await;
    // Tehnoserv is seeded with VatNumber 31826470; Agro Verde with 40571235 and RO40571235.
    let file = export(&[
        Row {
            name: "TEHNOSERV CONSTRUCT S.R.L.",
            cif: "RO 31826470".into(),
            city: "București",
            phone: "+40 21 312 4567",
            contact: "Mihai Dumitrescu",
        },
        Row {
            name: "Agro Verde SRL",
            cif: "40571235".into(),
            city: "Cluj-Napoca",
            phone: "",
            contact: "",
        },
    ]);
    let s = env.preview(&file).await;
    let c = &s["job"]["counts"];
    assert_eq!(c["create"], 0, "{s}");
    assert_eq!(
        c["update"].as_u64().unwrap() + c["unchanged"].as_u64().unwrap(),
        2
    );
    let before = env.last_seq();
    env.execute().await;
    // The name in MiniCRM is kept; the known person is not created again.
    let w = env.sandbox.state.lock();
    assert_eq!(
        w.minicrm.contacts[&2001].fields["Name"],
        "Tehnoserv Construct SRL"
    );
    let persons = w
        .minicrm
        .contacts
        .values()
        .filter(|p| p.business_id == Some(2001))
        .count();
    assert_eq!(persons, 1);
    assert!(w
        .log
        .iter()
        .filter(|r| r.seq > before)
        .all(|r| r.path != "/Api/R3/Contact" || r.method != "PUT"));
}

#[tokio::test]
async fn fields_missing_from_the_schema_are_left_out_and_named() {
    let env = env().await;
    env.sandbox
        .state
        .lock()
        .minicrm
        .business_fields
        .retain(|f| f.name != "RegistrationNumber" && f.name != "EUVatNumber");
    let s = env.preview(&export(&rows("A"))).await;
    let left_out: Vec<String> = serde_json::from_value(s["job"]["leftOut"].clone()).unwrap();
    assert!(
        left_out.contains(&"RegistrationNumber".to_string()),
        "{left_out:?}"
    );
    assert!(left_out.contains(&"EUVatNumber".to_string()));
    let s = env.execute().await;
    assert_eq!(s["job"]["counts"]["created"], 2, "{s}");
    assert_eq!(s["job"]["counts"]["failed"], 0);
    let alfa = env.contacts_with_vat(&cif(1234567));
    assert!(!alfa[0].1.contains_key("RegistrationNumber"));
}

#[tokio::test]
async fn a_lost_answer_to_a_create_does_not_create_twice() {
    let env = env().await;
    let s = env.preview(&export(&rows("A"))).await;
    assert_eq!(s["job"]["counts"]["create"], 2);
    // MiniCRM creates Alfa, then the connection drops before the answer.
    env.sandbox.state.lock().faults.push(sandbox::Fault {
        service: sandbox::Service::MiniCrm,
        method: Some("PUT".into()),
        path: "/Api/R3/Contact".into(),
        kind: sandbox::FaultKind::DropAfterCommit,
        times: 1,
    });
    let r = env.import(json!({"type": "start"})).await;
    assert_eq!(r["ok"], true);
    import::resume(&env.app()).await.unwrap();
    let s = env.status().await;
    assert_eq!(s["job"]["phase"], "running", "paused for a retry: {s}");
    assert!(s["job"]["retryAt"].is_i64());
    assert_eq!(env.contacts_with_vat(&cif(1234567)).len(), 1, "created once");
    // A fresh worker (no memory) after the pause: it looks Alfa up before creating anything.
    let runtime = Runtime::default();
    env.clock.advance_ms(60_000);
    let app = App {
        runtime: &runtime,
        ..env.app()
    };
    import::resume(&app).await.unwrap();
    let s = env.status().await;
    assert_eq!(s["job"]["phase"], "done", "{s}");
    assert_eq!(s["job"]["counts"]["created"], 2);
    assert_eq!(env.contacts_with_vat(&cif(1234567)).len(), 1, "still one Alfa");
    let w = env.sandbox.state.lock();
    let alfa_id = w
        .minicrm
        .contacts
        .values()
        .find(|c| c.fields.get("VatNumber") == Some(&cif(1234567)))
        .map(|c| c.id)
        .unwrap();
    assert_eq!(
        w.minicrm
            .addresses
            .values()
            .filter(|a| a.contact_id == alfa_id)
            .count(),
        1
    );
}

#[tokio::test]
async fn cancel_stops_after_the_current_row_and_a_new_file_cannot_start_while_writing() {
    let env = env().await;
    env.preview(&export(&rows("A"))).await;
    let r = env.import(json!({"type": "start"})).await;
    assert_eq!(r["ok"], true);
    // While the job is marked running, another file is refused.
    let r = env
        .import(json!({"type": "match", "fileName": "b.xlsx", "candidates": []}))
        .await;
    assert_eq!(r["ok"], false);
    assert_eq!(r["error"]["code"], "import.busy", "{r}");
    let r = env.import(json!({"type": "cancel"})).await;
    assert_eq!(r["job"]["phase"], "cancelled", "{r}");
    import::resume(&env.app()).await.unwrap();
    assert!(env.contacts_with_vat(&cif(1234567)).is_empty(), "nothing written");
    let r = env.import(json!({"type": "report"})).await;
    assert!(r["csv"].as_str().unwrap().contains("neimportată"));
}
