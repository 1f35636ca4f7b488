//! What the fake MiniCRM stores. Times are virtual milliseconds since the epoch ([`crate::Clock`]).

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::schema::{
    categories, default_business_fields, default_person_fields, default_users, Category, FieldDef, User,
};

/// Behaviour switches, changed through `POST /__control/minicrm/settings`. (Silent points of
/// the reference are [`crate::Readings`], kept in the world.)
#[derive(Clone, Debug)]
pub struct Settings {
    /// false: the tenant lacks the "MiniCRM API + sincronizare XML" add-on; every API call is refused.
    pub api_addon: bool,
    /// Requests per sliding minute on `/Api/R3/*` (60 documented).
    pub limit_per_minute: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_addon: true,
            limit_per_minute: 60,
        }
    }
}

/// A card. Custom field values are kept in a canonical form: enums as the option id (number),
/// Int/Float/Boolean as numbers, Text/DateTime/Date as strings, File as the download URL string.
/// An absent key is an empty field.
#[derive(Clone, Debug)]
pub struct Project {
    pub id: u64,
    pub category_id: u32,
    pub contact_id: u64,
    pub business_id: Option<u64>,
    pub status_id: u64,
    pub user_id: u64,
    pub name: String,
    pub reference_id: String,
    pub is_private: bool,
    pub deleted: bool,
    pub created_by: u64,
    pub updated_by: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub status_updated_ms: i64,
    pub fields: BTreeMap<String, Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    Business,
    Person,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Business => "Business",
            ContactKind::Person => "Person",
        }
    }

    /// Accepts the documented values, and the Hungarian labels the Cheppers client sends under the
    /// lenient reading of `contactTypeLabels` (§2.4).
    pub fn parse(v: &Value, readings: crate::Readings) -> Option<ContactKind> {
        let labels = readings.is_lenient(crate::Reading::ContactTypeLabels);
        match v.as_str()? {
            "Business" => Some(ContactKind::Business),
            "Person" => Some(ContactKind::Person),
            "Cég" if labels => Some(ContactKind::Business),
            "Személy" if labels => Some(ContactKind::Person),
            _ => None,
        }
    }
}

/// Where a contact's external id is kept in [`Contact::fields`] (§6.1 `ReferenceId`).
pub const CONTACT_REFERENCE_ID: &str = "ReferenceId";

#[derive(Clone, Debug)]
pub struct Contact {
    pub id: u64,
    pub kind: ContactKind,
    /// A person's company.
    pub business_id: Option<u64>,
    /// Schema fields, as strings. Absent = empty.
    pub fields: BTreeMap<String, String>,
    pub deleted: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Contact {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// A company's name, or a person's full name.
    pub fn display_name(&self) -> String {
        match self.kind {
            ContactKind::Business => self.get("Name").to_string(),
            ContactKind::Person => {
                let full = format!("{} {}", self.get("FirstName"), self.get("LastName"));
                full.trim().to_string()
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Address {
    pub id: u64,
    pub contact_id: u64,
    /// A label, e.g. "Adresă de facturare" (billing), "Sediu social".
    pub kind: String,
    pub name: String,
    /// A country NAME, e.g. "România".
    pub country: String,
    pub county: String,
    pub city: String,
    pub postal_code: String,
    pub address: String,
    pub default: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// Address type labels that count as a billing address.
pub const BILLING_ADDRESS_TYPES: [&str; 4] = [
    "Adresă de facturare",
    "Számlázási cím",
    "Billing address",
    "Billing",
];

#[derive(Clone, Debug)]
pub struct Product {
    pub id: u64,
    /// Every field as written (`SKU`, `Name`, `VAT` as "21%", `PriceNet`/`Quantity` as numbers, ...).
    pub fields: serde_json::Map<String, Value>,
    pub deleted: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Offer,
    Order,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Offer => "Offer",
            DocKind::Order => "Order",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Item {
    pub id: u64,
    pub sku: String,
    pub ean: String,
    pub name: String,
    pub description: String,
    pub price_net: Decimal,
    pub quantity: Decimal,
    pub unit: String,
    /// The VAT rate in percent (21, 11, 0).
    pub vat: Decimal,
}

pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

impl Item {
    /// The line's net total, rounded to 2 decimals.
    pub fn net(&self) -> Decimal {
        round2(self.price_net * self.quantity)
    }
    /// The line's VAT, computed on the rounded net and rounded to 2 decimals. [INF]
    pub fn vat_amount(&self) -> Decimal {
        round2(self.net() * self.vat / Decimal::ONE_HUNDRED)
    }
}

/// The customer data printed on a document (a snapshot taken when the document was made).
#[derive(Clone, Debug, Default)]
pub struct CustomerBlock {
    pub name: String,
    /// Numeric as a string, "40" = Romania.
    pub country_id: String,
    pub county: String,
    pub city: String,
    pub postal_code: String,
    pub address: String,
    pub account_number: String,
    pub vat_number: String,
    pub eu_vat_number: String,
    pub registration_number: String,
}

/// An offer or order document. Its status is its card's `StatusId`.
#[derive(Clone, Debug)]
pub struct Document {
    pub id: u64,
    pub kind: DocKind,
    pub project_id: u64,
    pub customer_id: u64,
    pub number: String,
    pub pad_counter: String,
    pub issued: String,
    pub performance: String,
    pub prompt: String,
    pub paid: String,
    pub currency: String,
    /// "" for the tenant currency, e.g. "4.9750" for EUR.
    pub conversion_rate: String,
    pub payment_method: String,
    pub language: String,
    pub subject: String,
    pub customer: CustomerBlock,
    pub items: Vec<Item>,
    pub storned_id: String,
    pub updated_ms: i64,
    /// The `e=` token of its `DocumentUrl`.
    pub token: String,
}

impl Document {
    pub fn totals(&self) -> (Decimal, Decimal, Decimal) {
        let net: Decimal = self.items.iter().map(Item::net).sum();
        let vat: Decimal = self.items.iter().map(Item::vat_amount).sum();
        (net, vat, net + vat)
    }
}

/// A file stored behind `/{SystemId}/Download/S3/?t=project&e=<token>`.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
    /// The URL it was downloaded from.
    pub source: String,
}

/// The whole fake tenant.
pub struct State {
    pub settings: Settings,
    /// Virtual times (ms) of the requests counted in the current sliding minute.
    pub rate_window: VecDeque<i64>,
    pub users: Vec<User>,
    pub categories: Vec<Category>,
    pub business_fields: Vec<FieldDef>,
    pub person_fields: Vec<FieldDef>,
    pub projects: BTreeMap<u64, Project>,
    pub contacts: BTreeMap<u64, Contact>,
    pub addresses: BTreeMap<u64, Address>,
    pub products: BTreeMap<u64, Product>,
    pub documents: BTreeMap<u64, Document>,
    pub files: BTreeMap<String, StoredFile>,
    pub next_project: u64,
    pub next_contact: u64,
    pub next_address: u64,
    pub next_product: u64,
    pub next_document: u64,
    pub next_item: u64,
    pub token_counter: u64,
}

impl Default for State {
    fn default() -> Self {
        State::new(crate::seed::TenantShape::Default)
    }
}

impl State {
    /// An empty tenant of the given shape (modules, users and schemas, no data).
    pub fn new(shape: crate::seed::TenantShape) -> State {
        State {
            settings: Settings::default(),
            rate_window: VecDeque::new(),
            users: default_users(),
            categories: categories(shape),
            business_fields: default_business_fields(),
            person_fields: default_person_fields(),
            projects: BTreeMap::new(),
            contacts: BTreeMap::new(),
            addresses: BTreeMap::new(),
            products: BTreeMap::new(),
            documents: BTreeMap::new(),
            files: BTreeMap::new(),
            next_project: 1200,
            next_contact: 2100,
            next_address: 5100,
            next_product: 700,
            next_document: 1000,
            next_item: 20000,
            token_counter: 0,
        }
    }
}

impl State {
    pub fn category(&self, id: u32) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn user_name(&self, id: u64) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    /// The document behind a card, if the card is an offer or order card.
    pub fn document_of_project(&self, project_id: u64) -> Option<&Document> {
        self.documents.values().find(|d| d.project_id == project_id)
    }

    /// A fresh 32-hex-digit token (deterministic sequence, random-looking).
    pub fn new_token(&mut self) -> String {
        self.token_counter += 1;
        token_for(0x5eed_0000 + self.token_counter)
    }

    /// The contact's billing address, else its default address, else its first address.
    pub fn billing_address(&self, contact_id: u64) -> Option<&Address> {
        let mine: Vec<&Address> = self
            .addresses
            .values()
            .filter(|a| a.contact_id == contact_id)
            .collect();
        mine.iter()
            .find(|a| BILLING_ADDRESS_TYPES.contains(&a.kind.as_str()))
            .or_else(|| mine.iter().find(|a| a.default))
            .or_else(|| mine.first())
            .copied()
    }
}

/// splitmix64-based hex token.
pub fn token_for(seed: u64) -> String {
    let mut x = seed;
    let mut out = String::new();
    for _ in 0..2 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS` in Hungarian local time (Europe/Budapest, with summer time), as
/// MiniCRM prints every timestamp (`CreatedAt`, `UpdatedAt`, `StatusUpdatedAt`, ...).
pub fn format_ts(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => crate::clock::to_local(t, crate::clock::BUDAPEST)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => String::new(),
    }
}

/// Parses `yyyy-mm-dd`, `yyyy-mm-dd hh:mm` or `yyyy-mm-dd hh:mm:ss` in Hungarian local time
/// (minicrm-api.md §2.3 `UpdatedSince`, §2.9 `UpdatedSince=2024-02-12 10:00`). Nothing else.
pub fn parse_hu_time(s: &str) -> Option<i64> {
    let shape_ok = s.char_indices().all(|(i, c)| match i {
        4 | 7 => c == '-',
        10 => c == ' ',
        13 | 16 => c == ':',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok {
        return None;
    }
    let naive = if s.len() == 10 {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
    } else if s.len() == 16 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok()?
    } else if s.len() == 19 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?
    } else {
        return None;
    };
    Some(crate::clock::from_local(naive, crate::clock::BUDAPEST).timestamp_millis())
}

/// Virtual ms of a Hungarian wall-clock time on `date`.
pub fn hu_ms(date: NaiveDate, h: u32, m: u32) -> i64 {
    date.and_hms_opt(h, m, 0)
        .map(|t| crate::clock::from_local(t, crate::clock::BUDAPEST).timestamp_millis())
        .unwrap_or(0)
}
