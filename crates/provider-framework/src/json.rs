//! The JSON forms Terraform uses next to msgpack: stored state (`RawState.json`, read by
//! UpgradeResourceState, UpgradeResourceIdentity and MoveResourceState) and the optional
//! `DynamicValue.json`. Type-constraint JSON has its own module, [`super::type_json`].
//!
//! Stored state was written by an older schema version, so decoding follows cty's JSON rules,
//! which are forgiving where the msgpack codec is strict: a missing attribute is null (it may have
//! been added since), while an attribute the type does not know is still an error (the upgrade
//! must remove it first). Like cty, primitives convert leniently: `"12"` is a valid number and
//! `true` a valid string. JSON has no notion of unknown, so encoding one is an error.
//!
//! # Limits on hostile input
//!
//! Arrays and objects may nest at most [`MAX_DEPTH`] levels deep, counted over the whole JSON
//! document (the `type` of a `dynamic` value's `{"type", "value"}` wrapper counts too, as it is
//! part of the document), as is type-constraint JSON ([`super::type_json`]). The check is a
//! single pass over the bytes before anything is parsed, so deeper input fails with
//! "value nested more than 64 levels deep" (or, for a type constraint, "invalid type constraint:
//! nested more than 64 levels deep") without recursing at all; it carries no attribute path,
//! since nothing has been parsed yet. Within the limit the decoders' recursion, and dropping what
//! they build, stay well inside any thread's stack. Nothing is allocated from a length the input
//! claims (JSON has none), sets are de-duplicated in linear time, and numbers too large for
//! `f64` are rejected as out of range.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::codec::{
    CodecError, CodecErrorKind, MAX_DEPTH, dedupe_set, inferred_dynamic_type, normalize_float,
    parse_number_text, type_name, value_name,
};
use super::diag::{AttributePath, PathStep};
use super::type_json::{nesting_exceeds, type_from_json, type_to_json};
use super::value::{Number, Type, Value};

/// Decodes a JSON value of type `ty`, as found in `RawState.json` or `DynamicValue.json`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    if nesting_exceeds(bytes, MAX_DEPTH) {
        return Err(CodecError::new(
            AttributePath::default(),
            CodecErrorKind::TooDeep(MAX_DEPTH),
        ));
    }
    let json: Json = serde_json::from_slice(bytes).map_err(|e| {
        CodecError::new(
            AttributePath::default(),
            CodecErrorKind::Malformed(e.to_string()),
        )
    })?;
    let mut path = Vec::new();
    decode_value(&json, ty, &mut path)
}

/// Encodes a wholly known `value` of type `ty` as JSON.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut path = Vec::new();
    let json = encode_value(value, ty, &mut path)?;
    Ok(json.to_string().into_bytes())
}

fn json_name(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn error(path: &[PathStep], kind: CodecErrorKind) -> CodecError {
    CodecError::new(AttributePath(path.to_vec()), kind)
}

fn mismatch(path: &[PathStep], ty: &Type, json: &Json) -> CodecError {
    error(
        path,
        CodecErrorKind::Mismatch {
            expected: type_name(ty),
            found: json_name(json).to_owned(),
        },
    )
}

fn nested(
    path: &mut Vec<PathStep>,
    step: PathStep,
    json: &Json,
    ty: &Type,
) -> Result<Value, CodecError> {
    path.push(step);
    let result = decode_value(json, ty, path);
    path.pop();
    result
}

fn json_number(number: &serde_json::Number) -> Option<Number> {
    if let Some(i) = number.as_i64() {
        Some(Number::Int(i))
    } else if let Some(u) = number.as_u64() {
        Some(Number::Float(u as f64))
    } else {
        number.as_f64().map(normalize_float)
    }
}

fn decode_value(json: &Json, ty: &Type, path: &mut Vec<PathStep>) -> Result<Value, CodecError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Type::String => match json {
            Json::String(s) => Ok(Value::String(s.clone())),
            Json::Number(n) => Ok(Value::String(n.to_string())),
            Json::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(mismatch(path, ty, other)),
        },
        Type::Number => match json {
            Json::Number(n) => json_number(n).map(Value::Number).ok_or_else(|| {
                error(
                    path,
                    CodecErrorKind::InvalidNumber(format!("{n} is out of range")),
                )
            }),
            Json::String(s) => parse_number_text(s)
                .map(Value::Number)
                .map_err(|kind| error(path, kind)),
            other => Err(mismatch(path, ty, other)),
        },
        Type::Bool => match json {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" => Ok(Value::Bool(true)),
            Json::String(s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(mismatch(path, ty, other)),
        },
        Type::List(element) | Type::Set(element) => match json {
            Json::Array(items) => {
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    values.push(nested(path, PathStep::Index(index as i64), item, element)?);
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(dedupe_set(values))
                } else {
                    Value::List(values)
                })
            }
            other => Err(mismatch(path, ty, other)),
        },
        Type::Tuple(types) => match json {
            Json::Array(items) if items.len() == types.len() => {
                let mut values = Vec::with_capacity(items.len());
                for (index, (item, element)) in items.iter().zip(types).enumerate() {
                    values.push(nested(path, PathStep::Index(index as i64), item, element)?);
                }
                Ok(Value::Tuple(values))
            }
            Json::Array(items) => Err(error(
                path,
                CodecErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                },
            )),
            other => Err(mismatch(path, ty, other)),
        },
        Type::Map(element) => match json {
            Json::Object(entries) => {
                let mut values = BTreeMap::new();
                for (key, item) in entries {
                    let value = nested(path, PathStep::Key(key.clone()), item, element)?;
                    values.insert(key.clone(), value);
                }
                Ok(Value::Map(values))
            }
            other => Err(mismatch(path, ty, other)),
        },
        Type::Object(attributes) => match json {
            Json::Object(entries) => {
                if let Some(extra) = entries.keys().find(|key| !attributes.contains_key(*key)) {
                    return Err(error(
                        path,
                        CodecErrorKind::UnsupportedAttribute(extra.clone()),
                    ));
                }
                let mut fields = BTreeMap::new();
                for (name, attribute_ty) in attributes {
                    let value = match entries.get(name) {
                        Some(item) => {
                            nested(path, PathStep::Attribute(name.clone()), item, attribute_ty)?
                        }
                        None => Value::Null,
                    };
                    fields.insert(name.clone(), value);
                }
                Ok(Value::Object(fields))
            }
            other => Err(mismatch(path, ty, other)),
        },
        Type::Dynamic => match json {
            Json::Object(wrapper) => {
                let (Some(type_json), Some(inner)) = (wrapper.get("type"), wrapper.get("value"))
                else {
                    return Err(error(
                        path,
                        CodecErrorKind::Malformed(
                            "a dynamic value needs both \"type\" and \"value\"".to_owned(),
                        ),
                    ));
                };
                if let Some(extra) = wrapper.keys().find(|k| *k != "type" && *k != "value") {
                    return Err(error(
                        path,
                        CodecErrorKind::UnsupportedAttribute(extra.clone()),
                    ));
                }
                let concrete = type_from_json(type_json)
                    .map_err(|message| error(path, CodecErrorKind::InvalidType(message)))?;
                let value = decode_value(inner, &concrete, path)?;
                if concrete == Type::Dynamic {
                    // A wrapper saying only "dynamic" adds nothing (cty unwraps it too, and the
                    // encoder never writes one), so the value is the inner one.
                    return Ok(value);
                }
                Ok(Value::Dynamic(concrete, Box::new(value)))
            }
            other => Err(error(
                path,
                CodecErrorKind::Mismatch {
                    expected: "a {\"type\", \"value\"} object for a dynamic value".to_owned(),
                    found: json_name(other).to_owned(),
                },
            )),
        },
    }
}

fn encode_nested(
    path: &mut Vec<PathStep>,
    step: PathStep,
    value: &Value,
    ty: &Type,
) -> Result<Json, CodecError> {
    path.push(step);
    let result = encode_value(value, ty, path);
    path.pop();
    result
}

fn encode_value(value: &Value, ty: &Type, path: &mut Vec<PathStep>) -> Result<Json, CodecError> {
    match (value, ty) {
        (Value::Null, _) => Ok(Json::Null),
        (Value::Unknown, _) => Err(error(path, CodecErrorKind::UnknownNotAllowed)),
        (Value::Dynamic(carried, inner), Type::Dynamic) => {
            if *carried == Type::Dynamic {
                return encode_value(inner, ty, path);
            }
            let inner = encode_value(inner, carried, path)?;
            let mut wrapper = Map::new();
            wrapper.insert("value".to_owned(), inner);
            wrapper.insert("type".to_owned(), type_to_json(carried));
            Ok(Json::Object(wrapper))
        }
        (other, Type::Dynamic) => match inferred_dynamic_type(other) {
            Some(concrete) => {
                encode_value(&Value::Dynamic(concrete, Box::new(other.clone())), ty, path)
            }
            None => Err(error(
                path,
                CodecErrorKind::Mismatch {
                    expected: "a Value::Dynamic carrying its type".to_owned(),
                    found: value_name(other).to_owned(),
                },
            )),
        },
        (Value::Dynamic(carried, inner), _) if carried == ty => encode_value(inner, ty, path),
        (Value::String(s), Type::String) => Ok(Json::String(s.clone())),
        (Value::Bool(b), Type::Bool) => Ok(Json::Bool(*b)),
        (Value::Number(number), Type::Number) => {
            let normalized = match *number {
                Number::Float(f) => normalize_float(f),
                Number::Int(i) => Number::Int(i),
            };
            match normalized {
                Number::Int(i) => Ok(Json::from(i)),
                Number::Float(f) => serde_json::Number::from_f64(f)
                    .map(Json::Number)
                    .ok_or_else(|| {
                        error(
                            path,
                            CodecErrorKind::InvalidNumber(format!("{f} cannot be written as JSON")),
                        )
                    }),
            }
        }
        (Value::List(items), Type::List(element)) => {
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                out.push(encode_nested(
                    path,
                    PathStep::Index(index as i64),
                    item,
                    element,
                )?);
            }
            Ok(Json::Array(out))
        }
        (Value::Set(items), Type::Set(element)) => {
            let items = dedupe_set(items.clone());
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                out.push(encode_nested(
                    path,
                    PathStep::Index(index as i64),
                    item,
                    element,
                )?);
            }
            Ok(Json::Array(out))
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(error(
                    path,
                    CodecErrorKind::TupleLength {
                        expected: types.len(),
                        found: items.len(),
                    },
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (index, (item, element)) in items.iter().zip(types).enumerate() {
                out.push(encode_nested(
                    path,
                    PathStep::Index(index as i64),
                    item,
                    element,
                )?);
            }
            Ok(Json::Array(out))
        }
        (Value::Map(entries), Type::Map(element)) => {
            let mut out = Map::new();
            for (key, item) in entries {
                let json = encode_nested(path, PathStep::Key(key.clone()), item, element)?;
                out.insert(key.clone(), json);
            }
            Ok(Json::Object(out))
        }
        (Value::Object(fields), Type::Object(attributes)) => {
            if let Some(extra) = fields.keys().find(|name| !attributes.contains_key(*name)) {
                return Err(error(
                    path,
                    CodecErrorKind::UnsupportedAttribute(extra.clone()),
                ));
            }
            let mut out = Map::new();
            for (name, attribute_ty) in attributes {
                let item = fields.get(name).unwrap_or(&Value::Null);
                let json =
                    encode_nested(path, PathStep::Attribute(name.clone()), item, attribute_ty)?;
                out.insert(name.clone(), json);
            }
            Ok(Json::Object(out))
        }
        (other, _) => Err(error(
            path,
            CodecErrorKind::Mismatch {
                expected: type_name(ty),
                found: value_name(other).to_owned(),
            },
        )),
    }
}
