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
//! the tag are ignored for them too.

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
    Ok(Value::Object(Map::from_iter([(name, Value::Object(fields))])))
}

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
}
