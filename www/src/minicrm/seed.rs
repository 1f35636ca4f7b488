//! The demo tenant: three customers (two companies and an individual) with contact persons and
//! billing addresses, offer and order cards with their documents, a sales card, a few products.
//! Ids are fixed (independent of the date); dates are relative to `today`.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::documents::fmt_dec;
use super::model::{
    hu_ms, token_for, Address, Contact, ContactKind, DocKind, Document, Item, Product, Project, State,
    StoredFile,
};
use super::schema::{sb_fields, SmartBillFields, PAYMENT_STATUS_LABELS};
use crate::seed::{
    TenantShape, CUSTOMER_BUCHAREST_CIF, CUSTOMER_PAYER_CIF, CUSTOMER_PERSON_CNP, MINICRM_SYSTEM_ID,
    OFFERS_CATEGORY, ORDERS_CATEGORY, SALES_CATEGORY,
};

pub const TEHNOSERV: u64 = 2001;
pub const TEHNOSERV_PERSON: u64 = 2002;
pub const AGRO_VERDE: u64 = 2003;
pub const AGRO_VERDE_PERSON: u64 = 2004;
pub const ION_POPESCU: u64 = 2005;

pub const OFFER_PREPARING: (u64, &str) = (3001, "Ofertă în pregătire");
pub const OFFER_ACCEPTED: (u64, &str) = (3003, "Acceptată");
pub const OFFER_SENT: (u64, &str) = (3002, "Trimisă clientului");
pub const ORDER_IN_PROGRESS: (u64, &str) = (3102, "În lucru");
pub const ORDER_COMPLETED: (u64, &str) = (3103, "Finalizată");
pub const ORDER_DRAFT: (u64, &str) = (3101, "Ciornă");

struct SeedItem {
    sku: &'static str,
    name: &'static str,
    price: &'static str,
    qty: &'static str,
    unit: &'static str,
    vat: u32,
}

const fn item(
    sku: &'static str,
    name: &'static str,
    price: &'static str,
    qty: &'static str,
    unit: &'static str,
    vat: u32,
) -> SeedItem {
    SeedItem {
        sku,
        name,
        price,
        qty,
        unit,
        vat,
    }
}

struct SeedDoc {
    key: &'static str,
    kind: DocKind,
    project_id: u64,
    doc_id: u64,
    card_name: &'static str,
    customer: u64,
    contact: u64,
    currency: &'static str,
    rate: &'static str,
    status: u64,
    days_ago: u64,
    /// Order in the sequence of numbers; 0 = not issued (draft).
    number: u32,
    /// Minutes after the seed's base time (yesterday 09:00), for the "most recently modified" order.
    minute: u32,
    items: Vec<SeedItem>,
    /// The SmartBill fields already filled on the card (`typeIds` shape only).
    smartbill: Option<SeedInvoice>,
}

/// What the SmartBill extension wrote on an already invoiced card, and what SmartBill holds.
#[derive(Clone, Copy)]
pub struct SeedInvoice {
    /// The invoice number in series FCT ("" when the emission failed).
    pub number: &'static str,
    /// SmartBill's document id (the link's last segment).
    pub document_id: u64,
    /// Index in [`PAYMENT_STATUS_LABELS`].
    pub payment: usize,
    /// The amount SmartBill has collected.
    pub paid: &'static str,
    /// The error message field ("" when issued).
    pub error: &'static str,
}

/// The SmartBill invoices behind the `typeIds` shape's invoiced cards (series FCT).
pub const INVOICED_SERIES: &str = "FCT";

fn seed_docs() -> Vec<SeedDoc> {
    use DocKind::{Offer, Order};
    vec![
        SeedDoc {
            key: "offerBucharestRon",
            kind: Offer,
            project_id: 1001,
            doc_id: 931,
            card_name: "Echipamente IT birou nou – Tehnoserv Construct",
            customer: TEHNOSERV,
            contact: TEHNOSERV_PERSON,
            currency: "RON",
            rate: "",
            status: OFFER_SENT.0,
            days_ago: 6,
            number: 11,
            minute: 10,
            smartbill: None,
            items: vec![
                item("LAP-001", "Laptop Dell Latitude 5440", "4200.00", "2", "buc", 21),
                item("MON-024", "Monitor LG 24\"", "780.00", "2", "bucată", 21),
                item("CAB-HDMI", "Cablu HDMI 2m", "35.50", "4", "buc", 21),
                item("", "Discount fidelitate 5%", "-505.10", "1", "buc", 21),
            ],
        },
        SeedDoc {
            key: "offerPayerEur",
            kind: Offer,
            project_id: 1002,
            doc_id: 932,
            card_name: "Mobilier și bibliotecă tehnică – Agro Verde",
            customer: AGRO_VERDE,
            contact: AGRO_VERDE_PERSON,
            currency: "EUR",
            rate: "4.9750",
            status: OFFER_SENT.0,
            days_ago: 5,
            number: 12,
            minute: 20,
            smartbill: None,
            items: vec![
                item("SCAUN-ERG", "Scaun ergonomic", "231.16", "4", "piece", 21),
                item(
                    "CRT-ARH",
                    "Carte Arhitectura software",
                    "18.07",
                    "10",
                    "darab",
                    11,
                ),
            ],
        },
        SeedDoc {
            key: "offerPersonRon",
            kind: Offer,
            project_id: 1003,
            doc_id: 933,
            card_name: "Cărți și accesorii – Ion Popescu",
            customer: ION_POPESCU,
            contact: ION_POPESCU,
            currency: "RON",
            rate: "",
            status: OFFER_SENT.0,
            days_ago: 4,
            number: 13,
            minute: 30,
            smartbill: None,
            items: vec![
                item(
                    "CRT-ARH",
                    "Carte Arhitectura software",
                    "89.90",
                    "2",
                    "bucată",
                    11,
                ),
                item("CAB-HDMI", "Cablu HDMI 2m", "35.50", "1", "buc", 21),
            ],
        },
        SeedDoc {
            key: "offerStockShort",
            kind: Offer,
            project_id: 1004,
            doc_id: 934,
            card_name: "Consumabile imprimante – Agro Verde",
            customer: AGRO_VERDE,
            contact: AGRO_VERDE_PERSON,
            currency: "RON",
            rate: "",
            status: OFFER_SENT.0,
            days_ago: 3,
            number: 14,
            minute: 40,
            smartbill: None,
            items: vec![item("TON-HP", "Toner HP 85A", "210.00", "5", "buc", 21)],
        },
        SeedDoc {
            key: "orderPayerRon",
            kind: Order,
            project_id: 1101,
            doc_id: 841,
            card_name: "Comandă laptop și monitoare – Agro Verde",
            customer: AGRO_VERDE,
            contact: AGRO_VERDE_PERSON,
            currency: "RON",
            rate: "",
            status: ORDER_IN_PROGRESS.0,
            days_ago: 3,
            number: 7,
            minute: 50,
            smartbill: None,
            items: vec![
                item("LAP-001", "Laptop Dell Latitude 5440", "4200.00", "1", "buc", 21),
                item("MON-024", "Monitor LG 24\"", "780.00", "2", "darab", 21),
                item("", "Reducere comandă", "-150.00", "1", "buc", 21),
            ],
        },
        SeedDoc {
            key: "orderPersonEur",
            kind: Order,
            project_id: 1102,
            doc_id: 842,
            card_name: "Comandă cărți și suport – Ion Popescu",
            customer: ION_POPESCU,
            contact: ION_POPESCU,
            currency: "EUR",
            rate: "4.9750",
            status: ORDER_IN_PROGRESS.0,
            days_ago: 2,
            number: 8,
            minute: 60,
            smartbill: None,
            items: vec![
                item("CRT-ARH", "Carte Arhitectura software", "18.07", "3", "piece", 11),
                item("SUP-ANUAL", "Abonament suport", "19.90", "12", "luna", 21),
            ],
        },
        SeedDoc {
            key: "orderBucharestRon",
            kind: Order,
            project_id: 1103,
            doc_id: 843,
            card_name: "Manuale și instalare – Tehnoserv Construct",
            customer: TEHNOSERV,
            contact: TEHNOSERV_PERSON,
            currency: "RON",
            rate: "",
            status: ORDER_IN_PROGRESS.0,
            days_ago: 1,
            number: 9,
            minute: 70,
            smartbill: None,
            items: vec![
                item("CRT-ARH", "Carte Arhitectura software", "89.90", "5", "buc", 11),
                item("SRV-INST", "Instalare si configurare", "150.00", "3", "oră", 21),
            ],
        },
        SeedDoc {
            key: "orderDraft",
            kind: Order,
            project_id: 1104,
            doc_id: 844,
            card_name: "Scaune sală ședințe – Tehnoserv Construct",
            customer: TEHNOSERV,
            contact: TEHNOSERV_PERSON,
            currency: "RON",
            rate: "",
            status: ORDER_DRAFT.0,
            days_ago: 0,
            number: 0,
            minute: 80,
            smartbill: None,
            items: vec![item("SCAUN-ERG", "Scaun ergonomic", "1150.00", "6", "bucată", 21)],
        },
        // An offer prepared in the UI and not issued yet (§2.9: whether lists show it is a reading).
        SeedDoc {
            key: "offerDraft",
            kind: Offer,
            project_id: 1010,
            doc_id: 940,
            card_name: "Ofertă în lucru – Ion Popescu",
            customer: ION_POPESCU,
            contact: ION_POPESCU,
            currency: "RON",
            rate: "",
            status: OFFER_PREPARING.0,
            days_ago: 0,
            number: 0,
            minute: 85,
            smartbill: None,
            items: vec![item("CAB-HDMI", "Cablu HDMI 2m", "35.50", "3", "buc", 21)],
        },
    ]
}

/// The extra cards of the `typeIds` shape: invoiced before, with the SmartBill fields filled.
fn invoiced_docs() -> Vec<SeedDoc> {
    use DocKind::{Offer, Order};
    vec![
        SeedDoc {
            key: "offerInvoiced",
            kind: Offer,
            project_id: 1005,
            doc_id: 935,
            card_name: "Monitor și cabluri – Agro Verde",
            customer: AGRO_VERDE,
            contact: AGRO_VERDE_PERSON,
            currency: "RON",
            rate: "",
            status: OFFER_ACCEPTED.0,
            days_ago: 2,
            number: 15,
            minute: 90,
            smartbill: Some(SeedInvoice {
                number: "0118",
                document_id: 302_368_118,
                payment: 2,
                paid: "1029.71",
                error: "",
            }),
            items: vec![
                item("MON-024", "Monitor LG 24\"", "780.00", "1", "buc", 21),
                item("CAB-HDMI", "Cablu HDMI 2m", "35.50", "2", "buc", 21),
            ],
        },
        SeedDoc {
            key: "orderInvoiced",
            kind: Order,
            project_id: 1105,
            doc_id: 845,
            card_name: "Comandă laptop – Tehnoserv Construct",
            customer: TEHNOSERV,
            contact: TEHNOSERV_PERSON,
            currency: "RON",
            rate: "",
            status: ORDER_COMPLETED.0,
            days_ago: 1,
            number: 10,
            minute: 100,
            smartbill: Some(SeedInvoice {
                number: "0119",
                document_id: 302_368_119,
                payment: 1,
                paid: "2000.00",
                error: "",
            }),
            items: vec![item(
                "LAP-001",
                "Laptop Dell Latitude 5440",
                "4200.00",
                "1",
                "buc",
                21,
            )],
        },
        SeedDoc {
            key: "offerFailed",
            kind: Offer,
            project_id: 1006,
            doc_id: 936,
            card_name: "Scaune – Ion Popescu",
            customer: ION_POPESCU,
            contact: ION_POPESCU,
            currency: "RON",
            rate: "",
            status: OFFER_ACCEPTED.0,
            days_ago: 1,
            number: 16,
            minute: 110,
            smartbill: Some(SeedInvoice {
                number: "",
                document_id: 0,
                payment: 0,
                paid: "0",
                error: "Seria nu a fost gasita! Folositi o serie creata in contul de cloud.",
            }),
            items: vec![item("SCAUN-ERG", "Scaun ergonomic", "1150.00", "1", "buc", 21)],
        },
    ]
}

fn docs_of(shape: TenantShape) -> Vec<SeedDoc> {
    let mut docs = seed_docs();
    if shape == TenantShape::TypeIds {
        docs.extend(invoiced_docs());
    }
    docs
}

/// One line of a seeded invoice, as a SmartBill product line.
pub struct SeedLine {
    pub code: &'static str,
    pub name: &'static str,
    pub quantity: &'static str,
    pub price: &'static str,
    pub vat: u32,
}

/// The invoices SmartBill holds for the `typeIds` shape's invoiced cards: (number, customer
/// name, customer VAT code, lines, amount collected), in number order.
pub fn seeded_invoices(shape: TenantShape) -> Vec<(&'static str, u64, Vec<SeedLine>, &'static str)> {
    docs_of(shape)
        .into_iter()
        .filter_map(|d| {
            let sb = d.smartbill?;
            if sb.number.is_empty() {
                return None;
            }
            let lines = d
                .items
                .iter()
                .map(|i| SeedLine {
                    code: i.sku,
                    name: i.name,
                    quantity: i.qty,
                    price: i.price,
                    vat: i.vat,
                })
                .collect();
            Some((sb.number, d.customer, lines, sb.paid))
        })
        .collect()
}

/// The public-looking SmartBill link of a seeded invoice.
fn invoice_link(document_id: u64) -> String {
    format!("https://cloud.smartbill.ro/documente/editare/factura/{document_id}/")
}

pub const SALES_CARD: u64 = 1000;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or(Decimal::ZERO)
}

fn items_of(d: &SeedDoc) -> Vec<Item> {
    d.items
        .iter()
        .enumerate()
        .map(|(i, it)| Item {
            id: d.doc_id * 10 + i as u64 + 1,
            sku: it.sku.to_string(),
            ean: String::new(),
            name: it.name.to_string(),
            description: String::new(),
            price_net: dec(it.price),
            quantity: dec(it.qty),
            unit: it.unit.to_string(),
            vat: Decimal::from(it.vat),
        })
        .collect()
}

fn totals(d: &SeedDoc) -> (Decimal, Decimal, Decimal) {
    let items = items_of(d);
    let net: Decimal = items.iter().map(Item::net).sum();
    let vat: Decimal = items.iter().map(Item::vat_amount).sum();
    (net, vat, net + vat)
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn contacts() -> Vec<Contact> {
    let payer_vat = CUSTOMER_PAYER_CIF.trim_start_matches("RO");
    let c = |id, kind, business_id, f: BTreeMap<String, String>| Contact {
        id,
        kind,
        business_id,
        fields: f,
        deleted: false,
        created_ms: 0,
        updated_ms: 0,
    };
    vec![
        c(
            TEHNOSERV,
            ContactKind::Business,
            None,
            fields(&[
                ("Name", "Tehnoserv Construct SRL"),
                ("Email", "office@tehnoserv.ro"),
                ("Phone", "+40 21 312 4567"),
                ("VatNumber", CUSTOMER_BUCHAREST_CIF),
                ("RegistrationNumber", "J40/1234/2015"),
                ("BankAccount", "RO49AAAA1B31007593840000"),
                ("Industry", "Construcții"),
                ("Url", "https://www.tehnoserv.ro"),
                ("Description", "Client din 2021. Neplătitor de TVA."),
            ]),
        ),
        c(
            TEHNOSERV_PERSON,
            ContactKind::Person,
            Some(TEHNOSERV),
            fields(&[
                ("FirstName", "Mihai"),
                ("LastName", "Dumitrescu"),
                ("Email", "mihai.dumitrescu@tehnoserv.ro"),
                ("Phone", "+40 722 111 222"),
                ("Position", "Director achiziții"),
            ]),
        ),
        c(
            AGRO_VERDE,
            ContactKind::Business,
            None,
            fields(&[
                ("Name", "Agro Verde SRL"),
                ("Email", "facturi@agroverde.ro"),
                ("Phone", "+40 264 450 900"),
                ("VatNumber", payer_vat),
                ("EUVatNumber", CUSTOMER_PAYER_CIF),
                ("RegistrationNumber", "J12/3456/2019"),
                ("BankAccount", "RO09BTRLRONCRT0123456701"),
                ("Swift", "BTRLRO22"),
                ("Industry", "Agricultură"),
                ("CodClientSmartBill", ""),
            ]),
        ),
        c(
            AGRO_VERDE_PERSON,
            ContactKind::Person,
            Some(AGRO_VERDE),
            fields(&[
                ("FirstName", "Ana"),
                ("LastName", "Moldovan"),
                ("Email", "ana.moldovan@agroverde.ro"),
                ("Phone", "+40 744 333 444"),
                ("Position", "Contabil șef"),
            ]),
        ),
        c(
            ION_POPESCU,
            ContactKind::Person,
            None,
            fields(&[
                ("FirstName", "Ion"),
                ("LastName", "Popescu"),
                ("Email", "ion.popescu@example.ro"),
                ("Phone", "+40 745 555 666"),
                // [INF] an individual's CNP kept in VatNumber, as Romanian tenants do.
                ("VatNumber", CUSTOMER_PERSON_CNP),
            ]),
        ),
    ]
}

fn addresses() -> Vec<Address> {
    let a =
        |id, contact_id, kind: &str, county: &str, city: &str, postal: &str, street: &str, default| Address {
            id,
            contact_id,
            kind: kind.to_string(),
            name: String::new(),
            country: "România".to_string(),
            county: county.to_string(),
            city: city.to_string(),
            postal_code: postal.to_string(),
            address: street.to_string(),
            default,
            created_ms: 0,
            updated_ms: 0,
        };
    let billing = "Adresă de facturare";
    vec![
        a(
            5001,
            TEHNOSERV,
            billing,
            "Sector 3",
            "București",
            "030167",
            "Str. Ion Nistor 4",
            true,
        ),
        // The company's default address is its warehouse; documents still use the billing address.
        a(
            5002,
            AGRO_VERDE,
            "Punct de lucru",
            "Cluj",
            "Florești",
            "407280",
            "Str. Eroilor 120",
            true,
        ),
        a(
            5003,
            AGRO_VERDE,
            billing,
            "Cluj",
            "Cluj-Napoca",
            "400114",
            "Str. Memorandumului 28",
            false,
        ),
        a(
            5004,
            ION_POPESCU,
            billing,
            "Iași",
            "Iași",
            "700506",
            "Bd. Carol I 11",
            true,
        ),
    ]
}

/// Loads the demo tenant (ids fixed, dates relative to `today`); `origin` is the fake's origin
/// (for the download URLs of seeded files).
pub fn seed(st: &mut State, today: NaiveDate, shape: TenantShape, origin: &str) {
    let (offer_sb, order_sb) = sb_fields(shape);
    let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let base = hu_ms(yesterday, 9, 0);
    let minute = |m: u32| base + i64::from(m) * 60_000;
    let admin = st.users.first().map(|u| u.id).unwrap_or(0);
    let second_user = st.users.get(1).map(|u| u.id).unwrap_or(admin);

    for mut c in contacts() {
        c.created_ms = minute(0);
        c.updated_ms = minute(0);
        st.contacts.insert(c.id, c);
    }
    for mut a in addresses() {
        a.created_ms = minute(0);
        a.updated_ms = minute(0);
        st.addresses.insert(a.id, a);
    }

    let project = |id, category_id, contact_id, business_id, status_id, name: &str, m: u32| Project {
        id,
        category_id,
        contact_id,
        business_id,
        status_id,
        user_id: if id % 2 == 0 { second_user } else { admin },
        name: name.to_string(),
        reference_id: String::new(),
        is_private: false,
        deleted: false,
        created_by: admin,
        updated_by: admin,
        created_ms: minute(m),
        updated_ms: minute(m),
        status_updated_ms: minute(m),
        fields: BTreeMap::new(),
    };

    let mut sales = project(
        SALES_CARD,
        SALES_CATEGORY,
        TEHNOSERV_PERSON,
        Some(TEHNOSERV),
        2503,
        "Dotare birouri Tehnoserv 2026",
        5,
    );
    sales.fields.insert("Enum1221".into(), json!(2671));
    sales.fields.insert("Int1107".into(), json!(15000));
    sales.fields.insert(
        "Text1105".into(),
        json!("Clientul vrea ofertă pentru 10 posturi de lucru."),
    );
    st.projects.insert(SALES_CARD, sales);

    for d in docs_of(shape) {
        let cat = if d.kind == DocKind::Offer {
            OFFERS_CATEGORY
        } else {
            ORDERS_CATEGORY
        };
        let business = st.contacts.get(&d.contact).and_then(|c| match c.kind {
            ContactKind::Business => Some(c.id),
            ContactKind::Person => c.business_id,
        });
        let mut p = project(
            d.project_id,
            cat,
            d.contact,
            business,
            d.status,
            d.card_name,
            d.minute,
        );
        match d.kind {
            DocKind::Offer => {
                p.fields.insert("Enum1907".into(), json!(2672));
                p.fields.insert("Int1909".into(), json!(30));
                if d.key == "offerBucharestRon" {
                    p.fields.insert("Float1910".into(), json!(5.0));
                    p.fields
                        .insert("Text1911".into(), json!("Livrare după confirmarea plății."));
                }
            }
            DocKind::Order => {
                p.fields.insert("Enum1952".into(), json!(2681));
                p.fields.insert("Int1953".into(), json!(1));
            }
        }
        if let Some(sb) = d.smartbill {
            let f = if d.kind == DocKind::Offer {
                offer_sb
            } else {
                order_sb
            };
            fill_smartbill_fields(st, &mut p, &f, &sb, origin);
        }
        st.projects.insert(p.id, p);

        let issued = today.checked_sub_days(Days::new(d.days_ago)).unwrap_or(today);
        let prompt = issued.checked_add_days(Days::new(15)).unwrap_or(issued);
        let year = issued.format("%Y");
        let (number, pad, issued_s, prompt_s) = if d.number == 0 {
            (String::new(), String::new(), String::new(), String::new())
        } else {
            let prefix = if d.kind == DocKind::Offer { "OF" } else { "CMD" };
            (
                format!("{prefix}{year}-E/{:05}", d.number),
                format!("{:05}", d.number),
                issued.to_string(),
                prompt.to_string(),
            )
        };
        let doc = Document {
            id: d.doc_id,
            kind: d.kind,
            project_id: d.project_id,
            customer_id: d.customer,
            number,
            pad_counter: pad,
            performance: issued.to_string(),
            issued: issued_s,
            prompt: prompt_s,
            paid: String::new(),
            currency: d.currency.to_string(),
            conversion_rate: d.rate.to_string(),
            payment_method: "WiredTransfer".to_string(),
            language: "RO".to_string(),
            subject: String::new(),
            customer: Default::default(),
            items: items_of(&d),
            storned_id: String::new(),
            updated_ms: minute(d.minute),
            token: token_for(d.doc_id * 7919),
        };
        st.documents.insert(doc.id, doc);
    }
    // Customer blocks are snapshots of the contacts and their billing addresses.
    let blocks: Vec<(u64, super::model::CustomerBlock)> = st
        .documents
        .values()
        .map(|d| (d.id, super::documents::customer_block(st, d.customer_id)))
        .collect();
    for (id, block) in blocks {
        if let Some(d) = st.documents.get_mut(&id) {
            d.customer = block;
        }
    }

    for (id, p) in seed_products() {
        st.products.insert(
            id,
            Product {
                id,
                fields: p,
                deleted: false,
                created_ms: minute(0),
                updated_ms: minute(0),
            },
        );
    }
}

/// Writes what the SmartBill extension left on an invoiced card: number, link, payment status,
/// the PDF (stored behind a download URL) or the error message.
fn fill_smartbill_fields(st: &mut State, p: &mut Project, f: &SmartBillFields, sb: &SeedInvoice, base: &str) {
    if sb.number.is_empty() {
        p.fields.insert(f.error.into(), json!(sb.error));
        return;
    }
    p.fields.insert(
        f.invoice_number.into(),
        json!(format!("{INVOICED_SERIES} {}", sb.number)),
    );
    p.fields
        .insert(f.link.into(), json!(invoice_link(sb.document_id)));
    p.fields
        .insert(f.payment_status.into(), json!(f.first_option + sb.payment as u64));
    let token = token_for(sb.document_id);
    let file_name = format!("factura{INVOICED_SERIES}{}.pdf", sb.number);
    let bytes = crate::pdf::render(&[
        format!("Factura {INVOICED_SERIES} {}", sb.number),
        format!(
            "Furnizor: {} ({})",
            crate::seed::COMPANY_NAME,
            crate::seed::COMPANY_CIF
        ),
        format!(
            "Stare: {}",
            PAYMENT_STATUS_LABELS.get(sb.payment).copied().unwrap_or("")
        ),
    ]);
    st.files.insert(
        token.clone(),
        StoredFile {
            file_name,
            bytes,
            content_type: "application/pdf".into(),
            source: invoice_link(sb.document_id),
        },
    );
    p.fields.insert(
        f.pdf.into(),
        json!(format!(
            "{base}/{MINICRM_SYSTEM_ID}/Download/S3/?t=project&inline=0&e={token}"
        )),
    );
}

/// Products already in MiniCRM before any stock sync (with stale quantities).
fn seed_products() -> Vec<(u64, Map<String, Value>)> {
    let p = |sku: &str, name: &str, price: f64, qty: i64, unit: &str| {
        let v = json!({
            "Name": name, "SKU": sku, "EAN": "", "FolderName": "Produse", "VAT": "21%", "PriceNet": price,
            "CurrencyCode": "RON", "UnitName": unit, "Quantity": qty, "Warehouse_Name": "Depozit Central",
            "Description": "", "Deleted": 0,
        });
        v.as_object().cloned().unwrap_or_default()
    };
    vec![
        (
            601,
            p("LAP-001", "Laptop Dell Latitude 5440", 4200.0, 3, "Unit_Piece"),
        ),
        (602, p("MON-024", "Monitor LG 24\"", 780.0, 10, "Unit_Piece")),
        (603, p("CAB-HDMI", "Cablu HDMI 2m", 35.5, 40, "Unit_Piece")),
    ]
}

/// The seeded cards by name, for tests and the demo (`GET /__control/info` → `minicrm.cards`).
pub fn cards_info(shape: TenantShape) -> Value {
    let mut m = Map::new();
    for d in docs_of(shape) {
        let (net, vat, total) = totals(&d);
        let cat = if d.kind == DocKind::Offer {
            OFFERS_CATEGORY
        } else {
            ORDERS_CATEGORY
        };
        let status = [
            OFFER_PREPARING,
            OFFER_SENT,
            OFFER_ACCEPTED,
            ORDER_DRAFT,
            ORDER_IN_PROGRESS,
            ORDER_COMPLETED,
        ]
        .iter()
        .find(|(id, _)| *id == d.status)
        .map(|(_, l)| *l)
        .unwrap_or("");
        m.insert(
            d.key.to_string(),
            json!({
                "categoryId": cat,
                "projectId": d.project_id,
                "documentId": d.doc_id,
                "type": d.kind.as_str(),
                "name": d.card_name,
                "customerId": d.customer,
                "contactId": d.contact,
                "currency": d.currency,
                "conversionRate": d.rate,
                "amountNet": fmt_dec(net, 2),
                "amountVat": fmt_dec(vat, 2),
                "amount": fmt_dec(total, 2),
                "statusId": d.status,
                "status": status,
                // Listed by `GET /Api/{Offer|Order}/List` under the default (strict) readings.
                "listed": d.number != 0 && d.status != ORDER_DRAFT.0,
                "issued": d.number != 0,
                "skus": d.items.iter().map(|i| i.sku).filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                "hash": format!("#Project-{cat}/{}", d.project_id),
                "invoice": d.smartbill.filter(|sb| !sb.number.is_empty()).map(|sb| json!({
                    "series": INVOICED_SERIES, "number": sb.number, "paid": sb.paid,
                    "paymentStatus": PAYMENT_STATUS_LABELS.get(sb.payment).copied().unwrap_or(""),
                    "link": invoice_link(sb.document_id),
                })),
                "error": d.smartbill.filter(|sb| sb.number.is_empty()).map(|sb| sb.error),
            }),
        );
    }
    m.insert(
        "salesCard".into(),
        json!({"categoryId": SALES_CATEGORY, "projectId": SALES_CARD, "documentId": null,
               "name": "Dotare birouri Tehnoserv 2026", "hash": format!("#Project-{SALES_CATEGORY}/{SALES_CARD}")}),
    );
    m.insert(
        "customers".into(),
        json!({
            "bucharest": {"id": TEHNOSERV, "personId": TEHNOSERV_PERSON, "name": "Tehnoserv Construct SRL", "vatNumber": CUSTOMER_BUCHAREST_CIF},
            "payer": {"id": AGRO_VERDE, "personId": AGRO_VERDE_PERSON, "name": "Agro Verde SRL", "euVatNumber": CUSTOMER_PAYER_CIF},
            "person": {"id": ION_POPESCU, "name": "Ion Popescu", "vatNumber": CUSTOMER_PERSON_CNP},
        }),
    );
    m.insert(
        "statuses".into(),
        json!({
            "offerPreparing": {"id": OFFER_PREPARING.0, "label": OFFER_PREPARING.1},
            "offerSent": {"id": OFFER_SENT.0, "label": OFFER_SENT.1},
            "offerAccepted": {"id": OFFER_ACCEPTED.0, "label": OFFER_ACCEPTED.1},
            "orderDraft": {"id": ORDER_DRAFT.0, "label": ORDER_DRAFT.1},
            "orderInProgress": {"id": ORDER_IN_PROGRESS.0, "label": ORDER_IN_PROGRESS.1},
            "orderCompleted": {"id": ORDER_COMPLETED.0, "label": ORDER_COMPLETED.1},
        }),
    );
    let (offer_sb, order_sb) = sb_fields(shape);
    let sb = |f: &SmartBillFields| {
        json!({"invoiceNumber": f.invoice_number, "link": f.link, "paymentStatus": f.payment_status,
               "pdf": f.pdf, "error": f.error, "paymentStatusFirstOption": f.first_option,
               "types": {"invoiceNumber": "Text(255)", "link": if f.link_is_url { "Url" } else { "Text(1024)" },
                         "paymentStatus": "Enum", "pdf": "File(10MB)", "error": "Text(4096)"}})
    };
    m.insert(
        "fields".into(),
        json!({"shape": shape, "offers": sb(&offer_sb), "orders": sb(&order_sb)}),
    );
    Value::Object(m)
}
