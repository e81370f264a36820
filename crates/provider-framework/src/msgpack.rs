//! The msgpack form of `DynamicValue`, the encoding Terraform uses for every value it exchanges
//! with a provider.
//!
//! The wire carries no types, so both directions are driven by the schema's [`Type`]. The rules
//! follow cty's msgpack codec, which is what the host runs on the other end:
//!
//! - null is `nil` at every type, including `dynamic`;
//! - any msgpack extension is an unknown value. Refined unknowns (extension 12, whose payload
//!   bounds the eventual value) decode as plain unknowns: the framework does not track
//!   refinements, and an unrefined unknown is always a valid answer. Unknowns are written as
//!   `d4 00 00` (fixext1, type 0, one zero byte);
//! - numbers are written as integers when integral and within `i64`, otherwise as float64;
//!   integers, unsigned integers, floats and decimal strings are all accepted;
//! - lists, sets and tuples are arrays, maps and objects are maps with string keys;
//! - objects are written with every attribute present (a field missing from the [`Value`] is
//!   written as `nil`, so resources need not spell out every null). On decode, unknown keys are
//!   rejected and so are missing ones: the host always sends every attribute, so a gap means the
//!   provider and host disagree about the schema, and failing loudly beats inventing nulls;
//! - a `dynamic` value travels as `[type JSON, value]` with the type JSON as msgpack `bin`
//!   (a `str` is accepted too). A wholly unknown dynamic value is a bare extension and a null of
//!   no particular type a bare `nil`.
//!
//! Errors carry the [`AttributePath`] at which decoding or encoding failed, so a diagnostic can
//! point at `timeouts.delete` rather than at the whole resource.
//!
//! # Limits on hostile input
//!
//! The bytes come from Terraform, but what they hold comes from users (configuration, state files,
//! `dynamic` values built by expressions), so decoding never trusts the input's own claims:
//!
//! - arrays and maps may nest at most [`MAX_DEPTH`] levels deep, counting every array and map in
//!   the encoded value (a `dynamic` wrapper is an array too). Decoding recurses once per level, so
//!   the limit keeps the stack bounded whatever the input; deeper input fails with
//!   "value nested more than 64 levels deep" at the path where the limit was crossed;
//! - a length prefix is only a claim: strings, binaries and extensions are read only once the
//!   claimed bytes are known to be present, and the room reserved up front for array elements is
//!   bounded by the bytes left and by [`PREALLOCATED_ELEMENTS_MAX`], so a header claiming four
//!   billion elements fails as truncated input without allocating for them. Every element
//!   consumes at least one byte, so decoding time and memory grow linearly with the input, whose
//!   size the server bounds (gRPC message limit);
//! - sets are de-duplicated by hashing, not by comparing every pair, so a large set cannot make
//!   decoding quadratic.

use std::collections::BTreeMap;

use rmp::Marker;

use super::codec::{
    CodecError, CodecErrorKind, MAX_DEPTH, dedupe_set, inferred_dynamic_type, normalize_float,
    parse_number_text, type_name, value_name,
};
use super::diag::{AttributePath, PathStep};
use super::type_json;
use super::value::{Number, Type, Value};

/// The most array elements reserved ahead of decoding them, whatever the length prefix claims;
/// longer arrays grow as their elements actually arrive.
pub const PREALLOCATED_ELEMENTS_MAX: usize = 1024;

/// Decodes a msgpack `DynamicValue` payload of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut decoder = Decoder {
        input: bytes,
        pos: 0,
        path: Vec::new(),
        depth: 0,
    };
    let value = decoder.value(ty)?;
    let rest = bytes.len() - decoder.pos;
    if rest > 0 {
        return Err(decoder.error(CodecErrorKind::TrailingBytes(rest)));
    }
    Ok(value)
}

/// Encodes `value` as msgpack of type `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        path: Vec::new(),
    };
    encoder.value(value, ty)?;
    Ok(encoder.out)
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    path: Vec<PathStep>,
    /// Arrays and maps currently open around the value being decoded.
    depth: usize,
}

/// The size information that follows a marker, once read.
enum Shape {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(usize),
}

impl Shape {
    fn describe(&self) -> &'static str {
        match self {
            Shape::Nil => "nil",
            Shape::Bool(_) => "bool",
            Shape::Int(_) | Shape::Uint(_) => "integer",
            Shape::Float(_) => "float",
            Shape::Str(_) => "string",
            Shape::Bin(_) => "binary",
            Shape::Array(_) => "array",
            Shape::Map(_) => "map",
            Shape::Ext(_) => "extension",
        }
    }
}

impl<'a> Decoder<'a> {
    fn error(&self, kind: CodecErrorKind) -> CodecError {
        CodecError::new(AttributePath(self.path.clone()), kind)
    }

    fn mismatch(&self, ty: &Type, found: &Shape) -> CodecError {
        self.error(CodecErrorKind::Mismatch {
            expected: type_name(ty),
            found: found.describe().to_owned(),
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.input.len());
        match end {
            Some(end) => {
                let bytes = &self.input[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            None => Err(self.error(CodecErrorKind::Truncated)),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn len8(&mut self) -> Result<usize, CodecError> {
        Ok(usize::from(self.array::<1>()?[0]))
    }

    fn len16(&mut self) -> Result<usize, CodecError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }

    fn len32(&mut self) -> Result<usize, CodecError> {
        let len = u32::from_be_bytes(self.array()?);
        usize::try_from(len).map_err(|_| self.error(CodecErrorKind::Truncated))
    }

    /// Reads one marker and whatever fixed-size header follows it. Payloads of strings, binaries
    /// and extensions are left in place; array and map elements follow as separate items.
    fn shape(&mut self) -> Result<Shape, CodecError> {
        let byte = self.array::<1>()?[0];
        Ok(match Marker::from_u8(byte) {
            Marker::Null => Shape::Nil,
            Marker::True => Shape::Bool(true),
            Marker::False => Shape::Bool(false),
            Marker::FixPos(n) => Shape::Int(i64::from(n)),
            Marker::FixNeg(n) => Shape::Int(i64::from(n)),
            Marker::U8 => Shape::Uint(u64::from(self.array::<1>()?[0])),
            Marker::U16 => Shape::Uint(u64::from(u16::from_be_bytes(self.array()?))),
            Marker::U32 => Shape::Uint(u64::from(u32::from_be_bytes(self.array()?))),
            Marker::U64 => Shape::Uint(u64::from_be_bytes(self.array()?)),
            Marker::I8 => Shape::Int(i64::from(i8::from_be_bytes(self.array()?))),
            Marker::I16 => Shape::Int(i64::from(i16::from_be_bytes(self.array()?))),
            Marker::I32 => Shape::Int(i64::from(i32::from_be_bytes(self.array()?))),
            Marker::I64 => Shape::Int(i64::from_be_bytes(self.array()?)),
            Marker::F32 => Shape::Float(f64::from(f32::from_be_bytes(self.array()?))),
            Marker::F64 => Shape::Float(f64::from_be_bytes(self.array()?)),
            Marker::FixStr(n) => Shape::Str(usize::from(n)),
            Marker::Str8 => Shape::Str(self.len8()?),
            Marker::Str16 => Shape::Str(self.len16()?),
            Marker::Str32 => Shape::Str(self.len32()?),
            Marker::Bin8 => Shape::Bin(self.len8()?),
            Marker::Bin16 => Shape::Bin(self.len16()?),
            Marker::Bin32 => Shape::Bin(self.len32()?),
            Marker::FixArray(n) => Shape::Array(usize::from(n)),
            Marker::Array16 => Shape::Array(self.len16()?),
            Marker::Array32 => Shape::Array(self.len32()?),
            Marker::FixMap(n) => Shape::Map(usize::from(n)),
            Marker::Map16 => Shape::Map(self.len16()?),
            Marker::Map32 => Shape::Map(self.len32()?),
            // Extension sizes count the data only; the type byte comes on top.
            Marker::FixExt1 => Shape::Ext(1 + 1),
            Marker::FixExt2 => Shape::Ext(2 + 1),
            Marker::FixExt4 => Shape::Ext(4 + 1),
            Marker::FixExt8 => Shape::Ext(8 + 1),
            Marker::FixExt16 => Shape::Ext(16 + 1),
            Marker::Ext8 => Shape::Ext(self.len8()? + 1),
            Marker::Ext16 => Shape::Ext(self.len16()? + 1),
            Marker::Ext32 => Shape::Ext(self.len32()?.saturating_add(1)),
            Marker::Reserved => {
                return Err(self.error(CodecErrorKind::Malformed("reserved byte 0xc1".to_owned())));
            }
        })
    }

    fn text(&mut self, len: usize) -> Result<String, CodecError> {
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| {
            self.error(CodecErrorKind::Malformed(
                "string is not valid UTF-8".to_owned(),
            ))
        })
    }

    /// Capacity for `len` upcoming items, bounded by the bytes left (every item takes at least
    /// one) and by a fixed cap, so a forged length cannot make us allocate more than the input
    /// could possibly hold, nor nested forged lengths multiply that.
    fn capacity(&self, len: usize) -> usize {
        len.min(self.input.len() - self.pos)
            .min(PREALLOCATED_ELEMENTS_MAX)
    }

    fn value(&mut self, ty: &Type) -> Result<Value, CodecError> {
        let shape = self.shape()?;
        match shape {
            Shape::Nil => Ok(Value::Null),
            Shape::Ext(len) => {
                // Refinements (extension 12) only narrow what the value may become; skipping them
                // leaves a less precise but still correct unknown.
                self.take(len)?;
                Ok(Value::Unknown)
            }
            Shape::Array(_) | Shape::Map(_) => {
                // Everything that recurses goes through here, so this bounds the recursion.
                if self.depth >= MAX_DEPTH {
                    return Err(self.error(CodecErrorKind::TooDeep(MAX_DEPTH)));
                }
                self.depth += 1;
                let result = self.typed(ty, shape);
                self.depth -= 1;
                result
            }
            _ => self.typed(ty, shape),
        }
    }

    /// Decodes the rest of a value whose marker and header are already read as `shape`, which is
    /// neither nil nor an extension.
    fn typed(&mut self, ty: &Type, shape: Shape) -> Result<Value, CodecError> {
        match ty {
            Type::String => match shape {
                Shape::Str(len) | Shape::Bin(len) => Ok(Value::String(self.text(len)?)),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Bool => match shape {
                Shape::Bool(b) => Ok(Value::Bool(b)),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Number => match shape {
                Shape::Int(i) => Ok(Value::Number(Number::Int(i))),
                Shape::Uint(u) => Ok(Value::Number(match i64::try_from(u) {
                    Ok(i) => Number::Int(i),
                    Err(_) => Number::Float(u as f64),
                })),
                Shape::Float(f) if f.is_nan() => Err(self.error(CodecErrorKind::InvalidNumber(
                    "NaN is not a number".to_owned(),
                ))),
                Shape::Float(f) => Ok(Value::Number(normalize_float(f))),
                Shape::Str(len) => {
                    let text = self.text(len)?;
                    parse_number_text(&text)
                        .map(Value::Number)
                        .map_err(|kind| self.error(kind))
                }
                other => Err(self.mismatch(ty, &other)),
            },
            Type::List(element) => match shape {
                Shape::Array(len) => Ok(Value::List(self.elements(len, element)?)),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Set(element) => match shape {
                Shape::Array(len) => Ok(Value::Set(dedupe_set(self.elements(len, element)?))),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Tuple(types) => match shape {
                Shape::Array(len) if len == types.len() => {
                    let mut items = Vec::with_capacity(len);
                    for (index, element) in types.iter().enumerate() {
                        items.push(self.nested(PathStep::Index(index as i64), element)?);
                    }
                    Ok(Value::Tuple(items))
                }
                Shape::Array(len) => Err(self.error(CodecErrorKind::TupleLength {
                    expected: types.len(),
                    found: len,
                })),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Map(element) => match shape {
                Shape::Map(len) => {
                    let mut entries = BTreeMap::new();
                    for _ in 0..len {
                        let key = self.key()?;
                        let item = self.nested(PathStep::Key(key.clone()), element)?;
                        entries.insert(key, item);
                    }
                    Ok(Value::Map(entries))
                }
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Object(attributes) => match shape {
                Shape::Map(len) => self.object(len, attributes),
                other => Err(self.mismatch(ty, &other)),
            },
            Type::Dynamic => match shape {
                Shape::Array(2) => {
                    let concrete = self.type_json()?;
                    let inner = self.value(&concrete)?;
                    if concrete == Type::Dynamic {
                        // A wrapper saying only "dynamic" adds nothing (cty unwraps it too, and
                        // the encoder never writes one), so the value is the inner one.
                        return Ok(inner);
                    }
                    Ok(Value::Dynamic(concrete, Box::new(inner)))
                }
                Shape::Array(len) => Err(self.error(CodecErrorKind::Malformed(format!(
                    "a dynamic value is a [type, value] array, found {len} element(s)"
                )))),
                other => Err(self.error(CodecErrorKind::Mismatch {
                    expected: "a [type, value] array for a dynamic value".to_owned(),
                    found: other.describe().to_owned(),
                })),
            },
        }
    }

    fn nested(&mut self, step: PathStep, ty: &Type) -> Result<Value, CodecError> {
        self.path.push(step);
        let result = self.value(ty);
        self.path.pop();
        result
    }

    fn elements(&mut self, len: usize, element: &Type) -> Result<Vec<Value>, CodecError> {
        let mut items = Vec::with_capacity(self.capacity(len));
        for index in 0..len {
            items.push(self.nested(PathStep::Index(index as i64), element)?);
        }
        Ok(items)
    }

    fn key(&mut self) -> Result<String, CodecError> {
        match self.shape()? {
            Shape::Str(len) | Shape::Bin(len) => self.text(len),
            other => Err(self.error(CodecErrorKind::Mismatch {
                expected: "a string key".to_owned(),
                found: other.describe().to_owned(),
            })),
        }
    }

    fn object(
        &mut self,
        len: usize,
        attributes: &BTreeMap<String, Type>,
    ) -> Result<Value, CodecError> {
        let mut fields = BTreeMap::new();
        for _ in 0..len {
            let name = self.key()?;
            let Some(ty) = attributes.get(&name) else {
                return Err(self.error(CodecErrorKind::UnsupportedAttribute(name)));
            };
            let item = self.nested(PathStep::Attribute(name.clone()), ty)?;
            fields.insert(name, item);
        }
        if let Some(missing) = attributes.keys().find(|name| !fields.contains_key(*name)) {
            return Err(self.error(CodecErrorKind::MissingAttribute(missing.clone())));
        }
        Ok(Value::Object(fields))
    }

    fn type_json(&mut self) -> Result<Type, CodecError> {
        let bytes = match self.shape()? {
            Shape::Bin(len) | Shape::Str(len) => self.take(len)?,
            other => {
                return Err(self.error(CodecErrorKind::Mismatch {
                    expected: "type JSON as binary or string".to_owned(),
                    found: other.describe().to_owned(),
                }));
            }
        };
        type_json::decode_type(bytes).map_err(|e| self.error(e.kind))
    }
}

struct Encoder {
    out: Vec<u8>,
    path: Vec<PathStep>,
}

impl Encoder {
    fn error(&self, kind: CodecErrorKind) -> CodecError {
        CodecError::new(AttributePath(self.path.clone()), kind)
    }

    /// Writing to a `Vec` cannot fail in practice; the check keeps the codec panic-free anyway.
    fn check<T, E: std::fmt::Display>(&self, result: Result<T, E>) -> Result<(), CodecError> {
        result
            .map(|_| ())
            .map_err(|e| self.error(CodecErrorKind::Write(e.to_string())))
    }

    fn len(&self, len: usize) -> Result<u32, CodecError> {
        u32::try_from(len).map_err(|_| {
            self.error(CodecErrorKind::Write(format!(
                "{len} items exceed msgpack's limit"
            )))
        })
    }

    fn unknown(&mut self) -> Result<(), CodecError> {
        let result = rmp::encode::write_ext_meta(&mut self.out, 1, 0);
        self.check(result)?;
        self.out.push(0);
        Ok(())
    }

    fn mismatch(&self, value: &Value, ty: &Type) -> CodecError {
        self.error(CodecErrorKind::Mismatch {
            expected: type_name(ty),
            found: value_name(value).to_owned(),
        })
    }

    fn nested(&mut self, step: PathStep, value: &Value, ty: &Type) -> Result<(), CodecError> {
        self.path.push(step);
        let result = self.value(value, ty);
        self.path.pop();
        result
    }

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), CodecError> {
        match (value, ty) {
            (Value::Null, _) => {
                let result = rmp::encode::write_nil(&mut self.out);
                self.check(result)
            }
            (Value::Unknown, _) => self.unknown(),
            (Value::Dynamic(carried, inner), Type::Dynamic) => {
                if *carried == Type::Dynamic {
                    // A wrapper that says nothing about the type adds nothing either.
                    return self.value(inner, &Type::Dynamic);
                }
                let result = rmp::encode::write_array_len(&mut self.out, 2);
                self.check(result)?;
                let type_json = type_json::encode_type(carried);
                let result = rmp::encode::write_bin(&mut self.out, &type_json);
                self.check(result)?;
                self.value(inner, carried)
            }
            (other, Type::Dynamic) => match inferred_dynamic_type(other) {
                Some(concrete) => {
                    self.value(&Value::Dynamic(concrete, Box::new(other.clone())), ty)
                }
                None => Err(self.error(CodecErrorKind::Mismatch {
                    expected: "a Value::Dynamic carrying its type".to_owned(),
                    found: value_name(other).to_owned(),
                })),
            },
            // A typed wrapper in a slot of exactly that type carries no extra information.
            (Value::Dynamic(carried, inner), _) if carried == ty => self.value(inner, ty),
            (Value::String(s), Type::String) => {
                let result = rmp::encode::write_str(&mut self.out, s);
                self.check(result)
            }
            (Value::Bool(b), Type::Bool) => {
                let result = rmp::encode::write_bool(&mut self.out, *b);
                self.check(result)
            }
            (Value::Number(number), Type::Number) => self.number(number),
            (Value::List(items), Type::List(element)) => self.elements(items, element),
            (Value::Set(items), Type::Set(element)) => {
                self.elements(&dedupe_set(items.clone()), element)
            }
            (Value::Tuple(items), Type::Tuple(types)) => {
                if items.len() != types.len() {
                    return Err(self.error(CodecErrorKind::TupleLength {
                        expected: types.len(),
                        found: items.len(),
                    }));
                }
                let len = self.len(items.len())?;
                let result = rmp::encode::write_array_len(&mut self.out, len);
                self.check(result)?;
                for (index, (item, element)) in items.iter().zip(types).enumerate() {
                    self.nested(PathStep::Index(index as i64), item, element)?;
                }
                Ok(())
            }
            (Value::Map(entries), Type::Map(element)) => {
                let len = self.len(entries.len())?;
                let result = rmp::encode::write_map_len(&mut self.out, len);
                self.check(result)?;
                for (key, item) in entries {
                    let result = rmp::encode::write_str(&mut self.out, key);
                    self.check(result)?;
                    self.nested(PathStep::Key(key.clone()), item, element)?;
                }
                Ok(())
            }
            (Value::Object(fields), Type::Object(attributes)) => self.object(fields, attributes),
            (other, _) => Err(self.mismatch(other, ty)),
        }
    }

    fn number(&mut self, number: &Number) -> Result<(), CodecError> {
        let normalized = match *number {
            Number::Float(f) if f.is_nan() => {
                return Err(self.error(CodecErrorKind::InvalidNumber(
                    "NaN cannot be sent to Terraform".to_owned(),
                )));
            }
            Number::Float(f) => normalize_float(f),
            Number::Int(i) => Number::Int(i),
        };
        match normalized {
            Number::Int(i) => {
                let result = rmp::encode::write_sint(&mut self.out, i);
                self.check(result)
            }
            Number::Float(f) => {
                let result = rmp::encode::write_f64(&mut self.out, f);
                self.check(result)
            }
        }
    }

    fn elements(&mut self, items: &[Value], element: &Type) -> Result<(), CodecError> {
        let len = self.len(items.len())?;
        let result = rmp::encode::write_array_len(&mut self.out, len);
        self.check(result)?;
        for (index, item) in items.iter().enumerate() {
            self.nested(PathStep::Index(index as i64), item, element)?;
        }
        Ok(())
    }

    /// Writes every attribute of the type, in sorted order, with absent fields as null: the host
    /// rejects objects whose key count differs from the type's.
    fn object(
        &mut self,
        fields: &BTreeMap<String, Value>,
        attributes: &BTreeMap<String, Type>,
    ) -> Result<(), CodecError> {
        if let Some(extra) = fields.keys().find(|name| !attributes.contains_key(*name)) {
            return Err(self.error(CodecErrorKind::UnsupportedAttribute(extra.clone())));
        }
        let len = self.len(attributes.len())?;
        let result = rmp::encode::write_map_len(&mut self.out, len);
        self.check(result)?;
        for (name, ty) in attributes {
            let result = rmp::encode::write_str(&mut self.out, name);
            self.check(result)?;
            let item = fields.get(name).unwrap_or(&Value::Null);
            self.nested(PathStep::Attribute(name.clone()), item, ty)?;
        }
        Ok(())
    }
}
