//! The JSON "mapping" stage of SmartBill V1 (reference §1.2, §3.3(3)): request bodies are checked
//! by hand against a field table per object, so the quirks are exact:
//!
//! * field names are case-sensitive; an unknown name anywhere → 400 `json_mapping_error`
//!   "Unrecognized property: X." with `param` = the path (`estimate.paymentUrl`, `products[2].Price`);
//! * a value of the wrong type → "Could not map property: products[0].quantity." (`param` = path);
//! * the first problem in document order is reported (serde_json keeps the order).
//!
//! Type rules (choices; the reference only says "types exactly as documented"):
//! * strings must be JSON strings; numbers must be JSON numbers (a numeric string such as `"2"` is
//!   rejected) [INF: stricter than Jackson's default scalar coercion, on purpose];
//! * integers (`precision`, `numberOfItems`, `discountType`) must be integral numbers;
//! * booleans accept `true`/`false`, `1`/`0` (documented, §1.2) and the strings `"true"`/`"false"`/
//!   `"1"`/`"0"` — the official Swagger example "Emiterea de facturi in alte limbi" sends
//!   `"isDraft": "false"`;
//! * dates are `yyyy-MM-dd` strings (a real calendar date); `""` counts as absent [INF];
//! * `null` counts as absent everywhere [INF, Jackson default].
//!
//! [INF] The message names the property (`Unrecognized property: paymentUrl.`) while `param` carries
//! the full path; the reference shows only top-level examples of the message.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

pub use crate::documented::smartbill::{ESTIMATE, INVOICE, PAYMENT, REVERSE, SEND};
use crate::documented::{Shape, Ty};
use crate::{Reading, Readings};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    /// (property name, path)
    Unrecognized(String, String),
    /// path
    CouldNotMap(String),
}

impl MapError {
    pub fn message(&self) -> String {
        match self {
            MapError::Unrecognized(name, _) => format!("Unrecognized property: {name}."),
            MapError::CouldNotMap(path) => format!("Could not map property: {path}."),
        }
    }
    pub fn param(&self) -> &str {
        match self {
            MapError::Unrecognized(_, path) | MapError::CouldNotMap(path) => path,
        }
    }
}

/// Checks an object against its documented shape ([`crate::documented::smartbill`]), in
/// document order. Keys documented only under a lenient reading count as unknown under the
/// strict one.
pub fn check(
    obj: &Map<String, Value>,
    shape: &Shape,
    prefix: &str,
    readings: Readings,
) -> Result<(), MapError> {
    for (key, value) in obj {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(k) = shape.key(key, readings) else {
            return Err(MapError::Unrecognized(key.clone(), path));
        };
        check_value(value, k.ty, &path, readings)?;
    }
    Ok(())
}

fn check_value(value: &Value, ty: Ty, path: &str, readings: Readings) -> Result<(), MapError> {
    if value.is_null() {
        return Ok(());
    }
    let bad = || Err(MapError::CouldNotMap(path.to_string()));
    let numeric_strings = readings.is_lenient(Reading::NumericStrings);
    match ty {
        Ty::Any | Ty::Val => Ok(()),
        Ty::Str => {
            if value.is_string() {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Num => {
            let text_number = numeric_strings
                && value
                    .as_str()
                    .is_some_and(|s| s.trim().parse::<Decimal>().is_ok());
            if value.is_number() || text_number {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Int => {
            let text_int = numeric_strings && value.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok());
            if as_int(value).is_some() || text_int {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Bool => {
            if as_bool(value).is_some() {
                Ok(())
            } else {
                bad()
            }
        }
        Ty::Date => match value {
            Value::String(s) if s.is_empty() || parse_date(s).is_some() => Ok(()),
            _ => bad(),
        },
        Ty::Obj(shape) => match value {
            Value::Object(o) => check(o, shape, path, readings),
            _ => bad(),
        },
        Ty::Arr(shape) => match value {
            Value::Array(items) => check_items(items, shape, path, readings),
            _ => bad(),
        },
        Ty::ObjOrArr(shape) => match value {
            Value::Object(o) => check(o, shape, path, readings),
            Value::Array(items) => check_items(items, shape, path, readings),
            _ => bad(),
        },
    }
}

fn check_items(items: &[Value], shape: &Shape, path: &str, readings: Readings) -> Result<(), MapError> {
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match item {
            Value::Object(o) => check(o, shape, &item_path, readings)?,
            Value::Null => {}
            _ => return Err(MapError::CouldNotMap(item_path)),
        }
    }
    Ok(())
}

/// `yyyy-MM-dd`, a real date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// An integral JSON number; a numeric string only got past the mapping stage under the lenient
/// reading of `numericStrings`, and is then read as the number.
pub fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

pub fn as_decimal(v: &Value) -> Option<Decimal> {
    if let Value::String(s) = v {
        return s.trim().parse::<Decimal>().ok();
    }
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(Decimal::from(i));
    }
    let text = n.to_string();
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

/// Typed read access to an already checked object.
pub struct Obj<'a>(pub &'a Map<String, Value>);

impl<'a> Obj<'a> {
    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }
    /// The string, or `None` when absent or null (an empty string is returned as is).
    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.raw(key).and_then(Value::as_str)
    }
    /// The string when present and not blank.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.str(key).filter(|s| !s.trim().is_empty())
    }
    pub fn num(&self, key: &str) -> Option<Decimal> {
        self.raw(key).and_then(as_decimal)
    }
    pub fn int(&self, key: &str) -> Option<i64> {
        self.raw(key).and_then(as_int)
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.raw(key).and_then(as_bool)
    }
    pub fn flag(&self, key: &str) -> bool {
        self.bool(key).unwrap_or(false)
    }
    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        self.str(key).and_then(parse_date)
    }
    pub fn obj(&self, key: &str) -> Option<Obj<'a>> {
        self.raw(key).and_then(Value::as_object).map(Obj)
    }
    /// The objects of an array (or a single object, for `invoicesList`).
    pub fn list(&self, key: &str) -> Option<Vec<Obj<'a>>> {
        match self.raw(key)? {
            Value::Array(items) => Some(items.iter().filter_map(Value::as_object).map(Obj).collect()),
            Value::Object(o) => Some(vec![Obj(o)]),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(body: Value, shape: Shape) -> Result<(), MapError> {
        check(body.as_object().unwrap(), &shape, "", Readings::strict())
    }

    #[test]
    fn unknown_properties_anywhere() {
        let e = run(json!({"companyVatCode": "RO1", "zzz": 1}), INVOICE).unwrap_err();
        assert_eq!(e.message(), "Unrecognized property: zzz.");
        assert_eq!(e.param(), "zzz");
        let e = run(json!({"products": [{"name": "a"}, {"Price": 3}]}), INVOICE).unwrap_err();
        assert_eq!(
            (e.message(), e.param()),
            ("Unrecognized property: Price.".into(), "products[1].Price")
        );
        let e = run(
            json!({"estimate": {"seriesName": "PRF", "paymentUrl": ""}}),
            INVOICE,
        )
        .unwrap_err();
        assert_eq!(e.param(), "estimate.paymentUrl");
        let e = run(json!({"client": {"name": "x", "cif": "1"}}), INVOICE).unwrap_err();
        assert_eq!(e.param(), "client.cif");
        let e = run(json!({"email": {"cc": "a@b.ro", "subject": "x"}}), INVOICE).unwrap_err();
        assert_eq!(e.param(), "email.subject");
        // `email.to` is documented by the reference (§2.1), not by the Swagger: a reading.
        let e = run(json!({"email": {"to": "a@b.ro"}}), INVOICE).unwrap_err();
        assert_eq!(e.param(), "email.to");
        let e = run(json!({"payment": {"value": 1, "kind": "x"}}), INVOICE).unwrap_err();
        assert_eq!(e.param(), "payment.kind");
        // Invoice-only fields are unknown on a proforma.
        let e = run(json!({"seriesName": "PRF", "useStock": false}), ESTIMATE).unwrap_err();
        assert_eq!(e.message(), "Unrecognized property: useStock.");
        let e = run(json!({"invoicesList": {"seriesName": "FCT", "nr": "1"}}), PAYMENT).unwrap_err();
        assert_eq!(e.param(), "invoicesList.nr");
    }

    #[test]
    fn first_problem_in_document_order() {
        let e = run(json!({"products": [{"quantity": "2"}], "zzz": 1}), INVOICE).unwrap_err();
        assert_eq!(e, MapError::CouldNotMap("products[0].quantity".into()));
        assert_eq!(e.message(), "Could not map property: products[0].quantity.");
    }

    #[test]
    fn types() {
        assert!(run(json!({"issueDate": "2026-02-30"}), INVOICE).is_err());
        assert!(run(json!({"issueDate": "28.08.2026"}), INVOICE).is_err());
        assert!(run(json!({"issueDate": "2026-8-28"}), INVOICE).is_err());
        assert!(run(json!({"issueDate": ""}), INVOICE).is_ok());
        assert!(run(json!({"issueDate": null}), INVOICE).is_ok());
        assert!(run(
            json!({"isDraft": 1, "useStock": "false", "sendEmail": 0}),
            INVOICE
        )
        .is_ok());
        assert!(run(json!({"isDraft": 2}), INVOICE).is_err());
        assert!(run(json!({"isDraft": "yes"}), INVOICE).is_err());
        assert!(run(json!({"precision": 2.5}), INVOICE).is_err());
        assert!(run(json!({"precision": 4.0}), INVOICE).is_ok());
        assert!(run(json!({"products": [{"taxPercentage": "21%"}]}), INVOICE).is_err());
        assert!(run(json!({"products": [{"quantity": "2"}]}), INVOICE).is_err());
        let lenient = Readings::parse("numericStrings").unwrap();
        let body = json!({"products": [{"quantity": "2", "price": " 10.5"}], "precision": "2"});
        assert!(check(body.as_object().unwrap(), &INVOICE, "", lenient).is_ok());
        let body = json!({"products": [{"quantity": "2 buc"}]});
        assert!(check(body.as_object().unwrap(), &INVOICE, "", lenient).is_err());
        assert!(run(json!({"products": {"name": "x"}}), INVOICE).is_err());
        assert!(run(json!({"seriesName": 12}), INVOICE).is_err());
        assert!(run(json!({"client": "Client SRL"}), INVOICE).is_err());
        // Documented outside the Swagger 2.0 only: a reading.
        let body = json!({"ecommercePluginInfo": {"details": {"a": [1]}}});
        assert!(run(body.clone(), INVOICE).is_err());
        let lenient = Readings::parse("bodyFieldsOutsideSwagger").unwrap();
        assert!(check(body.as_object().unwrap(), &INVOICE, "", lenient).is_ok());
        assert!(run(
            json!({"invoicesList": [{"seriesName": "FCT", "number": "0001"}]}),
            PAYMENT
        )
        .is_ok());
    }

    #[test]
    fn typed_access() {
        let v = json!({"a": "x", "b": " ", "n": 1.1, "i": 3, "t": "true", "d": "2026-01-31", "z": null});
        let o = Obj(v.as_object().unwrap());
        assert_eq!(o.str("a"), Some("x"));
        assert_eq!(o.text("b"), None);
        assert_eq!(o.num("n"), Some("1.1".parse().unwrap()));
        assert_eq!(o.int("i"), Some(3));
        assert!(o.flag("t"));
        assert_eq!(o.date("d"), NaiveDate::from_ymd_opt(2026, 1, 31));
        assert!(o.raw("z").is_none());
    }
}
