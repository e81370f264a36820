//! What the msgpack and JSON codecs share: the error type, the nesting limit, the names used in
//! messages, and cty's rules for numbers, sets and bare values in `dynamic` slots. Both codecs
//! must agree on these so a value means the same whichever encoding carried it.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

use super::diag::{AttributePath, Diagnostic};
use super::value::{Number, Type, Value};

/// How many arrays and maps may nest inside each other in one encoded value (msgpack or JSON),
/// and how deeply type-constraint JSON may nest.
///
/// Real values are far shallower: a resource schema nests two levels per nested block (a list or
/// set, then an object), so even the deepest schemas of large providers stay around 20 to 30
/// levels, and `dynamic` values built from expressions rarely go beyond a dozen. 64 leaves ample
/// room while keeping the decoders' recursion well inside any thread's stack. It is also below
/// `serde_json`'s own recursion limit (128), so JSON input always meets this limit first and
/// gets the same message as msgpack.
pub const MAX_DEPTH: usize = 64;

/// A value could not be translated between its wire form and [`Value`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{kind}", Location(.path))]
pub struct CodecError {
    /// Where in the value the problem is; empty for the value as a whole.
    pub path: AttributePath,
    pub kind: CodecErrorKind,
}

/// What went wrong, independent of where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CodecErrorKind {
    #[error("unexpected end of input")]
    Truncated,
    #[error("{0} unexpected byte(s) after the value")]
    TrailingBytes(usize),
    #[error("malformed input: {0}")]
    Malformed(String),
    #[error("expected {expected}, found {found}")]
    Mismatch { expected: String, found: String },
    #[error("unsupported attribute {0:?}")]
    UnsupportedAttribute(String),
    #[error("missing attribute {0:?}")]
    MissingAttribute(String),
    #[error("expected a tuple of {expected} element(s), found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("invalid number: {0}")]
    InvalidNumber(String),
    #[error("an unknown value cannot be written in this encoding")]
    UnknownNotAllowed,
    #[error("invalid type constraint: {0}")]
    InvalidType(String),
    #[error("cannot write output: {0}")]
    Write(String),
    /// Arrays and maps nest deeper than [`MAX_DEPTH`]; the number is the limit.
    #[error("value nested more than {0} levels deep")]
    TooDeep(usize),
}

impl CodecError {
    pub fn new(path: AttributePath, kind: CodecErrorKind) -> Self {
        CodecError { path, kind }
    }

    /// An error diagnostic with the codec message as detail, pinned to the failing attribute when
    /// there is one, so RPC handlers can report decoding failures the way Terraform expects.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error(summary, self.to_string());
        if self.path.0.is_empty() {
            diagnostic
        } else {
            diagnostic.at(self.path.clone())
        }
    }
}

/// Prefixes a message with its path, or with nothing at the root.
struct Location<'a>(&'a AttributePath);

impl std::fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}: ", self.0)
        }
    }
}

/// A short human name for a type, used in mismatch messages.
pub(crate) fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "string".to_owned(),
        Type::Number => "number".to_owned(),
        Type::Bool => "bool".to_owned(),
        Type::Dynamic => "dynamic value".to_owned(),
        Type::List(element) => format!("list of {}", type_name(element)),
        Type::Set(element) => format!("set of {}", type_name(element)),
        Type::Map(element) => format!("map of {}", type_name(element)),
        Type::Object(_) => "object".to_owned(),
        Type::Tuple(_) => "tuple".to_owned(),
    }
}

/// A short human name for the shape of a value, used in mismatch messages.
pub(crate) fn value_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
        Value::Dynamic(..) => "dynamic value",
    }
}

/// Makes an integral float an `Int`, so a number compares equal however the sender wrote it.
pub(crate) fn normalize_float(f: f64) -> Number {
    // 2^63 is exactly representable; every integral f64 in [-2^63, 2^63) fits an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f) {
        Number::Int(f as i64)
    } else {
        Number::Float(f)
    }
}

/// Parses the decimal-string form of a number that cty falls back to for huge or precise values.
pub(crate) fn parse_number_text(text: &str) -> Result<Number, CodecErrorKind> {
    let trimmed = text.trim();
    let numeric_syntax = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if !numeric_syntax {
        return Err(CodecErrorKind::InvalidNumber(format!(
            "{text:?} is not a decimal number"
        )));
    }
    if let Ok(int) = trimmed.parse::<i64>() {
        return Ok(Number::Int(int));
    }
    match trimmed.parse::<f64>() {
        Ok(float) if float.is_finite() => Ok(normalize_float(float)),
        Ok(_) => Err(CodecErrorKind::InvalidNumber(format!(
            "{text:?} is out of range"
        ))),
        Err(_) => Err(CodecErrorKind::InvalidNumber(format!(
            "{text:?} is not a decimal number"
        ))),
    }
}

/// Keeps the first of any wholly known duplicates, as the host's set semantics would. Unknown
/// elements never collapse: two unknowns may turn out to be different values.
///
/// Elements are bucketed by a hash consistent with `==`, so only elements that hash alike are
/// compared: linear time for any input rather than quadratic in the set's size.
pub(crate) fn dedupe_set(items: Vec<Value>) -> Vec<Value> {
    let hasher = RandomState::new();
    // Hash of a kept element -> indexes in `out` of the kept elements with that hash.
    let mut kept: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if item.is_wholly_known() {
            let mut state = hasher.build_hasher();
            hash_value(&item, &mut state);
            let same_hash = kept.entry(state.finish()).or_default();
            if same_hash.iter().any(|&index| out[index] == item) {
                continue;
            }
            same_hash.push(out.len());
        }
        out.push(item);
    }
    out
}

/// Feeds `value` to `state` so that values equal under `==` hash alike, and values that differ,
/// even only in the type a dynamic value carries, almost never do.
fn hash_value(value: &Value, state: &mut impl Hasher) {
    std::mem::discriminant(value).hash(state);
    match value {
        Value::Null | Value::Unknown => {}
        Value::String(s) => s.hash(state),
        Value::Bool(b) => b.hash(state),
        Value::Number(Number::Int(i)) => {
            0u8.hash(state);
            i.hash(state);
        }
        Value::Number(Number::Float(f)) => {
            1u8.hash(state);
            // 0.0 == -0.0, so both must hash alike; NaN equals nothing, so any hash will do.
            let bits = if *f == 0.0 { 0 } else { f.to_bits() };
            bits.hash(state);
        }
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.len().hash(state);
            for item in items {
                hash_value(item, state);
            }
        }
        Value::Map(fields) | Value::Object(fields) => {
            fields.len().hash(state);
            for (key, item) in fields {
                key.hash(state);
                hash_value(item, state);
            }
        }
        Value::Dynamic(ty, inner) => {
            hash_type(ty, state);
            hash_value(inner, state);
        }
    }
}

/// Feeds `ty` to `state`, so that equal types hash alike ([`Type`] is not `Hash` itself).
fn hash_type(ty: &Type, state: &mut impl Hasher) {
    std::mem::discriminant(ty).hash(state);
    match ty {
        Type::String | Type::Number | Type::Bool | Type::Dynamic => {}
        Type::List(element) | Type::Set(element) | Type::Map(element) => hash_type(element, state),
        Type::Object(attributes) => {
            attributes.len().hash(state);
            for (name, attribute) in attributes {
                name.hash(state);
                hash_type(attribute, state);
            }
        }
        Type::Tuple(elements) => {
            elements.len().hash(state);
            for element in elements {
                hash_type(element, state);
            }
        }
    }
}

/// The type a bare (unwrapped) value placed in a `dynamic` slot is taken to have. Only
/// primitives are inferred; anything richer must say its type through [`Value::Dynamic`].
pub(crate) fn inferred_dynamic_type(value: &Value) -> Option<Type> {
    match value {
        Value::String(_) => Some(Type::String),
        Value::Number(_) => Some(Type::Number),
        Value::Bool(_) => Some(Type::Bool),
        _ => None,
    }
}
