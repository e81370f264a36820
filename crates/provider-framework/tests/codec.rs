//! Behaviour of the value codecs (msgpack, JSON, type JSON) and of the `timeouts` block, written
//! as the rules Terraform's side of the wire relies on.

use std::collections::BTreeMap;
use std::time::Duration;

use tf_provider_framework::codec::CodecErrorKind;
use tf_provider_framework::diag::{AttributePath, PathStep};
use tf_provider_framework::json;
use tf_provider_framework::msgpack;
use tf_provider_framework::schema::Nesting;
use tf_provider_framework::timeouts;
use tf_provider_framework::value::{Number, Type, Value};

fn object_type(fields: &[(&str, Type)]) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|(k, t)| (k.to_string(), t.clone()))
            .collect(),
    )
}

fn object(fields: &[(&str, Value)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn set(t: Type) -> Type {
    Type::Set(Box::new(t))
}

fn map(t: Type) -> Type {
    Type::Map(Box::new(t))
}

fn int(i: i64) -> Value {
    Value::Number(Number::Int(i))
}

fn float(f: f64) -> Value {
    Value::Number(Number::Float(f))
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn dynamic(ty: Type, value: Value) -> Value {
    Value::Dynamic(ty, Box::new(value))
}

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).unwrap())
        .collect()
}

fn path(steps: &[&str]) -> AttributePath {
    AttributePath(
        steps
            .iter()
            .map(|s| PathStep::Attribute(s.to_string()))
            .collect(),
    )
}

/// Encodes, decodes, and insists on getting the same value back.
fn assert_msgpack_round_trip(value: &Value, ty: &Type) {
    let bytes = msgpack::encode(value, ty).unwrap();
    let decoded = msgpack::decode(&bytes, ty).unwrap();
    assert_eq!(&decoded, value, "msgpack round trip of {value:?} as {ty:?}");
}

fn assert_json_round_trip(value: &Value, ty: &Type) {
    let bytes = json::encode(value, ty).unwrap();
    let decoded = json::decode(&bytes, ty).unwrap();
    assert_eq!(&decoded, value, "JSON round trip of {value:?} as {ty:?}");
}

/// A resource-like type: attributes, a single `timeouts` block and a list of nested objects.
fn association_type() -> Type {
    object_type(&[
        ("id", Type::String),
        ("tags", map(Type::String)),
        ("ports", set(Type::Number)),
        ("enabled", Type::Bool),
        (
            "rules",
            list(object_type(&[
                ("name", Type::String),
                ("port", Type::Number),
            ])),
        ),
        (
            "timeouts",
            object_type(&[("create", Type::String), ("delete", Type::String)]),
        ),
        ("extra", Type::Dynamic),
        ("pair", Type::Tuple(vec![Type::String, Type::Number])),
    ])
}

mod msgpack_wire_format {
    use super::*;

    #[test]
    fn null_is_nil_and_unknown_is_fixext1_type_zero() {
        assert_eq!(
            msgpack::encode(&Value::Null, &Type::String).unwrap(),
            hex("c0")
        );
        assert_eq!(
            msgpack::encode(&Value::Unknown, &Type::String).unwrap(),
            hex("d4 00 00")
        );
        assert_eq!(
            msgpack::encode(&Value::Unknown, &list(Type::Bool)).unwrap(),
            hex("d4 00 00")
        );
    }

    #[test]
    fn an_object_with_an_unknown_attribute() {
        let ty = object_type(&[("a", Type::String)]);
        let value = object(&[("a", Value::Unknown)]);
        let bytes = msgpack::encode(&value, &ty).unwrap();
        assert_eq!(bytes, hex("81 a1 61 d4 00 00"));
        assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn objects_are_written_with_every_attribute_sorted_and_absent_fields_as_nil() {
        let ty = object_type(&[("b", Type::Bool), ("a", Type::String)]);
        let value = object(&[("b", Value::Bool(true))]);
        assert_eq!(
            msgpack::encode(&value, &ty).unwrap(),
            hex("82 a1 61 c0 a1 62 c3")
        );
    }

    #[test]
    fn primitives() {
        assert_eq!(
            msgpack::encode(&s("hi"), &Type::String).unwrap(),
            hex("a2 68 69")
        );
        assert_eq!(
            msgpack::encode(&Value::Bool(false), &Type::Bool).unwrap(),
            hex("c2")
        );
        assert_eq!(msgpack::encode(&int(1), &Type::Number).unwrap(), hex("01"));
        assert_eq!(msgpack::encode(&int(-1), &Type::Number).unwrap(), hex("ff"));
        assert_eq!(
            msgpack::encode(&int(300), &Type::Number).unwrap(),
            hex("cd 01 2c")
        );
        assert_eq!(
            msgpack::encode(&float(1.5), &Type::Number).unwrap(),
            hex("cb 3f f8 00 00 00 00 00 00")
        );
    }

    #[test]
    fn integral_floats_are_written_as_integers() {
        assert_eq!(
            msgpack::encode(&float(42.0), &Type::Number).unwrap(),
            hex("2a")
        );
        assert_eq!(
            msgpack::decode(&hex("cb 40 45 00 00 00 00 00 00"), &Type::Number).unwrap(),
            int(42)
        );
    }

    #[test]
    fn collections_are_arrays_and_maps() {
        assert_eq!(
            msgpack::encode(&Value::List(vec![s("a")]), &list(Type::String)).unwrap(),
            hex("91 a1 61")
        );
        let tags = Value::Map(BTreeMap::from([("k".to_string(), s("v"))]));
        assert_eq!(
            msgpack::encode(&tags, &map(Type::String)).unwrap(),
            hex("81 a1 6b a1 76")
        );
        let pair = Value::Tuple(vec![s("a"), int(2)]);
        assert_eq!(
            msgpack::encode(&pair, &Type::Tuple(vec![Type::String, Type::Number])).unwrap(),
            hex("92 a1 61 02")
        );
    }

    #[test]
    fn a_known_dynamic_value_is_a_type_json_bin_and_the_value() {
        let bytes = msgpack::encode(&dynamic(Type::String, s("x")), &Type::Dynamic).unwrap();
        // [bin8 "\"string\"", "x"]
        assert_eq!(bytes, hex("92 c4 08 22 73 74 72 69 6e 67 22 a1 78"));
    }

    #[test]
    fn a_wholly_unknown_or_untyped_null_dynamic_value_has_no_wrapper() {
        assert_eq!(
            msgpack::encode(&Value::Unknown, &Type::Dynamic).unwrap(),
            hex("d4 00 00")
        );
        assert_eq!(
            msgpack::encode(&Value::Null, &Type::Dynamic).unwrap(),
            hex("c0")
        );
        assert_eq!(
            msgpack::decode(&hex("d4 00 00"), &Type::Dynamic).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            msgpack::decode(&hex("c0"), &Type::Dynamic).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn a_typed_null_dynamic_value_keeps_its_type() {
        let value = dynamic(Type::String, Value::Null);
        let bytes = msgpack::encode(&value, &Type::Dynamic).unwrap();
        assert_eq!(bytes, hex("92 c4 08 22 73 74 72 69 6e 67 22 c0"));
        assert_eq!(msgpack::decode(&bytes, &Type::Dynamic).unwrap(), value);
    }

    #[test]
    fn dynamic_type_json_may_arrive_as_a_string() {
        let bytes = hex("92 a8 22 6e 75 6d 62 65 72 22 07");
        assert_eq!(
            msgpack::decode(&bytes, &Type::Dynamic).unwrap(),
            dynamic(Type::Number, int(7))
        );
    }

    #[test]
    fn bare_primitives_in_a_dynamic_slot_get_their_type_inferred() {
        let bytes = msgpack::encode(&s("x"), &Type::Dynamic).unwrap();
        assert_eq!(
            msgpack::decode(&bytes, &Type::Dynamic).unwrap(),
            dynamic(Type::String, s("x"))
        );
        let err = msgpack::encode(&Value::List(vec![]), &Type::Dynamic).unwrap_err();
        assert!(matches!(err.kind, CodecErrorKind::Mismatch { .. }), "{err}");
    }
}

mod msgpack_decoding {
    use super::*;

    #[test]
    fn any_extension_is_an_unknown_value() {
        for bytes in [
            "d4 00 00",
            "d5 05 01 02",
            "c7 00 07",
            "d8 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        ] {
            assert_eq!(
                msgpack::decode(&hex(bytes), &Type::String).unwrap(),
                Value::Unknown,
                "{bytes}"
            );
        }
    }

    #[test]
    fn refined_unknowns_decode_as_plain_unknowns() {
        // ext8, type 12, payload {1: true (not null), 2: "pre" (string prefix)}
        let refined = hex("c7 08 0c 82 01 c3 02 a3 70 72 65");
        assert_eq!(
            msgpack::decode(&refined, &Type::String).unwrap(),
            Value::Unknown
        );
        // The same inside an object, followed by another attribute that must still be read.
        let ty = object_type(&[("a", Type::String), ("b", Type::Bool)]);
        let mut bytes = hex("82 a1 61");
        bytes.extend(&refined);
        bytes.extend(hex("a1 62 c3"));
        assert_eq!(
            msgpack::decode(&bytes, &ty).unwrap(),
            object(&[("a", Value::Unknown), ("b", Value::Bool(true))])
        );
        // Number bounds {3: [0, inclusive], 4: [10, exclusive]} are skipped just the same.
        let bounded = hex("c7 09 0c 82 03 92 00 c3 04 92 0a c2");
        assert_eq!(
            msgpack::decode(&bounded, &Type::Number).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn numbers_accept_every_integer_width_floats_and_decimal_strings() {
        let cases = [
            ("05", int(5)),
            ("e0", int(-32)),
            ("d0 85", int(-123)),
            ("cc ff", int(255)),
            ("cd 01 00", int(256)),
            ("ce 00 01 00 00", int(65536)),
            ("d1 fe 00", int(-512)),
            ("d2 ff fe 00 00", int(-131072)),
            ("d3 80 00 00 00 00 00 00 00", int(i64::MIN)),
            ("cf 7f ff ff ff ff ff ff ff", int(i64::MAX)),
            ("ca 3f c0 00 00", float(1.5)),
            ("cb 3f b9 99 99 99 99 99 9a", float(0.1)),
            ("a3 31 32 33", int(123)),
            ("a4 31 32 2e 35", float(12.5)),
            ("a4 2d 31 65 33", int(-1000)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                msgpack::decode(&hex(bytes), &Type::Number).unwrap(),
                expected,
                "{bytes}"
            );
        }
    }

    #[test]
    fn unsigned_integers_beyond_i64_become_floats() {
        let value = msgpack::decode(&hex("cf ff ff ff ff ff ff ff ff"), &Type::Number).unwrap();
        assert_eq!(value, float(18_446_744_073_709_551_615.0));
        let value = msgpack::decode(&hex("cf 80 00 00 00 00 00 00 00"), &Type::Number).unwrap();
        assert_eq!(value, float(9_223_372_036_854_775_808.0));
    }

    #[test]
    fn a_non_numeric_string_is_not_a_number() {
        let err = msgpack::decode(&hex("a3 61 62 63"), &Type::Number).unwrap_err();
        assert!(
            matches!(err.kind, CodecErrorKind::InvalidNumber(_)),
            "{err}"
        );
    }

    #[test]
    fn a_wrongly_typed_attribute_names_its_path() {
        let ty = object_type(&[("timeouts", object_type(&[("delete", Type::String)]))]);
        // {"timeouts": {"delete": 5}}
        let bytes = hex("81 a8 74 69 6d 65 6f 75 74 73 81 a6 64 65 6c 65 74 65 05");
        let err = msgpack::decode(&bytes, &ty).unwrap_err();
        assert_eq!(err.path, path(&["timeouts", "delete"]));
        assert_eq!(
            err.to_string(),
            "timeouts.delete: expected string, found integer"
        );
        let diagnostic = err.to_diagnostic("Invalid configuration");
        assert_eq!(diagnostic.attribute, Some(path(&["timeouts", "delete"])));
    }

    #[test]
    fn errors_inside_collections_name_the_index_or_key() {
        let ty = object_type(&[("rules", list(object_type(&[("port", Type::Number)])))]);
        // {"rules": [{"port": 1}, {"port": true}]}
        let bytes = hex("81 a5 72 75 6c 65 73 92 81 a4 70 6f 72 74 01 81 a4 70 6f 72 74 c3");
        let err = msgpack::decode(&bytes, &ty).unwrap_err();
        assert_eq!(
            err.path,
            AttributePath::root("rules").index(1).attribute("port")
        );
        assert_eq!(
            err.to_string(),
            "rules[1].port: expected number, found bool"
        );

        let tags = map(Type::String);
        let err = msgpack::decode(&hex("81 a4 4e 61 6d 65 07"), &tags).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[\"Name\"]: expected string, found integer"
        );
    }

    #[test]
    fn objects_reject_unknown_attributes() {
        let ty = object_type(&[("a", Type::String)]);
        let err = msgpack::decode(&hex("82 a1 61 c0 a3 66 6f 6f c0"), &ty).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::UnsupportedAttribute("foo".into()));
        assert_eq!(err.to_string(), "unsupported attribute \"foo\"");
    }

    #[test]
    fn objects_reject_missing_attributes_because_the_host_always_sends_all_of_them() {
        let ty = object_type(&[(
            "timeouts",
            object_type(&[("create", Type::String), ("delete", Type::String)]),
        )]);
        // {"timeouts": {"create": nil}}
        let bytes = hex("81 a8 74 69 6d 65 6f 75 74 73 81 a6 63 72 65 61 74 65 c0");
        let err = msgpack::decode(&bytes, &ty).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::MissingAttribute("delete".into()));
        assert_eq!(err.to_string(), "timeouts: missing attribute \"delete\"");
    }

    #[test]
    fn tuples_must_have_exactly_their_length() {
        let ty = Type::Tuple(vec![Type::String, Type::Number]);
        let err = msgpack::decode(&hex("91 a1 61"), &ty).unwrap_err();
        assert_eq!(
            err.kind,
            CodecErrorKind::TupleLength {
                expected: 2,
                found: 1
            }
        );
    }

    #[test]
    fn truncated_and_trailing_input_is_rejected() {
        let err = msgpack::decode(&hex("92 01"), &list(Type::Number)).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::Truncated);
        assert_eq!(err.path, AttributePath(vec![PathStep::Index(1)]));
        let err = msgpack::decode(&[], &Type::String).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::Truncated);
        let err = msgpack::decode(&hex("c0 c0"), &Type::String).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::TrailingBytes(1));
        // A forged huge length must fail cleanly rather than allocate.
        let err = msgpack::decode(&hex("dd ff ff ff ff"), &list(Type::Number)).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::Truncated);
    }

    #[test]
    fn strings_must_be_utf8() {
        let err = msgpack::decode(&hex("a2 ff fe"), &Type::String).unwrap_err();
        assert!(matches!(err.kind, CodecErrorKind::Malformed(_)), "{err}");
    }

    #[test]
    fn sets_collapse_known_duplicates_but_not_unknowns() {
        let bytes = hex("94 01 01 d4 00 00 d4 00 00");
        assert_eq!(
            msgpack::decode(&bytes, &set(Type::Number)).unwrap(),
            Value::Set(vec![int(1), Value::Unknown, Value::Unknown])
        );
        let encoded =
            msgpack::encode(&Value::Set(vec![s("a"), s("a")]), &set(Type::String)).unwrap();
        assert_eq!(encoded, hex("91 a1 61"));
    }
}

mod msgpack_round_trips {
    use super::*;

    #[test]
    fn every_primitive() {
        assert_msgpack_round_trip(&s(""), &Type::String);
        assert_msgpack_round_trip(
            &s("ünïcödé and a longer string past thirty-one bytes"),
            &Type::String,
        );
        assert_msgpack_round_trip(&Value::Bool(true), &Type::Bool);
        for n in [
            0,
            1,
            -1,
            127,
            128,
            -32,
            -33,
            255,
            65_535,
            -65_536,
            i64::MIN,
            i64::MAX,
        ] {
            assert_msgpack_round_trip(&int(n), &Type::Number);
        }
        for f in [0.5, -2.25, 1e300, -1e-300, f64::INFINITY, 9.3e18] {
            assert_msgpack_round_trip(&float(f), &Type::Number);
        }
    }

    #[test]
    fn null_and_unknown_at_every_type() {
        let types = [
            Type::String,
            Type::Number,
            Type::Bool,
            Type::Dynamic,
            list(Type::String),
            set(Type::Number),
            map(Type::Bool),
            association_type(),
            Type::Tuple(vec![Type::String]),
        ];
        for ty in &types {
            assert_msgpack_round_trip(&Value::Null, ty);
            assert_msgpack_round_trip(&Value::Unknown, ty);
        }
    }

    #[test]
    fn a_full_resource_object_with_unknowns_at_every_depth() {
        let value = object(&[
            ("id", Value::Unknown),
            (
                "tags",
                Value::Map(BTreeMap::from([
                    ("Name".to_string(), s("assoc")),
                    ("Owner".to_string(), Value::Unknown),
                ])),
            ),
            ("ports", Value::Set(vec![int(443), Value::Unknown])),
            ("enabled", Value::Null),
            (
                "rules",
                Value::List(vec![
                    object(&[("name", s("a")), ("port", int(80))]),
                    object(&[("name", s("b")), ("port", Value::Unknown)]),
                    Value::Unknown,
                ]),
            ),
            (
                "timeouts",
                object(&[("create", Value::Null), ("delete", s("45m"))]),
            ),
            (
                "extra",
                dynamic(
                    list(Type::String),
                    Value::List(vec![s("x"), Value::Unknown]),
                ),
            ),
            ("pair", Value::Tuple(vec![Value::Unknown, float(2.5)])),
        ]);
        assert_msgpack_round_trip(&value, &association_type());
    }

    #[test]
    fn empty_collections_stay_empty_rather_than_null() {
        let value = object(&[
            ("id", s("x")),
            ("tags", Value::Map(BTreeMap::new())),
            ("ports", Value::Set(vec![])),
            ("enabled", Value::Bool(false)),
            ("rules", Value::List(vec![])),
            ("timeouts", Value::Null),
            ("extra", Value::Null),
            ("pair", Value::Null),
        ]);
        assert_msgpack_round_trip(&value, &association_type());
    }

    #[test]
    fn dynamic_values_of_structural_types() {
        let ty = object_type(&[("n", Type::Number), ("l", list(Type::Dynamic))]);
        let inner = object(&[
            ("n", int(3)),
            (
                "l",
                Value::List(vec![
                    dynamic(Type::Bool, Value::Bool(true)),
                    Value::Null,
                    Value::Unknown,
                ]),
            ),
        ]);
        assert_msgpack_round_trip(&dynamic(ty.clone(), inner), &Type::Dynamic);
        assert_msgpack_round_trip(&dynamic(ty, Value::Unknown), &Type::Dynamic);
        assert_msgpack_round_trip(&dynamic(map(Type::String), Value::Null), &Type::Dynamic);
    }
}

mod json_state {
    use super::*;

    #[test]
    fn missing_attributes_decode_as_null_because_older_schemas_lacked_them() {
        let ty = object_type(&[("id", Type::String), ("name", Type::String)]);
        let value = json::decode(br#"{"id":"a-1"}"#, &ty).unwrap();
        assert_eq!(value, object(&[("id", s("a-1")), ("name", Value::Null)]));
    }

    #[test]
    fn unknown_attributes_are_rejected_with_their_location() {
        let ty = object_type(&[("timeouts", object_type(&[("delete", Type::String)]))]);
        let err = json::decode(br#"{"timeouts":{"delete":"1m","update":"2m"}}"#, &ty).unwrap_err();
        assert_eq!(
            err.kind,
            CodecErrorKind::UnsupportedAttribute("update".into())
        );
        assert_eq!(err.path, path(&["timeouts"]));
    }

    #[test]
    fn type_errors_name_the_path() {
        let ty = object_type(&[("rules", list(object_type(&[("port", Type::Number)])))]);
        let err = json::decode(br#"{"rules":[{"port":"eighty"}]}"#, &ty).unwrap_err();
        assert_eq!(
            err.path,
            AttributePath::root("rules").index(0).attribute("port")
        );
    }

    #[test]
    fn numbers_keep_integers_exact_and_accept_strings() {
        let value = json::decode(b"9007199254740993", &Type::Number).unwrap();
        assert_eq!(value, int(9_007_199_254_740_993));
        assert_eq!(json::decode(b"-12", &Type::Number).unwrap(), int(-12));
        assert_eq!(json::decode(b"2.5", &Type::Number).unwrap(), float(2.5));
        assert_eq!(json::decode(b"1e3", &Type::Number).unwrap(), int(1000));
        assert_eq!(json::decode(br#""42""#, &Type::Number).unwrap(), int(42));
        assert_eq!(
            json::decode(b"18446744073709551615", &Type::Number).unwrap(),
            float(18_446_744_073_709_551_615.0)
        );
    }

    #[test]
    fn primitives_convert_leniently_like_cty() {
        assert_eq!(json::decode(b"12", &Type::String).unwrap(), s("12"));
        assert_eq!(json::decode(b"true", &Type::String).unwrap(), s("true"));
        assert_eq!(
            json::decode(br#""false""#, &Type::Bool).unwrap(),
            Value::Bool(false)
        );
        assert!(json::decode(br#""yes""#, &Type::Bool).is_err());
    }

    #[test]
    fn a_full_state_round_trips() {
        let value = object(&[
            ("id", s("tgw-attach-1")),
            (
                "tags",
                Value::Map(BTreeMap::from([("Name".to_string(), s("x"))])),
            ),
            ("ports", Value::Set(vec![int(22), int(443)])),
            ("enabled", Value::Bool(true)),
            (
                "rules",
                Value::List(vec![object(&[("name", s("a")), ("port", float(8.5))])]),
            ),
            ("timeouts", Value::Null),
            (
                "extra",
                dynamic(
                    object_type(&[("k", Type::String)]),
                    object(&[("k", s("v"))]),
                ),
            ),
            ("pair", Value::Tuple(vec![s("a"), int(1)])),
        ]);
        assert_json_round_trip(&value, &association_type());
    }

    #[test]
    fn dynamic_values_are_wrapped_with_their_type() {
        let bytes = json::encode(
            &dynamic(list(Type::String), Value::List(vec![s("a")])),
            &Type::Dynamic,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"type":["list","string"],"value":["a"]}"#
        );
        let decoded = json::decode(br#"{"value":null,"type":"number"}"#, &Type::Dynamic).unwrap();
        assert_eq!(decoded, dynamic(Type::Number, Value::Null));
        assert_eq!(json::decode(b"null", &Type::Dynamic).unwrap(), Value::Null);
    }

    #[test]
    fn objects_are_written_with_every_attribute() {
        let ty = object_type(&[("a", Type::String), ("b", Type::Number)]);
        let bytes = json::encode(&object(&[("a", s("x"))]), &ty).unwrap();
        assert_eq!(bytes, br#"{"a":"x","b":null}"#);
    }

    #[test]
    fn unknown_values_cannot_be_written() {
        let ty = object_type(&[("timeouts", object_type(&[("delete", Type::String)]))]);
        let value = object(&[("timeouts", object(&[("delete", Value::Unknown)]))]);
        let err = json::encode(&value, &ty).unwrap_err();
        assert_eq!(err.kind, CodecErrorKind::UnknownNotAllowed);
        assert_eq!(err.path, path(&["timeouts", "delete"]));
    }

    #[test]
    fn malformed_json_is_an_error() {
        let err = json::decode(b"{", &Type::String).unwrap_err();
        assert!(matches!(err.kind, CodecErrorKind::Malformed(_)), "{err}");
    }
}

mod type_json {
    use super::*;
    use tf_provider_framework::type_json;

    #[test]
    fn types_encode_as_terraform_type_constraints() {
        let cases = [
            (Type::String, r#""string""#),
            (Type::Number, r#""number""#),
            (Type::Bool, r#""bool""#),
            (Type::Dynamic, r#""dynamic""#),
            (list(Type::String), r#"["list","string"]"#),
            (set(Type::Number), r#"["set","number"]"#),
            (map(list(Type::Bool)), r#"["map",["list","bool"]]"#),
            (
                object_type(&[("b", Type::Number), ("a", Type::String)]),
                r#"["object",{"a":"string","b":"number"}]"#,
            ),
            (
                Type::Tuple(vec![Type::String, Type::Dynamic]),
                r#"["tuple",["string","dynamic"]]"#,
            ),
            (object_type(&[]), r#"["object",{}]"#),
        ];
        for (ty, expected) in cases {
            assert_eq!(
                String::from_utf8(type_json::encode_type(&ty)).unwrap(),
                expected
            );
            assert_eq!(type_json::decode_type(expected.as_bytes()).unwrap(), ty);
        }
    }

    #[test]
    fn the_resource_type_round_trips() {
        let ty = association_type();
        assert_eq!(
            type_json::decode_type(&type_json::encode_type(&ty)).unwrap(),
            ty
        );
    }

    #[test]
    fn an_optional_attribute_list_is_accepted_and_ignored() {
        let ty =
            type_json::decode_type(br#"["object",{"a":"string","b":"number"},["b"]]"#).unwrap();
        assert_eq!(ty, object_type(&[("a", Type::String), ("b", Type::Number)]));
    }

    #[test]
    fn invalid_type_constraints_are_rejected() {
        for bad in [
            r#""text""#,
            r#"["list"]"#,
            r#"["vector","string"]"#,
            "42",
            r#"["object",["a"]]"#,
            "{",
        ] {
            let err = type_json::decode_type(bad.as_bytes()).unwrap_err();
            assert!(
                matches!(err.kind, CodecErrorKind::InvalidType(_)),
                "{bad}: {err}"
            );
        }
    }
}

mod durations {
    use super::*;

    #[test]
    fn go_duration_syntax_is_accepted() {
        let cases = [
            ("30m", Duration::from_secs(1800)),
            ("1h30m", Duration::from_secs(5400)),
            ("45s", Duration::from_secs(45)),
            ("1.5h", Duration::from_secs(5400)),
            ("500ms", Duration::from_millis(500)),
            ("2h0m0s", Duration::from_secs(7200)),
            ("0", Duration::ZERO),
            ("+10s", Duration::from_secs(10)),
            (".5s", Duration::from_millis(500)),
            ("1.s", Duration::from_secs(1)),
            ("1m30.25s", Duration::from_millis(90_250)),
            ("250us", Duration::from_micros(250)),
            ("3µs", Duration::from_micros(3)),
            ("7ns", Duration::from_nanos(7)),
            ("1.0000000001s", Duration::from_secs(1)),
        ];
        for (text, expected) in cases {
            assert_eq!(timeouts::parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn malformed_durations_are_rejected_with_an_example() {
        for text in [
            "",
            "  ",
            "-5m",
            "30",
            "5x",
            "1d",
            "m",
            "1h30",
            ".s",
            "1..5s",
            "99999999999h",
        ] {
            let err = timeouts::parse_duration(text).unwrap_err();
            assert!(err.contains("30m"), "{text:?}: {err}");
            assert!(err.contains(&format!("{text:?}")), "{text:?}: {err}");
        }
        assert!(
            timeouts::parse_duration("-5m")
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            timeouts::parse_duration("5x")
                .unwrap_err()
                .contains("unknown unit \"x\"")
        );
    }

    #[test]
    fn durations_are_formatted_the_way_users_write_them() {
        let cases = [
            (Duration::from_secs(1800), "30m"),
            (Duration::from_secs(3600), "1h"),
            (Duration::from_secs(5400), "1h30m"),
            (Duration::from_secs(45), "45s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::ZERO, "0s"),
        ];
        for (duration, expected) in cases {
            assert_eq!(timeouts::format_duration(duration), expected);
            assert_eq!(timeouts::parse_duration(expected), Ok(duration));
        }
    }
}

mod timeouts_block {
    use super::*;

    const DEFAULT: Duration = Duration::from_secs(30 * 60);

    fn resource(timeouts_value: Value) -> Value {
        object(&[("id", s("a-1")), ("timeouts", timeouts_value)])
    }

    #[test]
    fn the_block_is_a_single_nested_block_of_optional_strings() {
        let nested = timeouts::block(
            &["create", "delete"],
            DEFAULT,
            timeouts::Wording {
                object: "the association",
                remote: "AWS",
            },
        );
        assert_eq!(nested.type_name, "timeouts");
        assert_eq!(nested.nesting, Nesting::Single);
        let names: Vec<_> = nested
            .block
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["create", "delete"]);
        for attribute in &nested.block.attributes {
            assert!(attribute.optional && !attribute.required && !attribute.computed);
            assert_eq!(attribute.ty, Type::String);
        }
        assert_eq!(
            nested.block.attribute("delete").unwrap().description,
            "How long to wait for the association to be deleted. A \
             [duration](https://pkg.go.dev/time#ParseDuration) such as `30m` or `1h`. \
             Defaults to `30m`."
        );
        assert_eq!(
            nested.block.implied_type(),
            object_type(&[("create", Type::String), ("delete", Type::String)])
        );
    }

    #[test]
    fn an_absent_block_or_attribute_means_the_default() {
        assert_eq!(
            timeouts::resolve(&resource(Value::Null), "delete", DEFAULT),
            Ok(DEFAULT)
        );
        assert_eq!(
            timeouts::resolve(&object(&[("id", s("x"))]), "delete", DEFAULT),
            Ok(DEFAULT)
        );
        let block = object(&[("create", s("5m")), ("delete", Value::Null)]);
        assert_eq!(
            timeouts::resolve(&resource(block), "delete", DEFAULT),
            Ok(DEFAULT)
        );
    }

    #[test]
    fn a_configured_timeout_wins() {
        let block = object(&[("create", Value::Null), ("delete", s("1h15m"))]);
        assert_eq!(
            timeouts::resolve(&resource(block), "delete", DEFAULT),
            Ok(Duration::from_secs(4500))
        );
    }

    #[test]
    fn an_invalid_timeout_is_reported_at_its_attribute() {
        let block = object(&[("create", Value::Null), ("delete", s("ten minutes"))]);
        let diagnostic = timeouts::resolve(&resource(block), "delete", DEFAULT).unwrap_err();
        assert_eq!(diagnostic.attribute, Some(path(&["timeouts", "delete"])));
        assert!(
            diagnostic.detail.contains("\"ten minutes\""),
            "{}",
            diagnostic.detail
        );
        assert!(diagnostic.detail.contains("30m"), "{}", diagnostic.detail);
    }

    #[test]
    fn a_zero_timeout_is_rejected() {
        let block = object(&[("create", s("0s")), ("delete", Value::Null)]);
        let diagnostic = timeouts::resolve(&resource(block), "create", DEFAULT).unwrap_err();
        assert_eq!(diagnostic.attribute, Some(path(&["timeouts", "create"])));
    }

    #[test]
    fn validation_reports_every_bad_operation_and_skips_unknowns() {
        let block = object(&[
            ("create", s("5 minutes")),
            ("update", Value::Unknown),
            ("delete", s("-1m")),
        ]);
        let diagnostics = timeouts::validate(&resource(block), &["create", "update", "delete"]);
        let paths: Vec<_> = diagnostics.iter().map(|d| d.attribute.clone()).collect();
        assert_eq!(
            paths,
            [
                Some(path(&["timeouts", "create"])),
                Some(path(&["timeouts", "delete"]))
            ]
        );
        assert!(diagnostics.has_errors());
    }

    #[test]
    fn validation_accepts_unknown_blocks_and_valid_values() {
        assert!(timeouts::validate(&resource(Value::Unknown), &["create"]).is_empty());
        let block = object(&[("create", s("10m")), ("delete", s("2h"))]);
        assert!(timeouts::validate(&resource(block), &["create", "delete"]).is_empty());
    }
}
