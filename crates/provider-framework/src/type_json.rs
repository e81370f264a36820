//! Type-constraint JSON: how schemas describe attribute types to Terraform (`"string"`,
//! `["list","number"]`, `["object",{...}]`), and how a `dynamic` value names the type it carries
//! in either wire encoding.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::codec::{CodecError, CodecErrorKind, MAX_DEPTH};
use super::diag::AttributePath;
use super::value::Type;

/// The type-constraint JSON for `ty`, as Terraform expects in `Schema.Attribute.type`.
/// Object attributes come out in sorted order, so the bytes are stable between runs.
pub fn encode_type(ty: &Type) -> Vec<u8> {
    type_to_json(ty).to_string().into_bytes()
}

/// Parses type-constraint JSON. The optional-attributes list that may follow an object's
/// attributes (used by function parameters) is accepted and ignored, since [`Type`] has no
/// notion of optional attributes.
pub fn decode_type(bytes: &[u8]) -> Result<Type, CodecError> {
    if nesting_exceeds(bytes, MAX_DEPTH) {
        return Err(CodecError::new(
            AttributePath::default(),
            CodecErrorKind::InvalidType(format!("nested more than {MAX_DEPTH} levels deep")),
        ));
    }
    let json: Json = serde_json::from_slice(bytes).map_err(|e| {
        CodecError::new(
            AttributePath::default(),
            CodecErrorKind::InvalidType(e.to_string()),
        )
    })?;
    type_from_json(&json).map_err(|message| {
        CodecError::new(
            AttributePath::default(),
            CodecErrorKind::InvalidType(message),
        )
    })
}

/// Whether arrays and objects in the JSON text `bytes` nest more than `limit` levels deep.
///
/// Brackets inside strings do not count. Malformed text may be miscounted, but then the parser
/// rejects it anyway; well-formed text is counted exactly. One pass, no recursion, no allocation.
pub(crate) fn nesting_exceeds(bytes: &[u8], limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

pub(crate) fn type_to_json(ty: &Type) -> Json {
    match ty {
        Type::String => Json::from("string"),
        Type::Number => Json::from("number"),
        Type::Bool => Json::from("bool"),
        Type::Dynamic => Json::from("dynamic"),
        Type::List(element) => Json::Array(vec![Json::from("list"), type_to_json(element)]),
        Type::Set(element) => Json::Array(vec![Json::from("set"), type_to_json(element)]),
        Type::Map(element) => Json::Array(vec![Json::from("map"), type_to_json(element)]),
        Type::Object(attributes) => {
            let fields: Map<String, Json> = attributes
                .iter()
                .map(|(name, ty)| (name.clone(), type_to_json(ty)))
                .collect();
            Json::Array(vec![Json::from("object"), Json::Object(fields)])
        }
        Type::Tuple(elements) => Json::Array(vec![
            Json::from("tuple"),
            Json::Array(elements.iter().map(type_to_json).collect()),
        ]),
    }
}

pub(crate) fn type_from_json(json: &Json) -> Result<Type, String> {
    match json {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(format!("unknown primitive type {other:?}")),
        },
        Json::Array(parts) => {
            let Some((Json::String(kind), args)) = parts.split_first() else {
                return Err("a complex type must start with its kind, such as \"list\"".to_owned());
            };
            match (kind.as_str(), args) {
                ("list", [element]) => Ok(Type::List(Box::new(type_from_json(element)?))),
                ("set", [element]) => Ok(Type::Set(Box::new(type_from_json(element)?))),
                ("map", [element]) => Ok(Type::Map(Box::new(type_from_json(element)?))),
                ("object", [Json::Object(fields)] | [Json::Object(fields), Json::Array(_)]) => {
                    let mut attributes = BTreeMap::new();
                    for (name, ty) in fields {
                        let ty =
                            type_from_json(ty).map_err(|e| format!("attribute {name:?}: {e}"))?;
                        attributes.insert(name.clone(), ty);
                    }
                    Ok(Type::Object(attributes))
                }
                ("tuple", [Json::Array(elements)]) => Ok(Type::Tuple(
                    elements
                        .iter()
                        .map(type_from_json)
                        .collect::<Result<_, _>>()?,
                )),
                ("list" | "set" | "map" | "object" | "tuple", _) => {
                    Err(format!("malformed {kind:?} type {json}"))
                }
                (other, _) => Err(format!("unknown type kind {other:?}")),
            }
        }
        other => Err(format!("expected a type name or array, found {other}")),
    }
}
