//! What the fake SmartBill account holds: company, settings, series, VAT rates, units,
//! warehouses, products and the stock ledger, documents, payments, the rate limiter.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::limit::Limiter;
use super::money::{self, Amounts, Totals};

/// The account's credentials and company (one company per account in the fake).
#[derive(Clone, Debug)]
pub struct Account {
    pub email: String,
    pub token: String,
    /// The company CIF exactly as registered in Cloud (with "RO" for VAT payers).
    pub cif: String,
    pub company_name: String,
    pub company_address: String,
}

/// Account preferences that change the API's behaviour (control: `POST /settings`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// "Foloseste cod produs": product lines need `code`; stock is matched by code.
    pub use_product_codes: bool,
    pub vat_payer: bool,
    /// The stock module ("Gestiune") is active.
    pub stock_module: bool,
    /// An e-mail server is configured (else `sendEmail` fails, §2.9).
    pub mail_server: bool,
    /// A cash register is configured for the API user (else `type: "Bon"` fails, §2.8).
    pub cash_register: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            use_product_codes: true,
            vat_payer: true,
            stock_module: true,
            mail_server: false,
            cash_register: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeriesType {
    #[serde(rename = "f")]
    Invoice,
    #[serde(rename = "p")]
    Proforma,
    #[serde(rename = "c")]
    Receipt,
}

impl SeriesType {
    pub fn letter(self) -> &'static str {
        match self {
            SeriesType::Invoice => "f",
            SeriesType::Proforma => "p",
            SeriesType::Receipt => "c",
        }
    }
    pub fn parse(s: &str) -> Option<SeriesType> {
        match s {
            "f" => Some(SeriesType::Invoice),
            "p" => Some(SeriesType::Proforma),
            "c" => Some(SeriesType::Receipt),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub kind: SeriesType,
    /// The number the next document gets.
    pub next: u32,
}

#[derive(Clone, Debug)]
pub struct Tax {
    pub name: String,
    pub percentage: Decimal,
}

#[derive(Clone, Debug)]
pub struct Warehouse {
    pub name: String,
    /// "en gros" or "en detail".
    pub kind: String,
}

/// A catalogue product ("nomenclator").
#[derive(Clone, Debug)]
pub struct Product {
    /// "" when registered without a code.
    pub code: String,
    pub name: String,
    pub unit: String,
    pub vat: Decimal,
    pub service: bool,
}

/// One stock movement; the stock of a product in a warehouse at a date is the sum of its
/// movements up to that date.
#[derive(Clone, Debug)]
pub struct Movement {
    pub warehouse: String,
    /// Index in [`State::products`].
    pub product: usize,
    pub quantity: Decimal,
    pub date: NaiveDate,
    /// The document that caused it (`None`: initial stock or a control adjustment).
    pub document: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    Invoice,
    Estimate,
}

impl DocKind {
    /// "factura" / "proforma" (URLs, PDF titles).
    pub fn slug(self) -> &'static str {
        match self {
            DocKind::Invoice => "factura",
            DocKind::Estimate => "proforma",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            DocKind::Invoice => "Factura",
            DocKind::Estimate => "Proforma",
        }
    }
}

/// A product or discount line as stored.
#[derive(Clone, Debug)]
pub struct Line {
    /// The line exactly as sent (for drafts from a proforma: as copied).
    pub raw: Value,
    pub name: String,
    pub code: String,
    pub unit: String,
    pub is_discount: bool,
    pub is_service: bool,
    pub quantity: Decimal,
    /// Unit price as sent, in `currency`.
    pub price: Decimal,
    pub currency: String,
    pub tax_name: String,
    pub tax_included: bool,
    pub warehouse: String,
    pub amounts: Amounts,
}

/// A stock discharge (negative) or reload (storno, positive) made by a document.
#[derive(Clone, Debug)]
pub struct Discharge {
    pub warehouse: String,
    pub product: usize,
    pub quantity: Decimal,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub id: u64,
    pub kind: DocKind,
    pub series: String,
    /// Zero-padded ("0124"); "" for drafts.
    pub number: String,
    pub draft: bool,
    pub issue_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub delivery_date: Option<NaiveDate>,
    /// The client object as sent (or copied from the proforma).
    pub client: Value,
    pub lines: Vec<Line>,
    pub totals: Totals,
    pub precision: u32,
    pub currency: String,
    pub exchange_rate: Decimal,
    pub language: String,
    pub mentions: String,
    pub observations: String,
    pub payment_url: String,
    pub use_stock: bool,
    pub discharges: Vec<Discharge>,
    pub cancelled: bool,
    pub deleted: bool,
    /// For a storno invoice: the invoice it reverses.
    pub reverses: Option<u64>,
    /// For a reversed invoice: its storno.
    pub reversed_by: Option<u64>,
    /// For an invoice made with `useEstimateDetails`: the proforma.
    pub from_estimate: Option<u64>,
    /// E-mail sent at issue (`sendEmail`), as `{to, cc, bcc}`.
    pub email: Option<Value>,
    /// Things SmartBill accepts but e-Factura would reject (Bucharest sectors, …).
    pub warnings: Vec<String>,
    /// The hash of the public `documentViewUrl`.
    pub view_hash: String,
    /// The request body exactly as received.
    pub request: Value,
    /// Virtual time of creation (RFC 3339).
    pub created_at: String,
}

impl Document {
    /// "FCT0124" (how SmartBill's messages name a document).
    pub fn label(&self) -> String {
        format!("{}{}", self.series, self.number)
    }
    pub fn client_str(&self, key: &str) -> String {
        self.client
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }
}

/// A collection (incasare): a receipt (Chitanta) or another payment type.
#[derive(Clone, Debug)]
pub struct Payment {
    pub id: u64,
    /// "Chitanta", "Ordin plata", "Card"…
    pub kind: String,
    pub value: Decimal,
    pub date: NaiveDate,
    pub is_cash: bool,
    /// The receipt series and number ("" for a draft receipt), for Chitanta.
    pub receipt_series: String,
    pub receipt_number: String,
    pub client_name: String,
    pub client_vat_code: String,
    /// (invoice id, amount) settled by this payment.
    pub allocations: Vec<(u64, Decimal)>,
    /// "api" (POST /payment), "invoice" (payment at issue), "control" (the control API).
    pub source: String,
    pub deleted: bool,
    pub request: Value,
}

/// A client saved with `saveToDb`.
#[derive(Clone, Debug)]
pub struct SavedClient {
    pub name: String,
    pub vat_code: String,
    pub data: Value,
}

/// The fake SmartBill Cloud account. `Default` is an empty, unconfigured account (no credentials
/// work); [`super::seed`] fills it.
#[derive(Default)]
pub struct State {
    pub account: Option<Account>,
    pub settings: Settings,
    pub series: Vec<Series>,
    pub taxes: Vec<Tax>,
    pub units: Vec<String>,
    pub warehouses: Vec<Warehouse>,
    pub products: Vec<Product>,
    pub movements: Vec<Movement>,
    /// Date of the initial stock import (no stock documents may precede it).
    pub stock_import_date: Option<NaiveDate>,
    pub documents: Vec<Document>,
    pub payments: Vec<Payment>,
    pub clients: Vec<SavedClient>,
    pub limiter: Limiter,
    /// The stock webhook's URL, token and delivery queue (`super::webhook`).
    pub webhook: super::webhook::Webhook,
    pub(crate) next_id: u64,
    pub(crate) salt: u64,
}

pub fn pad(n: u32) -> String {
    format!("{n:04}")
}

impl State {
    pub(crate) fn new_id(&mut self) -> u64 {
        if self.next_id == 0 {
            self.next_id = 20_363;
        }
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// A long hex string for public URLs, unique per document (like SmartBill's 256-char hashes).
    pub(crate) fn make_hash(&self, id: u64) -> String {
        let mut x = id ^ self.salt ^ 0x9E37_79B9_7F4A_7C15;
        let mut out = String::with_capacity(128);
        for _ in 0..8 {
            // splitmix64
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            out.push_str(&format!("{z:016x}"));
        }
        out
    }

    pub fn series_named(&self, name: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.name == name)
    }

    pub fn series_mut(&mut self, name: &str) -> Option<&mut Series> {
        self.series.iter_mut().find(|s| s.name == name)
    }

    /// The live (not deleted) document of `kind` with this series and number. The number matches
    /// with or without the zero padding ("0124" or "124") [INF].
    pub fn find_doc(&self, kind: DocKind, series: &str, number: &str) -> Option<&Document> {
        let idx = self.find_doc_index(kind, series, number)?;
        self.documents.get(idx)
    }

    pub fn find_doc_index(&self, kind: DocKind, series: &str, number: &str) -> Option<usize> {
        let wanted = number.trim();
        if wanted.is_empty() {
            return None;
        }
        let wanted_n: Option<u32> = wanted.parse().ok();
        self.documents.iter().position(|d| {
            d.kind == kind
                && !d.deleted
                && !d.draft
                && d.series == series
                && (d.number == wanted || (wanted_n.is_some() && d.number.parse::<u32>().ok() == wanted_n))
        })
    }

    pub fn doc_by_id(&self, id: u64) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    pub fn doc_index_by_id(&self, id: u64) -> Option<usize> {
        self.documents.iter().position(|d| d.id == id)
    }

    /// Documents in creation order (deleted ones included, flagged).
    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The last non-deleted invoice of a series, for tests.
    pub fn last_document(&self, series: &str) -> Option<&Document> {
        self.documents
            .iter()
            .rev()
            .find(|d| d.series == series && !d.deleted)
    }

    /// Sum of the collections allocated to a document.
    pub fn paid_amount(&self, doc_id: u64) -> Decimal {
        self.payments
            .iter()
            .filter(|p| !p.deleted)
            .flat_map(|p| p.allocations.iter())
            .filter(|(id, _)| *id == doc_id)
            .map(|(_, v)| *v)
            .sum()
    }

    /// The part of an invoice settled by its storno (the storno's total, as a positive amount).
    pub fn reversed_amount(&self, doc: &Document) -> Decimal {
        doc.reversed_by
            .and_then(|id| self.doc_by_id(id))
            .filter(|s| !s.deleted && !s.cancelled)
            .map(|s| -s.totals.gross)
            .unwrap_or_default()
    }

    /// What is left to collect on an invoice: total − collections − storno. [INF] SmartBill counts
    /// a storno as settling the invoice ("Factura este incasata sau stornata in totalitate.").
    pub fn unpaid_amount(&self, doc: &Document) -> Decimal {
        doc.totals.gross - self.paid_amount(doc.id) - self.reversed_amount(doc)
    }

    /// The control API's view of a document: every stored fact, amounts as strings.
    pub fn document_json(&self, d: &Document, origin: &str) -> Value {
        let dp = d.precision;
        let lines: Vec<Value> = d
            .lines
            .iter()
            .map(|l| {
                json!({
                    "name": l.name,
                    "code": l.code,
                    "measuringUnitName": l.unit,
                    "isDiscount": l.is_discount,
                    "isService": l.is_service,
                    "quantity": l.quantity.normalize().to_string(),
                    "price": l.price.normalize().to_string(),
                    "currency": l.currency,
                    "taxName": l.tax_name,
                    "taxPercentage": l.amounts.rate.normalize().to_string(),
                    "isTaxIncluded": l.tax_included,
                    "warehouseName": l.warehouse,
                    "net": money::fixed(l.amounts.net, dp),
                    "vat": money::fixed(l.amounts.vat, dp),
                    "total": money::fixed(l.amounts.gross, dp),
                    "sent": l.raw,
                })
            })
            .collect();
        let payments: Vec<Value> = self
            .payments
            .iter()
            .filter(|p| !p.deleted)
            .filter_map(|p| {
                let amount = p
                    .allocations
                    .iter()
                    .filter(|(id, _)| *id == d.id)
                    .map(|(_, v)| *v)
                    .sum::<Decimal>();
                p.allocations.iter().any(|(id, _)| *id == d.id).then(|| {
                    json!({
                        "id": p.id,
                        "type": p.kind,
                        "amount": money::fixed(amount, dp),
                        "date": p.date.to_string(),
                        "receiptSeries": p.receipt_series,
                        "receiptNumber": p.receipt_number,
                        "source": p.source,
                    })
                })
            })
            .collect();
        let label = |id: Option<u64>| -> Value {
            id.and_then(|id| self.doc_by_id(id))
                .map(|x| json!({"id": x.id, "series": x.series, "number": x.number}))
                .unwrap_or(Value::Null)
        };
        let invoices: Vec<Value> = self
            .documents
            .iter()
            .filter(|x| x.from_estimate == Some(d.id) && !x.deleted)
            .map(|x| json!({"id": x.id, "series": x.series, "number": x.number}))
            .collect();
        let discharges: Vec<Value> = d
            .discharges
            .iter()
            .map(|x| {
                json!({
                    "warehouse": x.warehouse,
                    "code": self.products.get(x.product).map(|p| p.code.as_str()).unwrap_or(""),
                    "name": self.products.get(x.product).map(|p| p.name.as_str()).unwrap_or(""),
                    "quantity": x.quantity.normalize().to_string(),
                })
            })
            .collect();
        let (paid, unpaid) = match d.kind {
            DocKind::Invoice => (
                money::fixed(self.paid_amount(d.id), dp),
                money::fixed(self.unpaid_amount(d), dp),
            ),
            DocKind::Estimate => (String::new(), String::new()),
        };
        json!({
            "id": d.id,
            "kind": d.kind,
            "series": d.series,
            "number": d.number,
            "isDraft": d.draft,
            "issueDate": d.issue_date.to_string(),
            "dueDate": d.due_date.map(|x| x.to_string()),
            "deliveryDate": d.delivery_date.map(|x| x.to_string()),
            "client": d.client,
            "lines": lines,
            "totals": {
                "net": money::fixed(d.totals.net, dp),
                "vat": money::fixed(d.totals.vat, dp),
                "total": money::fixed(d.totals.gross, dp),
            },
            "precision": dp,
            "currency": d.currency,
            "exchangeRate": d.exchange_rate.normalize().to_string(),
            "language": d.language,
            "mentions": d.mentions,
            "observations": d.observations,
            "paymentUrl": d.payment_url,
            "useStock": d.use_stock,
            "discharges": discharges,
            "cancelled": d.cancelled,
            "deleted": d.deleted,
            "reverses": label(d.reverses),
            "reversedBy": label(d.reversed_by),
            "fromEstimate": label(d.from_estimate),
            "invoices": invoices,
            "payments": payments,
            "paidAmount": paid,
            "unpaidAmount": unpaid,
            "email": d.email,
            "warnings": d.warnings,
            "documentUrl": format!("{origin}/documente/editare/{}/{}/", d.kind.slug(), d.id),
            "documentViewUrl": view_url(origin, d),
            "request": d.request,
            "createdAt": d.created_at,
        })
    }
}

/// The public, shareable PDF link of a document (§2.1).
pub fn view_url(origin: &str, d: &Document) -> String {
    format!(
        "{origin}/documente/extern/pf/{}/{}?srvid=2",
        d.kind.slug(),
        d.view_hash
    )
}

pub fn edit_url(origin: &str, d: &Document) -> String {
    format!("{origin}/documente/editare/{}/{}/", d.kind.slug(), d.id)
}
