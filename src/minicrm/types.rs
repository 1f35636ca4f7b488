//! MiniCRM types (`shared/reference/minicrm-api.md`). R3 endpoints send numbers; the document
//! endpoints (`/Api/Offer`, `/Api/Order`) send strings everywhere (§2, §8), so every number here is
//! read from either.

use std::collections::BTreeMap;

use minicrm_smartbill_macros::LeanDeserialize;
use rust_decimal::Decimal;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::platform::json::AnyValue;
use crate::platform::json::InOrder;

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
    pub fn parse(value: &AnyValue) -> FieldType {
        match value {
            AnyValue::Text(s) => {
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
            // An enum's options by id, in the schema's order.
            other => match other.read::<InOrder<AnyValue>>() {
                Some(options) => FieldType::Enum {
                    options: options
                        .0
                        .into_iter()
                        .map(|(id, label)| (id, label.as_str().unwrap_or_default().to_string()))
                        .collect(),
                },
                None if other.text() == "[]" => FieldType::Enum { options: Vec::new() },
                None if *other == AnyValue::Null => FieldType::Other { raw: "null".into() },
                None => FieldType::Other {
                    raw: other.text().to_string(),
                },
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

/// A schema answer (§2.2), read as any JSON: field name → type, in the schema's order; anything
/// but an object is an empty schema.
pub fn schema_of(answer: &AnyValue) -> Schema {
    answer
        .read::<InOrder<AnyValue>>()
        .map(|fields| {
            fields
                .0
                .into_iter()
                .map(|(name, t)| (name, FieldType::parse(&t)))
                .collect()
        })
        .unwrap_or_default()
}

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
    /// The `Project` block, which the core never reads: a card's fields are read from the card
    /// (`MiniCrm::project`, see `emission::card`). Skipped when read, written as `{}` (the
    /// document's fingerprint, `emission::fingerprint`, has always had it so).
    #[serde(rename = "Project")]
    pub project: Unread,
}

/// A value skipped when read, written as `{}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unread;

impl Serialize for Unread {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

impl<'de> Deserialize<'de> for Unread {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Unread)
    }
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

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PageVisitor(std::marker::PhantomData))
    }
}

/// The visits of a scalar (a boolean, a number, a string, `null`) in a visitor that reads any of
/// them as nothing: `$empty`, of type `$ty`.
macro_rules! scalars_are_empty {
    ($ty:ty, $empty:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<$ty, E> {
            Ok($empty)
        }

        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<$ty, E> {
            Ok($empty)
        }

        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<$ty, E> {
            Ok($empty)
        }

        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<$ty, E> {
            Ok($empty)
        }

        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<$ty, E> {
            Ok($empty)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<$ty, E> {
            Ok($empty)
        }
    };
}

impl<T> Page<T> {
    fn empty() -> Self {
        Page {
            count: 0,
            results: Vec::new(),
        }
    }
}

/// Reads a [`Page`]: `Count` as a number or a numeric string (0 otherwise), `Results` as
/// [`Listed`]; any other key is skipped, and anything but an object is an empty page.
struct PageVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageVisitor<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a page of results")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
        let mut page = Page::empty();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "Count" => {
                    page.count = match map.next_value()? {
                        AnyValue::Number(n) | AnyValue::Text(n) => n.parse().unwrap_or(0),
                        _ => 0,
                    }
                }
                "Results" => page.results = map.next_value::<Listed<T>>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Page<T>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| Page::empty())
    }

    scalars_are_empty!(Page<T>, Page::empty());
}

/// MiniCRM's list of results: an object keyed by id (its values, in the order sent), an array,
/// or nothing (anything else: `[]` is how an empty `Results` comes, §1.5).
struct Listed<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListedVisitor(std::marker::PhantomData))
            .map(Listed)
    }
}

struct ListedVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListedVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list or an object of results")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::new();
        while let Some(IgnoredAny) = map.next_key()? {
            out.push(map.next_value()?);
        }
        Ok(out)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }

    scalars_are_empty!(Vec<T>, Vec::new());
}

fn de_items<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Item>, D::Error> {
    Listed::deserialize(d).map(|l| l.0)
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

/// Contact and address lookup (the company import): field name → value, as the detail GET
/// returns it.
pub type Fields = BTreeMap<String, serde_json::Value>;

/// A card's fields (`GET /Api/R3/Project/{id}`, §2.3): field name → value, as the detail GET
/// returns it.
pub type FieldValues = crate::platform::SortedMap<String, AnyValue>;

/// What a write puts on a card: field name → text, sent as a JSON object (the names in order).
pub type CardWrite = crate::platform::SortedMap<String, String>;

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

    #[test]
    fn pages_read_every_documented_shape() {
        use super::{Page, ProjectSummary};
        let read = |text: &str| crate::platform::from_json::<Page<ProjectSummary>>(text.as_bytes());
        let keyed = read(
            r#"{"Count": "2", "Results": {"9": {"Id": 9, "Name": "B"}, "3": {"Id": "3", "Name": "A"}}}"#,
        );
        let keyed = keyed.unwrap();
        assert_eq!(keyed.count, 2);
        // In the order sent.
        assert_eq!(keyed.results.iter().map(|p| p.id).collect::<Vec<_>>(), [9, 3]);
        let listed = read(r#"{"Results": [{"Id": 4}], "Count": 1, "Extra": {"a": [1]}}"#).unwrap();
        assert_eq!((listed.count, listed.results[0].id), (1, 4));
        for empty in [r#"{"Count": 0, "Results": []}"#, r#"{"Results": null}"#, "{}"] {
            let page = read(empty).unwrap();
            assert_eq!((page.count, page.results.len()), (0, 0), "{empty}");
        }
        // A result that is not one is an error, not a page without it.
        assert!(read(r#"{"Results": [{"Id": "x"}]}"#).is_err());
    }

    #[test]
    fn schemas_keep_their_order_and_types() {
        let answer: super::AnyValue = crate::platform::from_json(
            r#"{"StatusId": {"3003": "Acceptată", "3001": "Nouă"}, "Name": "Text(512)", "Tags": [],
                "Odd": 5, "Gone": null, "List": [1]}"#
                .as_bytes(),
        )
        .unwrap();
        let schema = super::schema_of(&answer);
        let names: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["StatusId", "Name", "Tags", "Odd", "Gone", "List"]);
        assert_eq!(
            schema[0].1.enum_options(),
            [
                ("3003".to_string(), "Acceptată".to_string()),
                ("3001".into(), "Nouă".into())
            ]
        );
        assert_eq!(schema[1].1, FieldType::Text { max: Some(512) });
        assert_eq!(schema[2].1, FieldType::Enum { options: Vec::new() });
        assert_eq!(schema[3].1, FieldType::Other { raw: "5".into() });
        assert_eq!(schema[4].1, FieldType::Other { raw: "null".into() });
        assert_eq!(schema[5].1, FieldType::Other { raw: "[1]".into() });
        assert!(super::schema_of(&super::AnyValue::Text("x".into())).is_empty());
    }
}
