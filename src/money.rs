//! Money is `rust_decimal::Decimal`, never `f64`. Vendors speak JSON numbers (SmartBill) or strings
//! (MiniCRM documents: `"7500.0000"`, `"21%"`, even `"1 000,00"` in invoice examples); these helpers
//! read both and write JSON numbers.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{de, Deserialize, Deserializer, Serializer};

use crate::platform::json::AnyValue;

/// Rounds half away from zero to `dp` decimals, as invoices are rounded.
pub fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

pub fn round2(value: Decimal) -> Decimal {
    round(value, 2)
}

/// `a × b`, `None` when it overflows. rust_decimal's arithmetic is `#[inline(always)]`: these
/// keep one copy of each operation in a WASM module, whatever the number of callers.
#[inline(never)]
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_mul(b)
}

/// `a + b`, `None` when it overflows (see [`mul`]).
#[inline(never)]
pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_add(b)
}

/// Parses a vendor's textual number: `"7500.0000"`, `"-50"`, `"21%"`, `"1 000,00"`, `"1.000,50"`.
/// Empty text is `None`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t: String = text
        .trim()
        .trim_end_matches('%')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return None;
    }
    let normalised = match (t.rfind('.'), t.rfind(',')) {
        // "1.000,50": dots group thousands, the comma is the decimal mark.
        (Some(dot), Some(comma)) if comma > dot => t.replace('.', "").replace(',', "."),
        // "1,000.50": commas group thousands.
        (Some(_), Some(_)) => t.replace(',', ""),
        (None, Some(_)) => t.replace(',', "."),
        _ => t,
    };
    // `FromStr` reads an exponent too ("1e-5", as serde_json writes some floats).
    Decimal::from_str(&normalised).ok()
}

/// Reads a decimal from a JSON number or a numeric string; `null`/`""` are errors.
pub fn de_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    de_decimal_opt(d)?.ok_or_else(|| de::Error::custom("a number was expected"))
}

/// Reads an optional decimal from a JSON number, a numeric string, `""` or `null`.
pub fn de_decimal_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match AnyValue::deserialize(d)? {
        AnyValue::Null => Ok(None),
        // A number's text is serde_json's: a float in its shortest round-trip form ("0.1", not
        // 0.1000000000000000055…).
        AnyValue::Number(n) => parse_decimal(&n)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("bad number {n}"))),
        AnyValue::Text(s) if s.trim().is_empty() => Ok(None),
        AnyValue::Text(s) => parse_decimal(&s)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("bad number {s:?}"))),
        AnyValue::Other(other) => Err(de::Error::custom(format!("a number was expected, not {other}"))),
    }
}

/// A decimal we store, written as text (as `rust_decimal` writes it) and read only from text:
/// `rust_decimal`'s own reader also takes a float, which links the standard library's float
/// formatting (about 16 KB of the worker's module) for a form we never write, and its text
/// reader tries `Decimal::from_scientific` after `FromStr` (which already reads an exponent),
/// 2 KB of each module for nothing.
pub mod stored {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::{de, Deserializer};

    pub use rust_decimal::serde::str::serialize;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        Decimal::from_str(&text)
            .map_err(|_| de::Error::invalid_value(de::Unexpected::Str(&text), &"a decimal number as text"))
    }
}

/// Writes a decimal as a JSON number (SmartBill rejects strings: "Could not map property").
/// A decimal's text is always a JSON number; were it ever not, it would go as that text, which
/// SmartBill refuses with its own error, rather than as a number made up. (Not an error of
/// serde's: building serde_json's custom error links code, 1.7 KB gzipped, nothing else needs.)
pub fn ser_decimal<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let text = value.normalize().to_string();
    match serde_json::Number::from_str(&text) {
        Ok(number) => serde::Serialize::serialize(&number, s),
        Err(_) => s.serialize_str(&text),
    }
}

pub fn ser_decimal_opt<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => ser_decimal(v, s),
        None => s.serialize_none(),
    }
}

/// A decimal as a JSON number value ("0", not "0.0"; "12.5").
pub fn json_number(value: Decimal) -> serde_json::Value {
    serde_json::Number::from_str(&value.normalize().to_string())
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// Reads an integer id from a JSON number or a numeric string (`"932"`).
pub fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    de_id_opt(d)?.ok_or_else(|| de::Error::custom("an id was expected"))
}

pub fn de_id_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match AnyValue::deserialize(d)? {
        AnyValue::Null => Ok(None),
        // A negative or fractional number is no id.
        AnyValue::Number(n) => Ok(n.parse().ok()),
        AnyValue::Text(s) if s.trim().is_empty() => Ok(None),
        AnyValue::Text(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("bad id {s:?}"))),
        AnyValue::Other(other) => Err(de::Error::custom(format!("an id was expected, not {other}"))),
    }
}

/// Reads text from a JSON string or number (`"Id": 83` or `"Id": "83"`); null → "".
pub fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    AnyValue::deserialize(d).map(AnyValue::into_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn stored_decimals_are_text_both_ways() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Row {
            #[serde(with = "stored")]
            total: Decimal,
        }
        let row = Row {
            total: dec("4200.50"),
        };
        let text = serde_json::to_string(&row).unwrap();
        assert_eq!(text, r#"{"total":"4200.50"}"#);
        assert_eq!(crate::platform::from_json::<Row>(text.as_bytes()).unwrap(), row);
        let wrong = crate::platform::from_json::<Row>(br#"{"total":"4.200,50"}"#).unwrap_err();
        assert!(wrong.to_string().contains("\"4.200,50\""), "{wrong}");
        // Only text: a float would bring the standard library's float formatting into the WASM.
        let float = crate::platform::from_json::<Row>(br#"{"total":4200.5}"#).unwrap_err();
        assert!(
            float
                .to_string()
                .contains("invalid type: floating point `4200.5`"),
            "{float}"
        );
    }

    #[test]
    fn parses_vendor_numbers() {
        assert_eq!(parse_decimal("7500.0000"), Some(dec("7500")));
        assert_eq!(parse_decimal("21%"), Some(dec("21")));
        assert_eq!(parse_decimal("1 000,00"), Some(dec("1000")));
        assert_eq!(parse_decimal("1.000,50"), Some(dec("1000.5")));
        assert_eq!(parse_decimal("1,000.50"), Some(dec("1000.5")));
        assert_eq!(parse_decimal("-50"), Some(dec("-50")));
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("abc"), None);
        // An exponent, as serde_json writes some floats.
        assert_eq!(parse_decimal("1e-5"), Some(dec("0.00001")));
        assert_eq!(parse_decimal("2.5E3"), Some(dec("2500")));
        assert_eq!(parse_decimal("1e"), None);
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round2(dec("1.005")), dec("1.01"));
        assert_eq!(round2(dec("-1.005")), dec("-1.01"));
        assert_eq!(round2(dec("2.344")), dec("2.34"));
    }

    #[test]
    fn writes_json_numbers_and_reads_back_exactly() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct P {
            #[serde(serialize_with = "ser_decimal", deserialize_with = "de_decimal")]
            price: Decimal,
        }
        let json = serde_json::to_string(&P { price: dec("12.350") }).unwrap();
        assert_eq!(json, r#"{"price":12.35}"#);
        let back: P = serde_json::from_str(r#"{"price":0.1}"#).unwrap();
        assert_eq!(back.price, dec("0.1"));
        let s: P = serde_json::from_str(r#"{"price":"4200.0000"}"#).unwrap();
        assert_eq!(s.price, dec("4200"));
        assert!(serde_json::from_str::<P>(r#"{"price":""}"#).is_err());
    }
}
