//! Arbitrary bytes into the JSON decoders: values (`RawState.json`, `DynamicValue.json`) against
//! one of the representative schema types (chosen by the first byte), and type-constraint JSON.
//! Nothing may panic; what decodes must survive round trips unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tf_provider_framework::{json, type_json};

fuzz_target!(|data: &[u8]| {
    let Some((ty, payload)) = awsassoc_fuzz::split_input(data) else {
        return;
    };
    if let Ok(value) = json::decode(payload, &ty) {
        awsassoc_fuzz::check_round_trips(&value, &ty);
    }
    if let Ok(parsed) = type_json::decode_type(payload) {
        let text = type_json::encode_type(&parsed);
        assert_eq!(
            type_json::decode_type(&text).as_ref(),
            Ok(&parsed),
            "type JSON round trip changed the type"
        );
    }
});
