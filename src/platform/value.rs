//! `T` from a [`serde_json::Value`], by a deserializer of our own that reads a struct only from
//! an object.
//!
//! Every typed read in the core goes through a `Value` (`platform::from_json`, `platform::load`,
//! the commands), so this deserializer is compiled once per type. serde_json's own `Value`
//! deserializer also accepts a struct written as an array, which makes the WASM carry each
//! struct's `visit_seq` besides its `visit_map`: about 70 KB of the service worker's module for a
//! form nothing we read uses (serde_json writes structs as objects, and so do the vendors).
//! Everything else behaves as serde_json's: the same visits for each kind of value, numeric map
//! keys (`{"17": …}` into a `BTreeMap<u64, _>`), externally tagged enums as a string or an object
//! with one key, and serde's own error texts.

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Error as _, Expected, IntoDeserializer, Unexpected, Visitor,
};
use serde_json::{Error, Map, Number, Value};

/// `T` from `value` (see the module's documentation).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(De(value))
}

/// A `Value` as a deserializer.
pub struct De(pub Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (None, Some(i), _) => Unexpected::Signed(i),
            (None, None, f) => Unexpected::Float(f.unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Not generic over the visitor: one copy in the WASM, not one per type read.
#[inline(never)]
fn invalid<T>(value: &Value, expected: &dyn Expected) -> Result<T, Error> {
    Err(Error::invalid_type(unexpected(value), expected))
}

fn number<'de, V: Visitor<'de>>(n: Number, visitor: V) -> Result<V::Value, Error> {
    match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => visitor.visit_u64(u),
        (None, Some(i), _) => visitor.visit_i64(i),
        (None, None, Some(f)) => visitor.visit_f64(f),
        (None, None, None) => Err(Error::custom("a number out of range")),
    }
}

fn seq<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut access = Seq(items.into_iter());
    let read = visitor.visit_seq(&mut access)?;
    match access.0.len() {
        0 => Ok(read),
        _ => Err(Error::invalid_length(len, &"fewer elements in array")),
    }
}

fn map<'de, V: Visitor<'de>>(fields: Map<String, Value>, visitor: V) -> Result<V::Value, Error> {
    let len = fields.len();
    let mut access = Fields {
        iter: fields.into_iter(),
        value: None,
    };
    let read = visitor.visit_map(&mut access)?;
    match access.iter.len() {
        0 => Ok(read),
        _ => Err(Error::invalid_length(len, &"fewer elements in map")),
    }
}

/// The scalar kinds: a number of any width (the visitor checks its range), as serde_json does.
macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Number(n) => number(n, visitor),
                other => invalid(&other, &visitor),
            }
        }
    )*};
}

macro_rules! strings {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::String(s) => visitor.visit_string(s),
                other => invalid(&other, &visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for De {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => number(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => seq(items, visitor),
            Value::Object(fields) => map(fields, visitor),
        }
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);
    strings!(deserialize_char deserialize_str deserialize_string deserialize_identifier);

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            other => invalid(&other, &visitor),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(De(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => invalid(&other, &visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => seq(items, visitor),
            other => invalid(&other, &visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(fields) => map(fields, visitor),
            other => invalid(&other, &visitor),
        }
    }

    /// Only from an object: see the module's documentation.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let single = || Error::invalid_value(Unexpected::Map, &"map with a single key");
        let (variant, value) = match self.0 {
            Value::String(variant) => (variant, None),
            Value::Object(fields) => {
                let mut iter = fields.into_iter();
                let Some((variant, value)) = iter.next() else {
                    return Err(single());
                };
                if iter.next().is_some() {
                    return Err(single());
                }
                (variant, Some(value))
            }
            other => return Err(Error::invalid_type(unexpected(&other), &"string or map")),
        };
        visitor.visit_enum(Variant { variant, value })
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> de::SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(value) => seed.deserialize(De(value)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Key(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(De(value)),
            None => Err(Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object's key: a string, or a number or a boolean written as one.
struct Key(String);

macro_rules! parsed {
    ($($method:ident $visit:ident $ty:ty)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(Error::invalid_type(Unexpected::Str(&self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    parsed!(deserialize_i8 visit_i8 i8 deserialize_i16 visit_i16 i16 deserialize_i32 visit_i32 i32
        deserialize_i64 visit_i64 i64 deserialize_i128 visit_i128 i128
        deserialize_u8 visit_u8 u8 deserialize_u16 visit_u16 u16 deserialize_u32 visit_u32 u32
        deserialize_u64 visit_u64 u64 deserialize_u128 visit_u128 u128
        deserialize_f32 visit_f32 f32 deserialize_f64 visit_f64 f64 deserialize_bool visit_bool bool);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(Variant {
            variant: self.0,
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// An externally tagged enum's variant: its name, and its content unless it is a bare string.
struct Variant {
    variant: String,
    value: Option<Value>,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Content;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Content), Error> {
        let name = seed.deserialize(self.variant.into_deserializer())?;
        Ok((name, Content(self.value)))
    }
}

struct Content(Option<Value>);

impl<'de> de::VariantAccess<'de> for Content {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            // `tagged::external`'s form of an internally tagged variant without fields,
            // `{"name": {…}}`: what stood beside the tag is ignored, as serde's internal tagging
            // ignored it (serde_json would refuse the form).
            Some(Value::Object(_)) => Ok(()),
            Some(value) => de::Deserialize::deserialize(De(value)),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.0 {
            Some(value) => seed.deserialize(De(value)),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Array(items)) => seq(items, visitor),
            Some(other) => Err(Error::invalid_type(unexpected(&other), &"tuple variant")),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    /// Only from an object, like a struct.
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Some(Value::Object(fields)) => map(fields, visitor),
            Some(other) => Err(Error::invalid_type(unexpected(&other), &"struct variant")),
            None => Err(Error::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Doc {
        name: String,
        count: u32,
        #[serde(default)]
        note: Option<String>,
        cards: BTreeMap<u64, Vec<i64>>,
        kind: Kind,
        price: rust_decimal::Decimal,
        day: chrono::NaiveDate,
        extra: Value,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Plain,
        Named { label: String },
        Wrapped(u8),
    }

    fn read<T: DeserializeOwned>(v: Value) -> Result<T, String> {
        from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let v = json!({"name": "a", "count": 3, "cards": {"17": [1, -2]}, "kind": {"named": {"label": "x"}},
            "price": "4200.50", "day": "2026-12-02", "extra": {"k": [1, null]}, "unknown": true});
        let ours: Doc = read(v.clone()).unwrap();
        let theirs: Doc = serde_json::from_value(v).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.cards[&17], vec![1, -2]);
        assert_eq!(read::<Kind>(json!("plain")), Ok(Kind::Plain));
        assert_eq!(read::<Kind>(json!({"wrapped": 7})), Ok(Kind::Wrapped(7)));
        assert_eq!(read::<Option<u8>>(json!(null)), Ok(None));
        assert_eq!(
            read::<rust_decimal::Decimal>(json!(0.1)).unwrap().to_string(),
            "0.1"
        );
    }

    #[test]
    fn errors_are_serde_json_s_texts() {
        let cases = [
            json!({"name": 1}),
            json!({"name": "a"}),
            json!({"name": "a", "count": -1}),
            json!({"name": "a", "count": 300000000000u64}),
            json!({"name": "a", "count": 1, "cards": {"x": []}}),
            json!({"name": "a", "count": 1, "cards": {}, "kind": "other"}),
            json!({"name": "a", "count": 1, "cards": {}, "kind": {"plain": null, "named": {}}}),
            json!("text"),
        ];
        for case in cases {
            let ours = read::<Doc>(case.clone()).unwrap_err();
            let theirs = serde_json::from_value::<Doc>(case.clone())
                .unwrap_err()
                .to_string();
            // A numeric key serde_json parses with its JSON reader: the same refusal, in words
            // of our own.
            if case["cards"].get("x").is_some() {
                assert!(ours.contains("\"x\""), "{ours}");
                continue;
            }
            assert_eq!(ours, theirs, "{case}");
        }
    }

    #[test]
    fn a_struct_is_read_only_from_an_object() {
        let err = read::<Kind>(json!({"named": ["x"]})).unwrap_err();
        assert_eq!(err, "invalid type: sequence, expected struct variant");
        #[derive(Debug, Deserialize)]
        struct Pair {
            _a: u8,
        }
        let err = read::<Pair>(json!([1])).unwrap_err();
        assert_eq!(err, "invalid type: sequence, expected struct Pair");
        assert!(
            serde_json::from_value::<Pair>(json!([1])).is_ok(),
            "serde_json reads it"
        );
    }
}
