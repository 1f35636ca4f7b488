//! SmartBill Cloud V1 request and response types, exactly as documented
//! (`shared/reference/smartbill-api.md` §2). JSON bodies are flat (§0): the wrapper names of the old
//! Swagger (`invoice`, `sbcResponse`, …) are XML root names only.

use chrono::NaiveDate;
use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{de_decimal, de_decimal_opt, de_text, ser_decimal, ser_decimal_opt};

/// `POST /invoice/v2` and `/estimate/v2` body (§2.1, §2.2). Proformas reject the invoice-only
/// fields, so those are `Option`s left out when `None`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DocumentRequest {
    pub company_vat_code: String,
    pub client: Client,
    pub is_draft: bool,
    pub issue_date: NaiveDate,
    pub series_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub exchange_rate: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observations: Option<String>,
    /// Invoices only: discharge stock (each product line then needs `warehouseName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_stock: Option<bool>,
    pub products: Vec<Line>,
}

/// The `client` object (§2.1 Client table).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reg_com: Option<String>,
    pub is_tax_payer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub county: Option<String>,
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub save_to_db: bool,
}

/// A product line or a discount line of `products[]` (§2.1 Product and Discount tables).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub is_discount: bool,
    pub measuring_unit_name: String,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub quantity: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub price: Option<Decimal>,
    pub is_tax_included: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub tax_percentage: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_service: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save_to_db: Option<bool>,
    /// Discount lines: how many preceding lines the discount applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_items: Option<u32>,
    /// Discount lines: 1 = value, 2 = percentage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub discount_value: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_decimal_opt")]
    pub discount_percentage: Option<Decimal>,
}

/// The V1 envelope every JSON answer carries (§0, §3.3). `errorText` empty means success.
#[derive(Clone, Debug, Default, LeanDeserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Envelope {
    #[serde(deserialize_with = "de_text")]
    pub error_text: String,
    #[serde(deserialize_with = "de_text")]
    pub message: String,
    #[serde(deserialize_with = "de_text")]
    pub number: String,
    #[serde(deserialize_with = "de_text")]
    pub series: String,
    #[serde(deserialize_with = "de_text")]
    pub url: String,
    #[serde(deserialize_with = "de_text")]
    pub document_url: String,
    /// An integer in v2, a string in the storno answer of the old spec; -1 on errors.
    #[serde(deserialize_with = "de_text")]
    pub document_id: String,
    #[serde(deserialize_with = "de_text")]
    pub document_view_url: String,
}

/// A created invoice, proforma or storno.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub series: String,
    /// Zero-padded as the series prints it ("0124"); empty for drafts.
    pub number: String,
    pub document_url: String,
    pub document_id: String,
    /// The public PDF link.
    pub document_view_url: String,
    /// Payment link, when one was asked for.
    pub url: String,
}

#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum SeriesType {
    // The blank a struct's reading starts from (`LeanDeserialize`).
    #[default]
    #[serde(rename = "f")]
    Invoice,
    #[serde(rename = "p")]
    Proforma,
    #[serde(rename = "c")]
    Receipt,
}

impl SeriesType {
    pub fn code(self) -> &'static str {
        match self {
            SeriesType::Invoice => "f",
            SeriesType::Proforma => "p",
            SeriesType::Receipt => "c",
        }
    }
}

/// `GET /series` list item (§2.11). `nextNumber` is an integer in the new spec; old examples
/// mixed `13` and `"0117"`, so both are read.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Series {
    pub name: String,
    #[serde(deserialize_with = "crate::money::de_id")]
    pub next_number: u64,
    #[serde(rename = "type")]
    pub kind: SeriesType,
}

#[derive(LeanDeserialize)]
pub(crate) struct SeriesList {
    #[serde(default)]
    pub list: Vec<Series>,
}

/// `GET /tax` item (§2.10).
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Tax {
    pub name: String,
    /// A JSON number (`ser_decimal`).
    #[serde(deserialize_with = "de_decimal", serialize_with = "ser_decimal")]
    #[cfg_attr(test, ts(type = "number"))]
    pub percentage: Decimal,
}

#[derive(LeanDeserialize)]
pub(crate) struct TaxList {
    #[serde(default)]
    pub taxes: Vec<Tax>,
}

/// `GET /invoice/paymentstatus` (§2.4). Amounts are in the invoice's currency.
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatus {
    #[serde(deserialize_with = "de_decimal", serialize_with = "ser_decimal")]
    pub invoice_total_amount: Decimal,
    #[serde(deserialize_with = "de_decimal", serialize_with = "ser_decimal")]
    pub paid_amount: Decimal,
    #[serde(deserialize_with = "de_decimal", serialize_with = "ser_decimal")]
    pub unpaid_amount: Decimal,
    pub paid: bool,
}

/// `GET /stocks` (§2.12).
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarehouseStock {
    pub warehouse: Warehouse,
    #[serde(default)]
    pub products: Vec<StockProduct>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warehouse {
    pub warehouse_name: String,
    #[serde(default)]
    pub warehouse_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockProduct {
    pub product_name: String,
    /// Absent when the company does not use product codes.
    #[serde(default, deserialize_with = "de_text")]
    pub product_code: String,
    #[serde(default, deserialize_with = "de_text")]
    pub measuring_unit: String,
    /// A number in the new spec, the string "100" in the old example: both are read.
    #[serde(
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt",
        default
    )]
    pub quantity: Option<Decimal>,
}

#[derive(LeanDeserialize)]
pub(crate) struct StockList {
    #[serde(default)]
    pub list: Vec<WarehouseStock>,
}

/// `POST /invoice/reverse` body (§2.6).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReverseRequest {
    pub company_vat_code: String,
    pub series_name: String,
    pub number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<NaiveDate>,
}

/// The rate-limit headers of the last answer (§3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, LeanDeserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the next window starts.
    pub reset_s: i64,
}
