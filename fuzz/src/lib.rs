//! Helpers shared by the fuzz targets: the schema types values are decoded against, and the
//! round-trip properties every successfully decoded value must have.

use std::collections::BTreeMap;

use tf_provider_framework::codec::{CodecErrorKind, MAX_DEPTH};
use tf_provider_framework::value::{Number, Type, Value};
use tf_provider_framework::{json, msgpack};

fn object(fields: &[(&str, Type)]) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|(name, ty)| ((*name).to_owned(), ty.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn list(ty: Type) -> Type {
    Type::List(Box::new(ty))
}

fn set(ty: Type) -> Type {
    Type::Set(Box::new(ty))
}

fn map(ty: Type) -> Type {
    Type::Map(Box::new(ty))
}

/// The representative schema types, chosen by the first input byte: a resource-like object with
/// nested blocks and a `timeouts` block, `dynamic` at the top and inside collections, and every
/// collection kind nested in the others.
pub fn schema_types() -> Vec<Type> {
    let timeouts = object(&[("create", Type::String), ("delete", Type::String)]);
    let rule = object(&[
        ("port", Type::Number),
        ("cidrs", list(Type::String)),
        ("enabled", Type::Bool),
    ]);
    vec![
        object(&[
            ("id", Type::String),
            ("count", Type::Number),
            ("enabled", Type::Bool),
            ("tags", map(Type::String)),
            ("subnets", set(Type::String)),
            ("rules", list(rule.clone())),
            ("timeouts", timeouts),
            ("extra", Type::Dynamic),
            ("pair", Type::Tuple(vec![Type::String, Type::Number])),
        ]),
        Type::Dynamic,
        list(Type::Dynamic),
        set(object(&[("name", Type::String), ("value", Type::Dynamic)])),
        map(list(Type::Number)),
        Type::Tuple(vec![Type::String, Type::Number, Type::Bool, Type::Dynamic]),
        list(list(set(map(Type::String)))),
        set(rule),
        set(Type::Number),
        Type::String,
        Type::Number,
        Type::Bool,
    ]
}

/// Splits a fuzz input into a schema type (first byte) and the payload (the rest).
pub fn split_input(data: &[u8]) -> Option<(Type, &[u8])> {
    let (selector, payload) = data.split_first()?;
    let types = schema_types();
    let ty = types[usize::from(*selector) % types.len()].clone();
    Some((ty, payload))
}

/// Whether JSON can carry `value`: no unknowns and no infinite numbers.
fn json_can_carry(value: &Value) -> bool {
    match value {
        Value::Unknown => false,
        Value::Number(Number::Float(f)) => f.is_finite(),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().all(json_can_carry)
        }
        Value::Map(fields) | Value::Object(fields) => fields.values().all(json_can_carry),
        Value::Dynamic(_, inner) => json_can_carry(inner),
        Value::Null | Value::String(_) | Value::Bool(_) | Value::Number(Number::Int(_)) => true,
    }
}

/// A decoded value must encode again, decode to itself, and re-encode to the same bytes, in
/// msgpack; and when JSON can carry it, round-trip through JSON too.
pub fn check_round_trips(value: &Value, ty: &Type) {
    let bytes = msgpack::encode(value, ty)
        .unwrap_or_else(|e| panic!("a decoded value must encode: {e}\nvalue: {value:?}"));
    let again = msgpack::decode(&bytes, ty)
        .unwrap_or_else(|e| panic!("an encoded value must decode: {e}\nvalue: {value:?}"));
    assert_eq!(&again, value, "msgpack round trip changed the value");
    let bytes_again = msgpack::encode(&again, ty).expect("re-encoding");
    assert_eq!(bytes, bytes_again, "msgpack encoding is not stable");

    if json_can_carry(value) {
        let text = json::encode(value, ty)
            .unwrap_or_else(|e| panic!("a known value must encode as JSON: {e}\nvalue: {value:?}"));
        match json::decode(&text, ty) {
            Ok(from_json) => assert_eq!(&from_json, value, "JSON round trip changed the value"),
            // JSON spells a dynamic value's type inside the document, so the same value can nest
            // deeper in JSON than in msgpack and meet the depth limit there first.
            Err(e) if e.kind == CodecErrorKind::TooDeep(MAX_DEPTH) => {}
            Err(e) => panic!(
                "encoded JSON must decode: {e}\nvalue: {value:?}\njson: {}",
                String::from_utf8_lossy(&text)
            ),
        }
    }
}
