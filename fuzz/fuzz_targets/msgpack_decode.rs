//! Arbitrary bytes into the msgpack `DynamicValue` decoder, against one of the representative
//! schema types (chosen by the first byte). Decoding must never panic; what decodes must survive
//! encode/decode round trips unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tf_provider_framework::msgpack;

fuzz_target!(|data: &[u8]| {
    let Some((ty, payload)) = awsassoc_fuzz::split_input(data) else {
        return;
    };
    if let Ok(value) = msgpack::decode(payload, &ty) {
        awsassoc_fuzz::check_round_trips(&value, &ty);
    }
});
