//! Messages that name their kind in a field beside the kind's own fields (`{"cmd": "card",
//! "url": …}`), read without serde's internally tagged enums.
//!
//! `#[serde(tag = "…")]` makes serde buffer the whole input in its private `Content` type before
//! it knows the variant: a second deserializer for every variant, about a tenth of the service
//! worker's WASM before these types moved off it. Instead a type derives the externally tagged
//! form (`{"card": {"url": …}}`) as an inherent function, with `#[serde(remote = "Self")]`, and
//! implements `Deserialize` by moving the tag there:
//!
//! ```ignore
//! impl<'de> Deserialize<'de> for Command {
//!     fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
//!         Command::deserialize(tagged::external(d, "cmd")?).map_err(D::Error::custom)
//!     }
//! }
//! ```
//!
//! Variants without fields are written `Name {}`, so that the fields a message may carry beside
//! the tag are ignored for them too. (Our deserializer, `platform::value`, also reads a unit
//! variant from `{"name": {…}}`, ignoring what is inside.) `internally_tagged!` gives a type both
//! directions: it writes the internally tagged form back with [`internal`].

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The input with its `tag` field moved out to be the single key: `{"<tag>": "name", …rest}`
/// becomes `{"name": {…rest}}`.
pub fn external<'de, D: Deserializer<'de>>(input: D, tag: &'static str) -> Result<Value, D::Error> {
    let Value::Object(mut fields) = Value::deserialize(input)? else {
        return Err(D::Error::custom(format_args!("expected an object with `{tag}`")));
    };
    let Some(Value::String(name)) = fields.remove(tag) else {
        return Err(D::Error::missing_field(tag));
    };
    // Inserted, not collected: `collect` into a B-tree map sorts its input, and every call site
    // of it brings its own copy of the sort into the module.
    let mut external = Map::new();
    external.insert(name, Value::Object(fields));
    Ok(Value::Object(external))
}

/// The inverse of [`external`]: `{"name": {…rest}}` (or `"name"`) becomes `{"<tag>": "name", …rest}`.
pub fn internal(external: Value, tag: &str) -> Result<Value, String> {
    let (name, mut fields) = match external {
        Value::String(name) => (name, Map::new()),
        Value::Object(single) if single.len() == 1 => match single.into_iter().next() {
            Some((name, Value::Object(fields))) => (name, fields),
            _ => return Err(format!("expected a variant with fields beside `{tag}`")),
        },
        _ => return Err(format!("expected a variant to tag with `{tag}`")),
    };
    fields.insert(tag.to_string(), Value::String(name));
    Ok(Value::Object(fields))
}

/// `Serialize` and `Deserialize` for an enum that derives the externally tagged form as inherent
/// functions (`#[serde(remote = "Self")]`), so that it reads and writes `{"<tag>": "name", …}`
/// without serde's `Content` buffer.
macro_rules! internally_tagged {
    ($type:ty, $tag:literal) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::Error as _;
                let external =
                    <$type>::serialize(self, serde_json::value::Serializer).map_err(S::Error::custom)?;
                let tagged = $crate::tagged::internal(external, $tag).map_err(S::Error::custom)?;
                serde::Serialize::serialize(&tagged, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let moved = $crate::tagged::external(deserializer, $tag)?;
                <$type>::deserialize($crate::platform::value::De(moved)).map_err(D::Error::custom)
            }
        }
    };
}
pub(crate) use internally_tagged;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn moved(v: Value) -> Result<Value, String> {
        external(v, "type").map_err(|e| e.to_string())
    }

    #[test]
    fn the_tag_becomes_the_single_key() {
        assert_eq!(moved(json!({"type": "a", "x": 1})), Ok(json!({"a": {"x": 1}})));
        assert_eq!(moved(json!({"type": "b"})), Ok(json!({"b": {}})));
        assert!(moved(json!({"x": 1}))
            .unwrap_err()
            .contains("missing field `type`"));
        assert!(moved(json!({"type": 3})).is_err());
        assert!(moved(json!("a")).unwrap_err().contains("`type`"));
    }

    #[test]
    fn the_single_key_becomes_the_tag() {
        assert_eq!(
            internal(json!({"a": {"x": 1}}), "type"),
            Ok(json!({"type": "a", "x": 1}))
        );
        assert_eq!(internal(json!({"b": {}}), "type"), Ok(json!({"type": "b"})));
        assert_eq!(internal(json!("c"), "type"), Ok(json!({"type": "c"})));
        assert!(internal(json!({"a": 1}), "type").is_err());
        assert!(internal(json!({"a": {}, "b": {}}), "type").is_err());
        assert!(internal(json!(3), "type").is_err());
    }
}
