//! Messages that name their kind in a field beside the kind's own fields (`{"cmd": "card",
//! "url": …}`), read and written without serde's internally tagged enums.
//!
//! `#[serde(tag = "…")]` makes serde buffer the whole input in its private `Content` type before
//! it knows the variant: a second deserializer for every variant, about a tenth of the service
//! worker's WASM before these types moved off it. Instead a type derives the externally tagged
//! form (`{"card": {"url": …}}`) as inherent functions, with `#[serde(remote = "Self")]`, and its
//! serde name asks our reader for the internal form: `rename = "\u{0}cmd"` (the prefix
//! [`platform::json::TAGGED`](crate::platform::json::TAGGED), then the tag). The reader finds the
//! tag first and reads the rest of the object as the variant's content, with no buffer:
//!
//! ```ignore
//! #[derive(Deserialize)]
//! #[serde(remote = "Self", rename = "\u{0}cmd", rename_all = "camelCase")]
//! pub enum Command { … }
//!
//! impl<'de> Deserialize<'de> for Command {
//!     fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
//!         Command::deserialize(d)
//!     }
//! }
//! ```
//!
//! So these types are read only by `platform::json` (`platform::from_json`, `from_value`,
//! `load`), as every typed read in the core is; another deserializer would expect the external
//! form. Variants without fields are written `Name {}`, so that the fields a message may carry
//! beside the tag are ignored for them too (the reader also skips the object of a unit variant).
//! `internally_tagged!` gives a type both directions: it writes the internally tagged form back
//! with [`internal`].

use serde_json::{Map, Value};

/// The internally tagged form of an externally tagged value: `{"name": {…rest}}` (or `"name"`)
/// becomes `{"<tag>": "name", …rest}`.
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
            /// The internally tagged form, as `platform::json` reads it (the enum's serde name).
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$type>::deserialize(deserializer)
            }
        }
    };
}
pub(crate) use internally_tagged;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
