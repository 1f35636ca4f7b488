//! The background import job against the in-process sandbox: match, preview counts, write,
//! re-import without writes, re-import after edits, fields missing from the schema, a worker
//! stopped mid-create that must not create a company twice, lookups that belong to one file and
//! are fresh, companies deleted meanwhile, searches with documented parameters only and every hit
//! verified, foreign EU VAT codes, and individuals written family name first.

use minicrm_smartbill::api::{App, Sender};
use minicrm_smartbill::i18n::Lang;
use minicrm_smartbill::import;
use minicrm_smartbill::jobs::Runtime;
use minicrm_smartbill::platform::native::{MemoryStore, NativeTransport, TestClock};
use minicrm_smartbill::platform::Store;
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
    let env = bare_env().await;
    env.save_minicrm().await;
    env
}

/// The sandbox and an extension with no settings yet.
async fn bare_env() -> Env {
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
    Env {
        sandbox,
        info,
        transport: NativeTransport::new(),
        store: MemoryStore::new(),
        clock: TestClock::system(),
        runtime: Runtime::default(),
    }
}

impl Env {
    /// Saves the sandbox's MiniCRM account in the settings.
    async fn save_minicrm(&self) {
        let form = json!({
            "minicrm": {
                "url": self.info["minicrm"]["base"], "systemId": self.info["minicrm"]["systemId"],
                "apiKey": self.info["minicrm"]["apiKey"], "module": "offers",
            },
            "advanced": {"timeScale": SPEED},
        });
        let r = self.call(json!({"cmd": "saveSettings", "settings": form})).await;
        assert_eq!(r["ok"], true, "{r}");
    }

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
        // What the page sends: file name, content hash, candidates.
        let r = self.import(session.match_action()).await;
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

    /// A company created in MiniCRM by other means (a user, another browser).
    fn add_contact(&self, kind: sandbox::minicrm::ContactKind, fields: &[(&str, &str)]) -> u64 {
        let mut w = self.sandbox.state.lock();
        let id = w.minicrm.next_contact;
        w.minicrm.next_contact += 1;
        let now = w.clock.now_ms();
        w.minicrm.contacts.insert(
            id,
            sandbox::minicrm::Contact {
                id,
                kind,
                business_id: None,
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                deleted: false,
                created_ms: now,
                updated_ms: now,
            },
        );
        id
    }

    /// A company deleted in MiniCRM (by a user): it, its persons and addresses are gone (404).
    fn delete_company(&self, id: u64) {
        let mut w = self.sandbox.state.lock();
        w.minicrm
            .contacts
            .retain(|_, c| c.id != id && c.business_id != Some(id));
        w.minicrm.addresses.retain(|_, a| a.contact_id != id);
    }

    fn businesses_with_vat(&self, vat: &str) -> Vec<u64> {
        let w = self.sandbox.state.lock();
        w.minicrm
            .contacts
            .values()
            .filter(|c| c.kind == sandbox::minicrm::ContactKind::Business)
            .filter(|c| c.fields.get("VatNumber").map(String::as_str) == Some(vat))
            .map(|c| c.id)
            .collect()
    }

    /// Contact searches (`GET /Api/R3/Contact?…`) since `seq`, as their query strings.
    fn searches_since(&self, seq: u64) -> Vec<String> {
        let w = self.sandbox.state.lock();
        w.log
            .iter()
            .filter(|r| r.seq > seq && r.method == "GET" && r.path == "/Api/R3/Contact")
            .map(|r| r.query.clone())
            .collect()
    }
}

/// A valid CNP from its first 12 digits.
fn cnp(first12: &str) -> String {
    let key = [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9];
    let sum: u32 = first12
        .bytes()
        .zip(key)
        .map(|(b, k)| u32::from(b - b'0') * k)
        .sum();
    let c = sum % 11;
    format!("{first12}{}", if c == 10 { 1 } else { c })
}

fn row<'a>(name: &'a str, cif: &str) -> Row<'a> {
    Row {
        name,
        cif: cif.to_string(),
        city: "Cluj-Napoca",
        phone: "",
        contact: "",
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
        writes_only: false,
        forever: false,
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

#[tokio::test]
async fn lookups_belong_to_the_file_and_are_fresh() {
    use sandbox::minicrm::ContactKind;
    let env = env().await;
    let xenon = cif(2233445);
    // File A: a new company and a seeded one (Tehnoserv, 31826470). Previewed, never imported.
    let file_a = export(&[
        row("Xenon Trade SRL", &xenon),
        row("Tehnoserv Construct SRL", "31826470"),
    ]);
    let s = env.preview(&file_a).await;
    assert_eq!(s["job"]["counts"]["create"], 1, "{s}");
    // Meanwhile, in MiniCRM: someone creates Xenon, and deletes Tehnoserv.
    let xenon_id = env.add_contact(
        ContactKind::Business,
        &[("Name", "Xenon Trade SRL"), ("VatNumber", xenon.as_str())],
    );
    env.delete_company(2001);
    // File B, another file holding both companies, is imported.
    let beta = cif(5566778);
    let file_b = export(&[
        row("Xenon Trade SRL", &xenon),
        row("Tehnoserv Construct SRL", "31826470"),
        row("Beta Nou SRL", &beta),
    ]);
    let before = env.last_seq();
    let s = env.preview(&file_b).await;
    assert!(
        !env.searches_since(before).is_empty(),
        "another file: its companies are looked up again"
    );
    let c = &s["job"]["counts"];
    assert_eq!(c["create"], 2, "Tehnoserv (gone) and Beta: {s}");
    assert_eq!(
        c["update"].as_u64().unwrap() + c["unchanged"].as_u64().unwrap(),
        1
    );
    let s = env.execute().await;
    assert_eq!(s["job"]["counts"]["failed"], 0, "{s}");
    assert!(
        s["rows"].as_array().unwrap().iter().all(|r| r["error"].is_null()),
        "{s}"
    );
    assert_eq!(
        env.businesses_with_vat(&xenon),
        vec![xenon_id],
        "exactly one Xenon: the one MiniCRM had"
    );
    let tehnoserv = env.businesses_with_vat("31826470");
    assert_eq!(tehnoserv.len(), 1, "Tehnoserv created again");
    assert_ne!(tehnoserv[0], 2001);
    assert_eq!(env.businesses_with_vat(&beta).len(), 1);
}

#[tokio::test]
async fn a_company_deleted_between_preview_and_import_is_created_again() {
    let env = env().await;
    // Tehnoserv is seeded with another address: the file's means an update of it.
    let s = env
        .preview(&export(&[row("Tehnoserv Construct SRL", "RO31826470")]))
        .await;
    assert_eq!(s["job"]["counts"]["update"], 1, "{s}");
    env.delete_company(2001);
    let s = env.execute().await;
    assert_eq!(s["job"]["counts"]["failed"], 0, "no 'Contact not found': {s}");
    assert_eq!(s["job"]["counts"]["created"], 1, "{s}");
    assert!(s["rows"][0]["error"].is_null(), "{s}");
    let ids = env.businesses_with_vat("31826470");
    assert_eq!(ids.len(), 1);
    let w = env.sandbox.state.lock();
    assert!(
        w.minicrm.addresses.values().any(|a| a.contact_id == ids[0]),
        "with its address"
    );
}

#[tokio::test]
async fn a_new_mapping_of_the_same_file_reuses_recent_lookups_only() {
    let env = env().await;
    let file = export(&rows("A"));
    env.preview(&file).await;
    // The same file again, at once (a column re-mapped in the page): no search.
    let before = env.last_seq();
    env.preview(&file).await;
    assert_eq!(env.searches_since(before), Vec::<String>::new());
    // The same file after the lookups got old: searched again.
    env.clock.advance_ms(import::job::LOOKUP_REUSE_MS + 1_000);
    let before = env.last_seq();
    env.preview(&file).await;
    assert!(!env.searches_since(before).is_empty());
    // After an import wrote something, the same file is looked up again.
    env.execute().await;
    let before = env.last_seq();
    let s = env.preview(&file).await;
    assert!(!env.searches_since(before).is_empty());
    assert_eq!(s["job"]["counts"]["unchanged"], 2, "{s}");
}

/// §2.4 documents these `GET /Api/R3/Contact` parameters, plus any *custom* field.
const DOCUMENTED: [&str; 7] = [
    "Name",
    "Email",
    "Phone",
    "UpdatedSince",
    "Query",
    "MainContactId",
    "Page",
];
/// Standard contact fields (§6.1, §6.2) and the other system names: never search parameters.
const STANDARD: [&str; 31] = [
    "Id",
    "Type",
    "Name",
    "Email",
    "Phone",
    "Description",
    "Url",
    "VatNumber",
    "EUVatNumber",
    "RegistrationNumber",
    "GroupIdentificationNumber",
    "BankAccount",
    "Swift",
    "Industry",
    "Region",
    "Employees",
    "YearlyRevenue",
    "FoundingYear",
    "Capital",
    "MainActivity",
    "Tags",
    "Deleted",
    "ParentId",
    "ReferenceId",
    "BusinessId",
    "FirstName",
    "LastName",
    "Position",
    "DataManagement_Consent",
    "EmailType",
    "PhoneType",
];

#[tokio::test]
async fn contact_searches_use_only_documented_parameters() {
    let env = env().await;
    let mut file_rows = rows("A");
    file_rows.push(row("Tehnoserv Construct SRL", "RO 31826470"));
    file_rows.push(row("Popescu Ion", "1850315224515"));
    file_rows.push(row("Ionescu Maria", "-"));
    file_rows.push(row("Budapest Kft", "HU12345678"));
    let file = export(&file_rows);
    env.preview(&file).await;
    env.execute().await;
    // Again: every company is found this time.
    let s = env.preview(&export(&file_rows[..4])).await;
    assert_eq!(s["job"]["counts"]["create"], 0, "{s}");

    // The request log, as the sandbox's control API gives it.
    let url = format!("{}/__control/requests?service=minicrm", env.sandbox.urls.minicrm);
    let log: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    let custom: Vec<String> = {
        let w = env.sandbox.state.lock();
        w.minicrm
            .business_fields
            .iter()
            .chain(w.minicrm.person_fields.iter())
            .map(|f| f.name.clone())
            .filter(|n| !STANDARD.contains(&n.as_str()))
            .collect()
    };
    let mut searches = 0;
    let mut used = std::collections::BTreeSet::new();
    for r in log["requests"].as_array().unwrap() {
        if r["method"] != "GET" || r["path"] != "/Api/R3/Contact" {
            continue;
        }
        searches += 1;
        let query = r["query"].as_str().unwrap_or("");
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let key = pair.split('=').next().unwrap_or("");
            assert!(
                DOCUMENTED.contains(&key) || custom.iter().any(|c| c == key),
                "undocumented contact search parameter '{key}' in ?{query}"
            );
            used.insert(key.to_string());
        }
    }
    assert!(searches > 10, "{searches} searches");
    assert!(used.contains("Query"), "{used:?}");
    assert!(used.contains("Name"), "{used:?}");
}

#[tokio::test]
async fn every_hit_is_verified_with_the_contacts_detail() {
    use sandbox::minicrm::ContactKind;
    let env = env().await;
    let gama = cif(3344556);
    // Contacts that a whole-word search for Gama's CIF finds, but that are not Gama.
    let decoy = env.add_contact(
        ContactKind::Business,
        &[
            ("Name", "Decoy Holding SRL"),
            ("VatNumber", cif(9988776).as_str()),
            (
                "Description",
                format!("Preluată de la firma cu CIF {gama}").as_str(),
            ),
        ],
    );
    env.add_contact(
        ContactKind::Person,
        &[("LastName", "Vasile"), ("VatNumber", gama.as_str())],
    );
    let s = env.preview(&export(&[row("Gama Prod SRL", &gama)])).await;
    assert_eq!(s["job"]["counts"]["create"], 1, "{s}");
    env.execute().await;
    assert_eq!(env.businesses_with_vat(&gama).len(), 1);
    let w = env.sandbox.state.lock();
    assert_eq!(w.minicrm.contacts[&decoy].fields["Name"], "Decoy Holding SRL");
    // The decoy was read (verified) and never written.
    assert!(w
        .log
        .iter()
        .any(|r| r.method == "GET" && r.path == format!("/Api/R3/Contact/{decoy}")));
    assert!(!w
        .log
        .iter()
        .any(|r| r.method == "PUT" && r.path == format!("/Api/R3/Contact/{decoy}")));
}

#[tokio::test]
async fn foreign_eu_vat_codes_are_kept_whole() {
    let env = env().await;
    // This export has no country column: the prefix says the country.
    let file = export(&[
        row("Budapest Kereskedelmi Kft", "HU12345678"),
        row("München Handel GmbH", "DE 123456789"),
        row("Wien Bau GmbH", "ATU12345678"),
    ]);
    let s = env.preview(&file).await;
    assert_eq!(s["job"]["counts"]["create"], 3, "{s}");
    assert_eq!(s["job"]["counts"]["invalid"], 0, "{s}");
    env.execute().await;
    let by_name = |name: &str| {
        let w = env.sandbox.state.lock();
        w.minicrm
            .contacts
            .values()
            .find(|c| c.fields.get("Name").map(String::as_str) == Some(name))
            .map(|c| c.fields.clone())
            .unwrap_or_else(|| panic!("{name} created"))
    };
    let hu = by_name("Budapest Kereskedelmi Kft");
    assert_eq!(hu["VatNumber"], "HU12345678");
    assert_eq!(hu["EUVatNumber"], "HU12345678");
    let de = by_name("München Handel GmbH");
    assert_eq!(de["VatNumber"], "DE 123456789", "as the export gives it");
    assert_eq!(de["EUVatNumber"], "DE123456789");
    let at = by_name("Wien Bau GmbH");
    assert_eq!(at["EUVatNumber"], "ATU12345678");
    // Found again by their codes: nothing to write.
    let s = env.preview(&file).await;
    assert_eq!(s["job"]["counts"]["unchanged"], 3, "{s}");
}

#[tokio::test]
async fn individuals_are_written_family_name_first() {
    let env = env().await;
    let person = cnp("285031512345");
    let file = export(&[row("Popescu Ion", &person), row("Ionescu Maria Elena", "-")]);
    let s = env.preview(&file).await;
    assert_eq!(s["job"]["counts"]["create"], 2, "{s}");
    env.execute().await;
    {
        let w = env.sandbox.state.lock();
        let find = |last: &str| {
            w.minicrm
                .contacts
                .values()
                .filter(|c| c.kind == sandbox::minicrm::ContactKind::Person)
                .filter(|c| c.fields.get("LastName").map(String::as_str) == Some(last))
                .map(|c| c.fields.clone())
                .collect::<Vec<_>>()
        };
        let popescu: Vec<_> = find("Popescu")
            .into_iter()
            .filter(|f| f.get("VatNumber") == Some(&person))
            .collect();
        assert_eq!(popescu.len(), 1);
        assert_eq!(popescu[0]["FirstName"], "Ion");
        let ionescu = find("Ionescu");
        assert_eq!(ionescu.len(), 1);
        assert_eq!(ionescu[0]["FirstName"], "Maria Elena");
    }
    // Both are found again (by CNP, and by name either way round): nothing is created.
    let s = env.preview(&file).await;
    assert_eq!(s["job"]["counts"]["create"], 0, "{s}");
    assert_eq!(s["job"]["counts"]["unchanged"], 2, "{s}");
}

#[tokio::test]
async fn a_rejected_file_drops_the_preview_but_not_a_running_import() {
    let env = env().await;
    let s = env.preview(&export(&rows("A"))).await;
    assert_eq!(s["job"]["actions"], json!(["start"]), "{s}");
    // The page could not read the next file: the preview and its import button are gone.
    let r = env.import(json!({"type": "fileRejected"})).await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(r["job"].is_null(), "{r}");
    assert!(env.status().await["job"].is_null());
    let r = env.import(json!({"type": "start"})).await;
    assert_eq!(r["error"]["code"], "import.noJob", "{r}");

    // While an import writes, a bad file leaves it alone.
    env.preview(&export(&rows("A"))).await;
    let r = env.import(json!({"type": "start"})).await;
    assert_eq!(r["job"]["actions"], json!(["cancel"]), "{r}");
    let r = env.import(json!({"type": "fileRejected"})).await;
    assert_eq!(r["job"]["phase"], "running", "{r}");
    import::resume(&env.app()).await.unwrap();
    let s = env.status().await;
    assert_eq!(s["job"]["phase"], "done", "{s}");
    assert_eq!(s["job"]["actions"], json!(["report", "again"]), "{s}");
}

#[tokio::test]
async fn an_unknown_import_action_is_refused_and_the_job_is_kept() {
    let env = env().await;
    env.preview(&export(&rows("A"))).await;
    let r = env.import(json!({"type": "burn"})).await;
    assert_eq!(r["ok"], false, "{r}");
    assert_eq!(r["error"]["code"], "badCommand", "{r}");
    let message = r["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("import action: unknown variant `burn`"), "{r}");
    let r = env.import(json!({"offset": 0})).await;
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("missing field `type`"),
        "{r}"
    );
    let s = env.status().await;
    assert_eq!(s["job"]["phase"], "matched", "{s}");
    assert_eq!(s["job"]["actions"], json!(["start"]), "{s}");
}

/// The settings fields an import status says are missing or wrong.
fn setup_fields(status: &Value) -> Vec<&str> {
    status["setup"]
        .as_array()
        .expect("the status lists what the import needs")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect()
}

#[tokio::test]
async fn without_the_minicrm_settings_a_file_waits_and_the_status_says_what_is_missing() {
    let env = bare_env().await;
    // The page opens: no job, and what the import still needs, as the options page names it.
    let s = env.status().await;
    assert_eq!(s["ok"], true, "{s}");
    assert!(s["job"].is_null(), "{s}");
    assert_eq!(setup_fields(&s), ["minicrmSystemId", "minicrmApiKey"], "{s}");
    assert_eq!(
        s["setup"][0]["message"], "System ID MiniCRM: câmp obligatoriu.",
        "{s}"
    );

    // A file chosen now is not matched: no job, no request to MiniCRM, no run asked for.
    let seq = env.last_seq();
    let session = import::open(&export(&rows("A")), "clienti.xlsx", Lang::Ro).expect("file opens");
    let r = env.import(session.match_action()).await;
    assert_eq!(r["ok"], true, "{r}");
    assert!(r["job"].is_null(), "{r}");
    assert_eq!(r["setup"].as_array().unwrap().len(), 2, "{r}");
    assert!(!import::wake_wanted(), "nothing to run");
    import::resume(&env.app()).await.unwrap();
    assert!(env.status().await["job"].is_null());
    assert_eq!(env.last_seq(), seq, "no request reached the sandbox");

    // The settings completed, the page asks again: the file is matched.
    env.save_minicrm().await;
    assert_eq!(env.status().await["setup"], json!([]));
    let s = env.preview(&export(&rows("A"))).await;
    assert_eq!(s["job"]["actions"], json!(["start"]), "{s}");
    assert_eq!(s["setup"], json!([]), "{s}");

    // The API key gone from the secrets (a profile restored without them): the next file waits,
    // and the earlier file's job is not shown beside its preview.
    env.store.remove("secret.minicrm.apiKey").await.unwrap();
    let r = env.import(session.match_action()).await;
    assert!(r["job"].is_null(), "{r}");
    assert_eq!(setup_fields(&r), ["minicrmApiKey"], "{r}");
    assert!(env.status().await["job"].is_null());
}
