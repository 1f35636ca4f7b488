//! MiniCRM types (`shared/reference/minicrm-api.md`). R3 endpoints send numbers; the document
//! endpoints (`/Api/Offer`, `/Api/Order`) send strings everywhere (§2, §8), so every number here is
//! read from either.

use std::collections::BTreeMap;

use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use crate::money::{de_decimal_opt, de_id, de_id_opt, de_text, ser_decimal_opt};

/// A module (`GET /Api/R3/Category`, §2.1).
#[derive(Clone, Debug, PartialEq, Serialize, LeanDeserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: u64,
    pub name: String,
    /// `Offer`, `Order`, `Generic`, … from `?Detailed=1`.
    pub kind: Option<String>,
}

/// A field type of `GET /Api/R3/Schema/...` (§2.2): a type string or an enum map. Stored as
/// `{"type": "text", "max": 50}` (internally tagged, without serde's `Content` buffer: `tagged`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", rename = "\u{0}type", rename_all = "camelCase")]
pub enum FieldType {
    Text {
        max: Option<u32>,
    },
    Int,
    Float,
    Boolean,
    Date,
    DateTime,
    File,
    /// A web address (`Url`).
    Url,
    /// Options as (id, label), in the schema's order.
    Enum {
        options: Vec<(String, String)>,
    },
    Other {
        raw: String,
    },
}

crate::tagged::internally_tagged!(FieldType, "type");

impl FieldType {
    pub fn parse(value: &serde_json::Value) -> FieldType {
        match value {
            serde_json::Value::Object(map) => FieldType::Enum {
                options: map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
            },
            serde_json::Value::Array(items) if items.is_empty() => FieldType::Enum { options: Vec::new() },
            serde_json::Value::String(s) => {
                let lower = s.to_ascii_lowercase();
                let arg = s
                    .split_once('(')
                    .and_then(|(_, r)| r.trim_end_matches(')').parse().ok());
                if lower.starts_with("text") || lower.starts_with("string") {
                    FieldType::Text { max: arg }
                } else if lower.starts_with("int") {
                    FieldType::Int
                } else if lower.starts_with("float") || lower.starts_with("decimal") {
                    FieldType::Float
                } else if lower.starts_with("bool") {
                    FieldType::Boolean
                } else if lower == "datetime" {
                    FieldType::DateTime
                } else if lower.starts_with("date") {
                    FieldType::Date
                } else if lower.starts_with("file") {
                    FieldType::File
                } else if lower == "url" || lower.starts_with("url(") {
                    FieldType::Url
                } else {
                    FieldType::Other { raw: s.clone() }
                }
            }
            other => FieldType::Other {
                raw: crate::platform::json_text(other),
            },
        }
    }

    pub fn enum_options(&self) -> &[(String, String)] {
        match self {
            FieldType::Enum { options } => options,
            _ => &[],
        }
    }
}

/// Field name → type, in the schema's order.
pub type Schema = Vec<(String, FieldType)>;

/// The `Customer` block of an offer/order (§6.3).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct Customer {
    #[serde(rename = "Name", deserialize_with = "de_text")]
    pub name: String,
    /// Numeric string ("40" = Romania, "36" = Hungary) in documents (§2.11).
    #[serde(rename = "CountryId", deserialize_with = "de_text")]
    pub country_id: String,
    #[serde(rename = "Country", deserialize_with = "de_text")]
    pub country: String,
    #[serde(rename = "County", deserialize_with = "de_text")]
    pub county: String,
    #[serde(rename = "PostalCode", deserialize_with = "de_text")]
    pub postal_code: String,
    #[serde(rename = "City", deserialize_with = "de_text")]
    pub city: String,
    #[serde(rename = "Address", deserialize_with = "de_text")]
    pub address: String,
    #[serde(rename = "AccountNumber", deserialize_with = "de_text")]
    pub account_number: String,
    #[serde(rename = "VatNumber", deserialize_with = "de_text")]
    pub vat_number: String,
    #[serde(rename = "EUVatNumber", deserialize_with = "de_text")]
    pub eu_vat_number: String,
    #[serde(rename = "RegistrationNumber", deserialize_with = "de_text")]
    pub registration_number: String,
    #[serde(rename = "Email", deserialize_with = "de_text")]
    pub email: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct Item {
    #[serde(rename = "Id", deserialize_with = "de_text")]
    pub id: String,
    #[serde(rename = "SKU", deserialize_with = "de_text")]
    pub sku: String,
    #[serde(rename = "Name", deserialize_with = "de_text")]
    pub name: String,
    #[serde(rename = "Description", deserialize_with = "de_text")]
    pub description: String,
    #[serde(
        rename = "PriceNet",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub price_net: Option<Decimal>,
    #[serde(
        rename = "Quantity",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub quantity: Option<Decimal>,
    #[serde(rename = "Unit", deserialize_with = "de_text")]
    pub unit: String,
    /// "21" on offers, "21%" on orders (both forms are documented).
    #[serde(rename = "VAT", deserialize_with = "de_text")]
    pub vat: String,
    #[serde(
        rename = "PriceNetTotal",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub price_net_total: Option<Decimal>,
    #[serde(
        rename = "PriceTotal",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub price_total: Option<Decimal>,
}

/// `GET /Api/Offer/{id}` or `/Api/Order/{id}` (§2.9, §2.10).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct Document {
    #[serde(rename = "Id", deserialize_with = "de_id")]
    pub id: u64,
    #[serde(rename = "ProjectId", deserialize_with = "de_id_opt")]
    pub project_id: Option<u64>,
    #[serde(rename = "CustomerId", deserialize_with = "de_id_opt")]
    pub customer_id: Option<u64>,
    #[serde(rename = "Number", deserialize_with = "de_text")]
    pub number: String,
    #[serde(rename = "Type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(rename = "Issued", deserialize_with = "de_text")]
    pub issued: String,
    #[serde(rename = "Prompt", deserialize_with = "de_text")]
    pub prompt: String,
    #[serde(rename = "PaymentMethod", deserialize_with = "de_text")]
    pub payment_method: String,
    #[serde(rename = "CurrencyCode", deserialize_with = "de_text")]
    pub currency_code: String,
    #[serde(
        rename = "ConversionRate",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub conversion_rate: Option<Decimal>,
    #[serde(
        rename = "AmountNet",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub amount_net: Option<Decimal>,
    #[serde(
        rename = "AmountVat",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub amount_vat: Option<Decimal>,
    #[serde(
        rename = "Amount",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub amount: Option<Decimal>,
    #[serde(rename = "Customer")]
    pub customer: Customer,
    #[serde(rename = "Items", deserialize_with = "de_items")]
    pub items: Vec<Item>,
    /// The card's custom fields and `StatusId` (an id string here).
    #[serde(rename = "Project", deserialize_with = "de_map")]
    pub project: serde_json::Map<String, serde_json::Value>,
}

/// A document in `GET /Api/{Offer|Order}/List` (§2.9).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct DocumentSummary {
    #[serde(rename = "Id", deserialize_with = "de_id")]
    pub id: u64,
    #[serde(rename = "ProjectId", deserialize_with = "de_id_opt")]
    pub project_id: Option<u64>,
    #[serde(rename = "Number", deserialize_with = "de_text")]
    pub number: String,
    #[serde(rename = "CurrencyCode", deserialize_with = "de_text")]
    pub currency_code: String,
    #[serde(
        rename = "Amount",
        deserialize_with = "de_decimal_opt",
        serialize_with = "ser_decimal_opt"
    )]
    pub amount: Option<Decimal>,
    #[serde(rename = "Status", deserialize_with = "de_text")]
    pub status: String,
    #[serde(rename = "StatusGroup", deserialize_with = "de_text")]
    pub status_group: String,
}

/// `{Count, Results}`; `Results` is an object keyed by id, or `[]` when empty (§1.5).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub results: Vec<T>,
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let count = match v.get("Count") {
            Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0),
            _ => 0,
        };
        let items: Vec<serde_json::Value> = match v.get("Results") {
            Some(serde_json::Value::Object(map)) => map.values().cloned().collect(),
            Some(serde_json::Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        let results = items
            .into_iter()
            .map(|item| crate::platform::from_value(item).map_err(serde::de::Error::custom))
            .collect::<Result<Vec<T>, D::Error>>()?;
        Ok(Page { count, results })
    }
}

fn de_items<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Item>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let list: Vec<serde_json::Value> = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(|i| crate::platform::from_value(i).map_err(serde::de::Error::custom))
        .collect()
}

fn de_map<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    })
}

/// Filters of the document `List` endpoints: only the documented ones (§2.9: `Page`,
/// `UpdatedSince`, `StatusGroup`). There is no documented card or status filter: a card's
/// document is found through the emission's card → document index, and statuses are compared on
/// our side.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub page: u32,
    /// `yyyy-mm-dd hh:mm:ss`, Hungarian time (§2.3).
    pub updated_since: Option<String>,
    pub status_group: Option<String>,
}

/// A card in `GET /Api/R3/Project?…` (§2.3): `StatusId` is an id here (a number in the newer
/// manual and live captures, a string in the old help pages: both are read).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct ProjectSummary {
    #[serde(rename = "Id", deserialize_with = "de_id")]
    pub id: u64,
    #[serde(rename = "Name", deserialize_with = "de_text")]
    pub name: String,
    #[serde(rename = "StatusId", deserialize_with = "de_id_opt")]
    pub status_id: Option<u64>,
    #[serde(rename = "Deleted", deserialize_with = "de_text")]
    pub deleted: String,
}

/// Company/person search result (§2.4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, LeanDeserialize)]
#[serde(default)]
pub struct ContactSummary {
    #[serde(rename = "Id", deserialize_with = "de_id")]
    pub id: u64,
    #[serde(rename = "Name", deserialize_with = "de_text")]
    pub name: String,
    #[serde(rename = "Type", deserialize_with = "de_text")]
    pub kind: String,
    #[serde(rename = "Email", deserialize_with = "de_text")]
    pub email: String,
}

/// Card lookup: field name → value, as the detail GET returns it.
pub type Fields = BTreeMap<String, serde_json::Value>;

#[cfg(test)]
mod tests {
    use super::FieldType;
    use serde_json::json;

    #[test]
    fn field_types_keep_their_stored_form() {
        for (field, stored) in [
            (FieldType::Int, json!({"type": "int"})),
            (
                FieldType::Text { max: Some(50) },
                json!({"type": "text", "max": 50}),
            ),
            (
                FieldType::Enum {
                    options: vec![("1".into(), "Nou".into())],
                },
                json!({"type": "enum", "options": [["1", "Nou"]]}),
            ),
        ] {
            assert_eq!(serde_json::to_value(&field).unwrap(), stored);
            assert_eq!(crate::platform::from_value::<FieldType>(stored).unwrap(), field);
        }
        // A unit variant's fields beside the tag are ignored, as serde's internal tagging did.
        let int = crate::platform::from_value::<FieldType>(json!({"type": "int", "max": 3}));
        assert_eq!(int.unwrap(), FieldType::Int);
    }
}
