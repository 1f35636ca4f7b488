//! `T` straight from JSON text, by a reader of our own that reads a struct only from an object.
//!
//! Every typed read in the core goes through it: the vendors' answers (`platform::from_json`), the
//! stored documents (`platform::load`, over the text `Store::get_json` gives), the worker's
//! messages, and the few values built in code (`platform::from_value`, which writes them out
//! first). No `serde_json::Value` is built only to be taken apart again, and each type's reading
//! code is compiled once, for this one deserializer.
//!
//! Why not serde_json's reader: it also accepts a struct written as an array, which makes the
//! WASM carry each struct's `visit_seq` besides its `visit_map` (about 70 KB of the service
//! worker's module) for a form nothing we read uses: serde_json writes structs as objects, and so
//! do the vendors. Everything else is serde_json's behaviour:
//! - the same JSON (RFC 8259): no comments, no trailing commas, no leading zeros, strings of valid
//!   UTF-8 with no raw control characters and with paired surrogates, nothing after the value,
//!   at most 127 nested arrays and objects (serde_json's limit, so that hostile input cannot
//!   exhaust the stack);
//! - the same visits: a non-negative integer as `u64`, a negative one as `i64`, any other number
//!   (a fraction, an exponent, `-0`, an integer out of range) as `f64`; numeric map keys
//!   (`{"17": …}` into a map keyed by `u64`); an externally tagged enum as a string or as an
//!   object with one key; serde's own texts for the errors of types.
//!
//! The tests check it against serde_json over generated and mangled texts.
//!
//! The core's structs are read by `#[derive(LeanDeserialize)]` (macros/src/lib.rs), not serde's
//! derive: the same reading in about half the code, which leans on two helpers here ([`Seen`],
//! [`FieldSeed`]). `lean_tests` checks it against serde's derive, with either reader.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Error as _, Expected, Unexpected, Visitor};
use serde_json::Value;

/// Nested arrays and objects refused from this depth on (serde_json's limit).
const MAX_DEPTH: u32 = 128;

/// `T` from JSON text (see the module's documentation).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    read(bytes, |de| T::deserialize(de))
}

/// `value` read by `read_with`, a deserializing function (a type's `Deserialize`, or the inherent
/// one `#[serde(remote = "Self")]` derives), through the text it is written as.
pub fn from_value_with<T>(
    value: &Value,
    read_with: impl FnOnce(&mut De<'_>) -> Result<T, Problem>,
) -> Result<T, Problem> {
    let text = serde_json::to_vec(value).map_err(Problem::custom)?;
    read(&text, read_with)
}

fn read<'a, T>(
    bytes: &'a [u8],
    read_with: impl FnOnce(&mut De<'a>) -> Result<T, Problem>,
) -> Result<T, Problem> {
    let mut de = De {
        input: bytes,
        pos: 0,
        depth: 0,
        skip_key: None,
    };
    let value = read_with(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The reader's error, in serde's words: its text is the one serde_json's error shows (with the
/// place, " at line … column …"). Not turned into a `serde_json::Error`: building one parses the
/// place back out of the text, code (about 1.7 KB gzipped) that nothing else in the worker's
/// modules needs. Of its own also so that the texts that name a wrong value ([`Said`]) write a float with
/// `zmij`, as serde_json does and already in the module, not with `core::fmt`: serde's own
/// `Unexpected` text links the standard library's float formatting, about 16 KB of each
/// worker module that nothing else needs.
/// Boxed, one pointer wide as serde_json's error is: every `Result` the reader's generic code
/// moves stays small (a `String` here made each struct's reading code larger, 40 KB in all).
#[derive(Debug)]
#[allow(clippy::box_collection)] // The box is the point: one pointer, not a `String`'s three words.
pub struct Problem(Box<String>);

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Problem {}

impl de::Error for Problem {
    fn custom<T: std::fmt::Display>(message: T) -> Problem {
        Problem(Box::new(message.to_string()))
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        Problem::custom(format_args!(
            "invalid type: {}, expected {expected}",
            Said(unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        Problem::custom(format_args!(
            "invalid value: {}, expected {expected}",
            Said(unexpected)
        ))
    }
}

/// A wrong value as serde_json names it (`null`, not serde's "unit value").
struct Said<'a>(Unexpected<'a>);

impl std::fmt::Display for Said<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexpected::Signed(n) => write!(f, "integer `{n}`"),
            Unexpected::Float(n) => write!(f, "floating point `{}`", zmij::Buffer::new().format(n)),
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

/// JSON text as a deserializer.
pub struct De<'a> {
    input: &'a [u8],
    pos: usize,
    depth: u32,
    /// The tag of the internally tagged object about to be read: the next object read leaves it
    /// out (see [`TAGGED`]).
    skip_key: Option<&'static str>,
}

/// How an enum asks to be read from an object that names its variant in a field beside the
/// variant's own (`{"cmd": "card", "url": …}`, serde's internal tagging): its serde name is this
/// prefix and the field's name (`#[serde(remote = "Self", rename = "\u{0}cmd")]`, see
/// `crate::tagged`). The reader finds the field first, then reads the object as the variant's
/// content without it: nothing is buffered, unlike serde's `tag = "…"`, which reads the whole
/// object into its private `Content` type first (a second deserializer for every variant).
pub const TAGGED: char = '\0';

/// How an enum's variant is written.
#[derive(Clone, Copy)]
enum EnumForm {
    /// `"name"`.
    Name,
    /// `{"name": content}`.
    SingleKey,
    /// `{"<tag>": "name", …content}` (see [`TAGGED`]).
    Tagged,
}

/// A value that is neither an array nor an object, as read.
enum Scalar<'a> {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str(Cow<'a, str>),
}

impl<'a> De<'a> {
    /// A syntax error where the reader stands, in serde_json's words and with its position.
    #[inline(never)]
    fn syntax(&self, what: &str) -> Problem {
        let before = self.input.get(..self.pos).unwrap_or(self.input);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Problem::custom(format_args!("{what} at line {line} column {column}"))
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte after any whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.input.get(self.pos).copied()
    }

    /// Whether a `null` comes next (then read).
    #[inline(never)]
    fn null(&mut self) -> Result<bool, Problem> {
        match self.peek() {
            Some(b'n') => self.word(b"null", Scalar::Null).map(|_| true),
            _ => Ok(false),
        }
    }

    /// Only whitespace may follow the value.
    fn end(&mut self) -> Result<(), Problem> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.syntax("trailing characters")),
        }
    }

    /// A scalar, consumed; `None` where an array or an object starts (not consumed).
    #[inline(never)]
    fn scalar(&mut self) -> Result<Option<Scalar<'a>>, Problem> {
        let Some(first) = self.peek() else {
            return Err(self.syntax("EOF while parsing a value"));
        };
        Ok(Some(match first {
            b'n' => self.word(b"null", Scalar::Null)?,
            b't' => self.word(b"true", Scalar::Bool(true))?,
            b'f' => self.word(b"false", Scalar::Bool(false))?,
            b'"' => Scalar::Str(self.string()?),
            b'-' | b'0'..=b'9' => self.number()?,
            b'[' | b'{' => return Ok(None),
            _ => return Err(self.syntax("expected value")),
        }))
    }

    fn word(&mut self, word: &[u8], value: Scalar<'a>) -> Result<Scalar<'a>, Problem> {
        let input = self.input;
        if input.get(self.pos..).is_some_and(|rest| rest.starts_with(word)) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.syntax("expected ident"))
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.input.get(self.pos) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Scalar<'a>, Problem> {
        let input = self.input;
        let start = self.pos;
        if input.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match input.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = input.get(self.pos) {
                    return Err(self.syntax("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax("invalid number")),
        }
        if input.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.syntax("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = input.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = input.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax("invalid number"));
            }
        }
        // The number's value as serde_json reads it (`-0` and an integer out of range are
        // floats; its float reading, not the standard library's, whose tables are 10 KB).
        let number = input
            .get(start..self.pos)
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.parse::<serde_json::Number>().ok());
        match number {
            Some(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Ok(Scalar::Unsigned(u)),
                (None, Some(i), _) => Ok(Scalar::Signed(i)),
                (None, None, Some(f)) => Ok(Scalar::Float(f)),
                (None, None, None) => Err(self.syntax("number out of range")),
            },
            None => Err(self.syntax("number out of range")),
        }
    }

    /// A string, its opening quote next; borrowed from the input when it has no escapes.
    #[inline(never)]
    fn string(&mut self) -> Result<Cow<'a, str>, Problem> {
        let input = self.input;
        self.pos += 1;
        let mut start = self.pos;
        let mut unescaped: Option<Vec<u8>> = None;
        loop {
            let Some(&b) = input.get(self.pos) else {
                return Err(self.syntax("EOF while parsing a string"));
            };
            match b {
                b'"' => {
                    let tail = input.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    let text = match unescaped {
                        None => std::str::from_utf8(tail).map(Cow::Borrowed).ok(),
                        Some(mut text) => {
                            text.extend_from_slice(tail);
                            String::from_utf8(text).map(Cow::Owned).ok()
                        }
                    };
                    return text.ok_or_else(|| self.syntax("invalid unicode code point"));
                }
                b'\\' => {
                    let text = unescaped.get_or_insert_with(Vec::new);
                    text.extend_from_slice(input.get(start..self.pos).unwrap_or_default());
                    self.pos += 1;
                    self.escape(text)?;
                    start = self.pos;
                }
                0x00..=0x1f => {
                    return Err(
                        self.syntax("control character (\\u0000-\\u001F) found while parsing a string")
                    )
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The escape after a backslash, appended to `text`.
    fn escape(&mut self, text: &mut Vec<u8>) -> Result<(), Problem> {
        let Some(&b) = self.input.get(self.pos) else {
            return Err(self.syntax("EOF while parsing a string"));
        };
        self.pos += 1;
        let byte = match b {
            b'"' | b'\\' | b'/' => b,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let c = self.unicode()?;
                text.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            _ => return Err(self.syntax("invalid escape")),
        };
        text.push(byte);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Problem> {
        let input = self.input;
        let Some(digits) = input.get(self.pos..self.pos + 4) else {
            return Err(self.syntax("EOF while parsing a string"));
        };
        let mut n = 0;
        for &d in digits {
            match char::from(d).to_digit(16) {
                Some(v) => n = n * 16 + v,
                None => return Err(self.syntax("invalid escape")),
            }
            self.pos += 1;
        }
        Ok(n)
    }

    /// The character of a `\u` escape (the `u` read): a surrogate pair makes one.
    fn unicode(&mut self) -> Result<char, Problem> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.input.get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.syntax("unexpected end of hex escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.syntax("lone leading surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.syntax("lone leading surrogate in hex escape")),
            n => n,
        };
        char::from_u32(code).ok_or_else(|| self.syntax("invalid unicode code point"))
    }

    /// Into an array or an object, its bracket next.
    fn enter(&mut self) -> Result<(), Problem> {
        self.pos += 1;
        self.depth += 1;
        match self.depth < MAX_DEPTH {
            true => Ok(()),
            false => Err(self.syntax("recursion limit exceeded")),
        }
    }

    /// Whether another element follows in the array or object being read (`close` ends it; its
    /// comma is consumed, `first`: none is needed); `false` at its end, the bracket consumed.
    #[inline(never)]
    fn more(&mut self, close: u8, first: bool) -> Result<bool, Problem> {
        let object = close == b'}';
        match self.peek() {
            Some(b) if b == close => {
                self.pos += 1;
                self.depth -= 1;
                Ok(false)
            }
            Some(b',') if !first => {
                self.pos += 1;
                if self.peek() == Some(close) {
                    return Err(self.syntax("trailing comma"));
                }
                Ok(true)
            }
            Some(_) if first => Ok(true),
            Some(_) if object => Err(self.syntax("expected `,` or `}`")),
            Some(_) => Err(self.syntax("expected `,` or `]`")),
            None if object => Err(self.syntax("EOF while parsing an object")),
            None => Err(self.syntax("EOF while parsing a list")),
        }
    }

    /// An object's key and the colon after it.
    #[inline(never)]
    fn key(&mut self) -> Result<Cow<'a, str>, Problem> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax("key must be a string"));
        }
        let key = self.string()?;
        if self.peek() != Some(b':') {
            return Err(self.syntax("expected `:`"));
        }
        self.pos += 1;
        Ok(key)
    }

    /// The rest of the array or object being read, when its reader stopped before its end.
    #[inline(never)]
    fn finish(&mut self, close: u8, first: bool, done: bool) -> Result<(), Problem> {
        match done || !self.more(close, first)? {
            true => Ok(()),
            false if close == b']' => Err(Problem::custom(
                "invalid length, expected fewer elements in array",
            )),
            false => Err(Problem::custom("invalid length, expected fewer elements in map")),
        }
    }

    /// A value read and dropped.
    #[inline(never)]
    fn skip(&mut self) -> Result<(), Problem> {
        if self.scalar()?.is_some() {
            return Ok(());
        }
        let close = match self.input.get(self.pos) {
            Some(b'[') => b']',
            _ => b'}',
        };
        self.enter()?;
        let mut first = true;
        while self.more(close, first)? {
            first = false;
            if close == b'}' {
                self.key()?;
            }
            self.skip()?;
        }
        Ok(())
    }

    /// The variant an internally tagged object names in `tag` (the last such field, as a
    /// `serde_json::Value` would keep it); the reader stays before the object.
    #[inline(never)]
    fn variant_named(&mut self, tag: &'static str) -> Result<Cow<'a, str>, Problem> {
        if self.peek() != Some(b'{') {
            return Err(Problem::custom(format_args!("expected an object with `{tag}`")));
        }
        let (pos, depth) = (self.pos, self.depth);
        self.enter()?;
        let (mut first, mut name) = (true, None);
        while self.more(b'}', first)? {
            first = false;
            if self.key()? != tag {
                self.skip()?;
                continue;
            }
            match self.scalar()? {
                Some(Scalar::Str(variant)) => name = Some(variant),
                Some(other) => return Err(wrong(&other, &"a string naming the variant")),
                None => return Err(self.invalid(&"a string naming the variant")),
            }
        }
        (self.pos, self.depth) = (pos, depth);
        name.ok_or_else(|| Problem::missing_field(tag))
    }

    /// The start of an enum (`name` is its serde name): its variant's name, and the form it
    /// is written in; the reader stands at the variant's content, if it has one. Not generic
    /// over the visitor, as [`De::enum_end`]: one copy in the WASM, not one per enum.
    #[inline(never)]
    fn enum_start(&mut self, name: &'static str) -> Result<(Cow<'a, str>, EnumForm), Problem> {
        if let Some(tag) = name.strip_prefix(TAGGED) {
            let variant = self.variant_named(tag)?;
            self.skip_key = Some(tag);
            return Ok((variant, EnumForm::Tagged));
        }
        match self.peek() {
            Some(b'"') => Ok((self.string()?, EnumForm::Name)),
            Some(b'{') => {
                self.enter()?;
                if !self.more(b'}', true)? {
                    return Err(Problem::invalid_value(Unexpected::Map, &"map with a single key"));
                }
                Ok((self.key()?, EnumForm::SingleKey))
            }
            _ => Err(self.invalid(&"string or map")),
        }
    }

    /// The end of an enum begun by [`De::enum_start`].
    #[inline(never)]
    fn enum_end(&mut self, form: EnumForm) -> Result<(), Problem> {
        self.skip_key = None;
        match form {
            EnumForm::SingleKey if self.more(b'}', false)? => {
                Err(Problem::invalid_value(Unexpected::Map, &"map with a single key"))
            }
            _ => Ok(()),
        }
    }

    /// The error for a value of the wrong kind where the reader stands.
    #[inline(never)]
    fn invalid(&mut self, expected: &dyn Expected) -> Problem {
        match self.scalar() {
            Ok(Some(scalar)) => wrong(&scalar, expected),
            Ok(None) if self.input.get(self.pos) == Some(&b'[') => {
                Problem::invalid_type(Unexpected::Seq, expected)
            }
            Ok(None) => Problem::invalid_type(Unexpected::Map, expected),
            Err(e) => e,
        }
    }
}

/// The error for a scalar of the wrong kind. Not generic over the visitor: one copy in the WASM.
#[inline(never)]
fn wrong(scalar: &Scalar<'_>, expected: &dyn Expected) -> Problem {
    let unexpected = match scalar {
        Scalar::Null => Unexpected::Unit,
        Scalar::Bool(b) => Unexpected::Bool(*b),
        Scalar::Unsigned(n) => Unexpected::Unsigned(*n),
        Scalar::Signed(n) => Unexpected::Signed(*n),
        Scalar::Float(f) => Unexpected::Float(*f),
        Scalar::Str(s) => Unexpected::Str(s),
    };
    Problem::invalid_type(unexpected, expected)
}

/// Each visit is a function of the visitor's type in the WASM: only the visits a kind can need
/// are called (a text always as `visit_str`).
fn visit<'de, V: Visitor<'de>>(scalar: Scalar<'de>, visitor: V) -> Result<V::Value, Problem> {
    match scalar {
        Scalar::Null => visitor.visit_unit(),
        Scalar::Bool(b) => visitor.visit_bool(b),
        Scalar::Unsigned(n) => visitor.visit_u64(n),
        Scalar::Signed(n) => visitor.visit_i64(n),
        Scalar::Float(f) => visitor.visit_f64(f),
        Scalar::Str(s) => visitor.visit_str(&s),
    }
}

fn seq<'de, V: Visitor<'de>>(de: &mut De<'de>, visitor: V) -> Result<V::Value, Problem> {
    de.enter()?;
    let mut access = Elements {
        de,
        first: true,
        done: false,
    };
    let value = visitor.visit_seq(&mut access)?;
    let (first, done) = (access.first, access.done);
    de.finish(b']', first, done)?;
    Ok(value)
}

fn map<'de, V: Visitor<'de>>(de: &mut De<'de>, visitor: V) -> Result<V::Value, Problem> {
    de.enter()?;
    let skip = de.skip_key.take();
    let mut access = Entries {
        de,
        first: true,
        done: false,
        skip,
    };
    let value = visitor.visit_map(&mut access)?;
    let (first, done) = (access.first, access.done);
    de.finish(b'}', first, done)?;
    Ok(value)
}

/// A struct's object (`deserialize_struct`, a struct variant): each key is handed to the struct's
/// reading as the index of its field in `fields`, found by one loop shared by every struct, not
/// as the name. serde's derived field visitors take both (an index past the end is a key the
/// struct ignores); with the name, each struct carried its own string matching (with the
/// variants' the same way, 2.1 KB of the full core, gzipped). The index is the field's place
/// in `fields` because serde builds both from the same list of the fields read; that holds
/// while no field has an `alias` (serde then lists the aliases in `fields` too): the crate has
/// none.
fn struct_map<'de, V: Visitor<'de>>(
    de: &mut De<'de>,
    fields: &'static [&'static str],
    visitor: V,
) -> Result<V::Value, Problem> {
    de.enter()?;
    let skip = de.skip_key.take();
    let mut access = Fields {
        entries: Entries {
            de,
            first: true,
            done: false,
            skip,
        },
        fields,
    };
    let value = visitor.visit_map(&mut access)?;
    let (first, done) = (access.entries.first, access.entries.done);
    de.finish(b'}', first, done)?;
    Ok(value)
}

/// The kinds read from one kind of scalar: `$pick` takes the visit for it, any other value is
/// the wrong kind.
macro_rules! scalars {
    ($($method:ident)* => |$visitor:ident, $scalar:ident| $pick:expr) => {$(
        fn $method<V: Visitor<'de>>(self, $visitor: V) -> Result<V::Value, Problem> {
            match self.scalar()? {
                Some($scalar) => $pick,
                None => Err(self.invalid(&$visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut De<'de> {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.scalar()? {
            Some(scalar) => visit(scalar, visitor),
            None if self.input.get(self.pos) == Some(&b'[') => seq(self, visitor),
            None => map(self, visitor),
        }
    }

    scalars!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
    deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    deserialize_f32 deserialize_f64 => |visitor, scalar| match scalar {
        Scalar::Unsigned(n) => visitor.visit_u64(n),
        Scalar::Signed(n) => visitor.visit_i64(n),
        Scalar::Float(f) => visitor.visit_f64(f),
        other => Err(wrong(&other, &visitor)),
    });
    scalars!(deserialize_char deserialize_str deserialize_string deserialize_identifier
    => |visitor, scalar| match scalar {
        Scalar::Str(s) => visitor.visit_str(&s),
        other => Err(wrong(&other, &visitor)),
    });
    scalars!(deserialize_bool => |visitor, scalar| match scalar {
        Scalar::Bool(b) => visitor.visit_bool(b),
        other => Err(wrong(&other, &visitor)),
    });
    scalars!(deserialize_unit => |visitor, scalar| match scalar {
        Scalar::Null => visitor.visit_unit(),
        other => Err(wrong(&other, &visitor)),
    });

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.null()? {
            true => visitor.visit_none(),
            false => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.peek() {
            Some(b'[') => seq(self, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.peek() {
            Some(b'{') => map(self, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    /// Only from an object: see the module's documentation.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        match self.peek() {
            Some(b'{') => struct_map(self, fields, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        let (variant, form) = self.enum_start(name)?;
        let content = match form {
            EnumForm::Name => None,
            EnumForm::SingleKey | EnumForm::Tagged => Some(&mut *self),
        };
        let value = visitor.visit_enum(Variant {
            name: variant,
            variants,
            content,
        });
        // The visit's error first: the end is not reached after one.
        let end = self.enum_end(form);
        let value = value?;
        end.map(|()| value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.skip()?;
        visitor.visit_unit()
    }
}

struct Elements<'d, 'de> {
    de: &'d mut De<'de>,
    first: bool,
    done: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Problem;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Problem> {
        if self.done || !self.de.more(b']', self.first)? {
            self.done = true;
            return Ok(None);
        }
        self.first = false;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

struct Entries<'d, 'de> {
    de: &'d mut De<'de>,
    first: bool,
    done: bool,
    /// An internally tagged object's tag, left out.
    skip: Option<&'static str>,
}

impl<'de> Entries<'_, 'de> {
    /// The next key, its colon read; `None` at the object's end.
    fn next_key(&mut self) -> Result<Option<Cow<'de, str>>, Problem> {
        loop {
            if self.done || !self.de.more(b'}', self.first)? {
                self.done = true;
                return Ok(None);
            }
            self.first = false;
            let key = self.de.key()?;
            if self.skip.is_some_and(|tag| key == tag) {
                self.de.skip()?;
                continue;
            }
            return Ok(Some(key));
        }
    }
}

impl<'de> de::MapAccess<'de> for Entries<'_, 'de> {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Problem> {
        match self.next_key()? {
            Some(key) => seed.deserialize(Key(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Problem> {
        seed.deserialize(&mut *self.de)
    }
}

/// A struct's entries: its keys as the indexes of its fields ([`struct_map`]).
struct Fields<'d, 'de> {
    entries: Entries<'d, 'de>,
    fields: &'static [&'static str],
}

impl<'de> de::MapAccess<'de> for Fields<'_, 'de> {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Problem> {
        match self.entries.next_key()? {
            Some(key) => seed
                .deserialize(FieldIndex(field_index(self.fields, &key)))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Problem> {
        seed.deserialize(&mut *self.entries.de)
    }
}

/// `key`'s place in `fields`; past the end when it is none of them.
#[inline(never)]
fn field_index(fields: &[&str], key: &str) -> u64 {
    fields.iter().position(|f| *f == key).unwrap_or(fields.len()) as u64
}

/// A struct's key, as its field's index.
struct FieldIndex(u64);

impl<'de> de::Deserializer<'de> for FieldIndex {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_u64(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// An object's key: a string, or a number or a boolean written as one.
struct Key<'de>(Cow<'de, str>);

macro_rules! parsed {
    ($($method:ident $visit:ident $ty:ty)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
            match self.0.parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(Problem::invalid_type(Unexpected::Str(&self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_str(&self.0)
    }

    parsed!(deserialize_i8 visit_i8 i8 deserialize_i16 visit_i16 i16 deserialize_i32 visit_i32 i32
        deserialize_i64 visit_i64 i64 deserialize_i128 visit_i128 i128
        deserialize_u8 visit_u8 u8 deserialize_u16 visit_u16 u16 deserialize_u32 visit_u32 u32
        deserialize_u64 visit_u64 u64 deserialize_u128 visit_u128 u128
        deserialize_f32 visit_f32 f32 deserialize_f64 visit_f64 f64 deserialize_bool visit_bool bool);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_enum(Variant {
            name: self.0,
            variants,
            content: None,
        })
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// An externally tagged enum's variant: its name, and the reader at its content unless it was
/// a bare string.
struct Variant<'d, 'de> {
    name: Cow<'de, str>,
    /// The enum's variants: the name is handed to the enum's reading as its index there, as a
    /// struct's keys are ([`struct_map`]; the same condition, no `alias`, holds for variants).
    variants: &'static [&'static str],
    content: Option<&'d mut De<'de>>,
}

impl<'d, 'de> de::EnumAccess<'de> for Variant<'d, 'de> {
    type Error = Problem;
    type Variant = Content<'d, 'de>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Content<'d, 'de>), Problem> {
        let index = field_index(self.variants, &self.name);
        if index as usize >= self.variants.len() {
            // The text serde's derived reading gives for a name it does not know.
            return Err(Problem::unknown_variant(&self.name, self.variants));
        }
        let name = seed.deserialize(FieldIndex(index))?;
        Ok((name, Content(self.content)))
    }
}

struct Content<'d, 'de>(Option<&'d mut De<'de>>);

impl<'de> de::VariantAccess<'de> for Content<'_, 'de> {
    type Error = Problem;

    fn unit_variant(self) -> Result<(), Problem> {
        match self.0 {
            // `tagged::external`'s form of an internally tagged variant without fields,
            // `{"name": {…}}`: what stood beside the tag is ignored, as serde's internal tagging
            // ignored it (serde_json would refuse the form).
            Some(de) => match de.peek() {
                Some(b'{') => de.skip(),
                _ => de::Deserialize::deserialize(de),
            },
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Problem> {
        match self.0 {
            Some(de) => seed.deserialize(de),
            None => Err(Problem::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Some(de) => match de.peek() {
                Some(b'[') => seq(de, visitor),
                _ => Err(de.invalid(&"tuple variant")),
            },
            None => Err(Problem::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    /// Only from an object, like a struct.
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        match self.0 {
            Some(de) => match de.peek() {
                Some(b'{') => struct_map(de, fields, visitor),
                _ => Err(de.invalid(&"struct variant")),
            },
            None => Err(Problem::invalid_type(Unexpected::UnitVariant, &"struct variant")),
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
        Pair(u8, u8),
    }

    fn read<T: DeserializeOwned>(text: &str) -> Result<T, String> {
        from_slice(text.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"name": "a\u00e9\n", "count": 3, "cards": {"17": [1, -2]}, "kind": {"named": {"label": "x"}},
            "price": "4200.50", "day": "2026-12-02", "extra": {"k": [1, null, 2.5e3, "\ud83d\ude00"]}, "unknown": [{"deep": [true]}]}"#;
        let ours: Doc = read(text).unwrap();
        let theirs: Doc = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.name, "aé\n");
        assert_eq!(ours.cards[&17], vec![1, -2]);
        assert_eq!(read::<Kind>(r#""plain""#), Ok(Kind::Plain));
        assert_eq!(read::<Kind>(r#"{"wrapped": 7}"#), Ok(Kind::Wrapped(7)));
        assert_eq!(read::<Kind>(r#"{"pair": [1, 2]}"#), Ok(Kind::Pair(1, 2)));
        // `tagged::external`'s form of a variant without fields.
        assert_eq!(read::<Kind>(r#"{"plain": {"x": [1]}}"#), Ok(Kind::Plain));
        assert_eq!(read::<Option<u8>>(" null "), Ok(None));
        assert_eq!(read::<Option<u8>>("7"), Ok(Some(7)));
        assert_eq!(read::<rust_decimal::Decimal>("0.1").unwrap().to_string(), "0.1");
        assert_eq!(read::<(u8, String)>(r#"[1, "b"]"#), Ok((1, "b".into())));
        assert_eq!(read::<f64>("-0").map(f64::is_sign_negative), Ok(true));
        assert_eq!(read::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(read::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(read::<f64>("18446744073709551616"), Ok(18446744073709551616.0));
    }

    #[test]
    fn a_key_taken_out_of_an_object_leaves_the_others_as_they_were() {
        let Value::Object(mut object) = json!({"b": 2, "a": [1], "pdf": "https://x/y.pdf", "c": null}) else {
            panic!("an object");
        };
        assert_eq!(take_key(&mut object, "pdf"), Some(json!("https://x/y.pdf")));
        assert_eq!(
            Value::Object(object.clone()),
            json!({"a": [1], "b": 2, "c": null})
        );
        assert_eq!(take_key(&mut object, "pdf"), None);
        assert_eq!(take_key(&mut object, "c"), Some(Value::Null));
        // In their order (the map's own: sorted in the WASM, as written where serde_json keeps
        // the order, as in the native tests).
        let keys: Vec<&String> = object.keys().collect();
        let Value::Object(before) = json!({"b": 2, "a": [1]}) else {
            panic!("an object");
        };
        assert_eq!(keys, before.keys().collect::<Vec<_>>());
    }

    /// Keys and variant names reach a derived reading as indexes ([`struct_map`]): fields and
    /// variants skipped or renamed keep their places, and the texts are serde_json's.
    #[test]
    fn keys_and_variants_read_by_their_place_as_serde_json_reads_them() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Card {
            first: u8,
            #[serde(skip)]
            skipped: u8,
            #[serde(rename = "the-third")]
            third: Option<Step>,
            #[serde(default)]
            last: Vec<Step>,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "camelCase")]
        enum Step {
            Draft,
            #[serde(skip_deserializing)]
            #[allow(dead_code)]
            Hidden,
            Issued {
                number: String,
                #[serde(skip)]
                seen: bool,
                total: u32,
            },
            LastOne,
        }
        let text = r#"{"last": ["lastOne", {"issued": {"total": 3, "seen": true, "number": "7"}}, "draft"],
            "skipped": 9, "the-third": "lastOne", "third": 1, "first": 2, "zzz": {}}"#;
        let ours: Card = read(text).unwrap();
        assert_eq!(ours, serde_json::from_str::<Card>(text).unwrap());
        assert_eq!(ours.third, Some(Step::LastOne));
        assert_eq!(ours.skipped, 0);
        let without_place =
            |e: serde_json::Error| e.to_string().split(" at line").next().unwrap_or("").to_string();
        for wrong in [
            r#"{"first": 1, "first": 2}"#,
            r#"{"first": 1, "the-third": "hidden"}"#,
            r#"{"first": 1, "last": [{"issued": {"number": "7", "number": "8", "total": 1}}]}"#,
            r#"{"first": 1, "last": [{"issued": {"number": "7"}}]}"#,
            r#"{"first": 1, "last": ["Draft"]}"#,
            r#"{"the-third": "draft"}"#,
        ] {
            let theirs = without_place(serde_json::from_str::<Card>(wrong).unwrap_err());
            assert_eq!(
                read::<Card>(wrong).unwrap_err().split(" at line").next(),
                Some(theirs.as_str()),
                "{wrong}"
            );
        }
    }

    #[test]
    fn errors_are_serde_s_texts() {
        let cases = [
            (r#"{"name": 1}"#, "invalid type: integer `1`, expected a string"),
            (r#"{"name": "a"}"#, "missing field `count`"),
            (
                r#"{"name": "a", "count": -1}"#,
                "invalid value: integer `-1`, expected u32",
            ),
            (
                r#"{"name": "a", "count": 1, "cards": {"x": []}}"#,
                "invalid type: string \"x\", expected u64",
            ),
            (
                r#"{"name": "a", "count": 1, "cards": {}, "kind": "other"}"#,
                "unknown variant `other`",
            ),
            (
                r#"{"name": "a", "count": 1, "cards": {}, "kind": {"plain": null, "named": {}}}"#,
                "map with a single key",
            ),
            (r#""text""#, "invalid type: string \"text\", expected struct Doc"),
            (
                r#"{"name": "a", "count": 1, "cards": [], "kind": "plain"}"#,
                "invalid type: sequence, expected a map",
            ),
        ];
        for (text, said) in cases {
            let ours = read::<Doc>(text).unwrap_err();
            assert!(ours.contains(said), "{text}: {ours}");
            assert!(serde_json::from_str::<Doc>(text).is_err(), "{text}");
        }
        let syntax = read::<Value>("{\"a\":\n [1,]}").unwrap_err();
        assert_eq!(syntax, "trailing comma at line 2 column 5");
        assert!(read::<(u8,)>("[1, 2]").unwrap_err().contains("fewer elements"));
    }

    #[test]
    fn wrong_values_are_named_as_serde_json_names_them() {
        use serde::de::Error as _;
        let all = [
            Unexpected::Bool(true),
            Unexpected::Unsigned(7),
            Unexpected::Signed(-7),
            Unexpected::Float(1.5),
            Unexpected::Float(1e300),
            Unexpected::Float(-0.0),
            Unexpected::Float(3.0),
            Unexpected::Char('x'),
            Unexpected::Str("a \"b\"\n"),
            Unexpected::Bytes(b"x"),
            Unexpected::Unit,
            Unexpected::Option,
            Unexpected::NewtypeStruct,
            Unexpected::Seq,
            Unexpected::Map,
            Unexpected::Enum,
            Unexpected::UnitVariant,
            Unexpected::NewtypeVariant,
            Unexpected::TupleVariant,
            Unexpected::StructVariant,
            Unexpected::Other("something"),
        ];
        for unexpected in all {
            let ours = Problem::invalid_type(unexpected, &"a kind").to_string();
            let theirs = serde_json::Error::invalid_type(unexpected, &"a kind").to_string();
            assert_eq!(ours, theirs);
            let ours = Problem::invalid_value(unexpected, &"a kind").to_string();
            let theirs = serde_json::Error::invalid_value(unexpected, &"a kind").to_string();
            assert_eq!(ours, theirs);
        }
        assert_eq!(
            read::<String>("2.5").unwrap_err(),
            "invalid type: floating point `2.5`, expected a string"
        );
    }

    #[test]
    fn a_struct_is_read_only_from_an_object() {
        let err = read::<Kind>(r#"{"named": ["x"]}"#).unwrap_err();
        assert_eq!(err, "invalid type: sequence, expected struct variant");
        #[derive(Debug, Deserialize)]
        struct Pair {
            _a: u8,
        }
        let err = read::<Pair>("[1]").unwrap_err();
        assert_eq!(err, "invalid type: sequence, expected struct Pair");
        assert!(serde_json::from_str::<Pair>("[1]").is_ok(), "serde_json reads it");
    }

    #[test]
    fn values_built_in_code_are_read_through_their_text() {
        let v = json!({"name": "a", "count": 2, "cards": {"3": []}, "kind": "plain", "price": 1.5,
            "day": "2026-01-31", "extra": null});
        let doc: Doc = from_value_with(&v, |de| Doc::deserialize(de)).unwrap();
        assert_eq!((doc.count, doc.price.to_string()), (2, "1.5".into()));
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(remote = "Self", rename = "\u{0}kind", rename_all = "camelCase")]
    enum Tagged {
        Bare {},
        Unit,
        Inner { inner: Inside, n: u8 },
        Nested { then: Box<Tagged> },
        Counts(BTreeMap<String, u8>),
    }

    impl<'de> Deserialize<'de> for Tagged {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Tagged::deserialize(d)
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Inside {
        kind: String,
    }

    #[test]
    fn an_internally_tagged_object_is_read_with_its_tag_anywhere() {
        let inner = |kind: &str, n| Tagged::Inner {
            inner: Inside { kind: kind.into() },
            n,
        };
        // The tag last, and the same key inside a field's object, which is that field's own.
        assert_eq!(
            read::<Tagged>(r#"{"n": 2, "inner": {"kind": "x"}, "kind": "inner"}"#),
            Ok(inner("x", 2))
        );
        assert_eq!(
            read::<Tagged>(r#"{"kind": "inner", "inner": {"kind": "y"}, "n": 3}"#),
            Ok(inner("y", 3))
        );
        // Fields beside the tag of a variant without any are ignored, for a unit variant too.
        assert_eq!(
            read::<Tagged>(r#"{"x": [1, {"y": null}], "kind": "bare"}"#),
            Ok(Tagged::Bare {})
        );
        assert_eq!(read::<Tagged>(r#"{"kind": "unit", "x": 1}"#), Ok(Tagged::Unit));
        // The tag is not part of the content: a map holds only the other fields.
        let counts = read::<Tagged>(r#"{"a": 1, "kind": "counts", "b": 2}"#);
        assert_eq!(
            counts,
            Ok(Tagged::Counts([("a".into(), 1), ("b".into(), 2)].into()))
        );
        // Nested, and in a list; the last of two tags, as a `serde_json::Value` keeps it.
        let nested = r#"[{"kind": "nested", "then": {"kind": "bare", "kind": "unit"}}]"#;
        assert_eq!(
            read::<Vec<Tagged>>(nested),
            Ok(vec![Tagged::Nested {
                then: Box::new(Tagged::Unit)
            }])
        );
        let v = json!({"then": {"n": 1, "kind": "inner", "inner": {"kind": ""}}, "kind": "nested"});
        assert_eq!(
            crate::platform::from_value::<Tagged>(v).map_err(|e| e.to_string()),
            Ok(Tagged::Nested {
                then: Box::new(inner("", 1))
            })
        );
        for (text, said) in [
            (r#"{"n": 1}"#, "missing field `kind`"),
            (
                r#"{"kind": 3}"#,
                "invalid type: integer `3`, expected a string naming the variant",
            ),
            (r#"{"kind": "other"}"#, "unknown variant `other`"),
            (r#"{"kind": "inner", "n": 1}"#, "missing field `inner`"),
            (r#"["inner"]"#, "expected an object with `kind`"),
            (r#"{"kind": "bare",}"#, "trailing comma"),
        ] {
            let err = read::<Tagged>(text).unwrap_err();
            assert!(err.contains(said), "{text}: {err}");
        }
    }

    /// A small deterministic generator (xorshift), so that a failure can be replayed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn random_value(rng: &mut Rng, depth: u32) -> Value {
        let strings = [
            "",
            "a",
            "é",
            "\"q\"",
            "\\",
            "\u{1F600}",
            "line\nbreak",
            "\u{7f}\u{0}",
            "17",
            "-3",
        ];
        match rng.below(if depth > 4 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 0),
            2 => json!(rng.next() >> rng.below(64)),
            3 => json!(-((rng.next() >> 1) as i64 >> rng.below(63))),
            4 => json!((rng.below(2_000_000) as f64 - 1_000_000.0) / [1.0, 10.0, 1000.0, 1e9][rng.below(4)]),
            5 => Value::String(strings[rng.below(strings.len())].to_string()),
            6 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth + 1)).collect()),
            _ => Value::Object(
                (0..rng.below(4))
                    .map(|_| {
                        (
                            strings[rng.below(strings.len())].to_string(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn agree(text: &[u8]) {
        let ours = from_slice::<Value>(text);
        let theirs = serde_json::from_slice::<Value>(text);
        let shown = String::from_utf8_lossy(text);
        match (&ours, &theirs) {
            // Numbers too: both read them with serde_json's number reader.
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{shown}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{shown}: ours {ours:?}, serde_json's {theirs:?}"),
        }
    }

    #[test]
    fn accepts_and_refuses_what_serde_json_does() {
        let fixed: &[&[u8]] = &[
            b"",
            b" ",
            b"nul",
            b"nulll",
            b"truex",
            b"01",
            b"-",
            b"-01",
            b"1.",
            b".5",
            b"1e",
            b"1e+",
            b"+1",
            b"1E400",
            b"-1e400",
            b"1e-400",
            b"-0.0",
            b"0e0",
            b"[1 2]",
            b"[,]",
            b"[1,]",
            b"{\"a\" 1}",
            b"{\"a\":1,}",
            b"{1:1}",
            b"{\"a\":1 \"b\":2}",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\u12g4\"",
            b"\"\\ud800\"",
            b"\"\\udc00\"",
            b"\"\\ud800\\u0041\"",
            b"\"\\ud83d\\ude00\"",
            b"\"\x01\"",
            b"\"\xff\"",
            b"\"\xc3\"",
            b"\"\xc3\\n\"",
            b"\"\xe2\x82\xac\"",
            b"[]x",
            b"{} {}",
            b"\t[\r\n]\n",
            b"[\"a\\/b\\b\\f\\t\\r\"]",
            b"123456789012345678901234567890",
            b"-9223372036854775809",
            b"1.7976931348623157e308",
            b"4.9e-324",
            b"[true,false,null]",
        ];
        for text in fixed {
            agree(text);
        }
        // Nesting up to serde_json's limit, and one past it.
        for depth in [126, 127, 128, 129] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            agree(text.as_bytes());
            let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            agree(text.as_bytes());
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let bytes = b"{}[]\",:\\u0-1.eE+ntrfalse \n\xc3\xa9\xff";
        for _ in 0..20_000 {
            let value = random_value(&mut rng, 0);
            let mut text = match rng.below(2) {
                0 => serde_json::to_vec(&value).unwrap(),
                _ => serde_json::to_vec_pretty(&value).unwrap(),
            };
            agree(&text);
            // Mangled: a few bytes removed, replaced or inserted.
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(text.len() + 1);
                let byte = bytes[rng.below(bytes.len())];
                match rng.below(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 if at < text.len() => text[at] = byte,
                    _ => text.insert(at, byte),
                }
            }
            agree(&text);
        }
    }
}

/// Any JSON value, as a vendor's field shows it: a string as it is, a number as its JSON text, and
/// anything else (`true`, an array, an object) as its compact JSON text, as serde_json writes it
/// (an object's keys in the order read). Read by any deserializer, without a
/// `serde_json::Value` between: what the core reads of MiniCRM's free-form answers (a card's
/// fields, its text fields that may come as numbers, SmartBill's error bodies) needs no more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AnyValue {
    #[default]
    Null,
    Text(String),
    Number(String),
    Other(String),
}

impl AnyValue {
    /// What a person would read in the field: "" for `null`, a string as it is, anything else
    /// as its JSON text.
    pub fn into_text(self) -> String {
        match self {
            AnyValue::Null => String::new(),
            AnyValue::Text(s) | AnyValue::Number(s) | AnyValue::Other(s) => s,
        }
    }

    /// [`Self::into_text`] without taking it.
    pub fn text(&self) -> &str {
        match self {
            AnyValue::Null => "",
            AnyValue::Text(s) | AnyValue::Number(s) | AnyValue::Other(s) => s,
        }
    }

    /// The string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AnyValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// `T` read from an array or an object ([`AnyValue::Other`]); `None` for anything else, or
    /// when `T` cannot be read from it.
    pub fn read<T: DeserializeOwned>(&self) -> Option<T> {
        match self {
            AnyValue::Other(text) => from_slice(text.as_bytes()).ok(),
            _ => None,
        }
    }
}

impl<'de> de::Deserialize<'de> for AnyValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(AnyVisitor)
    }
}

struct AnyVisitor;

/// `value` as serde_json writes it.
fn json_of<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// An array's or an object's compact JSON text.
fn other<E>(write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<AnyValue, E> {
    let mut out = Vec::new();
    write(&mut out)?;
    Ok(AnyValue::Other(String::from_utf8(out).unwrap_or_default()))
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = AnyValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<AnyValue, E> {
        Ok(AnyValue::Other(json_of(&v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyValue, E> {
        Ok(AnyValue::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyValue, E> {
        Ok(AnyValue::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AnyValue, E> {
        Ok(AnyValue::Number(json_of(&v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AnyValue, E> {
        Ok(AnyValue::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<AnyValue, E> {
        Ok(AnyValue::Text(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<AnyValue, E> {
        Ok(AnyValue::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
        d.deserialize_any(AnyVisitor)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<AnyValue, A::Error> {
        other(|out| JsonText(out).visit_seq(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<AnyValue, A::Error> {
        other(|out| JsonText(out).visit_map(map))
    }
}

/// An object's entries, in the order read.
pub struct InOrder<V>(pub Vec<(String, V)>);

impl<'de, V: de::Deserialize<'de>> de::Deserialize<'de> for InOrder<V> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(InOrderVisitor(std::marker::PhantomData))
    }
}

struct InOrderVisitor<V>(std::marker::PhantomData<V>);

impl<'de, V: de::Deserialize<'de>> Visitor<'de> for InOrderVisitor<V> {
    type Value = InOrder<V>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<InOrder<V>, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry()? {
            out.push(entry);
        }
        Ok(InOrder(out))
    }
}

/// Writes the value it reads as compact JSON text (inside an [`AnyValue::Other`]).
struct JsonText<'o>(&'o mut Vec<u8>);

impl JsonText<'_> {
    fn put<T: serde::Serialize + ?Sized, E>(self, value: &T) -> Result<(), E> {
        // Writing to a `Vec` fails only for a float that is not finite, which JSON text cannot hold.
        let _ = serde_json::to_writer(&mut *self.0, value);
        Ok(())
    }

    /// The elements (`Some(())` each, written by `next`) between `open` and `close`, with commas.
    fn items<E>(
        self,
        open: u8,
        close: u8,
        mut next: impl FnMut(&mut Vec<u8>) -> Result<Option<()>, E>,
    ) -> Result<(), E> {
        self.0.push(open);
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if next(self.0)?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(close);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for JsonText<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.put(&v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.put(&v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.put(&v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.put(&v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.put(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.put(&())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.put(&())
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.items(b'[', b']', |out| seq.next_element_seed(JsonText(out)))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.items(b'{', b'}', |out| {
            let Some(()) = map.next_key_seed(JsonText(&mut *out))? else {
                return Ok(None);
            };
            out.push(b':');
            map.next_value_seed(JsonText(out)).map(Some)
        })
    }
}

/// The value of `key` in `object`, taken out of it. The object is made again rather than taken
/// from: a JSON object's `remove` would bring the B-tree's removal code (about 5 KB) into the
/// WASM modules for the three keys the core takes out (a card's PDF link, twice, and version 0's
/// series in the settings).
pub fn take_key(object: &mut serde_json::Map<String, Value>, key: &str) -> Option<Value> {
    if !object.contains_key(key) {
        return None;
    }
    let mut taken = None;
    // One insert at a time: collecting would bring the bulk build (sorting and its own
    // rebalancing), larger still.
    for (k, v) in std::mem::take(object) {
        match k == key {
            true => taken = Some(v),
            false => {
                object.insert(k, v);
            }
        }
    }
    taken
}

/// Which fields of a struct `#[derive(LeanDeserialize)]` (macros/src/lib.rs) has read, a bit
/// each: the checks serde's derive writes out for each field, shared by every struct.
#[doc(hidden)]
#[derive(Default)]
pub struct Seen(u64);

impl Seen {
    /// Field `i` of `fields` is read (an index past the end is a key the struct ignores): a
    /// second key for it is serde's error.
    pub fn mark<E: de::Error>(&mut self, i: usize, fields: &'static [&'static str]) -> Result<(), E> {
        let Some(name) = fields.get(i) else {
            return Ok(());
        };
        let bit = 1u64 << i;
        if self.0 & bit != 0 {
            return Err(E::duplicate_field(name));
        }
        self.0 |= bit;
        Ok(())
    }

    /// Every field of `required` (a bit each) was read; if not, serde's error for the first
    /// one missing.
    pub fn require<E: de::Error>(&self, required: u64, fields: &'static [&'static str]) -> Result<(), E> {
        match required & !self.0 {
            0 => Ok(()),
            missing => {
                let name = fields.get(missing.trailing_zeros() as usize);
                Err(E::missing_field(name.copied().unwrap_or("?")))
            }
        }
    }
}

/// A struct's key, for `#[derive(LeanDeserialize)]`: as its field's index in `fields` (past
/// the end: a key the struct ignores), whether it comes as the index (this module's reader) or
/// as the name (serde_json, serde's buffered content).
#[doc(hidden)]
pub struct FieldSeed(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        Ok(usize::try_from(v).unwrap_or(usize::MAX))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        Ok(usize::try_from(field_index(self.0, v)).unwrap_or(usize::MAX))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        Ok(self
            .0
            .iter()
            .position(|f| f.as_bytes() == v)
            .unwrap_or(usize::MAX))
    }
}

/// `#[derive(LeanDeserialize)]` (macros/src/lib.rs) against serde's derive: twin structs with
/// the same fields and attributes, read from the same texts by serde_json and by this module's
/// reader, must give the same value or the same error text.
#[cfg(test)]
mod lean_tests {
    use minicrm_smartbill_macros::LeanDeserialize;
    use rust_decimal::Decimal;
    use serde::Deserialize;

    use super::*;

    fn half() -> u32 {
        50
    }

    /// Twin structs: `$serde` by serde's derive, `$lean` by ours, the same body.
    macro_rules! twins {
        ($(#[$attr:meta])* $serde:ident / $lean:ident { $($body:tt)* }) => {
            // Read through their debug texts only.
            #[allow(dead_code)]
            #[derive(Debug, Default, Deserialize)]
            $(#[$attr])*
            struct $serde { $($body)* }
            #[allow(dead_code)]
            #[derive(Debug, Default, LeanDeserialize)]
            $(#[$attr])*
            struct $lean { $($body)* }
        };
    }

    twins! {
        #[serde(rename_all = "camelCase")]
        SerdeCard / LeanCard {
            card_name: String,
            count: u32,
            maybe_note: Option<String>,
            #[serde(default)]
            tags: Vec<u8>,
            #[serde(default = "half")]
            share: u32,
            #[serde(rename = "the-total", deserialize_with = "crate::money::de_decimal")]
            total: Decimal,
            // Read by a function of its own: required, though an `Option` (as serde).
            #[serde(deserialize_with = "crate::money::de_decimal_opt")]
            discount: Option<Decimal>,
            #[serde(default, with = "crate::money::stored")]
            stored: Decimal,
            #[serde(skip)]
            skipped: u8,
            inner: Option<LeanInner>,
        }
    }

    twins! {
        #[serde(default)]
        SerdeAllDefault / LeanAllDefault {
            first: u8,
            second: String,
        }
    }

    #[derive(Debug, Default, PartialEq, LeanDeserialize)]
    struct LeanInner {
        r#type: String,
    }

    /// The value's debug text without the struct's name, or the error's text without its place.
    fn outcome<T: std::fmt::Debug, E: std::fmt::Display>(read: Result<T, E>) -> String {
        match read {
            Ok(value) => {
                let text = format!("{value:?}");
                text.split_once(' ')
                    .map(|(_, rest)| rest.to_string())
                    .unwrap_or(text)
            }
            Err(e) => e.to_string().split(" at line").next().unwrap_or("").to_string(),
        }
    }

    /// The four readings of `text` as `S` and `L` agree; the common outcome.
    fn same<S: DeserializeOwned + std::fmt::Debug, L: DeserializeOwned + std::fmt::Debug>(
        text: &str,
    ) -> String {
        // serde's own texts name the struct as the derive does: the twins' names differ.
        let reference = outcome(serde_json::from_str::<S>(text)).replace("Serde", "Lean");
        let others = [
            (
                "serde's derive, our reader",
                outcome(from_slice::<S>(text.as_bytes())),
            ),
            (
                "LeanDeserialize, serde_json",
                outcome(serde_json::from_str::<L>(text)),
            ),
            (
                "LeanDeserialize, our reader",
                outcome(from_slice::<L>(text.as_bytes())),
            ),
        ];
        for (which, got) in others {
            assert_eq!(got.replace("Serde", "Lean"), reference, "{which} on {text}");
        }
        reference
    }

    const GOOD: [(&str, &str); 10] = [
        ("cardName", r#""Ana""#),
        ("count", "3"),
        ("maybeNote", r#""n""#),
        ("tags", "[1, 2]"),
        ("share", "7"),
        ("the-total", r#""12.50""#),
        ("discount", "1.5"),
        ("stored", r#""0.25""#),
        ("skipped", "9"),
        ("inner", r#"{"type": "x", "other": [1]}"#),
    ];

    fn object(entries: &[(&str, &str)]) -> String {
        let body: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", body.join(", "))
    }

    #[test]
    fn reads_as_serde_s_derive_every_field_present_or_missing() {
        let mut read = 0;
        for mask in 0u32..(1 << GOOD.len()) {
            let entries: Vec<(&str, &str)> = GOOD
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, e)| *e)
                .collect();
            if !same::<SerdeCard, LeanCard>(&object(&entries)).starts_with("missing field") {
                read += 1;
            }
        }
        // Only the four required fields decide: cardName, count, the-total, discount.
        assert_eq!(read, 1 << (GOOD.len() - 4));
        let all = object(&GOOD);
        let value = same::<SerdeCard, LeanCard>(&all);
        assert!(value.contains("card_name: \"Ana\""), "{value}");
        assert!(value.contains("skipped: 0"), "{value}");
        assert!(value.contains("share: 7"), "{value}");
        let fewest = object(&[GOOD[0], GOOD[1], GOOD[5], GOOD[6]]);
        let value = same::<SerdeCard, LeanCard>(&fewest);
        assert!(value.contains("share: 50, total: 12.50"), "{value}");
        assert!(value.contains("maybe_note: None"), "{value}");
        assert_eq!(
            same::<SerdeCard, LeanCard>(&object(&[GOOD[0], GOOD[1], GOOD[5]])),
            "missing field `discount`"
        );
    }

    #[test]
    fn reads_as_serde_s_derive_wrong_doubled_null_and_unknown_keys() {
        let wrong = [
            "null",
            "true",
            "-1",
            "1.5",
            r#""x""#,
            "[]",
            "{}",
            r#"{"type": 1}"#,
        ];
        for (i, _) in GOOD.iter().enumerate() {
            for value in wrong {
                let mut entries = GOOD.to_vec();
                entries[i].1 = value;
                same::<SerdeCard, LeanCard>(&object(&entries));
            }
            let mut doubled = GOOD.to_vec();
            doubled.insert(0, GOOD[i]);
            let outcome = same::<SerdeCard, LeanCard>(&object(&doubled));
            // A skipped field's key is an unknown one: never a second key.
            assert_eq!(
                outcome.starts_with("duplicate field"),
                GOOD[i].0 != "skipped",
                "{outcome}"
            );
        }
        let mut unknown = GOOD.to_vec();
        unknown.insert(3, ("card_name", r#"{"deep": [null]}"#));
        unknown.push(("", "0"));
        same::<SerdeCard, LeanCard>(&object(&unknown));
        for text in ["null", "1", r#""card""#, "true", "{", r#"{"cardName": "a""#, "{}"] {
            same::<SerdeCard, LeanCard>(text);
        }
        for text in [
            "{}",
            r#"{"first": 4}"#,
            r#"{"second": "b", "third": 0}"#,
            r#"{"first": 1, "first": 2}"#,
        ] {
            same::<SerdeAllDefault, LeanAllDefault>(text);
        }
        assert_eq!(
            same::<SerdeAllDefault, LeanAllDefault>(r#"{"second": "b"}"#),
            "{ first: 0, second: \"b\" }"
        );
    }

    /// The one form left out: a struct written as an array (serde's derive reads it).
    #[test]
    fn a_struct_is_never_read_from_an_array() {
        let text = r#"["Ana", 3]"#;
        let err = serde_json::from_str::<LeanAllDefault>(text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid type: sequence, expected struct LeanAllDefault"),
            "{err}"
        );
        let err = from_slice::<LeanAllDefault>(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid type: sequence, expected struct LeanAllDefault"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod any_tests {
    use super::*;

    /// What a field showed when it was read through a `serde_json::Value` (the reading before
    /// `AnyValue`): a string as it is, `null` as nothing, anything else as its JSON text.
    fn through_value(text: &str) -> (String, bool, bool) {
        let v: Value = serde_json::from_str(text).unwrap();
        let shown = match &v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => serde_json::to_string(other).unwrap(),
        };
        (shown, v.is_string(), v.is_number())
    }

    #[test]
    fn any_value_shows_what_a_json_value_showed() {
        for text in [
            r#""Ofertă „nouă”""#,
            r#""""#,
            "null",
            "true",
            "0",
            "-17",
            "18446744073709551615",
            "1.5",
            "1e3",
            "-0.0",
            "[]",
            "{}",
            r#"[1, "a\"b", null, [true, {"x": 2.50}]]"#,
            r#"{"b": 1, "a": {"c": "\u0001\n"}, "d": []}"#,
        ] {
            let ours: AnyValue = from_slice(text.as_bytes()).unwrap();
            let (shown, string, number) = through_value(text);
            assert_eq!(ours.text(), shown, "{text}");
            assert_eq!(ours.as_str().is_some(), string, "{text}");
            assert_eq!(matches!(ours, AnyValue::Number(_)), number, "{text}");
            assert_eq!(ours.clone().into_text(), shown, "{text}");
        }
        // Badly formed JSON is refused as it is elsewhere.
        assert!(from_slice::<AnyValue>(b"[1,]").is_err());
        assert!(from_slice::<AnyValue>(b"{\"a\" 1}").is_err());
    }

    #[test]
    fn any_value_reads_what_it_holds() {
        let list: AnyValue = from_slice(br#"[{"message": "x"}, 2]"#).unwrap();
        let all: Vec<AnyValue> = list.read().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1], AnyValue::Number("2".into()));
        // Only an array or an object holds anything to read.
        assert_eq!(AnyValue::Text("[1]".into()).read::<Vec<u8>>(), None);
        assert_eq!(all[1].read::<u8>(), None);
        let entries: InOrder<AnyValue> = from_slice(br#"{"z": 1, "a": "b", "z2": null}"#).unwrap();
        let keys: Vec<&str> = entries.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "z2"]);
        assert!(from_slice::<InOrder<AnyValue>>(b"[]").is_err());
    }
}
